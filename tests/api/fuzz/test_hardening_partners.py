"""Partners' request bodies take JSON numbers and booleans as they are: the API fuzzing found
{"active": "0", "capacity": false} accepted as a new unit (inactive, capacity 0). Pinned unit ids
are 1..2^31-1 like every key."""

import pytest
from sqlalchemy import text

URL = "/api/v1/partner-units"


@pytest.mark.parametrize("field,value", [
    ("active", "0"), ("active", 0), ("active", "false"),
    ("capacity", False), ("capacity", "3"), ("capacity", 3.0),
])
async def test_unit_create_refuses_coerced_numbers_and_flags_and_writes_nothing(client, token_for, db, field, value):
    body = {"code": "PU-FUZZ", "name": "模糊测试单位", "strengths": ["economic"], field: value}
    r = await client.post(URL, json=body, headers=await token_for("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", field]
    assert (await db.execute(text("SELECT count(*) FROM partner_units WHERE code = 'PU-FUZZ'"))).scalar() == 0


async def test_unit_create_and_patch_still_take_real_numbers_and_booleans(client, token_for):
    h = await token_for("admin")
    r = await client.post(URL, json={"code": "PU-FUZZ", "name": "模糊测试单位", "strengths": ["economic"], "capacity": 3,
                                       "active": False}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["capacity"] == 3 and r.json()["active"] is False
    r = await client.patch(f"{URL}/{r.json()['id']}", json={"active": "1"},
                           headers={**h, "If-Match": r.headers["etag"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "active"]


async def test_settings_weights_are_numbers(client, token_for):
    h = await token_for("admin")
    current = await client.get("/api/v1/pairing-settings", headers=h)
    body = {k: current.json()[k] for k in ("slots_per_village", "strengths", "weights")}
    body["slots_per_village"] = "2"
    r = await client.put("/api/v1/pairing-settings", json=body, headers={**h, "If-Match": current.headers["etag"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "slots_per_village"]


@pytest.mark.parametrize("unit_id", [2**31, 0, "1"])
async def test_pinned_unit_ids_are_keys(client, token_for, unit_id):
    body = {"pins": [{"village_code": "230199100200", "partner_unit_id": unit_id}]}
    r = await client.post("/api/v1/pairing-proposals", json=body, headers=await token_for("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "pins", "0", "partner_unit_id"]
