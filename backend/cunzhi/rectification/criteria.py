"""Screening criteria: a county's list, its six defaults, adding and editing one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import audit
from cunzhi.kit.errors import Conflict, NotFound, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.principal import Principal
from cunzhi.rectification import schemas as s
from cunzhi.rectification import scoring
from cunzhi.rectification.common import county_admin_county, county_of
from cunzhi.rectification.models import (
    Criterion,
)


@dataclass(frozen=True)
class DefaultCriterion:
    """A default criterion as a county without criteria of its own sees it (not stored: no id, version 0)."""

    county_code: str
    code: str
    name: str
    category: str
    weight: Decimal
    min_score: int
    max_score: int
    position: int
    active: bool = True
    id: None = None
    version: int = 0


async def ensure_default_criteria(session: AsyncSession, county_code: str, p: Principal | None = None) -> None:
    """A county without criteria gets the six default ones (once; concurrent callers are fine).

    Only writes call this (opening a round, adding or saving criteria, the demo seed): reading the
    criteria never stores anything."""
    have = (
        await session.execute(select(func.count()).select_from(Criterion).where(Criterion.county_code == county_code))
    ).scalar_one()
    if have:
        return
    rows = [
        {
            "county_code": county_code,
            "code": c.code,
            "name": c.name,
            "category": c.category,
            "weight": c.weight,
            "min_score": c.min_score,
            "max_score": c.max_score,
            "position": i * 10,
            "active": True,
            "version": 1,
        }
        for i, c in enumerate(scoring.DEFAULT_CRITERIA)
    ]
    result = await session.execute(
        pg_insert(Criterion)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_screening_criteria_county_code_code")
        .returning(Criterion.code)
    )
    added = list(result.scalars())
    if added:
        await audit.record(session, p, "screening_criterion.defaults", "county", county_code, after={"criteria": added})


def _unsaved_defaults(county_code: str) -> list[DefaultCriterion]:
    """The six default criteria as a county without criteria of its own sees them (not stored)."""
    return [
        DefaultCriterion(
            county_code=county_code,
            code=c.code,
            name=c.name,
            category=c.category,
            weight=c.weight,
            min_score=c.min_score,
            max_score=c.max_score,
            position=i * 10,
        )
        for i, c in enumerate(scoring.DEFAULT_CRITERIA)
    ]


async def list_criteria(
    session: AsyncSession, p: Principal, *, include_inactive: bool = False
) -> Sequence[Criterion | DefaultCriterion]:
    """The county's criteria. Reading never writes: a county that has none of its own yet sees the
    defaults unsaved (id null); they are stored when it opens its first round or edits criteria."""
    county = await county_of(session, p)
    if county is None:
        return []
    stmt = select(Criterion).where(Criterion.county_code == county)
    if not include_inactive:
        stmt = stmt.where(Criterion.active.is_(True))
    rows = (await session.execute(stmt.order_by(Criterion.position, Criterion.code))).scalars().all()
    if not rows:
        have_any = (
            await session.execute(select(func.count()).select_from(Criterion).where(Criterion.county_code == county))
        ).scalar_one()
        if not have_any:
            return _unsaved_defaults(county)
    return rows


async def save_default_criteria(session: AsyncSession, p: Principal) -> Sequence[Criterion | DefaultCriterion]:
    """Store the county's six default criteria so they can be edited one by one (nothing happens
    when the county has criteria already). Audited when it writes."""
    county = county_admin_county(p)
    await ensure_default_criteria(session, county, p)
    return await list_criteria(session, p, include_inactive=True)


def _check_criterion(c: scoring.Criterion) -> None:
    problems = scoring.validate_criterion(c)
    if problems:
        raise Unprocessable(
            "The criterion is not valid",
            errors=[{"loc": ["body", *p.loc], "msg": p.msg, "type": p.type} for p in problems],
        )


async def create_criterion(session: AsyncSession, p: Principal, data: s.CriterionCreate) -> Criterion:
    county = county_admin_county(p)
    await ensure_default_criteria(session, county, p)
    _check_criterion(scoring.Criterion(data.code, data.name, data.category.value, data.weight, data.min_score, data.max_score))
    exists = (
        await session.execute(select(Criterion.id).where(Criterion.county_code == county, Criterion.code == data.code))
    ).scalar()
    if exists:
        raise Conflict(f"Criterion {data.code} exists", code="criterion_exists")
    position = data.position
    if position is None:
        position = (
            await session.execute(
                select(func.coalesce(func.max(Criterion.position), 0) + 10).where(Criterion.county_code == county)
            )
        ).scalar_one()
    c = Criterion(
        county_code=county,
        code=data.code,
        name=data.name,
        category=data.category.value,
        weight=data.weight,
        min_score=data.min_score,
        max_score=data.max_score,
        position=position,
        active=True,
    )
    session.add(c)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"Criterion {data.code} exists", code="criterion_exists") from None
    await audit.record(session, p, "screening_criterion.create", "screening_criterion", c.id, after=audit.snapshot(c))
    return c


async def update_criterion(
    session: AsyncSession, p: Principal, criterion_id: int, data: s.CriterionUpdate, if_match: str | None
) -> Criterion:
    county = county_admin_county(p)
    c = (
        await session.execute(
            select(Criterion)
            .where(Criterion.id == criterion_id, Criterion.county_code == county)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if c is None:
        raise NotFound("Criterion not found", code="criterion_not_found")
    expected_version(if_match, c.version)
    before = audit.snapshot(c, "created_at", "updated_at")
    changes = data.model_dump(exclude_unset=True)
    if "category" in changes and changes["category"] is not None:
        changes["category"] = changes["category"].value
    new = {**before, **{k: v for k, v in changes.items() if v is not None}}
    _check_criterion(
        scoring.Criterion(c.code, new["name"], new["category"], Decimal(str(new["weight"])), new["min_score"], new["max_score"])
    )
    for k, v in changes.items():
        if v is not None:
            setattr(c, k, v)
    await session.flush()
    await session.refresh(c)
    await audit.record(
        session,
        p,
        "screening_criterion.update",
        "screening_criterion",
        c.id,
        before=before,
        after=audit.snapshot(c, "created_at", "updated_at"),
    )
    return c
