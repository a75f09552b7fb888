"""Display names of the people whose user names appear in records (开启人, 评分人, 记账人 ...).

Records keep the actor's user name; screens show the person's display name. A caller learns the
names of the accounts it works with, never the whole county's roster:
- the county's own staff (county-scoped accounts) are known to everyone in the county;
- a county-scoped caller knows every account of its county;
- a township-scoped caller knows its township's accounts and those of its villages;
- a village's accounts know their township's accounts and their village's;
- a partner unit's accounts know their unit's.
Anyone else's name (another township, an unknown user name) is simply left out of the answer.
"""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.divisions.models import Division
from cunzhi.kit.codes import DivisionLevel
from cunzhi.kit.principal import Principal
from cunzhi.partners.models import PartnerUnit
from cunzhi.users.schemas import PeopleNames, PersonName
from cunzhi.villages.models import Village


async def _known(session: AsyncSession, p: Principal) -> ColumnElement[bool]:
    """Which accounts the caller may know by name."""
    if p.division_code:
        if p.division_level == DivisionLevel.county.value:
            county = p.division_code
            townships = select(Division.code).where(Division.parent_code == county)
            return (
                (User.division_code == county)
                | User.division_code.in_(townships)
                | User.village_id.in_(select(Village.id).where(Village.county_code == county))
                | User.partner_unit_id.in_(select(PartnerUnit.id).where(PartnerUnit.county_code == county))
            )
        county_code = (
            await session.execute(select(Division.parent_code).where(Division.code == p.division_code))
        ).scalar_one_or_none()
        township = p.division_code
        return (
            (User.division_code == county_code)
            | (User.division_code == township)
            | User.village_id.in_(select(Village.id).where(Village.township_code == township))
        )
    if p.village_id:
        row = (
            await session.execute(select(Village.township_code, Village.county_code).where(Village.id == p.village_id))
        ).first()
        if row is None:
            return false()
        return (
            (User.division_code == row.county_code)
            | (User.division_code == row.township_code)
            | (User.village_id == p.village_id)
        )
    if p.partner_unit_id:
        county_code = (
            await session.execute(select(PartnerUnit.county_code).where(PartnerUnit.id == p.partner_unit_id))
        ).scalar_one_or_none()
        return (User.division_code == county_code) | (User.partner_unit_id == p.partner_unit_id)
    return false()


async def names(session: AsyncSession, p: Principal, usernames: Sequence[str]) -> PeopleNames:
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return PeopleNames(items=[])
    rows = (
        await session.execute(
            select(User.username, User.display_name)
            .where(User.username.in_(wanted), await _known(session, p))
            .order_by(User.username)
        )
    ).all()
    return PeopleNames(items=[PersonName(username=r.username, display_name=r.display_name) for r in rows])
