"""Parsed reports as long-form columnar tables: the frames expectations and loaders share.

One function turns a batch of ``ParsedReport`` into a dict of pyarrow tables whose
names and columns are the warehouse's (``warehouse/schema.py`` declares the same
columns for SQL). Building the frames once per batch is what lets expectations run
one validation per batch and loaders use bulk paths.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Context, Decimal

import pyarrow as pa

from transforms.findings import make_finding
from transforms.report import CellValue, Finding, Location, ParsedReport
from transforms.spec import LAYOUTS

AMOUNT_TYPE = pa.decimal128(24, 8)

SCHEMAS: dict[str, pa.Schema] = {
    "reports": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("bureau", pa.string()),
        ("layout", pa.string()),
        ("status", pa.string()),
        ("title", pa.string()),
        ("source_path", pa.string()),
        ("content_sha256", pa.string()),
        ("carrier", pa.string()),
        ("encoding", pa.string()),
        ("parser_version", pa.string()),
        ("run_id", pa.string()),
        ("n_errors", pa.int32()),
        ("n_warnings", pa.int32()),
        ("n_blank_cells", pa.int32()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]),
    "application_facts": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("row_key", pa.string()),
        ("column_key", pa.string()),
        ("count", pa.int64()),
        ("is_blank", pa.bool_()),
        ("is_recovered", pa.bool_()),
        ("raw_text", pa.string()),
        ("source_location", pa.string()),
    ]),
    "review_facts": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("group_key", pa.string()),
        ("outcome_key", pa.string()),
        ("count", pa.int64()),
        ("is_blank", pa.bool_()),
        ("is_recovered", pa.bool_()),
        ("raw_text", pa.string()),
        ("source_location", pa.string()),
    ]),
    "disclosure_facts": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("block_key", pa.string()),
        ("item_key", pa.string()),
        ("column_key", pa.string()),
        ("count", pa.int64()),
        ("amount_wan_yuan", AMOUNT_TYPE),
        ("is_blank", pa.bool_()),
        ("is_recovered", pa.bool_()),
        ("raw_text", pa.string()),
        ("source_location", pa.string()),
    ]),
    "narratives": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("section_key", pa.string()),
        ("text", pa.string()),
    ]),
    "findings": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("finding_no", pa.int32()),
        ("code", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("section", pa.string()),
        ("row_label", pa.string()),
        ("column_label", pa.string()),
        ("source_location", pa.string()),
        ("expected", pa.string()),
        ("found", pa.string()),
    ]),
    # What a bureau added to the standard tables (subtotal rows and columns), kept as printed:
    # derivable numbers the rulebook checks, and nothing the document said is lost.
    "extra_rows": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("row_no", pa.int32()),  # order of the extra row within its report
        ("section", pa.string()),
        ("label", pa.string()),  # as printed (group label, "小计", …)
        ("cell_no", pa.int32()),  # position among the row's printed values, from 0
        ("raw_text", pa.string()),
        ("source_location", pa.string()),
    ]),
    "extra_columns": pa.schema([
        ("report_id", pa.string()),
        ("year", pa.int32()),
        ("section", pa.string()),
        ("row_key", pa.string()),  # the standard row the cell is printed in
        ("label", pa.string()),  # the column's printed header
        ("raw_text", pa.string()),
        ("source_location", pa.string()),
    ]),
}

# Tables that hold one report's rows (replaced together when a report is reloaded).
REPORT_TABLES: tuple[str, ...] = tuple(SCHEMAS)


def report_id_for(sha256: str) -> str:
    """Reports are identified by their content: the same bytes are the same report."""
    return sha256[:20]


def content_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_status(findings: list[Finding]) -> str:
    """clean / flagged (warnings) / quarantined (errors): the gate the loaders record."""
    return status_of(sum(f.severity == "error" for f in findings), sum(f.severity == "warning" for f in findings))


@dataclass
class ReportRow:
    """Per-report bookkeeping the loaders need beside the parsed content."""

    report: ParsedReport
    report_id: str
    source_path: str
    parser_version: str
    run_id: str


# What the warehouse's numeric columns hold: int64 counts, decimal128(24, 8) amounts in 万元.
MAX_COUNT = 2**63 - 1
_MONEY_SCALE = AMOUNT_TYPE.scale
_MONEY_MAX = Decimal(10) ** (AMOUNT_TYPE.precision - AMOUNT_TYPE.scale)  # 10^16 万元: exclusive bound
_MONEY_QUANTUM = Decimal(1).scaleb(-_MONEY_SCALE)


class _ReportOut:
    """One report's rows and the findings its cells add, kept apart until the report is built whole.

    ``to_tables`` fills one of these per report and only then copies it into the batch's
    columns, so a report whose rows cannot be built (a bug, a value no column can hold
    that slipped past the checks below) costs that report its facts, never the batch.
    """

    def __init__(self, source: str) -> None:
        self.rows: list[tuple[str, tuple]] = []
        self.findings: list[Finding] = []
        self.blanks = 0
        self.source = source

    def out_of_range(self, cell: CellValue, location: Location, what: str) -> None:
        self.findings.append(make_finding(
            "cell.out_of_range",
            f"{location.describe()}印的“{cell.raw.strip()[:60]}”{what}，无法存入数据仓库；按原文保留，数值记为空。",
            location, found=cell.raw.strip()[:200], report=self.source,
        ))

    def count(self, cell: CellValue, location: Location) -> int | None:
        """A count cell's value as int64, or None (with a finding) when it does not fit."""
        if cell.value is None:
            return None
        try:
            value = int(cell.value)
        except (ValueError, OverflowError, ArithmeticError):  # NaN/Infinity cannot come from the parser
            self.out_of_range(cell, location, "不是有限的数")
            return None
        if not -MAX_COUNT <= value <= MAX_COUNT:
            self.out_of_range(cell, location, f"超出件数可存的范围（不超过{MAX_COUNT}）")
            return None
        return value

    def amount(self, cell: CellValue, location: Location) -> Decimal | None:
        """A money cell's value in 万元 as decimal(24, 8), or None (with a finding) when it does not fit exactly."""
        if cell.value is None:
            return None
        value = Decimal(cell.value)
        if not value.is_finite() or abs(value) >= _MONEY_MAX:
            self.out_of_range(cell, location, f"超出金额可存的范围（小于{_MONEY_MAX:.0f}万元）")
            return None
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -_MONEY_SCALE and value != value.quantize(
                _MONEY_QUANTUM, context=_WIDE):
            self.out_of_range(cell, location, f"小数位超过{_MONEY_SCALE}位（万元）")
            return None
        return value.quantize(_MONEY_QUANTUM, context=_WIDE)

    def cell_fields(self, cell: CellValue, location: Location) -> tuple:
        self.blanks += bool(cell.is_blank)
        return (self.count(cell, location), cell.is_blank, cell.recovered, cell.raw, cell.location)


