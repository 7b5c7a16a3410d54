"""The analysts' views: same contents on DuckDB and PostgreSQL, stated grains hold, docs current.

The sample warehouse is every file under ``samples/`` parsed and loaded as one batch,
a resubmission of 008 (平潭综合实验区公安局 2021) with changed numbers, then the
illustrative registry ``tests/data/registry_sample.csv``. PostgreSQL runs when
``GONGKAI_TEST_POSTGRES_URL`` is set (each test in its own schema), else is skipped.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pytest
from pg import postgres_schema
from test_warehouse import batch, make_report, sha, warehouse_url, wh  # noqa: F401  (fixtures)

from warehouse import Warehouse
from warehouse.docs import VIEWS_DOC, views_markdown
from warehouse.views import VIEWS, view_column_docs

REPO = Path(__file__).resolve().parent.parent
QUERIES_DOC = REPO / "docs" / "queries.md"


def _make_queries() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_queries", REPO / "docs" / "make_queries.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_queries = _make_queries()


# ---------------------------------------------------------------------------
# The sample batches, built once so every backend gets identical rows
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_batches() -> list[dict[str, pa.Table]]:
    """What docs/queries.md is generated from: the samples, then the corrected 008, checked like an ingest."""
    return make_queries.sample_batches()


def load_sample_warehouse(warehouse: Warehouse, batches: list[dict[str, pa.Table]]) -> None:
    make_queries.load_samples(warehouse, batches)


@pytest.fixture(scope="module")
def duck_samples(sample_batches: list[dict[str, pa.Table]]) -> Iterator[Warehouse]:
    with Warehouse.open("duckdb:///:memory:") as warehouse:
        load_sample_warehouse(warehouse, sample_batches)
        yield warehouse


def _normal(value: Any) -> Any:
    """One spelling per value, whichever database returned it."""
    if isinstance(value, Decimal):
        return ("num", format(value.normalize(), "f"))
    if isinstance(value, float):
        return ("num", format(Decimal(repr(value)).normalize(), "f"))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("num", str(value))
    if isinstance(value, datetime):
        return ("ts", value.astimezone(timezone.utc).isoformat())
    return ("v", value)


def contents(warehouse: Warehouse, view: str) -> tuple[list[str], list[tuple]]:
    table = warehouse.query(f"SELECT * FROM {view}")
    rows = [tuple(_normal(v) for v in row.values()) for row in table.to_pylist()]
    return table.column_names, sorted(rows, key=repr)


# ---------------------------------------------------------------------------
# Same ingest, same views, on both backends
# ---------------------------------------------------------------------------

@pytest.mark.postgres
def test_same_views_on_duckdb_and_postgres(duck_samples: Warehouse,
                                           sample_batches: list[dict[str, pa.Table]]) -> None:
    with postgres_schema() as url, Warehouse.open(url) as pg:
        load_sample_warehouse(pg, sample_batches)
        for view in VIEWS:
            duck_cols, duck_rows = contents(duck_samples, view.name)
            pg_cols, pg_rows = contents(pg, view.name)
            assert duck_cols == pg_cols, view.name
            assert len(duck_rows) == len(pg_rows), view.name
            assert duck_rows == pg_rows, view.name
            assert duck_rows or view.name in ("stg_review_facts",), f"{view.name} is empty on the samples"


@pytest.mark.postgres
def test_queries_doc_runs_on_postgres(sample_batches: list[dict[str, pa.Table]]) -> None:
    with postgres_schema() as url, Warehouse.open(url) as pg:
        load_sample_warehouse(pg, sample_batches)
        for sql in doc_queries():
            pg.query(sql)


# ---------------------------------------------------------------------------
# Grains: what each view says one row is
# ---------------------------------------------------------------------------

GRAINS: dict[str, tuple[str, ...]] = {
    "stg_reports": ("report_id",),
    "stg_bureaus": ("bureau_id",),
    "stg_bureau_aliases": ("alias",),
    "v_reports": ("report_id",),
    "v_applications_wide": ("report_id",),
    "v_review_wide": ("report_id",),
    "v_disclosure_wide": ("report_id",),
    "v_applications_wide_all": ("report_id",),
    "v_review_wide_all": ("report_id",),
    "v_disclosure_wide_all": ("report_id",),
    "v_region_year_applications": ("region", "year", "row_key", "column_key"),
    "v_region_year_summary": ("region", "year"),
    "v_bureau_year_over_year": ("bureau_id", "year"),
    "v_submissions": ("bureau_id", "year"),
    "v_missing_submissions": ("bureau_id", "year"),
    "v_findings": ("report_id", "finding_no"),
}


def test_every_view_has_a_documented_grain_and_unique_columns() -> None:
    for view in VIEWS:
        names = [c.name for c in view.build().selected_columns]
        assert len(names) == len(set(names)), view.name
        assert view.grain.startswith("one row per"), view.name
        assert set(view_column_docs(view)) == set(names), view.name
        assert view.tier == ("staging" if view.name.startswith("stg_") else "mart"), view.name


def test_grains_hold_on_the_samples(duck_samples: Warehouse) -> None:
    for name, key in GRAINS.items():
        cols = ", ".join(key)
        dupes = duck_samples.query(f"SELECT {cols}, COUNT(*) AS n FROM {name} GROUP BY {cols} HAVING COUNT(*) > 1")
        assert dupes.num_rows == 0, (name, dupes.to_pylist())
    n = {t: duck_samples.query(f"SELECT COUNT(*) AS n FROM {t}")["n"][0].as_py()
         for t in ("reports", "findings", "bureaus", "application_facts")}
    not_quarantined = duck_samples.query("SELECT COUNT(*) AS n FROM reports WHERE status <> 'quarantined'")
    for wide in ("v_reports", "v_applications_wide_all", "v_review_wide_all", "v_disclosure_wide_all"):
        assert duck_samples.query(f"SELECT COUNT(*) AS n FROM {wide}")["n"][0].as_py() == n["reports"], wide
    for wide in ("v_applications_wide", "v_review_wide", "v_disclosure_wide"):
        assert duck_samples.query(f"SELECT COUNT(*) AS n FROM {wide}")["n"][0].as_py() \
            == not_quarantined["n"][0].as_py(), wide
    assert duck_samples.query("SELECT COUNT(*) AS n FROM v_findings")["n"][0].as_py() == n["findings"]
    years = duck_samples.query("SELECT COUNT(DISTINCT year) AS n FROM reports")["n"][0].as_py()
    assert duck_samples.query("SELECT COUNT(*) AS n FROM v_submissions")["n"][0].as_py() == n["bureaus"] * years
    # Staging views only rename: as many rows as their table.
    assert duck_samples.query("SELECT COUNT(*) AS n FROM stg_application_facts")["n"][0].as_py() \
        == n["application_facts"]


def test_sample_marts_count_only_current_clean_versions(duck_samples: Warehouse) -> None:
    # 008 was resubmitted with 3 new applications instead of 1: the region sums see only the new version,
    # and 平潭综合实验区's own 2021 report (70), which the office resolved (docs/make_queries.DECISIONS).
    summary = duck_samples.query("SELECT year, n_reports, new_received_total FROM v_region_year_summary "
                                 "WHERE region = '平潭综合实验区' ORDER BY year").to_pylist()
    assert summary == [{"year": 2021, "n_reports": 2, "new_received_total": 73}]  # 030 (2023) is quarantined
    history = duck_samples.query("SELECT version_no, is_current, status FROM v_applications_wide_all "
                                 "WHERE bureau = '平潭综合实验区公安局' ORDER BY version_no").to_pylist()
    assert history == [{"version_no": 1, "is_current": False, "status": "quarantined"},
                       {"version_no": 2, "is_current": True, "status": "flagged"}]  # narrative says 1
    # The analysts' wide marts never show a quarantined version; their *_all twins do.
    for wide in ("v_applications_wide", "v_review_wide", "v_disclosure_wide"):
        counted = duck_samples.query(f"SELECT bureau, version_no, status FROM {wide} ORDER BY bureau").to_pylist()
        assert counted == [{"bureau": "平潭综合实验区", "version_no": 1, "status": "resolved"},
                           {"bureau": "平潭综合实验区公安局", "version_no": 2, "status": "flagged"}], wide
    quarantined = duck_samples.query("SELECT DISTINCT report_id FROM v_quarantine").num_rows
    assert quarantined == duck_samples.query(
        "SELECT COUNT(*) AS n FROM reports WHERE is_current AND status = 'quarantined'")["n"][0].as_py()


def test_year_over_year_and_region_rollup(wh: Warehouse) -> None:  # noqa: F811
    wh.load(batch((make_report(sha(1), year=2020, layout="2019", bureau="甲局", base=1), "a20.txt"),
                  (make_report(sha(2), year=2021, bureau="甲局", base=3), "a21.txt"),
                  (make_report(sha(3), year=2021, bureau="乙局", base=2), "b21.txt")))
    yoy = wh.query("SELECT * FROM v_bureau_year_over_year WHERE bureau_id = '甲局' AND year = 2021").to_pylist()
    assert len(yoy) == 1
    row = yoy[0]
    received_2020 = sum(100 + j for j in range(6))
    received_2021 = sum(300 + j for j in range(6))
    assert (row["prev_new_received_total"], row["new_received_total"]) == (received_2020, received_2021)
    assert row["new_received_total_change"] == received_2021 - received_2020
    assert row["prev_report_id"] == sha(1)[:20]
    consistent = row["is_carry_over_consistent"]  # the made-up numbers do not carry over (SQLite says 0)
    assert consistent is not None and not consistent
    rollup = wh.query("SELECT count, n_reports FROM v_region_year_applications "
                      "WHERE year = 2021 AND row_key = 'new_received' AND column_key = 'total'").to_pylist()
    assert rollup == [{"count": received_2021 + sum(200 + j for j in range(6)), "n_reports": 2}]


# ---------------------------------------------------------------------------
# Generated docs stay current
# ---------------------------------------------------------------------------

def test_views_doc_is_current() -> None:
    assert VIEWS_DOC.read_text(encoding="utf-8") == views_markdown(), \
        "docs/views.md is stale: run `python -m warehouse.docs`"


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)\n```", QUERIES_DOC.read_text(encoding="utf-8"), flags=re.S)


def test_queries_doc_has_ten_questions_that_run_and_is_current(sample_batches: list[dict[str, pa.Table]]) -> None:
    queries = doc_queries()
    assert len(queries) >= 10
    with Warehouse.open("duckdb:///:memory:") as warehouse:
        make_queries.load_samples(warehouse, sample_batches)
        for sql in queries:
            warehouse.query(sql)
        assert QUERIES_DOC.read_text(encoding="utf-8") == make_queries.queries_markdown(warehouse), \
            "docs/queries.md is stale: run `python docs/make_queries.py`"
