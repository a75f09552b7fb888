"""What every part of screening and rectification shares: the county of a caller, who may write, the
village trail (events) and the one way a village's status changes.

Locking: every write to a round takes the round's row lock first (scores, proposals, confirmation
and closing serialise on it), every write to a case takes the case's row lock, and every change of
a village's status takes the village's row lock. Status changes go through `states`; anything else
is an `IllegalTransition` (409). Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cunzhi.kit import audit, clock
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.errors import Forbidden
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import principal_county
from cunzhi.rectification.models import (
    Event,
    ScoreSheet,
)
from cunzhi.rectification.permissions import RECT, RectAction
from cunzhi.rectification.states import VILLAGE
from cunzhi.villages.models import Village

# ---------------------------------------------------------------------------------------------
# Helpers


def now() -> datetime:
    return clock.now()


async def county_of(session: AsyncSession, p: Principal) -> str | None:
    """The county a principal belongs to (None when it has none, e.g. a province-level user)."""
    return await principal_county(session, p, via_village=True)


def county_admin_county(p: Principal) -> str:
    require(p, RECT, RectAction.county_desk, detail="Only the county organisation department may do this")
    if p.division_level != DivisionLevel.county or p.division_code is None:
        raise Forbidden("Only the county organisation department may do this")
    return p.division_code


def require_writer(p: Principal) -> None:
    require(p, RECT, RectAction.write, detail=f"Role {p.role.value} may not do this")


async def record_event(
    session: AsyncSession,
    p: Principal,
    *,
    village_id: int,
    kind: str,
    round_id: int | None = None,
    case_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        Event(
            village_id=village_id,
            round_id=round_id,
            case_id=case_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            detail=audit._plain(detail or {}),
            actor=p.key,
            actor_name=p.name,
            at=now(),
        )
    )


async def set_village_status(
    session: AsyncSession,
    p: Principal,
    village: Village,
    event: str,
    *,
    categories: list[str] | None = None,
    round_id: int | None = None,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Move a (row-locked) village along its status machine, record the change and audit it."""
    old_status = village.status
    before: dict[str, Any] = {"status": old_status, "problem_categories": list(village.problem_categories or [])}
    new = VILLAGE.next(village.status, event)
    village.status = new
    if categories is not None:
        village.problem_categories = list(categories)
    await record_event(
        session,
        p,
        village_id=village.id,
        kind="village_status",
        round_id=round_id,
        case_id=case_id,
        from_status=old_status,
        to_status=new,
        detail={"event": event, "problem_categories": list(village.problem_categories or []), **(detail or {})},
    )
    await session.flush()
    await audit.record(
        session,
        p,
        f"village.{event}",
        "village",
        village.code,
        before=before,
        after={"status": village.status, "problem_categories": list(village.problem_categories or [])},
    )


def current_sheet() -> Any:
    """SQL condition: the `ScoreSheet` row in the query is its village's current revision (no later
    row supersedes it). Score sheets are append-only; a correction appends a superseding row."""
    later = aliased(ScoreSheet)
    return ~exists().where(later.supersedes_id == ScoreSheet.id)


async def lock_villages(session: AsyncSession, ids: Iterable[int]) -> dict[int, Village]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = (
        (
            await session.execute(
                select(Village)
                .where(Village.id.in_(ids))
                .order_by(Village.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    return {v.id: v for v in rows}


async def set_village_categories(
    session: AsyncSession,
    p: Principal,
    village: Village,
    categories: list[str],
    *,
    round_id: int | None = None,
    case_id: int | None = None,
) -> None:
    """A (row-locked) village's problem categories follow its open case: a problem found later
    reaches the village, and so pairing and posting proposals. Recorded and audited; no status change."""
    old = list(village.problem_categories or [])
    if old == list(categories):
        return
    village.problem_categories = list(categories)
    await record_event(
        session,
        p,
        village_id=village.id,
        kind="village_categories",
        round_id=round_id,
        case_id=case_id,
        detail={"before": old, "problem_categories": list(categories)},
    )
    await session.flush()
    await audit.record(
        session,
        p,
        "village.categories",
        "village",
        village.code,
        before={"problem_categories": old},
        after={"problem_categories": list(categories)},
    )
