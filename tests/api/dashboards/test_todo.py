"""Each role's to-do: every count equals the rows of the list its link opens, for that caller; each role
gets the items of its own work; and the scope holds (another township's items never count)."""

from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from cunzhi.auth.models import User
from cunzhi.cadres.models import Cadre, Checkin, WorkLog
from cunzhi.disclosures.models import Publication, RoundVillage
from cunzhi.disclosures.models import Review as DisclosureReview
from cunzhi.disclosures.models import Round as DisclosureRound
from cunzhi.kit import clock
from cunzhi.rectification.models import Case, Measure
from cunzhi.tasks.models import Task
from cunzhi.villages.models import Village

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
TODO = "/api/v1/dashboards/todo"
ROLES = {"admin": "county_admin", "inspector": "discipline_inspector", "township01": "township_official",
         "township02": "township_official", "agency01": "township_agency", "committee01": "supervision_committee",
         "secretary01": "village_committee", "partner01": "partner_unit", "cadre01": "cadre"}
# The work each role's to-do must hold (more may follow as domains add theirs).
WORK = {
    "county_admin": {"cases_to_accept", "checkins_to_review", "measures_overdue", "scores_to_enter"},
    "discipline_inspector": {"disclosures_to_inspect"},
    "township_official": {"budgets_to_approve", "claims_to_approve", "scores_to_enter", "disclosures_to_inspect",
                          "cases_to_hand_in", "checkins_to_review", "tasks_to_accept", "measures_overdue"},
    "township_agency": {"claims_to_pay", "claims_to_pay_direct"},
    "supervision_committee": {"claims_to_sign", "disclosures_to_review"},
    "village_committee": {"claim_drafts", "disclosures_to_publish", "tasks_due", "tasks_overdue", "measures_overdue"},
    "partner_unit": {"tasks_due", "tasks_overdue"},
    "cadre": {"tasks_due", "tasks_overdue", "checkin_missing", "log_missing", "measures_overdue"},
}


