"""Import with a dry run reporting every bad row, all-or-nothing and idempotent; export in the same format."""

import csv
import io

import httpx
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from tasks_helpers import T02_VILLAGE, VILLAGE, due

from cunzhi.tasks.models import Task
from cunzhi.tasks.rules import COLUMNS

GOOD = [
    [VILLAGE, "road", "导入道路", "发动群众、监督质量", "2.5", "km", due(30), "村委会", "", ""],
    [VILLAGE, "ind-duck", "导入养鸭", "发动群众", "5000", "只", due(60), "包村单位", "PU-CZJ", "说明"],
]


def xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(COLUMNS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode()


async def _post(client, headers, content: bytes, name: str, dry_run: bool):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/tasks/import", headers=headers, data={"dry_run": str(dry_run).lower()},
                             files={"file": (name, content, "application/octet-stream")})


async def _count(db) -> int:  # type: ignore[no-untyped-def]
    return int((await db.execute(select(func.count()).select_from(Task))).scalar_one())


async def test_dry_run_reports_every_bad_row_and_writes_nothing(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    bad = [
        *GOOD,
        ["12345", "road", "坏村码", "", "1", "km", due(), "村委会", "", ""],
        [T02_VILLAGE, "road", "外乡镇", "", "1", "km", due(), "村委会", "", ""],
        [VILLAGE, "nope", "坏事项", "", "1", "km", due(), "村委会", "", ""],
        [VILLAGE, "road", "坏日期", "", "1", "km", "2026-13-40", "村委会", "", ""],
        [VILLAGE, "road", "负目标", "", "-2", "km", due(), "村委会", "", ""],
        [VILLAGE, "road", "坏责任方", "", "1", "km", due(), "包村单位", "PU-NONE", ""],
        GOOD[0],
    ]
    before = await _count(db)
    h = await auth("township01")
    r = await _post(client, h, xlsx(bad), "tasks.xlsx", True)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rows"] == 9 and report["valid"] == 2
    got = {(e["row"], e["column"]) for e in report["errors"]}
    assert got == {(4, "村代码"), (5, "村代码"), (6, "事项编码"), (7, "截止日期"), (8, "目标数量"), (9, "责任方"),
                   (10, "任务名称")}, report["errors"]
    assert any("重复" in e["reason"] and e["row"] == 10 for e in report["errors"])
    # the real import with any bad row writes nothing either
    real = await _post(client, h, xlsx(bad), "tasks.xlsx", False)
    assert real.json()["created"] == 0 and real.json()["errors"]
    assert await _count(db) == before


async def test_import_writes_all_rows_once(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    before = await _count(db)
    h = await auth("township01")
    r = await _post(client, h, csv_bytes(GOOD), "tasks.csv", False)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2 and r.json()["errors"] == []
    assert await _count(db) == before + 2
    again = await _post(client, h, xlsx(GOOD), "tasks.xlsx", False)
    assert again.json()["created"] == 0 and again.json()["skipped"] == 2
    assert await _count(db) == before + 2
    listed = (await client.get("/api/v1/tasks", params={"q": "导入养鸭"}, headers=h)).json()["items"]
    assert listed[0]["responsible_kind"] == "partner_unit" and listed[0]["unit"] == "duck"
    assert listed[0]["target"] == "5000.00"


async def test_missing_columns_and_unreadable_files(client: httpx.AsyncClient, auth) -> None:  # type: ignore[no-untyped-def]
    h = await auth("township01")
    r = await _post(client, h, "村代码,任务名称\n1,2\n".encode(), "t.csv", True)
    assert r.status_code == 200 and {e["column"] for e in r.json()["errors"]} >= {"事项编码", "目标数量", "截止日期"}
    r = await _post(client, h, b"PK\x03\x04garbage", "t.xlsx", True)
    assert r.status_code == 422 and r.json()["code"] == "import_unreadable"
    r = await _post(client, await auth("cadre01"), csv_bytes(GOOD), "t.csv", True)
    assert r.status_code == 403


async def test_export_reads_back_in_the_import_format(client: httpx.AsyncClient, auth, new_task) -> None:  # type: ignore[no-untyped-def]
    await new_task(title="=HYPERLINK(\"x\")")
    h = await auth("township01")
    r = await client.get("/api/v1/tasks/export", headers=h)
    assert r.status_code == 200
    assert "filename*=UTF-8''%E4%BB%BB%E5%8A%A1" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    formula = [row for row in rows if row[2] == "=HYPERLINK(\"x\")"]
    assert formula, "the title is kept as text"
    assert all(row[0] and str(row[0]).startswith("230199100") for row in rows[1:])  # township 01 only
    # the same file imported again adds nothing
    back = await _post(client, h, r.content, "export.xlsx", False)
    assert back.json()["errors"] == [] and back.json()["created"] == 0, back.json()
    c = await client.get("/api/v1/tasks/export", params={"format": "csv"}, headers=h)
    assert c.status_code == 200 and c.content.startswith("\ufeff".encode())


async def test_a_csv_export_imported_again_adds_nothing(client: httpx.AsyncClient, auth, new_task, db) -> None:  # type: ignore[no-untyped-def]
    """The export quotes a cell starting with = + - @; the import drops exactly that quote."""
    titles = ["-减少危房", "=SUM(1)", "+加装路灯", "@全体村民", "'引号开头", "''两个引号"]
    for t in titles:
        await new_task(title=t)
    h = await auth("township01")
    c = await client.get("/api/v1/tasks/export", params={"format": "csv", "q": "灯"}, headers=h)
    cells = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert [row[2] for row in cells[1:]] == ["'+加装路灯"]  # a spreadsheet reads it as text
    c = await client.get("/api/v1/tasks/export", params={"format": "csv"}, headers=h)
    before = await _count(db)
    back = await _post(client, h, c.content, "export.csv", False)
    assert back.json()["errors"] == [] and back.json()["created"] == 0, back.json()
    assert back.json()["skipped"] == back.json()["rows"]
    assert await _count(db) == before
    # a title that starts with a quote of its own keeps it
    own = [[VILLAGE, "road", "'=不是公式", "", "1", "km", due(40), "村委会", "", ""],
           [VILLAGE, "road", "'普通引号", "", "1", "km", due(40), "村委会", "", ""]]
    r = await _post(client, h, csv_bytes(own), "own.csv", False)
    assert r.json()["created"] == 2, r.json()
    got = {i["title"] for i in (await client.get("/api/v1/tasks", params={"q": "引号", "limit": 200},
                                                headers=h)).json()["items"]}
    assert {"'普通引号", "'引号开头", "''两个引号"} <= got
    assert (await client.get("/api/v1/tasks", params={"q": "不是公式"}, headers=h)).json()["items"][0][
        "title"] == "=不是公式"


async def test_export_takes_the_lists_filters(client: httpx.AsyncClient, auth, new_task, items, cadre01) -> None:  # type: ignore[no-untyped-def]
    made = [await new_task(title="筛选导出一", due_date=due(5)),
            await new_task(title="筛选导出二", due_date=due(50)),
            await new_task(title="筛选导出三", due_date=due(6), item_id=items["toilet"], unit="household"),
            await new_task(title="筛选导出四", due_date=due(7), responsible_kind="cadre", cadre_id=cadre01)]
    done = await client.post(f"/api/v1/tasks/{made[0]['id']}/progress", headers=await auth("secretary01"),
                             json={"amount": "10", "text": "完成"})
    assert done.json()["task"]["status"] == "done"
    h = await auth("township01")
    cases: list[dict[str, object]] = [
        {"q": "筛选导出"}, {"q": "筛选导出", "due_from": due(6), "due_to": due(7)},
        {"q": "筛选导出", "pending": "true"}, {"q": "筛选导出", "item_id": items["toilet"]},
        {"q": "筛选导出", "responsible_kind": "cadre"}, {"q": "筛选导出", "cadre_id": cadre01},
        {"q": "筛选导出", "status": "done"}, {"q": "筛选导出", "village_code": VILLAGE, "category": "construction"},
    ]
    for params in cases:
        shown = (await client.get("/api/v1/tasks", params={**params, "limit": 200}, headers=h)).json()["items"]
        r = await client.get("/api/v1/tasks/export", params={**params, "format": "csv"}, headers=h)
        assert r.status_code == 200, (params, r.text)
        exported = [row[2] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))][1:]
        assert sorted(exported) == sorted(i["title"] for i in shown), params
    assert len((await client.get("/api/v1/tasks", params=cases[1], headers=h)).json()["items"]) == 2
    r = await client.get("/api/v1/tasks/export", params={"due_from": "2026-02-30"}, headers=h)
    assert r.status_code == 422


async def test_a_dry_run_says_how_many_rows_it_would_skip(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    h = await auth("township01")
    assert (await _post(client, h, csv_bytes(GOOD[:1]), "t.csv", False)).json()["created"] == 1
    r = await _post(client, h, csv_bytes(GOOD), "t.csv", True)
    assert r.json()["valid"] == 2 and r.json()["skipped"] == 1 and r.json()["created"] == 0, r.json()
    real = await _post(client, h, csv_bytes(GOOD), "t.csv", False)
    assert real.json()["created"] == 1 and real.json()["skipped"] == 1


async def test_a_dry_run_of_2000_rows_through_the_api(client: httpx.AsyncClient, auth, db) -> None:  # type: ignore[no-untyped-def]
    from test_tasks_import_job import _rows

    rows = _rows(2000)
    rows[1234] = [VILLAGE, "road", "坏日期", "", "1", "km", "2026-02-30", "村委会", "", ""]
    before = await _count(db)
    r = await _post(client, await auth("township01"), xlsx(rows), "2000.xlsx", True)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rows"] == 2000 and report["valid"] == 1999 and report["skipped"] == 0
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(1236, "截止日期")]
    assert await _count(db) == before
