"""Reading an uploaded XLSX (one reader for every import) and writing XLSX downloads safely (one
sheet writer and one file name rule for every domain's export).

Every text cell is written as text, never as a formula: a village named `=HYPERLINK(...)` or a
measure starting with `+`, `-` or `@` reads back as that text (and Excel shows it so, with the
quote prefix). Control characters a workbook cannot hold are dropped, so an export works whatever
was stored before they were refused at the door."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from cunzhi.kit.inputs import strip_control

# What a spreadsheet would read as the start of a formula (OWASP's list, with tab and CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = str.maketrans({c: "_" for c in '\\/:*?"<>|'})


class UnreadableSheet(ValueError):
    """The upload is not a workbook that can be read (a damaged or foreign zip): the client's file."""


def first_sheet(data: bytes) -> list[list[Any]]:
    """The first sheet's cells, row by row from its first row (row numbers are the sheet's own; an
    empty cell is ""). calamine (Rust) reads a sheet several times faster than openpyxl, whose
    parsing took most of a 2,000-row dry run; openpyxl still writes the downloads."""
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python(
            skip_empty_area=False)
    except Exception as exc:  # calamine raises its own errors, and IndexError without a sheet
        raise UnreadableSheet(type(exc).__name__) from None


def filename(*parts: str) -> str:
    """A download's (Chinese) file name: the parts joined by "-", no path or reserved characters."""
    return "-".join(strip_control(x).translate(_UNSAFE_NAME).strip() for x in parts if x) + ".xlsx"


def _append(ws: Worksheet, row: Sequence[Any]) -> None:
    """Append a row, writing every string as a string (never a formula) without control characters."""
    ws.append([strip_control(v) if isinstance(v, str) else v for v in row])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True


def add_sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[Any]], *, first: bool = False) -> None:
    """A sheet with a bold, frozen header row and columns wide enough for their text; `first` fills
    the workbook's initial (active) sheet instead of adding one."""
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    _append(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        _append(ws, row)
    ws.freeze_panes = "A2"
    for i, h in enumerate(headers, start=1):
        width = max([len(str(h)) * 2] + [min(len(str(r[i - 1] or "")) * 2, 60) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(i)].width = max(8, min(width + 2, 62))
