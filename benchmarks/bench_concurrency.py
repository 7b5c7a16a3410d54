"""Wait behaviour of one DuckDB warehouse under two ingests and an analyst at once.

Run on demand (not a test):

    .venv/bin/python benchmarks/bench_concurrency.py [--files 6] [--batch-size 1]

Starts two ``annual_ingest`` processes together on one fresh DuckDB file (the bundled
real samples, split in two landing folders) while this process queries the warehouse
in a loop through ``Warehouse.open_readonly``. Prints how long the second ingest waited
for the writer lock, each run's wall time, and the queries' latency (open + two
COUNTs + close) while the ingests ran; CPU time and load average beside wall time,
since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

INGEST = """
import json, sys, time
from flows.ingest import annual_ingest
t = time.perf_counter()
s = annual_ingest.fn(source=sys.argv[1], data_dir=sys.argv[2], batch_size=int(sys.argv[3]), workers=1)
print(json.dumps({"reports": s.reports_loaded, "wall": time.perf_counter() - t, "cpu": time.process_time(),
                  "lock_wait": s.stage_seconds.get("wait for the writer lock", 0.0)}))
"""


def main() -> None:
    import json

    from warehouse import Warehouse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=6, help="sample files in all (split between the two ingests)")
    parser.add_argument("--batch-size", type=int, default=1, help="documents per batch (one load each)")
    args = parser.parse_args()
    files = sorted(p for p in (REPO / "samples" / "real").iterdir() if p.is_file() and p.suffix != ".json")[: args.files]
    root = Path(tempfile.mkdtemp(prefix="gongkai-bench-concurrency-"))
    data = root / "data"
    sources = [root / "a", root / "b"]
    for i, source in enumerate(sources):
        source.mkdir()
        for f in files[i::2]:
            (source / f.name).write_bytes(f.read_bytes())
    Warehouse.open(data_dir=data).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", INGEST, str(s), str(data), str(args.batch_size)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
             for s in sources]
    latencies: list[float] = []
    cpu0 = time.process_time()
    while any(p.poll() is None for p in procs):
        t = time.perf_counter()
        with Warehouse.open_readonly(data_dir=data) as wh:
            wh.query("SELECT COUNT(*) FROM reports")
            wh.query("SELECT COUNT(*) FROM findings")
        latencies.append(time.perf_counter() - t)
        time.sleep(0.2)
    reader_cpu = time.process_time() - cpu0
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    print(f"load average before/after: {os.getloadavg()[0]:.1f} (1 min), cores {os.cpu_count()}")
    print(f"{len(files)} files, batch size {args.batch_size}, both ingests done in "
          f"{time.perf_counter() - started:.1f} s wall")
    for name, r in zip("ab", results):
        print(f"ingest {name}: {r['reports']} reports, {r['wall']:.1f} s wall (of which {r['lock_wait']:.1f} s "
              f"waiting for the writer lock), {r['cpu']:.1f} s CPU")
    if latencies:
        ordered = sorted(latencies)
        print(f"queries during the ingests: {len(latencies)}, median {statistics.median(ordered):.2f} s, "
              f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.2f} s, max {ordered[-1]:.2f} s "
              f"(reader CPU {reader_cpu:.1f} s in all)")


if __name__ == "__main__":
    main()
