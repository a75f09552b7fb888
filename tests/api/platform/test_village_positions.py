"""Villages' positions imported from a CSV: a dry run with every bad row, then all rows or none, audited."""

from sqlalchemy import select, text

from cunzhi.villages.models import Village

V_T01 = "230199100200"
V2_T01 = "230199100201"
V_T02 = "230199101200"


async def _post(client, headers, body: str, dry_run: bool):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/villages/positions/import", headers=headers,
                             data={"dry_run": str(dry_run).lower()},
                             files={"file": ("positions.csv", ("\ufeff" + body).encode(), "text/csv")})


async def _position(db, code: str) -> tuple[float | None, float | None]:  # type: ignore[no-untyped-def]
    db.expire_all()
    v = (await db.execute(select(Village).where(Village.code == code))).scalar_one()
    return v.lat, v.lng


async def test_dry_run_reports_every_bad_row_and_writes_nothing(client, token_for, db):  # type: ignore[no-untyped-def]
    h = await token_for("township01")
    before = await _position(db, V_T01)
    body = ("村代码,纬度,经度\n"
            f"{V_T01},45.123456,126.654321\n"
            "12345,45,126\n"
            f"{V_T02},45,126\n"
            f"{V2_T01},95,126\n"
            f"{V2_T01},45,abc\n"
            f"{V_T01},45.2,126.7\n"
            f"{V2_T01},,126\n")
    r = await _post(client, h, body, True)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["rows"] == 7 and rep["valid"] == 1 and rep["dry_run"] is True
    got = [(e["row"], e["column"]) for e in rep["errors"]]
    assert got == [(3, "村代码"), (4, "村代码"), (5, "纬度"), (6, "经度"), (7, "村代码"), (8, "纬度")], rep["errors"]
    reasons = {(e["row"], e["column"]): e["reason"] for e in rep["errors"]}
    assert "12位" in reasons[(3, "村代码")] and "管辖" in reasons[(4, "村代码")]
    assert "重复" in reasons[(7, "村代码")] and "-90" in reasons[(5, "纬度")]
    real = await _post(client, h, body, False)
    assert real.status_code == 200 and real.json()["updated"] == 0 and real.json()["errors"]
    assert await _position(db, V_T01) == before


async def test_import_writes_all_rows_audited_and_again_changes_nothing(client, token_for, db):  # type: ignore[no-untyped-def]
    h = await token_for("township01")
    body = f"code,lng,lat\n{V_T01},126.5,45.25\n{V2_T01},126.75,45.5\n"  # English headers, any order
    dry = await _post(client, h, body, True)
    assert dry.json() == {"dry_run": True, "rows": 2, "valid": 2, "errors": [], "updated": 0, "unchanged": 0}
    r = await _post(client, h, body, False)
    assert r.status_code == 200 and r.json()["updated"] == 2, r.text
    assert await _position(db, V_T01) == (45.25, 126.5)
    assert await _position(db, V2_T01) == (45.5, 126.75)
    audited = (await db.execute(text("SELECT count(*) FROM audit_events WHERE action = 'village.position_import' "
                                     "AND entity_id IN (:a, :b)"), {"a": V_T01, "b": V2_T01})).scalar_one()
    assert audited == 2
    again = await _post(client, h, body, False)
    assert again.json()["updated"] == 0 and again.json()["unchanged"] == 2
    page = await client.get(f"/api/v1/villages/{V_T01}", headers=h)
    assert page.json()["lat"] == 45.25 and page.json()["lng"] == 126.5


async def test_who_may_import_positions_and_bad_files(client, token_for):  # type: ignore[no-untyped-def]
    body = f"村代码,纬度,经度\n{V_T01},45,126\n"
    for user in ("cadre01", "secretary01", "partner01"):
        r = await _post(client, await token_for(user), body, True)
        assert r.status_code == 403, (user, r.text)
    h = await token_for("township01")
    r = await _post(client, h, "村代码,纬度\n1,2\n", True)
    assert r.status_code == 200 and r.json()["errors"] == [{"row": 1, "column": "经度", "reason": "缺少此列"}]
    r = await client.post("/api/v1/villages/positions/import", headers=h,
                          files={"file": ("p.csv", b"\xff\xfe\x00bad\x81", "text/csv")})
    assert (r.status_code == 422 and r.json()["code"] == "import_unreadable") or r.json()["errors"], r.text
    # Line ends of every kind are line ends; a field past the csv module's limit is a reported error, not a 500.
    r = await _post(client, h, f"村代码,纬度,经度\r{V_T01},45,126\r", True)
    assert r.status_code == 200 and r.json()["valid"] == 1 and r.json()["errors"] == [], r.text
    r = await _post(client, h, "a" * 200_000, True)
    assert r.status_code == 200 and r.json()["errors"][0]["reason"] == "文件无法读取：CSV格式不正确", r.text
