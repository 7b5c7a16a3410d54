"""The city report as tables: the year's standard form filled with the region's sums, and the rest.

Row and column labels come from ``transforms.spec`` (the layout of the report's year),
numbers from ``warehouse.region_report`` (the roll-up views). Nothing here computes a
sum: a derived number (a share, a rank) names what it is derived from in its header.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gongkai.cityreport.grid import Grid, GridCell, format_number, header_rows, label_cells
from transforms.spec import (
    APP_HEADER_LABEL,
    APP_HEADER_NOTE,
    APP_ORG_COLUMN_KEYS,
    APP_ORG_GROUP_LABEL,
    BLOCK_ITEM_HEADER,
    HEADER_LEVEL_MARK,
    REVIEW_CELLS,
    Layout,
    layout_for_year,
)
from warehouse.region_report import BUREAU_COLUMNS, SUMMARY_COLUMNS, YOY_COLUMNS, RegionYear, Sum
from warehouse.views import app_column_labels, app_row_labels, disclosure_cells

STATUS_LABELS: dict[str, str] = {
    "clean": "通过", "flagged": "有警告", "resolved": "经办公室处理后通过", "quarantined": "暂缓（有错误）",
}
RESOLUTION_KINDS: dict[str, str] = {"set_value": "填写数值", "accept": "按原文接受", "reject": "退回待更正"}
#: How many bureaus the ranking charts show (every bureau is in the tables).
CHART_TOP = 30


@dataclass(frozen=True)
class CityReport:
    region: str
    year: int
    layout: Layout
    title: str
    subtitle: str
    form_grids: tuple[Grid, ...]  # 二, 三, 四 as the form prints them
    analysis_grids: tuple[Grid, ...]  # trend, year over year, ranking
    coverage_grids: tuple[Grid, ...]  # included, missing, held back, resolved
    coverage_summary: tuple[str, ...]  # sentences
    notes: tuple[str, ...]  # what a reader of the numbers must know (partial cells, other editions)
    data: RegionYear


def status_label(status: str | None) -> str:
    return f"{STATUS_LABELS.get(status or '', status or '—')}（{status}）"


def column_label(name: str) -> str:
    """A wide-view column named from the spec: 一、本年新收… · 总计, 行政复议 · 总计, 第二十条第（八）项 · …"""
    rows, cols = app_row_labels(), app_column_labels()
    for row, row_label in rows.items():
        for col, col_label in cols.items():
            if name == f"{row}_{col}":
                return f"{row_label} · {col_label}"
    for cell in REVIEW_CELLS:
        if name == f"{cell.group}_{cell.outcome}":
            return f"{cell.group_label} · {cell.outcome_label}"
    for d in disclosure_cells():
        if name == d.name:
            return d.label.split(" (layout")[0]
    raise KeyError(f"no label for column {name!r}")


def _value_cell(key: str, total: Sum | None, n_included: int) -> GridCell:
    value = total.value if total is not None else None
    partial = total is not None and total.n_reports < n_included
    text = format_number(value) + ("*" if partial else "")
    return GridCell(text, "value", key=key, value=value, partial=partial)


def _number_cell(key: str, value: Any) -> GridCell:
    return GridCell(format_number(value), "value", key=key, value=value)


def _grid(key: str, title: str, header: list[list[GridCell]], body: list[list[GridCell]],
          n_columns: int, n_label_columns: int) -> Grid:
    return Grid(key, title, n_columns, len(header), n_label_columns,
                tuple(tuple(r) for r in header) + tuple(tuple(r) for r in body))


# ---------------------------------------------------------------------------
# The form: sections 二, 三, 四
# ---------------------------------------------------------------------------

def disclosure_grid(layout: Layout, ry: RegionYear) -> Grid:
    n_columns = 1 + max(len(b.columns) for b in layout.blocks)
    body: list[list[GridCell]] = []
    for block in layout.blocks:
        body.append([GridCell(block.label, "band", colspan=n_columns)])
        spare = n_columns - 1 - len(block.columns)
        heads = [GridCell(BLOCK_ITEM_HEADER, "head")]
        for i, col in enumerate(block.columns):
            label = col.label if col.kind != "money" or "万元" in col.label else f"{col.label}（万元）"
            heads.append(GridCell(label, "head", colspan=1 + (spare if i == len(block.columns) - 1 else 0)))
        body.append(heads)
        for item in block.items:
            row = [GridCell(item.label, "label")]
            for i, col in enumerate(block.columns):
                cell = _value_cell(f"二.{block.key}.{item.key}.{col.key}",
                                   ry.disclosure.get((block.key, item.key, col.key)), ry.n_reports)
                if i == len(block.columns) - 1 and spare:
                    cell = GridCell(cell.text, cell.kind, colspan=1 + spare, key=cell.key, value=cell.value,
                                    partial=cell.partial)
                row.append(cell)
            body.append(row)
    section = layout.section("active_disclosure")
    return _grid("二", f"{section.number}、{section.label}", [], body, n_columns, 1)


def applications_grid(layout: Layout, ry: RegionYear) -> Grid:
    paths = [(APP_HEADER_LABEL, APP_ORG_GROUP_LABEL, c.label) if c.key in APP_ORG_COLUMN_KEYS
             else (APP_HEADER_LABEL, c.label) for c in layout.app_columns]
    header = header_rows(paths, APP_HEADER_NOTE, 3)
    groups = {g.key: g.label for g in layout.app_groups}
    results = groups["results"]
    row_paths: list[tuple[str, ...]] = []
    for row in layout.app_rows:
        if row.group is None:
            row_paths.append((row.label,))
        elif row.group == "results":
            row_paths.append((results, row.label))
        else:
            row_paths.append((results, groups[row.group], row.label))
    labels = label_cells(row_paths, 3)
    body = [labels[i] + [_value_cell(f"三.{row.key}.{col.key}", ry.applications.get((row.key, col.key)),
                                     ry.n_reports) for col in layout.app_columns]
            for i, row in enumerate(layout.app_rows)]
    section = layout.section("applications")
    return _grid("三", f"{section.number}、{section.label}", header, body, 3 + len(layout.app_columns), 3)


def review_grid(layout: Layout, ry: RegionYear) -> Grid:
    paths = [tuple(c.group_label.split(HEADER_LEVEL_MARK)) + (c.outcome_label,) for c in layout.review_cells]
    header = header_rows(paths, "", 0)
    body = [[_value_cell(f"四.{c.group}.{c.outcome}", ry.review.get((c.group, c.outcome)), ry.n_reports)
             for c in layout.review_cells]]
    section = layout.section("review_litigation")
    return _grid("四", f"{section.number}、{section.label}", header, body, len(layout.review_cells), 0)


# ---------------------------------------------------------------------------
# Analysis: trend, year over year, ranking
# ---------------------------------------------------------------------------

def trend_grid(ry: RegionYear) -> Grid:
    cols = [c for _, c in SUMMARY_COLUMNS]
    header = header_rows([("汇总报告数",)] + [(column_label(c),) for c in cols], "年度", 1)
    body = []
    for year, row in sorted(ry.summary.items()):
        body.append([GridCell(f"{year}年", "label"), _number_cell(f"趋势.{year}.n_reports", row["n_reports"])]
                    + [_number_cell(f"趋势.{year}.{c}", row[c]) for c in cols])
    return _grid("趋势", f"近{len(ry.summary)}年汇总（有数据的年度）", header, body, 2 + len(cols), 1)


def year_over_year_grid(ry: RegionYear) -> Grid:
    paths: list[tuple[str, ...]] = []
    for c in YOY_COLUMNS:
        paths += [(column_label(c), f"{ry.year}年"), (column_label(c), f"{ry.year - 1}年"), (column_label(c), "增减")]
    paths.append(("上年结转 = 上一年度结转下年度",))
    header = header_rows(paths, "部门", 1)
    body = []
    for row in ry.year_over_year:
        key = row["bureau_id"]
        cells = [GridCell(row["bureau"] or key, "label")]
        for c in YOY_COLUMNS:
            cells += [_number_cell(f"同比.{key}.{c}", row[c]), _number_cell(f"同比.{key}.prev_{c}", row[f"prev_{c}"]),
                      _number_cell(f"同比.{key}.{c}_change", row[f"{c}_change"])]
        consistent = row["is_carry_over_consistent"]
        cells.append(GridCell({True: "一致", False: "不一致", None: "—"}[consistent], "value",
                              key=f"同比.{key}.is_carry_over_consistent"))
        body.append(cells)
    return _grid("同比", f"各部门与上年比较（{ry.year}年 对 {ry.year - 1}年；上年无可用报告的为 —）",
                 header, body, 1 + len(paths), 1)


def share(part: int | None, whole: int | None) -> Decimal | None:
    """part ÷ whole as a percentage rounded to 0.1 (None when either is missing or whole is 0)."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def ranked_bureaus(ry: RegionYear) -> list[dict[str, Any]]:
    return sorted(ry.bureaus, key=lambda b: (-(b["new_received_total"] or 0), b["bureau"] or "", b["report_id"]))


