"""Import and export of tasks: one format both ways (the columns of rules.COLUMNS, Chinese headers),
as XLSX (openpyxl) or CSV (UTF-8, with or without BOM; GB18030 as written by older Excel).

A dry run validates every row and writes nothing; the import validates the same way and writes all
rows or none, in the request's transaction. Each row's key (village, item, title, due date) is unique
per county, so the same file imported twice adds nothing the second time. The CSV export writes a
cell starting with = + - @ behind one quote (a spreadsheet reads it as text) and the CSV import drops
exactly that quote, so an exported CSV imported again is the same tasks too."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.cadres.models import Cadre, Posting
from cunzhi.kit import clock, events, xlsx
from cunzhi.kit.errors import Unprocessable
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import active_pairings_on, principal_county, village_clause
from cunzhi.kit.xlsx import add_sheet, filename
from cunzhi.partners.models import Pairing, PartnerUnit
from cunzhi.tasks import rules
from cunzhi.tasks.models import Task, TaskItem, TaskUnit
from cunzhi.tasks.permissions import TASKS, TaskAction, assigning_level
from cunzhi.tasks.schemas import TaskImportReport, TaskImportRowError
from cunzhi.tasks.service import TaskFilter, all_tasks, posted_on
from cunzhi.villages.models import Village

MAX_ROWS = 50_000
CHUNK = 1000
XLSX_MAGIC = b"PK\x03\x04"


def _refuse(msg: str, code: str = "import_unreadable") -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", "file"], "msg": msg, "type": "value_error"}])


FORMULA_START = ("=", "+", "-", "@")


def quote_cell(v: Any) -> Any:
    """A CSV cell a spreadsheet would read as a formula, written with a leading quote (the export)."""
    return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v


def unquote_cell(v: str) -> str:
    """What `quote_cell` wrote, read back (the import of a CSV): exactly one leading quote before = + - @
    is dropped, so an exported file imported again is the same tasks; any other quote is kept."""
    return v[1:] if len(v) > 1 and v[0] == "'" and v[1] in FORMULA_START else v


def read_rows(content: bytes, name: str | None) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """(header, [(row number, cells)]) of the first sheet or the CSV; blank rows are left out."""
    rows: list[tuple[int, list[Any]]] = []
    if content.startswith(XLSX_MAGIC):
        try:
            table = xlsx.first_sheet(content)
        except xlsx.UnreadableSheet:
            raise _refuse("文件无法读取：不是有效的XLSX文件") from None
        header: list[Any] = list(table[0]) if table else []
        for n, row in enumerate(table[1:], start=2):
            if any(c not in (None, "") for c in row):
                rows.append((n, list(row)))
                if len(rows) > MAX_ROWS:
                    raise _refuse(f"一次最多导入{MAX_ROWS}行", "import_too_large")
        return header, rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refuse("文件无法读取：请使用XLSX或UTF-8编码的CSV")
    # newline="": the csv module reads line ends itself, so a lone CR is a line end, not an error.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        for n, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):
                rows.append((n, [unquote_cell(c) for c in cells]))
                if len(rows) > MAX_ROWS:
                    raise _refuse(f"一次最多导入{MAX_ROWS}行", "import_too_large")
    except csv.Error:
        raise _refuse("文件无法读取：CSV格式不正确") from None
    return header, rows


async def lookups(session: AsyncSession, p: Principal, county: str) -> rules.Lookups:
    villages = dict((await session.execute(select(Village.code, Village.id).where(
        village_clause(p), Village.county_code == county))).all())
    items = {code: (i, cat) for code, i, cat in (await session.execute(select(
        TaskItem.code, TaskItem.id, TaskItem.category).where(TaskItem.county_code == county, TaskItem.active))).all()}
    units = set((await session.execute(select(TaskUnit.code).where(
        TaskUnit.county_code == county, TaskUnit.active))).scalars())
    units |= set((await session.execute(select(TaskUnit.name).where(
        TaskUnit.county_code == county, TaskUnit.active))).scalars())
    pus = dict((await session.execute(select(PartnerUnit.code, PartnerUnit.id).where(
        PartnerUnit.county_code == county))).all())
    cadres: dict[str, int] = {}
    names: dict[str, list[int]] = {}
    for cid, name in (await session.execute(select(Cadre.id, Cadre.name).where(
            Cadre.county_code == county, Cadre.active))).all():
        cadres[str(cid)] = cid
        names.setdefault(name, []).append(cid)
    cadres.update({n: ids[0] for n, ids in names.items() if len(ids) == 1 and n not in cadres})
    existing: set[str] = set((await session.execute(select(Task.import_key).where(
        Task.county_code == county, Task.import_key.is_not(None)))).scalars())  # type: ignore[arg-type]
    day = clock.local_today()
    in_county = select(Village.id).where(Village.county_code == county)
    paired = {(u, v) for u, v in (await session.execute(select(Pairing.partner_unit_id, Pairing.village_id).where(
        Pairing.village_id.in_(in_county), active_pairings_on(day)))).all()}
    posted = {(c, v) for c, v in (await session.execute(select(Posting.cadre_id, Posting.village_id).where(
        Posting.village_id.in_(in_county), posted_on(day)))).all()}
    return rules.Lookups(villages=villages, items=items, units=units, partner_units=pus, cadres=cadres,
                         earliest_due=day, existing_keys=existing, paired=paired, posted=posted)


async def _unit_codes_by_name(session: AsyncSession, county: str) -> dict[str, str]:
    return dict((await session.execute(select(TaskUnit.name, TaskUnit.code).where(
        TaskUnit.county_code == county))).all())


# One statement per chunk over arrays (unnest): a multi-row VALUES of a thousand rows costs more to
# build and bind than to run. A row whose key exists already is skipped (the same file twice adds nothing).
_INSERT_TASKS = text("""
INSERT INTO tasks (county_code, village_id, item_id, title, duties, note, target, unit, progress, due_date,
                   responsible_kind, partner_unit_id, cadre_id, status, assigned_level, assigned_by, import_key,
                   version)
