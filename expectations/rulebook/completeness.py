"""Completeness: blank-cell counts, cells the layout requires, the layout a year prescribes.

The parser already reports missing sections, blocks, rows and truncated tables; these
rules read the standard tables (so they hold for reports loaded from anywhere) and
stay silent where the parser has already said what is missing.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from expectations.registry import Hits, Rule, register
from expectations.rulebook._common import hit
from transforms.report import Location
from transforms.spec import LAYOUTS, layout_for_year

_TABLE_SECTION = {"disclosure_facts": "二", "application_facts": "三", "review_facts": "四"}  # document order
# Parser findings that already say a section's cells are missing.
_PARSER_SAYS_MISSING = {"section.missing", "table.truncated", "table.row_missing", "table.block_missing",
                        "table.item_missing", "table.row_too_few_cells", "cell.split_ambiguous", "cell.split_impossible"}


def _expected_cells(layout_id: str) -> dict[str, int]:
    lay = LAYOUTS[layout_id]
    return {  # document order: 二, 三, 四
        "disclosure_facts": sum(len(b.items) * len(b.columns) for b in lay.blocks),
        "application_facts": len(lay.app_rows) * len(lay.app_columns),
        "review_facts": len(lay.review_cells),
    }


def _counts(table: pa.Table, only_blank: bool) -> Counter:
    if table.num_rows == 0:
        return Counter()
    if only_blank:
        table = table.filter(pc.fill_null(table["is_blank"], False))
    grouped = table.group_by("report_id").aggregate([("report_id", "count")])
    return Counter(dict(zip(grouped["report_id"].to_pylist(), grouped["report_id_count"].to_pylist())))


def blank_cells(inp) -> Hits:
    counts = {name: _counts(inp.tables[name], True) for name in _TABLE_SECTION}
    out: Hits = []
    for rid in inp.reports["report_id"]:
        parts = [(s, counts[name].get(rid, 0)) for name, s in _TABLE_SECTION.items()]
        total = sum(n for _, n in parts)
        if total:
            detail = "，".join(f"第{s}部分{n}个" for s, n in parts if n)
            out.append(hit(rid, "completeness.blank_cells",
                           f"表格中共有{total}个空白单元格（{detail}），已按0计入；请确认是否确为0。",
                           Location(), found=str(total), source=inp.source))
    return out


def cells_missing(inp) -> Hits:
    counts = {name: _counts(inp.tables[name], False) for name in _TABLE_SECTION}
    said = {(rid, sec) for rid, code, sec in inp.parser_codes if code in _PARSER_SAYS_MISSING}
    out: Hits = []
    for rid, layout_id in zip(inp.reports["report_id"], inp.reports["layout"]):
        if layout_id not in LAYOUTS:
            continue
        for name, n_expected in _expected_cells(layout_id).items():
            section = _TABLE_SECTION[name]
            n = counts[name].get(rid, 0)
            if n < n_expected and (rid, section) not in said and (rid, None) not in said:
                out.append(hit(rid, "completeness.cells_missing",
                               f"第{section}部分按{layout_id}版格式应有{n_expected}个数字，只读到{n}个。",
                               Location(section), expected=str(n_expected), found=str(n), source=inp.source))
    return out


def layout_year(inp) -> Hits:
    said = {rid for rid, code, _ in inp.parser_codes if code == "meta.layout_year_mismatch"}
    out: Hits = []
    for rid, year, layout_id in zip(inp.reports["report_id"], inp.reports["year"], inp.reports["layout"]):
        if rid in said or layout_id not in LAYOUTS or year is None or year != year:
            continue
        try:
            prescribed = layout_for_year(int(year)).id
        except KeyError:
            continue
        if prescribed != layout_id:
            out.append(hit(rid, "meta.layout_year_mismatch",
                           f"{int(year)}年度报告应使用{prescribed}版格式，但本报告使用的是{layout_id}版格式。",
                           Location(), expected=prescribed, found=layout_id, source=inp.source))
    return out


register(Rule(id="completeness.blank_cells", code="completeness.blank_cells", engine="pandas", run=blank_cells,
              description="每份报告的空白单元格数（按0计），按部分统计"))
register(Rule(id="completeness.cells_missing", code="completeness.cells_missing", engine="pandas", run=cells_missing,
              description="第二、三、四部分的数字个数与格式规定的一致（解析器未报告缺失时）"))
register(Rule(id="meta.layout_year", code="meta.layout_year_mismatch", engine="pandas", run=layout_year,
              description="报告所用格式与报告年度规定的格式一致（解析器未报告时）"))