def ranking_grid(ry: RegionYear) -> Grid:
    granted, partial, total = "granted_total", "partially_granted_total", "results_total_total"
    paths = [(column_label(c),) for c in BUREAU_COLUMNS]
    paths += [(f"予以公开占比 %（{column_label(granted)} ÷ {column_label(total)}）",),
              (f"部分公开占比 %（{column_label(partial)} ÷ {column_label(total)}）",)]
    header = header_rows([("状态",)] + paths, "部门（按本年新收申请数排序）", 2)
    body = []
    for rank, row in enumerate(ranked_bureaus(ry), start=1):
        key = row["report_id"]
        body.append([GridCell(str(rank), "label"), GridCell(row["bureau"] or "—", "label"),
                     GridCell(status_label(row["status"]), "label")]
                    + [_number_cell(f"排名.{key}.{c}", row[c]) for c in BUREAU_COLUMNS]
                    + [_number_cell(f"排名.{key}.granted_share", share(row[granted], row[total])),
                       _number_cell(f"排名.{key}.partial_share", share(row[partial], row[total]))])
    return _grid("排名", "各部门收到申请数与公开比例", header, body, 3 + len(paths), 2)


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------

def _simple_grid(key: str, title: str, columns: list[str], rows: list[list[str]]) -> Grid:
    header = [[GridCell(c, "head") for c in columns]]
    body = [[GridCell(v, "label") for v in r] for r in rows]
    return _grid(key, title, header, body, len(columns), 0)


