"""Cadre records and the county's posting settings: who sees which cadres, who edits them, links to
accounts, expertise the county adds."""

import httpx
import pytest
from cadres_helpers import COUNTY, VILLAGE, audit_count, table_count
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.models import Cadre

URL = "/api/v1/cadres"


async def names(client: httpx.AsyncClient, headers: dict[str, str], **params) -> set[str]:  # type: ignore[no-untyped-def]
    r = await client.get(URL, params={"limit": 200, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return {c["name"] for c in r.json()["items"]}


async def test_who_sees_which_cadres(client: httpx.AsyncClient, auth) -> None:
    everyone = await names(client, await auth("admin"))
    assert len(everyone) == 8 and {"赵志强", "孙玉兰", "陈宝林"} <= everyone
    assert await names(client, await auth("inspector")) == everyone
    t01 = await names(client, await auth("township01"))
    # the cadre of township 01's first village and the one who was there before
    assert "郑长海" in t01 and len(t01) >= 2 and t01 < everyone
    assert not t01 & await names(client, await auth("township02")) - {"郑长海"}
    mine = await names(client, await auth("cadre01"))
    assert mine == await names(client, await auth("partner01")) == await names(client, await auth("secretary01"))
    assert "郑长海" in mine and len(mine) == 2
    # posted today / not posted
    assert len(await names(client, await auth("admin"), posted=True)) == 5
    assert await names(client, await auth("admin"), posted=False) == {"郑长海", "冯凤霞", "陈宝林"}
    assert await names(client, await auth("admin"), expertise="mass_work") == {"赵志强", "吴秀英", "郑长海"}
    r = await client.get(URL, params={"q": "司法"}, headers=await auth("admin"))
    assert [c["name"] for c in r.json()["items"]] == ["郑长海"]


async def test_one_cadre_with_its_postings_and_out_of_scope_404(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(URL, params={"q": "农业农村局"}, headers=await auth("admin"))
    me = r.json()["items"][0]
    assert me["username"] == "cadre01" and me["current_posting"]["village"]["code"] == VILLAGE
    r = await client.get(f"{URL}/{me['id']}", headers=await auth("cadre01"))
    assert r.status_code == 200 and r.headers["etag"] == 'W/"1"'
    assert [p["status"] for p in r.json()["postings"]] == ["current"]
    assert r.json()["postings"][0]["post"] == "deputy_secretary"
    assert (await client.get(f"{URL}/{me['id']}", headers=await auth("township02"))).status_code == 404
    assert (await client.get(f"{URL}/2147483647", headers=await auth("admin"))).status_code == 404
    assert (await client.get(f"{URL}/2147483648", headers=await auth("admin"))).status_code == 422


async def test_the_county_adds_a_cadre_linked_to_an_account(client: httpx.AsyncClient, auth, db: AsyncSession,
                                                            fresh_cadre_user) -> None:  # type: ignore[no-untyped-def]
    # a cadre account of its own, not linked yet
    await db.execute(update(Cadre).where(Cadre.id == fresh_cadre_user["cadre_id"]).values(user_id=None))
    events = await audit_count(db)
    body = {"name": "钱学农", "home_unit": "县农业技术推广中心", "phone": "13845100999",
            "expertise": ["technical", "mass_work"], "username": "CADRE_T1"}
    r = await client.post(URL, json=body, headers=await auth("admin"))
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["expertise"] == ["mass_work", "technical"] and c["username"] == "cadre_t1" and c["county_code"] == COUNTY
    assert c["current_posting"] is None and r.headers["location"] == f"{URL}/{c['id']}"
    assert await audit_count(db) == events + 1

    # the account cannot be linked twice
    r = await client.post(URL, json={**body, "name": "另一人"}, headers=await auth("admin"))
    assert r.status_code == 409 and r.json()["code"] == "account_already_linked"

    # edit with If-Match; stale and missing preconditions
    url = f"{URL}/{c['id']}"
    r = await client.patch(url, json={"active": False}, headers=await auth("admin"))
    assert r.status_code == 428
    r = await client.patch(url, json={"active": False, "username": None},
                           headers={**await auth("admin"), "If-Match": 'W/"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.json()["username"] is None and r.headers["etag"] == 'W/"2"'
    r = await client.patch(url, json={"note": "x"}, headers={**await auth("admin"), "If-Match": 'W/"1"'})
    assert r.status_code == 412
    r = await client.patch(url, json={"name": None}, headers={**await auth("admin"), "If-Match": 'W/"2"'})
    assert r.status_code == 422


@pytest.mark.parametrize(("body", "code"), [
    ({"name": "甲", "home_unit": "县局", "expertise": ["flying"]}, "unknown_expertise"),
    ({"name": "甲", "home_unit": "县局", "expertise": ["mass_work", "mass_work"]}, "validation_error"),
    ({"name": "甲", "home_unit": "县局", "expertise": ["Mass Work"]}, "validation_error"),
    ({"name": "", "home_unit": "县局"}, "validation_error"),
    ({"name": "甲"}, "validation_error"),
    ({"name": "甲", "home_unit": "县局", "phone": "call me"}, "validation_error"),
    ({"name": "甲", "home_unit": "县局", "username": "secretary01"}, "invalid_cadre_account"),
    ({"name": "甲", "home_unit": "县局", "username": "nobody_here"}, "invalid_cadre_account"),
    ({"name": "甲", "home_unit": "县局", "username": "cadre01"}, "account_already_linked"),
    ({"name": "甲", "home_unit": "县局", "county_code": "230199100000"}, "unknown_county"),
])
async def test_bad_cadres_are_refused(client: httpx.AsyncClient, auth, db: AsyncSession, body, code) -> None:  # type: ignore[no-untyped-def]
    n = await table_count(db, Cadre)
    r = await client.post(URL, json=body, headers=await auth("admin"))
    assert r.status_code in (409, 422) and r.json()["code"] == code, r.text
    assert await table_count(db, Cadre) == n


@pytest.mark.parametrize("username", ["township01", "inspector", "cadre01", "partner01"])
async def test_only_the_county_keeps_cadres(client: httpx.AsyncClient, auth, db: AsyncSession, username: str) -> None:
    n = await table_count(db, Cadre)
    r = await client.post(URL, json={"name": "甲", "home_unit": "县局"}, headers=await auth(username))
    assert r.status_code == 403
    mine = (await client.get(URL, params={"q": "农业农村局"}, headers=await auth("admin"))).json()["items"][0]
    r = await client.patch(f"{URL}/{mine['id']}", json={"note": "x"},
                           headers={**await auth(username), "If-Match": 'W/"1"'})
    assert r.status_code in (403, 404)
    assert await table_count(db, Cadre) == n


async def test_the_county_adds_expertise_and_weights(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(f"{URL}/settings", headers=await auth("township01"))
    assert r.status_code == 200
    s = r.json()
    assert [e["code"] for e in s["expertise"]] == ["mass_work", "technical", "organising"]
    assert s["weights"] == {"many_petitions": {"mass_work": 3}, "specialty_farming": {"technical": 3},
                            "irregular_activity": {"organising": 3}}
    assert s["version"] == 0 and s["cadres_per_village"] == 1

    body = {"cadres_per_village": 1,
            "expertise": [*s["expertise"], {"code": "legal_aid", "label": "法律服务"}],
            "weights": {**s["weights"], "poor_public_order": {"legal_aid": 3, "mass_work": 1}}}
    r = await client.put(f"{URL}/settings", json=body, headers=await auth("township01"))
    assert r.status_code == 403
    r = await client.put(f"{URL}/settings", json=body, headers=await auth("admin"))
    assert r.status_code == 428
    r = await client.put(f"{URL}/settings", json=body, headers={**await auth("admin"), "If-Match": 'W/"0"'})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["weights"]["poor_public_order"] == {"legal_aid": 3, "mass_work": 1}
    r = await client.post(URL, json={"name": "律师甲", "home_unit": "县司法局", "expertise": ["legal_aid"]},
                          headers=await auth("admin"))
    assert r.status_code == 201
    # an expertise still held by a cadre cannot be removed; weights must name known expertise
    r = await client.put(f"{URL}/settings", json={**body, "expertise": s["expertise"],
                                                  "weights": s["weights"]},
                         headers={**await auth("admin"), "If-Match": 'W/"1"'})
    assert r.status_code == 409 and r.json()["code"] == "expertise_in_use"
    r = await client.put(f"{URL}/settings", json={**body, "weights": {"weak_branch": {"magic": 2}}},
                         headers={**await auth("admin"), "If-Match": 'W/"1"'})
    assert r.status_code == 422
    r = await client.put(f"{URL}/settings", json={**body, "weights": {"not_a_category": {}}},
                         headers={**await auth("admin"), "If-Match": 'W/"1"'})
    assert r.status_code == 422
    r = await client.get(f"{URL}/settings", headers=await auth("township02"))
    assert r.status_code == 200 and len(r.json()["expertise"]) == 4
