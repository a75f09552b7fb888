"""Loading the administrative tree from a file: a per-row report, a dry run that writes nothing, an
idempotent bulk upsert by code, the county admin's bounds, and adding or renaming later."""

import io
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from cunzhi.db import normalise_url

COUNTY = "230199000000"
NEW_TOWNSHIP = "230199200000"
URL = "/api/v1/divisions/import"

GOOD = (
    "code,name\n"
    "230000000000,黑龙江省\n"
    "230199000000,松江县\n"
    f"{NEW_TOWNSHIP},新发镇\n"
    "230199200201,新发村\n"
    "230199200202,前进村\n"
    "230199100200,{village}\n"
)


async def _village_name(db, code="230199100200"):  # type: ignore[no-untyped-def]
    return (await db.execute(text("SELECT name FROM villages WHERE code = :c"), {"c": code})).scalar()


async def _post(client, headers, content: bytes | str, *, name="tree.csv", dry_run=False):  # type: ignore[no-untyped-def]
    data = content.encode() if isinstance(content, str) else content
    return await client.post(URL, params={"dry_run": str(dry_run).lower()}, headers=headers,
                             files={"file": (name, data, "text/csv")})


async def _counts(db):  # type: ignore[no-untyped-def]
    return (await db.execute(text("SELECT (SELECT count(*) FROM divisions), (SELECT count(*) FROM villages),"
                                  " (SELECT count(*) FROM audit_events)"))).one()


