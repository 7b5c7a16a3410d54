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
from decimal import Context, Decimal

from transforms.findings import make_finding
from transforms.report import CellValue, Finding, Location, ParsedReport
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
# What the warehouse's numeric columns hold: int64 counts, decimal(24, 8) amounts in 万元
# (``transforms.tables.AMOUNT_TYPE`` is built from these).
AMOUNT_PRECISION, AMOUNT_SCALE = 24, 8
MAX_COUNT = 2**63 - 1
MONEY_MAX = Decimal(10) ** (AMOUNT_PRECISION - AMOUNT_SCALE)  # 10^16 万元: exclusive bound
MONEY_QUANTUM = Decimal(1).scaleb(-AMOUNT_SCALE)
# Enough digits for any value that passed the range check (16 + 8), so quantize never traps.
_WIDE = Context(prec=AMOUNT_PRECISION + 4)


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


class ReportOut:
    """One report's rows and the findings its cells add, kept apart until the report is built whole.

    ``report_columns`` fills one of these per report and only then copies it into the
    batch's columns, so a report whose rows cannot be built (a bug, a value no column
    can hold that slipped past the checks below) costs that report its facts, never the batch.
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
        if not value.is_finite() or abs(value) >= MONEY_MAX:
            self.out_of_range(cell, location, f"超出金额可存的范围（小于{MONEY_MAX:.0f}万元）")
            return None
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -AMOUNT_SCALE and value != value.quantize(
                MONEY_QUANTUM, context=_WIDE):
            self.out_of_range(cell, location, f"小数位超过{AMOUNT_SCALE}位（万元）")
            return None
        return value.quantize(MONEY_QUANTUM, context=_WIDE)

    def cell_fields(self, cell: CellValue, location: Location) -> tuple:
        self.blanks += bool(cell.is_blank)
        count = self.count(cell, location)
        return (count, cell.is_blank, cell.recovered, None if count is None else cell.how, cell.raw, cell.location)


def year_value(year: int | None) -> int | None:
    """A reporting year the int32 column can hold; the metadata reader only finds four-digit years."""
    return year if year is None or -(2**31) <= year < 2**31 else None


def report_rows(rr: ReportRow) -> ReportOut:
    """One report's fact rows (``(table, values)`` in ``COLUMNS`` order), built without touching the batch."""
    rep = rr.report
    rid = rr.report_id
    year = year_value(rep.year)
    built = ReportOut(rep.source)
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
        how = None if count is None and amount is None else cell.how
        rows.append(("disclosure_facts", (rid, year, ad.block, ad.item, ad.column, count, amount,
                                          cell.is_blank, cell.recovered, how, cell.raw, cell.location)))
    for section_key, text in rep.narratives.items():
        rows.append(("narratives", (rid, year, section_key, text)))
    for row_no, extra in enumerate(rep.extra_rows):
        for cell_no, raw in enumerate(extra.cells):
            rows.append(("extra_rows", (rid, year, row_no, extra.section, extra.label, cell_no, raw, extra.location)))
    for cell in rep.extra_columns:
        rows.append(("extra_columns", (rid, year, cell.section, cell.row_key, cell.label, cell.raw, cell.location)))
    return built


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


def report_columns(rows: list[ReportRow]) -> tuple[Columns, list[int], list[list[Finding]]]:
    """The fact, narrative and extra tables of a batch as column lists, each report's blank-cell
    count, and the findings building its rows added (per report, in ``rows`` order).

    Never raises for one report's content: each report's rows are built apart
    (``report_rows``); a value no column can hold is a ``cell.out_of_range`` finding on its
    cell, and a report whose rows cannot be built at all loses its facts and keeps a
    ``file.unreadable`` finding saying why.
    """
    out = Columns(FACT_TABLES)
    put = out.put
    n_blank: list[int] = []
    added: list[list[Finding]] = []
    for rr in rows:
        try:
            built = report_rows(rr)
        except Exception as exc:  # noqa: BLE001 - isolate the report: it loses its facts, the batch goes on
            built = ReportOut(rr.report.source)
            built.findings.append(make_finding(
                "file.unreadable", f"文件“{rr.report.source}”的表格无法转换为入库格式：{type(exc).__name__}: {exc}",
                Location(source=rr.report.source), found=type(exc).__name__, report=rr.report.source,
            ))
        for table, values in built.rows:
            put(table, values)
        n_blank.append(built.blanks)
        added.append(built.findings)
    return out, n_blank, added


def finding_record(rid: str, year: int | None, no: int, f: Finding, severity: str) -> tuple:
    """One row of the findings table, in ``COLUMNS["findings"]`` order."""
    loc = f.location
    return (rid, year, no, f.code, severity, f.message, loc.section, loc.row, loc.column, loc.source,
            f.expected, f.found)
