"""Write the review site: ``index.html`` and ``reports/<report_id>.html`` under one folder.

    write_site(warehouse, "data/review", years=[2021])   # -> data/review/index.html

The ingest flow writes it after each run for the years it touched (next to the Data
Docs); ``gongkai review`` writes it on demand. Pages of a report are rewritten
whole each time (they are a pure function of the warehouse), so a decision or a
resubmission shows on the next write.

Pages can be written by a small pool of processes (``workers=N``, or ``workers=None``:
one per core, up to ``MAX_WORKERS``, for 1,000 pages or more): this process reads a
chunk's findings and cells from the warehouse (one query per table) while the workers
group the previous chunks by report, render and write them. Pages are the same
whichever process writes them. It is off by default: measured on the shared 2-core
machine (load average 5-10, where the kernel gives one session's processes one share),
two workers cost ~20 % more CPU and more wall time (10,000 pages: 42.5 s against
25.7 s); on free cores it should divide the page-writing time by up to the number of
workers (not measured).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review.data import Details, ReportData, Year, drop_details, fill_details, load_details, load_site_index, query_details
from review.html import render_index, render_report
from transforms.gc_pause import no_cyclic_gc

log = logging.getLogger(__name__)

DEFAULT_DIR = "review"
#: Reports whose findings and cells are in memory at once while pages are written.
PAGE_CHUNK = 500
#: Page-writing processes at most (the default is one per core, up to this).
MAX_WORKERS = 4
#: Fewer pages than this are written in this process: starting workers costs more than it saves.
PARALLEL_MIN_PAGES = 1000


@dataclass(frozen=True)
class SiteResult:
    index: Path
    pages: int
    reports: int  # current bureau-years listed
    missing: int  # missing submissions listed
    workers: int = 0  # page-writing processes used (0: this process wrote every page)
    worker_cpu_seconds: float = 0.0  # CPU the page-writing processes spent


def default_workers(n_pages: int) -> int:
    """One page writer per core (at most ``MAX_WORKERS``) for a large site, none (this process) otherwise.

    A daemonic process (a Dask or multiprocessing worker running an ingest) may not start
    children, so it writes its pages itself.
    """
    if n_pages < PARALLEL_MIN_PAGES or multiprocessing.current_process().daemon:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(MAX_WORKERS, cores) if cores > 1 else 0


def write_site(warehouse: Any, out_dir: str | Path, years: Sequence[Year] | None = None,
               report_ids: Iterable[str] | None = None, title: str | None = None,
               chunk: int = PAGE_CHUNK, workers: int | None = 0) -> SiteResult:
    """Write the index of ``years`` (None: every year) and the report pages (``report_ids`` and the other
    versions of their bureau-years; None: every report of the years), ``chunk`` reports' details at a time.

    ``workers``: page-writing processes (0, the default: write in this process; None: ``default_workers``).
    """
    with no_cyclic_gc():
        return _write_site(warehouse, out_dir, years, report_ids, title, chunk, workers)


def _write_site(warehouse: Any, out_dir: str | Path, years: Sequence[Year] | None, report_ids: Iterable[str] | None,
                title: str | None, chunk: int, workers: int | None) -> SiteResult:
    site = load_site_index(warehouse, years, report_ids)
    out = Path(out_dir)
    pages = out / "reports"
    pages.mkdir(parents=True, exist_ok=True)
    # reports with decisions first: the index shows how many of their errors are settled
    decided = [rid for rid, d in site.reports.items() if d.decisions]
    load_details(warehouse, site, decided)
    page_set = set(site.pages)
    for rid in decided:
        if rid in page_set:
            (pages / f"{rid}.html").write_text(render_report(site.reports[rid]), encoding="utf-8")
    decided_set = set(decided)
    todo = [rid for rid in site.pages if rid not in decided_set]
    n_workers = (default_workers(len(todo)) if workers is None else workers) if todo else 0
    worker_cpu = 0.0
    if n_workers > 0 and todo:
        try:
            worker_cpu = _write_parallel(warehouse, site, todo, pages, chunk, n_workers)
        except BrokenProcessPool as exc:  # a worker could not start or died: write every page here instead
            log.warning("review pages: the page-writing processes failed (%s); writing the pages in this process",
                        exc)
            n_workers = 0
    if n_workers == 0:
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
                      len(site.missing), n_workers, worker_cpu)


def write_pages(pages: str, reports: list[ReportData], details: Details) -> float:
    """A worker's part: group a chunk's details by report, render and write its pages; returns the CPU
    seconds it took (a fork server's workers are not this process's children, so their time is counted here)."""
    start = time.process_time()
    with no_cyclic_gc():
        by_id = {d.report_id: d for d in reports}
        fill_details(by_id, list(by_id), details)
        folder = Path(pages)
        for data in reports:
            (folder / f"{data.report_id}.html").write_text(render_report(data), encoding="utf-8")
    return time.process_time() - start


def _write_parallel(warehouse: Any, site: Any, todo: list[str], pages: Path, chunk: int, n_workers: int) -> float:
    """Query chunk k+1 here while workers write chunk k; at most a few chunks in flight (memory stays bounded).

    Workers come from a fork server that has imported the renderer once (no DuckDB
    connection or thread is ever forked), so they start in milliseconds.
    """
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                          else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["review.site"])
    pending: deque[Future] = deque()
    cpu = 0.0
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            details = query_details(warehouse, part)
            while len(pending) > n_workers:
                cpu += pending.popleft().result()
            pending.append(pool.submit(write_pages, str(pages), [site.reports[r] for r in part], details))
        while pending:
            cpu += pending.popleft().result()
    return cpu
