"""Two check-ins of one cadre at the same instant: one is stored (201), the other is 409.

Real commits are needed, so this runs on a database of its own (migrated to head, a minimal
county). Each request has its own session and connection. The test holds a SHARE lock on the
check-in table, so both requests pass every check and then wait at their INSERT; when the lock is
released both insert together and the unique constraint on (cadre, village, local day) decides.
"""

import asyncio
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from racing import until_waiting
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

COUNTY, TOWNSHIP, VILLAGE = "239997000000", "239997100000", "239997100201"


@pytest.fixture(scope="module")
async def county(race_county):  # type: ignore[no-untyped-def]
    from cunzhi.cadres.models import Cadre

    rc = await race_county("cunzhi_checkin_race", county=COUNTY, township=TOWNSHIP, villages={VILLAGE: {"status": "weak"}},
                           users=[("race_cadre", "cadre", VILLAGE, "驻村干部")])
    async with rc.maker() as s, s.begin():
        s.add(Cadre(county_code=COUNTY, name="竞态干部", home_unit="县局", user_id=rc.users["race_cadre"]))
    return rc


@pytest.fixture(scope="module")
def own_db(county) -> AsyncEngine:  # type: ignore[no-untyped-def]
    return county.engine  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def race(county) -> tuple[list[httpx.AsyncClient], dict[str, str]]:  # type: ignore[no-untyped-def]
    return county.clients(subnet="10.9.1"), county.headers("race_cadre")


async def together(eng: AsyncEngine, *requests, table: str = "cadre_checkins",  # type: ignore[no-untyped-def]
                   mode: str = "SHARE"):
    """Hold the table in `mode` until every request waits for it (SHARE: at its INSERT), then let them race."""
    async with eng.connect() as conn:
        await conn.execute(text(f"LOCK TABLE {table} IN {mode} MODE"))
        tasks = [asyncio.ensure_future(r) for r in requests]
        await until_waiting(conn, len(tasks), "the requests never met at the table")
        await conn.commit()  # releases the lock: both inserts go at once
        return await asyncio.gather(*tasks)


