"""Account creation from the command line, for the first county_admin and for operators."""

from sqlalchemy import select

from cunzhi.divisions.models import Division
from cunzhi.kit.codes import Role
from cunzhi.kit.errors import NotFound
from cunzhi.kit.principal import Principal
from cunzhi.kit.uow import unit_of_work
from cunzhi.partners.models import PartnerUnit
from cunzhi.users import service
from cunzhi.users.schemas import UserCreate
from cunzhi.villages.models import Village


async def create_user_from_cli(*, username: str, role: str, scope: str | None, password: str,
                               display_name: str, phone: str | None) -> service.UserView:
    async with unit_of_work() as session:
        fields: dict[str, str] = {}
        county: str | None = None
        if scope and scope.isdigit() and len(scope) == 12:
            division = (await session.execute(select(Division).where(Division.code == scope))).scalar_one_or_none()
            if division is not None:
                fields["division_code"] = scope
                county = division.code if division.level == "county" else division.parent_code
            else:
                village = (await session.execute(select(Village).where(Village.code == scope))).scalar_one_or_none()
                if village is None:
                    raise NotFound(f"No division or village with code {scope}")
                fields["village_code"] = scope
                county = village.county_code
        elif scope:
            unit = (await session.execute(select(PartnerUnit).where(PartnerUnit.code == scope))).scalar_one_or_none()
            if unit is None:
                raise NotFound(f"No partner unit with code {scope}")
            fields["partner_unit_code"] = scope
            county = unit.county_code
        data = UserCreate(username=username, password=password, display_name=display_name, phone=phone,
                          role=Role(role) if role in Role.__members__ else role, **fields)
        operator = Principal(kind="system", id=0, name="cli", role=Role.county_admin, division_code=county,
                             division_level="county")
        return await service.create_user(session, operator, data)
