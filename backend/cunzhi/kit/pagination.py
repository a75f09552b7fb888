from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1 to 200)")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class Page(BaseModel, Generic[T]):
    """One page of a list: every list route answers this (`Page[VillageOut]` is `Page_VillageOut_` in
    the contract). `total` counts every row that matches the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


class CursorPage(BaseModel, Generic[T]):
    """For large append-only collections: pass `next_cursor` back as `cursor`."""

    items: list[T]
    next_cursor: str | None