async def test_two_check_ins_at_the_same_instant(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    (a, b), h = race
    at = datetime.now(UTC).isoformat()
    body = {"checked_at": at, "lat": 45.7, "lng": 126.6, "accuracy_m": 10}
    first, second = await together(
        own_db,
        a.post("/api/v1/cadres/checkins", json=body, headers={**h, "Idempotency-Key": "race-a"}),
        b.post("/api/v1/cadres/checkins", json={**body, "note": "second phone"},
               headers={**h, "Idempotency-Key": "race-b"}),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "already_checked_in"
    from cunzhi.cadres.models import Checkin
    from cunzhi.kit.audit import AuditEvent

    async with async_sessionmaker(own_db)() as s:
        assert (await s.execute(select(func.count()).select_from(Checkin))).scalar_one() == 1
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
    assert actions.count("cadre_checkin.create") == 1


async def test_the_same_write_twice_at_once_is_stored_once(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    """A single POST and a batch carrying the same key, at once: one row, and both answers are that row."""
    (a, b), h = race
    yesterday = datetime.now(UTC) - timedelta(days=1)
    body = {"checked_at": yesterday.isoformat(), "lat": 1, "lng": 1, "accuracy_m": 5}
    from cunzhi.cadres.models import Checkin

    async with async_sessionmaker(own_db)() as s:
        before = (await s.execute(select(func.count()).select_from(Checkin))).scalar_one()
    single, batch = await together(
        own_db,
        a.post("/api/v1/cadres/checkins", json=body, headers={**h, "Idempotency-Key": "twice"}),
        b.post("/api/v1/cadres/sync", json={"items": [{"key": "twice", "kind": "checkin", "body": body}]}, headers=h),
    )
    async with async_sessionmaker(own_db)() as s:
        after = (await s.execute(select(func.count()).select_from(Checkin))).scalar_one()
    assert after == before + 1
    item = batch.json()["results"][0]
    assert sorted([single.status_code, item["http_status"]]) == [200, 201], (single.text, item)
    assert item["checkin"]["id"] == single.json()["id"]


async def test_two_reviews_of_one_flagged_check_in_at_once(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    """The race village has no position, so its check-ins are flagged; two officials review the same
    one at the same instant: one decision is stored (200), the other is 409, and one event is emitted."""
    from cunzhi.auth.models import User
    from cunzhi.cadres.models import CheckinReview
    from cunzhi.kit.events import OutboxEvent
    from cunzhi.kit.security import create_access_token

    (a, b), h = race
    at = (datetime.now(UTC) - timedelta(days=2, hours=1)).isoformat()
    r = await a.post("/api/v1/cadres/checkins", json={"checked_at": at, "lat": 45.7, "lng": 126.6, "accuracy_m": 10},
                     headers={**h, "Idempotency-Key": "review-race"})
    assert r.status_code == 201 and "village_unlocated" in r.json()["flags"], r.text
    cid = r.json()["id"]
    async with async_sessionmaker(own_db, expire_on_commit=False)() as s, s.begin():
        officials = [User(username=f"race_t{i}", password_hash="x", display_name="镇干部", role="township_official",
                          division_code=TOWNSHIP) for i in (1, 2)]
        s.add_all(officials)
        await s.flush()
        tokens = [create_access_token(f"user:{u.id}")[0] for u in officials]
    first, second = await together(
        own_db,
        a.post(f"/api/v1/cadres/checkins/{cid}/review", json={"decision": "accepted", "note": "核实在村"},
               headers={"Authorization": f"Bearer {tokens[0]}"}),
        b.post(f"/api/v1/cadres/checkins/{cid}/review", json={"decision": "rejected", "note": "不在村"},
               headers={"Authorization": f"Bearer {tokens[1]}"}),
        table="cadre_checkin_reviews",
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.json()["code"] == "checkin_already_reviewed"
    async with async_sessionmaker(own_db)() as s:
        reviews = (await s.execute(select(CheckinReview).where(CheckinReview.checkin_id == cid))).scalars().all()
        events = (await s.execute(select(OutboxEvent).where(OutboxEvent.event_type == "cadre_checkin.review"))
                  ).scalars().all()
    assert len(reviews) == 1 and reviews[0].decision == winner.json()["review"]["decision"]
    assert len(events) == 1


async def test_the_same_batch_twice_at_once_is_stored_once(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    """A phone resends its queue while the first send is still running: both batches pass their checks,
    then meet at the insert. Every log is stored once with one audit event; each item is created in
    one answer and a duplicate in the other, and both answers name the same rows."""
    from cunzhi.cadres.models import WorkLog
    from cunzhi.kit.audit import AuditEvent

    (a, b), h = race
    at = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    items = [{"key": f"queue-{i}", "kind": "log", "body": {"written_at": at, "text": f"走访第{i}户", "roles": ["informant"]}}
             for i in range(5)]
    first, second = await together(
        own_db,
        a.post("/api/v1/cadres/sync", json={"items": items}, headers=h),
        b.post("/api/v1/cadres/sync", json={"items": items}, headers=h),
        table="cadre_logs",
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    one, two = first.json(), second.json()
    assert sorted([one["created"], two["created"]]) == [0, 5] and one["duplicates"] + two["duplicates"] == 5
    assert [r["log"]["id"] for r in one["results"]] == [r["log"]["id"] for r in two["results"]]
    async with async_sessionmaker(own_db)() as s:
        stored = (await s.execute(select(func.count()).select_from(WorkLog)
                                  .where(WorkLog.client_key.like("queue-%")))).scalar_one()
        audited = (await s.execute(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "cadre_log.create"))).scalar_one()
    assert stored == 5 and audited == 5


async def test_two_moves_of_one_finding_at_once(race, own_db: AsyncEngine) -> None:  # type: ignore[no-untyped-def]
    """The township's discipline inspector and one of its officials move the same discipline finding
    at the same instant, both from the version they read: the row lock lets one through (200) and the
    other then reads the moved finding and is refused (409: it is following_up already); one state,
    one history event, one audit event."""
    from cunzhi.auth.models import User
    from cunzhi.cadres.models import FindingEvent, OversightFinding
    from cunzhi.kit.audit import AuditEvent
    from cunzhi.kit.security import create_access_token

    (a, b), h = race
    r = await a.post("/api/v1/cadres/logs", headers={**h, "Idempotency-Key": "finding-race"}, json={
        "written_at": datetime.now(UTC).isoformat(), "text": "走访发现问题", "roles": ["informant"],
        "discipline_issues": 1, "oversight_note": "村干部违规收费"})
    assert r.status_code == 201 and r.json()["finding_id"], r.text
    fid = r.json()["finding_id"]
    async with async_sessionmaker(own_db, expire_on_commit=False)() as s, s.begin():
        movers = [User(username="race_inspector", password_hash="x", display_name="镇纪委", role="discipline_inspector",
                       division_code=TOWNSHIP),
                  User(username="race_t_move", password_hash="x", display_name="镇干部", role="township_official",
                       division_code=TOWNSHIP)]
        s.add_all(movers)
        await s.flush()
        tokens = [create_access_token(f"user:{u.id}")[0] for u in movers]
    url = f"/api/v1/cadres/findings/{fid}/state"
    # EXCLUSIVE conflicts with the row lock's ROW SHARE: both requests wait at their SELECT ... FOR UPDATE
    first, second = await together(
        own_db,
        a.post(url, json={"state": "following_up", "version": 1, "note": "纪委核查"},
               headers={"Authorization": f"Bearer {tokens[0]}"}),
        b.post(url, json={"state": "following_up", "version": 1, "note": "镇里约谈"},
               headers={"Authorization": f"Bearer {tokens[1]}"}),
        table="cadre_findings", mode="EXCLUSIVE")
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.json()["code"] == "finding_transition_refused"
    async with async_sessionmaker(own_db)() as s:
        f = (await s.execute(select(OversightFinding).where(OversightFinding.id == fid))).scalar_one()
        moves = (await s.execute(select(FindingEvent).where(FindingEvent.finding_id == fid))).scalars().all()
        audited = (await s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "cadre_finding", AuditEvent.entity_id == str(fid)))).scalar_one()
    assert (f.state, f.version, f.state_note) == ("following_up", 2, winner.json()["state_note"])
    assert len(moves) == 1 and moves[0].note == f.state_note and audited == 1


async def test_a_mixed_batch_twice_at_once_falls_back_and_answers_alike(race, own_db: AsyncEngine,
                                                                        caplog) -> None:  # type: ignore[no-untyped-def]
    """The same queue (a check-in, a log, an invalid item, the log again, a second check-in that day)
    sent by two phones at once: the loser's insert fails on the winner's keys and it decides its items
    one by one (logged); each valid item is written and audited once, both answers name the same rows,
    and the other items are answered the same in both."""
    from cunzhi.cadres.models import Checkin, WorkLog
    from cunzhi.kit.audit import AuditEvent

    (a, b), h = race
    # Ten in the morning, county time, six days ago: five minutes later is the same day at any hour
    # the test runs (from now, it crossed midnight when run just before it).
    from cunzhi.kit import clock

    morning = datetime.combine(clock.local_today() - timedelta(days=6), time(10), tzinfo=clock.zone())
    at, later = morning.isoformat(), (morning + timedelta(minutes=5)).isoformat()
    checkin = {"checked_at": at, "lat": 45.7, "lng": 126.6, "accuracy_m": 10}
    log = {"written_at": at, "text": "走访困难户", "roles": ["informant"], "policy_issues": 1, "discipline_issues": 1,
           "oversight_note": "低保评议不公开"}
    items = [{"key": "mixed-c", "kind": "checkin", "body": checkin},
             {"key": "mixed-l", "kind": "log", "body": log},
             {"key": "mixed-bad", "kind": "checkin", "body": {**checkin, "lat": 123}},
             {"key": "mixed-l", "kind": "log", "body": log},
             {"key": "mixed-c2", "kind": "checkin", "body": {**checkin, "checked_at": later}}]
    with caplog.at_level("WARNING", logger="cunzhi.cadres.fieldwork"):
        first, second = await together(
            own_db,
            a.post("/api/v1/cadres/sync", json={"items": items}, headers=h),
            b.post("/api/v1/cadres/sync", json={"items": items}, headers=h),
        )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert len([r for r in caplog.records if r.name == "cunzhi.cadres.fieldwork"]) == 1, caplog.text
    one, two = first.json(), second.json()
    assert sorted([one["created"], two["created"]]) == [0, 2], (one, two)
    for out in (one, two):
        got = [(r["index"], r["status"], r["code"]) for r in out["results"]]
        assert got[2:] == [(2, "refused", "validation_error"), (3, "duplicate", None),
                           (4, "refused", "already_checked_in")], got
        assert {got[0][1], got[1][1]} <= {"created", "duplicate"}
    assert one["results"][0]["checkin"]["id"] == two["results"][0]["checkin"]["id"]
    assert one["results"][1]["log"]["id"] == two["results"][1]["log"]["id"] == one["results"][3]["log"]["id"]
    assert one["results"][1]["log"]["finding_id"] == two["results"][1]["log"]["finding_id"] is not None
    async with async_sessionmaker(own_db)() as s:
        checkins = (await s.execute(select(func.count()).select_from(Checkin)
                                    .where(Checkin.client_key.like("mixed-%")))).scalar_one()
        logs = (await s.execute(select(func.count()).select_from(WorkLog)
                                .where(WorkLog.client_key.like("mixed-%")))).scalar_one()
        audited = [(await s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.entity_id == str(row_id)))).scalar_one()
            for action, row_id in (("cadre_checkin.create", one["results"][0]["checkin"]["id"]),
                                   ("cadre_log.create", one["results"][1]["log"]["id"]))]
    assert checkins == 1 and logs == 1
    assert audited == [1, 1]
