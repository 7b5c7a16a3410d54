"""The ingest flow: discovery, per-file isolation, idempotent reloads, the Parquet mirror.

Most tests run the flow body through ``annual_ingest.fn`` (no Prefect server);
the ones marked ``prefect`` run real flows against the session's test server.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import fsspec
import pytest
import yaml

from flows.discover import SourceFile, discover_files
from flows.ingest import ARTIFACT_KEY, annual_ingest
from flows.summary import IngestSummary
from flows.tasks import FileBlob, is_transient, parse_batch, read_batch
from flows.settings import default_warehouse_url, resolve_settings
from transforms.tables import REPORT_TABLES, content_sha256

REPO_ROOT = Path(__file__).resolve().parent.parent


def _counts(data_dir: Path) -> dict[str, int]:
    from warehouse.store import Warehouse

    wh = Warehouse.open(url=default_warehouse_url(data_dir))
    try:
        return {t: wh.query(f"SELECT COUNT(*) AS n FROM {t}").column("n")[0].as_py() for t in REPORT_TABLES}
    finally:
        wh.close()


def _mirror_counts(root: Path) -> dict[str, int]:
    from warehouse.parquet import read_mirror

    return {t: read_mirror(str(root), t).num_rows for t in REPORT_TABLES}


def _ingest(source: Path | str, data_dir: Path, **kw) -> IngestSummary:
    return annual_ingest.fn(source=str(source), data_dir=str(data_dir), **kw)


def _current_reports(data_dir: Path) -> int:
    from warehouse.store import Warehouse

    wh = Warehouse.open(url=default_warehouse_url(data_dir))
    try:
        return wh.query("SELECT COUNT(*) AS n FROM reports WHERE is_current").column("n")[0].as_py()
    finally:
        wh.close()


# -- settings -----------------------------------------------------------------

def test_settings_resolve_flag_then_env_then_default(tmp_path: Path) -> None:
    env = {"GONGKAI_DATA_DIR": str(tmp_path / "env"), "GONGKAI_PARQUET_ROOT": "s3://b/p"}
    s = resolve_settings(env=env)
    assert s.data_dir == tmp_path / "env"
    assert s.warehouse_url == f"duckdb:///{tmp_path}/env/gongkai.duckdb"
    assert s.parquet_root == "s3://b/p"
    s = resolve_settings(data_dir=tmp_path / "flag", warehouse_url="postgresql+psycopg://x/y", env=env)
    assert (s.data_dir, s.warehouse_url, s.parquet_root) == (tmp_path / "flag", "postgresql+psycopg://x/y", "s3://b/p")
    s = resolve_settings(env={})
    assert (str(s.data_dir), s.warehouse_url, s.parquet_root) == ("data", "duckdb:///data/gongkai.duckdb",
                                                                  os.path.join("data", "parquet"))


# -- discovery and reading ------------------------------------------------------

@pytest.fixture
def memory_folder() -> str:
    fs = fsspec.filesystem("memory")
    root = f"/gongkai-test-{os.getpid()}-{id(fs)}"
    for src in sorted((REPO_ROOT / "samples" / "real").glob("00*_pingtan_*.txt")):
        fs.pipe(f"{root}/in/{src.name}", src.read_bytes())
        fs.pipe(f"{root}/in/{src.stem}.expected.json", b"{}")
    fs.pipe(f"{root}/in/.hidden.txt", b"x")
    fs.pipe(f"{root}/in/.cache/a.txt", b"x")
    fs.pipe(f"{root}/in/notes.rtf", b"{\\rtf1 not a report}")
    yield f"memory://{root}/in"
    fs.rm(root, recursive=True)


def test_discover_skips_json_and_hidden_keeps_unsupported(memory_folder: str) -> None:
    names = [f.name for f in discover_files(memory_folder)]
    assert "notes.rtf" in names
    assert not any(n.endswith(".json") or n.startswith(".") or "/." in n for n in names)
    assert names == sorted(names) and len(names) == 4
    assert all(f.path.startswith("memory://") for f in discover_files(memory_folder))


def test_discover_single_file_and_missing_source(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    assert discover_files(str(tmp_path / "a.txt")) == [SourceFile(str(tmp_path / "a.txt"), "a.txt")]
    with pytest.raises(FileNotFoundError):
        discover_files(str(tmp_path / "nope"))


def test_read_batch_isolates_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"abc")
    blobs = read_batch.fn([SourceFile(str(tmp_path / "a.txt"), "a.txt"),
                           SourceFile(str(tmp_path / "gone.txt"), "gone.txt")])
    assert blobs[0].data == b"abc" and blobs[0].sha256 == content_sha256(b"abc")
    assert blobs[1].data is None and "FileNotFoundError" in blobs[1].error


def test_transient_errors_are_told_apart() -> None:
    assert is_transient(ConnectionResetError()) and is_transient(TimeoutError())
    assert is_transient(OSError(errno.EIO, "I/O error"))
    assert not is_transient(FileNotFoundError()) and not is_transient(PermissionError())
    assert not is_transient(ValueError())


def test_parse_batch_isolates_an_exploding_file(monkeypatch: pytest.MonkeyPatch) -> None:
    import transforms.parse as parse

    real = parse.parse_bytes

    def explode_on_b(data: bytes, name: str):
        if name == "b.txt":
            raise RuntimeError("boom")
        return real(data, name)

    monkeypatch.setattr(parse, "parse_bytes", explode_on_b)
    text = (REPO_ROOT / "samples/real/002_pingtan_2019.txt").read_bytes()
    blobs = [FileBlob(SourceFile(f"/x/{n}", n), data, content_sha256(data))
             for n, data in (("a.txt", text), ("b.txt", text + b"\n"))]
    blobs.append(FileBlob(SourceFile("/x/c.txt", "c.txt"), None, None, "ConnectionError: reset"))
    parsed = parse_batch.fn(blobs, None, "test", "run")
    assert [h.name for h in parsed.heads] == ["a.txt", "b.txt", "c.txt"]
    assert [h.year for h in parsed.heads] == [2019, None, None]
    findings = parsed.tables["findings"].to_pylist()
    ids = [h.report_id for h in parsed.heads]

    def codes(rid: str) -> list[str]:
        return [f["code"] for f in findings if f["report_id"] == rid]

    assert "file.unreadable" not in codes(ids[0])
    assert codes(ids[1]) == ["file.unreadable"] and codes(ids[2]) == ["file.unreadable"]
    messages = {f["report_id"]: f["message"] for f in findings if f["code"] == "file.unreadable"}
    assert "boom" in messages[ids[1]] and "reset" in messages[ids[2]]
    assert parsed.tables["reports"]["source_path"].to_pylist() == ["/x/a.txt", "/x/b.txt", "/x/c.txt"]


# -- whole ingests through .fn --------------------------------------------------

def test_ingest_twice_keeps_one_copy_and_skips_unchanged(samples_copy: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _ingest(samples_copy, data)
    n_docs = len(discover_files(str(samples_copy)))
    assert first.files_seen == first.files_parsed == n_docs and first.files_skipped == 0
    assert first.reports_loaded == n_docs - first.files_duplicate
    counts = _counts(data)
    assert counts["reports"] == first.reports_loaded
    assert counts["findings"] == sum(first.findings_by_severity.values())
    assert _mirror_counts(data / "parquet") == counts
    from warehouse.store import Warehouse

    with Warehouse.open(url=default_warehouse_url(data)) as wh:  # one batch, stamped once when loaded
        stamps = wh.query("SELECT DISTINCT r.loaded_at, i.started_at FROM reports r "
                          "JOIN ingest_runs i USING (run_id)").to_pylist()
    assert len(stamps) == 1 and stamps[0]["loaded_at"] >= stamps[0]["started_at"]

    second = _ingest(samples_copy, data)
    assert second.files_skipped == n_docs and second.files_parsed == 0 and second.reports_loaded == 0
    assert _counts(data) == counts and _mirror_counts(data / "parquet") == counts

    forced = _ingest(samples_copy, data, force=True)
    assert forced.files_parsed == n_docs and forced.reports_loaded == first.reports_loaded
    assert _counts(data) == counts and _mirror_counts(data / "parquet") == counts


def test_changed_file_is_reparsed_and_replaced(samples_copy: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _ingest(samples_copy, data)
    before = _counts(data)
    target = samples_copy / "real" / "002_pingtan_2019.txt"
    target.write_bytes(target.read_bytes() + "\n附：本报告为测试改动。\n".encode())
    current_before = _current_reports(data)
    rerun = _ingest(samples_copy, data)
    assert rerun.files_parsed == 1 and rerun.reports_loaded == 1
    after = _counts(data)
    # the new content is a new version of the report; the old one stays, no longer current
    assert after["reports"] == before["reports"] + 1
    assert _current_reports(data) == current_before
    assert _mirror_counts(data / "parquet") == after
    again = _ingest(samples_copy, data)
    assert again.files_parsed == 0 and _counts(data) == after


def test_year_filter_and_memory_source(memory_folder: str, tmp_path: Path) -> None:
    summary = _ingest(memory_folder, tmp_path / "data", year=2021, parquet_root=str(tmp_path / "pq"))
    assert summary.files_seen == 4
    assert summary.reports_loaded >= 1 and summary.files_filtered >= 1
    assert summary.years == [2021]
    assert _mirror_counts(tmp_path / "pq")["reports"] == summary.reports_loaded


def test_summary_markdown_has_the_counts() -> None:
    s = IngestSummary(source="x", warehouse_url="duckdb:///d", parquet_root="p", files_seen=3, files_skipped=1,
                      reports_loaded=2, reports_by_status={"clean": 1, "quarantined": 1},
                      findings_by_severity={"error": 4}, findings_by_code={"identity.I1": 4},
                      reports_by_carrier={"txt": 2})
    for n in range(15):
        s.add_parse_times([(n / 1000, f"f{n}.txt")])
    md = s.to_markdown()
    assert "| 3 | 1 |" in md and "| quarantined | 1 |" in md and "| error | 4 |" in md and "`identity.I1`" in md
    assert "## Reports by carrier" in md and "| txt | 2 |" in md
    assert [name for _, name in s.slowest_files] == [f"f{n}.txt" for n in range(14, 4, -1)]
    assert "| `f14.txt` | 14 |" in md and "f4.txt" not in md


def test_cache_is_content_hash_and_parser_version(samples_copy: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged bytes are skipped; moved bytes too (content, not path); a new parser version re-parses all."""
    import transforms.parse as parse

    data = tmp_path / "data"
    first = _ingest(samples_copy, data)
    (samples_copy / "real" / "002_pingtan_2019.txt").rename(samples_copy / "moved.txt")
    again = _ingest(samples_copy, data)
    assert again.files_parsed == 0 and again.files_skipped == first.files_seen
    monkeypatch.setattr(parse, "PARSER_VERSION", "999.0.0")
    bumped = _ingest(samples_copy, data)
    assert bumped.files_parsed == first.files_seen - first.files_duplicate and bumped.files_skipped == 0


