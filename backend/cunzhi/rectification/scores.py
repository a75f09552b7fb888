"""Score sheets: the township's grid, entering whole sheets and correcting them until it hands in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import audit
from cunzhi.kit.errors import Conflict, NotFound, PreconditionFailed, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village, village_clause
from cunzhi.rectification import schemas as s
from cunzhi.rectification import scoring, states
from cunzhi.rectification.common import current_sheet, now, record_event, require_writer
from cunzhi.rectification.models import (
    Round,
    RoundTownship,
    ScoreSheet,
)
from cunzhi.rectification.rounds import find_round, round_criteria, scoring_open
from cunzhi.rectification.states import ROUND, RoundEvent
from cunzhi.villages.models import Village


@dataclass(frozen=True)
class SheetView:
    """A village of the round with its current score sheet (None while it is not scored)."""

    village: Village
    sheet: ScoreSheet | None


@dataclass(frozen=True)
class SheetHistory:
    """A scored village with every revision of its sheet, oldest first (the last is current)."""

    village: Village
    revisions: list[ScoreSheet]


async def score_sheet_grid(
    session: AsyncSession, p: Principal, round_id: int, *, township_code: str | None = None
) -> list[SheetView]:
    r = await find_round(session, p, round_id)
    stmt = (
        select(Village, ScoreSheet)
        .join(RoundTownship, and_(RoundTownship.round_id == r.id, RoundTownship.township_code == Village.township_code))
        .outerjoin(ScoreSheet, and_(ScoreSheet.round_id == r.id, ScoreSheet.village_id == Village.id, current_sheet()))
        .where(village_clause(p))
        .order_by(Village.township_code, Village.code)
    )
    if township_code:
        stmt = stmt.where(Village.township_code == township_code)
    rows = (await session.execute(stmt)).all()
    if township_code and not rows:
        # Not a township of this round, or not the caller's: no grid with a half title, a 404.
        raise NotFound("Township not found in this round", code="township_not_found")
    return [SheetView(v, sh) for v, sh in rows]


async def _sheet_in_round(
    session: AsyncSession, p: Principal, r: Round, village_code: str
) -> tuple[Village, RoundTownship, list[ScoreSheet]]:
    """A village of the round (in the caller's scope) with every revision of its sheet, oldest first;
    404 when the village is out of scope, not in the round or not scored."""
    v = await get_village(session, p, village_code)
    rt = (
        await session.execute(
            select(RoundTownship).where(RoundTownship.round_id == r.id, RoundTownship.township_code == v.township_code)
        )
    ).scalar_one_or_none()
    revisions = (
        (
            await session.execute(
                select(ScoreSheet)
                .where(ScoreSheet.round_id == r.id, ScoreSheet.village_id == v.id)
                .order_by(ScoreSheet.revision)
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    if rt is None or not revisions:
        raise NotFound("This village has no score sheet in the round", code="score_sheet_not_found")
    return v, rt, list(revisions)


async def get_sheet(session: AsyncSession, p: Principal, round_id: int, village_code: str) -> SheetHistory:
    """One village's current sheet with every earlier revision (its ETag is the current revision)."""
    r = await find_round(session, p, round_id)
    v, _, revisions = await _sheet_in_round(session, p, r, village_code)
    return SheetHistory(v, revisions)


async def correct_scores(
    session: AsyncSession,
    p: Principal,
    round_id: int,
    village_code: str,
    data: s.SheetCorrection,
    if_match: str | None,
) -> SheetView:
    """Correct a saved sheet while its township has not handed in. The sheet is replaced whole
    (same validation as entering it); the earlier revision stays, superseded by the new one."""
    require_writer(p)
    r = await find_round(session, p, round_id, for_update=True)  # serialises with entering, handing in
    v, rt, revisions = await _sheet_in_round(session, p, r, village_code)
    current = revisions[-1]
    scoring_open(r)
    if rt.proposed_at is not None:
        raise Conflict(
            "The township has handed in its proposal: its scores can no longer be corrected",
            code="township_proposed",
            extra={"townships": [rt.township_code]},
        )
    expected_version(if_match, current.revision)
    crits = await round_criteria(session, r.id)
    problems = scoring.validate_scores(crits, data.scores, complete=True, loc=("body", "scores"))
    if problems:
        raise Unprocessable("Some scores are not valid", errors=[x.as_dict() for x in problems])
    scores = {c.code: int(data.scores[c.code]) for c in crits}
    if scores == dict(current.scores):
        return SheetView(v, current)  # nothing changed: no new revision
    row = ScoreSheet(
        round_id=r.id,
        village_id=v.id,
        revision=current.revision + 1,
        supersedes_id=current.id,
        scores=scores,
        reason=data.reason,
        scored_by=p.name,
        scored_at=now(),
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        # Another correction of the same revision got there first (the round lock makes this rare).
        raise PreconditionFailed(extra={"current_version": current.revision + 1}) from None
    changed = {k: [current.scores.get(k), x] for k, x in scores.items() if current.scores.get(k) != x}
    await record_event(
        session,
        p,
        village_id=v.id,
        kind="score_corrected",
        round_id=r.id,
        detail={"revision": row.revision, "scores": scores, "changed": changed, "reason": data.reason},
    )
    await session.flush()
    await audit.record(
        session,
        p,
        "screening_score_sheet.correct",
        "screening_score_sheet",
        row.id,
        before={
            "sheet_id": current.id,
            "round_id": r.id,
            "village_code": v.code,
            "revision": current.revision,
            "scores": dict(current.scores),
        },
        after={
            "sheet_id": row.id,
            "round_id": r.id,
            "village_code": v.code,
            "revision": row.revision,
            "scores": scores,
            "reason": data.reason,
        },
    )
    return SheetView(v, row)


async def enter_scores(session: AsyncSession, p: Principal, round_id: int, data: s.ScoresIn) -> list[SheetView]:
    """Save whole score sheets (every criterion of the round) for villages; all or nothing."""
    require_writer(p)
    r = await find_round(session, p, round_id, for_update=True)
    scoring_open(r)
    crits = await round_criteria(session, r.id)

    codes = [sh.village_code for sh in data.sheets]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise Unprocessable(
            "A village appears twice",
            errors=[
                {"loc": ["body", "sheets", i, "village_code"], "msg": f"{c} appears twice", "type": "duplicate_village"}
                for i, c in enumerate(codes)
                if c in dup
            ],
        )
    villages = {
        v.code: v for v in (await session.execute(select(Village).where(Village.code.in_(codes), village_clause(p)))).scalars()
    }
    missing = [c for c in codes if c not in villages]
    if missing:
        raise NotFound(f"Villages not found: {', '.join(missing)}", code="village_not_found", extra={"villages": missing})

    covered = {
        rt.township_code: rt
        for rt in (
            await session.execute(
                select(RoundTownship)
                .where(RoundTownship.round_id == r.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    errors: list[dict[str, Any]] = []
    for i, sh in enumerate(data.sheets):
        v = villages[sh.village_code]
        if v.township_code not in covered:
            errors.append(
                {
                    "loc": ["body", "sheets", i, "village_code"],
                    "msg": f"{v.code} is not in a township this round covers",
                    "type": "village_not_in_round",
                }
            )
            continue
        for prob in scoring.validate_scores(crits, sh.scores, complete=True, loc=("body", "sheets", i, "scores")):
            errors.append(prob.as_dict())
    if errors:
        raise Unprocessable("Some scores are not valid", errors=errors)

    handed_in = sorted({villages[c].township_code for c in codes if covered[villages[c].township_code].proposed_at})
    if handed_in:
        raise Conflict(
            "These townships have already handed in their proposal",
            code="township_proposed",
            extra={"townships": handed_in},
        )
    already = (
        (
            await session.execute(
                select(Village.code)
                .join(ScoreSheet, ScoreSheet.village_id == Village.id)
                .where(ScoreSheet.round_id == r.id, Village.code.in_(codes))
            )
        )
        .scalars()
        .all()
    )
    if already:
        raise Conflict(
            f"Already scored in this round: {', '.join(sorted(already))}",
            code="already_scored",
            extra={"villages": sorted(already)},
        )

    if r.status == states.RoundStatus.open.value:
        before = audit.snapshot(r)
        r.status = ROUND.next(r.status, RoundEvent.begin_scoring)
        await session.flush()
        await audit.record(
            session, p, "screening_round.begin_scoring", "screening_round", r.id, before=before, after=audit.snapshot(r)
        )
    at = now()
    sheets: list[ScoreSheet] = []
    for sh in data.sheets:
        v = villages[sh.village_code]
        row = ScoreSheet(
            round_id=r.id,
            village_id=v.id,
            revision=1,
            scores={k: int(x) for k, x in sh.scores.items()},
            scored_by=p.name,
            scored_at=at,
        )
        session.add(row)
        sheets.append(row)
        await record_event(session, p, village_id=v.id, kind="scored", round_id=r.id, detail={"scores": row.scores})
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("Already scored in this round", code="already_scored") from None
    for row, sh in zip(sheets, data.sheets, strict=True):
        await audit.record(
            session,
            p,
            "screening_score_sheet.create",
            "screening_score_sheet",
            row.id,
            after={"round_id": r.id, "village_code": sh.village_code, "scores": row.scores},
        )
    return [SheetView(villages[sh.village_code], row) for row, sh in zip(sheets, data.sheets, strict=True)]
