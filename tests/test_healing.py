"""Healing and order independence: a killed run, rerun, equals a clean run; load order and --force change nothing.

Each trial compares the warehouse *and* the Parquet mirror with a reference made
by one clean run of the same corpus, ignoring only what names a run (run ids,
load times). Killed runs are real ``kill -9``s of a subprocess running the flow,
at points chosen by patching the function the kill should interrupt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from flows.ingest import annual_ingest
from transforms.tables import REPORT_TABLES
from warehouse.parquet import read_mirror
from warehouse.store import Warehouse

REPO = Path(__file__).resolve().parent.parent
# Columns that say which run loaded a row and when: the only ones allowed to differ.
VOLATILE = {"run_id", "loaded_at", "accepted_at", "superseded_at"}


def _year_variant(text: str, old: int, new: int) -> str:
    return text.replace(f"{old}年", f"{new}年").replace(f"{old + 1}年", f"{new + 1}年")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One bureau in three consecutive years (cross-year rules fire), two other bureaus, a real sample."""
    from gongkai.synth.generate import generate

    root = tmp_path_factory.mktemp("corpus")
    synth = root / "synth"
    generate(3, synth, seed=11, carriers=("txt",))
    docs = root / "in"
    docs.mkdir()
    first = sorted(synth.glob("*.txt"))
    text = first[0].read_text(encoding="utf-8")
    import json

    year = json.loads(first[0].with_suffix("").with_name(first[0].stem + ".truth.json").read_text())["year"]
    for k, y in enumerate((year - 1, year, year + 1)):
        (docs / f"b{k}_{y}.txt").write_text(_year_variant(text, year, y) if y != year else text, encoding="utf-8")
    for p in first[1:]:
        shutil.copy(p, docs / p.name)
    shutil.copy(REPO / "samples" / "real" / "002_pingtan_2019.txt", docs / "real_2019.txt")
    return docs


def _ingest(source: Path | str, data_dir: Path, **kw) -> object:
    return annual_ingest.fn(source=str(source), data_dir=str(data_dir), workers=1, **kw)


def _rows(table: pa.Table) -> list[tuple]:
    keep = [c for c in table.column_names if c not in VOLATILE]
    cols = [table.column(c).to_pylist() for c in keep]
    return sorted(zip(*cols), key=repr)


def snapshot(data_dir: Path) -> dict[str, object]:
    """Warehouse and mirror contents, run-naming columns left out."""
    out: dict[str, object] = {}
    with Warehouse.open(data_dir=str(data_dir)) as wh:
        for name in REPORT_TABLES:
            out[f"warehouse.{name}"] = _rows(pa.concat_tables([wh.export_table(name, y) for y in wh.years()])
                                             if wh.years() else wh.export_table(name, None))
        out["warehouse.report_files"] = sorted(
            (r["report_id"], r["source_path"]) for r in wh.query("SELECT * FROM report_files").to_pylist())
    for name in REPORT_TABLES:
        out[f"parquet.{name}"] = _rows(read_mirror(str(data_dir / "parquet"), name))
    return out


def _diff(a: dict, b: dict) -> list[str]:
    return [k for k in a if a[k] != b.get(k)]


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    data = tmp_path_factory.mktemp("reference")
    _ingest(corpus, data, batch_size=2)
    snap = snapshot(data)
    assert snap["warehouse.reports"] and snap["parquet.findings"] == snap["warehouse.findings"]
    return snap


_DRIVER = textwrap.dedent('''
    import os, signal, sys
    point, source, data_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    calls = {"n": 0}

    def die_after(n):
        calls["n"] += 1
        if calls["n"] >= n:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(owner, attr, n, before=False):
        real = getattr(owner, attr)
        def patched(*a, **k):
            if before:
                die_after(n)
            out = real(*a, **k)
            if not before:
                die_after(n)
            return out
        setattr(owner, attr, patched)

    import warehouse.parquet as parquet
    import warehouse.store as store
    if point == "after-first-load":
        wrap(store.Warehouse, "load", 1)
    elif point == "inside-a-load":  # the second batch's rows are inserted, its transaction not committed
        wrap(store, "write_changes", 2, before=True)
    elif point == "before-cross-report-write":
        wrap(store.Warehouse, "replace_findings", 1, before=True)
    elif point == "before-mirror":
        wrap(parquet, "write_mirror", 1, before=True)
    elif point == "mid-mirror":
        wrap(parquet, "_write_partition", 5)
    elif point == "mirror-manifest":
        wrap(parquet, "_write_manifest", 1, before=True)
    from flows.ingest import annual_ingest
    annual_ingest.fn(source=source, data_dir=data_dir, workers=1, batch_size=2)
    print("NOT KILLED")
''')

