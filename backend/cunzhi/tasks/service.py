"""The rules of tasks for village cadres: the county's catalogue, tasks in scope, progress updates
with evidence, acceptance and return, and the append-only history. Services flush, never commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, undefer

from cunzhi.cadres.models import Cadre, Posting
from cunzhi.divisions.models import Division
from cunzhi.kit import audit, bulk, clock, events
from cunzhi.kit.codes import Role
from cunzhi.kit.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from cunzhi.kit.etag import expected_version
from cunzhi.kit.permissions import allowed, require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import active_pairings_on, lock_county, managed_county, readable_county, village_clause
from cunzhi.kit.uploads import sniff_image
from cunzhi.partners.models import Pairing, PartnerUnit
from cunzhi.tasks import rules
from cunzhi.tasks.models import Task, TaskHistory, TaskItem, TaskPhoto, TaskUnit
from cunzhi.tasks.permissions import TASKS, TaskAction, assigning_level, is_responsible, may_judge, task_actions
from cunzhi.tasks.rules import PENDING, TASK_MACHINE, Responsible, TaskEvent, TaskStatus
from cunzhi.tasks.schemas import (
    ItemIn,
    ItemPatch,
    JudgeIn,
    ProgressIn,
    SendBackIn,
    TaskCreate,
    TaskPatch,
    TaskUpsert,
    UnitIn,
    UnitPatch,
)
from cunzhi.villages.models import Village

ENTITY = "task"
MAX_PHOTOS = 6


class PhotoTooLarge(DomainError):
    status, code, title = 413, "photo_too_large", "The photo is larger than allowed"


class PhotoTypeRefused(Unprocessable):
    code, title = "photo_type_refused", "Only JPEG, PNG or WebP photos are accepted"


def photo_limit() -> int:
    from cunzhi.cadres.fieldwork import photo_limit as cadre_photo_limit

    return cadre_photo_limit()


def field_error(loc: str, msg: str, code: str) -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", loc], "msg": msg, "type": "value_error"}])


# ---- catalogue ------------------------------------------------------------------------------

# ---- what the reads return (the router shapes them) --------------------------------------------

@dataclass(frozen=True)
class CatalogueView:
    county_code: str
    items: Sequence[TaskItem]
    units: Sequence[TaskUnit]
    allowed_actions: list[str]


@dataclass(frozen=True)
class TaskView:
    """A task with the names it shows and what the caller may do with it."""

    task: Task
    village_code: str
    village_name: str
    township_code: str
    township_name: str
    item_code: str
    item_name: str
    category: str
    unit_name: str | None
    partner_unit_name: str | None
    cadre_name: str | None
    allowed_actions: list[str]


@dataclass(frozen=True)
class HistoryView:
    entry: TaskHistory
    photos: list[TaskPhoto]


@dataclass(frozen=True)
class TaskDetailView:
    task: TaskView
    history: list[HistoryView]


async def get_catalogue(session: AsyncSession, p: Principal, county_code: str | None) -> CatalogueView:
    county = await readable_county(session, p, county_code, via_village=True)
    items = (await session.execute(select(TaskItem).where(TaskItem.county_code == county)
                                   .order_by(TaskItem.category, TaskItem.sort, TaskItem.id))).scalars().all()
    units = (await session.execute(select(TaskUnit).where(TaskUnit.county_code == county)
                                   .order_by(TaskUnit.id))).scalars().all()
    return CatalogueView(county_code=county, items=items, units=units,
                         allowed_actions=[a.value for a in allowed(p, TASKS, [TaskAction.edit_catalogue])])


async def _catalogue_county(session: AsyncSession, p: Principal, county_code: str | None) -> str:
    require(p, TASKS, TaskAction.edit_catalogue, what="edit the task catalogue")
    return await managed_county(session, p, county_code)


async def _unit_codes(session: AsyncSession, county: str) -> set[str]:
    return set((await session.execute(select(TaskUnit.code).where(
        TaskUnit.county_code == county, TaskUnit.active))).scalars())


async def create_item(session: AsyncSession, p: Principal, county_code: str | None, data: ItemIn) -> TaskItem:
    county = await _catalogue_county(session, p, county_code)
    if data.default_unit is not None and data.default_unit not in await _unit_codes(session, county):
        raise field_error("default_unit", "not a unit of the catalogue", "unknown_unit")
    item = TaskItem(county_code=county, updated_by=p.name, **data.model_dump())
    try:
        async with session.begin_nested():
            session.add(item)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"The catalogue already has an item {data.code}", code="item_code_taken") from None
    await audit.record(session, p, "task_item.create", "task_item", item.id, after=audit.snapshot(item))
    return item


async def update_item(session: AsyncSession, p: Principal, item_id: int, data: ItemPatch,
                      if_match: str | None) -> TaskItem:
    require(p, TASKS, TaskAction.edit_catalogue, what="edit the task catalogue")
    item = (await session.execute(select(TaskItem).where(TaskItem.id == item_id).with_for_update())).scalar_one_or_none()
    if item is None:
        raise NotFound("Item not found", code="item_not_found")
    await managed_county(session, p, item.county_code)
    expected_version(if_match, item.version)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("default_unit") and changes["default_unit"] not in await _unit_codes(session, item.county_code):
        raise field_error("default_unit", "not a unit of the catalogue", "unknown_unit")
    for key in ("name", "sort", "active"):
        if key in changes and changes[key] is None:
            raise field_error(key, "may not be null", "validation_error")
    before = audit.snapshot(item)
    for key, value in changes.items():
        setattr(item, key, value)
    item.updated_by = p.name
    await session.flush()
    await audit.record(session, p, "task_item.update", "task_item", item.id, before=before, after=audit.snapshot(item))
    return item


async def _check_unit_name(session: AsyncSession, county: str, name: str, unit_id: int | None) -> None:
    """An import names a unit by its code or its name: no two units of the county may answer to one word."""
    clash = (await session.execute(select(TaskUnit.id).where(
        TaskUnit.county_code == county, or_(TaskUnit.name == name, TaskUnit.code == name),
        TaskUnit.id != (unit_id or 0)).limit(1))).scalar()
    if clash is not None:
        raise Conflict(f"Another unit of the catalogue is called {name}", code="unit_name_taken")


async def create_unit(session: AsyncSession, p: Principal, county_code: str | None, data: UnitIn) -> TaskUnit:
    county = await _catalogue_county(session, p, county_code)
    await lock_county(session, "task_units:", county)
    if (await session.execute(select(TaskUnit.id).where(TaskUnit.county_code == county,
                                                        TaskUnit.code == data.code))).scalar() is not None:
        raise Conflict(f"The catalogue already has a unit {data.code}", code="unit_code_taken")
    await _check_unit_name(session, county, data.name, None)
    unit = TaskUnit(county_code=county, **data.model_dump())
    try:
        async with session.begin_nested():
            session.add(unit)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"The catalogue already has a unit {data.code}", code="unit_code_taken") from None
    await audit.record(session, p, "task_unit.create", "task_unit", unit.id, after=audit.snapshot(unit))
    return unit


async def update_unit(session: AsyncSession, p: Principal, unit_id: int, data: UnitPatch,
                      if_match: str | None) -> TaskUnit:
    """Rename or retire a unit (audited). Tasks keep the unit's code, so a rename shows on them at once;
    a retired unit is refused for new tasks, edits that pick it and imports, while the tasks already
    counted in it keep it (and may be edited otherwise)."""
    require(p, TASKS, TaskAction.edit_catalogue, what="edit the task catalogue")
    unit = (await session.execute(select(TaskUnit).where(TaskUnit.id == unit_id).with_for_update())
            ).scalar_one_or_none()
    if unit is None:
        raise NotFound("Unit not found", code="unit_not_found")
    await managed_county(session, p, unit.county_code)
    expected_version(if_match, unit.version)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "active"):
        if key in changes and changes[key] is None:
            raise field_error(key, "may not be null", "validation_error")
    if "name" in changes and changes["name"] != unit.name:
        await lock_county(session, "task_units:", unit.county_code)
        await _check_unit_name(session, unit.county_code, changes["name"], unit.id)
    before = audit.snapshot(unit)
    for key, value in changes.items():
        setattr(unit, key, value)
    if not changes:
        return unit
    await session.flush()
    action = "task_unit.retire" if before["active"] and not unit.active else "task_unit.update"
    await audit.record(session, p, action, "task_unit", unit.id, before=before, after=audit.snapshot(unit))
    return unit


# ---- reading tasks --------------------------------------------------------------------------

Township = aliased(Division)


def _task_query() -> Any:
    return (select(Task, Village.code, Village.name, Village.township_code, Township.name, TaskItem.code,
                   TaskItem.name, TaskItem.category, TaskUnit.name, PartnerUnit.name, Cadre.name)
            .join(Village, Village.id == Task.village_id)
            .join(Township, Township.code == Village.township_code)
            .join(TaskItem, TaskItem.id == Task.item_id)
            .outerjoin(TaskUnit, and_(TaskUnit.county_code == Task.county_code, TaskUnit.code == Task.unit))
            .outerjoin(PartnerUnit, PartnerUnit.id == Task.partner_unit_id)
            .outerjoin(Cadre, Cadre.id == Task.cadre_id))


async def my_cadre_id(session: AsyncSession, p: Principal) -> int | None:
    """The cadre record of a cadre's account (tasks name cadres, accounts are users)."""
    if p.kind != "user" or p.role != Role.cadre:
        return None
    return (await session.execute(select(Cadre.id).where(Cadre.user_id == p.id))).scalar_one_or_none()