# Enough digits for any value that passed the range check above (16 + 8), so quantize never traps.
_WIDE = Context(prec=AMOUNT_TYPE.precision + 4)


class _Columns:
    """Column lists per table, filled a row at a time.

    Values go straight into per-column lists rather than into row tuples transposed at
    the end: a batch has ~200k fact rows, and as many new tuples set off the garbage
    collector over every parsed report still alive (measured 2.5× slower).
    """

    def __init__(self, names: list[str]) -> None:
        self.cols: dict[str, list[list]] = {name: [[] for _ in SCHEMAS[name]] for name in names}

    def put(self, table: str, values: tuple) -> None:
        for column, v in zip(self.cols[table], values):
            column.append(v)

    def tables(self) -> dict[str, pa.Table]:
        return {name: pa.table({f.name: col for f, col in zip(SCHEMAS[name], cols)}, schema=SCHEMAS[name])
                for name, cols in self.cols.items()}


def to_tables(rows: list[ReportRow], extra_findings: dict[str, list[Finding]] | None = None) -> dict[str, pa.Table]:
    """Long-form tables for a batch. ``extra_findings`` (by report_id) adds what validation found.

    Never raises for one report's content: each report's rows are built apart
    (``_report_rows``); a value no column can hold is a ``cell.out_of_range`` finding
    on its cell, and a report whose rows cannot be built at all keeps its reports row
    with a ``file.unreadable`` finding saying why.
    """
    out = _Columns([name for name in SCHEMAS if name not in ("reports", "findings")])
    put = out.put
    n_blank: list[int] = []
    added: list[list[Finding]] = []
    for rr in rows:
        try:
            built = _report_rows(rr)
        except Exception as exc:  # noqa: BLE001 - isolate the report: it loses its facts, the batch goes on
            built = _ReportOut(rr.report.source)
            built.findings.append(make_finding(
                "file.unreadable", f"文件“{rr.report.source}”的表格无法转换为入库格式：{type(exc).__name__}: {exc}",
                Location(source=rr.report.source), found=type(exc).__name__, report=rr.report.source,
            ))
        for table, values in built.rows:
            put(table, values)
        n_blank.append(built.blanks)
        added.append(built.findings)
    tables = out.tables()
    tables.update(_report_tables(rows, n_blank, added))
    tables = {name: tables[name] for name in SCHEMAS}
    return with_findings(tables, extra_findings) if extra_findings else tables


