"""The three promotions and two oversights as reports: structured figures on work logs, the report per
village and month (equal to a recount), its scope, its XLSX export, and the oversight findings'
follow-up (open -> following_up -> resolved), strictly."""

import io
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from cadres_helpers import T01, T02, T02_VILLAGE, VILLAGE, audit_count, log_body, new_key
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

REPORT = "/api/v1/cadres/reports/fieldwork"
FINDINGS = "/api/v1/cadres/findings"
LOGS = "/api/v1/cadres/logs"
LOG_FIGURES = ("members_recruited", "activists_found", "activities_held", "activity_attendance", "members_active",
               "policy_issues", "discipline_issues")


def this_month() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


async def _write(client: httpx.AsyncClient, auth, **figures: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(LOGS, json=log_body(**figures), headers=await auth("cadre01", new_key()))
    assert r.status_code == 201, r.text
    return r.json()


async def _all_logs(client: httpx.AsyncClient, h: dict[str, str], month: str) -> list[dict[str, Any]]:
    first = f"{month}-01"
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"date_from": first, "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(LOGS, params=params, headers=h)).json()
        out += [g for g in page["items"] if g["log_date"].startswith(month)]
        if not (cursor := page["next_cursor"]):
            return out


async def test_the_report_equals_a_recount(client: httpx.AsyncClient, auth) -> None:
    month = this_month()
    h = await auth("admin")
    before = {r["village_code"]: r for r in (await client.get(REPORT, params={"month": month}, headers=h)).json()["rows"]}
    await _write(client, auth, members_recruited=2, activists_found=3, activities_held=1, activity_attendance=27)
    await _write(client, auth, activities_held=2, activity_attendance=40, members_active=5)
    g = await _write(client, auth, policy_issues=1, discipline_issues=2, oversight_note="村干部办事不公开")
    assert g["finding_id"] is not None

    out = (await client.get(REPORT, params={"month": month}, headers=h)).json()
    rows = {r["village_code"]: r for r in out["rows"]}
    assert set(rows) == set(before)  # one row per village in scope, with or without work
    mine = rows[VILLAGE]
    for k, added in {"logs": 3, "members_recruited": 2, "activists_found": 3, "activities_held": 3,
                     "activity_attendance": 67, "members_active": 5, "policy_issues": 1, "discipline_issues": 2,
                     "findings": 2, "findings_open": 2}.items():  # one finding per kind found
        assert mine[k] == before[VILLAGE][k] + added, k

    # a recount from the logs and findings as listed
    logs = await _all_logs(client, h, month)
    by_village: dict[str, Counter[str]] = {}
    for lg in logs:
        c = by_village.setdefault(lg["village_code"], Counter())
        c["logs"] += 1
        for k in LOG_FIGURES:
            c[k] += lg[k]
    for f in (await client.get(FINDINGS, params={"month": month}, headers=h)).json()["items"]:
        c = by_village.setdefault(f["village_code"], Counter())
        c["findings"] += 1
        c[f"findings_{f['state']}"] += 1
    for code, row in rows.items():
        c = by_village.get(code, Counter())
        for k in ("logs", *LOG_FIGURES, "findings", "findings_open", "findings_following_up", "findings_resolved"):
            assert row[k] == c[k], (code, k)
    for k, v in out["totals"].items():
        assert v == sum(r[k] for r in out["rows"]), k
    assert rows.get(T02_VILLAGE, {}).get("logs", 0) == by_village.get(T02_VILLAGE, Counter())["logs"]


async def test_the_report_is_scoped(client: httpx.AsyncClient, auth) -> None:
    month = this_month()
    r = await client.get(REPORT, params={"month": month}, headers=await auth("township01"))
    assert r.status_code == 200 and {row["township_code"] for row in r.json()["rows"]} == {T01}
    everything = (await client.get(REPORT, params={"month": month}, headers=await auth("admin"))).json()
    assert {row["township_code"] for row in everything["rows"]} >= {T01, T02}
    t01 = (await client.get(REPORT, params={"month": month, "township_code": T01},
                            headers=await auth("admin"))).json()
    assert t01["rows"] == [row for row in everything["rows"] if row["township_code"] == T01]
    r = await client.get(REPORT, params={"month": month, "township_code": T01}, headers=await auth("township02"))
    assert r.status_code == 404 and r.json()["code"] == "township_not_found"
    r = await client.get(REPORT, params={"month": month, "village_code": VILLAGE}, headers=await auth("township02"))
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    r = await client.get(REPORT, params={"month": month}, headers=await auth("cadre01"))
    assert [row["village_code"] for row in r.json()["rows"]] == [VILLAGE]
    r = await client.get(FINDINGS, params={"month": month}, headers=await auth("township02"))
    assert all(f["township_code"] == T02 for f in r.json()["items"])
    for bad in ("2026-13", "2026-1", "May"):
        assert (await client.get(REPORT, params={"month": bad}, headers=await auth("admin"))).status_code == 422
    assert (await client.get(REPORT, headers=await auth("admin"))).status_code == 422


async def test_promotion_figures_are_strict(client: httpx.AsyncClient, auth) -> None:
    h = await auth("cadre01", new_key())
    for bad in ({"activists_found": -1}, {"activists_found": "2"}, {"activists_found": 1.5},
                {"activity_attendance": 12}, {"activity_attendance": True, "activities_held": 1},
                {"activities_held": 1, "activity_attendance": 10_001}):
        r = await client.post(LOGS, json=log_body(**bad), headers=h)
        assert r.status_code == 422, bad
    r = await client.post("/api/v1/cadres/sync", headers=await auth("cadre01"), json={"items": [
        {"key": new_key(), "kind": "log", "body": log_body(activists_found=-2)},
        {"key": new_key(), "kind": "log", "body": log_body(activities_held=1, activity_attendance=-1)},
        {"key": new_key(), "kind": "log", "body": log_body(activists_found=2, activities_held=1,
                                                           activity_attendance=30, policy_issues=1,
                                                           oversight_note="低保评定未公示")}]})
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["refused", "refused", "created"]
    assert res[0]["errors"][0]["loc"][-1] == "activists_found"
    made = res[2]["log"]
    assert made["activists_found"] == 2 and made["activity_attendance"] == 30 and made["finding_id"] is not None
    f = next(f for f in (await client.get(FINDINGS, params={"month": this_month()},
                                          headers=await auth("admin"))).json()["items"]
             if f["id"] == made["finding_id"])
    assert f["state"] == "open" and f["text"] == "低保评定未公示" and f["policy_issues"] == 1


def test_a_log_without_the_new_figures_hashes_as_before() -> None:
    """A work log queued on a phone before activists_found and activity_attendance existed was stored
    with a hash of the body without them: its replay must still match."""
    import hashlib
    import json

    from cunzhi.cadres.fieldwork import body_hash
    from cunzhi.cadres.schemas import LogIn

    data = LogIn.model_validate(log_body())
    old = {k: v for k, v in data.model_dump(mode="json").items() if k not in ("activists_found", "activity_attendance")}
    raw = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body_hash(data) == hashlib.sha256(raw.encode()).hexdigest()
    assert body_hash(LogIn.model_validate(log_body(activists_found=1))) != body_hash(data)


async def test_a_finding_moves_forward_only(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    g = await _write(client, auth, discipline_issues=1, oversight_note="村干部优亲厚友")
    fid = g["finding_id"]
    url = f"{FINDINGS}/{fid}/state"
    t1 = await auth("township01")
    listed = next(f for f in (await client.get(FINDINGS, params={"month": this_month(), "state": "open"},
                                               headers=t1)).json()["items"] if f["id"] == fid)
    assert listed["allowed_actions"] == ["follow_up"] and listed["version"] == 1 and listed["history"] == []

    assert (await client.post(url, json={"state": "following_up", "version": 1},
                              headers=await auth("cadre01"))).status_code == 403
    assert (await client.post(url, json={"state": "following_up", "version": 1},
                              headers=await auth("township02"))).status_code == 404
    r = await client.post(url, json={"state": "resolved", "version": 1, "note": "已处理"}, headers=t1)
    assert r.status_code == 409 and r.json()["code"] == "finding_transition_refused"
    for bad in ({"state": "closed", "version": 1}, {"state": "following_up", "version": "1"},
                {"state": "following_up"}, {"state": "following_up", "version": 1, "by": "x"}):
        assert (await client.post(url, json=bad, headers=t1)).status_code == 422, bad

    events = await audit_count(db)
    r = await client.post(url, json={"state": "following_up", "version": 1, "note": "已约谈村支书"}, headers=t1)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["state"] == "following_up" and out["version"] == 2 and out["state_by"] and out["state_at"]
    assert out["allowed_actions"] == ["resolve"] and len(out["history"]) == 1
    assert await audit_count(db) == events + 1

    r = await client.post(url, json={"state": "following_up", "version": 2}, headers=t1)
    assert r.status_code == 409
    r = await client.post(url, json={"state": "resolved", "version": 1, "note": "已整改"}, headers=t1)
    assert r.status_code == 412
    r = await client.post(url, json={"state": "resolved", "version": 2}, headers=t1)
    assert r.status_code == 422  # resolving needs a note
    r = await client.post(url, json={"state": "resolved", "version": 2, "note": "已整改并公示"},
                          headers=await auth("admin"))
    assert r.status_code == 200
    out = r.json()
    assert out["state"] == "resolved" and out["state_note"] == "已整改并公示" and out["allowed_actions"] == []
    assert [(e["from_state"], e["to_state"]) for e in out["history"]] == [("open", "following_up"),
                                                                          ("following_up", "resolved")]
    r = await client.post(url, json={"state": "open", "version": 3}, headers=t1)
    assert r.status_code == 409 and r.json()["allowed"] == []
    assert (await client.post(f"{FINDINGS}/999999/state", json={"state": "following_up", "version": 1},
                              headers=t1)).status_code == 404

    row = next(x for x in (await client.get(REPORT, params={"month": this_month(), "village_code": VILLAGE},
                                            headers=t1)).json()["rows"])
    assert row["findings_resolved"] >= 1
    for sql in ("UPDATE cadre_finding_events SET note = 'x'", "DELETE FROM cadre_finding_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.begin_nested():
                await db.execute(text(sql))


async def test_the_export_opens_and_adds_up(client: httpx.AsyncClient, auth) -> None:
    month = this_month()
    await _write(client, auth, members_recruited=1, activists_found=2, activities_held=1, activity_attendance=15,
                 policy_issues=1, oversight_note="=HYPERLINK(\"x\")")
    h = await auth("township01")
    data = (await client.get(REPORT, params={"month": month}, headers=h)).json()
    r = await client.get(f"{REPORT}/export.xlsx", params={"month": month}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["分村统计", "发现问题", "说明"]
    ws = wb["分村统计"]
    rows = list(ws.iter_rows(values_only=True))
    head, body, total = rows[0], rows[1:-1], rows[-1]
    assert head[:4] == ("乡镇代码", "乡镇", "村代码", "村") and "发现入党积极分子" in head
    assert total[0] == "合计" and len(body) == len(data["rows"])
    for col in range(4, len(head)):
        assert total[col] == sum(r[col] for r in body), head[col]
    i = head.index("组织活动参加人次")
    assert total[i] == data["totals"]["activity_attendance"]
    assert {r[2] for r in body} == {row["village_code"] for row in data["rows"]}
    problems = list(wb["发现问题"].iter_rows(values_only=True))
    head = problems[0]
    text, state, kind = head.index("问题"), head.index("处理状态"), head.index("类别")
    assert any(p[text] == "=HYPERLINK(\"x\")" and p[state] == "待处理" and p[kind] == "落实政策"
               for p in problems[1:])  # text, never a formula