# Each trial costs a flow in a fresh interpreter (~10 s of CPU): CI runs four points, every
# point runs with GONGKAI_ALL_KILL_POINTS=1 (and in benchmarks/bench_hostile.py's report).
ALL_KILL_POINTS = ["after-first-load", "inside-a-load", "before-cross-report-write", "before-mirror", "mid-mirror",
                   "mirror-manifest"]
KILL_POINTS = ALL_KILL_POINTS if os.environ.get("GONGKAI_ALL_KILL_POINTS") else [
    "inside-a-load", "before-cross-report-write", "mid-mirror", "mirror-manifest"]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_then_rerun_equals_a_clean_run(point: str, corpus: Path, reference: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", _DRIVER, point, str(corpus), str(data)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, (point, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    _ingest(corpus, data, batch_size=2)  # the rerun: no --force
    after = snapshot(data)
    assert not _diff(reference, after), (point, _diff(reference, after))
    with Warehouse.open(data_dir=str(data)) as wh:
        runs = wh.query("SELECT status, settled_by FROM ingest_runs ORDER BY started_at").to_pylist()
    assert [r["status"] for r in runs] == ["crashed", "finished"]
    assert runs[0]["settled_by"] is not None


def test_same_corpus_in_two_orders_gives_the_same_warehouse(corpus: Path, reference: dict, tmp_path: Path) -> None:
    """One file per run, oldest first and newest first: statuses and findings equal the one-run reference."""
    files = sorted(corpus.iterdir())
    for order, data in ((files, tmp_path / "forward"), (files[::-1], tmp_path / "backward")):
        for f in order:
            _ingest(corpus, data, files=[f.name])
        snap = snapshot(data)
        for key in ("warehouse.reports", "warehouse.findings", "parquet.findings", "parquet.reports"):
            if key.endswith("reports"):
                # load_seq / version_no follow acceptance order by design; status and counts must not
                pick = lambda rows: sorted((r[0], r[1], r[2], r[4], r[12], r[13]) for r in rows)  # noqa: E731
                assert pick(snap[key]) == pick(reference[key]), (order[0].name, key)
            else:
                assert snap[key] == reference[key], (order[0].name, key)
    statuses = {r[4] for r in reference["warehouse.reports"]}
    codes = {r[3] for r in reference["warehouse.findings"]}
    assert "identity.I5" in codes, codes  # the cross-year rule really compared the three years
    assert statuses


def test_force_twice_gives_byte_identical_parquet(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ingest(corpus, data)
    _ingest(corpus, data, force=True)
    first = {p.relative_to(data): p.read_bytes() for p in sorted((data / "parquet").rglob("*.parquet"))}
    snap1 = snapshot(data)
    _ingest(corpus, data, force=True)
    second = {p.relative_to(data): p.read_bytes() for p in sorted((data / "parquet").rglob("*.parquet"))}
    assert first.keys() == second.keys() and first
    differing = sorted(str(k) for k in first if first[k] != second[k])
    # only the reports partitions carry run ids and load times
    assert all(k.startswith("parquet/reports/") for k in differing), differing
    assert snapshot(data) == snap1


def test_mirror_command_heals_and_rebuilds(corpus: Path, tmp_path: Path) -> None:
    from gongkai.cli import main
    from warehouse.parquet import stale_years

    data = tmp_path / "data"
    _ingest(corpus, data)
    before = snapshot(data)
    shutil.rmtree(data / "parquet" / "findings")
    (data / "parquet" / "_gongkai_mirror.json").unlink()
    with Warehouse.open(data_dir=str(data)) as wh:
        assert stale_years(wh, str(data / "parquet"))
    assert main(["mirror", "--data-dir", str(data)]) == 0
    assert snapshot(data) == before
    with Warehouse.open(data_dir=str(data)) as wh:
        assert stale_years(wh, str(data / "parquet")) == []
    assert main(["mirror", "--rebuild", "--data-dir", str(data)]) == 0
    assert snapshot(data) == before
