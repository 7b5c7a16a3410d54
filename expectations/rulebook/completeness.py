"""Completeness: blank-cell counts, cells the layout requires, the layout a year prescribes.

The parser already reports missing sections, blocks, rows and truncated tables; these
rules read the standard tables (so they hold for reports loaded from anywhere) and
stay silent where the parser has already said what is missing.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from expectations.registry import Hits, Rule, register
from transforms.findings import make_finding
from transforms.report import Finding, Location
from transforms.spec import LAYOUTS, layout_for_year

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pyarrow as pa

    from expectations.one_report import OneReport

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
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return Counter()
    if only_blank:
        table = table.filter(pc.fill_null(table["is_blank"], False))
    grouped = table.group_by("report_id").aggregate([("report_id", "count")])
    return Counter(dict(zip(grouped["report_id"].to_pylist(), grouped["report_id_count"].to_pylist())))


def _blank_finding(parts: list[tuple[str, int]], report: str | None) -> list[Finding]:
    """``parts``: (section, blank cells) in document order."""
    total = sum(n for _, n in parts)
    if not total:
        return []
    detail = "，".join(f"第{s}部分{n}个" for s, n in parts if n)
    return [make_finding("completeness.blank_cells", f"表格中共有{total}个空白单元格（{detail}），已按0计入；请确认是否确为0。",
                         Location(), found=str(total), report=report)]


def blank_cells(inp) -> Hits:
    counts = {name: _counts(inp.tables[name], True) for name in _TABLE_SECTION}
    return [(rid, f) for rid in inp.reports["report_id"]
            for f in _blank_finding([(s, counts[name].get(rid, 0)) for name, s in _TABLE_SECTION.items()],
                                    inp.source.get(rid))]


def blank_cells_one(rep: OneReport) -> list[Finding]:
    return _blank_finding([(s, sum(f.is_blank for f in rep.facts[name])) for name, s in _TABLE_SECTION.items()],
                          rep.source)


def _missing_findings(layout_id: str | None, counts: dict[str, int], said: set[str | None],
                      report: str | None) -> list[Finding]:
    """``counts``: cells read per fact table; ``said``: sections (None: the whole report) the parser
    already reported missing cells of."""
    if layout_id not in LAYOUTS:
        return []
    out = []
    for name, n_expected in _expected_cells(layout_id).items():
        section = _TABLE_SECTION[name]
        n = counts.get(name, 0)
        if n < n_expected and section not in said and None not in said:
            out.append(make_finding("completeness.cells_missing",
                                    f"第{section}部分按{layout_id}版格式应有{n_expected}个数字，只读到{n}个。",
                                    Location(section), expected=str(n_expected), found=str(n), report=report))
    return out


def cells_missing(inp) -> Hits:
    counts = {name: _counts(inp.tables[name], False) for name in _TABLE_SECTION}
    said: dict[str, set[str | None]] = {}
    for rid, code, sec in inp.parser_codes:
        if code in _PARSER_SAYS_MISSING:
            said.setdefault(rid, set()).add(sec)
    return [(rid, f) for rid, layout_id in zip(inp.reports["report_id"], inp.reports["layout"])
            for f in _missing_findings(layout_id, {name: counts[name].get(rid, 0) for name in _TABLE_SECTION},
                                       said.get(rid, set()), inp.source.get(rid))]


def cells_missing_one(rep: OneReport) -> list[Finding]:
    said = {sec for code, sec in rep.parser_codes if code in _PARSER_SAYS_MISSING}
    return _missing_findings(rep.layout, {name: len(rep.facts[name]) for name in _TABLE_SECTION}, said, rep.source)


def _layout_year_finding(year: int | None, layout_id: str | None, report: str | None) -> list[Finding]:
    if layout_id not in LAYOUTS or year is None or year != year:
        return []
    try:
        prescribed = layout_for_year(int(year)).id
    except KeyError:
        return []
    if prescribed == layout_id:
        return []
    return [make_finding("meta.layout_year_mismatch",
                         f"{int(year)}年度报告应使用{prescribed}版格式，但本报告使用的是{layout_id}版格式。",
                         Location(), expected=prescribed, found=layout_id, report=report)]


def layout_year(inp) -> Hits:
    said = {rid for rid, code, _ in inp.parser_codes if code == "meta.layout_year_mismatch"}
    return [(rid, f) for rid, year, layout_id in zip(inp.reports["report_id"], inp.reports["year"], inp.reports["layout"])
            if rid not in said for f in _layout_year_finding(year, layout_id, inp.source.get(rid))]


def layout_year_one(rep: OneReport) -> list[Finding]:
    if any(code == "meta.layout_year_mismatch" for code, _ in rep.parser_codes):
        return []
    return _layout_year_finding(rep.year, rep.layout, rep.source)


register(Rule(id="completeness.blank_cells", code="completeness.blank_cells", engine="pandas", run=blank_cells,
              single=blank_cells_one, description="每份报告的空白单元格数（按0计），按部分统计"))
register(Rule(id="completeness.cells_missing", code="completeness.cells_missing", engine="pandas", run=cells_missing,
              single=cells_missing_one, description="第二、三、四部分的数字个数与格式规定的一致（解析器未报告缺失时）"))
register(Rule(id="meta.layout_year", code="meta.layout_year_mismatch", engine="pandas", run=layout_year,
              single=layout_year_one, description="报告所用格式与报告年度规定的格式一致（解析器未报告时）"))