def test_sources_and_sinks_by_url(memory_folder: str, tmp_path: Path) -> None:
    """A memory:// landing folder into a memory:// Parquet root; a file:// folder into a local one."""
    from warehouse.parquet import read_mirror

    pq = f"memory://gongkai-pq-{os.getpid()}"
    summary = _ingest(memory_folder, tmp_path / "m", parquet_root=pq)
    assert summary.reports_loaded == 4 and read_mirror(pq, "reports").num_rows == 4
    fsspec.filesystem("memory").rm(pq.removeprefix("memory://"), recursive=True)
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes((REPO_ROOT / "samples/real/002_pingtan_2019.txt").read_bytes())
    summary = _ingest(f"file://{src}", tmp_path / "f", parquet_root=f"file://{tmp_path / 'pq'}")
    assert summary.reports_loaded == 1 and _mirror_counts(tmp_path / "pq")["reports"] == 1


def test_parse_pool_gives_what_the_flow_process_gives() -> None:
    from flows.parallel import ParseItem, ParsePool, parse_chunk
    from transforms.tables import content_sha256, report_id_for

    items = []
    for p in sorted((REPO_ROOT / "samples" / "real").glob("*")):
        if p.suffix != ".json":
            data = p.read_bytes()
            items.append(ParseItem(data, p.name, str(p), report_id_for(content_sha256(data)), content_sha256(data)))
    with ParsePool(workers=2, min_batch=1) as pool:
        pooled = pool.parse(items, "test", "run")
    here = parse_chunk(items, "test", "run")

    def without_time(tables: dict) -> dict:
        return {name: (t.drop_columns(["loaded_at"]) if name == "reports" else t) for name, t in tables.items()}

    assert set(pooled.tables) == set(here.tables)
    for name, table in without_time(pooled.tables).items():
        assert table.equals(without_time(here.tables)[name]), name
    assert [(h.report_id, h.name, h.bureau, h.year) for h in pooled.heads] == \
        [(h.report_id, h.name, h.bureau, h.year) for h in here.heads]
    assert all(h.seconds > 0 for h in pooled.heads)
    assert pooled.tables["reports"].num_rows == len(items)


