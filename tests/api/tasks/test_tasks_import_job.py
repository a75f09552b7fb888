"""A task import run as a worker job: the file kept and its job deferred in the request's transaction,
the job writing all rows or none with its progress, and the progress read by whoever started it.

The job's work (`imports.run`) runs here in the test's rolled-back transaction, with recorders for
the progress it would otherwise commit on a connection of its own."""

from typing import Any

import httpx
from sqlalchemy import func, select, text
from tasks_helpers import VILLAGE, due
from test_tasks_import import GOOD, csv_bytes, xlsx

from cunzhi.tasks import imports
from cunzhi.tasks.models import Task


def _rows(n: int, bad_at: set[int] | None = None) -> list[list[str]]:
    rows = []
    for i in range(n):
        code = "nope" if bad_at and i in bad_at else "road"
        rows.append([VILLAGE, code, f"批量道路{i:05d}", "发动群众", "1.5", "km", due(30 + i % 200), "村委会", "", ""])
    return rows


async def _start(client: httpx.AsyncClient, headers: dict[str, str], content: bytes, name: str = "t.csv") -> httpx.Response:
    return await client.post("/api/v1/tasks/imports", headers=headers,
                             files={"file": (name, content, "application/octet-stream")})


async def _count(db) -> int:  # type: ignore[no-untyped-def]
    return int((await db.execute(select(func.count()).select_from(Task))).scalar_one())


class Recorder:
    def __init__(self) -> None:
        self.written: list[int] = []
        self.marks: list[dict[str, Any]] = []

    async def progress(self, n: int) -> None:
        self.written.append(n)

    async def mark(self, **values: Any) -> None:
        self.marks.append(values)


