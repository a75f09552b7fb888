"""The demo county is alive: its rectification cases come from a confirmed screening round, several
villages of two townships keep their books, the two months before today's are disclosed and
locked (public pages showing), and a second load adds nothing."""

from sqlalchemy import func, select

from cunzhi.demo import seed
from cunzhi.disclosures.models import Inspection, Publication
from cunzhi.disclosures.models import Round as DisclosureRound
from cunzhi.funds.models import Budget, BudgetLine, Claim, LedgerEntry
from cunzhi.kit import clock
from cunzhi.rectification.models import Case, Event, Proposal, Round, ScoreSheet
from cunzhi.villages.models import Village


async def _counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = {"villages": Village, "rounds": Round, "cases": Case, "sheets": ScoreSheet, "events": Event,
              "claims": Claim, "ledger": LedgerEntry, "disclosure_rounds": DisclosureRound,
              "publications": Publication}
    return {k: (await db.execute(select(func.count()).select_from(m))).scalar_one() for k, m in tables.items()}


async def test_the_demo_cases_come_from_a_confirmed_round(db):
    rounds = (await db.execute(select(Round))).scalars().all()
    assert [r.status for r in rounds] == ["confirmed"]
    r = rounds[0]
    assert r.confirmed_by == "admin" and r.confirmed_at and r.opened_at < r.confirmed_at
    cases = (await db.execute(select(Case, Village).join(Village, Village.id == Case.village_id))).all()
    assert len(cases) == 17
    assert all(c.round_id == r.id and c.status == "open" for c, _ in cases)
    assert all(v.status == "weak" and set(v.problem_categories) == set(c.categories) for c, v in cases)
    assert any("specialty_farming" in c.categories for c, _ in cases)  # added by hand: no criterion scores it
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


async def test_villages_of_two_townships_keep_their_books(db):
    money = (await db.execute(
        select(Village.code, Village.township_code).where(Village.id.in_(select(LedgerEntry.village_id)))
    )).all()
    assert len(money) >= 4 and len({t for _, t in money}) >= 2
    budgets = (await db.execute(select(Budget.village_id, Budget.status))).all()
    assert {v for v, _ in budgets} >= {v for v, in (await db.execute(
        select(Village.id).where(Village.code.in_([c for c, _ in money]))))}
    assert all(st == "approved" for _, st in budgets)
    lines = (await db.execute(select(BudgetLine))).scalars().all()
    assert all(ln.approved > 0 for ln in lines)
    assert any(ln.approved < ln.planned and ln.approval_reason for ln in lines)  # a line cut, with its reason
    states = {st for st, in (await db.execute(select(Claim.status)))}
    assert states >= {"draft", "submitted", "committee_signed", "township_approved", "paid", "rejected"}
    per_village = dict((await db.execute(select(Claim.village_id, func.count()).group_by(Claim.village_id))).all())
    assert len(per_village) >= 4


async def test_the_two_months_before_today_are_locked_and_public(db, client):
    today = clock.local_today()
    months, y, m = [], today.year, today.month
    for _ in range(2):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append((y, m))
    rounds = (await db.execute(select(DisclosureRound))).scalars().all()
    assert {(r.year, r.month) for r in rounds} == set(months)
    assert all(r.status == "locked" for r in rounds) and len({r.township_code for r in rounds}) == 2
    # Nothing for today's month: the township opens it from its board.
    assert not [r for r in rounds if (r.year, r.month) == (today.year, today.month)]
    failed = (await db.execute(select(Inspection).where(Inspection.result == "failed"))).scalars().all()
    assert len(failed) == 1
    republished = (await db.execute(select(func.count()).where(
        Publication.round_village_id == failed[0].round_village_id))).scalar_one()
    assert republished == 2
    code = "230199100200"
    listing = await client.get(f"/api/v1/public/villages/{code}/disclosures")
    assert listing.status_code == 200, listing.text
    assert [(x["year"], x["month"]) for x in listing.json()["months"]] == sorted(months, reverse=True)
    for year, month in months:
        page = await client.get(f"/api/v1/public/villages/{code}/disclosures/{year}/{month}")
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["entries"] and body["finance"]
