"""Who may manage stationed cadres and who does fieldwork. Keyed by `Role`; checked with `kit.permissions`.

Desk work is the county organisation department's, in a county it sees (`kit.scope.sees_county`);
check-ins and work logs are the stationed cadre's own. Flagged check-ins are reviewed by the county
and by the township officials of the village (scope: the check-in's village is in theirs). Oversight
findings are followed up by the county and the village's township; those of the discipline kind by
the discipline inspector of the village's township (or county) as well."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import sees_county


class CadreAction(StrEnum):
    edit_settings = "edit_settings"
    add_cadre = "add_cadre"
    edit_cadre = "edit_cadre"
    post = "post"
    end_posting = "end_posting"
    propose = "propose"
    confirm = "confirm"
    fieldwork = "fieldwork"  # check in, keep the work log, add photos to one's own entries
    review_checkin = "review_checkin"  # accept or reject a flagged check-in
    sync = "sync"  # bulk upserts of the cadres a township system keeps
    follow_up = "follow_up"  # move an oversight finding open -> following_up
    resolve = "resolve"  # move an oversight finding following_up -> resolved


_DESK = roles(Role.county_admin)
CADRES: dict[CadreAction, frozenset[Role]] = {
    **{a: _DESK for a in CadreAction if a not in (CadreAction.fieldwork, CadreAction.review_checkin,
                                                 CadreAction.sync, CadreAction.follow_up, CadreAction.resolve)},
    CadreAction.follow_up: roles(Role.county_admin, Role.township_official),
    CadreAction.resolve: roles(Role.county_admin, Role.township_official),
    CadreAction.sync: roles(Role.api_client),
    CadreAction.fieldwork: roles(Role.cadre),
    CadreAction.review_checkin: roles(Role.county_admin, Role.township_official),
}


def cadre_actions(p: Principal, *, county_code: str, active: bool) -> list[str]:
    """The desk edits a cadre of a county it sees, and posts an active one."""
    if not sees_county(p, county_code):
        return []
    candidates = [CadreAction.edit_cadre] + ([CadreAction.post] if active else [])
    return [a.value for a in allowed(p, CADRES, candidates)]


def posting_actions(p: Principal, *, county_code: str, open_: bool) -> list[str]:
    """A posting not ended yet and not over may be ended."""
    if not open_ or not sees_county(p, county_code):
        return []
    return [a.value for a in allowed(p, CADRES, [CadreAction.end_posting])]


def proposal_actions(p: Principal, *, county_code: str, open_: bool, stale: bool) -> list[str]:
    """While a proposal is open the desk may run it again (a new proposal from today) and confirm it,
    the latter only while it still matches today's inputs."""
    if not open_ or not sees_county(p, county_code):
        return []
    candidates = [CadreAction.propose] + ([CadreAction.confirm] if not stale else [])
    return [a.value for a in allowed(p, CADRES, candidates)]


def checkin_actions(p: Principal, *, flagged: bool, reviewed: bool) -> list[str]:
    """A flagged check-in not reviewed yet may be reviewed (the caller already reads its village)."""
    if not flagged or reviewed:
        return []
    return [a.value for a in allowed(p, CADRES, [CadreAction.review_checkin])]


FINDING_MOVES = {"open": ("following_up", CadreAction.follow_up), "following_up": ("resolved", CadreAction.resolve)}
# Who moves a finding, by its kind: discipline problems are the discipline inspector's business too.
FINDING_MOVERS: dict[str, frozenset[Role]] = {
    "policy": CADRES[CadreAction.follow_up],
    "discipline": CADRES[CadreAction.follow_up] | roles(Role.discipline_inspector),
}


def may_move_finding(p: Principal, *, kind: str) -> bool:
    """Whether `p` moves findings of `kind` (the caller already reads the finding's village)."""
    return p.role in FINDING_MOVERS[kind]


def finding_actions(p: Principal, *, state: str, kind: str) -> list[str]:
    """The one move a finding's state allows next (the caller already reads its village)."""
    move = FINDING_MOVES.get(state)
    if move is None or not may_move_finding(p, kind=kind):
        return []
    return [move[1].value]