async def test_dry_run_reports_and_writes_nothing(client, token_for, db):
    h = await token_for("admin")
    name = await _village_name(db)
    before = await _counts(db)
    r = await _post(client, h, GOOD.format(village=name), dry_run=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True and body["applied"] is False
    assert body["summary"] == {"rows": 6, "created": 3, "renamed": 0, "unchanged": 3, "errors": 0}
    by_code = {row["code"]: row for row in body["rows"]}
    assert by_code[NEW_TOWNSHIP]["action"] == "created" and by_code[NEW_TOWNSHIP]["level"] == "township"
    assert by_code["230199200201"]["parent_code"] == NEW_TOWNSHIP and by_code["230199200201"]["row"] == 5
    assert await _counts(db) == before


async def test_import_is_an_idempotent_upsert_by_code(client, token_for, db):
    h = await token_for("admin")
    name = await _village_name(db)
    r = await _post(client, h, GOOD.format(village=name))
    assert r.status_code == 200, r.text
    assert r.json()["applied"] is True and r.json()["summary"]["created"] == 3
    village = (await db.execute(text("SELECT township_code, county_code, version, status FROM villages"
                                     " WHERE code = '230199200201'"))).one()
    assert tuple(village) == (NEW_TOWNSHIP, COUNTY, 1, "normal")
    # The new village is part of the county at once: the township's list and the village read.
    listed = (await client.get("/api/v1/villages", params={"township_code": NEW_TOWNSHIP}, headers=h)).json()
    assert {v["code"] for v in listed["items"]} == {"230199200201", "230199200202"}
    after_first = await _counts(db)
    versions = (await db.execute(text("SELECT array_agg(version ORDER BY code) FROM villages"))).scalar()

    again = await _post(client, h, GOOD.format(village=name))
    assert again.status_code == 200
    assert again.json()["summary"] == {"rows": 6, "created": 0, "renamed": 0, "unchanged": 6, "errors": 0}
    assert await _counts(db) == after_first  # no row, no audit event
    assert (await db.execute(text("SELECT array_agg(version ORDER BY code) FROM villages"))).scalar() == versions

    renamed = await _post(client, h, GOOD.format(village="改名村"))
    row = next(x for x in renamed.json()["rows"] if x["code"] == "230199100200")
    assert row["action"] == "renamed" and row["old_name"] == name
    assert await _village_name(db) == "改名村"
    got = await client.get("/api/v1/villages/230199100200", headers=h)
    assert got.json()["name"] == "改名村"


async def test_xlsx_with_chinese_headers(client, token_for, db):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["统计用区划代码", "名称", "级别"])
    sheet.append([230199200000, "新发镇", "乡镇"])  # a code typed as a number
    sheet.append(["230199200201", "新发村", "村"])
    buf = io.BytesIO()
    book.save(buf)
    r = await _post(client, await token_for("admin"), buf.getvalue(), name="tree.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["created"] == 2
    assert (await db.execute(text("SELECT name FROM divisions WHERE code = :c"), {"c": NEW_TOWNSHIP})).scalar() == "新发镇"


@pytest.mark.parametrize("content,name,needle", [
    (b"", "a.csv", "文件为空"),
    (b"not a zip at all", "a.xlsx", "不是 XLSX"),
    (b"PK\x03\x04garbage", "a.xlsx", "不是有效的 XLSX"),
    ("代码,备注\n230199200000,x\n".encode(), "a.csv", "缺少必需的列"),
    (b"code,name\n", "a.csv", "没有数据行"),
    (b"\xff\xfe\x00\x00\xc3\x28" * 3, "a.csv", "编码"),
])
async def test_bad_files(client, token_for, db, content, name, needle):
    before = await _counts(db)
    r = await _post(client, await token_for("admin"), content, name=name)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "import_file_invalid" and needle in r.json()["detail"]
    assert await _counts(db) == before


async def test_bad_rows_each_reported_and_nothing_written(client, token_for, db):
    before = await _counts(db)
    content = (
        "code,name,level,parent_code\n"
        "230199200000,新发镇,,\n"          # 2: fine alone, but the file has errors: not written
        "2301992002,短码村,,\n"            # 3: not 12 digits
        "230199200201,,,\n"                # 4: no name
        "230199200000,重复镇,,\n"          # 5: duplicate of row 2
        "230199300201,孤村,,\n"            # 6: parent township missing
        "230199200202,级别村,乡镇,\n"      # 7: level disagrees
        "230199200203,上级村,,230199100000\n"  # 8: parent disagrees
        "230100000000,哈尔滨,,\n"         # 9: an ancestor city, renamed: not the county's to change
        "230200000000,齐齐哈尔市,,\n"      # 10: another city
        "230299100000,别县镇,,\n"          # 11: another county's township
        "230100001000,断层镇,,\n"          # 12: township code under no county
        f"230199200204,{'长' * 101},,\n"   # 13: name too long
    )
    r = await _post(client, await token_for("admin"), content)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "import_rows_invalid"
    found = {(e["loc"][1], e["loc"][2]): e["msg"] for e in body["errors"]}
    assert found[(3, "code")] == "代码须为12位数字"
    assert found[(4, "name")] == "名称不能为空"
    assert found[(5, "code")] == "代码与第2行重复"
    assert "上级区划 230199300000 不存在" in found[(6, "code")]
    assert "级别与代码不符" in found[(7, "level")]
    assert found[(8, "parent_code")] == "上级代码应为 230199200000"
    assert "不能新建或改名" in found[(9, "name")]
    assert "不属于本县" in found[(10, "code")] and "不属于本县" in found[(11, "code")]
    assert "层级不完整" in found[(12, "code")]
    assert "名称过长" in found[(13, "name")]
    assert (2, "code") not in found
    assert body["report"]["summary"]["errors"] == len(body["errors"])
    assert await _counts(db) == before
    dry = await _post(client, await token_for("admin"), content, dry_run=True)
    assert dry.status_code == 422 and len(dry.json()["errors"]) == len(body["errors"])


async def test_only_the_county_admin_imports(client, token_for, db):
    for who in ("township01", "inspector"):
        r = await _post(client, await token_for(who), "code,name\n230199200000,新发镇\n")
        assert r.status_code == 403, who


async def test_add_and_rename_a_township_with_if_match(client, token_for, db):
    h = await token_for("admin")
    r = await client.post("/api/v1/divisions", json={"code": NEW_TOWNSHIP, "name": "新发镇"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == 'W/"1"' and r.json()["allowed_actions"] == ["rename", "add_village"]
    county = (await client.get(f"/api/v1/divisions/{COUNTY}", headers=h)).json()
    assert county["allowed_actions"] == ["rename", "add", "import_tree"]
    assert (await client.post("/api/v1/divisions", json={"code": NEW_TOWNSHIP, "name": "x"}, headers=h)).status_code == 409
    for code, err in (("230299200000", "code_outside_county"), ("230199200201", "not_a_township_code")):
        r = await client.post("/api/v1/divisions", json={"code": code, "name": "x"}, headers=h)
        assert r.status_code == 422 and r.json()["code"] == err
    # A village of the new township through the villages API: its code carries the township's.
    r = await client.post("/api/v1/villages", headers=h, json={
        "code": "230199200201", "name": "新发村", "township_code": NEW_TOWNSHIP})
    assert r.status_code == 201, r.text
    url = f"/api/v1/divisions/{NEW_TOWNSHIP}"
    assert (await client.patch(url, json={"name": "新华镇"}, headers=h)).status_code == 428
    r = await client.patch(url, json={"name": "新华镇"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.json()["name"] == "新华镇" and r.headers["ETag"] == 'W/"2"'
    assert (await client.patch(url, json={"name": "又名"}, headers={**h, "If-Match": 'W/"1"'})).status_code == 412
    got = await client.get("/api/v1/villages/230199200201", headers=h)
    assert got.json()["township_name"] == "新华镇"
    # A township official sees its township but may not rename it; another county's is not found.
    t1 = await token_for("township01")
    r = await client.get("/api/v1/divisions/230199100000", headers=t1)
    assert r.status_code == 200 and r.json()["allowed_actions"] == []
    r = await client.patch("/api/v1/divisions/230199100000", json={"name": "x"}, headers={**t1, "If-Match": r.headers["ETag"]})
    assert r.status_code == 403
    r = await client.patch("/api/v1/divisions/230100000000", json={"name": "x"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 404



async def test_rename_a_village_with_if_match(client, token_for, db):
    """A village is renamed by PATCH /villages/{code} with the If-Match of its read: none is 428, a
    stale one 412 and changes nothing, the right one renames it (audited) and bumps the ETag."""
    h = await token_for("admin")
    code = "230199100200"
    url = f"/api/v1/villages/{code}"
    first = await client.get(url, headers=h)
    assert first.status_code == 200, first.text
    old, etag = first.json()["name"], first.headers["ETag"]
    assert (await client.patch(url, json={"name": "更名村"}, headers=h)).status_code == 428
    r = await client.patch(url, json={"name": "更名村"}, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "更名村" and r.headers["ETag"] != etag
    current = r.headers["ETag"]
    assert await _village_name(db, code) == "更名村"
    # The first read's ETag is now stale: refused, and the name stays.
    r = await client.patch(url, json={"name": "又改名村"}, headers={**h, "If-Match": etag})
    assert r.status_code == 412 and r.json()["code"] == "precondition_failed"
    assert await _village_name(db, code) == "更名村"
    listed = await client.get("/api/v1/villages", params={"township_code": "230199100000", "limit": 200}, headers=h)
    assert {v["code"]: v["name"] for v in listed.json()["items"]}[code] == "更名村"
    trail = (await db.execute(text(
        "SELECT before->>'name', after->>'name' FROM audit_events WHERE action = 'village.update' AND entity_id = :c"
        " ORDER BY id DESC LIMIT 1"), {"c": code})).one()
    assert tuple(trail) == (old, "更名村")
    # A blank name is refused by the contract, before any write.
    r = await client.patch(url, json={"name": "  "}, headers={**h, "If-Match": current})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "name"]
    assert await _village_name(db, code) == "更名村"


def _plain(url: str) -> str:
    return normalise_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def test_cli_import_dry_run_then_real_then_again(engine, tmp_path: Path):
    """The operator's command, against the committed test database: a tree of its own province."""
    cli = Path(sys.executable).parent / "cunzhi"
    f = tmp_path / "tree.csv"
    f.write_text("代码,名称\n990000000000,测试省\n990100000000,测试市\n990101000000,测试县\n"
                 "990101001000,测试镇\n990101001001,测试村\n", encoding="utf-8")
    env = {**os.environ}
    conn = await asyncpg.connect(_plain(os.environ["DATABASE_URL"]))
    try:
        dry = subprocess.run([str(cli), "divisions", "import", str(f), "--dry-run"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert dry.returncode == 0, dry.stderr
        assert "5 created" in dry.stdout and "nothing written" in dry.stdout
        assert await conn.fetchval("SELECT count(*) FROM divisions WHERE code LIKE '99%'") == 0
        real = subprocess.run([str(cli), "divisions", "import", str(f)], env=env, capture_output=True, text=True,
                              timeout=120)
        assert real.returncode == 0, real.stderr
        assert await conn.fetchval("SELECT count(*) FROM divisions WHERE code LIKE '99%'") == 4
        assert await conn.fetchval("SELECT county_code FROM villages WHERE code = '990101001001'") == "990101000000"
        again = subprocess.run([str(cli), "divisions", "import", str(f)], env=env, capture_output=True, text=True,
                               timeout=120)
        assert again.returncode == 0 and "0 created, 0 renamed, 5 unchanged" in again.stdout
        bad = tmp_path / "bad.csv"
        bad.write_text("code,name\n12345,短\n", encoding="utf-8")
        failed = subprocess.run([str(cli), "divisions", "import", str(bad)], env=env, capture_output=True, text=True,
                                timeout=120)
        assert failed.returncode == 1 and "第2行 code: 代码须为12位数字" in failed.stderr
    finally:
        await conn.execute("DELETE FROM villages WHERE code LIKE '99%'")
        await conn.execute("DELETE FROM divisions WHERE code LIKE '99%' AND level = 'township'")
        await conn.execute("DELETE FROM divisions WHERE code LIKE '99%' AND level = 'county'")
        await conn.execute("DELETE FROM divisions WHERE code LIKE '99%' AND level = 'city'")
        await conn.execute("DELETE FROM divisions WHERE code LIKE '99%'")
        await conn.close()