async def test_an_import_job_writes_every_row_with_progress_and_once(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    h = await auth("township01")
    before = await _count(db)
    r = await _start(client, h, xlsx(_rows(2500)), "任务.xlsx")
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["rows"] == 2500 and job["written"] == 0 and job["share"] == 0
    assert r.headers["Location"] == f"/api/v1/tasks/imports/{job['id']}"
    queued = (await db.execute(text("SELECT task_name, args FROM procrastinate_jobs WHERE id = "
                                    "(SELECT job_id FROM task_imports WHERE id = :i)"), {"i": job["id"]})).one()
    assert queued.task_name == "tasks.import" and queued.args == {"import_id": job["id"]}
    assert await _count(db) == before  # nothing written by the request

    rec = Recorder()
    out = await imports.run(db, job["id"], progress=rec.progress, mark=rec.mark)
    assert out["status"] == "done" and out["created"] == 2500
    assert rec.written == [1000, 2000, 2500]  # one step per chunk, for the progress bar
    assert [m["status"] for m in rec.marks] == ["validating", "writing"]
    assert await _count(db) == before + 2500
    db.expire_all()
    done = (await client.get(f"/api/v1/tasks/imports/{job['id']}", headers=h)).json()
    assert done["status"] == "done" and done["created"] == 2500 and done["skipped"] == 0
    assert done["written"] == 2500 and done["share"] == 1.0 and done["finished_at"]

    # the job run again (a retry) adds nothing; the same file imported again skips every row
    again = await imports.run(db, job["id"], progress=rec.progress, mark=rec.mark)
    assert again["status"] == "done" and await _count(db) == before + 2500
    second = (await _start(client, h, xlsx(_rows(2500)))).json()
    out = await imports.run(db, second["id"], progress=rec.progress, mark=rec.mark)
    assert out["created"] == 0 and await _count(db) == before + 2500
    db.expire_all()
    assert (await client.get(f"/api/v1/tasks/imports/{second['id']}", headers=h)).json()["skipped"] == 2500


async def test_a_job_that_finds_bad_rows_writes_nothing_and_reports_them(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    h = await auth("township01")
    before = await _count(db)
    job = (await _start(client, h, csv_bytes(_rows(30, bad_at={3, 17})))).json()
    rec = Recorder()
    out = await imports.run(db, job["id"], progress=rec.progress, mark=rec.mark)
    assert out["status"] == "rejected" and rec.written == []
    assert await _count(db) == before
    db.expire_all()
    got = (await client.get(f"/api/v1/tasks/imports/{job['id']}", headers=h)).json()
    assert got["status"] == "rejected" and got["created"] == 0
    assert [(e["row"], e["column"]) for e in got["errors"]] == [(5, "事项编码"), (19, "事项编码")]
    assert all("事项" in e["reason"] or "未知" in e["reason"] or e["reason"] for e in got["errors"])


async def test_only_the_starter_and_the_county_read_an_import(client: httpx.AsyncClient, auth) -> None:  # type: ignore[no-untyped-def]
    job = (await _start(client, await auth("township01"), csv_bytes(GOOD))).json()
    url = f"/api/v1/tasks/imports/{job['id']}"
    assert (await client.get(url, headers=await auth("township01"))).status_code == 200
    assert (await client.get(url, headers=await auth("admin"))).status_code == 200
    for user in ("township02", "cadre01", "secretary01"):
        r = await client.get(url, headers=await auth(user))
        assert r.status_code == 404 and r.json()["code"] == "import_not_found", user
    assert (await client.get("/api/v1/tasks/imports/999999", headers=await auth("township01"))).status_code == 404


async def test_bad_files_start_no_job(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    h = await auth("township01")
    jobs_before = (await db.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'tasks.import'"))
                   ).scalar_one()
    cases = [(b"PK\x03\x04garbage", "import_unreadable"), ("村代码,任务名称\n1,2\n".encode(), "import_header_missing"),
             (csv_bytes([]), "import_empty"),
             # A lone CR in an unquoted field was a 500 (found by the fuzz test): the csv module reads line ends.
             (b"\r0", "import_header_missing"), (b'"a\r\n,b', "import_header_missing"),
             (b"a" * 200_000, "import_unreadable")]  # a field past the csv module's limit
    for content, code in cases:
        r = await _start(client, h, content)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "file"]
    r = await _start(client, await auth("cadre01"), csv_bytes(GOOD))
    assert r.status_code == 403
    after = (await db.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'tasks.import'"))
             ).scalar_one()
    assert after == jobs_before


async def test_a_job_that_breaks_after_its_first_chunk_writes_nothing_and_says_failed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The real job (`tasks.import` of the worker's registry, its own unit of work, really committed):
    the step after the first chunk raises; the tasks of that chunk go with the rolled-back transaction
    and the screen reads `failed` with the reason."""
    import secrets

    import pytest

    from cunzhi.auth.models import User
    from cunzhi.db import get_sessionmaker
    from cunzhi.tasks import transfer
    from cunzhi.tasks.models import TaskImport
    from cunzhi.worker.tasks import JOBS

    tag = f"中途失败{secrets.token_hex(3)}"
    rows = [[VILLAGE, "road", f"{tag}{i:05d}", "", "1", "km", due(30), "村委会", "", ""] for i in range(1500)]
    maker = get_sessionmaker()
    async with maker() as s, s.begin():
        uid = (await s.execute(select(User.id).where(User.username == "township01"))).scalar_one()
        row = TaskImport(county_code="230199000000", user_id=uid, actor="township01", file_name="fail.csv",
                         content=csv_bytes(rows), status="queued", rows=len(rows), written=0)
        s.add(row)
        await s.flush()
        import_id = row.id
    real_set = imports._set
    reached: list[int] = []

    async def breaks_after_first_chunk(i: int, **values: Any) -> None:
        await real_set(i, **values)
        if values.get("written", 0) >= transfer.CHUNK:
            reached.append(values["written"])
            raise RuntimeError("connection lost")

    monkeypatch.setattr(imports, "_set", breaks_after_first_chunk)
    tasks_of = select(func.count()).select_from(Task).where(Task.title.startswith(tag))
    try:
        with pytest.raises(RuntimeError, match="connection lost"):
            await JOBS["tasks.import"].run(import_id=import_id)
        assert reached == [transfer.CHUNK]  # the first chunk was written (in the transaction) before it broke
        async with maker() as s:
            assert (await s.execute(tasks_of)).scalar_one() == 0
            got = (await s.execute(select(TaskImport).where(TaskImport.id == import_id))).scalar_one()
            assert got.status == "failed" and got.finished_at is not None
            assert got.error and "导入失败" in got.error
            assert got.created is None
            n_history = (await s.execute(text("SELECT count(*) FROM task_history h JOIN tasks t ON t.id = h.task_id "
                                              "WHERE t.title LIKE :t"), {"t": tag + "%"})).scalar_one()
            assert n_history == 0
    finally:
        async with maker() as s, s.begin():
            await s.execute(text("DELETE FROM task_imports WHERE id = :i"), {"i": import_id})
