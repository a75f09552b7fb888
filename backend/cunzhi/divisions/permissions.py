"""Who may change the administrative tree. Keyed by `Role`; checked with `kit.permissions`
(scope apart: a county admin changes its own county only)."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import roles


class DivisionAction(StrEnum):
    import_tree = "import_tree"  # load townships and villages from a file of codes
    add = "add"  # add a township
    rename = "rename"


DIVISIONS: dict[DivisionAction, frozenset[Role]] = {
    DivisionAction.import_tree: roles(Role.county_admin),
    DivisionAction.add: roles(Role.county_admin),
    DivisionAction.rename: roles(Role.county_admin),
}
