"""Section 四: fifteen numbers, three groups of (维持, 纠正, 其他, 尚未审结, 总计).

In a grid the data row is the row holding numbers under the header rows; in free
text it is the run of numbers after the last header word. Run-together digits are
split with each group's total as the check.
"""

from __future__ import annotations

import re
from decimal import Decimal

from transforms.cells import ValueSource, read_values, reading_findings, without_identity
from transforms.evidence import Evidence, Check, habit_finding, settle, settle_by_habit, settled_findings
from transforms.findings import make_finding
from transforms.flat import flat_text, value_region
from transforms.labels import norm_label
from transforms.extract_applications import split_label_values
from transforms.numbers import is_numeric_text, is_value_text
from transforms.report import CellValue, Location, ParsedReport, TraceLine
from transforms.sections import RowUnit, TextUnit, Unit
from transforms.spec import Layout

SECTION = "四"
_HEADER_WORDS = ("行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "直接起诉", "复议后起诉", "维持", "纠正", "审结")


def _grid_values(units: list[RowUnit], n: int) -> tuple[list, str] | None:
    """The value cells under the header rows: one row of fifteen, or the value rows together.

    A value row holds only numbers and blank markers after any leading label cells;
    blank cells count (a row of "/" is fifteen blanks, not a header). Most reports print
    the fifteen numbers in one row; some print 行政复议 and 行政诉讼 as separate tables,
    so value rows are concatenated in order when no single row holds all of them.
    """
    value_rows = []
    empty_rows: list = []
    for unit in units:
        cells = unit.distinct_cells()
        texts = [c.text for c in cells]
        labels, vstart = split_label_values(texts)
        values = cells[vstart:] if labels else cells  # a leading blank cell is a value, not padding
        if not values or not all(is_value_text(c.text) or not c.text.strip() for c in values):
            continue
        if not any(c.text.strip() for c in values):
            if len(values) == n:
                empty_rows.append((values, unit.location))
            continue  # an empty spacer row — or fifteen cells all left blank
        if labels and not any(is_numeric_text(c.text) for c in values) and len(values) < n:
            continue
        while len(values) > n and not values[-1].text.strip():
            values.pop()
        value_rows.append((values, unit.location))
    if not value_rows:
        # a row of exactly fifteen empty cells under the header: every cell left blank
        return empty_rows[0] if empty_rows else None
    full = [r for r in value_rows if len(r[0]) == n]
    if full:
        return full[0]
    joined = [c for values, _ in value_rows for c in values]
    if len(joined) == n:
        return joined, value_rows[0][1]
    return max(value_rows, key=lambda r: len(r[0]))


def _tests(evidence: Evidence) -> list[Check]:
    """Statements about section 四: 行政复议N件 is the 行政复议 总计; 行政诉讼N件 either group's 总计 or both."""
    out = []
    for st in evidence.statements:
        n = Decimal(st.number)
        if st.quantity == "review_total":
            out.append(Check("split_by_narrative", f"正文“{st.phrase}”", lambda v, n=n: v[4] == n))
        elif st.quantity == "litigation_total":
            out.append(Check("split_by_narrative", f"正文“{st.phrase}”",
                            lambda v, n=n: n in (v[9] + v[14], v[9], v[14])))
    return out


def _full_header(norm: str) -> bool:
    """The whole header of section 四 is printed: three groups of five outcome words."""
    return all(norm.count(w) >= 3 for w in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")) and \
        "行政复议" in norm and "直接起诉" in norm and "复议后起诉" in norm


def _all_blank(layout: Layout, report: ParsedReport, location: str) -> None:
    """Free text with the whole header and no digit before the next section: fifteen cells left blank."""
    n = len(layout.review_cells)
    report.review_litigation = [CellValue(Decimal(0), "", True, location) for _ in range(n)]
    report.trace.append(TraceLine(SECTION, "行政复议·行政诉讼", "review_litigation", "", "blank", location))
    report.add(make_finding(
        "table.all_blank", f"第四部分表头完整，但其后直到下一部分没有任何数字：按{n}个单元格全部留空（0）读取，请核对原件。",
        Location(SECTION, None, None, location), found=""))
    report.add(make_finding("cell.blank", f"第四部分有{n}个空白单元格，按0计。", Location(SECTION), found=str(n)))


def extract_review(units: list[Unit], layout: Layout, report: ParsedReport, spaces_separate: bool = True,
                   evidence: Evidence | None = None, habit: tuple[bool, int] = (False, 0), closed: bool = False) -> None:
    """``spaces_separate``: in free text, whether whitespace marks cell borders (decided on section 三).
    ``closed``: a later section's heading follows section 四 (the text was not cut inside it).

    ``habit``: whether section 三 of the same document prints its zeros, and in how many
    all-zero rows (section 四 is one row: it has no habit of its own to show).
    """
    n = len(layout.review_cells)
    kinds = ("count",) * n
    grid = [u for u in units if isinstance(u, RowUnit)]
    found = _grid_values(grid, n) if grid else None
    if found is not None:
        values, location = found
        while len(values) > n and not values[-1].text.strip():
            values.pop()
        src = ValueSource(tuple(c.text for c in values), tuple(c.location for c in values), free_text=False)
        raw = " | ".join(c.text.strip() for c in values)
    else:
        text_units = [u for u in units if isinstance(u, TextUnit)]
        ft = flat_text(text_units)
        # the numbers follow the header words (which hold no digits)
        first = min((i for i in (ft.norm.find(w) for w in _HEADER_WORDS) if i >= 0), default=0)
        digit = re.search(r"[0-9/—–\-\\]", ft.norm[first:])
        if digit is None:
            if closed and _full_header(ft.norm):
                _all_blank(layout, report, ft.location_at(len(ft.text)) if ft.text else "")
            return
        d = first + digit.start()
        header_end = first
        for w in _HEADER_WORDS:
            for hit in re.finditer(re.escape(w), ft.norm[:d]):
                header_end = max(header_end, hit.end())
        prefix, _, offset = value_region(ft, header_end, len(ft.norm))
        if not prefix.strip():
            return
        location = ft.location_at(offset)
        src = ValueSource((prefix,), (location,), free_text=True, spaces_separate=spaces_separate)
        raw = prefix.strip()
    reading = read_values(src, kinds, "group_sums", group_shape=(3, 4))
    if reading.status == "impossible":
        # no split makes every group add up: the publisher's totals are off, so the digits are read
        # alone (kept as printed if they allow one reading; the rulebook reports the broken identity)
        without_identity(reading, kinds, "万元", location)
    labels = [f"{c.group_label}·{c.outcome_label}" for c in layout.review_cells]
    notes = []
    if evidence is not None:
        where = "行政复议、行政诉讼情况"
        s = settle(reading, _tests(evidence), kinds, location)
        if s is not None:
            evidence.count(s.how or "", len(s.newly))
            notes += settled_findings(s, section=SECTION, where=where, row_label=None, column_labels=labels, raw=raw,
                                      location=location)
        if evidence.use_habit and habit[0]:
            broken = reading.status == "impossible"
            newly = settle_by_habit(reading, kinds, location)
            evidence.count("split_by_habit", len(newly))
            notes += habit_finding(newly, section=SECTION, where=where, row_label=None, column_labels=labels, raw=raw,
                                   location=location, zero_rows=habit[1], table="第三部分表格", broken=broken)
    report.review_litigation = reading.cells
    report.trace.append(TraceLine(SECTION, "行政复议·行政诉讼", "review_litigation", raw, reading.status, location))
    for f in reading_findings(reading, section=SECTION, where="行政复议、行政诉讼情况", row_label=None,
                              column_labels=labels, raw=raw, location=location, identity="各组总计 = 各项结果之和"):
        report.add(f)
    for f in notes:
        report.add(f)
    if reading.status == "recovered" and not notes and not reading.as_printed:
        report.add(make_finding(
            "cell.split_recovered", f"第四部分的数字“{raw}”连在一起，已依据各组“总计=各项之和”唯一拆分。",
            Location(SECTION, None, None, location), found=raw,
        ))
    blank = sum(1 for c in reading.cells if c.is_blank)
    if blank:
        report.add(make_finding("cell.blank", f"第四部分有{blank}个空白单元格，按0计。", Location(SECTION), found=str(blank)))


def has_review_words(text: str) -> bool:
    n = norm_label(text)
    return "行政复议" in n or "行政诉讼" in n


def review_table_in(units: list[Unit]) -> list[RowUnit]:
    """The rows of a section 四 table sitting in another section's units, else [].

    PDF-to-Markdown converters (pymupdf4llm) place a table by its position on the page,
    which can put section 四's table after the heading of 五. Only a table whose own
    header names both 复议 and 诉讼 (行政复议, 行政诉讼) qualifies, so no other table's numbers are taken.
    """
    tables: dict[int, list[RowUnit]] = {}
    for unit in units:
        if isinstance(unit, RowUnit):
            tables.setdefault(id(unit.table), []).append(unit)
    for rows in tables.values():
        header = norm_label(" ".join(t for u in rows for t in u.distinct_texts() if not is_value_text(t)))
        if "复议" in header and "诉讼" in header:  # 行政复议 (or a typo of it) and 行政诉讼
            return rows
    return []
