"""Analysts cannot break the warehouse: read-only opening, refused writes, dropped tables, masked secrets.

The trials of issue 12 as tests: every write, DDL, ATTACH, COPY and file read an
analyst's ``gongkai query`` could try is refused with the data left intact, on DuckDB
and on PostgreSQL (also as a login with only the documented read-only grants);
opening for reads writes nothing; a dropped table is an error, never recreated empty;
a password never reaches output, summaries, run records or flow parameters.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from test_warehouse import ERROR, WARNING, batch, make_report, sha

from gongkai import cli
from gongkai.cli import main
from warehouse import Warehouse
from warehouse.backends import postgres_read_only_grants
from warehouse.errors import MissingTablesError, ReadOnlyError, WarehouseError
from warehouse.urls import ENV_PASSWORD, mask_text, mask_url, strip_password, with_password

REPO = Path(__file__).resolve().parent.parent
TABLES = ("reports", "application_facts", "review_facts", "disclosure_facts", "findings", "ingest_runs")

# What an analyst might type; every one must be refused on every backend.
WRITES = [
    "DELETE FROM findings",
    "DROP TABLE review_facts",
    "UPDATE reports SET year = 1999",
    "INSERT INTO bureaus SELECT * FROM bureaus",
    "CREATE TABLE intruder (a INTEGER)",
    "CREATE VIEW intruder AS SELECT 1 AS a",
    "ALTER TABLE reports ADD COLUMN intruder INTEGER",
    "TRUNCATE findings",
    "SELECT 1; DELETE FROM findings",
]
DUCKDB_ESCAPES = [
    "ATTACH '{tmp}/other.duckdb' AS other",
    "COPY reports TO '{tmp}/out.csv'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "EXPORT DATABASE '{tmp}/export'",
]
POSTGRES_ESCAPES = [
    "SELECT 1; COMMIT; DELETE FROM findings",
    "COMMIT; DELETE FROM findings",
    "SET default_transaction_read_only = off; DELETE FROM findings",
]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A warehouse with three reports (and their facts and findings), closed again."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'data' / 'gongkai.duckdb'}"
        _load(url)
        yield url
        return
    from pg import postgres_schema

    with postgres_schema("ro") as url:
        _load(url)
        yield url


def _load(url: str) -> None:
    with Warehouse.open(url) as wh:
        wh.load(batch((make_report(sha(1), findings=[ERROR, WARNING]), "a.txt"), (make_report(sha(2), bureau="平潭县财政局"), "b.txt"),
                      (make_report(sha(3), year=2022), "c.txt")))
        wh.start_run("test")


def _counts(url: str) -> dict[str, int]:
    with Warehouse.open_readonly(url) as wh:
        return {t: wh.query(f"SELECT COUNT(*) AS n FROM {t}")["n"][0].as_py() for t in TABLES}


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith((".readers", ".lock"))}


def test_every_write_and_escape_is_refused_with_data_intact(loaded_url: str, tmp_path: Path) -> None:
    before = _counts(loaded_url)
    assert before["reports"] == 3 and before["findings"] > 0 and before["review_facts"] > 0
    files_before = _files(tmp_path)
    escapes = DUCKDB_ESCAPES if loaded_url.startswith("duckdb") else POSTGRES_ESCAPES
    with Warehouse.open_readonly(loaded_url) as wh:
        for sql in WRITES + [e.format(tmp=tmp_path) for e in escapes]:
            with pytest.raises(ReadOnlyError, match="read-only"):
                wh.query(sql)
        # the session is still read-only after all that, and still answers
        with pytest.raises(ReadOnlyError):
            wh.query("DELETE FROM findings")
        assert wh.query("SELECT COUNT(*) AS n FROM reports")["n"][0].as_py() == 3
    assert _counts(loaded_url) == before
    assert _files(tmp_path) == files_before  # no file written, none created (out.csv, other.duckdb, export/)


def test_opening_for_reads_writes_nothing(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'gongkai.duckdb'}"
    _load(url)
    before = _files(tmp_path)
    with Warehouse.open_readonly(url) as wh:
        wh.query("SELECT * FROM v_applications_wide_all")
        wh.query("SELECT * FROM dim_app_row")
    assert _files(tmp_path) == before  # views and dimensions were not dropped and recreated


def test_missing_database_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse at"):
        Warehouse.open_readonly(data_dir=tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("table", ["review_facts", "ingest_runs"])
def test_a_dropped_table_is_an_error_never_recreated_empty(loaded_url: str, table: str) -> None:
    engine = create_engine(loaded_url)
    with engine.begin() as conn:  # what `gongkai query "DROP TABLE …"` did before it was read-only
        if "postgresql" in loaded_url:
            conn.exec_driver_sql(f"DROP TABLE {table} CASCADE")
        else:
            from warehouse.views import drop_views

            drop_views(conn)  # DuckDB has no CASCADE
            conn.exec_driver_sql(f"DROP TABLE {table}")
    engine.dispose()
    for opener in (Warehouse.open, Warehouse.open_readonly):
        with pytest.raises(MissingTablesError, match=table):
            opener(loaded_url)
    engine = create_engine(loaded_url)
    with engine.connect() as conn:
        from sqlalchemy import inspect

        assert table not in inspect(conn).get_table_names()  # still gone, not recreated
    engine.dispose()


@pytest.mark.postgres
def test_postgres_read_only_role_grants() -> None:
    """A login with only the documented grants reads, and cannot write, COPY to a file or read server files."""
    from pg import postgres_schema

    role = f"gk_reader_{uuid.uuid4().hex[:8]}"
    with postgres_schema("grants") as url:
        _load(url)
        schema = make_url(url).query["options"].split("=", 1)[1]
        admin = create_engine(url)
        with admin.begin() as conn:
            for stmt in postgres_read_only_grants(role, schema):
                conn.exec_driver_sql(stmt)
        reader_url = make_url(url).set(username=role).render_as_string(hide_password=False)
        try:
            with Warehouse.open_readonly(reader_url) as wh:
                assert wh.query("SELECT COUNT(*) AS n FROM v_reports")["n"][0].as_py() == 3
                for sql in ("SELECT pg_read_file('/etc/passwd')", "COPY reports TO '/tmp/gk_reader_out.csv'",
                            "CREATE TABLE intruder (a INTEGER)", "DELETE FROM findings"):
                    with pytest.raises(ReadOnlyError):
                        wh.query(sql)
            # even a writer's connection as this role cannot write
            engine = create_engine(reader_url)
            with pytest.raises(Exception, match="read-only|permission denied"):
                with engine.begin() as conn:
                    conn.exec_driver_sql("SET default_transaction_read_only = off")
                    conn.exec_driver_sql("DELETE FROM findings")
            engine.dispose()
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
            admin.dispose()


# ---------------------------------------------------------------------------
# The CLI
# ---------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    _load(f"duckdb:///{data / 'gongkai.duckdb'}")
    return data


@pytest.mark.parametrize("sql", ["DELETE FROM findings", "DROP TABLE review_facts",
                                 "SELECT * FROM read_csv('/etc/passwd')", "COPY reports TO 'x.csv'"])
def test_query_that_would_write_exits_2_with_one_line(data_dir: Path, sql: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the warehouse is open read-only") and err.count("\n") == 1
    assert main(["query", "SELECT COUNT(*) AS n FROM findings", "--data-dir", str(data_dir), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] != "0"


def test_read_commands_refuse_a_missing_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["query", "SELECT 1"], ["findings"]):
        assert main([*argv, "--data-dir", str(tmp_path / "typo")]) == 1
        assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


def test_findings_bureau_that_matches_nothing_suggests_near_names(data_dir: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "--bureau", "平潭县财务局", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "no bureau name contains '平潭县财务局'" in err and "did you mean: 平潭县财政局" in err
    assert main(["findings", "--bureau", "财政", "--data-dir", str(data_dir)]) == 0  # a match: listed


def test_rerun_of_an_unknown_bureau_says_so(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rerun", "--bureau", "平潭县财务局", "--data-dir", str(data_dir)]) == 1
    assert "did you mean: 平潭县财政局" in capsys.readouterr().err


def test_reversed_backfill_range_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill", "--from", "2023", "--to", "2021", "--source", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "error: --from 2023 is after --to 2021\n"


def test_unreachable_database_is_one_line_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://analyst:hunter2@127.0.0.1:9/gongkai"
    assert main(["query", "SELECT 1", "--warehouse", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "hunter2" not in err


def test_console_is_quiet_but_served_runs_log_info() -> None:
    env: dict[str, str] = {}
    cli.set_prefect_defaults(env)
    assert env[cli.CONSOLE_LEVEL] == "WARNING" and "PREFECT_LOGGING_LEVEL" not in env  # the UI gets INFO
    env = {}
    cli.set_prefect_defaults(env, command="serve")
    assert env[cli.CONSOLE_LEVEL] == "INFO"


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------

def test_urls_are_masked_and_passwords_come_from_the_environment() -> None:
    url = "postgresql+psycopg://etl:hunter2@db.example:5432/gongkai"
    assert "hunter2" not in mask_url(url) and "***" in mask_url(url)
    assert "hunter2" not in mask_text(f"could not connect to {url}: timeout")
    env: dict[str, str] = {}
    bare = strip_password(url, env)
    assert "hunter2" not in bare and env[ENV_PASSWORD] == "hunter2"
    assert with_password(bare, env).password == "hunter2"
    assert with_password("duckdb:///data/gongkai.duckdb", env).password is None  # no user: left alone


def test_cli_passes_no_password_in_flow_parameters(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import flows.ingest

    seen: dict[str, object] = {}

    def fake_flow(**params: object) -> object:
        seen.update(params)
        raise ValueError("stop here")

    monkeypatch.setattr(flows.ingest, "annual_ingest", fake_flow)
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    url = "postgresql+psycopg://etl:hunter2@127.0.0.1:9/gongkai"
    assert main(["ingest", str(tmp_path), "--warehouse", url, "--no-progress"]) == 1
    assert seen["warehouse_url"] == "postgresql+psycopg://etl@127.0.0.1:9/gongkai"
    import os

    assert os.environ[ENV_PASSWORD] == "hunter2"


@pytest.mark.postgres
def test_password_never_reaches_summary_log_or_run_records(caplog: pytest.LogCaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The test server trusts local logins, so a made-up password connects, and must appear nowhere."""
    from pg import postgres_schema

    from flows.ingest import annual_ingest

    source = tmp_path / "in"
    source.mkdir()
    (source / "r.txt").write_bytes((REPO / "samples" / "real" / "002_pingtan_2019.txt").read_bytes())
    with postgres_schema("secret") as url:
        with_pw = make_url(url).set(password="hunter2").render_as_string(hide_password=False)
        caplog.set_level(logging.DEBUG)
        summary = annual_ingest.fn(source=str(source), warehouse_url=with_pw, data_dir=str(tmp_path / "data"))
        assert summary.reports_loaded == 1
        shown = summary.warehouse_url + summary.to_markdown() + caplog.text
        with Warehouse.open_readonly(url) as wh:
            shown += str(wh.query("SELECT * FROM ingest_runs").to_pylist())
    assert "hunter2" not in shown
