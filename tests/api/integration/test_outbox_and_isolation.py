"""The outbox over HTTP: a case's acceptance writes its outbox row (and a township system holding
rectification:read hears it); a write that fails after its emit, inside the request, leaves no
outbox row and sends nothing. A client sees only its township in funds and tasks too. The
divisions import reads as much as its route admits (IMPORT_MAX_BYTES)."""

import pytest
from sqlalchemy import select, text

from cunzhi.config import IMPORT_MAX_BYTES, get_settings
from cunzhi.kit import events
from cunzhi.kit.events import OutboxEvent
from cunzhi.webhooks.models import WebhookDelivery

C = "/api/v1/rectification-cases"
V = "230199100200"  # township 01's first weak village
TOWNSHIP_01, TOWNSHIP_02 = "230199100000", "230199101000"


@pytest.fixture(autouse=True)
def _private_allowed(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)


async def _relay_all(db) -> None:  # type: ignore[no-untyped-def]
    while await events.relay_next(db) is not None:
        pass


async def _ready_case(client, token_for) -> int:  # type: ignore[no-untyped-def]
    """V's open case with every measure done and handed in by the township."""
    t, a = await token_for("township01"), await token_for("admin")
    [case] = (await client.get(C, params={"village_code": V, "open_only": True}, headers=a)).json()["items"]
    detail = (await client.get(f"{C}/{case['id']}", headers=a)).json()
    r = await client.post(f"{C}/{case['id']}/measures", headers=t,
                          json={"description": "选优配强书记", "owner": "镇党委", "deadline": "2027-06-30"})
    assert r.status_code == 201, r.text
    for m in [*detail["measures"], r.json()]:
        if not m["done"]:
            cur = (await client.get(f"{C}/{case['id']}", headers=a)).json()
            version = next(x["version"] for x in cur["measures"] if x["id"] == m["id"])
            r = await client.patch(f"{C}/{case['id']}/measures/{m['id']}", json={"done": True},
                                   headers={**t, "If-Match": f'W/"{version}"'})
            assert r.status_code == 200, r.text
    assert (await client.post(f"{C}/{case['id']}/submit", headers=t)).status_code == 200
    return int(case["id"])


async def _outbox(db, event_type: str, entity_id: int):  # type: ignore[no-untyped-def]
    return (await db.execute(select(OutboxEvent).where(OutboxEvent.event_type == event_type,
                                                       OutboxEvent.entity_id == str(entity_id)))).scalars().all()


async def _subscribe(client, token_for, client_id):  # type: ignore[no-untyped-def]
    r = await client.post(f"/api/v1/api-clients/{client_id}/webhooks", headers=await token_for("admin"),
                          json={"url": "https://cases.example.org/h", "event_types": ["rectification_case."]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_accepting_a_case_writes_its_outbox_row(client, token_for, new_client, db):
    await _relay_all(db)
    await new_client("case-hook", scopes=["rectification:read"])
    sub = await _subscribe(client, token_for, "case-hook")
    case_id = await _ready_case(client, token_for)
    r = await client.post(f"{C}/{case_id}/accept", json={"note": "验收合格"}, headers=await token_for("admin"))
    assert r.status_code == 200, r.text
    [row] = await _outbox(db, "rectification_case.accept", case_id)
    vid = (await db.execute(text("SELECT id FROM villages WHERE code = :c"), {"c": V})).scalar()
    assert row.entity == "rectification_case" and row.payload == {"village_id": vid, "village_code": V,
                                                                   "case_id": case_id}
    assert row.audit_event_id is not None and row.relayed_at is None
    await _relay_all(db)
    [d] = (await db.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub))).scalars().all()
    assert d.event_type == "rectification_case.accept" and d.payload["data"]["case_id"] == case_id


