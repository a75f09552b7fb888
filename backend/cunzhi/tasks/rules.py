"""Pure rules of tasks for village cadres (压担子): the codes, the status machine, progress checks,
and the import row validation. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from cunzhi.kit.states import Machine


class Category(StrEnum):
    """The four sources of tasks (domain.md, "Tasks for village cadres")."""

    seven_helps = "seven_helps"  # 七帮
    construction = "construction"  # 新农村建设
    poverty_relief = "poverty_relief"  # 扶贫解困
    industry = "industry"  # 产业富民


CATEGORY_ZH = {"seven_helps": "七帮", "construction": "新农村建设", "poverty_relief": "扶贫解困",
               "industry": "产业富民"}


class Duty(StrEnum):
    """What the village cadres must do for a task."""

    mobilise = "mobilise"  # 发动群众
    supervise_quality = "supervise_quality"  # 监督质量
    settle_disputes = "settle_disputes"  # 调解矛盾


DUTY_ZH = {"mobilise": "发动群众", "supervise_quality": "监督质量", "settle_disputes": "调解矛盾"}


class Responsible(StrEnum):
    village_committee = "village_committee"  # 村委会
    partner_unit = "partner_unit"  # 包村单位
    cadre = "cadre"  # 驻村干部


RESPONSIBLE_ZH = {"village_committee": "村委会", "partner_unit": "包村单位", "cadre": "驻村干部"}


class TaskStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    overdue = "overdue"
    accepted = "accepted"


PENDING = (TaskStatus.planned.value, TaskStatus.in_progress.value)
"""Statuses of a task still being worked on before its due date (the to-do's "due soon")."""

STATUS_ZH = {"planned": "未开始", "in_progress": "进行中", "done": "已完成", "overdue": "已逾期", "accepted": "已验收"}


class TaskEvent(StrEnum):
    """What moves a task: a progress update short of the target, one that reaches it, the sweep, the
    assigning level's acceptance or return."""

    progress = "progress"
    complete = "complete"
    mark_overdue = "mark_overdue"
    accept = "accept"
    send_back = "send_back"


S, E = TaskStatus, TaskEvent
TASK_MACHINE: Machine[TaskStatus, TaskEvent] = Machine("task", TaskStatus, TaskEvent, {
    (S.planned, E.progress): S.in_progress,
    (S.planned, E.complete): S.done,
    (S.planned, E.mark_overdue): S.overdue,
    (S.in_progress, E.progress): S.in_progress,
    (S.in_progress, E.complete): S.done,
    (S.in_progress, E.mark_overdue): S.overdue,
    (S.overdue, E.progress): S.overdue,
    (S.overdue, E.complete): S.done,
    (S.done, E.accept): S.accepted,
    (S.done, E.send_back): S.in_progress,
})
OPEN = (S.planned, S.in_progress, S.overdue)
EDITABLE = OPEN


def progress_event(progress: Decimal, target: Decimal) -> TaskEvent:
    """`complete` when the new progress reaches the target, else `progress`."""
    return E.complete if progress >= target else E.progress


def after_send_back(due: date, today: date) -> TaskStatus:
    """A task sent back is in progress again, or overdue at once when its due date has passed."""
    return S.overdue if due < today else S.in_progress


def is_overdue(status: str, due: date, today: date) -> bool:
    """Overdue from the day after the due date, while it is still open (not done or accepted)."""
    return status in (S.planned, S.in_progress) and due < today


def due_soon(status: str, due: date, today: date, days: int) -> bool:
    return status in (S.planned, S.in_progress) and today <= due <= date.fromordinal(today.toordinal() + days)


class ProgressError(ValueError):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code = code


def check_progress(current: Decimal, amount: Decimal, target: Decimal) -> Decimal:
    """The progress after adding `amount`: never negative, never above the target."""
    if amount < 0:
        raise ProgressError("progress_negative", "progress cannot go down")
    after = current + amount
    if after > target:
        raise ProgressError("progress_above_target", f"progress {after} would pass the target {target}")
    return after


# ---- import rows -------------------------------------------------------------------------------

COLUMNS = ["村代码", "事项编码", "任务名称", "村干部职责", "目标数量", "单位", "截止日期", "责任方类型", "责任方", "说明"]
COLUMN_KEYS = ["village_code", "item_code", "title", "duties", "target", "unit", "due_date", "responsible_kind",
               "responsible", "note"]
REQUIRED = {"village_code", "item_code", "title", "target", "unit", "due_date", "responsible_kind"}
_VILLAGE = re.compile(r"^[0-9]{12}$")
_ZH_TO_DUTY = {v: k for k, v in DUTY_ZH.items()}
_ZH_TO_RESP = {v: k for k, v in RESPONSIBLE_ZH.items()}
MAX_TARGET = Decimal("999999999999.99")


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class Lookups:
    """What the database knows, for validating rows without a query per row."""

    villages: dict[str, int]  # code in scope -> id
    items: dict[str, tuple[int, str]]  # code -> (id, category)
    units: set[str]
    partner_units: dict[str, int]  # code -> id
    cadres: dict[str, int]  # str(id) or name -> id
    earliest_due: date | None = None
    existing_keys: set[str] = field(default_factory=set)  # rows already in the county: skipped, not refused
    paired: set[tuple[int, int]] = field(default_factory=set)  # (partner unit id, village id) paired today
    posted: set[tuple[int, int]] = field(default_factory=set)  # (cadre id, village id) posted today


@dataclass
class ParsedRow:
    row: int
    village_id: int
    village_code: str
    item_id: int
    item_code: str
    title: str
    duties: list[str]
    target: Decimal
    unit: str
    due_date: date
    responsible_kind: str
    partner_unit_id: int | None
    cadre_id: int | None
    note: str | None
    key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def parse_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _text(v).replace("/", "-").replace(".", "-")
    m = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", s)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_decimal(v: Any) -> Decimal | None:
    s = _text(v).replace(",", "")
    if not s:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    return d


def row_key(village_code: str, item_code: str, title: str, due: date) -> str:
    """What makes two rows the same task: a re-import of the same row adds nothing."""
    import hashlib

    raw = "\x1f".join([village_code, item_code, title, due.isoformat()])
    return hashlib.sha256(raw.encode()).hexdigest()


def validate_row(n: int, values: dict[str, Any], lk: Lookups, errors: list[RowError]) -> ParsedRow | None:
    """One data row (`n` is its row number in the file, the header being row 1); its errors go to `errors`."""
    found: list[RowError] = []

    def bad(key: str, reason: str) -> None:
        found.append(RowError(n, COLUMNS[COLUMN_KEYS.index(key)], reason))

    v = {k: _text(values.get(k)) for k in COLUMN_KEYS}
    for k in COLUMN_KEYS:
        if k in REQUIRED and not v[k]:
            bad(k, "不能为空")
    village_id = item = None
    if v["village_code"]:
        if not _VILLAGE.match(v["village_code"]):
            bad("village_code", "村代码应为12位数字")
        elif v["village_code"] not in lk.villages:
            bad("village_code", "村代码不存在或不在您的管辖范围内")
        else:
            village_id = lk.villages[v["village_code"]]
    if v["item_code"]:
        item = lk.items.get(v["item_code"])
        if item is None:
            bad("item_code", "事项编码不在县任务目录中（或已停用）")
    if v["title"] and len(v["title"]) > 200:
        bad("title", "任务名称不能超过200字")
    duties: list[str] = []
    if v["duties"]:
        for part in re.split(r"[、,，;；\s]+", v["duties"]):
            if not part:
                continue
            code = _ZH_TO_DUTY.get(part, part)
            if code not in DUTY_ZH:
                bad("duties", f"未知的职责“{part}”（可填：发动群众、监督质量、调解矛盾）")
            elif code not in duties:
                duties.append(code)
    target = None
    if v["target"]:
        target = parse_decimal(values.get("target"))
        if target is None:
            bad("target", "目标数量不是有效数字")
        elif target <= 0:
            bad("target", "目标数量必须大于0")
        elif target > MAX_TARGET or target.as_tuple().exponent < -2:  # type: ignore[operator]
            bad("target", "目标数量过大或小数超过两位")
    if v["unit"] and v["unit"] not in lk.units:
        bad("unit", "计量单位不在县任务目录中")
    due = None
    if v["due_date"]:
        due = parse_date(values.get("due_date"))
        if due is None:
            bad("due_date", "日期无效（格式：2026-06-30）")
    kind = _ZH_TO_RESP.get(v["responsible_kind"], v["responsible_kind"]) if v["responsible_kind"] else ""
    partner_unit_id = cadre_id = None
    if kind and kind not in RESPONSIBLE_ZH:
        bad("responsible_kind", "责任方类型应为：村委会、包村单位或驻村干部")
    elif kind == Responsible.partner_unit:
        if not v["responsible"]:
            bad("responsible", "包村单位须填写单位编码")
        elif v["responsible"] not in lk.partner_units:
            bad("responsible", "包村单位不存在")
        elif village_id is not None and (lk.partner_units[v["responsible"]], village_id) not in lk.paired:
            bad("responsible", f"包村单位“{v['responsible']}”目前未与村{v['village_code']}结对")
        else:
            partner_unit_id = lk.partner_units[v["responsible"]]
    elif kind == Responsible.cadre:
        if not v["responsible"]:
            bad("responsible", "驻村干部须填写干部编号或姓名")
        elif v["responsible"] not in lk.cadres:
            bad("responsible", "驻村干部不存在")
        elif village_id is not None and (lk.cadres[v["responsible"]], village_id) not in lk.posted:
            bad("responsible", f"驻村干部“{v['responsible']}”目前未派驻村{v['village_code']}")
        else:
            cadre_id = lk.cadres[v["responsible"]]
    if len(v["note"]) > 2000:
        bad("note", "说明不能超过2000字")
    errors.extend(found)
    if found or village_id is None or item is None or target is None or due is None:
        return None
    return ParsedRow(row=n, village_id=village_id, village_code=v["village_code"], item_id=item[0],
                     item_code=v["item_code"], title=v["title"], duties=duties, target=target, unit=v["unit"],
                     due_date=due, responsible_kind=kind, partner_unit_id=partner_unit_id, cadre_id=cadre_id,
                     note=v["note"] or None, key=row_key(v["village_code"], v["item_code"], v["title"], due))


def validate_rows(rows: list[tuple[int, dict[str, Any]]], lk: Lookups) -> tuple[list[ParsedRow], list[RowError]]:
    """Every row checked; a row repeating an earlier one (same village, item, title and due date) is an error."""
    errors: list[RowError] = []
    good: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for n, values in rows:
        parsed = validate_row(n, values, lk, errors)
        if parsed is None:
            continue
        if parsed.key in seen:
            errors.append(RowError(n, COLUMNS[2], f"与第{seen[parsed.key]}行重复"))
            continue
        if lk.earliest_due and parsed.due_date < lk.earliest_due and parsed.key not in lk.existing_keys:
            errors.append(RowError(n, COLUMNS[6], "截止日期不能早于今天"))
            continue
        seen[parsed.key] = n
        good.append(parsed)
    return good, errors


def header_map(header: list[Any]) -> tuple[dict[int, str], list[RowError]]:
    """Column index -> key from the header row; missing columns are errors of row 1."""
    index: dict[int, str] = {}
    names = [_text(h) for h in header]
    for i, name in enumerate(names):
        if name in COLUMNS:
            index[i] = COLUMN_KEYS[COLUMNS.index(name)]
    errors = [RowError(1, c, "缺少此列") for c, k in zip(COLUMNS, COLUMN_KEYS, strict=True)
              if k in REQUIRED and k not in index.values()]
    return index, errors
