"""Parse throughput per carrier on a synthetic corpus, scored against its truth.

    .venv/bin/python benchmarks/bench_parse.py [--n 200] [--carriers txt,html,docx,xlsx,pdf] [--mess 0] [--seed 1]

Generates N reports per carrier into a temporary directory (not timed), then
times ``transforms.parse.parse_bytes`` over the files of each carrier (bytes
already in memory, one untimed warm-up parse first) and prints reports/s and
ms/report (mean and p95), plus the cell score against the ``.truth.json`` beside
each file: correct / null / wrong, and how many reports are perfect. Timing
alone would reward a parser that gives up; the score keeps it honest.

Beside the parse time stands the carrier's *read floor* (``bench_readers.FLOORS``:
decode the bytes, parse the HTML or the Office XML with lxml, take the PDF's
characters with pypdfium2) and the ratio of the two, plus how many files the
PDF/XLSX readers handed to their slow library (pdfplumber, openpyxl). Times are
CPU time of this process (``time.process_time``), so other work on a shared
machine does not count; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from gongkai.synth import CARRIERS, generate
from gongkai.synth.compare import compare
from gongkai.synth.evidence import history_from_truth
from transforms.parse import parse_bytes
from transforms.readers import pdf_objects, xlsx_parts
from transforms.serialize import report_to_json


def _floor(carrier: str):
    """The least any reader must do to get at the text of this carrier (``bench_readers.FLOORS``)."""
    from bench_readers import FLOORS  # run as a script: benchmarks/ is on sys.path

    return FLOORS[carrier]


def _pages(blobs: list[tuple[str, bytes]]) -> int | None:
    """Printed pages, where the carrier has pages (PDF); None otherwise."""
    if not blobs or not blobs[0][0].endswith(".pdf"):
        return None
    import pypdfium2

    total = 0
    for _, data in blobs:
        doc = pypdfium2.PdfDocument(data)
        total += len(doc)
        doc.close()
    return total


def bench_carrier(paths: list[Path], carrier: str, history: bool = True, use_habit: bool | None = None) -> dict[str, float]:
    blobs = [(p.name, p.read_bytes()) for p in paths]
    truths = [json.loads(p.with_name(p.stem + ".truth.json").read_text(encoding="utf-8")) for p in paths]
    # last year's report of each bureau, as the warehouse would hand it to the parser
    histories = [history_from_truth(t) if history else None for t in truths]
    parse_bytes(blobs[0][1], blobs[0][0])  # warm-up: imports, regex caches
    times: list[float] = []
    outs = []
    decided: Counter = Counter()
    stats = {"pdf": pdf_objects.STATS, "xlsx": xlsx_parts.STATS}.get(carrier, {"fallback": 0})
    fell_before = stats["fallback"]
    for (name, data), hist in zip(blobs, histories):
        t0 = time.process_time()
        report = parse_bytes(data, name, history=hist, use_habit=use_habit)
        times.append(time.process_time() - t0)
        outs.append(report_to_json(report))
        if report.evidence is not None:
            decided.update(report.evidence.decided)
    fell = stats["fallback"] - fell_before
    floor_fn = _floor(carrier)
    floor_fn(blobs[0][1])
    t0 = time.process_time()
    for _, data in blobs:
        floor_fn(data)
    floor_ms = 1000 * (time.process_time() - t0) / len(blobs)
    cells = correct = null = wrong = perfect = 0
    wrong_by_how: Counter = Counter()
    for truth, out in zip(truths, outs):
        c = compare(truth, out)
        wrong_by_how.update(c.wrong_how)
        cells += c.cells
        correct += c.correct
        null += len(c.null)
        wrong += len(c.wrong)
        perfect += c.perfect
    total = sum(times)
    pages = _pages(blobs)
    return {
        "pages_per_s": (pages / total) if pages else None,
        "reports": len(paths), "seconds": total, "per_s": len(paths) / total,
        "ms": 1000 * total / len(paths), "p95": 1000 * sorted(times)[int(0.95 * (len(times) - 1))],
        "median": 1000 * statistics.median(times),
        "cells": cells, "correct": correct, "null": null, "wrong": wrong, "perfect": perfect,
        "decided": dict(decided), "wrong_by_how": dict(wrong_by_how),
        "floor": floor_ms, "fallbacks": fell,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="reports per carrier (default 200)")
    ap.add_argument("--carriers", default=",".join(CARRIERS))
    ap.add_argument("--mess", type=int, default=0, choices=range(4))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-history", action="store_true", help="parse without last year's reports")
    ap.add_argument("--habit", choices=("default", "on", "off"), default="default",
                    help="whether the printed-zeros habit may decide cells (default: transforms.evidence.HABIT_TRUSTED)")
    args = ap.parse_args(argv)
    use_habit = {"default": None, "on": True, "off": False}[args.habit]
    carriers = tuple(c for c in args.carriers.split(",") if c)
    print(f"synthetic corpus: {args.n} reports per carrier, mess {args.mess}, seed {args.seed}; "
          f"CPU time, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'carrier':8} {'reports/s':>10} {'pages/s':>8} {'ms/report':>10} {'median':>8} {'p95':>8} "
          f"{'floor ms':>9} {'ratio':>6} {'fallback':>8} {'cells ok':>9} {'null':>7} {'wrong':>6} {'perfect':>9}")
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-parse-") as tmp:
        for carrier in carriers:
            t0 = time.perf_counter()
            paths = generate(args.n, Path(tmp) / carrier, args.seed, (carrier,), args.mess)
            gen_s = time.perf_counter() - t0
            r = bench_carrier(paths, carrier, not args.no_history, use_habit)
            pages = f"{r['pages_per_s']:8.1f}" if r["pages_per_s"] else f"{'–':>8}"
            fell = f"{r['fallbacks']}" if carrier in ("pdf", "xlsx") else "–"
            print(f"{carrier:8} {r['per_s']:10.1f} {pages} {r['ms']:10.2f} {r['median']:8.2f} {r['p95']:8.2f} "
                  f"{r['floor']:9.2f} {r['ms'] / r['floor']:6.1f} {fell:>8} "
                  f"{100 * r['correct'] / r['cells']:8.2f}% {r['null']:7d} {r['wrong']:6d} "
                  f"{r['perfect']:4d}/{r['reports']:<4d}  (generated in {gen_s:.1f} s)")
            if r["decided"]:
                print(f"{'':8} cells decided by: " + ", ".join(f"{k} {v}" for k, v in sorted(r["decided"].items())))
            if r["wrong"]:
                print(f"{'':8} wrong cells by how: {r['wrong_by_how']}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
