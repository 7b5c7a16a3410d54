"""Hostile files against the per-file budgets: finding, CPU time and peak memory of each.

    .venv/bin/python benchmarks/bench_hostile.py

Each hostile file of ``tests/hostile.py`` (zip bomb, billion laughs, oversized and
tag-flooded HTML, a 2,000-page PDF, run-together digits, numbers no column holds)
is parsed and turned into tables in a fresh child process, so its peak RSS is its
own (``ru_maxrss`` of the child). Prints per file: size, the findings it got, CPU
seconds, peak RSS, and whether it survived (a report with a finding, no exception).
Then the batch trial: all of them beside a real report in one parse-pool batch
(2 workers), counting tried / survived / lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import hostile  # noqa: E402

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {tests!r}); sys.path.insert(0, {repo!r})
from test_fuzz import parse_and_tabulate
path, name = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
t0 = time.process_time()
try:
    tables = parse_and_tabulate(data, name)
    codes = sorted({{c for c, s in zip(tables["findings"]["code"].to_pylist(), tables["findings"]["severity"].to_pylist())
                     if s == "error"}})
    ok = True
except Exception as exc:
    codes, ok = [type(exc).__name__], False
print(json.dumps({{"cpu": time.process_time() - t0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "codes": codes, "ok": ok}}))
"""


def cases() -> dict[str, bytes]:
    from gongkai.synth.generate import render_report

    template = render_report(3, 0, 0, "txt")[0].decode("utf-8")
    out = {"zip_bomb.docx": hostile.zip_bomb(), "billion_laughs.docx": hostile.billion_laughs(),
           "oversized.html": hostile.oversized_html(), "tag_flood.html": hostile.tag_flood_html(),
           "pages_2000.pdf": hostile.many_page_pdf(), "run_together_400_digits.txt": hostile.run_together_digits(400)}
    out.update(hostile.oversized_numbers(template))
    return out


def main() -> int:
    print(f"load average {os.getloadavg()[0]:.1f}")
    files = cases()
    code = CHILD.format(tests=str(REPO / "tests"), repo=str(REPO))
    print(f"{'file':<30}{'KB':>9}{'CPU s':>7}{'peak MB':>9}  ok  findings (errors)")
    lost = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            path = Path(tmp) / name
            path.write_bytes(data)
            proc = subprocess.run([sys.executable, "-c", code, str(path), name], capture_output=True, text=True,
                                  timeout=600)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            lost += not r["ok"]
            print(f"{name:<30}{len(data) / 1024:>9.0f}{r['cpu']:>7.2f}{r['rss_mb']:>9.0f}  {'yes' if r['ok'] else 'NO '} "
                  f"{', '.join(r['codes'])}")
    print(f"single files: tried {len(files)}, survived {len(files) - lost}, lost {lost}")

    from flows.parallel import ParseItem, ParsePool
    from transforms.tables import content_sha256, report_id_for

    items = []
    for name, data in [*files.items(), ("real.txt", (REPO / "samples/real/008_pingtan_gaj_2021.txt").read_bytes())]:
        sha = content_sha256(data)
        items.append(ParseItem(data, name, f"/bench/{name}", report_id_for(sha), sha))
    t0, c0 = time.perf_counter(), time.process_time()
    with ParsePool(2, min_batch=1) as pool:
        chunk = pool.parse(items, "bench", "bench")
    statuses = dict(zip(chunk.tables["reports"]["source_path"].to_pylist(), chunk.tables["reports"]["status"].to_pylist()))
    print(f"batch of {len(items)} in a 2-worker pool: {len(chunk.heads)} report rows back, "
          f"real report status {statuses['/bench/real.txt']}; wall {time.perf_counter() - t0:.1f} s, "
          f"parent CPU {time.process_time() - c0:.1f} s")
    return 1 if lost or len(chunk.heads) != len(items) else 0


if __name__ == "__main__":
    raise SystemExit(main())
