"""The office's end of year in one measure (issue 11: review site + city report for 10,000 reports in < 30 s).

Builds one year of N reports in one region — ``bench_review``'s way: ``--templates``
synthetic reports (txt, mess 0-3, both layouts) parsed and checked as an ingest does,
replicated to N bureau reports with their findings, blanks, unread and recovered cells;
a registry of the region with ~3 % more bureaus than reported (missing submissions); a
few office decisions — then times, in this order and in one process tree:

1. ``write_site`` for the year: the review index and N report pages;
2. ``build_city_report`` for the region and year: every admitted report summed, the
   per-bureau tables (ranking, year over year, coverage) with N rows, charts, HTML,
   XLSX, Markdown.

Prints wall and CPU seconds (this process and its finished children, i.e. page
workers), by stage, the load average before and after (the 2-core machine is shared),
and the verdict against 30 s. Setup (parsing, loading) is not timed; ``--workdir`` with
``--reuse`` times an already filled warehouse again.

    .venv/bin/python benchmarks/bench_office.py --n 10000 [--workers 0|2|-1] [--workdir DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_review import YEAR, _replicate, _templates  # noqa: E402

REGION = "基准市"
TARGET_SECONDS = 30.0


def _live_children_cpu() -> float:
    """CPU seconds of this process's live children and of the children they reaped (Linux /proc): the review
    site's fork server and, through it, its page workers once they exited."""
    me, tick, total = os.getpid(), os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:  # ppid; then utime, stime, cutime, cstime are fields 11-14
            total += sum(int(x) for x in fields[11:15])
    return total / tick


def cpu_all() -> float:
    """CPU seconds of this process, its exited children and its live children with what they reaped."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime + _live_children_cpu()


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fill(warehouse, n: int, n_templates: int, seed: int, work: Path) -> None:  # noqa: ANN001
    from gongkai.synth.region import write_registry
    from warehouse.resolutions import build, store

    (work / "t").mkdir(parents=True, exist_ok=True)
    names = [f"基准市第{i:05d}局" for i in range(n + max(n * 3 // 100, 1))]  # _replicate's names, and some more
    warehouse.load_registry(write_registry(work / "registry.csv", REGION, names))
    templates = _templates(n_templates, seed, work / "t")
    for start in range(0, n, 1000):
        warehouse.load(_replicate(templates, start, min(1000, n - start)))
    quarantined = warehouse.query("SELECT r.report_id FROM reports r JOIN findings f USING (report_id) "
                                  "WHERE f.code = 'identity.I1' LIMIT 50")["report_id"].to_pylist()
    with warehouse.engine.begin() as conn:
        store(conn, [build(conn, rid, "accept", by="bench", finding_code="identity.I1", note="bench")
                     for rid in dict.fromkeys(quarantined)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="reports of the year (one region)")
    parser.add_argument("--templates", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=0,
                        help="page-writing processes for the review site (0, write_site's default: none; "
                             "-1: one per core)")
    parser.add_argument("--workdir", type=Path, help="keep the warehouse and outputs here (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true", help="the warehouse in --workdir is filled: time only")
    args = parser.parse_args()

    from gongkai.cityreport import build_city_report
    from review import write_site
    from warehouse import Warehouse

    work = args.workdir or Path(tempfile.mkdtemp(prefix="gongkai-bench-office-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load average at start: {load_text()}")
    warehouse = Warehouse.open(data_dir=str(work / "data"))
    try:
        if not args.reuse:
            t0 = time.perf_counter()
            fill(warehouse, args.n, args.templates, args.seed, work)
            print(f"setup (not timed): {args.n} reports of {YEAR} loaded in {time.perf_counter() - t0:.0f} s")
        statuses = warehouse.query(f"SELECT status, COUNT(*) AS n FROM v_reports WHERE year = {YEAR} AND is_current "
                                   "GROUP BY status ORDER BY status").to_pylist()
        print("reports by status: " + ", ".join(f"{r['status']} {r['n']}" for r in statuses))
        for name in ("review", "city"):
            shutil.rmtree(work / name, ignore_errors=True)

        load_before = load_text()
        c0, w0 = cpu_all(), time.perf_counter()
        site = write_site(warehouse, work / "review", [YEAR], workers=None if args.workers < 0 else args.workers)
        c1, w1 = cpu_all(), time.perf_counter()
        files = build_city_report(warehouse, REGION, YEAR, work / "city")
        c2, w2 = cpu_all(), time.perf_counter()
        load_after = load_text()

        size = sum(p.stat().st_size for p in (work / "review").rglob("*.html"))
        data = files.report.data
        view = warehouse.query(f"SELECT n_reports, new_received_total FROM v_region_year_summary "
                               f"WHERE region = '{REGION}' AND year = {YEAR}").to_pylist()[0]
        shown = data.applications[("new_received", "total")].value
        ok = view["n_reports"] == data.n_reports and view["new_received_total"] == shown
    finally:
        warehouse.close()
    wall, cpu = w2 - w0, c2 - c0
    print(f"review site: {site.pages} pages + index ({size / 1e6:.0f} MB of HTML), {site.workers} page-writing "
          f"processes: {w1 - w0:.1f} s wall, {c1 - c0:.1f} s CPU (of which the workers measured "
          f"{site.worker_cpu_seconds:.1f} s in themselves)")
    print(f"city report {REGION} {YEAR}: {data.n_reports} reports summed, {len(data.coverage.missing)} missing, "
          f"{len(data.coverage.held_back)} held back: {w2 - w1:.1f} s wall, {c2 - c1:.1f} s CPU")
    print("  city report by stage (s wall): " + ", ".join(f"{k} {v:.2f}" for k, v in files.seconds.items()))
    print(f"check against v_region_year_summary: n_reports {view['n_reports']}, new_received_total "
          f"{view['new_received_total']} vs report {shown}: {'OK' if ok else 'MISMATCH'}")
    print(f"total: {wall:.1f} s wall, {cpu:.1f} s CPU (all processes); load average {load_before} -> {load_after}")
    print(f"target < {TARGET_SECONDS:.0f} s for {args.n} reports: wall {'met' if wall < TARGET_SECONDS else 'missed'}, "
          f"CPU {'met' if cpu < TARGET_SECONDS else 'missed'}")
    print(f"outputs: {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
