"""Benchmark: the city's own report (``gongkai report``) over a region of N bureau reports.

Builds a warehouse holding one generated region — N / 5 bureaus × 5 years, mess levels
0-3 mixed (mess 3 plants publisher errors, so some reports are quarantined), ~6 % of
bureau-years never submitted, the registry loaded — then times ``build_city_report``
for the last year, by stage (query, layout, charts, HTML, XLSX, Markdown), and checks
its headline against the roll-up view.

The warehouse is filled from the generator's truth through ``to_tables`` → the
identity/domain rules → ``Warehouse.load`` (no rendering or parsing: those are
``bench_parse.py``'s subject), and that setup is not timed. Prints wall and CPU seconds
and the load average, since the machine may be shared.

    .venv/bin/python benchmarks/bench_city_report.py --reports 10000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from expectations.validate import validate_batch
from gongkai.cityreport import build_city_report
from gongkai.synth.region import RegionReport, region_bureau_names, region_reports, write_registry
from transforms.parse import PARSER_VERSION
from transforms.report import ActiveDisclosureCell, CellValue, ParsedReport
from transforms.tables import ReportRow, report_id_for, to_tables, with_findings
from warehouse import Warehouse

YEARS = (2019, 2020, 2021, 2022, 2023)
REGION = "合成市"
RULES = ("identity.I1", "identity.I2", "identity.I3", "identity.I4", "domain.negative")


def _cell(value: int | Decimal) -> CellValue:
    return CellValue(Decimal(value), str(value))


def parsed(item: RegionReport) -> ParsedReport:
    """The report as a parser that read every printed cell right would return it."""
    truth = item.truth
    units = {(b.key, c.key): ("万元" if c.kind == "money" else "件") for b in truth.layout.blocks for c in b.columns}
    return ParsedReport(
        source="synthetic", carrier="txt", layout=truth.layout.id, year=truth.year, bureau=item.bureau,
        sha256=hashlib.sha256(f"{item.bureau}|{item.year}|{item.index}".encode()).hexdigest(),
        applications={k: [_cell(v) for v in vals] for k, vals in truth.applications.items()},
        review_litigation=[_cell(v) for v in truth.review],
        active_disclosure=[ActiveDisclosureCell(b, i, c, _cell(v), units[(b, c)]) for (b, i, c), v in truth.active.items()],
    )


def fill(warehouse: Warehouse, n_reports: int, seed: int, workdir: Path, batch: int = 1000) -> tuple[int, int]:
    names = region_bureau_names(REGION, max(n_reports // len(YEARS), 1))
    warehouse.load_registry(write_registry(workdir / "registry.csv", REGION, names))
    rows: list[ReportRow] = []
    loaded = missing = 0

    def flush() -> None:
        nonlocal loaded
        if rows:
            tables = to_tables(rows)
            tables = with_findings(tables, validate_batch(tables, rules=list(RULES)))
            warehouse.load(tables)
            loaded += len(rows)
            rows.clear()

    for item in region_reports(seed, names, REGION, YEARS, 0.06, (0.45, 0.25, 0.15, 0.15)):
        if isinstance(item, tuple):
            missing += 1
            continue
        report = parsed(item)
        rows.append(ReportRow(report, report_id_for(report.sha256 or ""), f"bench/{item.year}/{item.index}.txt",
                              PARSER_VERSION, "bench"))
        if len(rows) >= batch:
            flush()
    flush()
    return loaded, missing


def cpu_seconds() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10000, help="bureau-years of the region (before ~6 %% missing)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep the warehouse and the report here (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true",
                        help="the warehouse in --workdir was filled by an earlier run with the same --reports: time only")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gongkai-bench-cityreport-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"({os.cpu_count()} cores)")
    with Warehouse.open(f"duckdb:///{workdir / 'gongkai.duckdb'}") as warehouse:
        t0 = time.perf_counter()
        if args.reuse:
            loaded = warehouse.query("SELECT COUNT(*) AS n FROM reports").to_pylist()[0]["n"]
            print(f"setup: reusing {workdir} ({loaded} reports)")
        else:
            loaded, missing = fill(warehouse, args.reports, args.seed, workdir)
            print(f"setup (not timed below): {loaded} reports loaded, {missing} bureau-years missing, "
                  f"{time.perf_counter() - t0:.1f} s")
        statuses = warehouse.query("SELECT status, COUNT(*) AS n FROM v_reports WHERE is_current GROUP BY status "
                                   "ORDER BY status").to_pylist()
        print("reports by status: " + ", ".join(f"{r['status']} {r['n']}" for r in statuses))
        year = YEARS[-1]
        walls: dict[bool, float] = {}
        for with_charts in (True, False):
            c0, w0 = cpu_seconds(), time.perf_counter()
            files = build_city_report(warehouse, REGION, year, workdir / f"report-{'charts' if with_charts else 'plain'}",
                                      charts=with_charts)
            wall, cpu = time.perf_counter() - w0, cpu_seconds() - c0
            walls[with_charts] = wall
            data = files.report.data
            print(f"city report {REGION} {year}{'' if with_charts else ' (--no-charts)'}: {wall:.2f} s wall, "
                  f"{cpu:.2f} s CPU; {data.n_reports} reports summed, {len(data.coverage.missing)} missing, "
                  f"{len(data.coverage.held_back)} held back; warehouse holds {loaded} reports")
            print("  by stage (s): " + ", ".join(f"{k} {v:.2f}" for k, v in files.seconds.items()))
        view = warehouse.query(f"SELECT n_reports, new_received_total FROM v_region_year_summary "
                               f"WHERE region = '{REGION}' AND year = {year}").to_pylist()[0]
        shown = data.applications[("new_received", "total")].value
        ok = view["n_reports"] == data.n_reports and view["new_received_total"] == shown
        print(f"check against v_region_year_summary: n_reports {view['n_reports']}, new_received_total "
              f"{view['new_received_total']} vs report {shown}: {'OK' if ok else 'MISMATCH'}")
        print(f"outputs: {files.html.parent.parent}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"target: < 30 s for {args.reports} reports -> {'met' if walls[True] < 30 else 'missed'} "
          f"(with charts: {walls[True]:.2f} s wall)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
