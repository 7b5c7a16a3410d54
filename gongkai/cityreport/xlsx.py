"""The city report as a workbook: one sheet per table, the form's merged headers kept as merged cells.

openpyxl (already the reader of bureaus' spreadsheets) writes it: each ``Grid`` is laid
out with ``Grid.placed`` and every span becomes a merged range, so the sheet matches
the printed form and a clerk can keep working in it. Numbers are written as numbers.
The workbook is streamed (write-only mode): a region of 10,000 bureau reports has
sheets of 10,000 rows and thousands of merged cells, which the in-memory mode
formats one by one (about 5 ms a merge).
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from gongkai.cityreport.grid import Grid
from gongkai.cityreport.model import CityReport

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "WenQuanYi Zen Hei"


def _styles() -> dict[str, NamedStyle]:
    """One named style per cell kind: assigning a name is ~20× cheaper in openpyxl than per-cell styles."""
    def style(name: str, horizontal: str, bold: bool = False, number_format: str = "General") -> NamedStyle:
        return NamedStyle(name=name, font=Font(name=_FONT, bold=bold, size=10), border=_BORDER,
                          alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=True),
                          number_format=number_format)
    return {
        "corner": style("gk-corner", "left"), "head": style("gk-head", "center"),
        "label": style("gk-label", "left"), "band": style("gk-band", "left", bold=True),
        "value": style("gk-value", "center"), "partial": style("gk-partial", "center", number_format='General"*"'),
    }


def sheet_name(grid: Grid) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    name = grid.title if grid.key in ("二", "三", "四") else grid.key
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _style_arrays(wb: Workbook) -> dict[str, StyleArray]:
    """The cell style array of each named style, bound once (openpyxl binds a name on every assignment)."""
    probe = WriteOnlyCell(wb.active)
    out = {}
    for name in wb.named_styles:
        if name.startswith("gk-"):
            probe.style = name
            out[name] = copy(probe._style)
    return out


def grid_rows(ws, grid: Grid, styles: dict[str, StyleArray]) -> list[list]:
    """The grid's rows as write-only cells: each grid cell at its place with its value and named style, the
    positions its span covers as empty cells of the same style (so the merged area is ruled)."""
    rows: list[list] = [[None] * grid.n_columns for _ in grid.rows]
    for r, c, cell in grid.placed():
        is_number = cell.kind == "value" and cell.value is not None
        style = styles["gk-partial" if is_number and cell.partial else f"gk-{cell.kind}"]
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                target = WriteOnlyCell(ws, (cell.value if is_number else cell.text) if dr == dc == 0 else None)
                target._style = copy(style)
                rows[r + dr][c + dc] = target
    return rows


def write_grid(ws, grid: Grid, styles: dict[str, StyleArray], top: int = 1) -> int:
    """Append the grid (its first row is row ``top``, 1-based) with its merges; returns the next free row."""
    for row in grid_rows(ws, grid, styles):
        ws.append(row)
    for r, c, last_r, last_c in grid.merged_ranges():
        ws.merged_cells.add(CellRange(min_row=top + r, min_col=1 + c, max_row=top + last_r, max_col=1 + last_c))
    return top + len(grid.rows)


def _text(ws, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    cell.font = font
    return cell


def write_xlsx(report: CityReport, path: Path) -> Path:
    """Written in openpyxl's write-only mode: rows are streamed and merges recorded as ranges, which keeps a
    region of thousands of bureaus (tables of thousands of rows, thousands of merges) to seconds."""
    wb = Workbook(write_only=True)
    for style in _styles().values():
        wb.add_named_style(style)
    wb.create_sheet()  # a scratch sheet to bind the styles on, removed below
    styles = _style_arrays(wb)
    wb.remove(wb.worksheets[0])
    cover = wb.create_sheet("说明")
    cover.column_dimensions["A"].width = 120
    cover.append([_text(cover, report.title, Font(name=_FONT, bold=True, size=14))])
    cover.append([report.subtitle])
    cover.append([])
    body_font = Font(name=_FONT, size=10)
    for line in report.coverage_summary + report.notes:
        cover.append([_text(cover, line, body_font)])
    for grid in report.form_grids + report.analysis_grids:
        ws = wb.create_sheet(sheet_name(grid))
        for j in range(grid.n_columns):
            ws.column_dimensions[get_column_letter(j + 1)].width = 30 if j < max(grid.n_label_columns, 1) else 12
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.append([_text(ws, grid.title, Font(name=_FONT, bold=True, size=12))])
        ws.append([])
        write_grid(ws, grid, styles, top=3)
    ws = wb.create_sheet("汇总范围")
    for j in range(8):
        ws.column_dimensions[get_column_letter(j + 1)].width = 24
    top = 1
    for grid in report.coverage_grids:
        if top > 1:
            ws.append([])
        ws.append([_text(ws, grid.title, Font(name=_FONT, bold=True, size=11))])
        top = write_grid(ws, grid, styles, top=top + 1) + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
