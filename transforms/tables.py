"""Parsed reports as long-form columnar tables: the frames expectations and loaders share.

One function turns a batch of ``ParsedReport`` into a dict of pyarrow tables whose
names and columns are the warehouse's (``warehouse/schema.py`` declares the same
columns for SQL). Building the frames once per batch is what lets expectations run
one validation per batch and loaders use bulk paths.
"""

from __future__ import annotations

import hashlib
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
    if any(f.severity == "error" for f in findings):
        return "quarantined"
    if any(f.severity == "warning" for f in findings):
        return "flagged"
    return "clean"


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
        cell.raw,
        cell.location,
    )


def to_tables(rows: list[ReportRow], extra_findings: dict[str, list[Finding]] | None = None) -> dict[str, pa.Table]:
    """Long-form tables for a batch. ``extra_findings`` (by report_id) adds what validation found."""
    extra_findings = extra_findings or {}
    cols: dict[str, dict[str, list]] = {name: {f.name: [] for f in schema} for name, schema in SCHEMAS.items()}
    now = datetime.now(timezone.utc)

    def put(table: str, values: tuple) -> None:
        for field_name, v in zip(cols[table], values):
            cols[table][field_name].append(v)

    for rr in rows:
        rep = rr.report
        rid = rr.report_id
        year = rep.year
        findings = list(rep.findings) + list(extra_findings.get(rid, []))
        n_blank = 0
        if rep.layout in LAYOUTS:
            column_keys = LAYOUTS[rep.layout].app_column_keys
        else:
            column_keys = ()
        for row_key, cells in rep.applications.items():
            for column_key, cell in zip(column_keys, cells):
                n_blank += bool(cell.is_blank)
                put("application_facts", (rid, year, row_key, column_key) + _cell_fields(cell))
        if rep.review_litigation is not None and rep.layout in LAYOUTS:
            for spec_cell, cell in zip(LAYOUTS[rep.layout].review_cells, rep.review_litigation):
                n_blank += bool(cell.is_blank)
                put("review_facts", (rid, year, spec_cell.group, spec_cell.outcome) + _cell_fields(cell))
        for ad in rep.active_disclosure:
            cell = ad.cell
            n_blank += bool(cell.is_blank)
            is_money = ad.unit == "万元"
            count = None if (is_money or cell.value is None) else int(cell.value)
            amount = cell.value if (is_money and cell.value is not None) else None
            if amount is not None:
                amount = Decimal(amount).quantize(Decimal("0.00000001"))
            put("disclosure_facts", (rid, year, ad.block, ad.item, ad.column, count, amount,
                                     cell.is_blank, cell.recovered, cell.raw, cell.location))
        for section_key, text in rep.narratives.items():
            put("narratives", (rid, year, section_key, text))
        for row_no, extra in enumerate(rep.extra_rows):
            for cell_no, raw in enumerate(extra.cells):
                put("extra_rows", (rid, year, row_no, extra.section, extra.label, cell_no, raw, extra.location))
        for cell in rep.extra_columns:
            put("extra_columns", (rid, year, cell.section, cell.row_key, cell.label, cell.raw, cell.location))
        for i, f in enumerate(findings):
            loc = f.location
            put("findings", (rid, year, i, f.code, f.severity, f.message, loc.section, loc.row, loc.column,
                             loc.source, f.expected, f.found))
        n_err = sum(f.severity == "error" for f in findings)
        n_warn = sum(f.severity == "warning" for f in findings)
        put("reports", (rid, year, rep.bureau, rep.layout, report_status(findings), rep.title, rr.source_path,
                        rep.sha256, rep.carrier, rep.encoding, rr.parser_version, rr.run_id, n_err, n_warn, n_blank, now))
    return {name: pa.table(cols[name], schema=SCHEMAS[name]) for name in SCHEMAS}