def _responsible(p: Principal, t: Task, my_cadre: int | None) -> bool:
    return is_responsible(p, responsible_kind=t.responsible_kind, village_id=t.village_id,
                          partner_unit_id=t.partner_unit_id, cadre_id=t.cadre_id, my_cadre_id=my_cadre)


def _task_view(row: Any, p: Principal, my_cadre: int | None) -> TaskView:
    t: Task = row[0]
    vcode, vname, tcode, tname, icode, iname, category, uname, pname, cname = row[1:]
    return TaskView(t, vcode, vname, tcode, tname, icode, iname, category, uname, pname, cname,
                    task_actions(p, status=t.status, assigned_level=t.assigned_level,
                                 responsible=_responsible(p, t, my_cadre)))


@dataclass
class TaskFilter:
    village_code: str | None = None
    township_code: str | None = None
    category: str | None = None
    item_id: int | None = None
    status: str | None = None
    responsible_kind: str | None = None
    partner_unit_id: int | None = None
    cadre_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    q: str | None = None
    pending: bool = False


def _filters(f: TaskFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.village_code:
        where.append(Village.code == f.village_code)
    if f.township_code:
        where.append(Village.township_code == f.township_code)
    if f.category:
        where.append(TaskItem.category == f.category)
    if f.item_id:
        where.append(Task.item_id == f.item_id)
    if f.status:
        where.append(Task.status == f.status)
    if f.pending:
        where.append(Task.status.in_(PENDING))
    if f.responsible_kind:
        where.append(Task.responsible_kind == f.responsible_kind)
    if f.partner_unit_id:
        where.append(Task.partner_unit_id == f.partner_unit_id)
    if f.cadre_id:
        where.append(Task.cadre_id == f.cadre_id)
    if f.due_from:
        where.append(Task.due_date >= f.due_from)
    if f.due_to:
        where.append(Task.due_date <= f.due_to)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(Task.title.ilike(like), Village.name.ilike(like)))
    return where


