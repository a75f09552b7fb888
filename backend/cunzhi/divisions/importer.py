"""Loading a county's administrative tree from a file of official 12-digit codes.

The file (CSV, UTF-8 or GB18030, or XLSX) has a header row with a `code` column (代码, 区划代码,
统计用区划代码) and a `name` column (名称); `level` (级别) and `parent_code` (上级代码) are optional
and, when given, must agree with the code. A code says its own level and parent: 2 digits of
province, 2 of city, 2 of county, 3 of township, 3 of village, zeros for the levels below
(230199100201 is a village of township 230199100000 of county 230199000000).

`plan()` checks every row and says, row by row, what an import would do (create, rename or leave
alone), or why a row cannot be taken (row, column, reason in Chinese). `apply()` writes a plan
without errors as one bulk upsert by code: provinces to townships into `divisions`, villages into
`villages` (with their township and county taken from the code, so the two tables agree). Upserts
change only names that differ, so importing the same file again changes nothing.

A county admin imports within their county (the county itself, its townships and villages; rows
of the province and city above it are accepted when they match what is there); the operator's
CLI (`cunzhi divisions import`) has no such bound.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.divisions.models import Division
from cunzhi.kit import audit, xlsx
from cunzhi.kit.codes import DivisionLevel, RectificationStatus
from cunzhi.kit.errors import Unprocessable
from cunzhi.kit.inputs import has_control
from cunzhi.kit.principal import Principal
from cunzhi.villages.models import Village

MAX_ROWS = 50_000
VILLAGE = "village"
LEVELS = ("province", "city", "county", "township", VILLAGE)
LEVEL_ZH = {"province": "省", "city": "市", "county": "县", "township": "乡镇", VILLAGE: "村"}
_LEVEL_WORDS = {
    **{lv: lv for lv in LEVELS},
    "省": "province", "市": "city", "地级市": "city", "县": "county", "区": "county", "县级": "county",
    "乡": "township", "镇": "township", "乡镇": "township", "街道": "township", "乡级": "township",
    "村": VILLAGE, "社区": VILLAGE, "村级": VILLAGE, "居委会": VILLAGE, "村委会": VILLAGE,
}
_HEADERS = {
    "code": ("code", "代码", "区划代码", "统计用区划代码", "行政区划代码"),
    "name": ("name", "名称", "区划名称", "单位名称"),
    "level": ("level", "级别", "层级"),
    "parent_code": ("parent_code", "parent", "上级代码", "上级区划代码"),
}


class ImportFileInvalid(Unprocessable):
    code, title = "import_file_invalid", "The file cannot be read as a table of division codes"


class ImportRowsInvalid(Unprocessable):
    code, title = "import_rows_invalid", "Some rows of the file cannot be imported; nothing was written"


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class PlannedRow:
    row: int
    code: str
    name: str
    level: str
    parent_code: str | None
    action: str = "unchanged"  # created, renamed, unchanged
    old_name: str | None = None


@dataclass
class Plan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        out = {"rows": len(self.rows), "created": 0, "renamed": 0, "unchanged": 0, "errors": len(self.errors)}
        for r in self.rows:
            out[r.action] += 1
        return out


# ---- reading the file ------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in a spreadsheet
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        table = xlsx.first_sheet(data)
    except xlsx.UnreadableSheet as exc:
        raise ImportFileInvalid(f"不是有效的 XLSX 文件：{exc}") from None
    if len(table) > MAX_ROWS + 2:
        raise ImportFileInvalid(f"行数超过上限 {MAX_ROWS}")
    return [[_cell(v) for v in values] for values in table]


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileInvalid("文件编码无法识别（请使用 UTF-8 或 GB18030）")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for i, values in enumerate(csv.reader(io.StringIO(text), dialect)):
            if i > MAX_ROWS + 1:
                raise ImportFileInvalid(f"行数超过上限 {MAX_ROWS}")
            rows.append([v.strip() for v in values])
    except csv.Error as exc:  # a field past the csv module's limit, a stray NUL: a bad file, not a 500
        raise ImportFileInvalid(f"CSV 文件无法读取：{exc}") from None
    return rows


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: value}) for every non-empty data row."""
    if not data:
        raise ImportFileInvalid("文件为空")
    is_xlsx = data[:4] == b"PK\x03\x04"
    if filename.lower().endswith((".xlsx", ".xlsm")) and not is_xlsx:
        raise ImportFileInvalid("扩展名为 .xlsx，但内容不是 XLSX 文件")
    if filename.lower().endswith(".xls") and not is_xlsx:
        raise ImportFileInvalid("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv")
    table = _read_xlsx(data) if is_xlsx else _read_csv(data)
    header_at = next((i for i, r in enumerate(table) if any(r)), None)
    if header_at is None:
        raise ImportFileInvalid("文件中没有表头行")
    header = [h.strip().lower() for h in table[header_at]]
    columns: dict[str, int] = {}
    for key, names in _HEADERS.items():
        for i, h in enumerate(header):
            if h in names and key not in columns:
                columns[key] = i
    missing = [k for k in ("code", "name") if k not in columns]
    if missing:
        raise ImportFileInvalid(
            "表头缺少必需的列：" + "、".join(f"{k}（{_HEADERS[k][1]}）" for k in missing),
            errors=[{"loc": ["file", header_at + 1, k], "msg": f"缺少列 {k}", "type": "missing_column"}
                    for k in missing])
    out = []
    for i, values in enumerate(table[header_at + 1:], start=header_at + 2):
        if not any(values):
            continue
        out.append((i, {k: values[c] if c < len(values) else "" for k, c in columns.items()}))
    if not out:
        raise ImportFileInvalid("文件中没有数据行")
    return out