def _report_rows(rr: ReportRow) -> _ReportOut:
    """One report's fact rows (``(table, values)`` in ``SCHEMAS`` column order), built without touching the batch."""
    rep = rr.report
    rid = rr.report_id
    year = _year(rep.year)
    built = _ReportOut(rep.source)
    rows = built.rows
    layout = LAYOUTS.get(rep.layout) if rep.layout else None
    column_keys = layout.app_column_keys if layout is not None else ()
    for row_key, cells in rep.applications.items():
        for column_key, cell in zip(column_keys, cells):
            loc = Location("三", row_key, column_key, cell.location or None)
            rows.append(("application_facts", (rid, year, row_key, column_key) + built.cell_fields(cell, loc)))
    if rep.review_litigation is not None and layout is not None:
        for spec_cell, cell in zip(layout.review_cells, rep.review_litigation):
            loc = Location("四", spec_cell.group_label, spec_cell.outcome_label, cell.location or None)
            rows.append(("review_facts", (rid, year, spec_cell.group, spec_cell.outcome)
                         + built.cell_fields(cell, loc)))
    for ad in rep.active_disclosure:
        cell = ad.cell
        built.blanks += bool(cell.is_blank)
        loc = Location("二", ad.item, ad.column, cell.location or None)
        is_money = ad.unit == "万元"
        count = None if is_money else built.count(cell, loc)
        amount = built.amount(cell, loc) if is_money else None
        rows.append(("disclosure_facts", (rid, year, ad.block, ad.item, ad.column, count, amount,
                                          cell.is_blank, cell.recovered, cell.raw, cell.location)))
    for section_key, text in rep.narratives.items():
        rows.append(("narratives", (rid, year, section_key, text)))
    for row_no, extra in enumerate(rep.extra_rows):
        for cell_no, raw in enumerate(extra.cells):
            rows.append(("extra_rows", (rid, year, row_no, extra.section, extra.label, cell_no, raw, extra.location)))
    for cell in rep.extra_columns:
        rows.append(("extra_columns", (rid, year, cell.section, cell.row_key, cell.label, cell.raw, cell.location)))
    return built


def _year(year: int | None) -> int | None:
    """A reporting year the int32 column can hold; the metadata reader only finds four-digit years."""
    return year if year is None or -(2**31) <= year < 2**31 else None


#: ``(code, severity as found) -> severity to record``, or ``"off"`` to drop the finding.
SeverityOf = Callable[[str, str], str]


def status_of(n_errors: int, n_warnings: int) -> str:
    return "quarantined" if n_errors else "flagged" if n_warnings else "clean"


