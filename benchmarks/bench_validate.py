"""Benchmark: validate one batch of synthetic reports in a single ``validate_batch`` call.

Generates N reports (both layouts, deterministic by seed) whose numbers satisfy the
identities, breaks a share of them in known ways (one identity each, or one
negative cell), adds some unreadable cells and negative 本年增/减 values that must
*not* be reported, turns them into the batch tables with ``to_tables`` and times
``validate_batch``. Prints seconds, reports/s, and the score against the ground
truth it planted (every planted finding found, nothing else).

    .venv/bin/python benchmarks/bench_validate.py --reports 10000
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from decimal import Decimal

from transforms.report import ActiveDisclosureCell, CellValue, ParsedReport
from transforms.spec import LAYOUTS, REVIEW_GROUP_KEYS
from transforms.tables import ReportRow, to_tables

# What each planted break should produce: finding code → number of findings.
BREAKS: dict[str, dict[str, int]] = {
    "I1": {"identity.I1": 2},  # carried_forward +1 in one applicant column and in 总计
    "I2": {"identity.I2": 2},  # one result row +1 in one applicant column and in 总计
    "I3": {"identity.I3": 2},  # +1 / -1 on two rows' 总计
    "I4": {"identity.I4": 1},  # one section 四 总计 +1
    "negative": {"domain.negative": 1},  # a section 二 count below zero
}


def _cell(n: int | None) -> CellValue:
    return CellValue(None, "?", is_blank=None) if n is None else CellValue(Decimal(n), str(n))


def _applications(rng: random.Random, layout_id: str) -> dict[str, list[int]]:
    layout = LAYOUTS[layout_id]
    n_app = len(layout.app_columns) - 1
    apps = {k: [rng.choice((0, 0, 0, 1, 2, 5, 13)) for _ in range(n_app)] for k in layout.result_row_keys}
    results_total = [sum(apps[k][j] for k in layout.result_row_keys) for j in range(n_app)]
    carried_forward = [rng.randint(0, 3) for _ in range(n_app)]
    carried_over = [rng.randint(0, rt + cf) for rt, cf in zip(results_total, carried_forward)]
    apps["results_total"] = results_total
    apps["carried_forward"] = carried_forward
    apps["carried_over"] = carried_over
    apps["new_received"] = [rt + cf - co for rt, cf, co in zip(results_total, carried_forward, carried_over)]
    return {k: apps[k] + [sum(apps[k])] for k in layout.app_row_keys}


def _review(rng: random.Random) -> list[int]:
    values: list[int] = []
    for _ in REVIEW_GROUP_KEYS:
        parts = [rng.randint(0, 4) for _ in range(4)]
        values += parts + [sum(parts)]
    return values


def _disclosure(rng: random.Random, layout_id: str) -> list[tuple[str, str, str, int | float, str]]:
    cells = []
    for block in LAYOUTS[layout_id].blocks:
        for item in block.items:
            for column in block.columns:
                if column.kind == "money":
                    cells.append((block.key, item.key, column.key, round(rng.uniform(0, 500), 4), "万元"))
                elif column.kind == "delta":
                    cells.append((block.key, item.key, column.key, rng.randint(-20, 20), "件"))  # may be < 0
                else:
                    cells.append((block.key, item.key, column.key, rng.randint(0, 300), "件"))
    return cells


def synthetic_report(rng: random.Random, breaks: str | None) -> ParsedReport:
    """One report satisfying I1–I4, then broken as ``breaks`` says (None: left consistent)."""
    layout_id = rng.choice(tuple(LAYOUTS))
    layout = LAYOUTS[layout_id]
    apps = _applications(rng, layout_id)
    review = _review(rng)
    disclosure = _disclosure(rng, layout_id)
    j = rng.randrange(len(layout.app_columns) - 1)
    if breaks == "I1":
        apps["carried_forward"][j] += 1
        apps["carried_forward"][-1] += 1
    elif breaks == "I2":
        row = rng.choice(layout.result_row_keys)
        apps[row][j] += 1
        apps[row][-1] += 1
    elif breaks == "I3":
        # Move one from a row's 总计 to another's: I2 still holds for 总计, no cell goes negative.
        b = rng.choice([k for k in layout.result_row_keys if apps[k][-1] >= 1])
        a = rng.choice([k for k in layout.result_row_keys if k != b])
        apps[a][-1] += 1
        apps[b][-1] -= 1
    elif breaks == "I4":
        review[5 * rng.randrange(len(REVIEW_GROUP_KEYS)) + 4] += 1
    elif breaks == "negative":
        counts = [i for i, c in enumerate(disclosure) if c[4] == "件" and not c[2].startswith("delta")]
        i = rng.choice(counts)
        disclosure[i] = disclosure[i][:3] + (-rng.randint(1, 9),) + disclosure[i][4:]
    cells = {k: [_cell(v) for v in vals] for k, vals in apps.items()}
    if breaks is None and rng.random() < 0.05:  # unreadable: instances through it are skipped, not failed
        cells[rng.choice(layout.app_row_keys)][rng.randrange(len(layout.app_columns))] = _cell(None)
    return ParsedReport(
        source="synthetic", carrier="txt", layout=layout_id, year=2020 if layout_id == "2019" else 2022,
        applications=cells,
        review_litigation=[_cell(v) for v in review],
        active_disclosure=[ActiveDisclosureCell(b, i, c, CellValue(Decimal(str(v)), str(v)), u)
                           for b, i, c, v, u in disclosure],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--broken-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    planted: dict[str, str | None] = {}
    rows = []
    t0 = time.perf_counter()
    for n in range(args.reports):
        breaks = rng.choice(tuple(BREAKS)) if rng.random() < args.broken_share else None
        report = synthetic_report(rng, breaks)
        report_id = f"bench{n:06d}"
        planted[report_id] = breaks
        rows.append(ReportRow(report, report_id, f"/bench/{report_id}.txt", "bench", "bench"))
    tables = to_tables(rows)
    t1 = time.perf_counter()
    print(f"built {args.reports} reports as tables in {t1 - t0:.2f} s "
          f"({tables['application_facts'].num_rows:,} application facts)")

    from expectations.validate import validate_batch

    import great_expectations  # noqa: F401  - pay the import before timing the validation

    t2 = time.perf_counter()
    findings = validate_batch(tables)
    seconds = time.perf_counter() - t2
    print(f"validate_batch: {seconds:.2f} s for {args.reports} reports = {args.reports / seconds:,.0f} reports/s")

    exact = 0
    for report_id, breaks in planted.items():
        got = Counter(f.code for f in findings[report_id])
        exact += got == Counter(BREAKS[breaks] if breaks else {})
    n_broken = sum(b is not None for b in planted.values())
    total = sum(len(v) for v in findings.values())
    print(f"planted breaks: {n_broken}; findings: {total}; "
          f"reports whose findings match what was planted: {exact}/{args.reports}")


if __name__ == "__main__":
    main()
