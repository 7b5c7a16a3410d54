"""The same flow on a Dask cluster: the warehouse ends up the same as with the default runner.

A real flow run on a local Dask cluster (two worker threads in this process, to
start quickly; `gongkai ingest --runner dask` uses worker processes). Columns
that name the run or its clock (run ids, load times) differ by design and are
left out of the comparison.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import annual_ingest
from flows.runners import task_runner_for, with_runner
from flows.settings import default_warehouse_url
from transforms.tables import REPORT_TABLES

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_COLUMNS = {"run_id", "loaded_at", "accepted_at", "superseded_at"}


def _contents(data_dir: Path) -> dict[str, list[tuple]]:
    from warehouse.store import Warehouse

    wh = Warehouse.open(url=default_warehouse_url(data_dir))
    try:
        out = {}
        for table in REPORT_TABLES:
            rows = wh.query(f"SELECT * FROM {table}").to_pylist()
            out[table] = sorted((tuple((k, v) for k, v in r.items() if k not in RUN_COLUMNS) for r in rows), key=repr)
        return out
    finally:
        wh.close()


def test_runner_choice() -> None:
    assert task_runner_for("default") is None
    assert type(task_runner_for("dask", "tcp://127.0.0.1:8786")).__name__ == "DaskTaskRunner"
    with pytest.raises(ValueError):
        task_runner_for("ray")
    with pytest.raises(ValueError):
        task_runner_for("default", "tcp://127.0.0.1:8786")


@pytest.mark.prefect
def test_dask_runner_loads_what_the_default_runner_loads(samples_copy: Path, tmp_path: Path) -> None:
    kw = {"source": str(samples_copy), "batch_size": 3}  # several batches, so Dask has parses to run side by side
    default = annual_ingest(data_dir=str(tmp_path / "default"), **kw)
    on_dask = with_runner(annual_ingest, "dask", workers=2, processes=False)(data_dir=str(tmp_path / "dask"), **kw)
    assert on_dask.reports_loaded == default.reports_loaded > 5
    assert on_dask.reports_by_status == default.reports_by_status
    assert _contents(tmp_path / "dask") == _contents(tmp_path / "default")
