"""The county's pairing settings: weight table, strengths, slots per village."""

import copy

import httpx

from cunzhi.partners.matching import DEFAULT_PAIRING_WEIGHTS

URL = "/api/v1/pairing-settings"


def _body(settings: dict) -> dict:
    return copy.deepcopy({k: settings[k] for k in ("slots_per_village", "strengths", "weights")})


async def test_defaults_and_readers(client: httpx.AsyncClient, auth) -> None:
    r = await client.get(URL, headers=await auth("admin"))
    assert r.status_code == 200
    s = r.json()
    assert s["version"] == 0 and r.headers["ETag"] == 'W/"0"'
    assert s["slots_per_village"] == 2
    assert [x["code"] for x in s["strengths"]] == ["economic", "political_legal", "party_mass", "technical"]
    assert s["strengths"][0]["label"] == "有经济实力"
    assert s["weights"]["weak_economy"] == {"economic": 3, "technical": 1}
    assert s["weights"] == {c: {k: w for k, w in row.items() if w} for c, row in DEFAULT_PAIRING_WEIGHTS.items()}
    for user in ("township01", "partner01", "inspector"):
        assert (await client.get(URL, headers=await auth(user))).status_code == 200, user
    r = await client.get(URL, params={"county_code": "110101000000"}, headers=await auth("admin"))
    assert r.status_code == 404


async def test_update_with_etag_and_new_strength(client: httpx.AsyncClient, auth, propose) -> None:  # type: ignore[no-untyped-def]
    h = await auth("admin")
    s = (await client.get(URL, headers=h)).json()
    body = _body(s)
    body["strengths"].append({"code": "legal_aid", "label": "法律援助"})
    body["weights"]["many_petitions"]["legal_aid"] = 4
    body["slots_per_village"] = 1
    r = await client.put(URL, json=body, headers=h)
    assert r.status_code == 428
    r = await client.put(URL, json=body, headers={**h, "If-Match": 'W/"0"'})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["updated_by"] == "admin"
    stale = await client.put(URL, json=body, headers={**h, "If-Match": 'W/"0"'})
    assert stale.status_code == 412

    # a unit may now hold the new strength, and a proposal uses the new table
    r = await client.post("/api/v1/partner-units", json={"code": "PU-FYZX", "name": "县法律援助中心",
                                                         "strengths": ["legal_aid"]}, headers=h)
    assert r.status_code == 201, r.text
    p = await propose()
    assert p["slots_per_village"] == 1 and p["totals"]["slots"] == 17
    petitions = [v for v in p["villages"] if "many_petitions" in v["categories"]]
    reasons = [r for v in petitions for u in v["units"] for r in u["reasons"]]
    assert {"category": "many_petitions", "strength": "legal_aid", "weight": 4} in reasons

    # the strength cannot be removed while a unit holds it
    body2 = _body(s)
    r = await client.put(URL, json=body2, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 409 and r.json()["code"] == "strength_in_use"


async def test_validation_and_roles(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    s = (await client.get(URL, headers=h)).json()
    bad = _body(s)
    bad["weights"]["weak_economy"]["cooking"] = 2
    r = await client.put(URL, json=bad, headers={**h, "If-Match": 'W/"0"'})
    assert r.status_code == 422
    bad = _body(s)
    bad["weights"]["not_a_category"] = {"economic": 1}
    assert (await client.put(URL, json=bad, headers={**h, "If-Match": 'W/"0"'})).status_code == 422
    bad = _body(s)
    bad["weights"]["weak_economy"]["economic"] = 11
    assert (await client.put(URL, json=bad, headers={**h, "If-Match": 'W/"0"'})).status_code == 422
    bad = _body(s)
    bad["slots_per_village"] = 0
    assert (await client.put(URL, json=bad, headers={**h, "If-Match": 'W/"0"'})).status_code == 422
    for user in ("township01", "inspector"):
        r = await client.put(URL, json=_body(s), headers={**await auth(user), "If-Match": 'W/"0"'})
        assert r.status_code == 403, user
