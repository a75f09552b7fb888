"""Bulk upserts by external id for township systems: one request, many items, one answer per item.

An item is identified by its external id (a village's 12-digit code; a cadre's or task's id in the
township system, kept with the township's code). Each item is applied in a savepoint through the
domain's own service functions (the same validation and audit as a single write): `created`,
`updated`, `unchanged` (nothing differed, nothing written), or `error` with the problem's code,
detail and field errors (the savepoint rolled back; the other items stand). A body that does not
match the schema (or names one external id twice, or holds more than MAX_ITEMS) is refused whole.

The items' keys are locked first, in sorted order (transaction-scoped advisory locks), so two equal
requests at the same moment run one after the other: the second finds what the first wrote and
answers `unchanged`, and no duplicate is ever made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import DomainError, Forbidden
from cunzhi.kit.principal import Principal

MAX_ITEMS = 200
ExternalId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$",
                                  description="The township system's own id (1 to 64 of A-Z a-z 0-9 . _ : / -)")]

T = TypeVar("T")


class Outcome(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"
    error = "error"


class ItemError(BaseModel):
    status: int = Field(description="The HTTP status a single write would have answered")
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = Field(None, description="Field problems: loc (from the item), msg, type")


class ItemResult(BaseModel):
    index: int = Field(description="Position of the item in the request (from 0)")
    external_id: str
    result: Outcome
    id: str | None = Field(None, description="The record's id in Cunzhi (a village's code)")
    version: int | None = Field(None, description="The record's version (its ETag) after the upsert")
    error: ItemError | None = None


class Summary(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0


class BulkReport(BaseModel):
    summary: Summary
    items: list[ItemResult]


def unique_keys(items: Sequence[Any], key: Callable[[Any], str]) -> Sequence[Any]:
    """For a field validator: an external id named twice in one request is refused."""
    seen: set[str] = set()
    for item in items:
        k = key(item)
        if k in seen:
            raise ValueError(f"external id {k!r} appears more than once")
        seen.add(k)
    return items


def township_of(p: Principal) -> str:
    """The township a bulk writer writes in: an API client of a township (others are refused)."""
    if p.division_level != DivisionLevel.township or p.division_code is None:
        raise Forbidden("Bulk upserts are for township systems (API clients of a township)")
    return p.division_code


async def lock_keys(session: AsyncSession, namespace: str, keys: Sequence[str]) -> None:
    for k in sorted(set(keys)):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                              {"k": f"bulk:{namespace}:{k}"})


# What an item's apply returns: its outcome, the record's id and version.
Applied = tuple[Outcome, str, int]


def _relative(errors: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Field errors of a single write name `body.<field>`: within an item they name `<field>`."""
    if not errors:
        return errors
    out = []
    for e in errors:
        loc = list(e.get("loc") or [])
        out.append({**e, "loc": loc[1:] if loc[:1] == ["body"] else loc})
    return out


async def run(session: AsyncSession, items: Sequence[T], key: Callable[[T], str],
              apply: Callable[[T], Awaitable[Applied]]) -> BulkReport:
    summary = Summary()
    results: list[ItemResult] = []
    for index, item in enumerate(items):
        ext = key(item)
        try:
            async with session.begin_nested():
                outcome, ident, version = await apply(item)
        except DomainError as exc:
            summary.errors += 1
            results.append(ItemResult(index=index, external_id=ext, result=Outcome.error, error=ItemError(
                status=exc.status, code=exc.code, detail=exc.detail, errors=_relative(exc.errors))))
            continue
        setattr(summary, outcome.value, getattr(summary, outcome.value) + 1)
        results.append(ItemResult(index=index, external_id=ext, result=outcome, id=ident, version=version))
    return BulkReport(summary=summary, items=results)


def changed(current: Any, wanted: dict[str, Any]) -> dict[str, Any]:
    """The fields of `wanted` whose value differs from `current`'s attribute."""
    return {k: v for k, v in wanted.items() if _plain(getattr(current, k)) != _plain(v)}


def _plain(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, StrEnum):
        return v.value
    return v