async def test_a_write_failing_after_its_emit_leaves_no_outbox_row_and_sends_nothing(
        client, token_for, new_client, db, monkeypatch):
    from cunzhi.rectification import cases

    await _relay_all(db)
    await new_client("fail-hook", scopes=["rectification:read"])
    sub = await _subscribe(client, token_for, "fail-hook")
    case_id = await _ready_case(client, token_for)
    emitted = []
    real_emit = events.emit

    async def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        emitted.append(args[2])
        return await real_emit(*args, **kwargs)

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the step after the emit fails")

    monkeypatch.setattr(cases.events, "emit", spy)
    monkeypatch.setattr(cases, "get_case", broken)  # the read-back after the transition and its emit
    try:
        r = await client.post(f"{C}/{case_id}/accept", json={"note": "验收合格"}, headers=await token_for("admin"))
        assert r.status_code == 500
    except RuntimeError:
        pass  # the test transport hands the app's exception on after the 500
    assert "rectification_case.accept" in emitted  # the emit did run, inside the request
    monkeypatch.undo()
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    assert await _outbox(db, "rectification_case.accept", case_id) == []
    await _relay_all(db)
    assert (await db.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub))).all() == []
    status = (await client.get(f"{C}/{case_id}", headers=await token_for("admin"))).json()["status"]
    assert status == "submitted"  # the acceptance itself rolled back with it


async def _other_township(db, sql: str) -> int:  # type: ignore[no-untyped-def]
    found = (await db.execute(text(sql), {"t": TOWNSHIP_02})).scalar()
    assert found is not None, sql
    return int(found)


async def test_a_client_reads_funds_and_tasks_of_its_township_only(client, new_client, db):
    _, h = await new_client("iso-sys", scopes=["funds:read", "tasks:read"])
    task = await _other_township(db, "SELECT t.id FROM tasks t JOIN villages v ON v.id = t.village_id"
                                     " WHERE v.township_code = :t ORDER BY t.id LIMIT 1")
    claim = await _other_township(db, "SELECT c.id FROM funds_claims c JOIN villages v ON v.id = c.village_id"
                                      " WHERE v.township_code = :t AND c.submitted_at IS NOT NULL"
                                      " ORDER BY c.id LIMIT 1")
    budget = await _other_township(db, "SELECT b.id FROM funds_budgets b JOIN villages v ON v.id = b.village_id"
                                       " WHERE v.township_code = :t ORDER BY b.id LIMIT 1")
    other_village = await db.execute(text("SELECT code FROM villages WHERE township_code = :t LIMIT 1"),
                                     {"t": TOWNSHIP_02})
    other_code = other_village.scalar()
    assert (await client.get(f"/api/v1/tasks/{task}", headers=h)).status_code == 404
    assert (await client.get(f"/api/v1/funds/claims/{claim}", headers=h)).status_code == 404
    assert (await client.get(f"/api/v1/funds/budgets/{budget}", headers=h)).status_code == 404
    assert (await client.get(f"/api/v1/funds/villages/{other_code}/ledger", headers=h)).status_code == 404
    mine = await db.execute(text("SELECT code FROM villages WHERE township_code = :t"), {"t": TOWNSHIP_01})
    own = {r[0] for r in mine}
    tasks = (await client.get("/api/v1/tasks", params={"limit": 200}, headers=h)).json()
    assert tasks["items"] and {t["village"]["code"] for t in tasks["items"]} <= own
    claims = (await client.get("/api/v1/funds/claims", params={"limit": 200}, headers=h)).json()
    assert {c["village_code"] for c in claims["items"]} <= own
    r = await client.get("/api/v1/tasks", params={"village_code": other_code}, headers=h)
    assert r.status_code in (200, 404) and (r.status_code == 404 or r.json()["items"] == [])


async def test_the_divisions_import_reads_up_to_the_routes_limit(client, token_for):
    admin = await token_for("admin")
    # Over the old 2 MiB read cap, well under IMPORT_MAX_BYTES: read in full, so its rows are checked.
    big = ("code,name\n" + TOWNSHIP_01 + "," + "镇" * (1024 * 1024) + "\n").encode()
    assert 2 * 1024 * 1024 < len(big) < IMPORT_MAX_BYTES
    r = await client.post("/api/v1/divisions/import", params={"dry_run": True}, headers=admin,
                          files={"file": ("tree.csv", big, "text/csv")})
    assert r.status_code == 422, r.text
    # Before, the first 2 MiB were read and the file refused as larger than that.
    assert str(2 * 1024 * 1024) not in r.json()["detail"], r.json()
    too_big = b"code,name\n" + b"x" * IMPORT_MAX_BYTES
    r = await client.post("/api/v1/divisions/import", params={"dry_run": True}, headers=admin,
                          files={"file": ("tree.csv", too_big, "text/csv")})
    assert r.status_code in (413, 422), r.text
    if r.status_code == 422:
        assert r.json()["code"] == "import_file_invalid" and str(IMPORT_MAX_BYTES) in r.json()["detail"]
