"""Who may do what with tasks. Keyed by `Role`; checked with `kit.permissions` inside the service.

The county keeps the catalogue; the county and townships give, edit, import, accept and return tasks
(a township only those it gave: the assigning level edits, accepts and returns them, `may_judge`);
only the task's responsible party posts progress: the village committee of that village for a
committee's task, the users of the partner unit named on the task, or the cadre assigned to it
(`is_responsible`). Scope is checked apart: a task out of scope is not found."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import DivisionLevel, Role
from cunzhi.kit.permissions import allowed, roles
from cunzhi.kit.principal import Principal
from cunzhi.tasks.rules import EDITABLE, TASK_MACHINE, TaskEvent


class TaskAction(StrEnum):
    edit_catalogue = "edit_catalogue"
    create = "create"
    edit = "edit"
    import_ = "import"
    report = "report"  # post a progress update with evidence
    accept = "accept"
    send_back = "send_back"
    sync = "sync"  # bulk upserts of the tasks a township system gives


_ASSIGNERS = roles(Role.county_admin, Role.township_official)
TASKS: dict[TaskAction, frozenset[Role]] = {
    TaskAction.edit_catalogue: roles(Role.county_admin),
    TaskAction.create: _ASSIGNERS,
    TaskAction.edit: _ASSIGNERS,
    TaskAction.import_: _ASSIGNERS,
    TaskAction.report: roles(Role.cadre, Role.village_committee, Role.partner_unit),
    TaskAction.accept: _ASSIGNERS,
    TaskAction.send_back: _ASSIGNERS,
    TaskAction.sync: roles(Role.api_client),
}


def assigning_level(p: Principal) -> str:
    return "county" if p.division_level in (DivisionLevel.county, DivisionLevel.city,
                                            DivisionLevel.province) else "township"


def may_judge(p: Principal, assigned_level: str) -> bool:
    """The level that gave a task edits, accepts or returns it; the county may do so with every task."""
    return assigning_level(p) == "county" or assigned_level == "township"


def is_responsible(p: Principal, *, responsible_kind: str, village_id: int, partner_unit_id: int | None,
                   cadre_id: int | None, my_cadre_id: int | None) -> bool:
    """Whether `p` is the party the task names as responsible (the role table is checked apart)."""
    if p.kind != "user":
        return False
    if responsible_kind == "village_committee":
        return p.role == Role.village_committee and p.village_id == village_id
    if responsible_kind == "partner_unit":
        return p.role == Role.partner_unit and partner_unit_id is not None and p.partner_unit_id == partner_unit_id
    if responsible_kind == "cadre":
        return p.role == Role.cadre and cadre_id is not None and my_cadre_id == cadre_id
    return False


def task_actions(p: Principal, *, status: str, assigned_level: str, responsible: bool) -> list[str]:
    """The table crossed with what the task's status permits; `report` only for the responsible party."""
    candidates: list[TaskAction] = []
    if status in EDITABLE:
        candidates += ([TaskAction.edit] if may_judge(p, assigned_level) else []) + (
            [TaskAction.report] if responsible else [])
    if TASK_MACHINE.allows(status, TaskEvent.accept) and may_judge(p, assigned_level):
        candidates += [TaskAction.accept, TaskAction.send_back]
    return [a.value for a in allowed(p, TASKS, candidates)]
