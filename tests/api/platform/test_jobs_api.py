"""GET /api/v1/jobs: what the worker ran, for the county admin only."""

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import jobs


async def test_the_county_admin_reads_jobs_with_their_status_and_error(
        client: httpx.AsyncClient, token_for, db: AsyncSession) -> None:  # type: ignore[no-untyped-def]
    queued = await jobs.defer(db, "test.queued", queue="test_api", args={"n": 1})
    failed = await jobs.defer(db, "test.failed", queue="test_api")
    await db.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = :i"), {"i": failed})
    await db.execute(text("UPDATE procrastinate_jobs SET status = 'failed', attempts = 1 WHERE id = :i"),
                     {"i": failed})
    await db.execute(text("INSERT INTO job_failures (job_id, attempt, task_name, error) "
                          "VALUES (:i, 1, 'test.failed', 'RuntimeError: the township system did not answer')"),
                     {"i": failed})
    admin = await token_for("admin")

    r = await client.get("/api/v1/jobs", params={"status": "failed", "task": "test.failed"}, headers=admin)
    assert r.status_code == 200, r.text
    [job] = r.json()["items"]
    assert job["id"] == failed and job["status"] == "failed" and job["attempts"] == 1
    assert job["error"] == "RuntimeError: the township system did not answer"
    assert job["started_at"] is not None and job["finished_at"] is not None

    r = await client.get("/api/v1/jobs", params={"status": "queued", "task": "test.queued"}, headers=admin)
    [job] = r.json()["items"]
    assert job["id"] == queued and job["args"] == {"n": 1} and job["error"] is None and job["deferred_at"]

    r = await client.get("/api/v1/jobs", params={"limit": 1}, headers=admin)
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 1 and body["total"] >= 2
    assert body["items"][0]["id"] >= failed  # newest first

    assert (await client.get(f"/api/v1/jobs/{failed}", headers=admin)).json()["error"].startswith("RuntimeError")
    r = await client.get("/api/v1/jobs/999999999", headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "job_not_found"
    for params in ({"limit": 201}, {"status": "todo"}, {"offset": -1}):
        assert (await client.get("/api/v1/jobs", params=params, headers=admin)).status_code == 422


async def test_other_roles_may_not_read_jobs(client: httpx.AsyncClient, token_for) -> None:  # type: ignore[no-untyped-def]
    for username in ("inspector", "township01", "cadre01", "partner01", "agency01"):
        headers = await token_for(username)
        r = await client.get("/api/v1/jobs", headers=headers)
        assert r.status_code == 403, (username, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/api/v1/jobs/1", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/jobs")).status_code == 401
