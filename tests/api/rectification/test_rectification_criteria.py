"""Screening criteria: the county's six defaults (read without writing), and its own additions and edits."""

from rectification_helpers import COUNTY, CRITERIA
from sqlalchemy import delete, func, select

from cunzhi.kit.audit import AuditEvent
from cunzhi.rectification.models import Criterion

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


async def _forget_criteria(db) -> None:  # type: ignore[no-untyped-def]
    """Make the demo county one that has never saved criteria (rolled back after the test)."""
    await db.execute(delete(Criterion).where(Criterion.county_code == COUNTY))
    await db.flush()


async def _stored(db) -> int:  # type: ignore[no-untyped-def]
    return (await db.execute(select(func.count()).select_from(Criterion).where(Criterion.county_code == COUNTY))).scalar_one()


async def _audits(db, action: str | None = None) -> int:  # type: ignore[no-untyped-def]
    stmt = select(func.count()).select_from(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return (await db.execute(stmt)).scalar_one()


async def test_reading_criteria_never_writes(client, auth, db):
    await _forget_criteria(db)
    before = await _audits(db)
    for user in ("admin", "township05", "cadre01", "inspector"):
        for params in ({}, {"include_inactive": "true"}):
            r = await client.get(URL, params=params, headers=await auth(user))
            assert r.status_code == 200
            assert [c["code"] for c in r.json()] == CRITERIA, user
            assert all(c["id"] is None and c["version"] == 0 and c["active"] for c in r.json())
            assert r.json()[1]["name"] == "贫困或集体经济薄弱" and r.json()[1]["county_code"] == COUNTY
    assert await _stored(db) == 0
    assert await _audits(db) == before


async def test_the_county_saves_the_defaults_to_edit_them(client, auth, db):
    await _forget_criteria(db)
    seeded = await _audits(db, "screening_criterion.defaults")  # the demo seed's
    r = await client.post(f"{URL}/defaults", headers=await auth("township01"))
    assert r.status_code == 403
    assert await _stored(db) == 0
    h = await auth("admin")
    r = await client.post(f"{URL}/defaults", headers=h)
    assert r.status_code == 200, r.text
    assert [c["code"] for c in r.json()] == CRITERIA and all(c["id"] and c["version"] == 1 for c in r.json())
    assert await _stored(db) == 6
    assert await _audits(db, "screening_criterion.defaults") == seeded + 1
    # Saving again changes nothing and records nothing.
    r = await client.post(f"{URL}/defaults", headers=h)
    assert r.status_code == 200 and len(r.json()) == 6
    assert await _audits(db, "screening_criterion.defaults") == seeded + 1
    crit = r.json()[0]
    r = await client.patch(f"{URL}/{crit['id']}", json={"weight": "2"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.json()["weight"] == "2"


async def test_opening_the_first_round_or_adding_a_criterion_saves_the_defaults(client, auth, db):
    await _forget_criteria(db)
    seeded = await _audits(db, "screening_criterion.defaults")  # the demo seed's
    h = await auth("admin")
    r = await client.post(URL, json={"code": "okcode", "name": "新增项目", "category": "weak_branch"}, headers=h)
    assert r.status_code == 201, r.text
    assert await _stored(db) == 7
    assert await _audits(db, "screening_criterion.defaults") == seeded + 1
    r = await client.get(URL, headers=h)
    assert [c["code"] for c in r.json()] == [*CRITERIA, "okcode"]

    await _forget_criteria(db)
    r = await client.post("/api/v1/screening-rounds", json={"title": "首轮排查"}, headers=h)
    assert r.status_code == 201, r.text
    assert [c["code"] for c in r.json()["criteria"]] == CRITERIA
    assert await _stored(db) == 6
    assert await _audits(db, "screening_criterion.defaults") == seeded + 2


async def test_a_county_whose_criteria_are_all_inactive_sees_none(client, auth, db):
    h = await auth("admin")
    r = await client.get(URL, headers=h)
    for c in r.json():
        r = await client.patch(f"{URL}/{c['id']}", json={"active": False}, headers={**h, "If-Match": f'W/"{c["version"]}"'})
        assert r.status_code == 200
    r = await client.get(URL, headers=h)
    assert r.json() == []
    assert await _stored(db) == 6
