"""``gongkai findings``' filter is built with bound parameters, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai.cli import findings_sql
from tests.pg import postgres_schema

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "real" / "008_pingtan_gaj_2021.txt"


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    from flows.ingest import annual_ingest
    from warehouse.store import Warehouse

    def load(url: str) -> Iterator[object]:
        annual_ingest.fn(source=str(SAMPLE), data_dir=str(tmp_path / "data"), warehouse_url=url,
                         parquet_root=str(tmp_path / "parquet"))
        wh = Warehouse.open(url=url, data_dir=str(tmp_path / "data"))
        try:
            yield wh
        finally:
            wh.close()

    if request.param == "duckdb":
        yield from load(f"duckdb:///{tmp_path}/w.duckdb")
    else:
        with postgres_schema("cli") as url:
            yield from load(url)


def test_filters_are_values_not_sql(warehouse) -> None:
    every = warehouse.query(findings_sql()).to_pylist()
    assert {r["severity"] for r in every} >= {"error", "info"}
    errors = warehouse.query(findings_sql(year=2021, bureau="公安局", severity="error", code="identity.")).to_pylist()
    assert errors and all(r["code"].startswith("identity.") and r["severity"] == "error" for r in errors)
    assert len(warehouse.query(findings_sql(limit=1)).to_pylist()) == 1
    # A quote in a filter is part of the value: no error, no injected condition.
    assert warehouse.query(findings_sql(bureau="x' OR '1'='1")).num_rows == 0
    assert warehouse.query(findings_sql(code="'; DROP TABLE findings; --")).num_rows == 0
    assert warehouse.query(findings_sql()).num_rows == len(every)
