"""One writer at a time, readers during an ingest: the concurrency trials of issue 12 as tests.

Real processes where the claim is about processes: two ``annual_ingest`` runs started
together on one DuckDB file both finish, one after the other, the second saying what
it waited for; queries from another process during those ingests answer within seconds
from the last committed batch. The lock itself is tested in-process (an ``flock`` on a
second file descriptor conflicts like another process's) and on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from warehouse import Warehouse
from warehouse.errors import WarehouseBusyError, WarehouseError
from warehouse.locks import writer_lock

REPO = Path(__file__).resolve().parent.parent
REAL = REPO / "samples" / "real"
# Generous for a loaded CI machine; on an idle one a query waits well under a second.
QUERY_BOUND_SECONDS = 15.0

INGEST = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(message)s")
from flows.ingest import annual_ingest
s = annual_ingest.fn(source=sys.argv[1], data_dir=sys.argv[2], batch_size=1, workers=1)
print("loaded", s.reports_loaded, flush=True)
"""


def _hold(url: str, seconds: float, held: threading.Event, label: str = "holder") -> None:
    with writer_lock(url, label=label, timeout=5):
        held.set()
        time.sleep(seconds)


def _lock_waits_then_proceeds(url: str) -> None:
    held = threading.Event()
    holder = threading.Thread(target=_hold, args=(url, 1.5, held, "annual-ingest of 2024/"))
    holder.start()
    held.wait(10)
    said: list[str] = []
    started = time.monotonic()
    with writer_lock(url, label="late-submissions", timeout=30, on_wait=said.append):
        waited = time.monotonic() - started
    holder.join()
    assert 0.5 < waited < 30
    assert said[0].startswith("waiting up to 30 s") and "annual-ingest of 2024/" in said[0]
    assert said[-1].startswith("got the") and len(said) == 2


def _lock_times_out_cleanly(url: str) -> None:
    held = threading.Event()
    holder = threading.Thread(target=_hold, args=(url, 2.0, held, "annual-ingest of 2024/"))
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(WarehouseBusyError, match="another run is writing .*gave up after"):
            with writer_lock(url, timeout=0.3):
                pass
    finally:
        holder.join()


def test_duckdb_writer_lock_waits_then_proceeds(tmp_path: Path) -> None:
    _lock_waits_then_proceeds(f"duckdb:///{tmp_path / 'gongkai.duckdb'}")


def test_duckdb_writer_lock_times_out_with_one_line(tmp_path: Path) -> None:
    _lock_times_out_cleanly(f"duckdb:///{tmp_path / 'gongkai.duckdb'}")


@pytest.mark.postgres
def test_postgres_advisory_lock_waits_then_proceeds() -> None:
    from pg import postgres_schema

    with postgres_schema("lock") as url:
        _lock_waits_then_proceeds(url)
        _lock_times_out_cleanly(url)


@pytest.mark.postgres
def test_postgres_locks_are_per_schema() -> None:
    """Two warehouses in one PostgreSQL database (schemas) do not wait for each other."""
    from pg import postgres_schema

    with postgres_schema("lock_a") as a, postgres_schema("lock_b") as b:
        held = threading.Event()
        holder = threading.Thread(target=_hold, args=(a, 1.0, held))
        holder.start()
        held.wait(10)
        with writer_lock(b, timeout=0.2):
            pass
        holder.join()


def test_a_long_query_makes_the_loader_wait_not_fail(tmp_path: Path) -> None:
    """A reader holding a DuckDB file: the writer's next open waits for it (and says so), then proceeds."""
    url = f"duckdb:///{tmp_path / 'gongkai.duckdb'}"
    Warehouse.open(url).close()
    code = ("import sys, time\nfrom warehouse import Warehouse\n"
            "with Warehouse.open_readonly(sys.argv[1]) as wh:\n"
            "    wh.query('SELECT COUNT(*) FROM reports'); print('reading', flush=True); time.sleep(2)\n")
    reader = subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "reading"
        said: list[str] = []
        started = time.monotonic()
        with Warehouse.open(url, on_wait=said.append, keep_open=False) as wh:
            wh.start_run("after the query")
        assert time.monotonic() - started > 0.5
        assert any("readers of" in line or "another process holds it" in line for line in said)
    finally:
        reader.wait(30)


def test_reader_gives_up_after_its_bound_with_a_clear_error(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'gongkai.duckdb'}"
    writer = Warehouse.open(url)  # holds the file (a pooled connection), as a load in progress does
    code = ("import sys\nfrom warehouse import Warehouse\nfrom warehouse.errors import WarehouseError\n"
            "try:\n    Warehouse.open_readonly(sys.argv[1], wait_seconds=0.5)\n"
            "except WarehouseError as exc:\n    print(type(exc).__name__, exc)\n")
    try:
        out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    finally:
        writer.close()
    assert out.startswith("WarehouseBusyError") and "still busy" in out


