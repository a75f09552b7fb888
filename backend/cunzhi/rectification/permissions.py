"""Who may do what in screening and rectification. Keyed by `Role`; checked with `kit.permissions`.

Two desks: the county organisation department keeps the criteria, opens, confirms and closes
rounds and accepts or returns cases; it and the township officials score, propose, and work cases
(problems, measures, notes, submitting for acceptance). Scope is checked apart (404 outside it)."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal
from cunzhi.rectification.states import CASE, ROUND, CaseStatus


class RectAction(StrEnum):
    county_desk = "county_desk"  # criteria, opening rounds
    write = "write"  # scores, proposals of a township
    # a round's buttons
    confirm = "confirm"
    close = "close"
    # a case's buttons
    add_measure = "add_measure"
    add_problem = "add_problem"
    add_note = "add_note"
    submit = "submit"
    accept = "accept"
    accept_override = "accept_override"  # without the township's hand-in, with a reason
    return_ = "return"


COUNTY = roles(Role.county_admin)
WRITERS = roles(Role.county_admin, Role.township_official)

RECT: dict[RectAction, frozenset[Role]] = {
    RectAction.county_desk: COUNTY,
    RectAction.write: WRITERS,
    RectAction.confirm: COUNTY,
    RectAction.close: COUNTY,
    RectAction.add_measure: WRITERS,
    RectAction.add_problem: WRITERS,
    RectAction.add_note: WRITERS,
    RectAction.submit: WRITERS,
    RectAction.accept: COUNTY,
    RectAction.accept_override: COUNTY,
    RectAction.return_: COUNTY,
}


def round_actions(p: Principal, status: str) -> list[str]:
    """Of the round's open events, the ones taken by hand (scoring and proposing move it on their own)."""
    return [a.value for a in allowed(p, RECT, [RectAction(e.value) for e in ROUND.actions(status)
                                               if e.value in (RectAction.confirm, RectAction.close)])]


def case_actions(p: Principal, status: str, *, open_measures: int) -> list[str]:
    """Work is added while the case is open or rectifying, notes until it is accepted; it is submitted
    and accepted only when no measure is open."""
    candidates: list[RectAction] = []
    if status in (CaseStatus.open, CaseStatus.rectifying):
        candidates += [RectAction.add_measure, RectAction.add_problem]
    if status != CaseStatus.accepted:
        candidates.append(RectAction.add_note)
    if CASE.can(status, RectAction.submit) and open_measures == 0:
        candidates.append(RectAction.submit)
    if CASE.can(status, RectAction.accept) and open_measures == 0:
        # Without the township's hand-in the county overrides, with a reason.
        candidates.append(RectAction.accept if status == CaseStatus.submitted else RectAction.accept_override)
    if CASE.can(status, RectAction.return_):
        candidates.append(RectAction.return_)
    return [a.value for a in allowed(p, RECT, candidates)]

