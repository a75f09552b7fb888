"""Pairings: listing by scope, a village's history, ending one, and history that cannot be rewritten."""

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import clock
from cunzhi.partners.models import Pairing

FIRST_WEAK = "230199100200"
T02_WEAK = "230199101203"


async def _demo_pairing(client: httpx.AsyncClient, headers: dict[str, str]) -> dict:
    r = await client.get("/api/v1/pairings", params={"village_code": FIRST_WEAK}, headers=headers)
    assert r.status_code == 200 and r.json()["total"] == 1
    return r.json()["items"][0]


async def test_list_and_history_by_scope(client: httpx.AsyncClient, auth) -> None:
    pg = await _demo_pairing(client, await auth("admin"))
    assert pg["partner_unit_code"] == "PU-CZJ" and pg["status"] == "current"
    assert pg["start_date"] == "2026-01-01" and pg["end_date"] is None

    r = await client.get("/api/v1/pairings", headers=await auth("partner01"))
    assert [x["village_code"] for x in r.json()["items"]] == [FIRST_WEAK]
    r = await client.get("/api/v1/pairings", headers=await auth("township02"))
    assert r.json()["total"] == 0

    r = await client.get(f"/api/v1/pairings/villages/{FIRST_WEAK}", headers=await auth("township01"))
    assert r.status_code == 200 and r.json()["village_name"] and len(r.json()["items"]) == 1
    r = await client.get(f"/api/v1/pairings/villages/{FIRST_WEAK}", headers=await auth("township02"))
    assert r.status_code == 404 and r.json()["code"] == "village_not_found"
    r = await client.get(f"/api/v1/pairings/villages/{T02_WEAK}", headers=await auth("partner01"))
    assert r.status_code == 404
    r = await client.get(f"/api/v1/pairings/villages/{FIRST_WEAK}", headers=await auth("secretary01"))
    assert r.status_code == 200


async def test_end_a_pairing(client: httpx.AsyncClient, auth) -> None:
    h = await auth("admin")
    pg = await _demo_pairing(client, h)
    url = f"/api/v1/pairings/{pg['id']}/end"
    for user, status in (("township01", 403), ("partner01", 403), ("township02", 404)):
        r = await client.post(url, json={"reason": "unit_withdrawn"}, headers=await auth(user))
        assert r.status_code == status, user
    r = await client.post(url, json={"reason": "replaced"}, headers=h)  # only a proposal replaces
    assert r.status_code == 422
    r = await client.post(url, json={"reason": "other", "end_date": "2025-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_end_date"

    r = await client.post(url, json={"reason": "unit_withdrawn", "note": "机构改革"}, headers=h)
    assert r.status_code == 200, r.text
    ended = r.json()
    assert ended["status"] == "ended" and ended["ended_reason"] == "unit_withdrawn"
    assert ended["end_date"] == (clock.local_today() - timedelta(days=1)).isoformat()
    assert ended["ended_by"] == "admin" and ended["ended_note"] == "机构改革"

    again = await client.post(url, json={"reason": "other"}, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "pairing_ended"
    # the partner unit no longer sees the village; the history still shows the pairing
    r = await client.get("/api/v1/villages", headers=await auth("partner01"))
    assert r.json()["total"] == 0
    r = await client.get(f"/api/v1/pairings/villages/{FIRST_WEAK}", headers=h)
    assert [x["status"] for x in r.json()["items"]] == ["ended"]
    r = await client.get("/api/v1/pairings", params={"current": "false", "village_code": FIRST_WEAK}, headers=h)
    assert r.json()["total"] == 1


async def test_history_cannot_be_rewritten(db: AsyncSession) -> None:
    pairing = (await db.execute(select(Pairing).order_by(Pairing.id).limit(1))).scalar_one()
    for sql in (
        "DELETE FROM pairings WHERE id = :id",
        "UPDATE pairings SET start_date = '2025-01-01' WHERE id = :id",
        "UPDATE pairings SET end_date = '2026-06-30' WHERE id = :id",  # a change that is not an ending
    ):
        with pytest.raises(DBAPIError, match="pairing"):
            async with db.begin_nested():
                await db.execute(text(sql), {"id": pairing.id})
    async with db.begin_nested():
        await db.execute(text(
            "UPDATE pairings SET end_date = '2026-06-30', ended_reason = 'other', ended_at = now() WHERE id = :id"
        ), {"id": pairing.id})
    with pytest.raises(DBAPIError, match="history"):
        async with db.begin_nested():
            await db.execute(text("UPDATE pairings SET ended_note = 'x' WHERE id = :id"), {"id": pairing.id})


async def test_same_unit_and_village_never_overlap(db: AsyncSession) -> None:
    pairing = (await db.execute(select(Pairing).order_by(Pairing.id).limit(1))).scalar_one()
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            db.add(Pairing(village_id=pairing.village_id, partner_unit_id=pairing.partner_unit_id,
                           start_date=date(2026, 3, 1)))
            await db.flush()
    # a later period after the first one ended is fine
    async with db.begin_nested():
        await db.execute(text(
            "UPDATE pairings SET end_date = '2026-02-28', ended_reason = 'other', ended_at = now() WHERE id = :id"
        ), {"id": pairing.id})
        db.add(Pairing(village_id=pairing.village_id, partner_unit_id=pairing.partner_unit_id,
                       start_date=date(2026, 3, 1)))
        await db.flush()