def test_progress_is_reported_in_files(samples_copy: Path, tmp_path: Path) -> None:
    import logging

    from flows.ingest import PROGRESS_LOGGER

    seen: list[tuple[int, int]] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.gongkai_progress)

    logger = logging.getLogger(PROGRESS_LOGGER)
    handler = Catch()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        summary = _ingest(samples_copy, tmp_path / "data", batch_size=4)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    total = summary.files_seen
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) == 1 + -(-total // 4)


def test_ingest_cli_shows_no_progress_bar_off_a_terminal(samples_copy: Path, tmp_path: Path) -> None:
    from gongkai.cli import _progress_wanted, build_parser

    args = build_parser().parse_args(["ingest", str(samples_copy), "--progress"])
    assert args.progress is True and _progress_wanted(args) is False  # pytest's stderr is not a terminal
    assert build_parser().parse_args(["ingest", "x"]).progress is None


def test_deployment_declares_the_flow_and_a_valid_schedule() -> None:
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    config = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    (dep,) = [d for d in config["deployments"] if d["name"] == "annual-ingest"]
    assert load_flow_from_entrypoint(str(REPO_ROOT / dep["entrypoint"])).name == "annual-ingest"
    for sched in dep["schedules"]:
        CronSchedule(cron=sched["cron"], timezone=sched["timezone"])


# -- real flow runs -----------------------------------------------------------

@pytest.mark.prefect
def test_real_flow_run_publishes_its_summary(tmp_path: Path) -> None:
    from prefect.artifacts import Artifact

    src = tmp_path / "in"
    src.mkdir()
    for name in ("002_pingtan_2019.txt", "004_pingtan_2021.txt"):
        (src / name).write_bytes((REPO_ROOT / "samples/real" / name).read_bytes())
    summary = annual_ingest(source=str(src), data_dir=str(tmp_path / "data"), batch_size=1)
    assert summary.reports_loaded == 2 and summary.years == [2019, 2021]
    artifact = Artifact.get(ARTIFACT_KEY)
    assert artifact is not None and "reports loaded" in artifact.data


@pytest.mark.prefect
def test_transient_read_failure_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect import flow

    import flows.tasks as tasks

    (tmp_path / "a.txt").write_bytes(b"abc")
    calls: list[str] = []
    real = tasks.read_bytes

    def flaky(path: str) -> bytes:
        calls.append(path)
        if len(calls) == 1:
            raise ConnectionResetError("reset by peer")
        return real(path)

    monkeypatch.setattr(tasks, "read_bytes", flaky)

    @flow
    def read_one() -> list[FileBlob]:
        return tasks.read_batch.with_options(retry_delay_seconds=0)([SourceFile(str(tmp_path / "a.txt"), "a.txt")])

    (blob,) = read_one()
    assert len(calls) == 2 and blob.data == b"abc"


@pytest.mark.postgres
def test_ingest_into_postgres(samples_copy: Path, tmp_path: Path) -> None:
    """The same flow against PostgreSQL: only the URL changes (a private schema per test)."""
    from pg import postgres_schema

    from warehouse.store import Warehouse

    with postgres_schema("t_flow") as url:
        first = _ingest(samples_copy, tmp_path / "data", warehouse_url=url)
        second = _ingest(samples_copy, tmp_path / "data", warehouse_url=url)
        assert second.files_skipped == first.files_seen and second.reports_loaded == 0
        wh = Warehouse.open(url=url)
        try:
            n = wh.query("SELECT COUNT(*) AS n FROM reports").column("n")[0].as_py()
        finally:
            wh.close()
        assert n == first.reports_loaded
        assert _mirror_counts(tmp_path / "data" / "parquet")["reports"] == n


@pytest.mark.prefect
def test_read_failure_that_outlasts_the_retries_becomes_a_finding(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect import flow

    import flows.tasks as tasks

    calls: list[str] = []

    def always_down(path: str) -> bytes:
        calls.append(path)
        raise TimeoutError("remote store timed out")

    monkeypatch.setattr(tasks, "read_bytes", always_down)

    @flow
    def read_and_parse():  # noqa: ANN202 - a ParsedChunk
        blobs = tasks.read_batch.with_options(retry_delay_seconds=0)([SourceFile("s3://b/a.txt", "a.txt")])
        return tasks.parse_batch(blobs)

    parsed = read_and_parse()
    assert len(calls) == tasks.READ_RETRIES + 1
    assert [h.name for h in parsed.heads] == ["a.txt"]
    assert parsed.tables["findings"]["code"].to_pylist() == ["file.unreadable"]


def test_chunks_parsed_apart_are_stamped_once_when_loaded() -> None:
    from datetime import datetime, timezone

    from flows.parallel import ParseItem, concat_chunks, parse_chunk
    from transforms.tables import content_sha256, report_id_for, stamp_loaded_at

    def item(path: Path) -> ParseItem:
        data = path.read_bytes()
        return ParseItem(data, path.name, str(path), report_id_for(content_sha256(data)), content_sha256(data))

    first = parse_chunk([item(REPO_ROOT / "samples/real/002_pingtan_2019.txt")], "t", "run")
    second = parse_chunk([item(REPO_ROOT / "samples/real/008_pingtan_gaj_2021.txt")], "t", "run")
    tables = concat_chunks([first, second]).tables
    assert len(set(tables["reports"]["loaded_at"].to_pylist())) == 2  # each worker chunk has its own time
    when = datetime(2026, 2, 1, 3, 0, tzinfo=timezone.utc)
    stamped = stamp_loaded_at(tables, when)
    assert stamped["reports"]["loaded_at"].to_pylist() == [when, when]
    assert stamped["reports"].drop_columns(["loaded_at"]).equals(tables["reports"].drop_columns(["loaded_at"]))
    assert stamped["application_facts"] is tables["application_facts"]


_ALIAS_ONLY = ("平潭公安\n2023年政府信息公开工作年度报告\n本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
               "一、总体情况\n2023年，结合我局工作实际，扎实推进政务公开工作。\n")


def test_ingest_hands_the_registry_names_to_the_parser(tmp_path: Path) -> None:
    """A report printing only a registry alias as its heading gets the registry's bureau, and its bureau_id."""
    from warehouse.store import Warehouse

    src = tmp_path / "in"
    src.mkdir()
    (src / "report.txt").write_text(_ALIAS_ONLY, encoding="utf-8")
    registry = tmp_path / "registry.csv"
    registry.write_text("bureau,region,parent,level,aliases\n平潭综合实验区,平潭综合实验区,,区,\n"
                        "平潭综合实验区公安局,平潭综合实验区,平潭综合实验区,部门,平潭公安\n", encoding="utf-8")
    _ingest(src, tmp_path / "d", registry=str(registry), workers=1)
    wh = Warehouse.open(url=default_warehouse_url(tmp_path / "d"))
    try:
        assert wh.registry_names()["平潭公安"] == "平潭综合实验区公安局"
        row = wh.query("SELECT bureau, bureau_id FROM reports WHERE is_current").to_pylist()
    finally:
        wh.close()
    assert row == [{"bureau": "平潭综合实验区公安局", "bureau_id": "平潭综合实验区公安局"}]


def test_parse_pool_passes_the_registry_names_to_its_workers() -> None:
    from flows.parallel import ParseItem, ParsePool
    from transforms.tables import report_id_for

    data = _ALIAS_ONLY.encode("utf-8")
    items = [ParseItem(data, f"r{i}.txt", f"r{i}.txt", report_id_for(content_sha256(data + bytes([i]))), content_sha256(data))
             for i in range(2)]
    known = {"平潭公安": "平潭综合实验区公安局"}
    with ParsePool(workers=2, min_batch=1) as pool:
        assert [h.bureau for h in pool.parse(items, "test", "run").heads] == [None, None]
        assert [h.bureau for h in pool.parse(items, "test", "run", known).heads] == ["平潭综合实验区公安局"] * 2
