"""Who may do what with the discipline-case register. Keyed by `Role`; checked with
`kit.permissions` inside the service.

The discipline committees (the county's 县纪委 and the townships' 乡镇纪工委: role
`discipline_inspector`, scoped to their county or township) keep the register and alone see the
person's name. The organisation department (county admin), township officials and township
systems read the cases and the yearly counts without names. Village accounts, partner units and
the township agency do not read the register. Scope is checked apart: a case out of scope is not
found."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal


class CaseAction(StrEnum):
    read = "read"
    read_names = "read_names"  # the person's name
    create = "create"
    edit = "edit"


_COMMITTEE = roles(Role.discipline_inspector)
CASES: dict[CaseAction, frozenset[Role]] = {
    CaseAction.read: roles(Role.discipline_inspector, Role.county_admin, Role.township_official, Role.api_client),
    CaseAction.read_names: _COMMITTEE,
    CaseAction.create: _COMMITTEE,
    CaseAction.edit: _COMMITTEE,
}


def case_actions(p: Principal) -> list[str]:
    return [a.value for a in allowed(p, CASES, [CaseAction.edit])]


def register_actions(p: Principal) -> list[str]:
    return [a.value for a in allowed(p, CASES, [CaseAction.create, CaseAction.read_names])]
