from typing import Annotated

from fastapi import APIRouter, Path, Query

from cunzhi.divisions import service
from cunzhi.divisions.schemas import DivisionList, DivisionOut
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/api/v1/divisions", tags=["divisions"])
DivisionCode = Annotated[str, Path(pattern=r"^\d{12}$", description="12-digit division code")]


@router.get("", response_model=DivisionList, name="list", summary="Townships (and the county) in scope")
async def list_divisions(
    principal: PrincipalDep,
    session: SessionDep,
    level: DivisionLevel | None = None,
    parent_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> DivisionList:
    items = await service.list_divisions(session, principal, level=level, parent_code=parent_code)
    return DivisionList(items=[DivisionOut.model_validate(d) for d in items], total=len(items))


@router.get("/{code}", response_model=DivisionOut, name="get", summary="A division: county or township")
async def get_division(code: DivisionCode, principal: PrincipalDep, session: SessionDep) -> DivisionOut:
    return DivisionOut.model_validate(await service.get_division(session, principal, code))
