"""Parsed reports as plain column lists: the rows the warehouse tables hold, before Arrow.

``transforms.tables.to_tables`` turns these lists into pyarrow tables for a batch;
``expectations.one_report`` reads them directly to check a single report without
importing pyarrow or pandas (``gongkai parse`` stays under a second). Both go
through ``report_columns``, so there is one definition of how a report becomes rows:
which cells are facts, when a section 二 value is money, how blanks are counted.
Column names here and ``transforms.tables.SCHEMAS`` are the same (checked there).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from transforms.report import CellValue, Finding, ParsedReport
from transforms.spec import LAYOUTS

#: Column names per table, in warehouse order (``transforms.tables.SCHEMAS`` gives their types).
COLUMNS: dict[str, tuple[str, ...]] = {
    "reports": ("report_id", "year", "bureau", "layout", "status", "title", "source_path", "content_sha256",
                "carrier", "encoding", "parser_version", "run_id", "n_errors", "n_warnings", "n_blank_cells",
                "loaded_at"),
    "application_facts": ("report_id", "year", "row_key", "column_key", "count", "is_blank", "is_recovered",
                          "how", "raw_text", "source_location"),
    "review_facts": ("report_id", "year", "group_key", "outcome_key", "count", "is_blank", "is_recovered",
                     "how", "raw_text", "source_location"),
    "disclosure_facts": ("report_id", "year", "block_key", "item_key", "column_key", "count", "amount_wan_yuan",
                         "is_blank", "is_recovered", "how", "raw_text", "source_location"),
    "narratives": ("report_id", "year", "section_key", "text"),
    "findings": ("report_id", "year", "finding_no", "code", "severity", "message", "section", "row_label",
                 "column_label", "source_location", "expected", "found"),
    "extra_rows": ("report_id", "year", "row_no", "section", "label", "cell_no", "raw_text", "source_location"),
    "extra_columns": ("report_id", "year", "section", "row_key", "label", "raw_text", "source_location"),
}

FACT_TABLES: tuple[str, ...] = ("application_facts", "review_facts", "disclosure_facts", "narratives",
                                "extra_rows", "extra_columns")
MONEY_QUANTUM = Decimal("0.00000001")  # amount_wan_yuan is decimal(24, 8)


def report_id_for(sha256: str) -> str:
    """Reports are identified by their content: the same bytes are the same report."""
    return sha256[:20]


def content_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def status_of(n_errors: int, n_warnings: int) -> str:
    return "quarantined" if n_errors else "flagged" if n_warnings else "clean"


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


class Columns:
    """Column lists per table, filled a row at a time.

    Values go straight into per-column lists rather than into row tuples transposed at
    the end: a batch has ~200k fact rows, and as many new tuples set off the garbage
    collector over every parsed report still alive (measured 2.5× slower).
    """

    def __init__(self, names: list[str] | tuple[str, ...]) -> None:
        self.cols: dict[str, list[list]] = {name: [[] for _ in COLUMNS[name]] for name in names}

    def put(self, table: str, values: tuple) -> None:
        for column, v in zip(self.cols[table], values):
            column.append(v)

    def as_dicts(self) -> dict[str, dict[str, list]]:
        """``{table: {column: values}}``."""
        return {name: dict(zip(COLUMNS[name], cols)) for name, cols in self.cols.items()}


def report_columns(rows: list[ReportRow]) -> tuple[Columns, list[int]]:
    """The fact, narrative and extra tables of a batch as column lists, and each report's blank-cell count."""
    out = Columns(FACT_TABLES)
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
                amount = Decimal(amount).quantize(MONEY_QUANTUM)
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
    return out, n_blank


def finding_record(rid: str, year: int | None, no: int, f: Finding, severity: str) -> tuple:
    """One row of the findings table, in ``COLUMNS["findings"]`` order."""
    loc = f.location
    return (rid, year, no, f.code, severity, f.message, loc.section, loc.row, loc.column, loc.source,
            f.expected, f.found)
