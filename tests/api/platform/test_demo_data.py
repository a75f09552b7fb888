"""The demo county is alive: its rectification cases come from a confirmed screening round, and a
second load adds nothing."""

from sqlalchemy import func, select

from cunzhi.demo import seed
from cunzhi.rectification.models import Case, Event, Proposal, Round, ScoreSheet
from cunzhi.villages.models import Village


async def _counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = {"villages": Village, "rounds": Round, "cases": Case, "sheets": ScoreSheet, "events": Event}
    return {k: (await db.execute(select(func.count()).select_from(m))).scalar_one() for k, m in tables.items()}


async def test_the_demo_cases_come_from_a_confirmed_round(db):
    rounds = (await db.execute(select(Round))).scalars().all()
    assert [r.status for r in rounds] == ["confirmed"]
    r = rounds[0]
    assert r.confirmed_by == "admin" and r.confirmed_at and r.opened_at < r.confirmed_at
    cases = (await db.execute(select(Case, Village).join(Village, Village.id == Case.village_id))).all()
    assert len(cases) == 17
    assert all(c.round_id == r.id and c.status == "open" for c, _ in cases)
    assert all(v.status == "weak" and v.problem_categories == c.categories for c, v in cases)
    # Every village was scored, and the weak ones are exactly those the round proposed.
    assert (await db.execute(select(func.count()).where(ScoreSheet.round_id == r.id))).scalar_one() == 82
    weak = set((await db.execute(select(Proposal.village_id).where(Proposal.round_id == r.id,
                                                                    Proposal.weak.is_(True)))).scalars())
    assert weak == {v.id for _, v in cases}
    assert (await db.execute(select(func.count()).where(Proposal.round_id == r.id))).scalar_one() == 82
    opened = (await db.execute(select(func.count()).where(Event.kind == "case_opened",
                                                          Event.round_id == r.id))).scalar_one()
    assert opened == 17


async def test_a_second_load_adds_nothing(db):
    before = await _counts(db)
    created, accounts = await seed()
    assert created is False
    assert await _counts(db) == before
    assert accounts and all(scope for _, _, scope in accounts)
