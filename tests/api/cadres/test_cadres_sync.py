"""The phone's offline batch: each item on its own, answered per item, safe to replay."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from cadres_helpers import audit_count, checkin_body, log_body, new_key, table_count
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.models import Checkin, WorkLog

URL = "/api/v1/cadres/sync"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def days_ago(n: int, hour: int = 8) -> str:
    return (datetime.now(SHANGHAI) - timedelta(days=n)).replace(hour=hour, minute=0, second=0,
                                                                microsecond=0).isoformat()


async def test_a_batch_applies_each_item_on_its_own(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                    fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    h = await auth("cadre_t1")
    items = [
        {"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(2))},
        {"key": new_key(), "kind": "log", "body": log_body(written_at=days_ago(2, 20))},
        {"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(2, 9))},  # same day
        {"key": new_key(), "kind": "checkin", "body": checkin_body(lat=123)},  # bad input
        {"key": new_key(), "kind": "photo", "body": {}},  # unknown kind
        {"key": new_key(), "kind": "log", "body": log_body(written_at=days_ago(30))},  # too old
        {"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(1))},
    ]
    n_c, n_l, events = await table_count(db, Checkin), await table_count(db, WorkLog), await audit_count(db)
    r = await client.post(URL, json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    got = [(x["index"], x["key"], x["status"], x["http_status"], x["code"]) for x in out["results"]]
    assert got == [
        (0, items[0]["key"], "created", 201, None),
        (1, items[1]["key"], "created", 201, None),
        (2, items[2]["key"], "refused", 409, "already_checked_in"),
        (3, items[3]["key"], "refused", 422, "validation_error"),
        (4, items[4]["key"], "refused", 422, "unknown_kind"),
        (5, items[5]["key"], "refused", 422, "client_time_too_old"),
        (6, items[6]["key"], "created", 201, None),
    ]
    assert (out["created"], out["duplicates"], out["refused"]) == (3, 0, 4)
    assert out["results"][3]["errors"][0]["loc"] == ["body", "items", 3, "body", "lat"]
    assert out["results"][5]["errors"][0]["loc"] == ["body", "items", 5, "body", "written_at"]
    assert out["results"][0]["checkin"]["local_date"] == days_ago(2)[:10]
    assert out["results"][1]["log"]["log_date"] == days_ago(2)[:10]
    assert await table_count(db, Checkin) == n_c + 2 and await table_count(db, WorkLog) == n_l + 1
    assert await audit_count(db) == events + 3

    # replaying the whole batch writes nothing more: the stored ones come back as duplicates
    r = await client.post(URL, json={"items": items}, headers=h)
    again = r.json()
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate", "refused", "refused", "refused",
                                                       "refused", "duplicate"]
    assert [x["http_status"] for x in again["results"][:2]] == [200, 200]
    assert again["results"][0]["checkin"]["id"] == out["results"][0]["checkin"]["id"]
    assert await table_count(db, Checkin) == n_c + 2 and await audit_count(db) == events + 3


async def test_a_key_sent_alone_first_is_a_duplicate_in_the_batch(client: httpx.AsyncClient, auth,
                                                                   fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    key, body = new_key(), log_body()
    single = await client.post("/api/v1/cadres/logs", json=body, headers=await auth("cadre_t1", key))
    assert single.status_code == 201
    r = await client.post(URL, json={"items": [{"key": key, "kind": "log", "body": body},
                                               {"key": key, "kind": "log", "body": {**body, "text": "另一篇"}}]},
                          headers=await auth("cadre_t1"))
    res = r.json()["results"]
    assert res[0]["status"] == "duplicate" and res[0]["log"]["id"] == single.json()["id"]
    assert res[1]["status"] == "refused" and res[1]["code"] == "idempotency_key_reused"


async def test_the_same_key_twice_in_one_batch_is_stored_once(client: httpx.AsyncClient, auth,
                                                              fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    key, body = new_key(), checkin_body()
    r = await client.post(URL, json={"items": [{"key": key, "kind": "checkin", "body": body}] * 2},
                          headers=await auth("cadre_t1"))
    assert [x["status"] for x in r.json()["results"]] == ["created", "duplicate"]


async def test_the_batch_itself_must_be_well_formed(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    h = await auth("cadre01")
    n = await table_count(db, Checkin)
    item = {"key": "k", "kind": "checkin", "body": checkin_body()}
    for body in ({"items": []}, {"items": [item] * 1001}, {"items": [{**item, "key": ""}]},
                 {"items": [{**item, "key": "k" * 129}]}, {"items": [{**item, "key": "with space"}]},
                 {"items": [{"kind": "checkin", "body": {}}]}, {"items": "all"}, {}):
        r = await client.post(URL, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    assert await table_count(db, Checkin) == n


async def test_a_week_offline_goes_in_one_batch(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    """A week's queue of 1,000 writes (a check-in a day, the rest logs) is taken in one request, each item
    stored once with its audit event; a batch over the request body limit is 413 and writes nothing."""
    h = await auth("cadre_t1")
    # The week begins just inside the window (rules.MAX_AGE), whatever the hour the test runs at: a day's
    # fixed hour seven days back is outside it until that hour comes round today.
    start = datetime.now(SHANGHAI) - timedelta(days=7, minutes=-10)
    items = [{"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=(start + timedelta(days=d)).isoformat())}
             for d in range(7)]
    items += [{"key": new_key(), "kind": "log", "body": log_body(
        written_at=(start + timedelta(days=i % 7, minutes=i)).isoformat(), text=f"走访农户第{i}户")} for i in range(993)]
    n_c, n_l, events = await table_count(db, Checkin), await table_count(db, WorkLog), await audit_count(db)
    r = await client.post(URL, json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["duplicates"], out["refused"]) == (1000, 0, 0)
    assert [x["index"] for x in out["results"]] == list(range(1000))
    assert await table_count(db, Checkin) == n_c + 7 and await table_count(db, WorkLog) == n_l + 993
    assert await audit_count(db) == events + 1000

    long = [{"key": new_key(), "kind": "log", "body": log_body(text="村" * 5000)} for _ in range(200)]  # 3 MB
    r = await client.post(URL, json={"items": long}, headers=h)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "payload_too_large"
    assert await table_count(db, WorkLog) == n_l + 993


async def test_only_cadres_sync(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    n = await table_count(db, Checkin)
    item = {"key": new_key(), "kind": "checkin", "body": checkin_body()}
    for username in ("township01", "admin", "partner01", "secretary01"):
        r = await client.post(URL, json={"items": [item]}, headers=await auth(username))
        assert r.status_code == 403, username
    assert await table_count(db, Checkin) == n


async def test_a_clean_batch_is_decided_as_a_whole(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                   fresh_cadre_user, caplog) -> None:  # type: ignore[no-untyped-def]
    """Check-ins and logs with nothing in their way go in together: the batch never falls back to
    deciding its items one by one (which the service logs)."""
    h = await auth("cadre_t1")
    items = [{"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(n))} for n in (3, 4, 5)]
    items += [{"key": new_key(), "kind": "log", "body": log_body(written_at=days_ago(n, 20))} for n in (3, 4)]
    items.append({"key": new_key(), "kind": "log", "body": log_body(
        written_at=days_ago(5, 20), policy_issues=1, discipline_issues=1, oversight_note="低保评议不公开")})
    n_c, n_l = await table_count(db, Checkin), await table_count(db, WorkLog)
    with caplog.at_level("WARNING", logger="cunzhi.cadres.fieldwork"):
        r = await client.post(URL, json={"items": items}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 6, r.text
    assert not [rec for rec in caplog.records if rec.name == "cunzhi.cadres.fieldwork"], caplog.text
    both = r.json()["results"][5]["log"]  # one finding per kind, as the single POST raises them
    assert len(both["finding_ids"]) == 2 and both["finding_id"] == both["finding_ids"][0]
    assert r.json()["results"][3]["log"]["finding_ids"] == []
    assert await table_count(db, Checkin) == n_c + 3 and await table_count(db, WorkLog) == n_l + 3
    # each new row's audit event, appended unsealed, in the batch's order, holding the row as stored
    from sqlalchemy import select

    from cunzhi.kit.audit import AuditEvent

    made = [(x["kind"], x["checkin"] or x["log"]) for x in r.json()["results"]]
    events = (await db.execute(select(AuditEvent).where(AuditEvent.action.in_(
        ["cadre_checkin.create", "cadre_log.create"])).order_by(AuditEvent.id.desc()).limit(6))).scalars().all()
    assert [(e.action, e.entity_id) for e in reversed(events)] == [
        (f"cadre_{kind}.create", str(row["id"])) for kind, row in made]
    for e, (_, row) in zip(reversed(events), made, strict=True):
        assert e.actor.startswith("user:") and e.before is None and e.seq is None and e.hash is None
        assert e.after is not None and "body_hash" not in e.after
        assert e.after["id"] == row["id"] and e.after["client_key"] == row["client_key"]
    assert events[0].after is not None and events[0].after["policy_issues"] == 1


async def test_a_row_the_database_refuses_costs_only_that_row(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                              connection, fresh_cadre_user,
                                                              caplog) -> None:  # type: ignore[no-untyped-def]
    """One log whose finding a constraint refuses (here a rule this test adds to the findings table)
    is refused alone, answered as its single POST would be (409); the other items still go in
    together (a few statements for the batch, never one per item) with their findings and audit
    events, and a replay answers them as duplicates and that one as refused again."""
    import math

    from sqlalchemy import event, func, select, text

    from cunzhi.cadres.models import OversightFinding

    await db.execute(text("ALTER TABLE cadre_findings ADD CONSTRAINT ck_test_barred_note CHECK (text <> '拒收')"))
    h = await auth("cadre_t1")
    items = [{"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(n))} for n in (2, 3)]
    items += [{"key": new_key(), "kind": "log", "body": log_body(
        written_at=days_ago(2 + n % 3, 20), policy_issues=n % 2, discipline_issues=1 if n % 4 == 0 else 0,
        oversight_note="拒收" if n == 9 else f"问题{n}")} for n in range(16)]
    bad = 2 + 9
    n_c, n_l, n_f = await table_count(db, Checkin), await table_count(db, WorkLog), await table_count(db,
                                                                                                      OversightFinding)
    events = await audit_count(db)
    inserts: list[str] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "INSERT INTO cadre_logs" in statement:
            inserts.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        with caplog.at_level("WARNING", logger="cunzhi.cadres.fieldwork"):
            r = await client.post(URL, json={"items": items}, headers=h)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["duplicates"], out["refused"]) == (17, 0, 1), out
    refused = out["results"][bad]
    assert (refused["status"], refused["http_status"], refused["code"]) == ("refused", 409, "conflict"), refused
    assert refused["detail"] and refused["log"] is None
    for x, item in zip(out["results"], items, strict=True):
        if x["index"] == bad:
            continue
        assert x["status"] == "created" and x["key"] == item["key"], x
        if item["kind"] == "log":
            b = item["body"]
            assert len(x["log"]["finding_ids"]) == (b["policy_issues"] > 0) + (b["discipline_issues"] > 0), x
    # split around the refused row, not one statement per item
    assert len(inserts) <= 2 * math.ceil(math.log2(len(items))) + 1, len(inserts)
    assert not [rec for rec in caplog.records if "one by one" in rec.getMessage()], caplog.text
    assert await table_count(db, Checkin) == n_c + 2 and await table_count(db, WorkLog) == n_l + 15
    wanted = sum((b["policy_issues"] > 0) + (b["discipline_issues"] > 0) for b in
                 (it["body"] for i, it in enumerate(items) if it["kind"] == "log" and i != bad))
    assert await table_count(db, OversightFinding) == n_f + wanted
    assert await audit_count(db) == events + 17
    barred = (await db.execute(select(func.count()).select_from(WorkLog).where(
        WorkLog.client_key == items[bad]["key"]))).scalar_one()
    assert barred == 0

    again = (await client.post(URL, json={"items": items}, headers=h)).json()
    assert (again["created"], again["duplicates"], again["refused"]) == (0, 17, 1), again
    assert again["results"][bad]["code"] == "conflict"
    assert [x["log"]["id"] for x in again["results"][2:] if x["log"]] == [
        x["log"]["id"] for x in out["results"][2:] if x["log"]]
    assert await audit_count(db) == events + 17


async def test_a_replay_answers_the_stored_rows_with_their_photos_findings_and_review(
        client: httpx.AsyncClient, auth, fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    """A batch replaying writes stored earlier answers each as its single GET would show it: the
    photos added since, the log's findings, a flagged check-in's review."""
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 300
    h = await auth("cadre_t1")
    items = [{"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(3), accuracy_m=900.0)},
             {"key": new_key(), "kind": "log", "body": log_body(written_at=days_ago(3, 20), discipline_issues=2,
                                                                  oversight_note="违规收费")}]
    first = (await client.post(URL, json={"items": items}, headers=h)).json()
    checkin, log = first["results"][0]["checkin"], first["results"][1]["log"]
    assert "poor_accuracy" in checkin["flags"] and len(log["finding_ids"]) == 1, first
    photo = (await client.post(f"/api/v1/cadres/logs/{log['id']}/photos", files={"file": ("p.jpg", jpeg, "image/jpeg")},
                               headers=h)).json()
    r = await client.post(f"/api/v1/cadres/checkins/{checkin['id']}/review", json={"decision": "accepted", "note": "核实"},
                          headers=await auth("township01"))
    assert r.status_code == 200, r.text
    again = (await client.post(URL, json={"items": items}, headers=h)).json()
    c, g = again["results"][0]["checkin"], again["results"][1]["log"]
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate"]
    assert {k: c[k] for k in ("id", "local_date", "flags")} == {k: checkin[k] for k in ("id", "local_date", "flags")}
    for k in ("checked_at", "received_at"):  # the same moments (a replay answers them from the database, in UTC)
        assert datetime.fromisoformat(c[k]) == datetime.fromisoformat(checkin[k]), k
    assert c["review"]["decision"] == "accepted" and c["review"]["note"] == "核实" and c["counts"] is True
    assert g["id"] == log["id"] and g["finding_ids"] == log["finding_ids"] and g["finding_id"] == log["finding_id"]
    assert [(p["id"], p["sha256"], p["size"]) for p in g["photos"]] == [(photo["id"], photo["sha256"], photo["size"])]
    assert datetime.fromisoformat(g["written_at"]) == datetime.fromisoformat(log["written_at"])
    assert g["log_date"] == log["log_date"] and g["roles"] == log["roles"] and g["text"] == log["text"]


def _moments(row: dict) -> dict:  # type: ignore[type-arg]
    """The row with its moments as moments: a list answers them in UTC, the write in the phone's offset."""
    return {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v for k, v in row.items()}