def coverage_grids(ry: RegionYear) -> list[Grid]:
    cov = ry.coverage
    grids = [_simple_grid(
        "已汇总", f"已汇总的报告（{len(cov.included)} 份）", ["部门", "状态", "版本", "错误", "警告", "格式", "文件"],
        [[r["bureau"] or "—", status_label(r["status"]), str(r["version_no"]), str(r["n_errors"]),
          str(r["n_warnings"]), r["layout"] or "—", r["source_path"] or "—"] for r in cov.included])]
    grids.append(_simple_grid(
        "未报送", f"未报送（名录中有、本年度未收到报告，{len(cov.missing)} 个）", ["部门", "级别"],
        [[r["bureau_name"], r["level"] or "—"] for r in cov.missing]))
    body: list[list[GridCell]] = []
    for held in cov.held_back:
        errors = held.errors or ({"code": "—", "message": "（无错误记录）", "section": None, "row_label": None,
                                  "column_label": None, "expected": None, "found": None},)
        for i, e in enumerate(errors):
            where = " · ".join(x for x in (e["section"], e["row_label"], e["column_label"]) if x) or "—"
            row: list[GridCell] = []
            if i == 0:
                row += [GridCell(held.bureau or "—", "label", rowspan=len(errors)),
                        GridCell(held.source_path or "—", "label", rowspan=len(errors))]
            row += [GridCell(e["code"], "label"), GridCell(where, "label"), GridCell(e["message"] or "", "label")]
            body.append(row)
    grids.append(_grid("暂缓", f"暂缓汇总（有错误、未经处理，{len(cov.held_back)} 份）及原因",
                       [[GridCell(c, "head") for c in ("部门", "文件", "规则", "位置", "说明")]], body, 5, 0))
    if cov.resolutions:
        grids.append(_simple_grid(
            "已处理", f"经办公室处理的问题（{len(cov.resolutions)} 项）",
            ["部门", "决定", "规则", "单元格", "数值", "说明", "决定人", "时间"],
            [[r["bureau"] or "—", RESOLUTION_KINDS.get(r["kind"], r["kind"]), r["finding_code"] or "—",
              " · ".join(x for x in (r["section"], r["row_key"], r["column_key"]) if x) or "—",
              "—" if r["value"] is None else str(r["value"]), r["note"] or "", r["decided_by"] or "—",
              str(r["decided_at"] or "—")] for r in cov.resolutions]))
    return grids


