"""Two publications of one village at the same instant, and two inspections of one village at the
same instant: exactly one goes through, the other is refused (412: the village changed since its
page was read), and one row is written.

Each pair is fired over two HTTP clients after both requests wait on the round's row (the test holds
its lock until both wait, then lets them go together). Real commits are needed, so this runs on a
database of its own (migrated to head, a minimal county)."""

from collections.abc import Awaitable, Callable
from datetime import date

import httpx
import pytest
from racing import meet_at_row
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cunzhi.kit import clock

COUNTY, TOWNSHIP, VILLAGE = "239995000000", "239995100000", "239995100201"
API = "/api/v1/disclosures"
BASE = f"{API}/rounds/{{rid}}/villages/{VILLAGE}"


@pytest.fixture(scope="module")
async def county(race_county):  # type: ignore[no-untyped-def]
    return await race_county("cunzhi_disclosure_publish_race", county=COUNTY, township=TOWNSHIP,
                             villages={VILLAGE: {"status": "weak"}}, names=("竞态三县", "竞态三镇", "竞态三村"),
                             users=[("pr_township", "township_official", TOWNSHIP, "乡镇干部"),
                                    ("pr_inspector", "discipline_inspector", TOWNSHIP, "乡镇纪委"),
                                    ("pr_secretary", "village_committee", VILLAGE, "村书记")])


@pytest.fixture(scope="module")
def own_db(county) -> AsyncEngine:  # type: ignore[no-untyped-def]
    return county.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def race(county) -> tuple[list[httpx.AsyncClient], dict[str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    return county.clients(subnet="10.9.5"), {name.removeprefix("pr_"): county.headers(name) for name in county.users}


async def _round(c: httpx.AsyncClient, h: dict[str, str], month: int) -> int:
    with clock.travel(date(2027, month, 1)):
        made = await c.post(f"{API}/rounds", headers=h, json={"township_code": TOWNSHIP, "year": 2027, "month": month,
                                                              "publish_by": f"2027-{month:02d}-10",
                                                              "from_template": False})
        assert made.status_code == 201, made.text
        rid: int = made.json()["id"]
        item = await c.post(f"{API}/rounds/{rid}/items", headers=h, json={"section": "village", "title": "村务事项"})
        assert item.status_code == 201, item.text
    return rid


async def _together(own_db: AsyncEngine, rid: int,
                    calls: list[Callable[[], Awaitable[httpx.Response]]]) -> list[httpx.Response]:
    return await meet_at_row(own_db, "disclosure_rounds", rid, calls, "the requests never met at the round's row")


async def _count(own_db: AsyncEngine, table: str, rid: int) -> int:
    async with own_db.connect() as conn:
        return int((await conn.execute(text(
            f"SELECT count(*) FROM {table} t JOIN disclosure_round_villages v ON v.id = t.round_village_id "
            "WHERE v.round_id = :i"), {"i": rid})).scalar_one())


def _one_won(answers: list[httpx.Response], ok: int) -> None:
    codes = sorted(r.status_code for r in answers)
    assert codes in ([ok, 409], [ok, 412]), [r.text for r in answers]


async def test_two_publications_of_one_village_at_the_same_instant(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    rid = await _round(a, h["township"], 3)
    url = BASE.format(rid=rid)
    with clock.travel(date(2027, 3, 3)):
        page = await a.get(url, headers=h["secretary"])
        assert page.status_code == 200, page.text
        entries = [{"item_id": i["id"], "text": "本月村务：详见公开栏"} for i in page.json()["items"]
                   if i["section"] != "finance"]

        def pub(c: httpx.AsyncClient, words: str) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"entries": [{**e, "text": words} for e in entries]}
            return lambda: c.post(f"{url}/publish", json=body,
                                  headers={**h["secretary"], "If-Match": page.headers["ETag"]})

        answers = await _together(own_db, rid, [pub(a, "第一份"), pub(b, "第二份")])
    _one_won(answers, 200)
    assert await _count(own_db, "disclosure_publications", rid) == 1
    won = next(r for r in answers if r.status_code == 200).json()
    after = await a.get(url, headers=h["secretary"])
    assert after.json()["publications"] == 1
    assert after.json()["publication"]["entries"][0]["text"] == won["publication"]["entries"][0]["text"]


async def test_two_inspections_of_one_village_at_the_same_instant(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    rid = await _round(a, h["township"], 4)
    url = BASE.format(rid=rid)
    with clock.travel(date(2027, 4, 3)):
        page = await a.get(url, headers=h["secretary"])
        entries = [{"item_id": i["id"], "text": "本月村务：详见公开栏"} for i in page.json()["items"]
                   if i["section"] != "finance"]
        done = await a.post(f"{url}/publish", json={"entries": entries},
                            headers={**h["secretary"], "If-Match": page.headers["ETag"]})
        assert done.status_code == 200, done.text
        page = await a.get(url, headers=h["township"])
        tag = page.headers["ETag"]
        passed = lambda: a.post(f"{url}/inspections", json={"result": "passed"},  # noqa: E731
                                headers={**h["township"], "If-Match": tag})
        failed = lambda: b.post(f"{url}/inspections", headers={**h["inspector"], "If-Match": tag},  # noqa: E731
                                json={"result": "failed", "findings": "缺少补贴金额", "fix_by": "2027-04-20"})
        answers = await _together(own_db, rid, [passed, failed])
    _one_won(answers, 201)
    assert await _count(own_db, "disclosure_inspections", rid) == 1
    won = next(r for r in answers if r.status_code == 201).json()
    after = (await a.get(url, headers=h["township"])).json()
    assert [i["id"] for i in after["inspections"]] == [won["id"]]
    assert after["status"] == won["result"]
