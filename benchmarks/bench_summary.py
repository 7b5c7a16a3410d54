"""The numbers users feel, side by side: ``gongkai parse`` cold, per carrier, and the flow's throughput.

Run on demand (not a test; needs the ``bench`` extra):

    .venv/bin/python benchmarks/bench_summary.py [--n 4000] [--repeat 3] [--no-flow]

1. ``gongkai parse FILE`` in a fresh process (what a clerk waits for), on one
   generated report per carrier (mess 1): wall time and the child's CPU time
   (median of ``--repeat`` runs), with the load average — the machine is shared,
   so CPU time is the figure to compare across runs.
2. The annual-ingest flow on ``--n`` generated txt+html reports (mess 0–3, fresh
   warehouse), run once in a fresh process by ``bench_flow.py``: reports/s end to
   end with and without Prefect, Prefect's share, CPU ms/report and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CARRIERS = ("txt", "html", "docx", "xlsx", "pdf")


def _env() -> dict[str, str]:
    # a loaded machine can take minutes to start Prefect's temporary server (default timeout: 20 s)
    return {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300", **os.environ, "PYTHONPATH": str(REPO_ROOT),
            "DO_NOT_TRACK": "1"}


def parse_cold(path: Path, repeat: int) -> tuple[float, float, str]:
    """(median wall s, median CPU s of the child, the status line) of ``gongkai parse path`` in fresh processes."""
    walls, cpus, status = [], [], ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "gongkai", "parse", str(path)], capture_output=True,
                              text=True, env=_env(), cwd=REPO_ROOT, check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        status = done.stdout.splitlines()[0].rsplit("status ", 1)[-1]
    return statistics.median(walls), statistics.median(cpus), status


def flow(n: int) -> dict:
    """bench_flow.py's figures for one corpus of ``n`` reports (one fresh process, run once)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_flow import generate_corpus

    from flows.ingest import DEFAULT_BATCH_SIZE

    corpus = Path(tempfile.mkdtemp(prefix=f"gongkai-summary-{n}-"))
    try:
        written = generate_corpus(n, corpus)
        cmd = [sys.executable, str(Path(__file__).parent / "bench_flow.py"), "--one", f"{corpus}:{written}",
               "--batch-size", str(DEFAULT_BATCH_SIZE)]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**_env(), "PREFECT_LOGGING_LEVEL": "WARNING"},
                              cwd=REPO_ROOT)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(corpus, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4000, help="flow corpus size (default 4000)")
    parser.add_argument("--repeat", type=int, default=3, help="cold parses per carrier (default 3; median shown)")
    parser.add_argument("--no-flow", action="store_true", help="only the parse figures")
    args = parser.parse_args()

    from gongkai.synth import generate

    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    sample_dir = Path(tempfile.mkdtemp(prefix="gongkai-summary-parse-"))
    try:
        files = {p.suffix.lstrip("."): p for p in generate(1, sample_dir, seed=13, carriers=CARRIERS, mess=1)}
        print("\ngongkai parse FILE, cold (fresh process, median of %d)" % args.repeat)
        print(f"  {'carrier':<8}{'wall s':>8}{'CPU s':>8}  status")
        for carrier in CARRIERS:
            wall, cpu, status = parse_cold(files[carrier], args.repeat)
            print(f"  {carrier:<8}{wall:8.2f}{cpu:8.2f}  {status}", flush=True)
    finally:
        shutil.rmtree(sample_dir, ignore_errors=True)
    print(f"  (load average {os.getloadavg()[0]:.1f})")

    if not args.no_flow:
        r = flow(args.n)
        n, total, cpu = r["n"], r["prefect_s"], r["prefect_cpu_s"]
        share = (total - r["baseline_s"]) / total if "baseline_s" in r else float("nan")
        print(f"\nannual-ingest flow, {n:,} generated txt+html reports (mess 0–3, fresh warehouse, run once)")
        print(f"  {'reports/s':>10}{'no Prefect':>12}{'Prefect share':>15}{'CPU ms/report':>15}{'peak RSS MB':>13}"
              f"{'load avg':>10}")
        print(f"  {n / total:10.0f}{n / r.get('baseline_s', float('nan')):12.0f}{100 * share:14.1f}%"
              f"{1000 * cpu / n:15.1f}{r['peak_rss_mb']:13.0f}{r['load_average']:10.1f}")
        print(f"  (Prefect's temporary server start-up, outside the clock: {r['prefect_startup_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
