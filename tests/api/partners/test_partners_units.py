"""Partner units: list, create, edit, scope and validation."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit.audit import AuditEvent
from cunzhi.partners.models import PartnerUnit

URL = "/api/v1/partner-units"


async def test_county_lists_its_units_with_strengths(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(URL, params={"limit": 200}, headers=await auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 20
    finance = next(u for u in body["items"] if u["code"] == "PU-CZJ")
    assert finance["name"] == "县财政局"
    assert finance["strengths"] == ["economic"]
    assert finance["capacity"] == 2 and finance["active"] is True
    # the demo pairs the finance bureau with the first weak village of township 01
    assert [v["code"] for v in finance["current_villages"]] == ["230199100200"]


async def test_filters(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    r = await client.get(URL, params={"strength": "political_legal"}, headers=h)
    codes = {u["code"] for u in r.json()["items"]}
    assert codes == {"PU-GAJ", "PU-SFJ", "PU-ZFB", "PU-XFJ"}
    r = await client.get(URL, params={"q": "公安"}, headers=h)
    assert [u["code"] for u in r.json()["items"]] == ["PU-GAJ"]


async def test_scope_of_each_role(client: httpx.AsyncClient, auth, unit_ids) -> None:
    ids = await unit_ids()
    # a partner unit sees only itself
    r = await client.get(URL, headers=await auth("partner01"))
    assert [u["code"] for u in r.json()["items"]] == ["PU-CZJ"]
    r = await client.get(f"{URL}/{ids['PU-GAJ']}", headers=await auth("partner01"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "partner_unit_not_found"
    # a township official reads the county's units
    r = await client.get(URL, headers=await auth("township03"))
    assert r.json()["total"] == 20
    # a village account sees the units paired with its village
    r = await client.get(URL, headers=await auth("secretary01"))
    assert [u["code"] for u in r.json()["items"]] == ["PU-CZJ"]


async def test_create_and_audit(client: httpx.AsyncClient, auth, db: AsyncSession) -> None:
    body = {"code": "PU-RSJ", "name": "县人力资源和社会保障局", "strengths": ["technical", "economic"],
            "capacity": 3, "contact_name": "赵立", "contact_phone": "0451-87600999"}
    r = await client.post(URL, json=body, headers=await auth("admin"))
    assert r.status_code == 201, r.text
    unit = r.json()
    assert unit["strengths"] == ["economic", "technical"]
    assert unit["county_code"] == "230199000000"
    assert r.headers["ETag"] == 'W/"1"'
    assert r.headers["Location"] == f"{URL}/{unit['id']}"
    event = (await db.execute(select(AuditEvent).where(
        AuditEvent.action == "partner_unit.create", AuditEvent.entity_id == str(unit["id"])))).scalar_one()
    assert event.after["code"] == "PU-RSJ"

    again = await client.post(URL, json=body, headers=await auth("admin"))
    assert again.status_code == 409 and again.json()["code"] == "partner_unit_exists"

    # capacity defaults to the CUNZHI_VILLAGES_PER_UNIT setting (2)
    r = await client.post(URL, json={"code": "PU-TJJ", "name": "县统计局", "strengths": ["economic"]},
                          headers=await auth("admin"))
    assert r.status_code == 201 and r.json()["capacity"] == 2 and r.json()["strengths"] == ["economic"]


async def test_a_unit_needs_a_strength(client: httpx.AsyncClient, auth, unit_ids, db: AsyncSession) -> None:
    h = await auth("admin")
    for body in ({"code": "PU-NONE", "name": "无优势单位"}, {"code": "PU-NONE", "name": "无优势单位", "strengths": []}):
        r = await client.post(URL, json=body, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "strengths"]
    assert (await db.execute(select(func.count()).select_from(PartnerUnit).where(PartnerUnit.code == "PU-NONE"))
            ).scalar_one() == 0
    ids = await unit_ids()
    url = f"{URL}/{ids['PU-CZJ']}"
    r = await client.get(url, headers=h)
    emptied = await client.patch(url, json={"strengths": []}, headers={**h, "If-Match": r.headers["ETag"]})
    assert emptied.status_code == 422 and emptied.json()["errors"][0]["loc"] == ["body", "strengths"]
    assert (await client.get(url, headers=h)).json()["strengths"] == r.json()["strengths"]
    # the contract says so
    schema = (await client.get("/api/v1/openapi.json")).json()["components"]["schemas"]
    assert "strengths" in schema["PartnerUnitCreate"]["required"]
    assert schema["PartnerUnitCreate"]["properties"]["strengths"]["minItems"] == 1


async def test_create_validation(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    r = await client.post(URL, json={"code": "PU-X", "name": "x", "strengths": ["cooking"]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "unknown_strength"
    assert r.json()["errors"][0]["loc"] == ["body", "strengths"]
    r = await client.post(URL, json={"code": "PU-X", "name": "x", "strengths": ["economic"], "capacity": -1}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = await client.post(URL, json={"code": "PU-X", "name": "x", "strengths": ["economic", "economic"]}, headers=h)
    assert r.status_code == 422
    r = await client.post(URL, json={"code": "PU X!", "name": "x", "strengths": ["economic"]}, headers=h)
    assert r.status_code == 422
    r = await client.post(URL, json={"code": "PU-X", "name": "x", "surprise": 1}, headers=h)
    assert r.status_code == 422


async def test_only_county_admin_writes(client: httpx.AsyncClient, auth, unit_ids) -> None:
    ids = await unit_ids()
    for user in ("township01", "inspector", "partner01"):
        r = await client.post(URL, json={"code": "PU-NO", "name": "不行", "strengths": ["economic"]},
                              headers=await auth(user))
        assert r.status_code == 403, (user, r.text)
    r = await client.patch(f"{URL}/{ids['PU-CZJ']}", json={"capacity": 5},
                           headers={**await auth("partner01"), "If-Match": 'W/"1"'})
    assert r.status_code == 403


async def test_update_with_etag(client: httpx.AsyncClient, auth, unit_ids) -> None:
    ids = await unit_ids()
    h = await auth("admin")
    url = f"{URL}/{ids['PU-KJJ']}"
    got = await client.get(url, headers=h)
    tag = got.headers["ETag"]
    r = await client.patch(url, json={"capacity": 3}, headers=h)
    assert r.status_code == 428
    r = await client.patch(url, json={"capacity": 3, "strengths": ["technical", "economic"]},
                           headers={**h, "If-Match": tag})
    assert r.status_code == 200, r.text
    assert r.json()["capacity"] == 3 and r.json()["strengths"] == ["economic", "technical"]
    assert r.headers["ETag"] != tag
    stale = await client.patch(url, json={"capacity": 1}, headers={**h, "If-Match": tag})
    assert stale.status_code == 412
    r = await client.patch(url, json={"capacity": None}, headers={**h, "If-Match": r.headers["ETag"]})
    assert r.status_code == 422


async def test_nested_villages_follow_the_caller_s_scope(client: httpx.AsyncClient, auth, unit_ids) -> None:
    ids = await unit_ids()
    h = await auth("admin")
    # Township 02's official, an agency account and a township system of township 02.
    r = await client.post("/api/v1/users", headers=h, json={
        "username": "agency02b", "password": "a-strong-password", "display_name": "二镇代理中心",
        "role": "township_agency", "division_code": "230199101000"})
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/api-clients", headers=h, json={
        "client_id": "t02-system", "name": "二镇系统", "division_code": "230199101000"})
    secret = r.json()["client_secret"]
    tok = (await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": "t02-system", "client_secret": secret})).json()
    agency = (await client.post("/api/v1/auth/token", data={"username": "agency02b", "password": "a-strong-password"})).json()
    callers = {
        "township02": await auth("township02"),
        "agency02b": {"Authorization": f"Bearer {agency['access_token']}"},
        "t02-system": {"Authorization": f"Bearer {tok['access_token']}"},
    }
    for who, headers in callers.items():
        r = await client.get(f"{URL}/{ids['PU-CZJ']}", headers=headers)
        assert r.status_code == 200, (who, r.text)
        assert r.json()["current_villages"] == [], who  # its village lies in township 01
        listed = (await client.get(URL, params={"limit": 200}, headers=headers)).json()["items"]
        assert next(u for u in listed if u["code"] == "PU-CZJ")["current_villages"] == [], who
        seen = {v["code"] for u in listed for v in u["current_villages"]}
        assert all(c.startswith("230199101") for c in seen), who
    r = await client.get(f"{URL}/{ids['PU-CZJ']}", headers=await auth("township01"))
    assert [v["code"] for v in r.json()["current_villages"]] == ["230199100200"]
