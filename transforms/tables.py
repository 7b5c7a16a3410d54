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
from decimal import Decimal

import pyarrow as pa

from transforms.report import CellValue, Finding, ParsedReport
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
        ("how", pa.string()),  # how the value was read (transforms.report.HOW); NULL when unreadable
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
        ("how", pa.string()),  # how the value was read (transforms.report.HOW); NULL when unreadable
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
        ("how", pa.string()),  # how the value was read (transforms.report.HOW); NULL when unreadable
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


def _cell_fields(cell: CellValue) -> tuple:
    return (
        None if cell.value is None else int(cell.value),
        cell.is_blank,
        cell.recovered,
        None if cell.value is None else cell.how,
        cell.raw,
        cell.location,
    )


_MONEY_QUANTUM = Decimal("0.00000001")


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
    """Long-form tables for a batch. ``extra_findings`` (by report_id) adds what validation found."""
    out = _Columns([name for name in SCHEMAS if name not in ("reports", "findings")])
    put = out.put
    n_blank: list[int] = []
    for rr in rows:
        rep = rr.report
        rid = rr.report_id
        year = rep.year
        blanks = 0
        layout = LAYOUTS.get(rep.layout) if rep.layout else None
        column_keys = layout.app_column_keys if layout is not None else ()
        for row_key, cells in rep.applications.items():
            for column_key, cell in zip(column_keys, cells):
                blanks += bool(cell.is_blank)
                put("application_facts", (rid, year, row_key, column_key) + _cell_fields(cell))
        if rep.review_litigation is not None and layout is not None:
            for spec_cell, cell in zip(layout.review_cells, rep.review_litigation):
                blanks += bool(cell.is_blank)
                put("review_facts", (rid, year, spec_cell.group, spec_cell.outcome) + _cell_fields(cell))
        for ad in rep.active_disclosure:
            cell = ad.cell
            blanks += bool(cell.is_blank)
            is_money = ad.unit == "万元"
            count = None if (is_money or cell.value is None) else int(cell.value)
            amount = cell.value if (is_money and cell.value is not None) else None
            if amount is not None:
                amount = Decimal(amount).quantize(_MONEY_QUANTUM)
            put("disclosure_facts", (rid, year, ad.block, ad.item, ad.column, count, amount,
                                     cell.is_blank, cell.recovered, None if cell.value is None else cell.how,
                                     cell.raw, cell.location))
        for section_key, text in rep.narratives.items():
            put("narratives", (rid, year, section_key, text))
        for row_no, extra in enumerate(rep.extra_rows):
            for cell_no, raw in enumerate(extra.cells):
                put("extra_rows", (rid, year, row_no, extra.section, extra.label, cell_no, raw, extra.location))
        for cell in rep.extra_columns:
            put("extra_columns", (rid, year, cell.section, cell.row_key, cell.label, cell.raw, cell.location))
        n_blank.append(blanks)
    tables = out.tables()
    tables.update(_report_tables(rows, n_blank))
    tables = {name: tables[name] for name in SCHEMAS}
    return with_findings(tables, extra_findings) if extra_findings else tables


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


def _report_tables(rows: list[ReportRow], n_blank: list[int]) -> dict[str, pa.Table]:
    """The reports and findings tables with the parser's own findings (``with_findings`` adds the rest)."""
    now = datetime.now(timezone.utc)
    out = _Columns(["reports", "findings"])
    for rr, blanks in zip(rows, n_blank, strict=True):
        rep = rr.report
        rid, year = rr.report_id, rep.year
        for i, f in enumerate(rep.findings):
            out.put("findings", _finding_record(rid, year, i, f, f.severity))
        n_err = sum(f.severity == "error" for f in rep.findings)
        n_warn = sum(f.severity == "warning" for f in rep.findings)
        out.put("reports", (rid, year, rep.bureau, rep.layout, status_of(n_err, n_warn), rep.title, rr.source_path,
                            rep.sha256, rep.carrier, rep.encoding, rr.parser_version, rr.run_id, n_err, n_warn,
                            blanks, now))
    return out.tables()
