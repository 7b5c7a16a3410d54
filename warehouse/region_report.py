"""The numbers of a city's own annual report, read from the region roll-up views and nothing else.

``gongkai report`` sums a region's bureau reports into the standard tables. Every number
it prints comes from a view here, so it can be checked against the SQL roll-up:

* the standard tables — ``v_region_year_disclosure`` (二), ``v_region_year_applications``
  (三), ``v_region_year_review`` (四);
* the five-year trend and the region's year-over-year — ``v_region_year_summary``;
* the per-bureau ranking and shares — ``v_applications_wide`` (current versions);
* the per-bureau comparison with last year — ``v_bureau_year_over_year``;
* the coverage — ``v_reports`` (included), ``v_missing_submissions`` (missing),
  ``v_quarantine`` (held back, with the error rules) and ``v_resolutions`` (resolved,
  by whom; see ``read_resolutions``).

The views admit a bureau report when it is current and not quarantined, so the statuses
clean, flagged and resolved (``ADMITTED_STATUSES``) are what the sums cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, text, true

from warehouse.store import Warehouse
from warehouse.views import QUARANTINED, SUMMARY_COLUMNS, YOY_COLUMNS, ref

#: Statuses whose current report the region roll-ups sum (everything but quarantined).
ADMITTED_STATUSES: tuple[str, ...] = ("clean", "flagged", "resolved")
#: Years of history the trend shows, the report's year included.
TREND_YEARS = 5
#: The per-bureau columns read from ``v_applications_wide``.
BUREAU_COLUMNS: tuple[str, ...] = (
    "new_received_total", "granted_total", "partially_granted_total", "results_total_total",
)

Number = int | Decimal


@dataclass(frozen=True)
class Sum:
    """One summed cell: the value (None when no admitted report printed it) and how many reports did."""

    value: Number | None
    n_reports: int
    n_blank: int = 0


@dataclass(frozen=True)
class HeldBack:
    """A current, quarantined report of the region-year and the error findings that hold it back."""

    bureau: str | None
    report_id: str
    source_path: str | None
    version_no: int | None
    errors: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Coverage:
    """What the sums cover: the office's answer to "which reports are in this number?"."""

    included: tuple[dict[str, Any], ...]  # current admitted reports: bureau, report_id, status, is_aggregate, ...
    missing: tuple[dict[str, Any], ...]  # registry bureaus with no report for the year
    held_back: tuple[HeldBack, ...]
    resolutions: tuple[dict[str, Any], ...]  # the office's decisions on the included/held-back reports
    unassigned: int  # current reports of the year whose bureau has no region (not in the registry)

    @property
    def aggregates(self) -> tuple[dict[str, Any], ...]:
        """Included reports of a bureau with registry children: they already sum other reports."""
        return tuple(r for r in self.included if r["is_aggregate"])


@dataclass(frozen=True)
class RegionYear:
    """Everything the city report prints for one region and year."""

    region: str
    year: int
    applications: dict[tuple[str, str], Sum]  # (row_key, column_key)
    review: dict[tuple[str, str], Sum]  # (group_key, outcome_key)
    disclosure: dict[tuple[str, str, str], Sum]  # (block_key, item_key, column_key)
    summary: dict[int, dict[str, Any]]  # year -> v_region_year_summary row, the last TREND_YEARS years
    bureaus: tuple[dict[str, Any], ...]  # one row per included report: bureau + BUREAU_COLUMNS
    year_over_year: tuple[dict[str, Any], ...]  # v_bureau_year_over_year rows of the region-year
    coverage: Coverage
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_reports(self) -> int:
        return len(self.coverage.included)


class RegionNotFound(ValueError):
    """The region is not in the registry (or has no reports); the message lists the known ones."""


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

def _rows(warehouse: Warehouse, stmt: Select) -> list[dict[str, Any]]:
    with warehouse.engine.connect() as conn:
        return warehouse.backend.read_arrow(conn, stmt).to_pylist()


