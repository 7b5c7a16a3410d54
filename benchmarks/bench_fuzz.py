"""Fuzz every reader and ``to_tables`` for a while and count what happened.

    .venv/bin/python benchmarks/bench_fuzz.py [--seconds 60] [--max-edits 60]

Round-robin over the seed documents of ``tests/fuzz_inputs.py`` (every carrier),
each input a fresh mutation; prints per carrier: tried, survived (a report row came
back), lost (an exception escaped — each is printed with its seed so it can be
replayed with ``mutant(kind, seed, edits)``), slowest input, and CPU seconds.
The CI test (``tests/test_fuzz.py``) runs the same mutations for a few seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzz_inputs import SEEDS, mutant  # noqa: E402
from test_fuzz import parse_and_tabulate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-edits", type=int, default=60)
    args = ap.parse_args()
    stats = {k: {"tried": 0, "survived": 0, "lost": 0, "slowest": 0.0} for k in SEEDS}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    seed = 0
    while time.perf_counter() - wall0 < args.seconds:
        for kind in SEEDS:
            edits = 1 + seed % args.max_edits
            data, name = mutant(kind, seed, edits)
            s = stats[kind]
            s["tried"] += 1
            t0 = time.perf_counter()
            try:
                parse_and_tabulate(data, name)
                s["survived"] += 1
            except Exception:  # noqa: BLE001 - what the benchmark counts
                s["lost"] += 1
                print(f"LOST {kind} seed={seed} edits={edits}:\n{traceback.format_exc(limit=3)}")
            s["slowest"] = max(s["slowest"], time.perf_counter() - t0)
        seed += 1
    print(f"load average {os.getloadavg()[0]:.1f}; wall {time.perf_counter() - wall0:.1f} s; "
          f"CPU {time.process_time() - cpu0:.1f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print(f"{'carrier':<10}{'tried':>7}{'survived':>10}{'lost':>6}{'slowest s':>11}")
    for kind, s in stats.items():
        print(f"{kind:<10}{s['tried']:>7}{s['survived']:>10}{s['lost']:>6}{s['slowest']:>11.2f}")
    return 1 if any(s["lost"] for s in stats.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
