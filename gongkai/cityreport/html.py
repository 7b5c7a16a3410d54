"""The city report as one HTML page ready to print: A4 landscape, the form's ruled tables, offline.

No CDN, no script: the CSS is inline, fonts are the system's CJK fonts (WenQuanYi,
Noto CJK, SimSun on Windows), charts are the SVG files beside the page. Every summed
cell carries ``data-key`` and ``data-value`` so a browser test can read the numbers
back from the DOM and compare them with the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from gongkai.cityreport.grid import Grid, GridCell
from gongkai.cityreport.model import CityReport

CSS = """
@page { size: A4 landscape; margin: 10mm 10mm; }
html { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC",
       "SimSun", "宋体", "Microsoft YaHei", sans-serif; font-size: 10.5pt; color: #000; }
body { margin: 0 auto; max-width: 277mm; }
h1 { font-size: 18pt; text-align: center; margin: 4mm 0 1mm; font-weight: bold; }
p.subtitle { text-align: center; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; font-weight: bold; break-after: avoid; }
section.form-section table.form { break-inside: avoid; }  /* each form table fits one A4 page: keep it whole */
h3 { font-size: 11pt; margin: 4mm 0 2mm; break-after: avoid; }
table.form { border-collapse: collapse; width: 100%; margin: 0 0 3mm; page-break-inside: auto; font-size: 8.5pt; }
table.form th, table.form td { border: 1px solid #000; padding: 0.4mm 1mm; vertical-align: middle; line-height: 1.25; }
table.form td.value, table.form th.head { min-width: 11mm; }
table.form th { font-weight: normal; text-align: center; background: #fff; }
table.form th.corner { font-size: 8.5pt; text-align: left; }
table.form td.label { text-align: left; }
table.form td.value { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.form td.band { text-align: left; font-weight: bold; }
table.form td.partial { font-style: italic; }
table.form tr { page-break-inside: avoid; }
table.form thead { display: table-header-group; }
ul.notes li, ul.coverage li { margin: 1mm 0; }
figure { display: inline-block; width: 48%; margin: 0 0.5% 4mm; vertical-align: top; page-break-inside: avoid; }
figure img { width: 100%; height: auto; }
figcaption { text-align: center; font-size: 9.5pt; }
section { page-break-before: auto; }
section.coverage, section.charts, section.form-三 { page-break-before: always; }
"""


def _attrs(cell: GridCell) -> str:
    out = []
    if cell.rowspan > 1:
        out.append(f' rowspan="{cell.rowspan}"')
    if cell.colspan > 1:
        out.append(f' colspan="{cell.colspan}"')
    if cell.key is not None:
        out.append(f' data-key="{escape(cell.key)}"')
        if cell.value is not None:
            out.append(f' data-value="{escape(str(cell.value))}"')
    return "".join(out)


def _row_html(row: tuple[GridCell, ...]) -> str:
    cells = []
    for cell in row:
        tag = "th" if cell.kind in ("head", "corner") else "td"
        cls = cell.kind + (" partial" if cell.partial else "")
        cells.append(f'<{tag} class="{cls}"{_attrs(cell)}>{escape(cell.text)}</{tag}>')
    return "<tr>" + "".join(cells) + "</tr>"


def grid_html(grid: Grid) -> str:
    head, body = grid.rows[:grid.n_header_rows], grid.rows[grid.n_header_rows:]
    lines = [f'<table class="form" data-grid="{escape(grid.key)}">']
    if head:
        lines += ["<thead>", *(_row_html(r) for r in head), "</thead>"]
    lines += ["<tbody>", *(_row_html(r) for r in body), "</tbody>", "</table>"]
    return "\n".join(lines)


def _list(items: tuple[str, ...] | list[str], cls: str) -> str:
    if not items:
        return ""
    return f'<ul class="{cls}">' + "".join(f"<li>{escape(s)}</li>" for s in items) + "</ul>"


def render_html(report: CityReport, charts: Mapping[str, tuple[str, str]]) -> str:
    """The page; ``charts`` maps a chart's caption to (SVG path relative to the page, PNG path)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="subtitle">{escape(report.subtitle)}</p>',
        '<section class="summary"><h2>汇总范围</h2>',
        _list(report.coverage_summary, "coverage"),
        _list(report.notes, "notes"),
        "</section>",
    ]
    for grid in report.form_grids:
        parts += [f'<section class="form-section form-{escape(grid.key)}"><h2>{escape(grid.title)}</h2>', grid_html(grid), "</section>"]
    if charts:
        parts.append('<section class="charts"><h2>图表</h2>')
        for caption, (svg, _png) in charts.items():
            parts.append(f'<figure><img src="{escape(svg)}" alt="{escape(caption)}">'
                         f"<figcaption>{escape(caption)}</figcaption></figure>")
        parts.append("</section>")
    for grid in report.analysis_grids:
        parts += [f'<section class="analysis"><h2>{escape(grid.title)}</h2>', grid_html(grid), "</section>"]
    parts.append('<section class="coverage"><h2>汇总范围明细</h2>')
    for grid in report.coverage_grids:
        parts += [f"<h3>{escape(grid.title)}</h3>", grid_html(grid)]
    parts += ["</section>", "</body></html>"]
    return "\n".join(p for p in parts if p)
