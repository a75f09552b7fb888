"""Who may do what with disclosures. Keyed by `Role`; checked with `kit.permissions` inside the service.

The county (its administrator) keeps the template; the township (its officials, and the discipline inspectors) opens
rounds, fixes the items, inspects, locks and records corrections; the village committee publishes and
uploads files; the supervision committee reviews. Scope is checked apart: out of scope is not found."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import roles


class DisclosureAction(StrEnum):
    edit_template = "edit_template"
    manage_round = "manage_round"  # open, set publish-by, fix items
    publish = "publish"
    upload = "upload"
    review = "review"
    inspect = "inspect"
    lock = "lock"
    correct = "correct"


_TOWNSHIP = roles(Role.township_official, Role.discipline_inspector)
DISCLOSURES: dict[DisclosureAction, frozenset[Role]] = {
    DisclosureAction.edit_template: roles(Role.county_admin),
    DisclosureAction.manage_round: _TOWNSHIP,
    DisclosureAction.publish: roles(Role.village_committee),
    DisclosureAction.upload: roles(Role.village_committee),
    DisclosureAction.review: roles(Role.supervision_committee),
    DisclosureAction.inspect: _TOWNSHIP,
    DisclosureAction.lock: _TOWNSHIP,
    DisclosureAction.correct: _TOWNSHIP,
}
