"""Section 三: the applications matrix, from a grid table or from free text.

Rows are matched by label (never by position), columns by header label where the
carrier knows real spans, otherwise by order. Each row is read with the row-sum
identity available for splitting run-together digits; rows still ambiguous are
then settled, where possible, by the column identities (I1, I2) across rows.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from transforms.cells import (
    RowReading,
    ValueSource,
    candidates_to_cells,
    drop_cell,
    narrow,
    read_values,
    reading_findings,
    without_identity,
)
from transforms.evidence import Evidence, Check, habit_finding, settle, settle_by_habit, settled_findings, shows_printed_zeros
from transforms.findings import make_finding
from transforms.flat import LabelHit, best_chain, flat_text, label_span, numbering_pattern, value_region
from transforms.labels import is_app_header_text, match_app_column, match_app_row, norm_label
from transforms.numbers import is_value_text
from transforms.report import ExtraColumnCell, ExtraRow, Location, ParsedReport, TraceLine
from transforms.sections import RowUnit, TextUnit, Unit
from transforms.spec import GroupSpec, Layout, RowSpec
from transforms.statements import corroborated_flow
from transforms.report import CellValue
from transforms.row_order import rows_by_order
from transforms.splitting import Readings, split_free, split_sum_group, split_with_subtotal, tokenize

SECTION = "三"
MAX_COMBOS = 20000


@dataclass
class RowResult:
    spec: RowSpec
    reading: RowReading
    label: str
    location: str
    raw_values: str


@dataclass
class AppExtraction:
    rows: dict[str, RowResult] = field(default_factory=dict)
    spaces_separate: bool | None = None  # flat text: whether whitespace marked cell borders
    # layout 2021: a （六）其他处理 row printed with numbers (its source, the extra row it became, its finding)
    other_group: tuple | None = None


def split_label_values(texts: list[str]) -> tuple[list[str], int]:
    """Leading label cells of a grid row and the index where its values start."""
    i = 0
    while i < len(texts) and not texts[i].strip():
        i += 1
    labels = []
    while i < len(texts) and texts[i].strip() and not is_value_text(texts[i]):
        labels.append(texts[i])
        i += 1
    return labels, i


def _match_labels(labels: list[str], layout: Layout) -> tuple[RowSpec | None, GroupSpec | None, int]:
    """The row the label cells name, the group around it, and the index of the naming cell.

    Cells after the naming cell are values even when they hold words (见附件): a word in
    a value cell is a finding, not part of the label.
    """
    group = None
    matched: tuple[RowSpec, int] | None = None
    for i, text in enumerate(labels):
        m = match_app_row(text, layout)
        if isinstance(m, RowSpec):
            matched = (m, i)
        elif isinstance(m, GroupSpec) and matched is None:
            group = m
    if matched is not None:
        return matched[0], group, matched[1]
    if len(labels) > 1:
        m = match_app_row("".join(labels), layout)
        if isinstance(m, RowSpec):
            return m, group, len(labels) - 1
    return None, group, len(labels) - 1


def extract_grid(units: list[RowUnit], layout: Layout, report: ParsedReport, result: AppExtraction) -> None:
    kinds = ("count",) * len(layout.app_columns)
    header_cols: dict[int, dict[int, str]] = {}  # id(table) -> grid col -> column key
    template: list[str | None] = []  # the latest header's value columns, left to right
    subtotal_col = False  # the header has a 法人或其他组织 小计 column (printed after 其他)
    subtotal_cols: dict[int, set[int]] = {}  # id(table) -> grid cols of 小计 headers
    for unit in units:
        row = unit.cells
        distinct = unit.distinct_cells()
        texts = [c.text for c in distinct]
        if any(is_app_header_text(t) for t in texts) and not any(
            is_value_text(t) and t.strip() for t in texts
        ):
            mapping = header_cols.setdefault(id(unit.table), {})
            row_keys: list[str | None] = []
            for cell in row:
                col = match_app_column(cell.text, layout.app_columns)
                if col is not None:
                    mapping[cell.col] = col.key
                row_keys.append(col.key if col is not None else None)
            if any("小计" in norm_label(c.text) for c in row):
                subtotal_col = True
                subtotal_cols.setdefault(id(unit.table), set()).update(
                    c.col for c in row if "小计" in norm_label(c.text))
            mapped = [i for i, k in enumerate(row_keys) if k is not None]
            if len(mapped) >= len(kinds):
                # the header's value columns in order (None for a 小计 between them): used for rows
                # of a continuation table that repeats no header (a page break)
                template = row_keys[mapped[0]:mapped[-1] + 1]
            continue
        labels, vstart = split_label_values(texts)
        if not labels:
            continue
        spec, group, named_at = _match_labels(labels, layout)
        first_label = vstart - len(labels)
        values = distinct[first_label + named_at + 1:]
        has_numbers = any(is_value_text(c.text) and c.text.strip() for c in values)
        if spec is None:
            report.trace.append(TraceLine(SECTION, " / ".join(t.strip() for t in labels), group.key if group else None,
                                          " | ".join(c.text.strip() for c in values), "unmatched", unit.location))
            if has_numbers and not any(is_app_header_text(t) for t in labels):
                extra_row = ExtraRow(SECTION, " / ".join(t.strip() for t in labels), [c.text for c in values], unit.location)
                report.extra_rows.append(extra_row)
                what = f"小计行“{group.label}”" if group else f"“{' '.join(t.strip() for t in labels)}”"
                report.add(make_finding(
                    "table.extra_row", f"第三部分表格中有格式之外的行{what}，已原样保留，未计入标准表格。",
                    Location(SECTION, " ".join(t.strip() for t in labels), None, unit.location),
                    found=" ".join(c.text.strip() for c in values),
                ))
                named = match_app_row(labels[-1], layout)
                if isinstance(named, GroupSpec) and named.key == "other" and result.other_group is None:
                    cells = [c for c in values]
                    # placeholders of merged label columns and padding, as for the form's rows below
                    while len(cells) > len(kinds) + subtotal_col and not cells[-1].text.strip():
                        cells.pop()
                    while len(cells) > len(kinds) + subtotal_col and not cells[0].text.strip():
                        cells.pop(0)
                    if subtotal_col and len(cells) == len(kinds) + 1:
                        cells = cells[:len(kinds) - 1] + cells[len(kinds):]  # the 小计 column is not the form's
                    src = ValueSource(tuple(c.text for c in cells), tuple(c.location for c in cells), free_text=False)
                    result.other_group = (read_values(src, kinds, "row_sum"), extra_row, report.findings[-1])
            continue
        # columns by header label where the carrier knows real spans (positions alone mislead)
        mapping = header_cols.get(id(unit.table), {})
        extra: list = []  # printed cells of columns the layout does not have (a 小计 column)
        if unit.table.spans_known and mapping:
            by_key = {}
            for c in values:
                # a cell merged across columns stands in each of them only when it is empty (two
                # blank cells Word merged); a number spanning two columns belongs to neither for sure
                covered = [g.col for g in unit.cells if g.origin == c.origin] if not c.text.strip() else [c.col]
                for col in covered:
                    key = mapping.get(col)
                    if key is not None and key not in by_key:
                        by_key[key] = c
            if len(by_key) == len(kinds):
                extra = [c for c in values if mapping.get(c.col) is None and c.col in subtotal_cols.get(id(unit.table), ())]
                values = [by_key[k] for k in layout.app_column_keys]
        if len(values) != len(kinds) and len(values) == len(template) and len({k for k in template if k}) == len(kinds):
            by_key = {k: c for c, k in zip(values, template) if k is not None}
            extra = [c for c, k in zip(values, template) if k is None]
            values = [by_key[k] for k in layout.app_column_keys]
        # text copied out of a table keeps one empty field per merged label column (placeholders)
        # and pads rows on the right; a 小计 column adds one printed cell after 其他
        target = len(kinds) + (1 if subtotal_col else 0)
        while len(values) > target and not values[-1].text.strip():
            values = values[:-1]
        while len(values) > target and not values[0].text.strip():
            values = values[1:]
        if subtotal_col and len(values) == target:
            extra = [values[len(kinds) - 1]]
            values = values[:len(kinds) - 1] + values[len(kinds):]
        for c in extra:
            report.extra_columns.append(ExtraColumnCell(SECTION, spec.key, "法人或其他组织小计", c.text.strip(), c.location))
        src = ValueSource(tuple(c.text for c in values), tuple(c.location for c in values), free_text=False)
        reading = read_values(src, kinds, "row_sum")
        _store(result, report, spec, reading, " ".join(t.strip() for t in labels), unit.location,
               " | ".join(c.text.strip() for c in values))


def _store(result: AppExtraction, report: ParsedReport, spec: RowSpec, reading: RowReading, label: str,
           location: str, raw: str) -> None:
    if spec.key in result.rows:
        report.add(make_finding(
            "table.row_duplicate",
            f"第三部分“{spec.label}”行出现了两次，采用第一次出现的数字。",
            Location(SECTION, spec.label, None, location), found=raw,
        ))
        return
    result.rows[spec.key] = RowResult(spec, reading, label, location, raw)


def _row_hits(ft, layout: Layout) -> list[list[LabelHit]]:
    out = []
    for row in layout.app_rows:
        hits: list[LabelHit] = []
        if row.exact:
            for kw in row.keywords:
                pattern = rf"(?:{row.numbering}[.、,]|\({row.numbering}\)){re.escape(kw)}"
                for m in re.finditer(pattern, ft.norm):
                    hits.append(LabelHit(row.key, m.start(), m.end()))
        else:
            for kw in row.keywords:
                for m in re.finditer(re.escape(kw), ft.norm):
                    start, end = label_span(ft, m.start(), kw, row.label, row.numbering)
                    hits.append(LabelHit(row.key, start, end))
        # one hit per start position (the longest keyword's)
        uniq: dict[int, LabelHit] = {}
        for h in hits:
            if h.start not in uniq or h.end > uniq[h.start].end:
                uniq[h.start] = h
        # the same label found through two keywords: keep the widest span
        merged: list[LabelHit] = []
        for h in sorted(uniq.values(), key=lambda h: (h.start, -h.end)):
            if merged and h.start < merged[-1].end:
                continue
            merged.append(h)
        # a label printed with its ordinal ((七)总计) beats the same words in a repeated header
        # (…法人或其他组织总计…): an un-numbered hit is kept only when no numbered one exists
        pattern = numbering_pattern(row.numbering)
        if pattern and not row.exact:
            numbered = [h for h in merged if re.match(pattern, ft.norm[h.start:h.end])]
            if numbered:
                merged = numbered
        out.append(merged)
    return out


def _boundaries(ft, layout: Layout) -> list[tuple[int, str]]:
    """Group labels (（三）不予公开 …) and 小计/合计 markers: where a row's values must stop.

    A group label may carry the group's subtotal; its digits belong to no standard row.
    """
    out: list[tuple[int, str]] = []
    for group in layout.app_groups:
        for kw in group.keywords:
            for m in re.finditer(re.escape(kw), ft.norm):
                start = m.start()
                num = re.search(r"(?:\([一二三四五六七八九十]\)|[一二三四五六七八九十][、.,])$", ft.norm[max(0, start - 4):start])
                if num:
                    start -= len(num.group(0))
                out.append((start, group.label))
    for m in re.finditer("小计|合计", ft.norm):
        out.append((m.start(), m.group(0)))
    return sorted(out)


def nxt_is_label(hit: LabelHit, starts: list[int]) -> bool:
    """True when another label follows this one (the text was not cut right after it)."""
    return any(s >= hit.end for s in starts)


def spaces_separate_cells(regions: list[str], n_cells: int) -> bool:
    """Whether this document's free text separates cells by whitespace (PDF text) or not (crawler text).

    Decided from the rows where it matters — those with whitespace between two digits:
    when (nearly) all of them print exactly as many whitespace-separated tokens as the
    row has cells, whitespace is a border. With no such row there is no evidence, and
    whitespace is taken to mean nothing (the reading that can only add doubt, never a
    wrong number).
    """
    spaced = [r for r in regions if re.search(r"\d[\s\u00a0\u3000]+\d", unicodedata.normalize("NFKC", r))]
    if not spaced:
        return False
    exact = sum(1 for r in spaced if len(tokenize(r, True)) == n_cells)
    return exact >= min(3, len(spaced)) and exact / len(spaced) >= 0.8


def _read_with_subtotal(tokens: list, kinds: tuple[str, ...], separated: bool, loc: str) -> RowReading:
    """A run-together row with a printed 小计 column: split by both of its sums (see ``split_with_subtotal``).

    The candidates keep the 小计 cell (index len(kinds) − 1) for the caller to set aside.
    """
    n = len(kinds)
    free = True  # free text: a blank cell may have vanished
    cands = split_with_subtotal(tokens, n - 2, free)
    if not getattr(cands, "complete", True):
        return RowReading([CellValue(None, "", None, loc) for _ in kinds], "ambiguous", Readings(complete=False),
                          token_count=len(tokens))
    if not cands:
        return RowReading([CellValue(None, "", None, loc) for _ in kinds], "impossible", token_count=len(tokens))
    seven = drop_cell(cands, n - 1)
    reading = RowReading(candidates_to_cells(list(seven), kinds, "万元", loc, "split_by_row_sum"),
                         "recovered" if len(seven) == 1 else "ambiguous", cands, token_count=len(tokens),
                         tokens=tuple(tokens), free_blanks=free, subtotal_at=n - 1)
    return reading


def extract_flat(units: list[TextUnit], layout: Layout, report: ParsedReport, result: AppExtraction) -> None:
    ft = flat_text(units)
    if not ft.norm:
        return
    chain = best_chain(_row_hits(ft, layout))
    hits = [(layout.app_rows[i], h) for i, h in enumerate(chain) if h is not None]
    if not hits:
        return
    bounds = _boundaries(ft, layout)
    starts = sorted([h.start for _, h in hits] + [b for b, _ in bounds])
    regions = []
    for spec, hit in hits:
        # a label ends where the next label or group label starts, however far its wording matched
        end = min([hit.end] + [s for s in starts if s > hit.start])
        nxt = next((s for s in starts if s >= end), len(ft.norm))
        prefix, _, offset = value_region(ft, end, nxt, spec.label)
        regions.append((spec, LabelHit(hit.key, hit.start, end), prefix, offset))
    n_cols = len(layout.app_columns)
    header = ft.norm[:min(h.start for _, h in hits)]
    subtotal_col = "小计" in header
    separated = spaces_separate_cells([p for _, _, p, _ in regions], n_cols + (1 if subtotal_col else 0))
    result.spaces_separate = separated
    kinds = ("count",) * n_cols
    for spec, hit, prefix, offset in regions:
        loc = ft.location_at(offset)
        label = ft.norm[hit.start:hit.end]
        if not prefix.strip() and nxt_is_label(hit, starts):
            # nothing between this label and the next: every cell was left blank
            cells = [CellValue(Decimal(0), "", True, loc) for _ in kinds]
            reading = RowReading(cells, "recovered", token_count=0)
        elif subtotal_col:
            tokens = tokenize(prefix, separated)
            if len(tokens) == n_cols + 1 and separated:
                # the 法人或其他组织 subtotal printed after 其他 is kept aside, as printed
                kept = [t.raw for i, t in enumerate(tokens) if i != n_cols - 1]
                report.extra_columns.append(ExtraColumnCell(SECTION, spec.key, "法人或其他组织小计", tokens[n_cols - 1].raw, loc))
                src = ValueSource(tuple(kept), (loc,) * n_cols, free_text=False)
                reading = read_values(src, kinds, "row_sum")
            else:
                reading = _read_with_subtotal(tokens, kinds, separated, loc)
                sub = {c[n_cols - 1].value for c in reading.candidates} if reading.candidates else set()
                if len(sub) == 1 and getattr(reading.candidates, "complete", True):
                    raw_sub = reading.candidates[0][n_cols - 1].raw or "0"
                    report.extra_columns.append(ExtraColumnCell(SECTION, spec.key, "法人或其他组织小计", raw_sub, loc))
                reading.candidates = drop_cell(reading.candidates, n_cols - 1) if getattr(
                    reading.candidates, "complete", True) else reading.candidates
        else:
            src = ValueSource((prefix,), (loc,), free_text=True, spaces_separate=separated)
            reading = read_values(src, kinds, "row_sum")
        _store(result, report, spec, reading, label, loc, prefix.strip())
    # a group label printed with numbers: a subtotal row, kept as printed
    for start, name in bounds:
        nxt = next((s for s in starts if s > start), len(ft.norm))
        end = start + len(name) if ft.norm.startswith(name, start) else start + 2
        prefix, _, offset = value_region(ft, min(end, nxt), nxt, name)
        named = match_app_row(name, layout)
        is_other = isinstance(named, GroupSpec) and named.key == "other" and result.other_group is None
        if prefix.strip() and re.search(r"\d", prefix):
            loc = ft.location_at(offset)
            extra_row = ExtraRow(SECTION, name, [prefix.strip()], loc)
            report.extra_rows.append(extra_row)
            report.add(make_finding(
                "table.extra_row", f"第三部分表格中有格式之外的小计行“{name}”（{prefix.strip()}），已原样保留，未计入标准表格。",
                Location(SECTION, name, None, loc), found=prefix.strip(),
            ))
            if is_other:
                if subtotal_col:
                    reading = _read_with_subtotal(tokenize(prefix, separated), kinds, separated, loc)
                    reading.candidates = drop_cell(reading.candidates, n_cols - 1) if getattr(
                        reading.candidates, "complete", True) else reading.candidates
                else:
                    reading = read_values(ValueSource((prefix,), (loc,), free_text=True, spaces_separate=separated),
                                          kinds, "row_sum")
                result.other_group = (reading, extra_row, report.findings[-1])
        elif is_other and nxt < len(ft.norm) and not re.search(r"[\u4e00-\u9fff\d]", ft.norm[min(end, nxt):nxt]):
            # （六）其他处理 followed by nothing but blank markers, or by nothing before the next label:
            # a group row left blank (only used when its sub-rows are missing)
            loc = ft.location_at(offset)
            extra_row = ExtraRow(SECTION, name, [prefix.strip()], loc)
            if prefix.strip():
                reading = read_values(ValueSource((prefix,), (loc,), free_text=True, spaces_separate=separated),
                                      kinds, "row_sum")
            else:
                reading = RowReading([CellValue(Decimal(0), "", True, loc) for _ in kinds], "recovered", token_count=0)
            result.other_group = (reading, extra_row, None)


def extract_by_order(rows: list, layout: Layout, report: ParsedReport, result: AppExtraction) -> None:
    """Rows whose numbers lines stand apart from their labels (``transforms.row_order``): one number per cell."""
    kinds = ("count",) * len(layout.app_columns)
    for row in rows:
        src = ValueSource(row.tokens, (row.location,) * len(row.tokens), free_text=False)
        _store(result, report, row.spec, read_values(src, kinds, "row_sum"), row.label, row.location, " ".join(row.tokens))
    result.spaces_separate = True
    report.add(make_finding(
        "table.rows_by_order",
        f"第三部分表格的数字与行名分开排列（转换工具把每行数字单独排成一行，行名在其上下）。"
        f"{len(rows)}行数字恰好对应规定的{len(rows)}行：每行恰好{len(kinds)}个数字，行名按规定顺序全部找到，"
        f"且每行数字都位于前一行名与后一行名之间，故按顺序对应。",
        Location(SECTION, None, None, rows[0].location if rows else None),
    ))


def distrust_row_sums(result: AppExtraction, layout: Layout) -> None:
    """When some row's digits add up under no split, the publisher's 总计 does not follow I3:
    rows whose split was unique only because it added up are unread again."""
    if not any(r.reading.status == "impossible" for r in result.rows.values()):
        return
    kinds = ("count",) * len(layout.app_columns)
    for r in result.rows.values():
        without_identity(r.reading, kinds, "万元", r.location)


#: Rows whose digits add up under no split, all explained by one omitted column, before that is read as a habit.
MIN_OMITTING_ROWS = 2
#: Search steps for that test over all rows and columns (a budget hit reads nothing this way: a null, never a
#: guess). It bounds the test's cost per report: 40,000 steps are about 0.1 s of CPU.
OMITTING_STEPS = 40_000


def total_omits_column(result: AppExtraction, layout: Layout, evidence: Evidence | None) -> dict[str, list]:
    """A publisher whose 总计 leaves one applicant column out in every row (总计 = 自然人 + … without 商业企业).

    Read as the document's habit, with a warning, only when: at least ``MIN_OMITTING_ROWS``
    rows add up under no split; exactly one column, left out of the sum, gives every split
    row at least one reading and every row printed cell by cell holds with it; and the habit
    is trusted (``Evidence.use_habit``). Every split row is then read under that sum instead
    of its own (a row whose omitted cell is 0 reads the same either way); a row it leaves
    with several readings keeps only the cells they agree on. Anything less: {} and the
    caller re-reads the rows with no sum at all (``distrust_row_sums``).
    """
    if evidence is None or not evidence.use_habit:
        return {}
    rows = list(result.rows.values())
    if sum(1 for r in rows if r.reading.status == "impossible") < MIN_OMITTING_ROWS:
        return {}
    if any(r.reading.subtotal_at is not None for r in rows):
        return {}
    cols = layout.app_column_keys
    ti = cols.index("total")
    if ti != len(cols) - 1:
        return {}
    kinds = ("count",) * len(cols)
    # the rows that break the sum first: they rule most columns out at once
    split = sorted((r for r in rows if r.reading.tokens and r.reading.status in ("recovered", "ambiguous", "impossible")),
                   key=lambda r: r.reading.status != "impossible")
    printed = [[c.value for c in r.reading.cells] for r in rows if r.reading.status == "ok"]
    fits: dict[int, dict[str, Readings]] = {}
    budget = [OMITTING_STEPS]
    for k in range(ti):
        if any(None not in v and sum(v[:ti]) - v[k] != v[ti] for v in printed):
            continue
        found: dict[str, Readings] = {}
        for r in split:
            cands = split_sum_group(list(r.reading.tokens), ti, r.reading.free_blanks, kinds, skip=k, budget=budget)
            if not getattr(cands, "complete", True):
                return {}  # too costly to tell which column it would be: nothing is read this way
            if not cands:
                break
            found[r.spec.key] = cands
        else:
            fits[k] = found
            if len(fits) > 1:
                return {}
    if len(fits) != 1:
        return {}
    (k, found), = fits.items()
    labels = [c.label for c in layout.app_columns]
    omitted = labels[k]
    n_rows = sum(1 for r in rows if r.reading.status == "impossible")
    notes: dict[str, list] = {}
    for r in split:
        cands = found[r.spec.key]
        before = [c.value is not None for c in r.reading.cells]
        r.reading.candidates = cands
        r.reading.constraint = "none"
        r.reading.identity = f"总计 = 除“{omitted}”外各类申请人之和"
        r.reading.status = "recovered" if len(cands) == 1 else "ambiguous"
        r.reading.cells = candidates_to_cells(list(cands), kinds, "万元", r.location, "split_by_habit")
        # a cell the digits alone give (every reading with no sum agrees) owes nothing to the habit
        alone = split_free(list(r.reading.tokens), kinds, r.reading.free_blanks)
        if getattr(alone, "complete", True) and alone:
            for i, c in enumerate(r.reading.cells):
                if c.value is not None and len({a[i].value for a in alone}) == 1:
                    c.how = "split_unique"
        newly = [i for i, c in enumerate(r.reading.cells) if c.value is not None and c.how == "split_by_habit"]
        evidence.count("split_by_habit", sum(1 for i in newly if not before[i]))
        if newly:
            notes.setdefault(r.spec.key, []).append(make_finding(
                "cell.split_by_habit",
                f"第三部分“{r.spec.label}”行的数字“{r.raw_values}”连在一起；本表有{n_rows}行无论怎样拆分“总计”都不等于各类申请人之和，"
                f"而只有不计“{omitted}”列时每一行都能拆分，看来本表“总计”一律未计入“{omitted}”；按此拆分："
                f"{'、'.join(labels[i] for i in newly)}。这只是本文件的习惯（“总计”本身有误），请核对原件。",
                Location(SECTION, r.spec.label, None, r.location), found=r.raw_values))
    return notes


def resolve_by_columns(result: AppExtraction, layout: Layout) -> set[str]:
    """Settle ambiguous rows with the column identities; returns the keys settled."""
    ambiguous = [k for k, r in result.rows.items()
                 if r.reading.status == "ambiguous" and r.reading.candidates and getattr(r.reading.candidates, "complete", True)]
    if not ambiguous:
        return set()
    options: dict[str, list[tuple]] = {}
    for key, r in result.rows.items():
        if key in ambiguous:
            options[key] = [tuple(p.value for p in c) for c in r.reading.candidates]
        elif all(c.value is not None for c in r.reading.cells):
            options[key] = [tuple(c.value for c in r.reading.cells)]
    total = 1
    for key in ambiguous:
        total *= len(options[key])
    if total > MAX_COMBOS:
        return set()
    instances = []
    n_cols = len(layout.app_columns)
    for ident in layout.identities:
        if ident.over != "app_columns":
            continue
        names = ident.lhs + ident.rhs
        if not any(n in ambiguous for n in names) or not all(n in options for n in names):
            continue
        for col in range(n_cols):
            instances.append((ident, col))
    if not instances:
        return set()

    def holds(assign: dict[str, tuple], ident, col) -> bool:
        lhs = sum((assign.get(n) or options[n][0])[col] for n in ident.lhs)
        rhs = sum((assign.get(n) or options[n][0])[col] for n in ident.rhs)
        return lhs == rhs

    combos = [dict(zip(ambiguous, choice)) for choice in itertools.product(*(options[k] for k in ambiguous))]
    # an instance no combination satisfies is the publisher's own error: it cannot discriminate
    usable = [(i, c) for i, c in instances if any(holds(a, i, c) for a in combos)]
    if len(usable) < len(instances):
        return set()  # the publisher breaks these identities: they settle nothing
    survivors = [a for a in combos if all(holds(a, i, c) for i, c in usable)]
    if not survivors:
        return set()
    settled = set()
    for key in ambiguous:
        r = result.rows[key]
        kept_values = {a[key] for a in survivors}
        kept = [c for c in r.reading.candidates if tuple(p.value for p in c) in kept_values]
        if len(kept) < len(r.reading.candidates):
            narrow(r.reading, kept, ("count",) * n_cols, "万元", r.location, "split_by_column_identity")
            if len(kept) == 1:
                settled.add(key)
    return settled


def _tests(result: AppExtraction, layout: Layout, evidence: Evidence) -> dict[str, list[Check]]:
    """Row key -> the evidence outside the table its readings can be held against."""
    ti = layout.app_column_keys.index("total")
    tests: dict[str, list[Check]] = {}

    def certain_total(key: str) -> Decimal | None:
        r = result.rows.get(key)
        return r.reading.cells[ti].value if r is not None and len(r.reading.cells) > ti else None

    for st in evidence.statements:
        n = Decimal(st.number)
        if st.quantity == "new_received":
            co = certain_total("carried_over")
            # 收到申请N件 may count the carried-over ones too (N = 新收 + 上年结转)
            tests.setdefault("new_received", []).append(Check(
                "split_by_narrative", f"正文“{st.phrase}”",
                lambda v, n=n, co=co: v[ti] == n or (v[ti] <= n if co is None else v[ti] + co == n)))
        elif st.quantity == "granted":
            tests.setdefault("granted", []).append(Check(
                "split_by_narrative", f"正文“{st.phrase}”", lambda v, n=n: v[ti] == n))
    flow = corroborated_flow(list(evidence.statements))
    if flow is not None:
        words = (f"正文所述“收到申请{flow['new_received']}件、上年结转{flow['carried_over']}件、办结{flow['results_total']}件、"
                 f"结转下年度{flow['carried_forward']}件”（四数相符：新收 + 上年结转 = 办结 + 结转下年度）")
        for key, n in flow.items():
            tests.setdefault(key, []).append(Check(
                "split_by_narrative", words, lambda v, n=Decimal(n): v[ti] == n, corroborated=True))
    ly = evidence.last_year
    if ly is not None and ly.carried_forward is not None and any(x is not None for x in ly.carried_forward):
        cf = ly.carried_forward
        shown = " · ".join("?" if x is None else format(x, "f") for x in cf)
        tests.setdefault("carried_over", []).append(Check(
            "split_by_last_year", f"{ly.year}年报告的“四、结转下年度继续办理”（{shown}，{ly.source}）",
            lambda v, cf=cf: all(x is None or v[i] == x for i, x in enumerate(cf))))
    return tests


def apply_evidence(result: AppExtraction, layout: Layout, evidence: Evidence) -> dict[str, list]:
    """Settle rows the table's identities leave ambiguous with the evidence outside it.

    Order: statements and last year's report, then the column identities again (a
    settled row can settle another), then — only when trusted — the table's habit of
    printing zeros, then the column identities once more. Returns the findings per row.
    """
    kinds = ("count",) * len(layout.app_columns)
    notes: dict[str, list] = {}
    labels = [c.label for c in layout.app_columns]
    tests = _tests(result, layout, evidence)
    for key, row_tests in tests.items():
        r = result.rows.get(key)
        if r is None:
            continue
        s = settle(r.reading, row_tests, kinds, r.location)
        if s is not None:
            evidence.count(s.how or "", len(s.newly))
            notes.setdefault(key, []).extend(settled_findings(
                s, section=SECTION, where=f"“{r.spec.label}”行", row_label=r.spec.label, column_labels=labels,
                raw=r.raw_values, location=r.location))
    if notes:
        _after_columns(result, layout, evidence, notes, "split_by_column_identity")
    if evidence.use_habit and result.rows:
        holds, zero_rows = shows_printed_zeros([(r.reading, kinds) for r in result.rows.values()])
        if holds:
            for key, r in result.rows.items():
                broken = r.reading.status == "impossible"
                newly = settle_by_habit(r.reading, kinds, r.location)
                evidence.count("split_by_habit", len(newly))
                notes.setdefault(key, []).extend(habit_finding(
                    newly, section=SECTION, where=f"“{r.spec.label}”行", row_label=r.spec.label, column_labels=labels,
                    raw=r.raw_values, location=r.location, zero_rows=zero_rows, table="本表", broken=broken))
            _after_columns(result, layout, evidence, notes, "split_by_column_identity")
    return notes


def _after_columns(result: AppExtraction, layout: Layout, evidence: Evidence, notes: dict[str, list], how: str) -> None:
    before = {k: sum(c.value is not None for c in r.reading.cells) for k, r in result.rows.items()}
    resolve_by_columns(result, layout)
    for k, r in result.rows.items():
        evidence.count(how, sum(c.value is not None for c in r.reading.cells) - before[k])


def extract_applications(units: list[Unit], layout: Layout, report: ParsedReport,
                         evidence: Evidence | None = None) -> AppExtraction:
    result = AppExtraction()
    grid = [u for u in units if isinstance(u, RowUnit)]
    text = [u for u in units if isinstance(u, TextUnit)]
    ordered = rows_by_order(units, layout, _row_hits)
    if ordered is not None:
        extract_by_order(ordered, layout, report, result)
    elif grid:
        extract_grid(grid, layout, report, result)
    if text and not result.rows:  # free text only when no grid row was found: narrative is not a table
        flat = AppExtraction()
        extract_flat(text, layout, report, flat)
        for key, row in flat.rows.items():
            result.rows.setdefault(key, row)
        result.spaces_separate = flat.spaces_separate
        result.other_group = result.other_group or flat.other_group
    single = _single_other_row(result, layout, report)
    omitting = total_omits_column(result, layout, evidence)
    if not omitting:
        distrust_row_sums(result, layout)
    settled = resolve_by_columns(result, layout)
    notes = apply_evidence(result, layout, evidence) if evidence is not None else {}
    for key, found in omitting.items():
        notes[key] = found + notes.get(key, [])
    co = result.rows.get("carried_over")
    if evidence is not None and evidence.last_year is None and co is not None and co.reading.status == "ambiguous":
        evidence.wants_last_year = True
    _report(result, layout, report, settled, notes)
    if single is not None:
        _check_with_printed_row(result, layout, report, single)
    return result


_OTHER_SUBROWS = ("other_no_correction", "other_no_fee", "other_other")


def _single_other_row(result: AppExtraction, layout: Layout, report: ParsedReport) -> RowReading | None:
    """Layout 2021 with （六）其他处理 printed as one row and none of its three sub-rows.

    The sub-rows are known only when the printed row is all zero (counts are never
    negative); otherwise they stay null with a finding saying why, and the printed row is
    returned so that I2 can still be checked against it (``_check_with_printed_row``).
    """
    if result.other_group is None or not all(k in layout.app_row_keys for k in _OTHER_SUBROWS):
        return None
    if any(k in result.rows for k in _OTHER_SUBROWS):
        return None  # the sub-rows are there: the group row is a subtotal the bureau added
    reading, extra_row, finding = result.other_group
    kinds = ("count",) * len(layout.app_columns)
    label = layout.row(_OTHER_SUBROWS[0]).label
    loc = extra_row.location
    raw = " ".join(extra_row.cells)
    if extra_row in report.extra_rows:
        report.extra_rows.remove(extra_row)
    if finding in report.findings:
        report.findings.remove(finding)
    report.trace.append(TraceLine(SECTION, extra_row.label, "other", raw, reading.status, loc))
    group = next(g for g in layout.app_groups if g.key == "other")
    if all(c.value is not None and c.value == 0 for c in reading.cells):
        for key in _OTHER_SUBROWS:
            spec = layout.row(key)
            cells = [CellValue(Decimal(0), "", None, loc, how="from_group_row") for _ in kinds]
            result.rows[key] = RowResult(spec, RowReading(cells, "recovered", token_count=0), extra_row.label, loc, raw)
        report.add(make_finding(
            "table.group_row_only",
            f"第三部分“{group.label}”只印了一行（{raw}），没有其下三项；该行全部为0，三项（件数不能为负）均为0。",
            Location(SECTION, group.label, None, loc), found=raw))
        return None
    why = ("该行数字无法确定" if any(c.value is None for c in reading.cells)
           else "该行不全为0，无法知道这些数字在三项之间如何分配")
    report.add(make_finding(
        "cell.subrows_unknown",
        f"第三部分“{group.label}”只印了一行（{raw}），没有其下三项（{label}等）；{why}，三项均未采用。"
        "第（七）项总计仍按印出的这一行核对。",
        Location(SECTION, label, None, loc), found=raw))
    return reading


def _check_with_printed_row(result: AppExtraction, layout: Layout, report: ParsedReport, printed: RowReading) -> None:
    """I2 per column with the printed （六）其他处理 row in place of its three null sub-rows.

    The rulebook skips a column with a null cell, so the parser checks it here; a broken
    identity is an error finding, never a change to a number.
    """
    results = [k for k in layout.result_row_keys if k not in _OTHER_SUBROWS]
    total = result.rows.get("results_total")
    if total is None:
        return
    for ci, col in enumerate(layout.app_columns):
        parts = [result.rows[k].reading.cells[ci].value if k in result.rows else None for k in results]
        parts.append(printed.cells[ci].value)
        want = total.reading.cells[ci].value
        if want is None or any(p is None for p in parts):
            continue
        got = sum(parts)
        if got != want:
            report.add(make_finding(
                "identity.I2",
                f"第三部分“{col.label}”列：各项办理结果（其中“（六）其他处理”按印出的一行计）之和为{got}，"
                f"但“（七）总计”为{want}",
                Location(SECTION, "（七）总计", col.label, total.location), expected=str(want), found=str(got)))


def _report(result: AppExtraction, layout: Layout, report: ParsedReport, settled: set[str],
            notes: dict[str, list] | None = None) -> None:
    col_labels = [c.label for c in layout.app_columns]
    recovered_rows = []
    blank = 0
    for spec in layout.app_rows:
        r = result.rows.get(spec.key)
        if r is None:
            continue
        reading = r.reading
        report.applications[spec.key] = reading.cells
        report.trace.append(TraceLine(SECTION, r.label, spec.key, r.raw_values,
                                      reading.status + ("*" if spec.key in settled else ""), r.location))
        blank += sum(1 for c in reading.cells if c.is_blank)
        for f in reading_findings(reading, section=SECTION, where=f"“{spec.label}”行", row_label=spec.label,
                                  column_labels=col_labels, raw=r.raw_values, location=r.location,
                                  identity=reading.identity or "总计 = 各类申请人之和"):
            report.add(f)
        for f in (notes or {}).get(spec.key, ()):
            report.add(f)
        if reading.status == "recovered":
            if not reading.as_printed and reading.identity is None:
                recovered_rows.append(spec.label)
    if recovered_rows:
        basis = "行合计" + ("及列勾稽关系" if settled else "")
        assumption = ""
        report.add(make_finding(
            "cell.split_recovered",
            f"第三部分有{len(recovered_rows)}行数字连在一起，已依据{basis}唯一拆分{assumption}："
            + "、".join(recovered_rows),
            Location(SECTION),
        ))
    if blank:
        report.add(make_finding("cell.blank", f"第三部分有{blank}个空白单元格，按0计。", Location(SECTION), found=str(blank)))
    _missing_rows(result, layout, report)


def _missing_rows(result: AppExtraction, layout: Layout, report: ParsedReport) -> None:
    keys = layout.app_row_keys
    present = [k in result.rows for k in keys]
    if not any(present):
        return
    missing = [layout.row(k).label for k, p in zip(keys, present) if not p]
    if not missing:
        return
    last_present = max(i for i, p in enumerate(present) if p)
    tail_missing = all(not p for p in present[last_present + 1:]) and last_present < len(keys) - 1
    inner_missing = [layout.row(k).label for i, (k, p) in enumerate(zip(keys, present)) if not p and i < last_present]
    if tail_missing:
        after = layout.row(keys[last_present]).label
        tail = [layout.row(k).label for k in keys[last_present + 1:]]
        report.add(make_finding(
            "table.truncated",
            f"第三部分表格在“{after}”行之后中断，缺少以下{len(tail)}行：" + "；".join(tail),
            Location(SECTION, None, None, result.rows[keys[last_present]].location),
            expected=str(len(keys)), found=str(sum(present)),
        ))
    for label in inner_missing:
        report.add(make_finding(
            "table.row_missing", f"第三部分表格缺少“{label}”行。", Location(SECTION, label),
        ))