def with_findings(tables: dict[str, pa.Table], extra_findings: Mapping[str, list[Finding]],
                  severity_of: SeverityOf | None = None) -> dict[str, pa.Table]:
    """``tables`` with validation's findings added and the gate recomputed.

    Works on the tables alone (the parsed reports may be in another process): the
    findings table gets ``extra_findings`` (by report_id) appended after each report's
    own, ``severity_of`` re-grades every finding — the parser's too, so an office
    that makes ``table.truncated`` a warning gets it everywhere — and the reports'
    ``status``, ``n_errors`` and ``n_warnings`` follow. The facts are not touched.
    """
    reports, old = tables["reports"], tables["findings"]
    ids = reports.column("report_id").to_pylist()
    years = dict(zip(ids, reports.column("year").to_pylist()))
    graded: dict[tuple[str, str], str] = {}

    def grade(code: str, severity: str) -> str:
        if severity_of is None:
            return severity
        key = (code, severity)
        if key not in graded:
            graded[key] = severity_of(code, severity)
        return graded[key]

    by_report: dict[str, list[tuple]] = {rid: [] for rid in ids}
    for row in zip(*(old.column(f.name).to_pylist() for f in old.schema)):
        sev = grade(row[3], row[4])
        if sev != "off":
            by_report.setdefault(row[0], []).append(row[:4] + (sev,) + row[5:])
    for rid, found in extra_findings.items():
        if rid not in by_report:
            continue
        for f in found:
            sev = grade(f.code, f.severity)
            if sev == "off":
                continue
            by_report[rid].append(_finding_record(rid, years.get(rid), 0, f, sev))
    out = _Columns(["findings"])
    n_errors, n_warnings = [], []
    for rid in ids:
        rows = by_report[rid]
        for i, row in enumerate(rows):
            out.put("findings", row[:2] + (i,) + row[3:])
        n_errors.append(sum(r[4] == "error" for r in rows))
        n_warnings.append(sum(r[4] == "warning" for r in rows))
    status = [status_of(e, w) for e, w in zip(n_errors, n_warnings)]
    for name, values in (("status", status), ("n_errors", n_errors), ("n_warnings", n_warnings)):
        i = reports.schema.get_field_index(name)
        reports = reports.set_column(i, reports.schema.field(i), pa.array(values, reports.schema.field(i).type))
    return {**tables, "reports": reports, "findings": out.tables()["findings"]}


def stamp_loaded_at(tables: dict[str, pa.Table], when: datetime | None = None) -> dict[str, pa.Table]:
    """``tables`` with every report's ``loaded_at`` set to ``when`` (default: now).

    Tables built in parse workers carry the time their chunk was parsed; the flow
    stamps the batch once, just before loading it, so one batch has one time and
    versions accepted later never carry an earlier time.
    """
    reports = tables["reports"]
    i = reports.schema.get_field_index("loaded_at")
    field = reports.schema.field(i)
    stamp = pa.array([when or datetime.now(timezone.utc)] * reports.num_rows, field.type)
    return {**tables, "reports": reports.set_column(i, field, stamp)}


def _finding_record(rid: str, year: int | None, no: int, f: Finding, severity: str) -> tuple:
    """One row of the findings table, in ``SCHEMAS["findings"]`` order."""
    loc = f.location
    return (rid, year, no, f.code, severity, f.message, loc.section, loc.row, loc.column, loc.source,
            f.expected, f.found)


def _report_tables(rows: list[ReportRow], n_blank: list[int],
                   added: list[list[Finding]] | None = None) -> dict[str, pa.Table]:
    """The reports and findings tables with the parser's own findings (``with_findings`` adds the rest).

    ``added``: per report, findings made while building its rows (values no column can hold).
    """
    now = datetime.now(timezone.utc)
    out = _Columns(["reports", "findings"])
    for i_row, (rr, blanks) in enumerate(zip(rows, n_blank, strict=True)):
        rep = rr.report
        rid, year = rr.report_id, _year(rep.year)
        findings = list(rep.findings) + (added[i_row] if added else [])
        for i, f in enumerate(findings):
            out.put("findings", _finding_record(rid, year, i, f, f.severity))
        n_err = sum(f.severity == "error" for f in findings)
        n_warn = sum(f.severity == "warning" for f in findings)
        out.put("reports", (rid, year, rep.bureau, rep.layout, status_of(n_err, n_warn), rep.title, rr.source_path,
                            rep.sha256, rep.carrier, rep.encoding, rr.parser_version, rr.run_id, n_err, n_warn,
                            blanks, now))
    return out.tables()
