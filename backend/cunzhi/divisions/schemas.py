from pydantic import BaseModel, ConfigDict

from cunzhi.kit.codes import DivisionLevel


class DivisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    level: DivisionLevel
    parent_code: str | None


class DivisionList(BaseModel):
    items: list[DivisionOut]
    total: int
