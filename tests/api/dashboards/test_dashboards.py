"""Dashboards: every aggregate equals a plain recount of the rows it sums (over the demo county plus a
few rows added here), the scope holds (a township sees itself, a partner unit its villages), every
to-do count equals the total of the list it opens, and every panel exports to XLSX that adds up."""

import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text, update

from cunzhi.auth.models import User
from cunzhi.cadres.models import Checkin, CheckinReview, Posting, PresenceMonth
from cunzhi.divisions.models import Division
from cunzhi.funds.models import Budget, BudgetLine, Claim, Event
from cunzhi.kit import clock
from cunzhi.partners.models import Pairing, PartnerUnit
from cunzhi.rectification.models import Case, Measure
from cunzhi.tasks.models import Task
from cunzhi.villages.models import Village

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
BASE = "/api/v1/dashboards"
REQUIRED = 20


def this_month() -> str:
    d = clock.local_today()
    return f"{d.year:04d}-{d.month:02d}"


def month_end(month: str) -> datetime:
    y, m = int(month[:4]), int(month[5:])
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return datetime.combine(nxt, time(0), tzinfo=clock.zone())


@pytest.fixture
async def extra(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Rows the demo lacks: an accepted village still paired, a unit over capacity, flagged check-ins
    (one pending, one accepted, one rejected), an accepted case opened months ago, an overdue measure."""
    today = clock.local_today()
    villages = {v.code: v for v in (await db.execute(select(Village).where(Village.county_code == COUNTY))).scalars()}
    t01 = sorted(c for c, v in villages.items() if v.township_code == T01)
    units = (await db.execute(select(PartnerUnit).where(PartnerUnit.county_code == COUNTY)
                              .order_by(PartnerUnit.id))).scalars().all()
    accepted = villages[t01[1]]
    await db.execute(update(Village).where(Village.id == accepted.id).values(status="accepted",
                                                                             problem_categories=["weak_branch"]))
    small = units[1]
    await db.execute(update(PartnerUnit).where(PartnerUnit.id == small.id).values(capacity=1))
    start = today - timedelta(days=40)
    db.add_all([Pairing(partner_unit_id=small.id, village_id=accepted.id, start_date=start),
                Pairing(partner_unit_id=small.id, village_id=villages[t01[5]].id, start_date=start),
                Pairing(partner_unit_id=units[2].id, village_id=villages[t01[0]].id, start_date=start,
                        end_date=today - timedelta(days=3), ended_reason="other", ended_by="t",
                        ended_at=clock.now())])
    opened = clock.now() - timedelta(days=150)
    db.add(Case(village_id=accepted.id, status="accepted", categories=["weak_branch"], opened_at=opened,
                accepted_by="admin", accepted_at=clock.now() - timedelta(days=45), version=1))
    await db.flush()
    open_case = (await db.execute(select(Case).where(Case.status == "open").order_by(Case.id))).scalars().first()
    assert open_case is not None
    db.add(Measure(case_id=open_case.id, description="=HYPERLINK(\"x\")", owner="张三",
                   deadline=today - timedelta(days=2), created_by="t", version=1))
    user_id = (await db.execute(select(User.id).where(User.username == "cadre01"))).scalar_one()
    posted = (await db.execute(select(Posting).where(Posting.end_date.is_(None)).order_by(Posting.id))).scalars().all()
    at = datetime.combine(today, time(8), tzinfo=clock.zone())
    made = []
    for i, (flags, decision) in enumerate([(["far_from_village"], None), (["poor_accuracy"], "accepted"),
                                          (["late_upload"], "rejected")]):
        posting = posted[1 + i]
        c = Checkin(cadre_id=posting.cadre_id, village_id=posting.village_id, user_id=user_id, body_hash="t",
                    checked_at=at, lat=45.0, lng=126.0, accuracy_m=10.0, flags=flags)
        db.add(c)
        made.append((c, decision))
    await db.flush()
    for c, decision in made:
        if decision:
            db.add(CheckinReview(checkin_id=c.id, village_id=c.village_id, decision=decision,
                                 note=None if decision == "accepted" else "不在村", reviewed_by="admin"))
    await db.flush()
    return {"accepted": accepted.code, "small_unit": small.code}


async def _get(client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    r = await client.get(BASE + path, params={k: v for k, v in params.items() if v is not None}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _figures(panel: Any) -> Any:
    """A panel's numbers, without its links and the township it was asked for."""
    if isinstance(panel, dict):
        return {k: _figures(v) for k, v in panel.items() if k not in ("drill", "drill_too_long", "township_code")}
    if isinstance(panel, list):
        return [_figures(v) for v in panel]
    return panel


async def _villages(db, township: str | None = None) -> list[Village]:  # type: ignore[no-untyped-def]
    stmt = select(Village).where(Village.county_code == COUNTY)
    if township:
        stmt = stmt.where(Village.township_code == township)
    return list((await db.execute(stmt)).scalars())


@pytest.mark.parametrize("township", [None, T01])
async def test_rectification_panel_recounts(client, db, token_for, extra, township) -> None:  # type: ignore[no-untyped-def]
    month = this_month()
    got = await _get(client, await token_for("admin"), "/rectification", month=month, township_code=township)
    vs = await _villages(db, township)
    assert {r["status"]: r["villages"] for r in got["by_status"]} == dict(Counter(v.status for v in vs))
    pairs = Counter((c, v.status) for v in vs if v.status != "normal" for c in v.problem_categories)
    assert {(r["category"], r["status"]): r["villages"] for r in got["by_category"]} == dict(pairs)
    ids = {v.id for v in vs}
    cases = [c for c in (await db.execute(select(Case))).scalars() if c.village_id in ids]
    assert len(got["trend"]) == 12 and got["trend"][-1]["month"] == month
    for m in got["trend"]:
        end = month_end(m["month"])
        assert m["listed"] == sum(1 for c in cases if c.opened_at < end)
        assert m["accepted"] == sum(1 for c in cases if c.accepted_at and c.accepted_at < end)
    assert any(m["accepted"] for m in got["trend"])  # the fixture's case accepted 45 days ago
    # the drill-down of a bar is the village list with that status and category
    first = got["by_category"][0]
    listed = (await client.get(first["drill"], headers=await token_for("admin"))).json()
    assert listed["total"] == first["villages"]


async def test_pairing_panel_recounts(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    got = await _get(client, h, "/pairing", month=this_month())
    day = clock.local_today()
    active = [p for p in (await db.execute(select(Pairing))).scalars()
              if p.start_date <= day and (p.end_date is None or p.end_date >= day)]
    per_village = Counter(p.village_id for p in active)
    vs = await _villages(db)
    listed = [v for v in vs if v.status in ("weak", "rectifying")]
    t = got["totals"]
    assert t["listed"] == len(listed)
    assert t["below_required"] == sum(1 for v in listed if per_village[v.id] < 2)
    assert t["covered"] == t["listed"] - t["below_required"]
    assert t["missing_units"] == sum(max(2 - per_village[v.id], 0) for v in listed)
    assert t["accepted_holding"] == sum(1 for v in vs if v.status == "accepted" and per_village[v.id]) == 1
    units = {u.id: u for u in (await db.execute(select(PartnerUnit))).scalars()}
    per_unit = Counter(p.partner_unit_id for p in active)
    assert t["over_capacity"] == sum(1 for u, n in per_unit.items() if n > units[u].capacity) == 1
    assert t["units_paired"] == len(per_unit) and t["pairings"] == len(active)
    rows = await _get(client, h, "/rows", figure="units_over_capacity")
    assert [r["unit_code"] for r in rows["items"]] == [extra["small_unit"]]
    rows = await _get(client, h, "/rows", figure="accepted_holding")
    assert [r["village_code"] for r in rows["items"]] == [extra["accepted"]]
    rows = await _get(client, h, "/rows", figure="villages_below_units", limit=200)
    assert rows["total"] == t["below_required"] == len(rows["items"])


@pytest.mark.parametrize("township", [None, T01])
async def test_pairing_gaps_open_the_village_register_with_the_panels_totals(client, db, token_for, extra,
                                                                             township) -> None:  # type: ignore[no-untyped-def]
    """The "short of units" and "accepted, still holding units" figures link to the village register with
    `pairing` (on the panel's day): its total and its villages are the panel's, today and at a past month's end
    (the fixture's pairing that ended 3 days ago still counted then)."""
    h = await token_for("admin")
    for month in (this_month(), (clock.local_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")):
        got = await _get(client, h, "/pairing", month=month, township_code=township)
        for key, figure in (("below_required", "villages_below_units"), ("accepted_holding", "accepted_holding")):
            link = got["drill"][key]
            assert link.startswith("/api/v1/villages?") and f"pairing_on={got['as_of']}" in link, link
            listed = (await client.get(link + "&limit=200", headers=h)).json()
            assert listed["total"] == got["totals"][key], (month, key)
            rows = await _get(client, h, "/rows", figure=figure, month=month, township_code=township, limit=200)
            assert sorted(v["code"] for v in listed["items"]) == sorted(r["village_code"] for r in rows["items"])
    assert got["totals"]["below_required"] > 0
    for params in ({"pairing": "short"}, {"pairing": "short_of_units", "pairing_on": "2026-02-30"},
                   {"pairing_on": "2026-01-31"}):
        r = await client.get("/api/v1/villages", params=params, headers=h)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    # Without a token the same well-typed request is 401, not the 422 that needs a caller to reach.
    assert (await client.get("/api/v1/villages", params={"pairing_on": "2026-01-31"})).status_code == 401


async def test_cadre_panel_recounts_and_agrees_with_attendance(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    month = this_month()
    got = await _get(client, h, "/cadres", month=month)
    first = date(int(month[:4]), int(month[5:]), 1)
    asof = clock.local_today()
    last = month_end(month).date() - timedelta(days=1)
    posted: dict[tuple[int, int], int] = defaultdict(int)
    for p in (await db.execute(select(Posting))).scalars():
        if p.start_date <= last and (p.end_date is None or (p.end_date >= first and p.end_date >= p.start_date)):
            posted[(p.cadre_id, p.village_id)] += max(0, (min(p.end_date or asof, asof) - max(p.start_date, first)).days + 1)
    reviews = {r.checkin_id: r.decision for r in (await db.execute(select(CheckinReview))).scalars()}
    days: dict[tuple[int, int], set[date]] = defaultdict(set)
    flagged = Counter()
    for c in (await db.execute(select(Checkin).where(Checkin.local_date.between(first, last)))).scalars():
        key = (c.cadre_id, c.village_id)
        days.setdefault(key, set())
        if not c.flags or reviews.get(c.id) == "accepted":
            days[key].add(c.local_date)
        if c.flags:
            flagged[reviews.get(c.id) or "pending"] += 1
    pairs = set(posted) | set(days)
    t = got["totals"]
    assert t["cadres"] == len(pairs)
    assert t["days"] == sum(len(d) for d in days.values())
    assert t["posted_days"] == sum(posted.values())
    assert t["below_required"] == sum(1 for k in pairs if len(days.get(k, ())) < min(REQUIRED, posted.get(k, 0)))
    assert (t["flagged_pending"], t["flagged_accepted"], t["flagged_rejected"]) == (
        flagged["pending"], flagged["accepted"], flagged["rejected"]) == (1, 1, 1)
    att = (await client.get(got["drill"]["attendance"], headers=h)).json()["rows"]
    assert sum(r["checkin_days"] for r in att) == t["days"]
    assert sum(r["posted_days"] for r in att) == t["posted_days"]
    below = await _get(client, h, "/rows", figure="cadres_below_required", month=month, limit=200)
    assert below["total"] == t["below_required"]
    pending = (await client.get(got["drill"]["flagged_pending"], headers=h)).json()["items"]
    assert len(pending) == t["flagged_pending"]


async def test_task_panel_recounts(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    month = this_month()
    got = await _get(client, h, "/tasks", month=month)
    end = month_end(month)
    tasks = [t for t in (await db.execute(select(Task))).scalars() if t.created_at < end]
    load = Counter(t.village_id for t in tasks)
    done = Counter(t.village_id for t in tasks if t.status in ("done", "accepted") and t.done_at and t.done_at < end)

    def bucket(n: int) -> str:
        return "0" if n == 0 else "1-2" if n <= 2 else "3-5" if n <= 5 else "6-10" if n <= 10 else "11+"

    expect: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for v in await _villages(db):
        g = expect[(v.status, bucket(load[v.id]))]
        g[0] += 1
        g[1] += load[v.id]
        g[2] += done[v.id]
    assert {(g["status"], g["load"]): [g["villages"], g["tasks"], g["completed"]] for g in got["groups"]} == expect
    with_tasks = sum(1 for n in load.values() if n)
    assert got["villages_with_tasks"] == with_tasks and got["caveat"]["thin"] is (with_tasks < 10 or True)
    g = next(g for g in got["groups"] if g["load"] != "0")
    rows = (await client.get(g["drill"], headers=h)).json()
    assert rows["total"] == g["villages"] and sum(r["tasks"] for r in rows["items"]) == g["tasks"]


async def test_funds_panel_recounts(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    got = await _get(client, h, "/funds", month=this_month())
    year = clock.local_today().year
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for line, status, y in (await db.execute(select(BudgetLine, Budget.status, Budget.year)
                                            .join(Budget, Budget.id == BudgetLine.budget_id))).all():
        if y == year and status in ("approved", "closed"):
            s = sums[line.category]
            sums[line.category] = [s[0] + line.planned, s[1] + line.approved, s[2] + line.committed, s[3] + line.paid]
    assert {r["category"]: [Decimal(r[k]) for k in ("planned", "approved", "committed", "paid")]
            for r in got["by_category"]} == dict(sums)
    claims = list((await db.execute(select(Claim))).scalars())
    steps = {s["step"]: s for s in got["claims_waiting"]}
    assert steps["sign"]["waiting"] == sum(1 for c in claims if c.status == "submitted")
    assert steps["approve"]["waiting"] == sum(1 for c in claims if c.status == "committee_signed" and c.needs_approval)
    assert steps["pay_direct"]["waiting"] == sum(1 for c in claims
                                                 if c.status == "committee_signed" and not c.needs_approval)
    assert steps["pay"]["waiting"] == sum(1 for c in claims if c.status == "township_approved")
    for s in steps.values():
        listed = (await client.get(s["drill"], headers=h)).json()
        assert listed["total"] == s["waiting"]
    # Time passes: every waiting claim is now waiting too long.
    with clock.travel(by=timedelta(days=30)):
        later = await _get(client, h, "/funds", month=this_month())
        for s in later["claims_waiting"]:
            assert s["too_long"] == s["waiting"]
            rows = (await client.get(s["drill_too_long"], headers=h)).json()
            assert rows["total"] == s["waiting"]


@pytest.mark.parametrize("township", [None, T01])
async def test_claims_waiting_too_long_open_the_claims_list_with_its_total(client, db, token_for, extra,
                                                                            township) -> None:  # type: ignore[no-untyped-def]
    """The "too long" figure's link is the claims list with `waiting_over_days`: its total is the figure, with
    some claims of each step waiting too long and some not (one made old in its status, the rest fresh)."""
    h = await token_for("admin")
    waiting = list((await db.execute(select(Claim).where(Claim.status.in_(
        ["submitted", "committee_signed", "township_approved"])).order_by(Claim.id))).scalars())
    assert waiting
    old = {c.id for c in waiting[::2]}
    for c in waiting:
        await db.execute(update(Claim).where(Claim.id == c.id).values(
            status_since=clock.now() - timedelta(days=30 if c.id in old else 1)))
    await db.flush()
    got = await _get(client, h, "/funds", month=this_month(), township_code=township)
    assert sum(s["too_long"] for s in got["claims_waiting"]) > 0
    assert any(s["too_long"] < s["waiting"] for s in got["claims_waiting"])
    for s in got["claims_waiting"]:
        assert "waiting_over_days=7" in s["drill_too_long"] and s["drill_too_long"].startswith("/api/v1/funds/claims?")
        listed = (await client.get(s["drill_too_long"], headers=h)).json()
        assert listed["total"] == s["too_long"], s
    for bad in ("0", "366", "x"):
        r = await client.get("/api/v1/funds/claims", params={"waiting_over_days": bad}, headers=h)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text


async def _trail_since(db: Any) -> dict[int, datetime | None]:
    """Each open claim's latest trail event into its current status, recounted from the trail."""
    rows = (await db.execute(text(
        "SELECT c.id, (SELECT max(e.at) FROM funds_events e WHERE e.entity = 'claim' AND e.entity_id = c.id "
        "AND e.to_state = c.status) FROM funds_claims c WHERE c.status IN ('draft', 'submitted', 'committee_signed', "
        "'township_approved')"))).all()
    return dict(rows)  # type: ignore[arg-type]


async def test_claims_wait_since_they_entered_their_status(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    """The oldest wait at each step is the trail's (the latest event into the claim's status), kept on the
    claim by the trail's writes in either order: the event before the change of status, or after."""
    h = await token_for("admin")
    claims = {c.id: c for c in (await db.execute(select(Claim))).scalars()}
    waiting = [c for c in claims.values() if c.status in ("submitted", "committee_signed", "township_approved")]
    assert len(waiting) >= 2, "the demo has waiting claims"
    first, second = waiting[0], waiting[1]
    at = clock.now() - timedelta(days=3)
    # the event first, then the change of status
    db.add(Event(entity="claim", entity_id=first.id, village_id=first.village_id, action="step",
                 from_state=first.status, to_state="township_approved", actor="user:1", actor_name="t",
                 actor_role="township_official", at=at))
    await db.flush()
    await db.execute(update(Claim).where(Claim.id == first.id).values(status="township_approved"))
    # the change of status, then the event
    await db.execute(update(Claim).where(Claim.id == second.id).values(status="submitted" if second.status != "submitted"
                                                                       else "committee_signed"))
    new_status = (await db.execute(select(Claim.status).where(Claim.id == second.id))).scalar_one()
    db.add(Event(entity="claim", entity_id=second.id, village_id=second.village_id, action="step",
                 from_state=second.status, to_state=new_status, actor="user:1", actor_name="t",
                 actor_role="township_official", at=at - timedelta(days=1)))
    await db.flush()
    trail = await _trail_since(db)
    kept = dict((await db.execute(text("SELECT id, status_since FROM funds_claims WHERE id = ANY(:ids)"),
                                  {"ids": list(trail)})).all())
    assert kept == trail
    assert kept[first.id] == at and kept[second.id] == at - timedelta(days=1)
    rows = (await db.execute(text(
        "SELECT id, status, needs_approval, submitted_at, updated_at FROM funds_claims "
        "WHERE status IN ('submitted', 'committee_signed', 'township_approved')"))).all()
    oldest: dict[str, datetime] = {}
    for cid, status, needs, submitted_at, updated_at in rows:
        step = {"submitted": "sign", "township_approved": "pay"}.get(status) or ("approve" if needs else "pay_direct")
        since = trail[cid] or submitted_at or updated_at
        oldest[step] = min(oldest.get(step, since), since)
    got = await _get(client, h, "/funds", month=this_month())
    assert {s["step"]: datetime.fromisoformat(s["oldest_since"]) for s in got["claims_waiting"]
            if s["oldest_since"]} == oldest


async def test_a_township_sees_only_itself(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    admin, t01 = await token_for("admin"), await token_for("township01")
    for panel in ("rectification", "pairing", "cadres", "tasks", "funds"):
        own = await _get(client, t01, f"/{panel}", month=this_month())
        county_view = await _get(client, admin, f"/{panel}", month=this_month(), township_code=T01)
        assert _figures(own) == _figures(county_view), panel
        r = await client.get(f"{BASE}/{panel}", params={"township_code": T02}, headers=t01)
        assert r.status_code == 404 and r.json()["code"] == "township_not_found"
    own = await _get(client, t01, "/pairing")
    assert [r["township_code"] for r in own["by_township"]] == [T01]


async def test_a_partner_unit_sees_only_its_villages(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("partner01")
    unit_id = (await db.execute(select(User.partner_unit_id).where(User.username == "partner01"))).scalar_one()
    day = clock.local_today()
    mine = {p.village_id for p in (await db.execute(select(Pairing).where(Pairing.partner_unit_id == unit_id))).scalars()
            if p.start_date <= day and (p.end_date is None or p.end_date >= day)}
    got = await _get(client, h, "/rectification")
    assert sum(r["villages"] for r in got["by_status"]) == len(mine) >= 1
    rows = await _get(client, h, "/rows", figure="task_load")
    codes = {v.code for v in await _villages(db) if v.id in mine}
    assert {r["village_code"] for r in rows["items"]} == codes
    cadres = await _get(client, h, "/cadres")
    assert all(r["township_code"] == T01 for r in cadres["by_township"])


@pytest.mark.parametrize("username", ["admin", "township01", "agency01", "committee01", "secretary01",
                                      "partner01", "cadre01"])
async def test_todo_counts_match_their_lists(client, db, token_for, extra, username) -> None:  # type: ignore[no-untyped-def]
    h = await token_for(username)
    todo = await _get(client, h, "/todo")
    assert todo["items"], username
    for item in todo["items"]:
        r = await client.get(item["link"] + "&limit=200", headers=h)
        assert r.status_code == 200, (item, r.text)
        body = r.json()
        listed = body["total"] if "total" in body else len(body["items"])
        assert listed == item["count"], item
    if username == "admin":
        assert {i["key"]: i["count"] for i in todo["items"]}["measures_overdue"] >= 1


@pytest.mark.parametrize("panel", ["rectification", "pairing", "cadres", "tasks", "funds"])
async def test_every_panel_exports_and_adds_up(client, db, token_for, extra, panel) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    await db.execute(update(Division).where(Division.code == T01).values(name="=HYPERLINK(\"x\")"))
    data = await _get(client, h, f"/{panel}", month=this_month(), township_code=T01)
    r = await client.get(f"{BASE}/{panel}/export.xlsx", params={"month": this_month(), "township_code": T01},
                         headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    first = wb.worksheets[0]
    headers = [c.value for c in first[1]]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(hd)) for hd in headers), headers
    info = wb["说明"]
    cell = info["B3"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"  # text, never a formula
    body = [[c.value for c in row] for row in first.iter_rows(min_row=2)]
    if panel == "rectification":
        assert sum(r[1] for r in body) == sum(s["villages"] for s in data["by_status"])
    elif panel == "pairing":
        assert body[0][1] == data["totals"]["listed"] and body[2][1] == data["totals"]["below_required"]
    elif panel == "cadres":
        assert body[2][1] == data["totals"]["days"]
    elif panel == "tasks":
        assert sum(r[3] for r in body) == sum(s["tasks"] for s in data["by_status"])
    else:
        assert sum(Decimal(str(r[3])) for r in body) == sum(Decimal(c["approved"]) for c in data["by_category"])


async def test_bad_input_is_a_clear_422(client, token_for) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("admin")
    for path, params in [("/rectification", {"month": "2026-13"}), ("/cadres", {"month": "26-01"}),
                         ("/rows", {"figure": "nope"}), ("/funds", {"township_code": "12"}),
                         ("/rows", {"figure": "task_load", "load": "7"})]:
        r = await client.get(BASE + path, params=params, headers=h)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (path, r.text)
    r = await client.get(BASE + "/nope/export.xlsx", headers=h)
    assert r.status_code == 422
    # The panels and the overview validate the month and township with FastAPI's own fields: its errors,
    # and the caller found first (a request without a token is 401 whatever it asks).
    for path in ("", "/rectification", "/pairing", "/cadres", "/tasks", "/funds", "/disclosures", "/discipline"):
        for params, field in (({"month": "26-01"}, "month"), ({"township_code": "12", "month": this_month()},
                                                                "township_code")):
            r = await client.get(BASE + path, params=params, headers=h)
            assert r.status_code == 422, (path, r.text)
            (error,) = r.json()["errors"]
            assert error["loc"] == ["query", field] and error["type"] == "string_pattern_mismatch", (path, error)
            assert (await client.get(BASE + path, params=params)).status_code == 401, path
            r = await client.get(BASE + path, params=params, headers={"Authorization": "Bearer nope"})
            assert r.status_code == 401 and r.json()["code"] == "invalid_token", path


async def _presence_recount(db) -> dict[tuple[int, int, date], tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    """cadre_presence_months as a plain recount of the check-ins and their reviews."""
    reviews = {r.checkin_id: r.decision for r in (await db.execute(select(CheckinReview))).scalars()}
    out: dict[tuple[int, int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c in (await db.execute(select(Checkin))).scalars():
        row, decision = out[(c.cadre_id, c.village_id, c.local_date.replace(day=1))], reviews.get(c.id)
        row[0] += not c.flags or decision == "accepted"
        row[1] += bool(c.flags) and decision is None
        row[2] += bool(c.flags) and decision == "accepted"
        row[3] += bool(c.flags) and decision == "rejected"
    return {k: (v[0], v[1], v[2], v[3]) for k, v in out.items()}


async def _presence_table(db) -> dict[tuple[int, int, date], tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    return {(m.cadre_id, m.village_id, m.month): (m.days, m.flagged_pending, m.flagged_accepted, m.flagged_rejected)
            for m in (await db.execute(select(PresenceMonth))).scalars() if m.days or m.flagged_pending
            or m.flagged_rejected}


async def test_presence_summary_follows_checkins_and_reviews(client, db, token_for, extra) -> None:  # type: ignore[no-untyped-def]
    """The cadre panel reads cadre_presence_months: the triggers keep it equal to a recount after a
    flagged check-in arrives and after it is reviewed, and the rebuild (for bulk loads) agrees."""
    h = await token_for("admin")
    assert await _presence_table(db) == await _presence_recount(db)
    posting = (await db.execute(select(Posting).where(Posting.end_date.is_(None)).order_by(Posting.id))).scalars().all()[0]
    today = clock.local_today()
    prev_last = today.replace(day=1) - timedelta(days=1)
    month = f"{prev_last.year:04d}-{prev_last.month:02d}"
    taken = set((await db.execute(select(Checkin.local_date).where(
        Checkin.cadre_id == posting.cadre_id, Checkin.village_id == posting.village_id))).scalars())
    day = next(prev_last - timedelta(days=i) for i in range(28) if prev_last - timedelta(days=i) not in taken)
    before = (await _get(client, h, "/cadres", month=month))["totals"]
    user_id = (await db.execute(select(User.id).where(User.username == "cadre01"))).scalar_one()
    c = Checkin(cadre_id=posting.cadre_id, village_id=posting.village_id, user_id=user_id, body_hash="t",
                checked_at=datetime.combine(day, time(9), tzinfo=clock.zone()), lat=45.0, lng=126.0,
                accuracy_m=10.0, flags=["far_from_village"])
    db.add(c)
    await db.flush()
    assert await _presence_table(db) == await _presence_recount(db)
    after = (await _get(client, h, "/cadres", month=month))["totals"]
    assert (after["flagged_pending"], after["days"]) == (before["flagged_pending"] + 1, before["days"])
    db.add(CheckinReview(checkin_id=c.id, village_id=c.village_id, decision="accepted", reviewed_by="admin"))
    await db.flush()
    assert await _presence_table(db) == await _presence_recount(db)
    reviewed = (await _get(client, h, "/cadres", month=month))["totals"]
    assert (reviewed["flagged_pending"], reviewed["flagged_accepted"], reviewed["days"]) == (
        before["flagged_pending"], before["flagged_accepted"] + 1, before["days"] + 1)
    kept = await _presence_table(db)
    await db.execute(text("SELECT cadre_presence_months_rebuild()"))
    assert await _presence_table(db) == kept