def coverage_summary(ry: RegionYear) -> list[str]:
    cov = ry.coverage
    by_status: dict[str, int] = {}
    for r in cov.included:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    parts = "，".join(f"{status_label(s)} {n} 份" for s, n in sorted(by_status.items()))
    out = [f"本汇总表合计了{ry.region}{ry.year}年度 {len(cov.included)} 份部门报告（{parts or '无'}）：每个部门的当前版本，"
           "状态为通过、有警告或经办公室处理后通过。"]
    out.append(f"未报送 {len(cov.missing)} 个部门；暂缓汇总 {len(cov.held_back)} 份（有错误，见下表原因）。")
    if not cov.resolutions:
        out.append("办公室未对本年度报告作出处理决定：没有报告经处理后计入。")
    else:
        people = sorted({r["decided_by"] for r in cov.resolutions if r["decided_by"]})
        out.append(f"办公室处理的问题 {len(cov.resolutions)} 项，决定人：{'、'.join(people) or '—'}。")
    if cov.unassigned:
        out.append(f"另有 {cov.unassigned} 份{ry.year}年度报告的部门不在名录中（无所属地区），未计入任何地区。")
    return out


def notes(layout: Layout, ry: RegionYear) -> list[str]:
    out: list[str] = []
    grids_partial = any(s.n_reports < ry.n_reports for s in
                        list(ry.applications.values()) + list(ry.review.values()) + list(ry.disclosure.values()))
    if grids_partial:
        out.append("带 * 的数字只合计了部分报告：其余已汇总报告中该单元格缺失或无法读取（数字为各报告所印之和）。")
    foreign_rows = sorted({r for r, _ in ry.applications} - set(layout.app_row_keys))
    for row in foreign_rows:
        total = ry.applications.get((row, "total"))
        out.append(f"有报告使用了另一版格式：其“{app_row_labels()[row]}”行（总计 {format_number(total.value if total else None)}，"
                   f"{total.n_reports if total else 0} 份报告）不在{layout.id}版表格中，但已计入“（七）总计”。")
    foreign_cells = sorted({k for k in ry.disclosure} - {(b.key, i.key, c.key) for b in layout.blocks
                                                         for i in b.items for c in b.columns})
    if foreign_cells:
        out.append(f"有报告使用了另一版第二部分格式：{len(foreign_cells)} 个单元格不在{layout.id}版表格中，未列出。")
    for agg in ry.coverage.aggregates:
        out.append(f"{agg['bureau']}的报告已汇总其下属部门（名录中有下级）：与下属部门的报告一并相加，其数字被重复计算。")
    if not ry.coverage.included:
        out.append("没有可汇总的报告：表中数字均为 —。")
        if not ry.coverage.held_back and not ry.coverage.missing:
            out.append(f"数据库中没有任何{ry.year}年度的报告，因此也无法列出未报送的部门（名录对照以已收到报告的年度为准）。")
    return out


def build_model(ry: RegionYear) -> CityReport:
    layout = layout_for_year(ry.year)
    form = (disclosure_grid(layout, ry), applications_grid(layout, ry), review_grid(layout, ry))
    analysis = (trend_grid(ry), year_over_year_grid(ry), ranking_grid(ry))
    return CityReport(
        region=ry.region, year=ry.year, layout=layout,
        title=f"{ry.region}{ry.year}年政府信息公开工作年度报告（汇总）",
        subtitle=f"按{layout.document}格式，由 {ry.n_reports} 份部门报告汇总",
        form_grids=form, analysis_grids=analysis, coverage_grids=tuple(coverage_grids(ry)),
        coverage_summary=tuple(coverage_summary(ry)), notes=tuple(notes(layout, ry)), data=ry,
    )
