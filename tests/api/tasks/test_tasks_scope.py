"""Who sees a task of township 01's village and what the roles that only look may do with it: the
township's agency, the county's discipline inspector and the village's supervision committee read it
and are refused its progress and acceptance (403); a committee and a cadre of another village and a
partner unit not paired with the village do not find it (404, absent from the list and the export)."""

import csv
import io

import httpx
import pytest
from sqlalchemy import select, text
from tasks_helpers import T01, VILLAGE

from cunzhi.kit.security import create_access_token

SEES = ["agency01", "inspector", "committee01"]
BLIND = ["committee:other_village", "cadre:other_village", "partner_unit:unpaired"]


async def _headers(db, who: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A demo account, or one made here (role:where) in the test's transaction."""
    from cunzhi.auth.models import User
    from cunzhi.partners.models import Pairing, PartnerUnit

    if ":" in who:
        role, where = who.split(":")
        scope: dict[str, object] = {}
        if where == "other_village":
            scope["village_id"] = (await db.execute(text(
                "SELECT id FROM villages WHERE township_code = :t AND code <> :c ORDER BY code LIMIT 1"),
                {"t": T01, "c": VILLAGE})).scalar_one()
        else:
            vid = (await db.execute(text("SELECT id FROM villages WHERE code = :c"), {"c": VILLAGE})).scalar_one()
            scope["partner_unit_id"] = (await db.execute(select(PartnerUnit.id).where(PartnerUnit.id.not_in(
                select(Pairing.partner_unit_id).where(Pairing.village_id == vid))).limit(1))).scalar_one()
        user = User(username=f"scope-{role}", password_hash="x", display_name=who,
                    role="village_committee" if role == "committee" else role, **scope)
        db.add(user)
        await db.flush()
        uid = user.id
    else:
        uid = (await db.execute(select(User.id).where(User.username == who))).scalar_one()
    return {"Authorization": f"Bearer {create_access_token(f'user:{uid}')[0]}"}


@pytest.mark.parametrize(("who", "sees"), [*((w, True) for w in SEES), *((w, False) for w in BLIND)])
async def test_scope_of_a_task(client: httpx.AsyncClient, auth, new_task, db, who: str, sees: bool) -> None:  # type: ignore[no-untyped-def]
    t = await new_task(title="范围矩阵任务", target="1")
    url = f"/api/v1/tasks/{t['id']}"
    done = await client.post(f"{url}/progress", headers=await auth("secretary01"), json={"amount": "1", "text": "完成"})
    assert done.json()["task"]["status"] == "done"
    h = await _headers(db, who)

    listed = (await client.get("/api/v1/tasks", params={"q": "范围矩阵", "limit": 200}, headers=h)).json()["items"]
    got = await client.get(url, headers=h)
    export = await client.get("/api/v1/tasks/export", params={"format": "csv", "q": "范围矩阵"}, headers=h)
    exported = [row[2] for row in csv.reader(io.StringIO(export.content.decode("utf-8-sig")))][1:]
    progress = await client.post(f"{url}/progress", headers=h, json={"amount": "0", "text": "越权"})
    accept = await client.post(f"{url}/accept", headers={**h, "If-Match": done.headers["ETag"]}, json={})

    assert [i["id"] for i in listed] == ([t["id"]] if sees else []), who
    assert export.status_code == 200 and exported == (["范围矩阵任务"] if sees else []), who
    if sees:
        assert got.status_code == 200 and got.json()["allowed_actions"] == [], (who, got.text)
        assert (progress.status_code, accept.status_code) == (403, 403), (who, progress.text, accept.text)
    else:
        assert (got.status_code, progress.status_code, accept.status_code) == (404, 404, 404), who
        assert got.json()["code"] == progress.json()["code"] == accept.json()["code"] == "task_not_found"
    page = (await client.get(url, headers=await auth("township01"))).json()
    assert page["status"] == "done" and page["progress"] == "1.00"  # nothing changed by any of them
