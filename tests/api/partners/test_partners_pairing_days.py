"""A pairing that starts on a later day: its partner unit sees the village from that day on, and
the worker's day job emits pairing.started once."""

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.kit import clock
from cunzhi.kit.events import OutboxEvent
from cunzhi.partners.jobs import apply_pairing_days
from cunzhi.partners.models import Pairing
from cunzhi.villages.models import Village


async def test_a_pairing_starting_tomorrow_becomes_visible_to_its_unit_on_the_day(
        client: httpx.AsyncClient, auth, db: AsyncSession) -> None:  # type: ignore[no-untyped-def]
    unit_id = (await db.execute(select(User.partner_unit_id).where(User.username == "partner01"))).scalar_one()
    today = clock.local_today()
    paired = select(Pairing.village_id).where(Pairing.partner_unit_id == unit_id)
    village = (await db.execute(select(Village).where(Village.id.not_in(paired)).order_by(Village.code)
                                .limit(1))).scalar_one()
    pairing = Pairing(village_id=village.id, partner_unit_id=unit_id, start_date=today + timedelta(days=1),
                      end_date=None, created_by="test")
    db.add(pairing)
    await db.flush()
    url = f"/api/v1/villages/{village.code}"

    assert (await client.get(url, headers=await auth("partner01"))).status_code == 404
    await apply_pairing_days(db)
    started = select(OutboxEvent).where(OutboxEvent.event_type == "pairing.started",
                                        OutboxEvent.entity_id == str(pairing.id))
    assert (await db.execute(started)).first() is None

    with clock.travel(today + timedelta(days=1)):
        assert (await client.get(url, headers=await auth("partner01"))).status_code == 200
        await apply_pairing_days(db)
        await apply_pairing_days(db)
        assert len((await db.execute(started)).all()) == 1
