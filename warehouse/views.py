"""Analyst views over the long fact tables, generated from the layout spec.

The fact tables are long (one row per cell) because that is what survives a new
edition of the form; analysts mostly want one row per report. These views pivot
with conditional aggregation (``MAX(CASE WHEN ...)``), built as SQLAlchemy Core
expressions and compiled per dialect, so the same definition runs on DuckDB and
PostgreSQL and no column name is typed by hand: every wide column is
``<row_key>_<column_key>`` from ``transforms.spec``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Connection, Select, and_, case, func, select

from transforms.spec import LAYOUTS, REVIEW_CELLS
from warehouse.schema import report_tables

reports = report_tables["reports"]
application_facts = report_tables["application_facts"]
review_facts = report_tables["review_facts"]
findings = report_tables["findings"]

_REPORT_COLUMNS = ("report_id", "year", "bureau", "layout", "status")


def app_row_keys() -> tuple[str, ...]:
    """Row keys of every edition, each once, keeping every edition's own order.

    A key an edition adds is placed after its predecessor in that edition, so the
    2021 rows 其他处理 1-3 sit next to the 2019 row 其他处理, before 总计.
    """
    keys: list[str] = []
    for layout in LAYOUTS.values():
        previous: str | None = None
        for key in layout.app_row_keys:
            if key not in keys:
                keys.insert(keys.index(previous) + 1 if previous is not None else 0, key)
            previous = key
    return tuple(keys)


def app_column_keys() -> tuple[str, ...]:
    keys: list[str] = []
    for layout in LAYOUTS.values():
        keys.extend(k for k in layout.app_column_keys if k not in keys)
    return tuple(keys)


def applications_wide() -> Select:
    """One row per report: every section 三 cell as ``<row_key>_<column_key>``."""
    a = application_facts
    cells = [
        func.max(case((and_(a.c.row_key == row, a.c.column_key == col), a.c["count"]))).label(f"{row}_{col}")
        for row in app_row_keys()
        for col in app_column_keys()
    ]
    keys = [reports.c[c] for c in _REPORT_COLUMNS]
    return (
        select(*keys, *cells)
        .select_from(reports.outerjoin(a, a.c.report_id == reports.c.report_id))
        .group_by(*keys)
    )


def review_wide() -> Select:
    """One row per report: the 15 section 四 numbers as ``<group_key>_<outcome_key>``."""
    r = review_facts
    cells = [
        func.max(case((and_(r.c.group_key == c.group, r.c.outcome_key == c.outcome), r.c["count"])))
        .label(f"{c.group}_{c.outcome}")
        for c in REVIEW_CELLS
    ]
    keys = [reports.c[c] for c in _REPORT_COLUMNS]
    return (
        select(*keys, *cells)
        .select_from(reports.outerjoin(r, r.c.report_id == reports.c.report_id))
        .group_by(*keys)
    )


def findings_view() -> Select:
    """One row per finding, with the bureau, layout, status and file of its report."""
    f = findings
    return select(
        f.c.report_id, f.c.year, reports.c.bureau, reports.c.layout, reports.c.status, reports.c.source_path,
        *[c for c in f.c if c.name not in ("report_id", "year")],
    ).select_from(f.join(reports, reports.c.report_id == f.c.report_id))


def quarantine_view() -> Select:
    """One row per error finding of a quarantined report (a report with no error row still shows once)."""
    f = findings
    return select(
        reports.c.report_id, reports.c.year, reports.c.bureau, reports.c.source_path, reports.c.n_errors,
        f.c.finding_no, f.c.code, f.c.message, f.c.section, f.c.row_label, f.c.column_label, f.c.source_location,
    ).select_from(
        reports.outerjoin(f, and_(f.c.report_id == reports.c.report_id, f.c.severity == "error"))
    ).where(reports.c.status == "quarantined")


@dataclass(frozen=True)
class View:
    name: str
    grain: str  # what one row is, as jaffle-shop marts state it
    build: Callable[[], Select]


VIEWS: tuple[View, ...] = (
    View("v_applications_wide", "one row per report", applications_wide),
    View("v_review_wide", "one row per report", review_wide),
    View("v_findings", "one row per finding", findings_view),
    View("v_quarantine", "one row per error finding of a quarantined report", quarantine_view),
)


def view_sql(view: View, conn: Connection) -> str:
    """The view's SELECT compiled for this connection's dialect, constants inlined."""
    compiled = view.build().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def create_views(conn: Connection) -> None:
    """(Re)create every view, so a spec change reaches the views on the next open."""
    for view in VIEWS:
        name = conn.dialect.identifier_preparer.quote(view.name)
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE VIEW {name} AS {view_sql(view, conn)}")