async def list_tasks(session: AsyncSession, p: Principal, f: TaskFilter, *, limit: int,
                     offset: int) -> tuple[list[TaskView], int]:
    where = [village_clause(p), *_filters(f)]
    total = (await session.execute(
        select(func.count()).select_from(Task).join(Village, Village.id == Task.village_id)
        .join(TaskItem, TaskItem.id == Task.item_id).where(*where))).scalar_one()
    rows = (await session.execute(_task_query().where(*where).order_by(Task.due_date, Task.id)
                                  .limit(limit).offset(offset))).all()
    me = await my_cadre_id(session, p)
    return [_task_view(r, p, me) for r in rows], int(total)


async def all_tasks(session: AsyncSession, p: Principal, f: TaskFilter, cap: int = 50_000) -> list[Any]:
    return list((await session.execute(_task_query().where(village_clause(p), *_filters(f))
                                       .order_by(Village.code, Task.due_date, Task.id).limit(cap))).all())


async def _locked_task(session: AsyncSession, p: Principal, task_id: int) -> Task:
    """The task in `p`'s scope, locked for the change (so two changes read one after the other)."""
    task = (await session.execute(
        select(Task).join(Village, Village.id == Task.village_id)
        .where(Task.id == task_id, village_clause(p)).with_for_update(of=Task))).scalar_one_or_none()
    if task is None:
        raise NotFound("Task not found", code="task_not_found")
    return task