def known_regions(warehouse: Warehouse) -> list[str]:
    b = ref("stg_bureaus")
    rows = _rows(warehouse, select(b.c.region).where(b.c.region.is_not(None)).distinct().order_by(b.c.region))
    return [r["region"] for r in rows]


def _sums(warehouse: Warehouse, view: str, keys: Sequence[str], region: str, year: int,
          value: str = "count") -> dict[tuple[str, ...], Sum]:
    v = ref(view)
    cols = [v.c[k] for k in keys] + [v.c[value], v.c.n_reports, v.c.n_blank]
    if value != "count":
        cols.append(v.c["count"])
    rows = _rows(warehouse, select(*cols).where(v.c.region == region, v.c.year == year))
    out: dict[tuple[str, ...], Sum] = {}
    for r in rows:
        number = r[value] if r[value] is not None else r.get("count")
        out[tuple(r[k] for k in keys)] = Sum(number, r["n_reports"], r["n_blank"] or 0)
    return out


def read_summary(warehouse: Warehouse, region: str, year: int) -> dict[int, dict[str, Any]]:
    v = ref("v_region_year_summary")
    rows = _rows(warehouse, select(v).where(v.c.region == region, v.c.year > year - TREND_YEARS,
                                            v.c.year <= year).order_by(v.c.year))
    return {r["year"]: r for r in rows}


def read_bureaus(warehouse: Warehouse, region: str, year: int) -> list[dict[str, Any]]:
    w = ref("v_applications_wide")
    stmt = (select(w.c.bureau, w.c.bureau_id, w.c.report_id, w.c.status, *(w.c[c] for c in BUREAU_COLUMNS))
            .where(w.c.region == region, w.c.year == year, w.c.is_current == true(), w.c.status != QUARANTINED)
            .order_by(w.c.bureau, w.c.report_id))
    return _rows(warehouse, stmt)


def read_year_over_year(warehouse: Warehouse, region: str, year: int) -> list[dict[str, Any]]:
    v = ref("v_bureau_year_over_year")
    return _rows(warehouse, select(v).where(v.c.region == region, v.c.year == year).order_by(v.c.bureau))


def read_included(warehouse: Warehouse, region: str, year: int) -> list[dict[str, Any]]:
    r = ref("v_reports")
    stmt = (select(r.c.bureau, r.c.bureau_id, r.c.bureau_name, r.c.report_id, r.c.status, r.c.version_no,
                   r.c.n_errors, r.c.n_warnings, r.c.source_path, r.c.carrier, r.c.layout, r.c.is_aggregate)
            .where(r.c.region == region, r.c.year == year, r.c.is_current == true(), r.c.status != QUARANTINED)
            .order_by(r.c.bureau, r.c.report_id))
    return _rows(warehouse, stmt)


def read_missing(warehouse: Warehouse, region: str, year: int) -> list[dict[str, Any]]:
    m = ref("v_missing_submissions")
    stmt = (select(m.c.bureau_name, m.c.bureau_id, m.c.level, m.c.parent_bureau_id)
            .where(m.c.region == region, m.c.year == year).order_by(m.c.bureau_name))
    return _rows(warehouse, stmt)


def read_held_back(warehouse: Warehouse, region: str, year: int) -> list[HeldBack]:
    q, b = ref("v_quarantine"), ref("stg_bureaus")
    stmt = (select(q.c.bureau, q.c.report_id, q.c.source_path, q.c.version_no, q.c.finding_no, q.c.code,
                   q.c.message, q.c.section, q.c.row_label, q.c.column_label, q.c.expected, q.c.found)
            .select_from(q.join(b, b.c.bureau_id == q.c.bureau_id))
            .where(b.c.region == region, q.c.year == year)
            .order_by(q.c.bureau, q.c.report_id, q.c.finding_no))
    held: dict[str, HeldBack] = {}
    for row in _rows(warehouse, stmt):
        report = held.get(row["report_id"])
        if report is None:
            report = held[row["report_id"]] = HeldBack(row["bureau"], row["report_id"], row["source_path"],
                                                       row["version_no"], ())
        if row["code"] is not None:
            error = {k: row[k] for k in ("code", "message", "section", "row_label", "column_label",
                                         "expected", "found")}
            held[row["report_id"]] = HeldBack(report.bureau, report.report_id, report.source_path,
                                              report.version_no, report.errors + (error,))
    return list(held.values())


