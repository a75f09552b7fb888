"""Who may do what with tasks. Keyed by `Role`; checked with `kit.permissions` inside the service.

The county keeps the catalogue; the county and townships give, edit, import, accept and return tasks
(a township only those it gave: the assigning level accepts); those responsible in the village post
progress. Scope is checked apart: a task out of scope is not found."""

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
    """The level that gave a task accepts or returns it; the county may judge every task."""
    return assigning_level(p) == "county" or assigned_level == "township"


def task_actions(p: Principal, *, status: str, assigned_level: str) -> list[str]:
    """The table crossed with what the task's status permits."""
    candidates: list[TaskAction] = []
    if status in EDITABLE:
        candidates += [TaskAction.edit, TaskAction.report]
    if TASK_MACHINE.allows(status, TaskEvent.accept) and may_judge(p, assigned_level):
        candidates += [TaskAction.accept, TaskAction.send_back]
    return [a.value for a in allowed(p, TASKS, candidates)]
