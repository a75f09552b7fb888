import asyncio
import uuid

from sqlalchemy import text

from cunzhi.kit import audit

T02 = "230199101000"


def _village(code: str) -> dict[str, object]:
    return {"code": code, "name": "幂等村", "township_code": T02, "population": 10}


async def test_idempotent_post_replays_same_answer(client, token_for, db):
    h = {**await token_for("admin"), "Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = await client.post("/api/v1/villages", json=_village("230199101281"), headers=h)
    assert first.status_code == 201
    again = await client.post("/api/v1/villages", json=_village("230199101281"), headers=h)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.headers["location"] == first.headers["location"]
    count = (await db.execute(text("SELECT count(*) FROM villages WHERE code = '230199101281'"))).scalar()
    assert count == 1


async def test_same_key_other_body_is_422(client, token_for):
    h = {**await token_for("admin"), "Idempotency-Key": f"k-{uuid.uuid4()}"}
    assert (await client.post("/api/v1/villages", json=_village("230199101282"), headers=h)).status_code == 201
    r = await client.post("/api/v1/villages", json=_village("230199101283"), headers=h)
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"


async def test_idempotency_keys_are_per_caller(client, token_for):
    key = f"k-{uuid.uuid4()}"
    r1 = await client.post("/api/v1/villages", json=_village("230199101284"),
                           headers={**await token_for("admin"), "Idempotency-Key": key})
    assert r1.status_code == 201
    # Another caller with the same key is not replayed the admin's answer.
    r2 = await client.post("/api/v1/villages", json=_village("230199101284"),
                           headers={**await token_for("township01"), "Idempotency-Key": key})
    assert r2.status_code == 403


async def test_bad_idempotency_key(client, token_for):
    r = await client.post("/api/v1/villages", json=_village("230199101285"),
                          headers={**await token_for("admin"), "Idempotency-Key": "x" * 129})
    assert r.status_code == 422 and r.json()["code"] == "invalid_idempotency_key"


async def test_concurrent_retries_with_one_key_write_once(client, token_for, db):
    h = {**await token_for("admin"), "Idempotency-Key": f"k-{uuid.uuid4()}"}
    results = await asyncio.gather(*[client.post("/api/v1/villages", json=_village("230199101286"), headers=h)
                                     for _ in range(3)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}
    assert all(r.json()["code"] == "idempotency_in_progress" for r in results if r.status_code == 409)
    count = (await db.execute(text("SELECT count(*) FROM villages WHERE code = '230199101286'"))).scalar()
    assert count == 1


async def test_writes_are_audited_and_chain_verifies(client, token_for, db):
    h = await token_for("admin")
    code = "230199101287"
    r = await client.post("/api/v1/villages", json=_village(code), headers=h)
    assert r.status_code == 201
    r = await client.patch(f"/api/v1/villages/{code}", json={"population": 77}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200
    rows = (await db.execute(text(
        "SELECT action, actor, before, after FROM audit_events WHERE entity = 'village' AND entity_id = :c ORDER BY id"),
        {"c": code})).all()
    assert [row.action for row in rows] == ["village.create", "village.update"]
    assert rows[1].before["population"] == 10 and rows[1].after["population"] == 77
    assert rows[0].actor.startswith("user:")
    assert await audit.seal(db) >= 2
    result = await audit.verify(db)
    assert result.ok and result.checked >= 3


async def test_audit_log_refuses_update_and_delete(db):
    for sql in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"):
        nested = await db.begin_nested()
        try:
            await db.execute(text(sql))
        except Exception as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError(f"{sql} was allowed")
        finally:
            await nested.rollback()


async def test_verify_detects_a_tampered_row(db):
    await audit.record(db, None, "test.event", "thing", 1, after={"amount": "10.00"})
    last = await audit.record(db, None, "test.event", "thing", 2, after={"amount": "20.00"})
    await audit.seal(db)
    assert (await audit.verify(db)).ok
    # Someone with superuser rights turns the trigger off and edits a row.
    await db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    await db.execute(text("UPDATE audit_events SET after = '{\"amount\": \"99.00\"}' WHERE id = :i"), {"i": last.id})
    db.expunge_all()
    result = await audit.verify(db)
    assert not result.ok and result.broken_at == last.id and "changed" in (result.reason or "")


async def test_verify_detects_a_removed_row(db):
    first = await audit.record(db, None, "test.event", "thing", 1)
    await audit.record(db, None, "test.event", "thing", 2)
    await audit.seal(db)
    await db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    await db.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": first.id})
    db.expunge_all()
    result = await audit.verify(db)
    assert not result.ok and "removed" in (result.reason or "")


async def test_oversized_body_is_413(client, token_for):
    from cunzhi.config import get_settings

    big = "x" * (get_settings().max_body_bytes + 10)
    r = await client.post("/api/v1/villages", content=big, headers={**await token_for("admin"),
                                                                    "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_oversized_body_without_length_is_413(client, token_for):
    """A body sent in chunks, with no Content-Length to refuse it by, is stopped past the limit."""
    from cunzhi.config import get_settings

    limit = get_settings().max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    r = await client.post("/api/v1/villages", content=chunks(), headers={**await token_for("admin"),
                                                                         "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"] == f"The limit is {limit} bytes"
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_import_files_may_be_larger_than_other_bodies(client, token_for):
    """A 50,000-row task file is about 3 MB: the import routes take up to IMPORT_MAX_BYTES, and say
    their own limit when a file is larger still; other routes keep CUNZHI_MAX_BODY_BYTES."""
    from cunzhi.config import IMPORT_MAX_BYTES, get_settings

    h = await token_for("admin")
    rows = "\n".join(f"230199100200,{i}" for i in range(get_settings().max_body_bytes // 12))
    assert len(rows) > get_settings().max_body_bytes
    r = await client.post("/api/v1/tasks/import", headers=h, data={"dry_run": "true"},
                          files={"file": ("tasks.csv", rows.encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["code"] != "payload_too_large", r.text[:300]
    huge = b"x" * (IMPORT_MAX_BYTES + 10)
    r = await client.post("/api/v1/tasks/import", headers=h, data={"dry_run": "true"},
                          files={"file": ("tasks.csv", huge, "text/csv")})
    assert r.status_code == 413 and r.json()["detail"] == f"The limit is {IMPORT_MAX_BYTES} bytes"
    r = await client.post("/api/v1/disclosures/template-items", headers=h, data={"x": "y"},
                          files={"file": ("a.csv", rows.encode(), "text/csv")})
    assert r.status_code == 413 and r.json()["detail"] == f"The limit is {get_settings().max_body_bytes} bytes"


async def test_malformed_json_is_422_problem(client, token_for):
    r = await client.post("/api/v1/villages", content=b"{not json", headers={**await token_for("admin"),
                                                                            "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_unknown_api_path_is_problem_404(client):
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
