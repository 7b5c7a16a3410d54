"""Section 二: the small tables of actively disclosed information, one per article item.

A block starts at its header (第二十条第（五）项); its column header row
(信息内容 | 上一年项目数量 | …) may declare a unit (单位：元); items are matched by
name (old names under the new layout included). A row whose block header was lost
(a page cut) is placed by its item, which is unique within a layout. There are no
identities inside this section, so run-together digits are split only where every
reading gives the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from transforms.cells import RowReading, ValueSource, read_values, reading_findings
from transforms.extract_applications import split_label_values
from transforms.evidence import Evidence, LastYear, Check, habit_finding, settle, settle_by_habit, settled_findings, shows_printed_zeros
from transforms.findings import make_finding
from transforms.flat import flat_text, value_region
from transforms.labels import find_block_headers, item_names, match_block_column, match_block_header, match_item, norm_label, unit_in_header
from transforms.numbers import is_value_text
from transforms.report import ActiveDisclosureCell, Location, ParsedReport, TraceLine
from transforms.sections import RowUnit, TextUnit, Unit
from transforms.spec import BlockSpec, ItemSpec, Layout

SECTION = "二"


@dataclass
class _BlockState:
    block: BlockSpec | None = None
    units: dict[str, str] | None = None  # column key -> unit declared in header


def _store(report: ParsedReport, block: BlockSpec, item: ItemSpec, reading: RowReading, raw: str, location: str,
           seen: set[tuple[str, str]], notes: list | None = None) -> None:
    report.trace.append(TraceLine(SECTION, item.label, f"{block.key}.{item.key}", raw, reading.status, location))
    if (block.key, item.key) in seen:
        report.add(make_finding(
            "table.row_duplicate", f"第二部分“{block.label}”的“{item.label}”出现了两次，采用第一次出现的数字。",
            Location(SECTION, item.label, None, location), found=raw,
        ))
        return
    seen.add((block.key, item.key))
    for col, cell in zip(block.columns, reading.cells):
        report.active_disclosure.append(
            ActiveDisclosureCell(block.key, item.key, col.key, cell, "万元" if col.kind == "money" else "件")
        )
    labels = [c.label for c in block.columns]
    for f in reading_findings(reading, section=SECTION, where=f"“{block.label}”中“{item.label}”", row_label=item.label,
                              column_labels=labels, raw=raw, location=location, identity=None):
        report.add(f)
    for f in notes or ():
        report.add(f)
    if reading.status == "recovered" and not notes:
        report.add(make_finding(
            "cell.split_recovered", f"第二部分“{item.label}”的数字“{raw}”连在一起，只有一种读法，已拆分。",
            Location(SECTION, item.label, None, location), found=raw,
        ))


def _money_unit(block: BlockSpec, units: dict[str, str] | None) -> str:
    for col in block.columns:
        if col.kind == "money" and units and col.key in units:
            return units[col.key]
    return "万元"


def extract_grid(units: list[RowUnit], layout: Layout, report: ParsedReport, seen: set) -> None:
    state = _BlockState()
    for unit in units:
        distinct = unit.distinct_cells()
        texts = [c.text for c in distinct]
        joined = "".join(texts)
        block = match_block_header(joined, layout)
        if block is not None and not any(is_value_text(t) and t.strip() for t in texts):
            state = _BlockState(block, {})
            continue
        first = next((t for t in texts if t.strip()), "")
        if "信息内容" in norm_label(first):
            if state.block is not None:
                state.units = {}
                for t in texts[1:]:
                    col = match_block_column(t, state.block)
                    unit_name = unit_in_header(t)
                    if col is not None and unit_name:
                        state.units[col.key] = unit_name
            continue
        if not first.strip():
            continue
        # label cells: a block header may share the row with the item (合并单元格 layouts)
        labels, vstart = split_label_values(texts)
        matched = None
        for label in labels:
            header_block = match_block_header(label, layout)
            if header_block is not None and header_block is not state.block:
                state = _BlockState(header_block, {})
            found = match_item(label, layout, state.block)
            if found is not None:
                matched = found
        if matched is None:
            continue
        block, item = matched
        if state.block is not block:
            state = _BlockState(block, {})
        values = distinct[vstart:]
        kinds = tuple(c.kind for c in block.columns)
        # drop padding cells beyond the block's columns (text tables have no spans):
        # trailing ones, then placeholders of merged label columns before the values
        while len(values) > len(kinds) and not values[-1].text.strip():
            values = values[:-1]
        while len(values) > len(kinds) and not values[0].text.strip():
            values = values[1:]
        src = ValueSource(tuple(c.text for c in values), tuple(c.location for c in values), free_text=False)
        reading = read_values(src, kinds, "none", money_unit=_money_unit(block, state.units))
        _store(report, block, item, reading, " | ".join(c.text.strip() for c in values), unit.location, seen)


_DOC_STATEMENTS = {"docs_issued": "issued", "docs_repealed": "repealed", "docs_in_force": "in_force"}


# a stand-in last year: which rows could last year's report settle at all
_WITH_LAST_YEAR = Evidence(last_year=LastYear(0, "", None, (("rules", Decimal(0)), ("normative_docs", Decimal(0)))))


def _tests(layout: Layout, block: BlockSpec, item: ItemSpec, evidence: Evidence) -> list[Check]:
    """Evidence for a 2021-layout 第二十条第（一）项 row: statements about 规范性文件, and identity 6."""
    if layout.id != "2021" or block.key != "art20_1":
        return []
    cols = [c.key for c in block.columns]
    if not all(k in cols for k in ("issued", "repealed", "in_force")):
        return []
    iss, rep, inf = cols.index("issued"), cols.index("repealed"), cols.index("in_force")
    out = []
    if item.key == "normative_docs":
        for st in evidence.statements:
            col = _DOC_STATEMENTS.get(st.quantity)
            if col is not None:
                i, n = cols.index(col), Decimal(st.number)
                out.append(Check("split_by_narrative", f"正文“{st.phrase}”", lambda v, i=i, n=n: v[i] == n))
    ly = evidence.last_year
    prev = ly.in_force_of(item.key) if ly is not None else None
    if prev is not None:
        out.append(Check(
            "split_by_last_year", f"{ly.year}年报告的“{item.label}”现行有效件数{format(prev, 'f')}（{ly.source}；"
            "上年现行有效 + 本年制发 − 本年废止 = 本年现行有效）",
            lambda v, p=prev: p + v[iss] - v[rep] == v[inf]))
    return out


def extract_flat(units: list[TextUnit], layout: Layout, report: ParsedReport, seen: set,
                 spaces_separate: bool | None, evidence: Evidence | None = None, habit_elsewhere: int = 0) -> None:
    ft = flat_text(units)
    if not ft.norm:
        return
    headers = find_block_headers(ft.norm)
    hits: list[tuple[int, int, BlockSpec, ItemSpec]] = []
    taken: list[tuple[int, int]] = []
    for name, block, item in item_names(layout):
        start = 0
        while True:
            i = ft.norm.find(name, start)
            if i < 0:
                break
            start = i + 1
            if any(a <= i < b for a, b in taken):
                continue
            taken.append((i, i + len(name)))
            hits.append((i, i + len(name), block, item))
    hits.sort(key=lambda h: h[0])
    rows: list[tuple[BlockSpec, ItemSpec, RowReading, str, str, tuple[str, ...], str]] = []
    boundaries = sorted([h[0] for h in hits] + [a for a, _, _ in headers])
    for start, end, block, item in hits:
        # an item name must be followed by its numbers, not be part of a sentence
        nxt = next((b for b in boundaries if b >= end), len(ft.norm))
        prefix, _, offset = value_region(ft, end, nxt, item.label)
        if not prefix.strip() or re.search(r"[\u4e00-\u9fff]", ft.text[ft.text_pos(end):offset]):
            continue
        # the block header before it says which block (and its columns' units)
        current = [h for h in headers if h[0] < start]
        units_decl: dict[str, str] = {}
        if current:
            h_start = current[-1][1]
            header_text = ft.norm[h_start:start]
            for col in block.columns:
                for name in (col.label,) + col.aliases + col.keywords:
                    j = header_text.find(norm_label(name))
                    if j >= 0:
                        u = unit_in_header(header_text[j:j + len(name) + 10])
                        if u:
                            units_decl[col.key] = u
                        break
        kinds = tuple(c.kind for c in block.columns)
        loc = ft.location_at(offset)
        src = ValueSource((prefix,), (loc,), free_text=True,
                          spaces_separate=True if spaces_separate is None else spaces_separate)
        unit_name = _money_unit(block, units_decl)
        reading = read_values(src, kinds, "none", money_unit=unit_name)
        rows.append((block, item, reading, prefix.strip(), loc, kinds, unit_name))
    labels_of = {b.key: [c.label for c in b.columns] for b in layout.blocks}
    notes: dict[int, list] = {}
    if evidence is not None:
        for n, (block, item, reading, raw, loc, kinds, unit_name) in enumerate(rows):
            s = settle(reading, _tests(layout, block, item, evidence), kinds, loc, unit_name)
            if s is not None:
                evidence.count(s.how or "", len(s.newly))
                notes.setdefault(n, []).extend(settled_findings(
                    s, section=SECTION, where=f"“{block.label}”中“{item.label}”", row_label=item.label,
                    column_labels=labels_of[block.key], raw=raw, location=loc))
        if evidence.use_habit and rows:
            holds, zero_rows = shows_printed_zeros([(r[2], r[5]) for r in rows], habit_elsewhere)
            table = "第二部分表格" if zero_rows > habit_elsewhere else "第三部分表格"
            if holds:
                for n, (block, item, reading, raw, loc, kinds, unit_name) in enumerate(rows):
                    newly = settle_by_habit(reading, kinds, loc, unit_name)
                    evidence.count("split_by_habit", len(newly))
                    notes.setdefault(n, []).extend(habit_finding(
                        newly, section=SECTION, where=f"“{block.label}”中“{item.label}”", row_label=item.label,
                        column_labels=labels_of[block.key], raw=raw, location=loc, zero_rows=zero_rows, table=table))
    for n, (block, item, reading, raw, loc, kinds, unit_name) in enumerate(rows):
        if evidence is not None and evidence.last_year is None and reading.status == "ambiguous" and \
                any(t.how == "split_by_last_year" for t in _tests(layout, block, item, _WITH_LAST_YEAR)):
            evidence.wants_last_year = True
        _store(report, block, item, reading, raw, loc, seen, notes.get(n, []))


def extract_disclosure(units: list[Unit], layout: Layout, report: ParsedReport, section_found: bool,
                       spaces_separate: bool | None = None, evidence: Evidence | None = None,
                       habit_elsewhere: int = 0) -> None:
    """``spaces_separate``: in free text, whether whitespace marks cell borders (decided on section 三).
    ``habit_elsewhere``: all-zero rows section 三 prints when its habit holds (0 otherwise)."""
    seen: set[tuple[str, str]] = set()
    grid = [u for u in units if isinstance(u, RowUnit)]
    text = [u for u in units if isinstance(u, TextUnit)]
    if grid:
        extract_grid(grid, layout, report, seen)
    if text:
        extract_flat(text, layout, report, seen, spaces_separate, evidence, habit_elsewhere)
    # keep the layout's order: block, item, column
    order = {(b.key, i.key, c.key): n for n, (b, i, c) in enumerate(
        (b, i, c) for b in layout.blocks for i in b.items for c in b.columns)}
    report.active_disclosure.sort(key=lambda a: order.get((a.block, a.item, a.column), 10**6))
    if not section_found and not seen:
        return
    for block in layout.blocks:
        items_seen = [i for i in block.items if (block.key, i.key) in seen]
        if not items_seen:
            report.add(make_finding(
                "table.block_missing", f"第二部分缺少“{block.label}”表格（{'、'.join(i.label for i in block.items)}）。",
                Location(SECTION, block.label),
            ))
            continue
        for item in block.items:
            if (block.key, item.key) not in seen:
                report.add(make_finding(
                    "table.item_missing", f"第二部分“{block.label}”缺少“{item.label}”一行。", Location(SECTION, item.label),
                ))
    blank = sum(1 for a in report.active_disclosure if a.cell.is_blank)
    if blank:
        report.add(make_finding("cell.blank", f"第二部分有{blank}个空白单元格，按0计。", Location(SECTION), found=str(blank)))