# ---------------------------------------------------------------------------
# Two ingests and an analyst, all at once, in real processes
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def concurrent_trial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two ingests started together on one DuckDB file while another process queries it."""
    root = tmp_path_factory.mktemp("concurrent")
    data = root / "data"
    sources = [root / "a", root / "b"]
    files = sorted(p for p in REAL.iterdir() if p.suffix == ".txt")[:2]  # one each: the trial costs startup
    for source, chunk in zip(sources, (files[:1], files[1:])):
        source.mkdir()
        for f in chunk:
            (source / f.name).write_bytes(f.read_bytes())
    Warehouse.open(data_dir=data).close()  # so the analyst has a warehouse from the start
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ingests = [subprocess.Popen([sys.executable, "-c", INGEST, str(s), str(data)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env) for s in sources]
    answers: list[tuple[float, int, bool]] = []  # (seconds to answer, reports seen, ingests still running)
    errors: list[str] = []
    deadline = time.monotonic() + 600
    while any(p.poll() is None for p in ingests) and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with Warehouse.open_readonly(data_dir=data, wait_seconds=QUERY_BOUND_SECONDS) as wh:
                n = wh.query("SELECT COUNT(*) AS n FROM reports")["n"][0].as_py()
                facts = wh.query("SELECT COUNT(DISTINCT report_id) AS n FROM review_facts")["n"][0].as_py()
            answers.append((time.monotonic() - started, n, any(p.poll() is None for p in ingests)))
            if facts != n:
                errors.append(f"{n} reports but review facts of {facts}: a half-loaded batch was visible")
        except WarehouseError as exc:
            errors.append(str(exc))
        time.sleep(0.2)
    outputs = []
    for p in ingests:
        out, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
        outputs.append((p.returncode, out))
    with Warehouse.open_readonly(data_dir=data) as wh:
        runs = wh.query("SELECT started_at, finished_at, status FROM ingest_runs ORDER BY started_at").to_pylist()
        reports = wh.query("SELECT COUNT(*) AS n FROM reports")["n"][0].as_py()
    return {"outputs": outputs, "answers": answers, "errors": errors, "runs": runs, "reports": reports,
            "files": len(files)}


def test_two_concurrent_ingests_both_complete_one_after_the_other(concurrent_trial: dict[str, Any]) -> None:
    t = concurrent_trial
    assert [rc for rc, _ in t["outputs"]] == [0, 0], t["outputs"]
    assert t["reports"] == t["files"]
    runs = t["runs"]
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert runs[0]["finished_at"] <= runs[1]["started_at"]  # serialized, not interleaved
    waits = [[line for line in out.splitlines() if "warehouse writer lock" in line] for _, out in t["outputs"]]
    waited = [lines for lines in waits if lines]
    assert len(waited) == 1, waits  # the first run never waits, the second says what for and then proceeds
    assert waited[0][0].startswith("waiting up to") and "another run is writing (pid" in waited[0][0]
    assert waited[0][1].startswith("got the warehouse writer lock")


def test_queries_during_the_ingests_answer_from_committed_batches(concurrent_trial: dict[str, Any]) -> None:
    t = concurrent_trial
    assert not t["errors"], t["errors"]
    during = [a for a in t["answers"] if a[2]]
    assert during, "no query ran while the ingests did"
    assert max(seconds for seconds, _, _ in t["answers"]) < QUERY_BOUND_SECONDS
    seen = [n for _, n, _ in t["answers"]]
    assert seen == sorted(seen)  # never a rollback to an older state


@pytest.mark.prefect
def test_a_flow_run_takes_the_prefect_limit_named_for_its_warehouse(tmp_path: Path) -> None:
    """Inside Prefect the run holds a one-slot global concurrency limit named for the warehouse, and frees it."""
    from prefect.client.orchestration import get_client

    from flows.ingest import annual_ingest
    from flows.locking import limit_name

    source = tmp_path / "in"
    source.mkdir()
    (source / "r.txt").write_bytes((REAL / "002_pingtan_2019.txt").read_bytes())
    data = tmp_path / "data"
    summary = annual_ingest(source=str(source), data_dir=str(data), workers=1)
    assert summary.reports_loaded == 1
    name = limit_name(f"duckdb:///{data / 'gongkai.duckdb'}")
    assert name.startswith("gongkai-writer-gongkai.duckdb-")
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(name)
    assert limit.limit == 1 and limit.active_slots == 0