SELECT :county, v, i, t, CASE WHEN d = '' THEN '{}'::varchar[] ELSE string_to_array(d, ',')::varchar[] END, n, g, u,
       0, due, k, pu, c, 'planned', :level, :by, key, 1
FROM unnest(CAST(:village AS integer[]), CAST(:item AS integer[]), CAST(:title AS varchar[]),
            CAST(:duties AS varchar[]), CAST(:note AS varchar[]), CAST(:target AS numeric[]),
            CAST(:unit AS varchar[]), CAST(:due AS date[]), CAST(:kind AS varchar[]), CAST(:pu AS integer[]),
            CAST(:cadre AS integer[]), CAST(:key AS varchar[])) AS r(v, i, t, d, n, g, u, due, k, pu, c, key)
ON CONFLICT ON CONSTRAINT uq_tasks_import_key DO NOTHING
RETURNING id""")
_INSERT_HISTORY = text("""
INSERT INTO task_history (task_id, kind, status_after, actor, user_id, at, text)
SELECT unnest(CAST(:ids AS integer[])), 'create', 'planned', :actor, :uid, :at, '批量导入'""")


@dataclass
class Prepared:
    county: str
    report: TaskImportReport
    good: list[rules.ParsedRow]


async def prepare(session: AsyncSession, p: Principal, content: bytes, name: str | None, *,
                  dry_run: bool) -> Prepared:
    """Read and validate every row (writes nothing): the report, and the rows to write when all are good."""
    require(p, TASKS, TaskAction.import_, what="import tasks")
    county = await principal_county(session, p)
    if county is None:
        raise _refuse("请以县或乡镇账号导入", "unknown_county")
    header, raw = read_rows(content, name)
    index, errors = rules.header_map(header)
    if errors:
        return Prepared(county, TaskImportReport(dry_run=dry_run, rows=len(raw), valid=0, errors=[
            TaskImportRowError(row=e.row, column=e.column, reason=e.reason) for e in errors]), [])
    values = [(n, {key: cells[i] if i < len(cells) else None for i, key in index.items()}) for n, cells in raw]
    lk = await lookups(session, p, county)
    good, bad = rules.validate_rows(values, lk)
    report = TaskImportReport(dry_run=dry_run, rows=len(raw), valid=len(good),
                              errors=[TaskImportRowError(row=e.row, column=e.column, reason=e.reason) for e in bad],
                              # the rows a real import would skip as imported before (write() counts them again)
                              skipped=sum(1 for r in good if r.key in lk.existing_keys))
    return Prepared(county, report, good if not bad else [])


Progress = Callable[[int], Awaitable[None]]


async def write(session: AsyncSession, p: Principal, prepared: Prepared, name: str | None, *,
                progress: Progress | None = None) -> TaskImportReport:
    """Insert the good rows (all in the caller's transaction), `progress(rows done)` after each chunk."""
    report, good, county = prepared.report, prepared.good, prepared.county
    by_name = await _unit_codes_by_name(session, county)
    level = assigning_level(p)
    now = clock.now()
    created = 0
    for start in range(0, len(good), CHUNK):
        chunk = good[start:start + CHUNK]
        ids = list((await session.execute(_INSERT_TASKS, {
            "county": county, "level": level, "by": p.name,
            "village": [r.village_id for r in chunk], "item": [r.item_id for r in chunk],
            "title": [r.title for r in chunk], "duties": [",".join(r.duties) for r in chunk],
            "note": [r.note for r in chunk], "target": [r.target for r in chunk],
            "unit": [by_name.get(r.unit, r.unit) for r in chunk], "due": [r.due_date for r in chunk],
            "kind": [r.responsible_kind for r in chunk], "pu": [r.partner_unit_id for r in chunk],
            "cadre": [r.cadre_id for r in chunk], "key": [r.key for r in chunk]})).scalars())
        if ids:
            await session.execute(_INSERT_HISTORY, {"ids": ids, "actor": p.name,
                                                    "uid": p.id if p.kind == "user" else None, "at": now})
        created += len(ids)
        if progress is not None:
            await progress(start + len(chunk))
    report.created = created
    report.skipped = len(good) - created
    await events.emit(session, p, "task.import", "task_import", county,
                      after={"rows": len(good), "created": report.created, "skipped": report.skipped,
                             "file": (name or "")[:200]})
    return report


async def run_import(session: AsyncSession, p: Principal, content: bytes, name: str | None, *,
                     dry_run: bool) -> TaskImportReport:
    prepared = await prepare(session, p, content, name, dry_run=dry_run)
    if dry_run or not prepared.good:
        return prepared.report
    return await write(session, p, prepared, name)


def _fmt(v: Any) -> str:
    return f"{v:.2f}" if v is not None else ""


async def export(session: AsyncSession, p: Principal, f: TaskFilter, *, fmt: str) -> tuple[str, str, bytes]:
    """(Chinese file name, ASCII fallback, body) in the import's format, the same columns."""
    rows = await all_tasks(session, p, f)
    pu_codes: dict[int, str] = dict((await session.execute(select(PartnerUnit.id, PartnerUnit.code))).all()) \
        if any(r[0].partner_unit_id for r in rows) else {}
    out: list[list[Any]] = []
    for r in rows:
        t: Task = r[0]
        responsible = ""
        if t.partner_unit_id:
            responsible = pu_codes.get(t.partner_unit_id, "")
        elif t.cadre_id:
            responsible = str(t.cadre_id)
        out.append([r[1], r[5], t.title, "、".join(rules.DUTY_ZH[d] for d in t.duties), _fmt(t.target), t.unit,
                    t.due_date.isoformat(), rules.RESPONSIBLE_ZH[t.responsible_kind], responsible, t.note or ""])
    day = clock.local_today().isoformat()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(rules.COLUMNS)
        for row in out:
            # A cell a spreadsheet would read as a formula is written with a leading quote.
            w.writerow([quote_cell(c) for c in row])
        return f"任务-{day}.csv", f"tasks-{day}.csv", ("\ufeff" + buf.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    wb = Workbook()
    add_sheet(wb, "任务", rules.COLUMNS, out, first=True)
    bio = io.BytesIO()
    wb.save(bio)
    return filename("任务", day), f"tasks-{day}.xlsx", bio.getvalue()

