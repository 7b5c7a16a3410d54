"""Parsed reports as long-form columnar tables: the frames expectations and loaders share.

One function turns a batch of ``ParsedReport`` into a dict of pyarrow tables whose
names and columns are the warehouse's (``warehouse/schema.py`` declares the same
columns for SQL). Building the frames once per batch is what lets expectations run
one validation per batch and loaders use bulk paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone

import pyarrow as pa

from transforms.records import (  # noqa: F401  (ReportRow, report_id_for, … are part of this module's API)
    AMOUNT_PRECISION,
    AMOUNT_SCALE,
    COLUMNS,
    Columns,
    ReportRow,
    content_sha256,
    finding_record,
    report_columns,
    report_id_for,
    report_status,
    status_of,
    year_value,
)
from transforms.report import Finding

AMOUNT_TYPE = pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)

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
assert {name: tuple(schema.names) for name, schema in SCHEMAS.items()} == COLUMNS, \
    "transforms.records.COLUMNS and SCHEMAS must name the same columns"


class _Columns(Columns):
    """Column lists that become the batch's Arrow tables."""

    def tables(self) -> dict[str, pa.Table]:
        return {name: _arrow(name, cols) for name, cols in self.cols.items()}


def _arrow(name: str, cols: list[list]) -> pa.Table:
    return pa.table({f.name: col for f, col in zip(SCHEMAS[name], cols)}, schema=SCHEMAS[name])


def to_tables(rows: list[ReportRow], extra_findings: dict[str, list[Finding]] | None = None) -> dict[str, pa.Table]:
    """Long-form tables for a batch. ``extra_findings`` (by report_id) adds what validation found."""
    columns, n_blank, added = report_columns(rows)
    tables = {name: _arrow(name, cols) for name, cols in columns.cols.items()}
    tables.update(_report_tables(rows, n_blank, added))
    tables = {name: tables[name] for name in SCHEMAS}
    return with_findings(tables, extra_findings) if extra_findings else tables


#: ``(code, severity as found) -> severity to record``, or ``"off"`` to drop the finding.
SeverityOf = Callable[[str, str], str]


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
            by_report[rid].append(finding_record(rid, years.get(rid), 0, f, sev))
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


def _report_tables(rows: list[ReportRow], n_blank: list[int],
                   added: list[list[Finding]] | None = None) -> dict[str, pa.Table]:
    """The reports and findings tables with the parser's own findings (``with_findings`` adds the rest).

    ``added``: per report, findings made while building its rows (values no column can hold).
    """
    now = datetime.now(timezone.utc)
    out = _Columns(["reports", "findings"])
    for i_row, (rr, blanks) in enumerate(zip(rows, n_blank, strict=True)):
        rep = rr.report
        rid, year = rr.report_id, year_value(rep.year)
        findings = list(rep.findings) + (added[i_row] if added else [])
        for i, f in enumerate(findings):
            out.put("findings", finding_record(rid, year, i, f, f.severity))
        n_err = sum(f.severity == "error" for f in findings)
        n_warn = sum(f.severity == "warning" for f in findings)
        out.put("reports", (rid, year, rep.bureau, rep.layout, status_of(n_err, n_warn), rep.title, rr.source_path,
                            rep.sha256, rep.carrier, rep.encoding, rr.parser_version, rr.run_id, n_err, n_warn,
                            blanks, now))
    return out.tables()