async def _read_task(session: AsyncSession, p: Principal, task_id: int) -> TaskView:
    row = (await session.execute(_task_query().where(Task.id == task_id, village_clause(p)))).first()
    if row is None:
        raise NotFound("Task not found", code="task_not_found")
    return _task_view(row, p, await my_cadre_id(session, p))


async def _photos_of(session: AsyncSession, history_ids: list[int]) -> dict[int, list[TaskPhoto]]:
    out: dict[int, list[TaskPhoto]] = {i: [] for i in history_ids}
    if history_ids:
        for ph in (await session.execute(select(TaskPhoto).where(TaskPhoto.history_id.in_(history_ids))
                                         .order_by(TaskPhoto.id))).scalars():
            out[ph.history_id].append(ph)
    return out


async def get_task(session: AsyncSession, p: Principal, task_id: int) -> TaskDetailView:
    view = await _read_task(session, p, task_id)
    history = (await session.execute(select(TaskHistory).where(TaskHistory.task_id == task_id)
                                     .order_by(TaskHistory.id))).scalars().all()
    photos = await _photos_of(session, [h.id for h in history])
    return TaskDetailView(view, [HistoryView(h, photos[h.id]) for h in history])


# ---- giving and editing tasks ---------------------------------------------------------------

async def _check_refs(session: AsyncSession, county: str, village: Village, *, item_id: int | None, unit: str | None,
                      kind: str | None, partner_unit_id: int | None = None, cadre_id: int | None = None) -> None:
    """The catalogue entries and the responsible party a task names. `None` for `item_id`, `unit` or
    `kind`: not checked (an edit checks only what it changes)."""
    if item_id is not None:
        item = (await session.execute(select(TaskItem).where(TaskItem.id == item_id))).scalar_one_or_none()
        if item is None or item.county_code != county or not item.active:
            raise field_error("item_id", "not an active item of the county's catalogue", "unknown_item")
    if unit is not None and unit not in await _unit_codes(session, county):
        raise field_error("unit", "not an active unit of the county's catalogue", "unknown_unit")
    if kind is not None:
        await _check_responsible(session, county, village, kind, partner_unit_id, cadre_id)


def posted_on(day: date) -> ColumnElement[bool]:
    """Postings in force on `day` (as cadres.service.active_on)."""
    return (Posting.start_date <= day) & or_(Posting.end_date.is_(None), Posting.end_date >= day)


async def _check_responsible(session: AsyncSession, county: str, village: Village, kind: str,
                             partner_unit_id: int | None, cadre_id: int | None) -> None:
    """The party named must belong to the village: a partner unit paired with it today, a cadre posted
    there today (the committee is always the village's own). Checked when a task is given and whenever
    an edit (or a bulk upsert, or an import) names its party.

    A pairing or posting that ends later does not touch the task: it stays in the village's list with
    the party it names, its history intact, and the assigning level gives it to someone else by an
    edit naming a party of the village. Until then the former party no longer sees it (its scope
    follows the pairing or posting), so it posts no more progress."""
    day = clock.local_today()
    if kind == Responsible.partner_unit:
        if partner_unit_id is None or cadre_id is not None:
            raise field_error("partner_unit_id", "a partner unit is responsible: name it (and no cadre)",
                              "responsible_invalid")
        ok = (await session.execute(select(PartnerUnit.id).where(
            PartnerUnit.id == partner_unit_id, PartnerUnit.county_code == county))).scalar()
        if ok is None:
            raise field_error("partner_unit_id", "no such partner unit in the county", "unknown_partner_unit")
        paired = (await session.execute(select(Pairing.id).where(
            Pairing.partner_unit_id == partner_unit_id, Pairing.village_id == village.id,
            active_pairings_on(day)).limit(1))).scalar()
        if paired is None:
            raise field_error("partner_unit_id", f"the partner unit is not paired with village {village.code} now",
                              "partner_unit_not_paired")
    elif kind == Responsible.cadre:
        if cadre_id is None or partner_unit_id is not None:
            raise field_error("cadre_id", "a cadre is responsible: name the cadre (and no partner unit)",
                              "responsible_invalid")
        ok = (await session.execute(select(Cadre.id).where(Cadre.id == cadre_id, Cadre.county_code == county,
                                                           Cadre.active))).scalar()
        if ok is None:
            raise field_error("cadre_id", "no such active cadre in the county", "unknown_cadre")
        posted = (await session.execute(select(Posting.id).where(
            Posting.cadre_id == cadre_id, Posting.village_id == village.id, posted_on(day)).limit(1))).scalar()
        if posted is None:
            raise field_error("cadre_id", f"the cadre is not posted to village {village.code} now", "cadre_not_posted")
    elif partner_unit_id is not None or cadre_id is not None:
        raise field_error("responsible_kind", "the village committee is responsible: name no unit or cadre",
                          "responsible_invalid")


