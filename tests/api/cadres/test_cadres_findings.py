"""Oversight findings of a work log: one per kind found, more added by the log's cadre, each with its
own follow-up state; the discipline inspector of the village's township moves those of the discipline
kind (audited), not the policy ones, and not another township's."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cadres_helpers import T02, VILLAGE, audit_count, log_body, new_key
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

FINDINGS = "/api/v1/cadres/findings"
LOGS = "/api/v1/cadres/logs"


def this_month() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


async def _log(client: httpx.AsyncClient, auth, **figures: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post(LOGS, json=log_body(**figures), headers=await auth("cadre01", new_key()))
    assert r.status_code == 201, r.text
    return r.json()


async def _of_log(client: httpx.AsyncClient, h: dict[str, str], log_id: int) -> list[dict[str, Any]]:
    items = (await client.get(FINDINGS, params={"month": this_month()}, headers=h)).json()["items"]
    return sorted((f for f in items if f["log_id"] == log_id), key=lambda f: f["id"])


async def test_a_log_raises_one_finding_per_kind_each_with_its_own_state(client: httpx.AsyncClient, auth) -> None:
    g = await _log(client, auth, policy_issues=1, discipline_issues=2, oversight_note="低保评议不公开，村干部酒驾")
    t1 = await auth("township01")
    found = await _of_log(client, t1, g["id"])
    assert [(f["kind"], f["policy_issues"], f["discipline_issues"], f["state"]) for f in found] == [
        ("policy", 1, 0, "open"), ("discipline", 0, 2, "open")]
    discipline = found[1]
    r = await client.post(f"{FINDINGS}/{discipline['id']}/state", json={"state": "following_up", "version": 1},
                          headers=t1)
    assert r.status_code == 200, r.text
    after = {f["kind"]: f for f in await _of_log(client, t1, g["id"])}
    assert after["discipline"]["state"] == "following_up" and after["policy"]["state"] == "open"
    only = (await client.get(FINDINGS, params={"month": this_month(), "kind": "discipline"}, headers=t1)).json()
    assert only["items"] and {f["kind"] for f in only["items"]} == {"discipline"}


async def test_the_cadre_adds_findings_to_the_log(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                  fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    g = await _log(client, auth)
    assert g["finding_id"] is None
    url = f"{LOGS}/{g['id']}/findings"
    me = await auth("cadre01")
    events = await audit_count(db)
    r = await client.post(url, json={"kind": "discipline", "text": "村会计公款私存"}, headers=me)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["kind"] == "discipline" and first["discipline_issues"] == 1 and first["policy_issues"] == 0
    assert first["state"] == "open" and first["village_code"] == VILLAGE and first["allowed_actions"] == []
    assert await audit_count(db) == events + 1
    # the same write again (an answer lost on a weak signal) is the finding already added
    again = await client.post(url, json={"kind": "discipline", "text": "村会计公款私存"}, headers=me)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    r = await client.post(url, json={"kind": "policy", "text": "惠农补贴发放不及时", "issues": 2}, headers=me)
    assert r.status_code == 201 and r.json()["policy_issues"] == 2
    assert [f["kind"] for f in await _of_log(client, await auth("admin"), g["id"])] == ["discipline", "policy"]
    assert await audit_count(db) == events + 2

    assert (await client.post(url, json={"kind": "policy", "text": "x"},
                              headers=await auth(fresh_cadre_user["username"]))).status_code == 403
    assert (await client.post(url, json={"kind": "policy", "text": "x"},
                              headers=await auth("township01"))).status_code == 403
    assert (await client.post(url, json={"kind": "policy", "text": "x"},
                              headers=await auth("township02"))).status_code == 404
    assert (await client.post(f"{LOGS}/999999/findings", json={"kind": "policy", "text": "x"},
                              headers=me)).status_code == 404
    for bad in ({"kind": "other", "text": "x"}, {"kind": "policy", "text": ""}, {"kind": "policy"},
                {"kind": "policy", "text": "x", "issues": 0}, {"kind": "policy", "text": "x", "state": "resolved"}):
        assert (await client.post(url, json=bad, headers=me)).status_code == 422, bad


async def test_the_township_inspector_moves_discipline_findings(client: httpx.AsyncClient, auth,
                                                                db: AsyncSession) -> None:
    from cunzhi.auth.models import User
    from cunzhi.kit.audit import AuditEvent

    db.add(User(username="inspector_t02", password_hash="x", display_name="另一镇纪委", role="discipline_inspector",
                division_code=T02))
    await db.flush()
    g = await _log(client, auth, policy_issues=1, discipline_issues=1, oversight_note="项目公示缺失，村干部赌博")
    inspector = await auth("inspector01")
    policy, discipline = await _of_log(client, inspector, g["id"])
    assert policy["allowed_actions"] == [] and discipline["allowed_actions"] == ["follow_up"]

    r = await client.post(f"{FINDINGS}/{policy['id']}/state", json={"state": "following_up", "version": 1},
                          headers=inspector)
    assert r.status_code == 403
    other = await auth("inspector_t02")
    assert not await _of_log(client, other, g["id"])
    r = await client.post(f"{FINDINGS}/{discipline['id']}/state", json={"state": "following_up", "version": 1},
                          headers=other)
    assert r.status_code == 404

    events = await audit_count(db)
    url = f"{FINDINGS}/{discipline['id']}/state"
    r = await client.post(url, json={"state": "following_up", "version": 1, "note": "已立案核查"}, headers=inspector)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "following_up" and r.json()["allowed_actions"] == ["resolve"]
    r = await client.post(url, json={"state": "resolved", "version": 2, "note": "已给予警告处分"}, headers=inspector)
    assert r.status_code == 200 and r.json()["state"] == "resolved" and r.json()["version"] == 3
    assert await audit_count(db) == events + 2
    actions = (await db.execute(select(AuditEvent.action).where(
        AuditEvent.entity == "cadre_finding", AuditEvent.entity_id == str(discipline["id"]))
        .order_by(AuditEvent.id))).scalars().all()
    assert actions == ["cadre_finding.follow_up", "cadre_finding.resolve"]
    # the policy one is still the township's to move
    assert (await client.post(f"{FINDINGS}/{policy['id']}/state", json={"state": "following_up", "version": 1},
                              headers=await auth("township01"))).status_code == 200
