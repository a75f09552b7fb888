"""The disclosure-compliance and discipline-case panels: every figure equals a plain recount, the
figures click through to rows that add up, a township sees only itself, the register's readers alone
see the discipline panel, and both export to XLSX with Chinese headers that add up."""

import io
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from dashboards_helpers import BASE, COUNTY, T01, T02, month_of
from openpyxl import load_workbook
from sqlalchemy import select

from cunzhi.discipline.models import DisciplineCase
from cunzhi.disclosures.models import Correction, Round, RoundVillage
from cunzhi.kit import clock
from cunzhi.villages.models import Village

STATES = ("pending", "published", "passed", "failed")


async def _get(client: httpx.AsyncClient, h: dict[str, str], path: str, **params: Any) -> Any:
    r = await client.get(BASE + path, params={k: v for k, v in params.items() if v is not None}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def rounds(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """This month: T01's round (pending, passed late, failed, published; two corrections of its first
    village and one of its second, of the older month) and T02's (passed, pending late);
    three months ago (the demo's rounds are the two months before this): T01's round (two passed, one late)."""
    today = clock.local_today()
    first = date(today.year, today.month, 1)
    before = (first - timedelta(days=70)).replace(day=1)
    vs: dict[str, list[int]] = {}
    for v in (await db.execute(select(Village).where(Village.county_code == COUNTY).order_by(Village.code))).scalars():
        vs.setdefault(v.township_code, []).append(v.id)
    plan = [(T01, first, [("pending", False), ("passed", True), ("failed", False), ("published", False)]),
            (T02, first, [("passed", False), ("pending", True)]),
            (T01, before, [("passed", False), ("passed", True)])]
    made: list[Round] = []
    for township, day, states in plan:
        r = Round(township_code=township, year=day.year, month=day.month, publish_by=day.replace(day=10),
                  status="open", opened_by="t", opened_at=clock.now())
        db.add(r)
        await db.flush()
        db.add_all([RoundVillage(round_id=r.id, village_id=vs[township][i], status=s, late=late)
                    for i, (s, late) in enumerate(states)])
        made.append(r)
    await db.flush()
    older = made[2]
    db.add_all([Correction(round_id=made[0].id, corrects_round_id=older.id, village_id=vs[T01][i], reason="填错金额",
                           text="更正为 1200.00 元", recorded_by="t", recorded_at=clock.now()) for i in (0, 0, 1)])
    await db.flush()
    return {"this": month_of(first), "before": month_of(before)}


async def _recount_disclosures(db, month: str, township: str | None = None) -> dict[str, Counter[str]]:  # type: ignore[no-untyped-def]
    y, m = int(month[:4]), int(month[5:])
    stmt = (select(Village.township_code, RoundVillage.status, RoundVillage.late).select_from(RoundVillage)
            .join(Round, Round.id == RoundVillage.round_id).join(Village, Village.id == RoundVillage.village_id)
            .where(Round.year == y, Round.month == m, Village.county_code == COUNTY))
    if township:
        stmt = stmt.where(Village.township_code == township)
    out: dict[str, Counter[str]] = {}
    for t, status, late in (await db.execute(stmt)).all():
        c = out.setdefault(t, Counter())
        c["villages"] += 1
        c[status] += 1
        c["late"] += late
    corr = (select(Village.township_code).select_from(Correction).join(Round, Round.id == Correction.round_id)
            .join(Village, Village.id == Correction.village_id)
            .where(Round.year == y, Round.month == m, Village.county_code == COUNTY))
    if township:
        corr = corr.where(Village.township_code == township)
    for (t,) in (await db.execute(corr)).all():
        out.setdefault(t, Counter())["corrections"] += 1
    return out


def _figures(panel: Any) -> Any:
    """A panel's numbers, without its links and the township it was asked for."""
    if isinstance(panel, dict):
        return {k: _figures(v) for k, v in panel.items() if not k.startswith("drill") and k != "township_code"}
    if isinstance(panel, list):
        return [_figures(v) for v in panel]
    return panel


def _counts(row: dict[str, Any]) -> Counter[str]:
    return +Counter({k: row[k] for k in ("villages", *STATES, "late", "corrections")})


async def test_disclosure_panel_recounts_and_drills(client, db, token_for, rounds) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    got = await _get(client, h, "/disclosures", month=rounds["this"])
    expect = await _recount_disclosures(db, rounds["this"])
    assert {r["township_code"]: _counts(r) for r in got["by_township"]} == expect
    assert expect[T01]["late"] == 1 and expect[T02]["pending"] == 1  # the fixture is what it says
    assert expect[T01]["corrections"] == 3 and not expect[T02]["corrections"]
    total: Counter[str] = sum(expect.values(), Counter())
    assert _counts(got["totals"]) == total
    trend = {r["month"]: _counts(r) for r in got["trend"]}
    assert trend[rounds["this"]] == total
    assert trend[rounds["before"]] == sum((await _recount_disclosures(db, rounds["before"])).values(), Counter())
    assert len(got["trend"]) <= 12
    t01 = next(r for r in got["by_township"] if r["township_code"] == T01)
    for link, n in [(t01["drill"], t01["villages"]), (t01["drill_late"], t01["late"]),
                    (t01["drill_failed"], t01["failed"]), (t01["drill_pending"], t01["pending"]),
                    (got["drill"]["villages"], total["villages"]), (got["drill"]["late"], total["late"])]:
        rows = (await client.get(link, headers=h)).json()
        assert rows["total"] == n, link
        assert all(r["township_code"] == T01 for r in rows["items"]) or link.startswith(got["drill"]["villages"][:30])
    late_rows = (await client.get(t01["drill_late"], headers=h)).json()["items"]
    assert [r["late"] for r in late_rows] == [True] and late_rows[0]["disclosure_status"] == "passed"
    # a month without rounds is empty, not an error
    empty = await _get(client, h, "/disclosures", month="2001-01")
    assert empty["by_township"] == [] and empty["totals"]["villages"] == 0


async def test_discipline_panel_recounts_and_drills(client, db, token_for) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    cases = (await db.execute(select(DisciplineCase).join(Village, Village.id == DisciplineCase.village_id)
                              .where(Village.county_code == COUNTY))).scalars().all()
    assert cases, "the demo files discipline cases"
    per_year = Counter(c.filed_on.year for c in cases)
    for y in sorted(per_year, reverse=True)[:2]:
        got = await _get(client, h, "/discipline", month=f"{y}-12")  # December: the year so far is the year
        assert [r["year"] for r in got["by_year"]] == list(range(y - 4, y + 1))
        assert {r["year"]: r["cases"] for r in got["by_year"]} == {k: per_year[k] for k in range(y - 4, y + 1)}
        assert got["cases"] == per_year[y]
        assert [r["change"] for r in got["by_year"]] == [per_year[k] - per_year[k - 1] for k in range(y - 4, y + 1)]
        this = [c for c in cases if c.filed_on.year == y]
        assert {r["violation"]: r["cases"] for r in got["by_violation"]} == dict(Counter(c.violation for c in this))
        assert {r["outcome"]: r["cases"] for r in got["by_outcome"]} == dict(Counter(c.outcome for c in this))
        listed = (await client.get(got["drill"]["cases"] + "&limit=200", headers=h)).json()
        assert listed["total"] == per_year[y]
        for r in got["by_violation"]:
            assert (await client.get(r["drill"] + "&limit=200", headers=h)).json()["total"] == r["cases"]


async def test_the_first_year_shown_has_its_change_on_the_year_before(client, db, token_for) -> None:  # type: ignore[no-untyped-def]
    """The year before the first shown is counted too: with cases filed in it, the first year's change
    is its recount, not empty (nor the first year's own count)."""
    h = await token_for("admin")
    village = (await db.execute(select(Village).where(Village.county_code == COUNTY).order_by(Village.code))).scalars().first()
    year = clock.local_today().year - 1  # a past year's December: each year shown is whole
    before = year - 5  # the year before the first of the five shown
    for i in range(3):
        db.add(DisciplineCase(county_code=COUNTY, village_id=village.id, case_number=f"T-{before}-{i}",
                              filed_on=date(before, 3, 1 + i), person_role="branch_secretary", person_name="某某",
                              violation="embezzlement", outcome="warning", created_by="t", updated_by="t"))
    await db.flush()
    cases = (await db.execute(select(DisciplineCase).join(Village, Village.id == DisciplineCase.village_id)
                              .where(Village.county_code == COUNTY))).scalars().all()
    per_year = Counter(c.filed_on.year for c in cases)
    assert per_year[before] >= 3
    got = await _get(client, h, "/discipline", month=f"{year}-12")
    first = got["by_year"][0]
    assert first["year"] == before + 1
    assert first["change"] == per_year[before + 1] - per_year[before]
    assert [r["change"] for r in got["by_year"]] == [per_year[k] - per_year[k - 1] for k in range(before + 1, year + 1)]
    # the year before is fetched, not shown
    assert [r["year"] for r in got["by_year"]] == list(range(before + 1, year + 1))


async def test_the_year_so_far_ends_with_the_chosenmonth_of(client, db, token_for) -> None:  # type: ignore[no-untyped-def]
    """June of last year counts that year's cases from 1 January to 30 June, not those filed later, and
    its change compares the same days of the year before; the year before's own bar stays whole."""
    h = await token_for("admin")
    village = (await db.execute(select(Village).where(Village.county_code == COUNTY).order_by(Village.code))).scalars().first()
    year = clock.local_today().year - 1
    seeded = [(date(year, 2, 10), "embezzlement"), (date(year, 6, 30), "embezzlement"),
              (date(year, 7, 1), "bribery"), (date(year, 11, 20), "bribery"),
              (date(year - 1, 3, 5), "embezzlement"), (date(year - 1, 9, 9), "bribery")]
    for i, (day, violation) in enumerate(seeded):
        db.add(DisciplineCase(county_code=COUNTY, village_id=village.id, case_number=f"S-{year}-{i}", filed_on=day,
                              person_role="branch_secretary", person_name="某某", violation=violation,
                              outcome="warning", created_by="t", updated_by="t"))
    await db.flush()
    cases = (await db.execute(select(DisciplineCase).join(Village, Village.id == DisciplineCase.village_id)
                              .where(Village.county_code == COUNTY))).scalars().all()

    def between(first: date, last: date) -> list[DisciplineCase]:
        return [c for c in cases if first <= c.filed_on <= last]

    so_far = between(date(year, 1, 1), date(year, 6, 30))
    same_days_before = between(date(year - 1, 1, 1), date(year - 1, 6, 30))
    assert len(between(date(year, 7, 1), date(year, 12, 31))) >= 2, "cases after the chosen month"
    got = await _get(client, h, "/discipline", month=f"{year}-06")
    assert got["cases"] == len(so_far)
    last = got["by_year"][-1]
    assert last["year"] == year and last["cases"] == len(so_far)
    assert last["change"] == len(so_far) - len(same_days_before)
    whole_before = between(date(year - 1, 1, 1), date(year - 1, 12, 31))
    assert got["by_year"][-2]["cases"] == len(whole_before)
    assert {r["violation"]: r["cases"] for r in got["by_violation"]} == dict(Counter(c.violation for c in so_far))
    assert {r["outcome"]: r["cases"] for r in got["by_outcome"]} == dict(Counter(c.outcome for c in so_far))


async def test_a_township_sees_only_itself(client, db, token_for, rounds) -> None:  # type: ignore[no-untyped-def]
    admin, t01 = await token_for("admin"), await token_for("township01")
    own = await _get(client, t01, "/disclosures", month=rounds["this"])
    assert [r["township_code"] for r in own["by_township"]] == [T01]
    assert {r["township_code"]: _counts(r) for r in own["by_township"]} == \
        await _recount_disclosures(db, rounds["this"], T01)
    county_view = await _get(client, admin, "/disclosures", month=rounds["this"], township_code=T01)
    assert _figures(own) == _figures(county_view)
    rows = (await client.get(own["drill"]["villages"], headers=t01)).json()
    assert rows["total"] == own["totals"]["villages"] and {r["township_code"] for r in rows["items"]} == {T01}
    year = max(c.filed_on.year for c in (await db.execute(select(DisciplineCase))).scalars())
    mine = (await db.execute(select(DisciplineCase.id).join(Village, Village.id == DisciplineCase.village_id)
                             .where(Village.township_code == T01,
                                    DisciplineCase.filed_on >= date(year, 1, 1),
                                    DisciplineCase.filed_on <= date(year, 6, 30)))).scalars().all()
    d = await _get(client, t01, "/discipline", month=f"{year}-06")
    assert d["cases"] == len(mine) and _figures(d) == _figures(
        await _get(client, admin, "/discipline", month=f"{year}-06", township_code=T01))
    for panel in ("disclosures", "discipline"):
        r = await client.get(f"{BASE}/{panel}", params={"township_code": T02}, headers=t01)
        assert r.status_code == 404 and r.json()["code"] == "township_not_found"


async def test_only_the_registers_readers_see_the_discipline_panel(client, token_for) -> None:  # type: ignore[no-untyped-def]
    for user in ("secretary01", "partner01", "agency01"):
        r = await client.get(f"{BASE}/discipline", headers=await token_for(user))
        assert r.status_code == 403, (user, r.text)
    r = await client.get(f"{BASE}/discipline/export.xlsx", headers=await token_for("secretary01"))
    assert r.status_code == 403


@pytest.mark.parametrize("panel", ["disclosures", "discipline"])
async def test_the_panels_export_with_chinese_headers_that_add_up(client, db, token_for, rounds, panel) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    month = rounds["this"]
    data = await _get(client, h, f"/{panel}", month=month)
    r = await client.get(f"{BASE}/{panel}/export.xlsx", params={"month": month}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    first = wb.worksheets[0]
    headers = [c.value for c in first[1]]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(hd)) for hd in headers), headers
    body = [[c.value for c in row] for row in first.iter_rows(min_row=2)]
    if panel == "disclosures":
        *townships, total = body
        assert total[0] == "合计" and total[2] == data["totals"]["villages"]
        assert sum(r[2] for r in townships) == total[2] and sum(r[7] for r in townships) == data["totals"]["late"]
        assert headers[-1] == "更正" and total[-1] == data["totals"]["corrections"] == 3
    else:
        assert [r[1] for r in body] == [y["cases"] for y in data["by_year"]]
        second = [[c.value for c in row] for row in wb.worksheets[1].iter_rows(min_row=2)]
        assert sum(r[1] for r in second) == data["cases"]


@pytest.mark.parametrize(("user", "township"), [("admin", None), ("admin", T01), ("township01", None)])
async def test_every_discipline_drill_lists_as_many_cases_as_its_figure(  # type: ignore[no-untyped-def]
        client, db, token_for, user, township) -> None:
    """June of last year: each link of the panel (the years, the year so far, by violation, by
    outcome) opens a list whose total is the figure it came from, cases filed after June included."""
    h = await token_for(user)
    villages = (await db.execute(select(Village).where(Village.county_code == COUNTY)
                                 .order_by(Village.code))).scalars().all()
    by_township = {v.township_code: v for v in villages}
    year = clock.local_today().year - 1
    seeded = [(T01, date(year, 1, 1), "embezzlement", "warning"), (T01, date(year, 6, 30), "bribery", "pending"),
              (T01, date(year, 7, 1), "embezzlement", "warning"), (T01, date(year, 12, 31), "bribery", "pending"),
              (T02, date(year, 3, 3), "embezzlement", "warning"), (T02, date(year, 8, 8), "embezzlement", "warning"),
              (T01, date(year - 1, 6, 30), "bribery", "warning"), (T01, date(year - 1, 7, 1), "bribery", "warning")]
    for i, (t, day, violation, outcome) in enumerate(seeded):
        db.add(DisciplineCase(county_code=COUNTY, village_id=by_township[t].id, case_number=f"D-{year}-{i}",
                              filed_on=day, person_role="branch_secretary", person_name="某某", violation=violation,
                              outcome=outcome, created_by="t", updated_by="t"))
    await db.flush()
    got = await _get(client, h, "/discipline", month=f"{year}-06", township_code=township)
    assert got["by_violation"] and got["by_outcome"]
    figures = [(got["drill"]["cases"], got["cases"])]
    figures += [(r["drill"], r["cases"]) for r in got["by_year"]]
    figures += [(r["drill"], r["cases"]) for r in (*got["by_violation"], *got["by_outcome"])]
    for link, cases in figures:
        r = await client.get(link + "&limit=200", headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["total"] == cases, link
        if township or user == "township01":
            assert {c["village"]["township_code"] for c in r.json()["items"]} <= {T01}
