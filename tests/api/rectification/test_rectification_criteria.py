"""Screening criteria: the county's six defaults, and its own additions and edits."""

from rectification_helpers import CRITERIA

URL = "/api/v1/criteria"


async def test_defaults(client, auth):
    for user in ("admin", "township05", "cadre01"):
        r = await client.get(URL, headers=await auth(user))
        assert r.status_code == 200
        assert [c["code"] for c in r.json()] == CRITERIA, user
    c = r.json()[1]
    assert c == {
        **c,
        "name": "贫困或集体经济薄弱",
        "category": "weak_economy",
        "weight": "1",
        "min_score": 0,
        "max_score": 10,
        "active": True,
    }


async def test_county_adds_and_edits(client, auth):
    h = await auth("admin")
    body = {
        "code": "specialty_need",
        "name": "发展特色种养需求",
        "category": "specialty_farming",
        "weight": "0.5",
        "max_score": 5,
    }
    r = await client.post(URL, json=body, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["weight"] == "0.5" and created["position"] > 0
    r = await client.post(URL, json=body, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "criterion_exists"

    url = f"{URL}/{created['id']}"
    r = await client.patch(url, json={"active": False}, headers=h)
    assert r.status_code == 428
    r = await client.patch(url, json={"active": False}, headers={**h, "If-Match": 'W/"99"'})
    assert r.status_code == 412
    r = await client.patch(url, json={"min_score": 5}, headers={**h, "If-Match": r.headers.get("etag") or 'W/"1"'})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "bad_range"
    r = await client.patch(url, json={"active": False, "weight": "2"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["version"] == 2
    r = await client.get(URL, headers=h)
    assert "specialty_need" not in [c["code"] for c in r.json()]
    r = await client.get(URL, params={"include_inactive": "true"}, headers=h)
    assert "specialty_need" in [c["code"] for c in r.json()]


async def test_bad_criteria(client, auth):
    h = await auth("admin")
    bad = [
        {"code": "Bad Code", "name": "x", "category": "weak_branch"},
        {"code": "okcode", "name": "x", "category": "nonsense"},
        {"code": "okcode", "name": "x", "category": "weak_branch", "weight": 1.5},
        {"code": "okcode", "name": "x", "category": "weak_branch", "weight": "0"},
        {"code": "okcode", "name": "x", "category": "weak_branch", "min_score": 5, "max_score": 5},
        {"code": "okcode", "name": "", "category": "weak_branch"},
    ]
    for body in bad:
        r = await client.post(URL, json=body, headers=h)
        assert r.status_code == 422, body
    r = await client.get(URL, params={"include_inactive": "true"}, headers=h)
    assert "okcode" not in [c["code"] for c in r.json()]


async def test_only_the_county_edits_criteria(client, auth):
    r = await client.post(URL, json={"code": "okcode", "name": "x", "category": "weak_branch"}, headers=await auth("township01"))
    assert r.status_code == 403