async def test_the_answer_is_the_contract_s_and_the_single_reads(client: httpx.AsyncClient, auth,
                                                                  fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    """The batch's answer is built without validating each row again: it must still be exactly what
    the contract's model accepts, and each row what the single reads of the same rows answer."""
    from cunzhi.cadres.schemas import SyncResponse

    h = await auth("cadre_t1")
    items = [{"key": new_key(), "kind": "checkin", "body": checkin_body(checked_at=days_ago(4))},
             {"key": new_key(), "kind": "log", "body": log_body(written_at=days_ago(4, 20), roles=["clerk", "mediator"],
                                                               policy_issues=1, oversight_note="公开栏未更新")},
             {"key": new_key(), "kind": "log", "body": log_body(roles=[])}]
    for sent in (items, items):  # stored now, then every row a duplicate answered from what is stored
        r = await client.post(URL, json={"items": sent}, headers=h)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert SyncResponse.model_validate(answer).model_dump(mode="json") == answer
        checkin, log = answer["results"][0]["checkin"], answer["results"][1]["log"]
        listed = (await client.get("/api/v1/cadres/checkins", params={"mine": True, "limit": 100},
                                   headers=h)).json()["items"]
        assert _moments(next(c for c in listed if c["id"] == checkin["id"])) == _moments(checkin)
        logs = (await client.get("/api/v1/cadres/logs", params={"mine": True, "limit": 100},
                                 headers=h)).json()["items"]
        assert _moments(next(g for g in logs if g["id"] == log["id"])) == _moments(log)
        assert answer["results"][2]["status"] == "refused"
