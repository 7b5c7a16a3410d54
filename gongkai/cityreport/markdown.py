"""The city report as Markdown: the same tables, merged headers flattened into ``上级 · 下级`` labels.

Markdown has no merged cells, so each column's header is the path of the header cells
above it and each row's label the path of the label cells beside it (both taken from
``Grid.placed``, like the XLSX merges). Band rows (a section 二 block label) become a
row of their own.
"""

from __future__ import annotations

from collections.abc import Mapping

from gongkai.cityreport.grid import Grid, GridCell
from gongkai.cityreport.model import CityReport


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _join(parts: list[str]) -> str:
    out: list[str] = []
    for p in parts:
        if p and (not out or out[-1] != p):
            out.append(p)
    return " · ".join(out)


def grid_markdown(grid: Grid) -> str:
    # cover[r][c]: the cell that covers position (r, c) (None: no cell there)
    cover: list[list[GridCell | None]] = [[None] * grid.n_columns for _ in grid.rows]
    for r, c, cell in grid.placed():
        for dr in range(cell.rowspan):
            if r + dr < len(cover):
                cover[r + dr][c:c + cell.colspan] = [cell] * cell.colspan
    n_label = grid.n_label_columns
    body_rows = range(grid.n_header_rows, len(grid.rows))
    if grid.n_header_rows:
        heads = [_join([cover[r][c].text for r in range(grid.n_header_rows) if cover[r][c] is not None])
                 for c in range(grid.n_columns)]
        if n_label:
            heads = [heads[0]] + heads[n_label:]
    else:
        heads = [""] * (grid.n_columns - max(n_label, 1) + 1)
    lines = ["| " + " | ".join(_md(h) for h in heads) + " |", "|" + "---|" * len(heads)]
    for r in body_rows:
        cells = cover[r]
        first = cells[0]
        if first is not None and first.kind == "band" and first.colspan == grid.n_columns:
            lines.append("| **" + _md(first.text) + "** |" + " |" * (len(heads) - 1))
            continue
        values: list[str] = []
        if n_label:
            values.append(_join([cells[c].text for c in range(n_label) if cells[c] is not None]))
        seen: set[int] = set()
        for c in range(n_label, grid.n_columns):
            cell = cells[c]
            if cell is None:
                values.append("")
            elif id(cell) in seen:
                values.append("")  # a cell spread over spare columns is printed once
            else:
                values.append(cell.text)
                seen.add(id(cell))
        lines.append("| " + " | ".join(_md(v) for v in values) + " |")
    return "\n".join(lines)


def render_markdown(report: CityReport, charts: Mapping[str, tuple[str, str]]) -> str:
    out = [f"# {report.title}", "", report.subtitle, "", "## 汇总范围", ""]
    out += [f"- {s}" for s in report.coverage_summary + report.notes]
    for grid in report.form_grids:
        out += ["", f"## {grid.title}", "", grid_markdown(grid)]
    if charts:
        out += ["", "## 图表", ""]
        out += [f"![{caption}]({png})" for caption, (_svg, png) in charts.items()]
    for grid in report.analysis_grids:
        out += ["", f"## {grid.title}", "", grid_markdown(grid)]
    out += ["", "## 汇总范围明细"]
    for grid in report.coverage_grids:
        out += ["", f"### {grid.title}", "", grid_markdown(grid)]
    return "\n".join(out) + "\n"