def _check_due(due: date) -> None:
    if due < clock.local_today():
        raise field_error("due_date", "the due date has passed", "due_date_past")


async def _scoped_village(session: AsyncSession, p: Principal, code: str) -> Village:
    v = (await session.execute(select(Village).where(Village.code == code, village_clause(p)))).scalar_one_or_none()
    if v is None:
        raise NotFound(f"Village {code} not found", code="village_not_found")
    return v


def _history(task: Task, kind: str, before: str | None, p: Principal | None, **kw: Any) -> TaskHistory:
    return TaskHistory(task_id=task.id, kind=kind, status_before=before, status_after=task.status,
                       actor=p.name if p else "system", user_id=p.id if p and p.kind == "user" else None,
                       at=kw.pop("at", None) or clock.now(), **kw)


async def create_task(session: AsyncSession, p: Principal, data: TaskCreate) -> TaskView:
    require(p, TASKS, TaskAction.create, what="give tasks")
    return await _insert_task(session, p, data)


async def _insert_task(session: AsyncSession, p: Principal, data: TaskCreate,
                       external: tuple[str, str] | None = None) -> TaskView:
    """Give a village in `p`'s scope a task (the role has been checked); `external`: the township and
    its system's id for the task."""
    village = await _scoped_village(session, p, data.village_code)
    await _check_refs(session, village.county_code, village, item_id=data.item_id, unit=data.unit,
                      kind=data.responsible_kind, partner_unit_id=data.partner_unit_id, cadre_id=data.cadre_id)
    _check_due(data.due_date)
    task = Task(county_code=village.county_code, village_id=village.id, item_id=data.item_id, title=data.title,
                duties=[d.value for d in data.duties], note=data.note, target=data.target, unit=data.unit,
                due_date=data.due_date, responsible_kind=data.responsible_kind.value,
                partner_unit_id=data.partner_unit_id, cadre_id=data.cadre_id, status=TaskStatus.planned.value,
                progress=Decimal("0"), assigned_level=assigning_level(p), assigned_by=p.name,
                import_key=await _key(session, village.code, data.item_id, data.title, data.due_date),
                external_source=external[0] if external else None, external_id=external[1] if external else None)
    await _add_task(session, task)
    await events.emit(session, p, "task.create", ENTITY, task.id, after=audit.snapshot(task),
                      trail=_history(task, "create", None, p))
    return await _read_task(session, p, task.id)


_EDITABLE_FIELDS = ("title", "duties", "note", "target", "unit", "due_date", "responsible_kind", "partner_unit_id",
                    "cadre_id")


async def update_task(session: AsyncSession, p: Principal, task_id: int, data: TaskPatch,
                      if_match: str | None) -> TaskView:
    task = await _locked_task(session, p, task_id)
    require(p, TASKS, TaskAction.edit, what="edit tasks")
    if not may_judge(p, task.assigned_level):
        raise Forbidden("The county gave this task: the county edits it", code="not_assigning_level")
    expected_version(if_match, task.version)
    # the values, not their JSON form
    return await _edit_task(session, p, task, {k: getattr(data, k) for k in data.model_fields_set})


