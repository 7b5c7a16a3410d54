"""Benchmark: validate one batch of synthetic reports in a single ``validate_batch`` call.

Part 1 times identities and domains alone (as before the rulebook). Part 2 times the
whole rulebook on N reports (regions of one county report + nine bureaus, year 2022)
with the previous year as history and a registry, planting one break of each kind in
a share of the bureau reports, and scores what was found.

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


# -- the whole rulebook: 10,000 reports with history and a registry -----------------

# Planted in the current year's bureau reports (children); parents are the region reports.
RULEBOOK_BREAKS: dict[str, str] = {
    "I1": "identity.I1", "I2": "identity.I2", "I3": "identity.I3", "I4": "identity.I4",
    "negative": "domain.negative", "I5": "identity.I5", "text": "text.new_received",
    "jump": "plausibility.jump", "duplicate": "duplicate.conflict",
}


def _with_totals(apps: dict[str, list[int]]) -> dict[str, list[int]]:
    return {k: v[:-1] + [sum(v[:-1])] for k, v in apps.items()}


def _parsed(layout_id: str, year: int, bureau: str, apps: dict[str, list[int]], review: list[int],
            disclosure: list, narratives: dict[str, str]) -> ParsedReport:
    return ParsedReport(
        source="synthetic", carrier="txt", layout=layout_id, year=year, bureau=bureau,
        applications={k: [_cell(v) for v in vals] for k, vals in apps.items()},
        review_litigation=[_cell(v) for v in review],
        active_disclosure=[ActiveDisclosureCell(b, i, c, CellValue(Decimal(str(v)), str(v)), u) for b, i, c, v, u in disclosure],
        narratives=narratives,
    )


def rulebook_batch(n_reports: int, broken_share: float, seed: int):
    """(batch tables, history tables, registry, planted) for regions of 1 + 9 bureaus, years 2021 → 2022."""
    import pandas as pd

    rng = random.Random(seed)
    layout = LAYOUTS["2021"]
    n_regions = max(n_reports // 10, 1)
    rows, hist_rows, registry, planted = [], [], [], {}
    for r in range(n_regions):
        region = f"测试市{r:04d}区"
        registry.append((region, region, None, "county"))
        kids_now, kids_prev = [], []
        for k in range(9):
            bureau = f"{region}第{k}局"
            registry.append((bureau, region, region, "dept"))
            now = _applications(rng, "2021")
            prev = _applications(rng, "2021")
            # last year's carried_forward is this year's carried_over (I5 holds)
            prev["carried_forward"] = list(now["carried_over"])
            prev["carried_over"] = [0] * 7
            prev["new_received"] = [rt + cf for rt, cf in zip(prev["results_total"], prev["carried_forward"])]
            prev = _with_totals(prev)
            rev_now, rev_prev = _review(rng), _review(rng)
            # section 二 moves little from year to year; 现行有效 rolls forward (I6 holds)
            dis_now = _disclosure(rng, "2021")
            now_map = {c[:3]: c[3] for c in dis_now}
            for item in ("rules", "normative_docs"):  # a few issued and repealed a year, not hundreds
                now_map[("art20_1", item, "issued")] %= 11
                now_map[("art20_1", item, "repealed")] %= 6
                now_map[("art20_1", item, "in_force")] += now_map[("art20_1", item, "issued")]
            dis_now = [c[:3] + (now_map[c[:3]],) + c[4:] for c in dis_now]
            prev_map = dict(now_map)
            for item in ("rules", "normative_docs"):
                prev_map[("art20_1", item, "in_force")] = (now_map[("art20_1", item, "in_force")]
                                                           - now_map[("art20_1", item, "issued")]
                                                           + now_map[("art20_1", item, "repealed")])
            dis_prev = [c[:3] + (prev_map[c[:3]],) + c[4:] for c in dis_now]
            breaks = rng.choice(tuple(RULEBOOK_BREAKS)) if rng.random() < broken_share else None
            j = rng.randrange(6)
            if breaks == "I1":
                now["carried_forward"][j] += 1
                now["carried_forward"][-1] += 1
            elif breaks == "I2":
                row = rng.choice(layout.result_row_keys)
                now[row][j] += 1
                now[row][-1] += 1
            elif breaks == "I3":
                b = rng.choice([k2 for k2 in layout.result_row_keys if now[k2][-1] >= 1] or ["granted"])
                a = rng.choice([k2 for k2 in layout.result_row_keys if k2 != b])
                now[a][-1] += 1
                now[b][-1] -= 1
            elif breaks == "I4":
                rev_now[5 * rng.randrange(3) + 4] += 1
            elif breaks == "negative":
                i = rng.choice([i for i, c in enumerate(dis_now) if c[2] == "decisions"])
                dis_now[i] = dis_now[i][:3] + (-rng.randint(1, 9),) + dis_now[i][4:]
            elif breaks == "I5":
                now["carried_over"][j] += 1
                now["carried_over"][-1] += 1
                now["carried_forward"][j] += 1
                now["carried_forward"][-1] += 1
            elif breaks == "jump":
                i = rng.choice([i for i, c in enumerate(dis_now) if c[2] == "decisions"])
                dis_now[i] = dis_now[i][:3] + ((prev_map[dis_now[i][:3]] + 60) * 20,) + dis_now[i][4:]
            said = now["new_received"][-1] + (7 if breaks == "text" else 0)
            narr = {"overview": f"2022年，本局收到政府信息公开申请{said}件，均已按时答复。"}
            rep = _parsed("2021", 2022, bureau, now, rev_now, dis_now, narr)
            rid = f"b{len(rows):06d}"
            rows.append(ReportRow(rep, rid, f"/bench/{rid}.txt", "bench", "bench"))
            planted[rid] = breaks
            hid = f"h{len(hist_rows):06d}"
            hist_rows.append(ReportRow(_parsed("2021", 2021, bureau, prev, rev_prev, dis_prev, {}), hid,
                                       f"/hist/{hid}.txt", "bench", "bench"))
            if breaks == "duplicate":  # the warehouse already holds another 2022 report of this bureau
                other = [v + 1 if n == 0 else v for n, v in enumerate(rev_now)]
                other[4] += 1
                hid = f"h{len(hist_rows):06d}"
                hist_rows.append(ReportRow(_parsed("2021", 2022, bureau, now, other, dis_now, narr), hid,
                                           f"/hist/{hid}.txt", "bench", "bench"))
            kids_now.append((now, rev_now))
        # the region's own report: the sum of its bureaus as published
        apps = {k: [sum(a[k][c] for a, _ in kids_now) for c in range(7)] for k in layout.app_row_keys}
        rev = [sum(rv[c] for _, rv in kids_now) for c in range(15)]
        rid = f"b{len(rows):06d}"
        planted[rid] = "parent"
        if rng.random() < broken_share:  # the region's own 行政复议 结果维持 and 总计 one more than its bureaus'
            rev[0] += 1
            rev[4] += 1
            planted[rid] = "I7"
        rep = _parsed("2021", 2022, region, apps, rev, _disclosure(rng, "2021"), {})
        rows.append(ReportRow(rep, rid, f"/bench/{rid}.txt", "bench", "bench"))
    registry_frame = pd.DataFrame(registry, columns=["bureau", "region", "parent", "level"])
    return to_tables(rows), to_tables(hist_rows), registry_frame, planted


def bench_rulebook(n_reports: int, broken_share: float, seed: int) -> None:
    t0 = time.perf_counter()
    tables, history, registry, planted = rulebook_batch(n_reports, broken_share, seed)
    print(f"\nrulebook: built {tables['reports'].num_rows:,} reports + {history['reports'].num_rows:,} history reports, "
          f"registry of {len(registry):,} bureaus in {time.perf_counter() - t0:.2f} s")
    from expectations.validate import validate_batch_with_results

    t1 = time.perf_counter()
    findings, run = validate_batch_with_results(tables, history=history, registry=registry)
    seconds = time.perf_counter() - t1
    print(f"validate_batch (whole rulebook, history, registry): {seconds:.2f} s for {len(findings):,} reports "
          f"= {len(findings) / seconds:,.0f} reports/s")
    print("  frames: " + ", ".join(f"{k} {v['rows']:,} rows {v['seconds']:.2f} s" for k, v in run.frames.items()))
    found_planted = missed = false_alarms = 0
    for rid, breaks in planted.items():
        got = {f.code for f in findings[rid] if f.severity != "info"}
        if breaks in ("parent", "I7"):
            continue
        if breaks is None:
            false_alarms += bool(got)
        elif RULEBOOK_BREAKS[breaks] in got:
            found_planted += 1
        else:
            missed += 1
    n_planted = found_planted + missed
    i7 = [rid for rid, b in planted.items() if b == "I7"]
    i7_found = sum(any(f.code == "identity.I7" for f in findings[p]) for p in i7)
    regions = [rid for rid, b in planted.items() if b in ("parent", "I7")]
    print(f"  planted breaks in bureau reports found: {found_planted}/{n_planted}; "
          f"unbroken bureau reports with a warning or error: {false_alarms}; "
          f"planted I7 found: {i7_found}/{len(i7)} of {len(regions)} region reports "
          f"(the others inherit their bureaus' planted breaks)")
    per_rule = {r.rule: r.findings for r in run.rules if r.findings}
    print("  findings per rule: " + ", ".join(f"{k} {v}" for k, v in per_rule.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--broken-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--skip-rulebook", action="store_true", help="time only identities and domains")
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
    findings = validate_batch(tables, rules=["identity.I1", "identity.I2", "identity.I3", "identity.I4", "domain.negative"])
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

    if not args.skip_rulebook:
        bench_rulebook(args.reports, args.broken_share, args.seed)


if __name__ == "__main__":
    main()
