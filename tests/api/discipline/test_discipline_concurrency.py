"""Two filings of one case number at the same instant: one is filed, the other is 409
`case_number_taken` (the county's unique case numbers hold under a race, never a 500).

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal county).
The test holds the village's row lock (the inserts' foreign-key check waits for it) until both
requests wait, then lets them go together."""

import asyncio

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

COUNTY, TOWNSHIP, VILLAGE = "239995000000", "239995100000", "239995100201"


@pytest.fixture(scope="module")
async def own_db(race_county):  # type: ignore[no-untyped-def]
    return await race_county("cunzhi_discipline_race", county=COUNTY, township=TOWNSHIP,
                             villages={VILLAGE: {"status": "weak"}},
                             users=[("race_inspector", "discipline_inspector", TOWNSHIP, "竞态镇纪委")])


@pytest.fixture(scope="module")
def race(own_db) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    return own_db.clients(subnet="10.9.3"), own_db.headers("race_inspector")


def _body(name: str) -> dict[str, str]:
    return {"case_number": "竞纪案〔2025〕1号", "filed_on": "2025-04-01", "village_code": VILLAGE,
            "person_role": "village_head", "person_name": name, "violation": "bribery"}


async def test_two_filings_of_one_case_number(race, own_db) -> None:  # type: ignore[no-untyped-def]
    from cunzhi.discipline.models import DisciplineCase
    from cunzhi.kit.events import OutboxEvent

    (a, b), h = race
    eng, village_id = own_db.engine, own_db.villages[VILLAGE]
    async with eng.connect() as conn:
        await conn.execute(text("SELECT 1 FROM villages WHERE id = :i FOR UPDATE"), {"i": village_id})
        calls = [asyncio.ensure_future(a.post("/api/v1/discipline/cases", headers=h, json=_body("甲"))),
                 asyncio.ensure_future(b.post("/api/v1/discipline/cases", headers=h, json=_body("乙")))]
        await until_waiting(conn, 2, "the filings never met at the village")
        await conn.commit()
    first, second = await asyncio.gather(*calls)
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "case_number_taken"
    async with async_sessionmaker(eng)() as s:
        assert (await s.execute(select(func.count()).select_from(DisciplineCase))).scalar_one() == 1
        events = (await s.execute(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.entity == "discipline_case"))).scalar_one()
        assert events == 1  # the refused filing left no event
