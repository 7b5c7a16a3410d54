"""End-to-end throughput of the annual-ingest flow on a synthetic corpus.

Run on demand (not a test):

    .venv/bin/python benchmarks/bench_flow.py [--n 1000 10000 50000] [--no-baseline] [--batch-size N]

For each N it generates N reports with ``gongkai.synth`` (txt and html, mess
levels 0–3 in equal parts; generation is not timed) into a temporary folder,
then, in a fresh process per N so peak memory is that run's own:

1. runs the flow body without Prefect (``annual_ingest.fn``: same batches, same
   parse pool, no task runs, no server) — the baseline;
2. runs the real Prefect flow (``annual_ingest(...)`` on Prefect's local
   ephemeral server, started and warmed up before the clock starts, heartbeats
   off as the CLI does).

It prints reports/s end to end, per stage (read; parse as the sum of per-file
parse times and as seen through the worker pool; validate — building the Arrow
tables and running the expectations; load DuckDB; write Parquet), Prefect's
share of the wall time ((T_prefect − T_baseline) / T_prefect), and peak RSS of
the whole process tree (flow process, parse workers, Prefect's server), sampled
every 50 ms.

Parsing runs in worker processes while the flow process validates and loads
the previous batch, so stage times overlap and do not add up to the total.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MESS_LEVELS = (0, 1, 2, 3)
CARRIERS = ("txt", "html")


def generate_corpus(n: int, out: Path, seed: int = 7, mess_levels: tuple[int, ...] = MESS_LEVELS) -> int:
    """N reports: for each mess level, N/(2 × levels) reports rendered as both txt and html."""
    from gongkai.synth import generate

    per = n // (len(mess_levels) * len(CARRIERS))
    extra = n - per * len(mess_levels) * len(CARRIERS)
    written = 0
    for i, mess in enumerate(mess_levels):
        count = per + (extra // len(CARRIERS) if i == 0 else 0)
        written += len(generate(count, out / f"mess{mess}", seed=seed + mess, carriers=CARRIERS, mess=mess))
    return written


class PeakRSS:
    """Peak resident memory of this process and all its descendants, summed, sampled in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self._proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self.peak_by_role: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        by_role: dict[str, int] = {}
        for p in [self._proc, *self._proc.children(recursive=True)]:
            try:
                rss = p.memory_info().rss
                cmd = " ".join(p.cmdline())
            except psutil.Error:
                continue
            role = ("flow process" if p.pid == self._proc.pid else "Prefect server" if "uvicorn" in cmd
                    else "parse workers + fork server" if "forkserver" in cmd else "other")
            by_role[role] = by_role.get(role, 0) + rss
            total += rss
        for role, rss in by_role.items():
            self.peak_by_role[role] = max(self.peak_by_role.get(role, 0), rss)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def cpu_seconds() -> float:
    """User + system CPU seconds of this process, its finished children and its live descendants."""
    import psutil

    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            c = child.cpu_times()  # a fork server's reaped workers count in its children_* times
            total += c.user + c.system + c.children_user + c.children_system
        except psutil.Error:
            pass
    return total