async def _edit_task(session: AsyncSession, p: Principal, task: Task, changes: dict[str, Any]) -> TaskView:
    """Change a locked task (the role and the version have been checked)."""
    if task.status not in rules.EDITABLE:
        raise Conflict(f"A task that is {task.status} is not edited", code="task_not_editable",
                       extra={"state": task.status})
    for key in ("title", "target", "unit", "due_date", "responsible_kind", "duties"):
        if key in changes and changes[key] is None:
            raise field_error(key, "may not be null", "validation_error")
    if "responsible_kind" in changes:  # naming a new kind replaces the named unit or cadre
        changes.setdefault("partner_unit_id", None)
        changes.setdefault("cadre_id", None)
    merged = {k: changes.get(k, getattr(task, k)) for k in _EDITABLE_FIELDS}
    merged["duties"] = [str(d) for d in merged["duties"]]
    merged["responsible_kind"] = str(merged["responsible_kind"])
    village = (await session.execute(select(Village).where(Village.id == task.village_id))).scalar_one()
    # Only what the edit changes is checked: a task keeps a unit retired since, and a party whose
    # pairing or posting has ended since, until an edit names another (see _check_responsible).
    party = ("responsible_kind", "partner_unit_id", "cadre_id")
    party_changed = any(merged[k] != getattr(task, k) for k in party)
    await _check_refs(session, task.county_code, village, item_id=None,
                      unit=merged["unit"] if merged["unit"] != task.unit else None,
                      kind=merged["responsible_kind"] if party_changed else None,
                      partner_unit_id=merged["partner_unit_id"], cadre_id=merged["cadre_id"])
    if "due_date" in changes and merged["due_date"] != task.due_date:
        _check_due(merged["due_date"])
    if merged["target"] < task.progress:
        raise field_error("target", f"the target cannot be below the progress so far ({task.progress})",
                          "target_below_progress")
    before = audit.snapshot(task)
    diff = {k: [rules_json(getattr(task, k)), rules_json(v)] for k, v in merged.items() if getattr(task, k) != v}
    for key, value in merged.items():
        setattr(task, key, value)
    task.import_key = await _key(session, village.code, task.item_id, task.title, task.due_date)
    status_before = task.status
    if task.status == TaskStatus.overdue and task.due_date >= clock.local_today():
        task.status = TaskStatus.in_progress.value if task.progress > 0 else TaskStatus.planned.value
    await _add_task(session, task)
    await events.emit(session, p, "task.edit", ENTITY, task.id, before=before, after=audit.snapshot(task),
                      trail=_history(task, "edit", status_before, p, changes=diff))
    return await _read_task(session, p, task.id)


async def _key(session: AsyncSession, village_code: str, item_id: int, title: str, due: date) -> str:
    """The task's row key, as an import computes it: a file exported and imported again adds nothing."""
    code = (await session.execute(select(TaskItem.code).where(TaskItem.id == item_id))).scalar_one()
    return rules.row_key(village_code, code, title, due)


async def _add_task(session: AsyncSession, task: Task) -> None:
    try:
        async with session.begin_nested():
            session.add(task)
            await session.flush()
    except IntegrityError as exc:
        if "uq_tasks_import_key" in str(exc.orig):
            raise Conflict("The village already has this task (same item, title and due date)",
                           code="task_exists") from None
        raise


def rules_json(v: Any) -> Any:
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, date):
        return v.isoformat()
    return v


# ---- progress updates -----------------------------------------------------------------------