# ---- codes -----------------------------------------------------------------------------------

_SEGMENTS = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))


def level_of(code: str) -> str | None:
    """The level a 12-digit code stands for, or None when its segments do not nest."""
    filled = [code[a:b].strip("0") != "" for a, b in _SEGMENTS]
    depth = max((i for i, f in enumerate(filled) if f), default=-1)
    if depth < 0 or not all(filled[: depth + 1]):
        return None
    return LEVELS[depth]


def parent_of(code: str, level: str) -> str | None:
    depth = LEVELS.index(level)
    if depth == 0:
        return None
    end = _SEGMENTS[depth - 1][1]
    return code[:end] + "0" * (12 - end)


# ---- planning --------------------------------------------------------------------------------


def _in_scope(p: Principal | None, code: str, level: str) -> bool:
    """Whether `p` may write this row (None: the operator, anything)."""
    if p is None:
        return True
    county = p.division_code or ""
    if p.division_level != DivisionLevel.county.value:
        return False
    return code == county or (level in ("township", VILLAGE) and code[:6] == county[:6])


async def plan(session: AsyncSession, p: Principal | None, rows: list[tuple[int, dict[str, str]]]) -> Plan:
    result = Plan()
    seen: dict[str, int] = {}
    good: list[PlannedRow] = []
    for number, values in rows:
        code, name = values.get("code", ""), values.get("name", "")
        errors_before = len(result.errors)

        def bad(column: str, reason: str, *, _n: int = number) -> None:
            result.errors.append(RowError(_n, column, reason))

        level: str | None = None
        if not code:
            bad("code", "代码不能为空")
        elif has_control(code) or not (len(code) == 12 and code.isascii() and code.isdigit()):
            bad("code", "代码须为12位数字")
        else:
            level = level_of(code)
            if level is None:
                bad("code", "代码的层级不完整（上级部分不能为0）")
            elif code in seen:
                bad("code", f"代码与第{seen[code]}行重复")
        if not name:
            bad("name", "名称不能为空")
        elif has_control(name):
            bad("name", "名称含有控制字符")
        elif len(name) > 100:
            bad("name", "名称过长（最多100字）")
        given_level = values.get("level", "")
        if level and given_level:
            word = _LEVEL_WORDS.get(given_level.strip().lower())
            if word is None:
                bad("level", f"无法识别的级别“{given_level}”")
            elif word != level:
                bad("level", f"级别与代码不符（代码表示{LEVEL_ZH[level]}级）")
        parent = parent_of(code, level) if level else None
        given_parent = values.get("parent_code", "")
        if level and given_parent and given_parent != (parent or ""):
            bad("parent_code", f"上级代码应为 {parent}" if parent else "省级区划没有上级")
        if level and len(result.errors) == errors_before and not _in_scope(p, code, level):
            if level in ("province", "city") and p is not None and (p.division_code or "").startswith(
                    code[: 2 if level == "province" else 4]):
                pass  # an ancestor of the admin's county: accepted only when it matches (checked below)
            else:
                bad("code", "不属于本县：县级管理员只能导入本县及其乡镇、村")
        if code and level:
            seen.setdefault(code, number)
        if len(result.errors) == errors_before and level:
            good.append(PlannedRow(number, code, name, level, parent))

    # What is there already, in two queries.
    div_codes = [r.code for r in good if r.level != VILLAGE]
    village_codes = [r.code for r in good if r.level == VILLAGE]
    parents = {r.parent_code for r in good if r.parent_code}
    existing = {d.code: d for d in (await session.execute(
        select(Division).where(Division.code.in_(set(div_codes) | parents)))).scalars()} if good else {}
    villages = {v.code: v for v in (await session.execute(
        select(Village.code, Village.name, Village.township_code).where(Village.code.in_(village_codes)))).all()} \
        if village_codes else {}
    in_file = {r.code: r for r in good if r.level != VILLAGE}
    for r in good:
        if r.parent_code and r.parent_code not in in_file and r.parent_code not in existing:
            result.errors.append(RowError(r.row, "code", f"上级区划 {r.parent_code} 不存在（文件中也没有）"))
            continue
        if r.level == VILLAGE:
            old = villages.get(r.code)
            if old is not None and old.township_code != r.parent_code:
                result.errors.append(RowError(r.row, "code", f"该村已属于乡镇 {old.township_code}"))
                continue
            old_name = old.name if old is not None else None
        else:
            d = existing.get(r.code)
            if d is not None and (d.level != r.level or d.parent_code != r.parent_code):
                result.errors.append(RowError(r.row, "code", f"已有区划 {r.code} 的级别或上级与代码不符"))
                continue
            old_name = d.name if d is not None else None
        if old_name is None:
            r.action = "created"
        elif old_name != r.name:
            r.action, r.old_name = "renamed", old_name
        if p is not None and not _in_scope(p, r.code, r.level) and r.action != "unchanged":
            result.errors.append(RowError(r.row, "name" if r.action == "renamed" else "code",
                                          "本县的上级区划只能原样列出，不能新建或改名"))
            continue
        result.rows.append(r)
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result


