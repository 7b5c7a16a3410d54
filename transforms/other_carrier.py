"""The same report in another carrier of the batch: a cell one file cannot read, another reads for sure.

Offices often get a report twice — the web page and the PDF, the crawler's text and the
Word file. Text copied out of a page loses cell borders (``808`` may be 8·0·8 or 80·8·blank),
while the HTML or DOCX of the same report prints each number in its cell. After a batch
is parsed, this post-pass gives a cell the parse of one file left null the value another
file of the same report read with certainty (``how = split_by_other_carrier``), with an
info finding naming that file.

Two files are the same report when nothing in their bytes is needed to say so:
* the same bureau (``transforms.evidence.bureau_key``), year and layout, in different carriers;
* their tables agree on every cell both read, and both read at least ``MIN_COMMON`` cells.
A pair that disagrees on any cell is not the same report (a corrected republication, or
another office's report under the same name): nothing is taken from it. A cell is taken
only from values read with certainty — never from a cell the donor read by a habit
(``split_by_habit``), took from yet another carrier, or that an office resolved — and only
when every donor that reads it gives the same value.

Pure Python on two shapes of the same thing: ``ParsedReport`` objects
(``take_from_other_carriers``: ``gongkai parse``, tests, benchmarks) and the batch's Arrow
tables (``tables_with_other_carriers``: the ingest flow, whose parse workers send tables).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath

from transforms.evidence import bureau_key
from transforms.findings import make_finding
from transforms.report import Finding, Location, ParsedReport
from transforms.spec import LAYOUTS

HOW = "split_by_other_carrier"
#: Cells both files must read (and agree on) before they count as the same report.
MIN_COMMON = 20
#: A donor's cell read this way is not certain enough to pass on.
UNCERTAIN_HOW = frozenset({"split_by_habit", HOW, "resolved"})
#: Findings that said why a row's cells could not be read; dropped once another carrier reads the whole row.
UNREAD_CODES = frozenset({"cell.split_ambiguous", "cell.split_impossible", "cell.evidence_conflict"})

CellKey = tuple  # ("三", row_key, column_key) | ("四", index) | ("二", block_key, item_key, column_key)


@dataclass
class CarrierCells:
    """One parsed file, as far as matching needs it."""

    ref: Hashable  # where the caller finds the report again (list index, report_id)
    source: str
    carrier: str
    identity: tuple[str, int, str] | None  # (bureau key, year, layout); None: cannot be matched
    values: dict[CellKey, Decimal | None] = field(default_factory=dict)
    hows: dict[CellKey, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Taken:
    ref: Hashable
    key: CellKey
    value: Decimal
    is_blank: bool | None
    donors: tuple[str, ...]  # the files that read it


def _agree(a: CarrierCells, b: CarrierCells) -> bool:
    common = 0
    for key, va in a.values.items():
        vb = b.values.get(key)
        if va is None or vb is None:
            continue
        if va != vb:
            return False
        common += 1
    return common >= MIN_COMMON


def match_carriers(items: Sequence[CarrierCells], blanks: Mapping[tuple[Hashable, CellKey], bool | None] | None = None,
                   ) -> list[Taken]:
    """Every null cell another carrier of the same report reads with certainty."""
    groups: dict[tuple, list[CarrierCells]] = defaultdict(list)
    for it in items:
        if it.identity is not None:
            groups[it.identity].append(it)
    taken: list[Taken] = []
    for members in groups.values():
        if len({m.carrier for m in members}) < 2:
            continue
        for m in members:
            donors = [d for d in members if d is not m and d.carrier != m.carrier and _agree(m, d)]
            if not donors:
                continue
            for key, value in m.values.items():
                if value is not None:
                    continue
                offers = {(d.values.get(key), d.source) for d in donors
                          if d.values.get(key) is not None and d.hows.get(key) not in UNCERTAIN_HOW}
                values = {v for v, _ in offers}
                if len(values) != 1:
                    continue  # nobody reads it, or the donors disagree: it stays null
                (v,) = values
                flags = {blanks.get((d.ref, key)) for d in donors} if blanks else {None}
                taken.append(Taken(m.ref, key, v, flags.pop() if len(flags) == 1 else None,
                                   tuple(sorted(s for _, s in offers))))
    return taken


def _identity(bureau: str | None, year: int | None, layout: str | None) -> tuple[str, int, str] | None:
    key = bureau_key(bureau)
    if key is None or year is None or layout not in LAYOUTS:
        return None
    return key, int(year), str(layout)


def _carrier(carrier: str | None, source: str) -> str:
    return carrier or PurePosixPath(source).suffix.lower().lstrip(".") or "unknown"


# ------------------------------------------------------------------ on parsed reports

def _report_cells(ref: int, report: ParsedReport) -> CarrierCells:
    out = CarrierCells(ref, report.source, _carrier(report.carrier, report.source),
                       _identity(report.bureau, report.year, report.layout))
    layout = LAYOUTS.get(report.layout or "")
    if layout is None:
        return out
    for row, cells in report.applications.items():
        for col, cell in zip(layout.app_column_keys, cells):
            out.values[("三", row, col)] = cell.value
            out.hows[("三", row, col)] = cell.how
    for i, cell in enumerate(report.review_litigation or ()):
        out.values[("四", i)] = cell.value
        out.hows[("四", i)] = cell.how
    for a in report.active_disclosure:
        out.values[("二", a.block, a.item, a.column)] = a.cell.value
        out.hows[("二", a.block, a.item, a.column)] = a.cell.how
    return out


def take_from_other_carriers(reports: Sequence[ParsedReport]) -> int:
    """Fill, in place, each report's null cells that another carrier of the same report reads; returns how many.

    Each row that gains cells gets an info finding naming the other file; a row read
    whole this way loses the finding that said why it could not be read.
    """
    items = [_report_cells(i, r) for i, r in enumerate(reports)]
    blanks = {}
    cells_of: dict[tuple[int, CellKey], object] = {}
    for i, r in enumerate(reports):
        for key, cell in _cells(r):
            cells_of[(i, key)] = cell
            blanks[(i, key)] = cell.is_blank
    taken = match_carriers(items, blanks)
    by_row: dict[tuple[int, tuple], list[Taken]] = defaultdict(list)
    for t in taken:
        cell = cells_of[(t.ref, t.key)]
        cell.value, cell.how, cell.is_blank, cell.recovered = t.value, HOW, t.is_blank, True
        by_row[(t.ref, _row_of(t.key))].append(t)
    for (i, row), cells in by_row.items():
        report = reports[i]
        section, label = _row_label(report.layout, row)
        full = all(c.value is not None for key, c in _cells(report) if _row_of(key) == row)
        if full:
            report.findings[:] = [f for f in report.findings if not (
                f.code in UNREAD_CODES and f.location.section == section and f.location.row == label)]
        report.add(_finding(report.layout, row, cells))
    if taken:
        report_ids = {t.ref for t in taken}
        for i in report_ids:
            ev = reports[i].evidence
            if ev is not None and hasattr(ev, "count"):
                ev.count(HOW, sum(1 for t in taken if t.ref == i))
    return len(taken)


def _cells(report: ParsedReport):
    layout = LAYOUTS.get(report.layout or "")
    if layout is None:
        return
    for row, cells in report.applications.items():
        for col, cell in zip(layout.app_column_keys, cells):
            yield ("三", row, col), cell
    for i, cell in enumerate(report.review_litigation or ()):
        yield ("四", i), cell
    for a in report.active_disclosure:
        yield ("二", a.block, a.item, a.column), a.cell


def _row_of(key: CellKey) -> tuple:
    if key[0] == "三":
        return ("三", key[1])
    if key[0] == "四":
        return ("四",)
    return ("二", key[1], key[2])


def _row_label(layout_id: str | None, row: tuple) -> tuple[str, str | None]:
    """The (section, row label) findings of that row carry (``Location``)."""
    layout = LAYOUTS.get(layout_id or "")
    if row[0] == "三":
        return "三", layout.row(row[1]).label if layout else row[1]
    if row[0] == "四":
        return "四", None
    block = layout.block(row[1]) if layout else None
    item = next((i for i in block.items if i.key == row[2]), None) if block else None
    return "二", item.label if item else row[2]


def _column_label(layout_id: str | None, key: CellKey) -> str:
    layout = LAYOUTS.get(layout_id or "")
    if layout is None:
        return str(key[-1])
    if key[0] == "三":
        return next((c.label for c in layout.app_columns if c.key == key[2]), key[2])
    if key[0] == "四":
        c = layout.review_cells[key[1]]
        return f"{c.group_label}·{c.outcome_label}"
    block = layout.block(key[1])
    return next((c.label for c in block.columns if c.key == key[3]), key[3])


def _finding(layout_id: str | None, row: tuple, cells: list[Taken]) -> Finding:
    section, label = _row_label(layout_id, row)
    where = f"“{label}”行" if label else "行政复议、行政诉讼情况"
    donors = "、".join(sorted({PurePosixPath(s).name for t in cells for s in t.donors}))
    shown = "、".join(f"{_column_label(layout_id, t.key)} {_fmt(t.value)}" for t in cells)
    return make_finding(
        "cell.from_other_carrier",
        f"第{section}部分{where}本文件无法确定的单元格，取自同一报告的另一文件“{donors}”（单位、年度、格式相同，"
        f"两文件都读出的数字全部一致）：{shown}。", Location(section, label), found=donors)


def _fmt(v: Decimal) -> str:
    s = format(v, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


# ------------------------------------------------------------------ on the batch's tables

def tables_with_other_carriers(tables: dict) -> tuple[dict, int]:
    """The batch's tables (``transforms.tables.SCHEMAS``) with cells taken from other carriers; and how many.

    The facts get the value, ``is_recovered`` and ``how``; the findings table the info
    finding per row (and loses the rows' unread findings when a row is read whole); the
    reports' status and counts follow (``with_findings``).
    """
    import pyarrow as pa

    from transforms.tables import with_findings

    reports = tables["reports"]
    meta = {rid: (b, y, lay, src, car) for rid, b, y, lay, src, car in zip(
        *(reports.column(c).to_pylist() for c in ("report_id", "bureau", "year", "layout", "source_path", "carrier")))}
    items = {rid: CarrierCells(rid, src or rid, _carrier(car, src or ""), _identity(b, y, lay))
             for rid, (b, y, lay, src, car) in meta.items()}
    carriers: dict[tuple, set[str]] = defaultdict(set)
    for it in items.values():
        if it.identity is not None:
            carriers[it.identity].add(it.carrier)
    items = {rid: it for rid, it in items.items() if it.identity is not None and len(carriers[it.identity]) > 1}
    if not items:
        return tables, 0  # the common case: no report came twice; the facts are not even looked at
    import pyarrow.compute as pc

    # Only groups with a cell left null can take anything: find them with Arrow before any
    # row becomes a Python dict (a batch of twins read whole — the generator's txt+html
    # corpora — cost ~2.5 ms per report here otherwise).
    subset = pa.array(sorted(items), pa.string())
    wanting = {items[rid].identity for rid in _with_null_cells(tables, subset, pc)}
    items = {rid: it for rid, it in items.items() if it.identity in wanting}
    if not items:
        return tables, 0
    subset = pa.array(sorted(items), pa.string())
    blanks: dict[tuple, bool | None] = {}
    keyed = {
        "application_facts": lambda r: ("三", r["row_key"], r["column_key"]),
        "review_facts": None,  # by position within its report: see below
        "disclosure_facts": lambda r: ("二", r["block_key"], r["item_key"], r["column_key"]),
    }
    rows_of: dict[str, list[dict]] = {}
    rest_of: dict[str, object] = {}
    for name in keyed:
        mask = pc.is_in(tables[name].column("report_id"), value_set=subset)
        rows = tables[name].filter(mask).to_pylist()
        rest_of[name] = tables[name].filter(pc.invert(mask))
        rows_of[name] = rows
        seen: dict[str, int] = defaultdict(int)
        for r in rows:
            rid = r["report_id"]
            if name == "review_facts":
                key = ("四", seen[rid])
                seen[rid] += 1
            else:
                key = keyed[name](r)
            value = r["count"] if r["count"] is not None else r.get("amount_wan_yuan")
            it = items.get(rid)
            if it is None:
                continue
            it.values[key] = None if value is None else Decimal(value)
            it.hows[key] = r["how"]
            blanks[(rid, key)] = r["is_blank"]
            r["_key"] = key
    taken = match_carriers(list(items.values()), blanks)
    if not taken:
        return tables, 0
    got = {(t.ref, t.key): t for t in taken}
    out = dict(tables)
    for name, rows in rows_of.items():
        changed = False
        for r in rows:
            t = got.get((r["report_id"], r.get("_key")))
            if t is None:
                continue
            changed = True
            if name == "disclosure_facts" and r["count"] is None and t.key[0] == "二" and _is_money(meta, t):
                r["amount_wan_yuan"] = t.value
            else:
                r["count"] = int(t.value)
            r["how"], r["is_recovered"], r["is_blank"] = HOW, True, t.is_blank
        if changed:
            for r in rows:
                r.pop("_key", None)
            out[name] = pa.concat_tables([rest_of[name], pa.Table.from_pylist(rows, schema=tables[name].schema)])
    by_row: dict[tuple[str, tuple], list[Taken]] = defaultdict(list)
    for t in taken:
        by_row[(t.ref, _row_of(t.key))].append(t)
    full_rows = set()
    for (rid, row), cells in by_row.items():
        if all(v is not None or (rid, k) in got for k, v in items[rid].values.items() if _row_of(k) == row):
            full_rows.add((rid, _row_label(meta[rid][2], row)))
    findings = out["findings"]
    if full_rows:
        keep = [not (c in UNREAD_CODES and (rid, (s, lab)) in full_rows) for rid, c, s, lab in zip(
            *(findings.column(n).to_pylist() for n in ("report_id", "code", "section", "row_label")))]
        out["findings"] = findings.filter(pa.array(keep, pa.bool_()))
    extra: dict[str, list[Finding]] = defaultdict(list)
    for (rid, row), cells in by_row.items():
        extra[rid].append(_finding(meta[rid][2], row, cells))
    return with_findings(out, extra), len(taken)


def _with_null_cells(tables: dict, subset: object, pc: object) -> set[str]:
    """The reports of ``subset`` with at least one fact whose value is null."""
    found: set[str] = set()
    for name in ("application_facts", "review_facts", "disclosure_facts"):
        table = tables[name].filter(pc.is_in(tables[name].column("report_id"), value_set=subset))
        null = pc.is_null(table.column("count"))
        if "amount_wan_yuan" in table.column_names:
            null = pc.and_(null, pc.is_null(table.column("amount_wan_yuan")))
        found.update(pc.unique(table.filter(null).column("report_id")).to_pylist())
    return found


def _is_money(meta: dict, t: Taken) -> bool:
    layout = LAYOUTS.get(meta[t.ref][2] or "")
    if layout is None:
        return False
    block = layout.block(t.key[1])
    return any(c.key == t.key[3] and c.kind == "money" for c in block.columns)