def progress_hash(data: ProgressIn) -> str:
    return hashlib.sha256(json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


async def _by_key(session: AsyncSession, user_id: int, key: str) -> TaskHistory | None:
    return (await session.execute(select(TaskHistory).where(
        TaskHistory.user_id == user_id, TaskHistory.client_key == key))).scalar_one_or_none()


async def _replay(session: AsyncSession, p: Principal, existing: TaskHistory, task_id: int,
                  digest: str) -> tuple[TaskView, HistoryView]:
    if existing.body_hash != digest or existing.task_id != task_id:
        raise Unprocessable("This Idempotency-Key was used with a different update", code="idempotency_key_reused")
    photos = await _photos_of(session, [existing.id])
    return await _read_task(session, p, task_id), HistoryView(existing, photos[existing.id])


async def post_progress(session: AsyncSession, p: Principal, task_id: int, data: ProgressIn,
                        key: str | None) -> tuple[TaskView, HistoryView, bool]:
    """(task, update, True) when recorded now; the stored update and False for a replay of the same key."""
    task = await _locked_task(session, p, task_id)
    require(p, TASKS, TaskAction.report, what="post progress")
    if not _responsible(p, task, await my_cadre_id(session, p)):
        raise Forbidden("Only the party responsible for this task posts its progress", code="not_responsible")
    digest = progress_hash(data)
    if key is not None and p.kind == "user" and (existing := await _by_key(session, p.id, key)) is not None:
        t, h = await _replay(session, p, existing, task_id, digest)
        return t, h, False
    if data.at is not None and data.at > clock.now():
        raise field_error("at", "written in the future", "client_time_future")
    if task.status not in rules.OPEN:
        raise Conflict(f"A task that is {task.status} takes no more updates", code="task_closed",
                       extra={"state": task.status})
    try:
        after = rules.check_progress(task.progress, data.amount, task.target)
    except rules.ProgressError as exc:
        raise field_error("amount", str(exc), exc.code) from None
    event = rules.progress_event(after, task.target)
    before = task.status
    task.status = TASK_MACHINE.next(task.status, event).value
    task.progress = after
    if task.status == TaskStatus.done:
        task.done_at = clock.now()
    await session.flush()
    trail = _history(task, event.value, before, p, amount=data.amount, progress_after=after, text=data.text,
                     client_key=key if p.kind == "user" else None, body_hash=digest, at=data.at)
    try:
        async with session.begin_nested():
            await events.emit(session, p, f"task.{event.value}", ENTITY, task.id, trail=trail,
                              after={"progress": after, "amount": data.amount, "status": task.status})
    except IntegrityError:  # the same key got in first (a twin request)
        if key is not None and (existing := await _by_key(session, p.id, key)) is not None:
            t, h = await _replay(session, p, existing, task_id, digest)
            return t, h, False
        raise
    return await _read_task(session, p, task.id), HistoryView(trail, []), True


async def add_photo(session: AsyncSession, p: Principal, task_id: int, history_id: int, content: bytes) -> TaskPhoto:
    task = await _locked_task(session, p, task_id)
    require(p, TASKS, TaskAction.report, what="add evidence")
    h = (await session.execute(select(TaskHistory).where(TaskHistory.id == history_id,
                                                         TaskHistory.task_id == task.id))).scalar_one_or_none()
    if h is None or h.kind not in ("progress", "complete"):
        raise NotFound("Progress update not found", code="update_not_found")
    if p.kind != "user" or h.user_id != p.id:
        raise Forbidden("Only whoever posted the update adds its photos")
    limit = photo_limit()
    if not content:
        raise PhotoTypeRefused("The photo is empty")
    if len(content) > limit:
        raise PhotoTooLarge(f"A photo holds at most {limit} bytes; shrink it first", extra={"max_bytes": limit})
    media = sniff_image(content)
    if media is None:
        raise PhotoTypeRefused("Attach a JPEG, PNG or WebP photo")
    count = (await session.execute(select(func.count()).select_from(TaskPhoto)
                                   .where(TaskPhoto.history_id == h.id))).scalar_one()
    if count >= MAX_PHOTOS:
        raise Conflict(f"At most {MAX_PHOTOS} photos each", code="too_many_photos", extra={"max_photos": MAX_PHOTOS})
    photo = TaskPhoto(history_id=h.id, task_id=task.id, village_id=task.village_id, content_type=media,
                      size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content,
                      uploaded_by=p.name)
    session.add(photo)
    await session.flush()
    await audit.record(session, p, "task_photo.create", "task_photo", photo.id, after=audit.snapshot(photo, "content"))
    return photo


async def get_photo(session: AsyncSession, p: Principal, photo_id: int) -> TaskPhoto:
    photo = (await session.execute(select(TaskPhoto).join(Village, Village.id == TaskPhoto.village_id)
                                   .where(TaskPhoto.id == photo_id, village_clause(p))
                                   .options(undefer(TaskPhoto.content)))).scalar_one_or_none()
    if photo is None:
        raise NotFound("Photo not found", code="photo_not_found")
    return photo


# ---- acceptance and return ------------------------------------------------------------------

async def _judge(session: AsyncSession, p: Principal, task_id: int, action: TaskAction, event: TaskEvent,
                 if_match: str | None) -> tuple[Task, str]:
    task = await _locked_task(session, p, task_id)
    require(p, TASKS, action, what=f"{action.value.replace('_', ' ')} tasks")
    if not may_judge(p, task.assigned_level):
        raise Forbidden("The county gave this task: the county accepts or returns it", code="not_assigning_level")
    expected_version(if_match, task.version)
    before = task.status
    TASK_MACHINE.next(task.status, event)  # 409 illegal_transition unless done
    return task, before


async def accept_task(session: AsyncSession, p: Principal, task_id: int, data: JudgeIn,
                      if_match: str | None) -> TaskView:
    task, before = await _judge(session, p, task_id, TaskAction.accept, TaskEvent.accept, if_match)
    task.status = TaskStatus.accepted.value
    task.accepted_at = clock.now()
    await session.flush()
    await events.emit(session, p, "task.accept", ENTITY, task.id, after={"status": task.status, "note": data.note},
                      trail=_history(task, "accept", before, p, text=data.note))
    return await _read_task(session, p, task.id)


async def send_back(session: AsyncSession, p: Principal, task_id: int, data: SendBackIn,
                    if_match: str | None) -> TaskView:
    task, before = await _judge(session, p, task_id, TaskAction.send_back, TaskEvent.send_back, if_match)
    task.status = rules.after_send_back(task.due_date, clock.local_today()).value
    task.done_at = None
    await session.flush()
    await events.emit(session, p, "task.send_back", ENTITY, task.id,
                      after={"status": task.status, "reasons": data.reasons, "note": data.note},
                      trail=_history(task, "send_back", before, p, reasons=data.reasons, text=data.note))
    return await _read_task(session, p, task.id)



# ---- bulk upserts by township systems (kit/bulk.py) ----------------------------------------------


async def bulk_upsert(session: AsyncSession, p: Principal, items: list[TaskUpsert]) -> bulk.BulkReport:
    """Tasks a township system gives its villages, by its own id: new ids are given (as a single
    create would), changed ones edited (as a single edit would: only while the task is editable),
    equal ones left alone. A task keeps its village and catalogue item."""
    require(p, TASKS, TaskAction.sync, what="upsert tasks in bulk")
    township = bulk.township_of(p)
    await bulk.lock_keys(session, f"task:{township}", [i.external_id for i in items])
    fixed = {"village_code": "task_village_fixed", "item_id": "task_item_fixed"}

    async def apply(item: TaskUpsert) -> bulk.Applied:
        fields = {k: getattr(item, k) for k in item.model_fields_set if k != "external_id"}
        row = (await session.execute(
            select(Task, Village.code).join(Village, Village.id == Task.village_id)
            .where(Task.external_source == township, Task.external_id == item.external_id, village_clause(p))
            .with_for_update(of=Task))).first()
        if row is None:
            out = await _insert_task(session, p, TaskCreate(**item.model_dump(exclude={"external_id"})),
                                     external=(township, item.external_id))
            return bulk.Outcome.created, str(out.task.id), out.task.version
        task, village_code = row
        current = {"village_code": village_code, "item_id": task.item_id}
        for key, code in fixed.items():
            if fields.get(key, current[key]) != current[key]:
                raise field_error(key, f"a task keeps its {key.split('_')[0]} (give a new external id instead)", code)
        diff = bulk.changed(task, {k: v for k, v in fields.items() if k not in fixed})
        if not diff:
            return bulk.Outcome.unchanged, str(task.id), task.version
        out = await _edit_task(session, p, task, diff)
        return bulk.Outcome.updated, str(out.task.id), out.task.version

    return await bulk.run(session, items, lambda i: i.external_id, apply)
