"""Write the review site: ``index.html`` and ``reports/<report_id>.html`` under one folder.

    write_site(warehouse, "data/review", years=[2021])   # -> data/review/index.html

The ingest flow writes it after each run for the years it touched (next to the Data
Docs); ``gongkai review`` writes it on demand. Pages of a report are rewritten
whole each time (they are a pure function of the warehouse), so a decision or a
resubmission shows on the next write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review.data import Year, drop_details, load_details, load_site_index
from review.html import render_index, render_report

DEFAULT_DIR = "review"
#: Reports whose findings and cells are in memory at once while pages are written.
PAGE_CHUNK = 500


@dataclass(frozen=True)
class SiteResult:
    index: Path
    pages: int
    reports: int  # current bureau-years listed
    missing: int  # missing submissions listed


def write_site(warehouse: Any, out_dir: str | Path, years: Sequence[Year] | None = None,
               report_ids: Iterable[str] | None = None, title: str | None = None,
               chunk: int = PAGE_CHUNK) -> SiteResult:
    """Write the index of ``years`` (None: every year) and the report pages (``report_ids`` and the other
    versions of their bureau-years; None: every report of the years), ``chunk`` reports' details at a time."""
    site = load_site_index(warehouse, years, report_ids)
    out = Path(out_dir)
    pages = out / "reports"
    pages.mkdir(parents=True, exist_ok=True)
    # reports with decisions first: the index shows how many of their errors are settled
    decided = [rid for rid, d in site.reports.items() if d.decisions]
    load_details(warehouse, site, decided)
    todo = [rid for rid in site.pages if rid not in set(decided)]
    for rid in decided:
        if rid in set(site.pages):
            (pages / f"{rid}.html").write_text(render_report(site.reports[rid]), encoding="utf-8")
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        load_details(warehouse, site, part)
        for rid in part:
            (pages / f"{rid}.html").write_text(render_report(site.reports[rid]), encoding="utf-8")
        drop_details(site, part)
    label = "、".join("年份不明" if y is None else f"{y}年" for y in site.years) or "全部年度"
    index = out / "index.html"
    index.write_text(render_index(site, title or f"政府信息公开工作年度报告 · 逐份核对（{label}）"), encoding="utf-8")
    return SiteResult(index, len(site.pages), sum(1 for d in site.reports.values() if d.report["is_current"]),
                      len(site.missing))
