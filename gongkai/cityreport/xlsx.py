"""The city report as a workbook: one sheet per table, the form's merged headers kept as merged cells.

XlsxWriter writes it: each ``Grid`` is laid out with ``Grid.placed`` and every span
becomes a merged range, so the sheet matches the printed form and a clerk can keep
working in it (openpyxl, the reader of bureaus' spreadsheets, opens it with the same
merges). Numbers are written as numbers. XlsxWriter rather than openpyxl because a
region of 10,000 bureau reports has sheets of 10,000 rows (~250,000 cells and
thousands of merges): openpyxl took ~35 s for that, formatting each merge one by
one (~5 ms a merge); XlsxWriter writes a cell in a few microseconds.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from gongkai.cityreport.grid import Grid
from gongkai.cityreport.model import CityReport

_FONT = "WenQuanYi Zen Hei"
_A4 = 9  # Excel's paper code


def _formats(wb: Any) -> dict[str, Any]:
    """One format per cell kind (thin black rules, the CJK font, centred or left, wrapped)."""
    def fmt(horizontal: str, bold: bool = False, number_format: str | None = None) -> Any:
        spec: dict[str, Any] = {"font_name": _FONT, "font_size": 10, "bold": bold, "border": 1, "border_color": "#000000",
                                "align": horizontal, "valign": "vcenter", "text_wrap": True}
        if number_format:
            spec["num_format"] = number_format
        return wb.add_format(spec)
    return {
        "corner": fmt("left"), "head": fmt("center"), "label": fmt("left"), "band": fmt("left", bold=True),
        "value": fmt("center"), "partial": fmt("center", number_format='General"*"'),
    }


def sheet_name(grid: Grid) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    name = grid.title if grid.key in ("二", "三", "四") else grid.key
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _number(value: int | Decimal) -> int | float:
    return value if isinstance(value, int) else float(value)


def write_grid(ws: Any, grid: Grid, formats: dict[str, Any], top: int = 1) -> int:
    """Write the grid with its merges starting at row ``top`` (1-based); returns the next free row."""
    for r, c, cell in grid.placed():
        row, col = top - 1 + r, c
        is_number = cell.kind == "value" and cell.value is not None
        fmt = formats["partial" if is_number and cell.partial else cell.kind]
        if cell.rowspan > 1 or cell.colspan > 1:
            # the covered cells carry the rules too, so the merged area is ruled
            ws.merge_range(row, col, row + cell.rowspan - 1, col + cell.colspan - 1,
                           _number(cell.value) if is_number else cell.text, fmt)
        elif is_number:
            ws.write_number(row, col, _number(cell.value), fmt)
        elif cell.text:
            ws.write_string(row, col, cell.text, fmt)
        else:
            ws.write_blank(row, col, None, fmt)
    return top + len(grid.rows)


def write_xlsx(report: CityReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    formats = _formats(wb)
    cover = wb.add_worksheet("说明")
    cover.write_string(0, 0, report.title, wb.add_format({"font_name": _FONT, "bold": True, "font_size": 14}))
    cover.write_string(1, 0, report.subtitle)
    line_format = wb.add_format({"font_name": _FONT, "font_size": 10})
    for i, line in enumerate(report.coverage_summary + report.notes, start=3):
        cover.write_string(i, 0, line, line_format)
    cover.set_column(0, 0, 120)
    title_format = wb.add_format({"font_name": _FONT, "bold": True, "font_size": 12})
    for grid in report.form_grids + report.analysis_grids:
        ws = wb.add_worksheet(sheet_name(grid))
        ws.write_string(0, 0, grid.title, title_format)
        write_grid(ws, grid, formats, top=3)
        labels = max(grid.n_label_columns, 1)
        ws.set_column(0, labels - 1, 30)
        if grid.n_columns > labels:
            ws.set_column(labels, grid.n_columns - 1, 12)
        ws.set_landscape()
        ws.set_paper(_A4)
    ws = wb.add_worksheet("汇总范围")
    section_format = wb.add_format({"font_name": _FONT, "bold": True, "font_size": 11})
    top = 1
    for grid in report.coverage_grids:
        ws.write_string(top - 1, 0, grid.title, section_format)
        top = write_grid(ws, grid, formats, top=top + 1) + 1
    ws.set_column(0, 7, 24)
    wb.close()
    return path
