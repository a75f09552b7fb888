"""Enum values the API uses (domain.md, "Codes"). Kept as plain str enums so the contract lists them."""

from enum import StrEnum


class Role(StrEnum):
    county_admin = "county_admin"
    discipline_inspector = "discipline_inspector"
    township_official = "township_official"
    township_agency = "township_agency"
    partner_unit = "partner_unit"
    cadre = "cadre"
    village_committee = "village_committee"
    supervision_committee = "supervision_committee"
    api_client = "api_client"


class DivisionLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"


class RectificationStatus(StrEnum):
    normal = "normal"
    weak = "weak"
    rectifying = "rectifying"
    accepted = "accepted"


class ProblemCategory(StrEnum):
    no_fit_secretary = "no_fit_secretary"
    weak_economy = "weak_economy"
    poor_public_order = "poor_public_order"
    many_petitions = "many_petitions"
    irregular_activity = "irregular_activity"
    weak_branch = "weak_branch"
    specialty_farming = "specialty_farming"


# Roles whose scope is a division (county or township).
DIVISION_ROLES = frozenset(
    {Role.county_admin, Role.discipline_inspector, Role.township_official, Role.township_agency, Role.api_client}
)
# Roles whose scope is one village.
VILLAGE_ROLES = frozenset({Role.cadre, Role.village_committee, Role.supervision_committee})


def sql_in(values: type[StrEnum]) -> str:
    """`'a', 'b'` for CHECK constraints."""
    return ", ".join(f"'{v.value}'" for v in values)