@pytest.fixture
async def work(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The same work in township 01 and in township 02: disclosures published (to inspect, to review) and
    pending (to publish), a case ready to hand in, tasks due in two days."""
    today = clock.local_today()
    now = clock.now()
    vs = (await db.execute(select(Village).where(Village.county_code == COUNTY).order_by(Village.code))).scalars().all()
    home = (await db.execute(select(Village).join(User, User.village_id == Village.id)
                             .where(User.username == "secretary01"))).scalar_one()
    t01 = [v for v in vs if v.township_code == T01 and v.id != home.id]
    t02 = [v for v in vs if v.township_code == T02]
    # an earlier month still open: three months back (the demo's rounds of the two months before are locked)
    last = (today.replace(day=1) - timedelta(days=70)).replace(day=1)

    async def round_of(township: str, year: int, month: int, publish_by: Any) -> DisclosureRound:
        r = DisclosureRound(township_code=township, year=year, month=month, publish_by=publish_by, status="open",
                            opened_by="t", opened_at=now)
        db.add(r)
        await db.flush()
        return r

    async def village_in(r: DisclosureRound, v: Village, status: str) -> RoundVillage:
        rv = RoundVillage(round_id=r.id, village_id=v.id, status=status)
        db.add(rv)
        await db.flush()
        if status != "pending":
            db.add(Publication(round_village_id=rv.id, round_id=r.id, village_id=v.id, entries=[], finance={},
                               finance_hash="0" * 64, late=False, published_by="t", published_at=now))
            await db.flush()
        return rv

    this01 = await round_of(T01, today.year, today.month, today.replace(day=min(10, today.day)))
    last01 = await round_of(T01, last.year, last.month, last.replace(day=10))
    this02 = await round_of(T02, today.year, today.month, today.replace(day=min(10, today.day)))
    await village_in(this01, home, "pending")  # the secretary's to publish
    await village_in(this01, t01[0], "published")  # township 01's to inspect
    await village_in(this01, t01[1], "passed")  # done: no one's work
    home_last = await village_in(last01, home, "published")  # to inspect, and the committee's to review
    await village_in(this02, t02[0], "published")  # township 02's, never township 01's
    await village_in(this02, t02[1], "pending")

    async def ready_case(v: Village) -> int:
        existing = (await db.execute(select(Case).where(Case.village_id == v.id,
                                                        Case.status.in_(("open", "rectifying", "submitted")))
                                     )).scalars().all()
        for c in existing:
            await db.execute(update(Case).where(Case.id == c.id).values(status="accepted", accepted_by="t",
                                                                        accepted_at=now))
        c = Case(village_id=v.id, status="rectifying", categories=["weak_branch"], version=1)
        db.add(c)
        await db.flush()
        db.add(Measure(case_id=c.id, description="整改", owner="张三", deadline=today, done=True, done_at=now,
                       done_by="t", created_by="t", version=1))
        await db.flush()
        return int(c.id)

    case01, case02 = await ready_case(t01[2]), await ready_case(t02[2])
    tasks = (await db.execute(select(Task).order_by(Task.id).limit(2))).scalars().all()
    assert len(tasks) == 2
    await db.execute(update(Task).where(Task.id == tasks[0].id).values(
        village_id=home.id, status="in_progress", due_date=today + timedelta(days=2),
        progress=0))
    await db.execute(update(Task).where(Task.id == tasks[1].id).values(
        village_id=t02[0].id, status="planned", due_date=today + timedelta(days=1), progress=0))
    await db.flush()
    return {"home": home, "home_last": home_last, "case01": case01, "case02": case02,
            "t01": {v.code for v in vs if v.township_code == T01}, "t02": {v.code for v in t02}}


async def _todo(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = await client.get(TODO, headers=h)
    assert r.status_code == 200, r.text
    return {i["key"]: i for i in r.json()["items"]}


async def _rows(client: httpx.AsyncClient, h: dict[str, str], link: str) -> list[dict[str, Any]]:
    """Every row of the list a link opens (its pages followed to the end)."""
    out: list[dict[str, Any]] = []
    sep = "&" if "?" in link else "?"
    while True:
        r = await client.get(f"{link}{sep}limit=200&offset={len(out)}", headers=h)
        assert r.status_code == 200, (link, r.text)
        body = r.json()
        out += body["items"]
        total = body.get("total")
        if total is None or len(out) >= total or not body["items"]:
            return out


def _village(row: dict[str, Any]) -> str | None:
    if "village_code" in row:
        return str(row["village_code"])
    village = row.get("village")
    return str(village["code"]) if isinstance(village, dict) else None


@pytest.mark.parametrize("username", sorted(ROLES))
async def test_every_count_is_the_rows_of_its_list(client, db, token_for, work, username) -> None:  # type: ignore[no-untyped-def]
    h = await token_for(username)
    r = await client.get(TODO, headers=h)
    body = r.json()
    assert body["role"] == ROLES[username]
    items = {i["key"]: i for i in body["items"]}
    assert WORK[ROLES[username]] <= set(items), set(items) ^ WORK[ROLES[username]]
    for key, item in items.items():
        assert item["link"].startswith("/api/v1/"), item
        rows = await _rows(client, h, item["link"])
        assert len(rows) == item["count"], (key, item, len(rows))
        if username == "township01":  # the scope: never a village of another township
            assert all(_village(row) in work["t01"] for row in rows if _village(row)), key


async def test_each_role_sees_its_own_work(client, db, token_for, work) -> None:  # type: ignore[no-untyped-def]
    home = work["home"].code
    t1, t2 = await _todo(client, await token_for("township01")), await _todo(client, await token_for("township02"))
    county = await _todo(client, await token_for("inspector"))
    assert t1["disclosures_to_inspect"]["count"] == 2  # this month's and an earlier month's, both township 01's
    assert t2["disclosures_to_inspect"]["count"] == 1
    assert county["disclosures_to_inspect"]["count"] == 3
    for key in ("cases_to_hand_in",):
        case_ids = {row["case_id"] for row in await _rows(client, await token_for("township01"), t1[key]["link"])}
        assert work["case01"] in case_ids and work["case02"] not in case_ids
        case_ids = {row["case_id"] for row in await _rows(client, await token_for("township02"), t2[key]["link"])}
        assert work["case02"] in case_ids and work["case01"] not in case_ids

    sec = await _todo(client, await token_for("secretary01"))
    assert sec["disclosures_to_publish"]["count"] == 1  # this month's pending; township 02's pending is not its
    due = await _rows(client, await token_for("secretary01"), sec["tasks_due"]["link"])
    assert [t["village"]["code"] for t in due] == [home]
    committee = await _todo(client, await token_for("committee01"))
    assert committee["disclosures_to_review"]["count"] == 1
    pub = (await db.execute(select(Publication.id).where(
        Publication.round_village_id == work["home_last"].id))).scalar_one()
    db.add(DisclosureReview(round_village_id=work["home_last"].id, publication_id=pub, stage="after_publication",
                            opinion="无异议", reviewed_by="t", reviewed_at=clock.now()))
    await db.flush()
    assert (await _todo(client, await token_for("committee01")))["disclosures_to_review"]["count"] == 0


async def test_the_cadre_is_reminded_of_todays_check_in_and_log(client, db, token_for, work) -> None:  # type: ignore[no-untyped-def]
    h = await token_for("cadre01")
    before = await _todo(client, h)
    assert before["checkin_missing"]["count"] == 1 and before["log_missing"]["count"] == 1
    assert before["tasks_due"]["count"] >= 1
    cadre = (await db.execute(select(Cadre).join(User, User.id == Cadre.user_id)
                              .where(User.username == "cadre01"))).scalar_one()
    at = datetime.combine(clock.local_today(), time(8), tzinfo=clock.zone())
    db.add(Checkin(cadre_id=cadre.id, village_id=work["home"].id, user_id=cadre.user_id, body_hash="t", checked_at=at,
                   lat=45.0, lng=126.0, accuracy_m=10.0, flags=[]))
    await db.flush()
    after = await _todo(client, h)
    assert after["checkin_missing"]["count"] == 0 and after["log_missing"]["count"] == 1
    db.add(WorkLog(cadre_id=cadre.id, village_id=work["home"].id, user_id=cadre.user_id, body_hash="t", written_at=at,
                   log_date=clock.local_today(), text="走访", roles=["informant"]))
    await db.flush()
    assert (await _todo(client, h))["log_missing"]["count"] == 0
    # another account never sees the cadre's reminder as its own
    other = await client.get("/api/v1/dashboards/rows", params={"figure": "checkin_missing"},
                             headers=await token_for("secretary01"))
    assert other.status_code == 200 and other.json()["total"] == 0
