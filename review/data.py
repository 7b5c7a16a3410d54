"""What the review site shows, read from the warehouse in a few bulk queries per year.

One query per table and year (reports with their registry attributes, findings, the
three cell views with the office's values and ``how``, decisions, missing
submissions), grouped by report in Python: a year of 10,000 reports is read once,
not 10,000 times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from review.cells import CellKey
from transforms.gc_pause import no_cyclic_gc
from warehouse.resolutions import Resolution, read_resolutions

Year = int | None


@dataclass(slots=True)
class Cell:
    value: Any  # what the views carry: the published value, or the office's for an unread cell
    published: Any  # the published value (None: unread)
    is_blank: bool | None
    is_recovered: bool | None
    how: str | None
    raw_text: str | None
    source_location: str | None
    resolution_id: str | None


@dataclass
class ReportData:
    report: dict[str, Any]  # a v_reports row
    findings: list[dict[str, Any]] = field(default_factory=list)
    cells: dict[CellKey, Cell] = field(default_factory=dict)
    decisions: list[Resolution] = field(default_factory=list)  # on these bytes: applied
    suggestions: list[Resolution] = field(default_factory=list)  # on other versions of the bureau-year
    versions: list[dict[str, Any]] = field(default_factory=list)  # every version of its version_key

    @property
    def report_id(self) -> str:
        return self.report["report_id"]


@dataclass
class SiteData:
    years: list[Year]
    reports: dict[str, ReportData]  # every version of the years
    missing: list[dict[str, Any]]  # v_missing_submissions rows
    pages: list[str] = field(default_factory=list)  # reports whose pages to write, in order


def _year_clause(column: str, years: Sequence[Year] | None) -> str:
    if years is None:
        return "TRUE"
    parts = []
    known = [int(y) for y in years if y is not None]
    if known:
        parts.append(f"{column} IN ({', '.join(map(str, known))})")
    if any(y is None for y in years):
        parts.append(f"{column} IS NULL")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _ids_clause(ids: Sequence[str]) -> str:
    if not ids:
        return "FALSE"
    quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
    return f"report_id IN ({quoted})"


def _rows(warehouse: Any, sql: str) -> Iterable[dict[str, Any]]:
    table = warehouse.query(sql)
    cols = table.to_pydict()
    names = list(cols)
    for values in zip(*(cols[n] for n in names)):
        yield dict(zip(names, values))


_CELL_VIEWS = (
    ("二", "v_disclosure_cells", "item_key", "column_key"),
    ("三", "v_application_cells", "row_key", "column_key"),
    ("四", "v_review_cells", "group_key", "outcome_key"),
)


def load_site_data(warehouse: Any, years: Sequence[Year] | None = None,
                   report_ids: Iterable[str] | None = None) -> SiteData:
    """``load_site_index`` and the details of every report a page is written for (small sites, tests)."""
    site = load_site_index(warehouse, years, report_ids)
    load_details(warehouse, site, site.pages)
    return site


def load_site_index(warehouse: Any, years: Sequence[Year] | None = None,
                    report_ids: Iterable[str] | None = None) -> SiteData:
    """Reports (every version) of ``years`` (None: all) with their decisions, and the missing submissions.

    ``SiteData.pages``: ``report_ids`` and the other versions of their bureau-years (None:
    every report of the years). Findings and cells come later, a chunk at a time
    (``load_details``), so a national year never sits in memory whole.
    """
    where = _year_clause("year", years)
    reports: dict[str, ReportData] = {}
    for row in _rows(warehouse, f"SELECT * FROM v_reports WHERE {where} ORDER BY version_key, version_no"):
        reports[row["report_id"]] = ReportData(row)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for data in reports.values():
        by_key.setdefault(data.report["version_key"] or data.report_id, []).append(data.report)
    for data in reports.values():
        data.versions = by_key[data.report["version_key"] or data.report_id]
    with warehouse.engine.connect() as conn:
        decisions = read_resolutions(conn)
    if report_ids is None:
        pages = list(reports)
    else:
        ids = set(report_ids)
        keys = {reports[r].report["version_key"] for r in ids if r in reports}
        pages = [rid for rid, d in reports.items() if rid in ids or d.report["version_key"] in keys]
    by_sha: dict[str, list[Resolution]] = {}
    by_bureau_year: dict[tuple[Any, Any], list[Resolution]] = {}
    for r in decisions:
        by_sha.setdefault(r.content_sha256, []).append(r)
        by_bureau_year.setdefault((r.bureau, r.year), []).append(r)
    for rid, data in reports.items():
        sha = data.report["content_sha256"]
        data.decisions = by_sha.get(sha, [])
        data.suggestions = [r for r in by_bureau_year.get((data.report["bureau"], data.report["year"]), [])
                            if r.content_sha256 != sha]
    missing = list(_rows(warehouse, f"SELECT * FROM v_missing_submissions WHERE {_year_clause('year', years)} "
                                    "ORDER BY region, bureau_name"))
    found_years = sorted({d.report["year"] for d in reports.values()} | {m["year"] for m in missing},
                         key=lambda y: (y is None, y or 0))
    return SiteData(found_years if years is None else list(years), reports, missing, pages)


def load_details(warehouse: Any, site: SiteData, report_ids: Sequence[str]) -> None:
    """Fill the findings and cells of these reports (one query per table for the lot)."""
    ids = [r for r in dict.fromkeys(report_ids) if r in site.reports]
    if ids:
        fill_details(site.reports, ids, query_details(warehouse, ids))


#: The details of a set of reports as the warehouse returns them: "findings" and one table per section.
Details = dict[str, Any]


def query_details(warehouse: Any, report_ids: Sequence[str]) -> Details:
    """The findings and cells of these reports, one query per table, as Arrow tables (cheap to hand to a
    page-writing process)."""
    where_facts = _ids_clause(report_ids)
    out: Details = {"findings": warehouse.query(f"SELECT * FROM findings WHERE {where_facts} "
                                                "ORDER BY report_id, finding_no")}
    for section, view, row_col, col_col in _CELL_VIEWS:
        amount = ", amount_wan_yuan" if section == "二" else ""
        out[section] = warehouse.query(
            f"SELECT report_id, {row_col} AS r, {col_col} AS c, count{amount}, is_blank, is_recovered, how, "
            f"raw_text, source_location, resolution_id FROM {view} WHERE {where_facts}")
    return out


def fill_details(reports: dict[str, ReportData], report_ids: Sequence[str], details: Details) -> None:
    """Group ``query_details``' rows by report into ``reports`` (column-wise: a year's cells are millions)."""
    with no_cyclic_gc():
        _fill_details(reports, report_ids, details)


def _fill_details(reports: dict[str, ReportData], report_ids: Sequence[str], details: Details) -> None:
    for rid in report_ids:
        reports[rid].findings = []
        reports[rid].cells = {}
    findings = details["findings"].to_pydict()
    names = list(findings)
    for values in zip(*(findings[n] for n in names)):
        row = dict(zip(names, values))
        reports[row["report_id"]].findings.append(row)
    for section, _view, _row_col, _col_col in _CELL_VIEWS:
        cols = details[section].to_pydict()
        values = cols["count"]
        if section == "二":
            values = [a if v is None else v for v, a in zip(values, cols["amount_wan_yuan"])]
        published = [None if how == "resolved" else v for v, how in zip(values, cols["how"])]
        built = map(Cell, values, published, cols["is_blank"], cols["is_recovered"], cols["how"], cols["raw_text"],
                    cols["source_location"], cols["resolution_id"])
        current, cells = None, {}
        for rid, key, cell in zip(cols["report_id"], zip(repeat(section), cols["r"], cols["c"]), built):
            if rid != current:
                current, cells = rid, reports[rid].cells
            cells[key] = cell


def drop_details(site: SiteData, report_ids: Iterable[str]) -> None:
    for rid in report_ids:
        data = site.reports.get(rid)
        if data is not None and not data.decisions:  # the index needs decided reports' details
            data.findings = []
            data.cells = {}
