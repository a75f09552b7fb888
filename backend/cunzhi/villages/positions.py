"""Villages' positions imported from a CSV of village code, latitude and longitude (WGS-84).

The header row names the columns (村代码 or code, 纬度 or lat, 经度 or lng; any order). A dry run
checks every row and writes nothing; the import checks the same way and writes all rows or none, in
the request's transaction, each change audited like an edit of the village. Every bad row is
reported with its row number, its column and the reason, in Chinese."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.kit import audit
from cunzhi.kit.errors import Unprocessable
from cunzhi.kit.permissions import require
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import village_clause
from cunzhi.villages.models import Village
from cunzhi.villages.permissions import VILLAGES, VillageAction
from cunzhi.villages.schemas import PositionImportReport, PositionRowError

MAX_ROWS = 50_000
HEADERS = {"code": ("村代码", "code", "village_code"), "lat": ("纬度", "lat", "latitude"),
           "lng": ("经度", "lng", "lon", "longitude")}
COLUMN_ZH = {"code": "村代码", "lat": "纬度", "lng": "经度"}


def _refuse(msg: str, code: str = "import_unreadable") -> Unprocessable:
    return Unprocessable(msg, code=code, errors=[{"loc": ["body", "file"], "msg": msg, "type": "value_error"}])


@dataclass
class _Row:
    row: int
    code: str
    lat: float
    lng: float


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse("文件无法读取：请使用UTF-8编码的CSV")


def _number(raw: str, low: float, high: float, name: str) -> tuple[float | None, str | None]:
    text = raw.strip()
    if not text:
        return None, f"缺少{name}"
    try:
        value = float(text)
    except ValueError:
        return None, f"{name}应为数字，如 45.123456"
    if not math.isfinite(value) or not low <= value <= high:
        return None, f"{name}应在{low:g}到{high:g}之间"
    if "." in text and len(text.split(".")[1]) > 7:
        return None, f"{name}最多保留7位小数"
    return value, None


def parse(content: bytes, villages: dict[str, int]) -> tuple[int, list[_Row], list[PositionRowError]]:
    """(rows, good rows, errors); `villages` are the codes the caller may change."""
    # newline="": the csv module reads line ends itself, so a lone CR is a line end, not an error.
    try:  # the upload is bounded by the body size limit, so reading it whole is cheap
        table = list(csv.reader(io.StringIO(_decode(content), newline="")))
    except csv.Error:
        return 0, [], [PositionRowError(row=1, column="", reason="文件无法读取：CSV格式不正确")]
    header = [h.strip().lower() for h in (table[0] if table else [])]
    reader = iter(table[1:])
    index: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                index[key] = i
    errors = [PositionRowError(row=1, column=COLUMN_ZH[k], reason="缺少此列") for k in HEADERS if k not in index]
    if errors:
        return 0, [], errors
    good: list[_Row] = []
    seen: dict[str, int] = {}
    rows = 0
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise _refuse(f"一次最多导入{MAX_ROWS}行", "import_too_large")

        def cell(key: str, cells: list[str] = cells) -> str:
            i = index[key]
            return cells[i] if i < len(cells) else ""

        code = cell("code").strip()
        bad = len(errors)
        if not (len(code) == 12 and code.isascii() and code.isdigit()):
            errors.append(PositionRowError(row=n, column="村代码", reason="村代码应为12位数字"))
        elif code not in villages:
            errors.append(PositionRowError(row=n, column="村代码", reason="村代码不存在或不在您的管辖范围内"))
        elif code in seen:
            errors.append(PositionRowError(row=n, column="村代码", reason=f"与第{seen[code]}行重复"))
        lat, why = _number(cell("lat"), -90, 90, "纬度")
        if why:
            errors.append(PositionRowError(row=n, column="纬度", reason=why))
        lng, why = _number(cell("lng"), -180, 180, "经度")
        if why:
            errors.append(PositionRowError(row=n, column="经度", reason=why))
        if len(errors) == bad and lat is not None and lng is not None:
            seen[code] = n
            good.append(_Row(n, code, lat, lng))
    return rows, good, errors


async def run_import(session: AsyncSession, p: Principal, content: bytes, *, dry_run: bool) -> PositionImportReport:
    require(p, VILLAGES, VillageAction.edit, detail="Your role may not edit villages")
    villages = dict((await session.execute(select(Village.code, Village.id).where(village_clause(p)))).all())
    rows, good, errors = parse(content, villages)
    report = PositionImportReport(dry_run=dry_run, rows=rows, valid=len(good), errors=errors)
    if dry_run or errors or not good:
        return report
    by_code = {v.code: v for v in (await session.execute(
        select(Village).where(Village.code.in_([r.code for r in good])).order_by(Village.id)
        .with_for_update())).scalars()}
    updated = 0
    for r in good:
        village = by_code[r.code]
        if village.lat == r.lat and village.lng == r.lng:
            continue
        before = audit.snapshot(village)
        village.lat, village.lng = r.lat, r.lng
        await session.flush()
        await session.refresh(village)  # the version and updated_at the database gave it
        await audit.record(session, p, "village.position_import", "village", village.code, before=before,
                           after=audit.snapshot(village))
        updated += 1
    report.updated = updated
    report.unchanged = len(good) - updated
    return report