async def apply(session: AsyncSession, p: Principal | None, planned: Plan) -> None:
    """Write a plan without errors: one upsert per level, parents first; audit each change."""
    if planned.errors:
        raise ValueError("a plan with errors is not applied")
    changed = [r for r in planned.rows if r.action != "unchanged"]
    for level in LEVELS:
        batch = [r for r in changed if r.level == level]
        if not batch:
            continue
        for start in range(0, len(batch), 1000):
            chunk = batch[start:start + 1000]
            if level == VILLAGE:
                await _upsert_villages(session, chunk)
            else:
                await _upsert_divisions(session, chunk)
    for r in changed:
        entity = "village" if r.level == VILLAGE else "division"
        if r.action == "created":
            await audit.record(session, p, f"{entity}.create", entity, r.code,
                               after={"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code})
        else:
            await audit.record(session, p, f"{entity}.rename", entity, r.code,
                               before={"name": r.old_name}, after={"name": r.name})


async def _upsert_divisions(session: AsyncSession, rows: list[PlannedRow]) -> None:
    stmt = insert(Division).values([
        {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code, "version": 1} for r in rows])
    stmt = stmt.on_conflict_do_update(
        index_elements=[Division.code],
        set_={"name": stmt.excluded.name, "version": Division.version + 1},
        where=Division.name.is_distinct_from(stmt.excluded.name))
    await session.execute(stmt)


async def _upsert_villages(session: AsyncSession, rows: list[PlannedRow]) -> None:
    stmt = insert(Village).values([
        {"code": r.code, "name": r.name, "township_code": r.parent_code,
         "county_code": parent_of(r.parent_code or "", "township"),
         "population": 0, "households": 0, "party_member_count": 0, "status": RectificationStatus.normal.value,
         "problem_categories": [], "version": 1} for r in rows])
    stmt = stmt.on_conflict_do_update(
        index_elements=[Village.code],
        set_={"name": stmt.excluded.name, "version": Village.version + 1, "updated_at": func.now()},
        where=Village.name.is_distinct_from(stmt.excluded.name))
    await session.execute(stmt)


def report(planned: Plan, *, dry_run: bool, applied: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "applied": applied,
        "summary": planned.summary(),
        "rows": [{"row": r.row, "code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code,
                  "action": r.action, "old_name": r.old_name} for r in planned.rows],
        "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in planned.errors],
    }


def rows_invalid(planned: Plan, *, dry_run: bool) -> ImportRowsInvalid:
    n = len(planned.errors)
    return ImportRowsInvalid(
        f"{n} 处错误，未写入任何数据" if not dry_run else f"{n} 处错误（试运行）",
        errors=[{"loc": ["file", e.row, e.column], "msg": e.reason, "type": "import_row"} for e in planned.errors],
        extra={"report": report(planned, dry_run=dry_run, applied=False)})


async def run(session: AsyncSession, p: Principal | None, filename: str, data: bytes, *,
              dry_run: bool) -> dict[str, Any]:
    """Read, check and (unless `dry_run`) write; 422 with every row's error when any row is bad."""
    planned = await plan(session, p, read_table(filename, data))
    if planned.errors:
        raise rows_invalid(planned, dry_run=dry_run)
    if not dry_run:
        await apply(session, p, planned)
    return report(planned, dry_run=dry_run, applied=not dry_run)
