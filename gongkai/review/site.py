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

from gongkai.review.data import Year, load_site_data
from gongkai.review.html import render_index, render_report

DEFAULT_DIR = "review"


@dataclass(frozen=True)
class SiteResult:
    index: Path
    pages: int
    reports: int  # current bureau-years listed
    missing: int  # missing submissions listed


def write_site(warehouse: Any, out_dir: str | Path, years: Sequence[Year] | None = None,
               report_ids: Iterable[str] | None = None, title: str | None = None) -> SiteResult:
    """Write the index of ``years`` (None: every year) and the report pages (``report_ids`` and the other
    versions of their bureau-years; None: every report of the years)."""
    site = load_site_data(warehouse, years, report_ids)
    out = Path(out_dir)
    pages = out / "reports"
    pages.mkdir(parents=True, exist_ok=True)
    wanted = None if report_ids is None else set(report_ids)
    n = 0
    for rid, data in site.reports.items():
        if wanted is not None and not (rid in wanted or data.findings or data.cells):
            continue
        (pages / f"{rid}.html").write_text(render_report(data), encoding="utf-8")
        n += 1
    label = "、".join("年份不明" if y is None else f"{y}年" for y in site.years) or "全部年度"
    index = out / "index.html"
    index.write_text(render_index(site, title or f"政府信息公开工作年度报告 · 逐份核对（{label}）"), encoding="utf-8")
    return SiteResult(index, n, sum(1 for d in site.reports.values() if d.report["is_current"]), len(site.missing))
