"""Load throughput of the warehouse bulk paths, against naive ``DataFrame.to_sql``.

Run on demand (not a test):

    .venv/bin/python benchmarks/bench_load.py [--rows 1000000] [--naive-rows 20000]

Generates application_facts-shaped rows (7 columns x 25 rows per report, like a
2021 report), loads them through ``Warehouse.load`` (one atomic replace: the
DuckDB Arrow path, and PostgreSQL COPY when ``GONGKAI_TEST_POSTGRES_URL`` is set),
loads them again (delete + insert of every row), loads a second batch with new
content for the same bureau-years (every report a new version, superseding the
first batch's current ones), then times ``DataFrame.to_sql``
on a smaller sample. Prints rows/s; the numbers are for comparing paths on one
machine, not absolute.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from transforms.spec import LAYOUTS
from transforms.tables import SCHEMAS
from warehouse import Warehouse
from warehouse.schema import report_tables

POSTGRES_ENV = "GONGKAI_TEST_POSTGRES_URL"


def make_batch(n_rows: int, seed: int = 0) -> dict[str, pa.Table]:
    """A reports table plus ``n_rows`` application facts, built column-wise (no Python row loop)."""
    layout = LAYOUTS["2021"]
    rows, cols = layout.app_row_keys, layout.app_column_keys
    per_report = len(rows) * len(cols)
    n_reports = -(-n_rows // per_report)
    rng = np.random.default_rng(seed)
    idx = np.arange(n_rows)
    report_no = idx // per_report
    report_ids = pa.array([f"bench{seed:03d}{i:012d}" for i in range(n_reports)])
    years = pa.array(2021 + (np.arange(n_reports) % 4), pa.int32())
    counts = rng.integers(0, 5000, n_rows)
    facts = pa.table({
        "report_id": pc.take(report_ids, pa.array(report_no)),
        "year": pc.take(years, pa.array(report_no)),
        "row_key": pc.take(pa.array(rows), pa.array((idx // len(cols)) % len(rows))),
        "column_key": pc.take(pa.array(cols), pa.array(idx % len(cols))),
        "count": pa.array(counts, pa.int64()),
        "is_blank": pa.array(counts == 0),
        "is_recovered": pa.array(np.zeros(n_rows, dtype=bool)),
        "raw_text": pc.cast(pa.array(counts), pa.string()),
        "source_location": pc.binary_join_element_wise("table 3 row ", pc.cast(pa.array(idx % 1000), pa.string()), ""),
    }, schema=SCHEMAS["application_facts"])
    now = datetime.now(timezone.utc)
    reports = pa.table({
        "report_id": report_ids,
        "year": years,
        "bureau": pa.array(["某局"] * n_reports),
        "layout": pa.array(["2021"] * n_reports),
        "status": pa.array(["clean"] * n_reports),
        "title": pa.array([None] * n_reports, pa.string()),
        "source_path": pc.binary_join_element_wise("inbox/", report_ids, ".txt", ""),
        "content_sha256": report_ids,
        "carrier": pa.array(["txt"] * n_reports),
        "encoding": pa.array(["utf-8"] * n_reports),
        "parser_version": pa.array(["bench"] * n_reports),
        "run_id": pa.array(["bench"] * n_reports),
        "n_errors": pa.array(np.zeros(n_reports, dtype=np.int32)),
        "n_warnings": pa.array(np.zeros(n_reports, dtype=np.int32)),
        "n_blank_cells": pa.array(np.zeros(n_reports, dtype=np.int32)),
        "loaded_at": pa.array([now] * n_reports, pa.timestamp("us", tz="UTC")),
    }, schema=SCHEMAS["reports"])
    return {"reports": reports, "application_facts": facts}


REPEAT = 1  # set from --repeat; the best of N runs is reported (shared machines are noisy)


def timed(fn: Callable[[], object], setup: Callable[[], object] | None = None) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def report(label: str, n: int, seconds: float) -> None:
    print(f"{label:<60} {n:>10,} rows {seconds:8.2f} s {n / seconds:>12,.0f} rows/s", flush=True)


def bench_warehouse(label: str, url: str, batch: dict[str, pa.Table], resubmission: dict[str, pa.Table]) -> None:
    n = sum(t.num_rows for t in batch.values())
    with Warehouse.open(url) as wh:
        def empty() -> None:
            with wh.engine.begin() as conn:
                for table in report_tables.values():
                    conn.execute(table.delete())

        def drop_resubmission() -> None:
            with wh.engine.begin() as conn:
                for table in report_tables.values():
                    conn.execute(table.delete().where(table.c.report_id.like("bench001%")))

        report(f"{label}: load into empty tables", n, timed(lambda: wh.load(batch), setup=empty))
        report(f"{label}: reload (delete + insert, one txn)", n, timed(lambda: wh.load(batch)))
        report(f"{label}: new versions (insert, supersede, one txn)", n,
               timed(lambda: wh.load(resubmission), setup=drop_resubmission))


def bench_to_sql(label: str, url: str, batch: dict[str, pa.Table], n_rows: int) -> None:
    """The path we do not use: pandas ``to_sql`` (executemany through SQLAlchemy)."""
    df = batch["application_facts"].slice(0, n_rows).to_pandas()
    with Warehouse.open(url) as wh:  # same tables, same indexes
        def append() -> None:
            with wh.engine.begin() as conn:
                df.to_sql("application_facts", conn, if_exists="append", index=False, chunksize=10_000)

        seconds = timed(append)
    report(f"{label}: DataFrame.to_sql (naive)", len(df), seconds)


def postgres_url(base: str) -> tuple[str, Callable[[], None]]:
    """A fresh schema on the test server, and how to drop it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="report the best of N runs")
    args = parser.parse_args()
    global REPEAT
    REPEAT = args.repeat
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; best of {REPEAT}", flush=True)

    start = time.perf_counter()
    batch = make_batch(args.rows)
    print(f"generated {batch['application_facts'].num_rows:,} fact rows + {batch['reports'].num_rows:,} reports "
          f"in {time.perf_counter() - start:.1f} s", flush=True)

    resubmission = make_batch(args.rows, seed=1)  # other report ids, same bureau-years
    with tempfile.TemporaryDirectory() as tmp:
        bench_warehouse("duckdb arrow", f"duckdb:///{Path(tmp) / 'bench.duckdb'}", batch, resubmission)
        bench_to_sql("duckdb", f"duckdb:///{Path(tmp) / 'naive.duckdb'}", batch, args.naive_rows)

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        print(f"postgresql: skipped ({POSTGRES_ENV} not set)")
        return
    url, drop = postgres_url(base)
    try:
        bench_warehouse("postgresql copy", url, batch, resubmission)
    finally:
        drop()
    url, drop = postgres_url(base)
    try:
        bench_to_sql("postgresql", url, batch, args.naive_rows)
    finally:
        drop()


if __name__ == "__main__":
    main()
