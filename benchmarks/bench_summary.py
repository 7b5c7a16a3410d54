"""The numbers users feel, side by side: ``gongkai parse`` cold, per carrier, and the flow's throughput.

Run on demand (not a test; needs the ``bench`` extra):

    .venv/bin/python benchmarks/bench_summary.py [--n 4000 10000] [--mess 1] [--repeat 3] [--no-flow] [--no-startup]

1. ``gongkai parse FILE`` in a fresh process (what a clerk waits for), on one
   generated report per carrier (mess 1): wall time and the child's CPU time
   (median of ``--repeat`` runs), with the load average — the machine is shared,
   so CPU time is the figure to compare across runs.
2. The annual-ingest flow on ``--n`` generated txt+html reports (mess 0–3, fresh
   warehouse), run once in a fresh process by ``bench_flow.py``: reports/s end to
   end with and without Prefect, Prefect's share, CPU ms/report and peak RSS.
3. Start-up: ``gongkai ingest samples`` with nothing new (the bundled samples loaded
   once before), against a Prefect server started here (``PREFECT_API_URL`` set, as
   the README's shared set-up) and with Prefect's temporary server: wall and CPU of the
   command and every process it starts (median of ``--repeat``).
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


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s of the command and all its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO_ROOT, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def startup(repeat: int) -> list[tuple[str, float, float]]:
    """Median (wall, CPU) of an ingest with nothing new, with a running server and with a temporary one."""
    import urllib.request

    work = Path(tempfile.mkdtemp(prefix="gongkai-summary-startup-"))
    home = work / "prefect-home"
    home.mkdir()
    base = {**_env(), "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    base.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "gongkai", "ingest", str(REPO_ROOT / "samples"), "--data-dir", str(work / "data"),
           "--no-progress"]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = []
    try:
        url = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("prefect server start did not answer") from None
                time.sleep(0.5)
        running = {**base, "PREFECT_API_URL": url}
        _timed(cmd, running)  # loads the samples once; every run after it has nothing new
        for label, env in (("running server (PREFECT_API_URL set)", running), ("temporary server", base)):
            runs = [_timed(cmd, env) for _ in range(repeat)]
            out.append((label, statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    return out


def flow(n: int, mess: tuple[int, ...] | None = None) -> dict:
    """bench_flow.py's figures for one corpus of ``n`` reports (one fresh process, run once)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_flow import generate_corpus

    from flows.ingest import DEFAULT_BATCH_SIZE

    corpus = Path(tempfile.mkdtemp(prefix=f"gongkai-summary-{n}-"))
    try:
        written = generate_corpus(n, corpus, mess_levels=mess) if mess else generate_corpus(n, corpus)
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
    parser.add_argument("--n", type=int, nargs="+", default=[4000], help="flow corpus sizes (default 4000)")
    parser.add_argument("--mess", type=int, nargs="+", default=None,
                        help="mess levels of the flow corpus (default 0 1 2 3; the issue's bar is 1)")
    parser.add_argument("--no-startup", action="store_true", help="skip the ingest-with-nothing-new figures")
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

    if not args.no_startup:
        print(f"\ngongkai ingest samples with nothing new (median of {args.repeat}; CPU of all its processes)")
        print(f"  {'Prefect':<40}{'wall s':>8}{'CPU s':>8}")
        for label, wall, cpu in startup(args.repeat):
            print(f"  {label:<40}{wall:8.2f}{cpu:8.2f}", flush=True)
        print(f"  (load average {os.getloadavg()[0]:.1f})")

    if not args.no_flow:
        mess = tuple(args.mess) if args.mess else None
        print(f"\nannual-ingest flow, generated txt+html reports (mess {' '.join(map(str, mess or (0, 1, 2, 3)))}, "
              "fresh warehouse, each N run once)")
        print(f"  {'N':>8}{'reports/s':>10}{'no Prefect':>12}{'Prefect share':>15}{'CPU ms/report':>15}"
              f"{'peak RSS MB':>13}{'load avg':>10}")
        for size in args.n:
            r = flow(size, mess)
            n, total, cpu = r["n"], r["prefect_s"], r["prefect_cpu_s"]
            share = (total - r["baseline_s"]) / total if "baseline_s" in r else float("nan")
            print(f"  {n:8,}{n / total:10.0f}{n / r.get('baseline_s', float('nan')):12.0f}{100 * share:14.1f}%"
                  f"{1000 * cpu / n:15.1f}{r['peak_rss_mb']:13.0f}{r['load_average']:10.1f}", flush=True)
            print(f"  {'':>8}(Prefect's temporary server start-up, outside the clock: {r['prefect_startup_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
