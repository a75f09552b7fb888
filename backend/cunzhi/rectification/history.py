"""A village's whole screening and rectification history."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village
from cunzhi.rectification import schemas as s
from cunzhi.rectification.cases import case_parts, case_view, cases_query
from cunzhi.rectification.models import (
    Case,
    Event,
    Proposal,
    Round,
    ScoreSheet,
)
from cunzhi.rectification.views import case_out, event_out, measure_out, note_out, problem_out, proposal_out, revision_out


async def village_history(session: AsyncSession, p: Principal, village_code: str) -> s.VillageHistory:
    v = await get_village(session, p, village_code)
    revisions: dict[int, list[ScoreSheet]] = defaultdict(list)
    for sh in (
        await session.execute(select(ScoreSheet).where(ScoreSheet.village_id == v.id).order_by(ScoreSheet.revision))
    ).scalars():
        revisions[sh.round_id].append(sh)
    sheets = {rid: revs[-1] for rid, revs in revisions.items()}
    props = {pr.round_id: pr for pr in (await session.execute(select(Proposal).where(Proposal.village_id == v.id))).scalars()}
    round_ids = sorted(set(sheets) | set(props))
    rounds = (
        (await session.execute(select(Round).where(Round.id.in_(round_ids)).order_by(Round.opened_at, Round.id))).scalars().all()
        if round_ids
        else []
    )
    hist_rounds = [
        s.HistoryRound(
            round_id=r.id,
            title=r.title,
            round_status=r.status,
            opened_at=r.opened_at,
            scores=dict(sheets[r.id].scores) if r.id in sheets else None,
            scored_by=sheets[r.id].scored_by if r.id in sheets else None,
            scored_at=sheets[r.id].scored_at if r.id in sheets else None,
            score_revisions=[revision_out(x) for x in reversed(revisions.get(r.id, []))],
            proposal=proposal_out(props[r.id], v) if r.id in props else None,
        )
        for r in rounds
    ]
    case_rows = (await session.execute(cases_query(p).where(Case.village_id == v.id).order_by(Case.id))).all()
    problems, measures, notes = await case_parts(session, [row[0].id for row in case_rows])
    today = clock.local_today()
    cases = [
        s.HistoryCase(
            case=case_out(case_view(row)),
            problems=[problem_out(x) for x in problems[row[0].id]],
            measures=[measure_out(m, today) for m in measures[row[0].id]],
            notes=[note_out(n) for n in notes[row[0].id]],
        )
        for row in case_rows
    ]
    events = (await session.execute(select(Event).where(Event.village_id == v.id).order_by(Event.id))).scalars().all()
    return s.VillageHistory(
        village=s.HistoryVillage(
            code=v.code,
            name=v.name,
            township_code=v.township_code,
            status=v.status,
            problem_categories=v.problem_categories or [],
        ),
        rounds=hist_rounds,
        cases=cases,
        events=[event_out(e) for e in events],
    )