def _run_one(corpus: Path, n: int, batch_size: int, baseline: bool, workers: int | None,
             duckdb_memory_limit: str | None = None) -> dict:
    """One N in this process: baseline (no Prefect) and Prefect runs; returns the figures."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    # the rulebook and pandas before the clock; Great Expectations itself is imported inside the run,
    # on a thread while the first batch parses, as in a CLI run (expectations/warmup.py)
    import expectations.validate  # noqa: F401
    from flows.ingest import annual_ingest

    work = Path(tempfile.mkdtemp(prefix="gongkai-bench-data-"))
    out: dict = {"n": n, "batch_size": batch_size, "duckdb_memory_limit": duckdb_memory_limit}

    def url(name: str) -> str | None:  # the default DuckDB file, with a memory cap when asked for
        if not duckdb_memory_limit:
            return None
        return f"duckdb:///{work / name}/gongkai.duckdb?memory_limit={duckdb_memory_limit}"

    try:
        if baseline:
            t0, c0 = time.perf_counter(), cpu_seconds()
            (work / "plain").mkdir()
            s = annual_ingest.fn(source=str(corpus), data_dir=str(work / "plain"), batch_size=batch_size,
                                 workers=workers, warehouse_url=url("plain"))
            out["baseline_s"] = time.perf_counter() - t0
            out["baseline_cpu_s"] = cpu_seconds() - c0
            out["baseline_loaded"] = s.reports_loaded
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            # start Prefect's ephemeral server and warm it up outside the clock
            warm = work / "warm"
            warm.mkdir()
            t0 = time.perf_counter()
            annual_ingest(source=str(warm), data_dir=str(work / "warm-data"))
            out["prefect_startup_s"] = time.perf_counter() - t0
            with PeakRSS() as rss:
                t0, c0 = time.perf_counter(), cpu_seconds()
                (work / "prefect").mkdir()
                s = annual_ingest(source=str(corpus), data_dir=str(work / "prefect"), batch_size=batch_size,
                                  workers=workers, warehouse_url=url("prefect"))
                out["prefect_s"] = time.perf_counter() - t0
                out["prefect_cpu_s"] = cpu_seconds() - c0
        out["load_average"] = os.getloadavg()[0]
        out["peak_rss_mb"] = rss.peak / 2**20
        out["peak_rss_by_role_mb"] = {k: v / 2**20 for k, v in rss.peak_by_role.items()}
        out["loaded"] = s.reports_loaded
        out["stages"] = s.stage_seconds
        out["by_status"] = s.reports_by_status
        out["slowest"] = s.slowest_files[:3]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _report(r: dict, workers: int) -> None:
    n, total = r["n"], r["prefect_s"]
    st = r["stages"]
    cap = f", DuckDB memory_limit {r['duckdb_memory_limit']}" if r.get("duckdb_memory_limit") else ""
    print(f"\nN = {n:,} (batch {r['batch_size']}{cap}): {r['loaded']:,} loaded, by status {r['by_status']}")
    cpu = r["prefect_cpu_s"]
    print(f"  end to end (Prefect flow)   {total:7.1f} s   {n / total:7.0f} reports/s   "
          f"(load average {r['load_average']:.1f} after the run)")
    print(f"  CPU time, all processes     {cpu:7.1f} s   {1000 * cpu / n:7.1f} ms/report -> "
          f"{workers * n / cpu:.0f} reports/s if {workers} cores were ours alone")
    if "baseline_s" in r:
        share = (total - r["baseline_s"]) / total
        cpu_share = (cpu - r["baseline_cpu_s"]) / cpu
        print(f"  end to end (no Prefect)     {r['baseline_s']:7.1f} s   {n / r['baseline_s']:7.0f} reports/s")
        print(f"  Prefect's share             {100 * share:6.1f} % of wall, {100 * cpu_share:.1f} % of CPU   "
              f"(server start-up, outside the clock: {r['prefect_startup_s']:.1f} s)")
    print("  per stage                     seconds   reports/s")
    parse_sum = st.get("parse (per-file sum)", 0.0)
    rows = [("read", st.get("read", 0.0)),
            ("parse (sum of files, 1 core)", parse_sum),
            (f"parse ({workers} workers, ideal)", parse_sum / max(1, workers)),
            ("  waiting for parse", st.get("wait for parse", 0.0)),
            ("validate (tables + GE)", st.get("validate", 0.0)),
            ("load DuckDB", st.get("load", 0.0)),
            ("write Parquet", st.get("parquet", 0.0))]
    for name, sec in rows:
        rate = f"{n / sec:9.0f}" if sec else "        –"
        print(f"  {name:<28}{sec:8.1f}   {rate}")
    print(f"  peak RSS (all processes)    {r['peak_rss_mb']:7.0f} MB   (peak of each: " + ", ".join(
        f"{k} {v:.0f} MB" for k, v in r.get("peak_rss_by_role_mb", {}).items()) + ")")
    print("  slowest files: " + ", ".join(f"{name} {sec * 1000:.0f} ms" for sec, name in r["slowest"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (default 1000 10000)")
    parser.add_argument("--batch-size", type=int, default=None, help="documents per batch (default: the flow's)")
    parser.add_argument("--workers", type=int, default=None, help="parse processes (default: one per core)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without Prefect")
    parser.add_argument("--duckdb-memory-limit", metavar="SIZE",
                        help="cap DuckDB's cache (e.g. 512MB) through the warehouse URL; default: DuckDB's own")
    parser.add_argument("--mess", type=int, nargs="+", default=list(MESS_LEVELS),
                        help="mess levels of the corpus, in equal parts (default 0 1 2 3; the issue's bar is 1)")
    parser.add_argument("--one", type=str, help=argparse.SUPPRESS)  # internal: CORPUS:N, run in a fresh process
    args = parser.parse_args()

    from flows.ingest import DEFAULT_BATCH_SIZE
    from flows.parallel import default_workers

    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    if args.one:
        corpus, n = args.one.rsplit(":", 1)
        print(json.dumps(_run_one(Path(corpus), int(n), batch_size, not args.no_baseline, args.workers,
                                  args.duckdb_memory_limit)))
        return 0

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f} at start")
    for n in args.n:
        corpus = Path(tempfile.mkdtemp(prefix=f"gongkai-bench-{n}-"))
        try:
            t0 = time.perf_counter()
            written = generate_corpus(n, corpus, mess_levels=tuple(args.mess))
            print(f"\ngenerated {written:,} reports (mess {' '.join(map(str, args.mess))}) in {time.perf_counter() - t0:.0f} s (not counted)", flush=True)
            cmd = [sys.executable, __file__, "--one", f"{corpus}:{written}", "--batch-size", str(batch_size)]
            if args.no_baseline:
                cmd.append("--no-baseline")
            if args.workers:
                cmd += ["--workers", str(args.workers)]
            if args.duckdb_memory_limit:
                cmd += ["--duckdb-memory-limit", args.duckdb_memory_limit]
            env = {**os.environ, "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING")}
            done = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                return done.returncode
            result = json.loads(done.stdout.strip().splitlines()[-1])
            _report(result, args.workers or default_workers())
        finally:
            shutil.rmtree(corpus, ignore_errors=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