def count_unassigned(warehouse: Warehouse, year: int) -> int:
    r = ref("v_reports")
    rows = _rows(warehouse, select(r.c.report_id).where(r.c.year == year, r.c.is_current == true(),
                                                        r.c.region.is_(None)))
    return len(rows)


#: The columns ``v_resolutions`` provides (the resolutions branch's contract).
RESOLUTION_COLUMNS: tuple[str, ...] = (
    "resolution_id", "report_id", "content_sha256", "bureau", "year", "kind", "finding_code", "section",
    "row_key", "column_key", "value", "note", "decided_by", "decided_at",
)


def read_resolutions(warehouse: Warehouse, region: str, year: int) -> list[dict[str, Any]]:
    """The office's decisions on the region-year's current reports: what was resolved, and by whom.

    Reads ``v_resolutions`` (one row per decision: ``kind`` set_value / accept / reject,
    the finding and cell it answers, ``decided_by``, ``decided_at``, ``note``). Only
    decisions on the current version of a region's report count (a decision applies to
    one sha256). This is the one place the city report reads them.
    """
    sql = text(
        "SELECT res.resolution_id, res.report_id, res.bureau, res.year, res.kind, res.finding_code, "
        "res.section, res.row_key, res.column_key, res.value, res.note, res.decided_by, res.decided_at, "
        "rep.status "
        "FROM v_resolutions res JOIN v_reports rep ON rep.report_id = res.report_id "
        "WHERE rep.region = :region AND res.year = :year AND rep.is_current "
        "ORDER BY res.bureau, res.decided_at, res.resolution_id"
    )
    with warehouse.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sql, {"region": region, "year": year})]


def read_region_year(warehouse: Warehouse, region: str, year: int) -> RegionYear:
    """Every number of the city report for ``region`` and ``year`` (RegionNotFound if unknown)."""
    regions = known_regions(warehouse)
    if region not in regions:
        known = ", ".join(regions) or "none: load the bureau registry with `gongkai ingest --registry CSV`"
        raise RegionNotFound(f"region {region!r} is not in the bureau registry; known regions: {known}")
    coverage = Coverage(
        included=tuple(read_included(warehouse, region, year)),
        missing=tuple(read_missing(warehouse, region, year)),
        held_back=tuple(read_held_back(warehouse, region, year)),
        resolutions=tuple(read_resolutions(warehouse, region, year)),
        unassigned=count_unassigned(warehouse, year),
    )
    return RegionYear(
        region=region, year=year,
        applications=_sums(warehouse, "v_region_year_applications", ("row_key", "column_key"), region, year),
        review=_sums(warehouse, "v_region_year_review", ("group_key", "outcome_key"), region, year),
        disclosure=_sums(warehouse, "v_region_year_disclosure", ("block_key", "item_key", "column_key"),
                         region, year, value="amount_wan_yuan"),
        summary=read_summary(warehouse, region, year),
        bureaus=tuple(read_bureaus(warehouse, region, year)),
        year_over_year=tuple(read_year_over_year(warehouse, region, year)),
        coverage=coverage,
    )


__all__ = [
    "ADMITTED_STATUSES", "BUREAU_COLUMNS", "Coverage", "HeldBack", "RESOLUTION_COLUMNS", "RegionNotFound",
    "RegionYear", "SUMMARY_COLUMNS", "Sum", "TREND_YEARS", "YOY_COLUMNS", "read_region_year",
    "read_resolutions",
]
