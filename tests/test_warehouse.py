"""The warehouse backend suite: one set of tests, run against DuckDB and PostgreSQL.

PostgreSQL runs when ``GONGKAI_TEST_POSTGRES_URL`` names a database
(``postgresql+psycopg://user@host:port/db``); each test gets its own schema there,
dropped afterwards, so runs never see each other's rows. Reports are built by hand
as ``ParsedReport`` objects and go through ``transforms.tables.to_tables`` exactly
as the ingest flow sends them.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pg import postgres_schema

from transforms.report import ActiveDisclosureCell, CellValue, Finding, Location, ParsedReport
from transforms.spec import LAYOUTS, REVIEW_CELLS
from transforms.tables import REPORT_TABLES, SCHEMAS, ReportRow, to_tables
from warehouse import BatchError, Warehouse
from warehouse.backends import backend_for
from warehouse.parquet import read_mirror, rebuild_mirror, write_mirror
from warehouse.schema import SCHEMA_VERSION, TABLE_SCHEMAS
from warehouse.views import VIEWS, app_column_keys, app_row_keys



# ---------------------------------------------------------------------------
# Building reports by hand
# ---------------------------------------------------------------------------

def cell(value: int | str | None, raw: str | None = None, blank: bool = False) -> CellValue:
    dec = None if value is None else Decimal(value)
    return CellValue(value=dec, raw=raw if raw is not None else ("" if blank else str(value)), is_blank=blank,
                     location="line 1")


def make_report(
    sha: str,
    *,
    year: int | None = 2021,
    layout: str = "2021",
    bureau: str = "平潭综合实验区某局",
    base: int = 1,
    findings: list[Finding] | None = None,
) -> ParsedReport:
    """A complete report whose section 三 cell (row i, column j) is ``base * 100 + i * 10 + j``
    except the total column, which is the row's sum, so the numbers are easy to predict."""
    spec = LAYOUTS[layout]
    applications: dict[str, list[CellValue]] = {}
    for i, row in enumerate(spec.app_rows):
        values = [base * 100 + i * 10 + j for j in range(len(spec.app_columns) - 1)]
        applications[row.key] = [cell(v) for v in values] + [cell(sum(values))]
    applications[spec.app_rows[1].key][0] = cell(0, blank=True)  # a blank cell stays distinguishable from 0
    review = [cell(base + c.index) for c in spec.review_cells]
    disclosure = []
    for block in spec.blocks:
        for item in block.items:
            for column in block.columns:
                if column.kind == "money":
                    disclosure.append(ActiveDisclosureCell(block.key, item.key, column.key,
                                                           cell("25.1", raw="251000元"), "万元"))
                else:
                    disclosure.append(ActiveDisclosureCell(block.key, item.key, column.key, cell(base + 2), "件"))
    return ParsedReport(
        source=f"/inbox/{sha}.txt",
        carrier="txt",
        sha256=sha,
        encoding="utf-8",
        bureau=bureau,
        year=year,
        layout=layout,
        title=f"{bureau}{year}年政府信息公开工作年度报告",
        applications=applications,
        review_litigation=review,
        active_disclosure=disclosure,
        narratives={"overview": "总体情况：依法公开。", "problems": "存在的问题：\n换行和“引号”。"},
        findings=list(findings or []),
    )


def batch(*entries: tuple[ParsedReport, str]) -> dict[str, pa.Table]:
    rows = [ReportRow(report=rep, report_id=rep.sha256[:20], source_path=path, parser_version="0.1", run_id="run-1")
            for rep, path in entries]
    return to_tables(rows)


def sha(n: int) -> str:
    return f"{n:04x}" + "ab" * 30  # the first 20 characters (the report id) differ


ERROR = Finding("identity.I2", "error", "（七）总计 ≠ 各项办理结果之和", Location("三", "（七）总计", "总计", "line 40"),
                expected="100", found="99")
WARNING = Finding("meta.year_conflict", "warning", "报告年度不一致", Location(source="line 1"))


# ---------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------

@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'db' / 'gongkai.duckdb'}"
        return
    if request.param == "sqlite":  # stands in for "any other SQLAlchemy database": the executemany fallback
        yield f"sqlite:///{tmp_path / 'gongkai.sqlite'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def wh(warehouse_url: str) -> Iterator[Warehouse]:
    warehouse = Warehouse.open(warehouse_url)
    yield warehouse
    warehouse.close()


def count(wh: Warehouse, table: str, where: str = "1=1") -> int:
    return wh.query(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}")["n"][0].as_py()


def sort_all(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names]).combine_chunks()


def assert_mirror_equals_warehouse(wh: Warehouse, root: str) -> None:
    for name in REPORT_TABLES:
        expected = pa.concat_tables([wh.export_table(name, y) for y in wh.years()]
                                    or [TABLE_SCHEMAS[name].empty_table()])
        got = read_mirror(root, name)
        assert got.schema.equals(TABLE_SCHEMAS[name]), name
        assert sort_all(got).equals(sort_all(expected)), name


# ---------------------------------------------------------------------------
# The suite
# ---------------------------------------------------------------------------

def test_backend_entry_is_chosen_by_url() -> None:
    assert backend_for("duckdb:///x.duckdb").capabilities.bulk_path == "arrow_register"
    assert backend_for("postgresql+psycopg://u@h/db").capabilities.bulk_path == "copy_csv"
    assert backend_for("sqlite:///x.db").capabilities.bulk_path == "executemany"


def test_open_creates_tables_dims_and_views_idempotently(warehouse_url: str) -> None:
    for _ in range(2):  # the second open must neither fail nor duplicate dimension rows
        with Warehouse.open(warehouse_url) as wh:
            for name in REPORT_TABLES + ("ingest_runs",):
                assert count(wh, name) == 0
            assert wh.query("SELECT version FROM schema_version")["version"].to_pylist() == [SCHEMA_VERSION]
            assert count(wh, "dim_app_row") == sum(len(lay.app_rows) for lay in LAYOUTS.values())
            assert count(wh, "dim_app_row", "layout = '2019'") == 23
            assert count(wh, "dim_app_row", "layout = '2021'") == 25
            assert count(wh, "dim_app_column") == 7
            assert count(wh, "dim_review_cell") == 15
            assert count(wh, "dim_disclosure") == sum(
                len(b.items) * len(b.columns) for lay in LAYOUTS.values() for b in lay.blocks)
            label = wh.query("SELECT label FROM dim_app_row WHERE layout = '2021' AND row_key = 'other_no_fee'")
            assert label["label"][0].as_py() == LAYOUTS["2021"].row("other_no_fee").label
            for view in VIEWS:
                assert wh.query(f"SELECT * FROM {view.name}").num_rows == 0, view.name


def test_default_url_is_duckdb_under_data_dir(tmp_path: Path) -> None:
    with Warehouse.open(data_dir=tmp_path / "nested" / "data") as wh:
        assert wh.backend.name == "duckdb"
    assert (tmp_path / "nested" / "data" / "gongkai.duckdb").exists()


def test_load_twice_leaves_one_copy(wh: Warehouse, tmp_path: Path) -> None:
    tables = batch((make_report(sha(1)), "a.txt"), (make_report(sha(2), year=2020, layout="2019"), "b.txt"))
    root = str(tmp_path / "mirror")
    first = wh.load(tables)
    write_mirror(wh, first.years, root)
    second = wh.load(tables)
    write_mirror(wh, second.years, root)

    assert first.years == second.years == (2020, 2021)
    assert second.replaced_report_ids == (sha(1)[:20], sha(2)[:20])
    for name in REPORT_TABLES:
        assert count(wh, name) == tables[name].num_rows, name
        assert second.rows_inserted[name] == second.rows_deleted[name] == tables[name].num_rows
        assert read_mirror(root, name).num_rows == tables[name].num_rows, name
    assert_mirror_equals_warehouse(wh, root)


def test_changed_file_at_same_path_becomes_a_new_version(wh: Warehouse, tmp_path: Path) -> None:
    root = str(tmp_path / "mirror")
    old = wh.load(batch((make_report(sha(1), year=2020, layout="2019"), "inbox/x.txt"),
                        (make_report(sha(2)), "inbox/y.txt")))
    write_mirror(wh, old.years, root)

    # x.txt was edited: new content (new report_id) and a corrected year. The old parse
    # stays as history (not current); the file's new content is current.
    new = wh.load(batch((make_report(sha(3), year=2021, base=5, bureau="乙局"), "inbox/x.txt")))
    write_mirror(wh, new.years, root)

    assert new.replaced_report_ids == ()
    assert new.superseded_report_ids == (sha(1)[:20],)
    assert new.years == (2020, 2021)  # 2020's report changed (no longer current), 2021 gained one
    rows = wh.query("SELECT report_id, is_current, superseded_by FROM reports ORDER BY report_id").to_pylist()
    assert rows == [
        {"report_id": sha(1)[:20], "is_current": False, "superseded_by": sha(3)[:20]},
        {"report_id": sha(2)[:20], "is_current": True, "superseded_by": None},
        {"report_id": sha(3)[:20], "is_current": True, "superseded_by": None},
    ]
    assert count(wh, "application_facts", f"report_id = '{sha(1)[:20]}'") > 0  # history keeps its facts
    assert wh.known_files() == {"inbox/x.txt": (sha(3), "0.1"), "inbox/y.txt": (sha(2), "0.1")}
    assert wh.export_table("reports", 2020)["is_current"].to_pylist() == [False]
    assert_mirror_equals_warehouse(wh, root)


def test_failed_load_changes_nothing(wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    wh.load(batch((make_report(sha(1)), "a.txt")))
    calls = {"n": 0}
    real = wh.backend.bulk_insert

    def fail_on_third(conn, table, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(conn, table, data)

    monkeypatch.setattr(wh, "backend", dataclasses.replace(wh.backend, bulk_insert=fail_on_third))
    with pytest.raises(RuntimeError, match="disk full"):
        wh.load(batch((make_report(sha(1), base=9), "a.txt")))
    row = wh.query("SELECT new_received_natural_person FROM v_applications_wide")
    assert row.to_pylist() == [{"new_received_natural_person": 100}]  # the base=1 numbers, intact
    assert count(wh, "reports") == 1


def test_bad_batch_is_rejected_before_touching_the_database(wh: Warehouse) -> None:
    tables = batch((make_report(sha(1)), "a.txt"), (make_report(sha(1)), "b.txt"))
    with pytest.raises(BatchError, match="more than once"):
        wh.load(tables)
    with pytest.raises(BatchError, match="unknown tables"):
        wh.load({"facts": tables["reports"]})
    two = batch((make_report(sha(1)), "a.txt"), (make_report(sha(2)), "b.txt"))
    with pytest.raises(BatchError, match="missing from table 'reports'"):
        wh.load({"reports": two["reports"].slice(0, 1), "application_facts": two["application_facts"]})
    with pytest.raises(BatchError, match="missing columns"):
        wh.load({"reports": tables["reports"].drop_columns(["bureau"])})
    assert count(wh, "reports") == 0


def test_wide_views_return_the_published_numbers(wh: Warehouse) -> None:
    wh.load(batch((make_report(sha(1), findings=[WARNING]), "a.txt"),
                  (make_report(sha(2), year=2020, layout="2019", base=3), "b.txt")))
    wide = {r["report_id"]: r for r in wh.query("SELECT * FROM v_applications_wide").to_pylist()}
    assert set(wide) == {sha(1)[:20], sha(2)[:20]}
    n_keys = len(wh.query("SELECT * FROM v_review_wide").column_names) - len(REVIEW_CELLS)
    assert len(next(iter(wide.values()))) == n_keys + len(app_row_keys()) * len(app_column_keys())

    r2021 = wide[sha(1)[:20]]
    assert (r2021["year"], r2021["layout"], r2021["status"]) == (2021, "2021", "flagged")
    assert r2021["new_received_total"] == sum(100 + j for j in range(6))
    assert r2021["carried_over_natural_person"] == 0  # the blank cell, loaded as 0
    i = LAYOUTS["2021"].app_row_keys.index("other_no_fee")
    assert r2021["other_no_fee_legal_service"] == 100 + i * 10 + 4
    assert r2021["other_total"] is None  # a 2019-only row

    r2019 = wide[sha(2)[:20]]
    i = LAYOUTS["2019"].app_row_keys.index("other")
    assert r2019["other_commercial"] == 300 + i * 10 + 1
    assert r2019["other_no_fee_total"] is None

    review = {r["report_id"]: r for r in wh.query("SELECT * FROM v_review_wide").to_pylist()}
    for c in REVIEW_CELLS:
        assert review[sha(2)[:20]][f"{c.group}_{c.outcome}"] == 3 + c.index

    blank = wh.query("SELECT is_blank, raw_text FROM application_facts "
                     f"WHERE report_id = '{sha(1)[:20]}' AND row_key = 'carried_over' AND column_key = 'natural_person'")
    assert blank.to_pylist() == [{"is_blank": True, "raw_text": ""}]
    money = wh.query("SELECT amount_wan_yuan, raw_text FROM disclosure_facts "
                     f"WHERE report_id = '{sha(1)[:20]}' AND block_key = 'art20_8'")
    assert money["raw_text"].to_pylist() == ["251000元"]
    # str(): raw SQL on the sqlite fallback returns REAL; DuckDB and PostgreSQL return Decimal.
    assert Decimal(str(money["amount_wan_yuan"][0].as_py())) == Decimal("25.1")


def test_findings_and_quarantine_views(wh: Warehouse) -> None:
    wh.load(batch((make_report(sha(1), findings=[WARNING, ERROR], bureau="甲局"), "a.txt"),
                  (make_report(sha(2), findings=[WARNING], bureau="乙局"), "b.txt")))
    findings = wh.query("SELECT bureau, code, source_path FROM v_findings ORDER BY bureau, code").to_pylist()
    assert findings == [
        {"bureau": "乙局", "code": "meta.year_conflict", "source_path": "b.txt"},
        {"bureau": "甲局", "code": "identity.I2", "source_path": "a.txt"},
        {"bureau": "甲局", "code": "meta.year_conflict", "source_path": "a.txt"},
    ]
    quarantine = wh.query("SELECT report_id, code, message, row_label FROM v_quarantine").to_pylist()
    assert quarantine == [{"report_id": sha(1)[:20], "code": "identity.I2", "message": ERROR.message,
                           "row_label": "（七）总计"}]


def test_unknown_year_round_trips(wh: Warehouse, tmp_path: Path) -> None:
    result = wh.load(batch((make_report(sha(1), year=None), "a.txt"), (make_report(sha(2)), "b.txt")))
    assert result.years == (None, 2021)
    root = str(tmp_path / "mirror")
    write_mirror(wh, result.years, root)
    assert (tmp_path / "mirror" / "reports" / "year=__HIVE_DEFAULT_PARTITION__").is_dir()
    assert wh.export_year(None)["reports"]["report_id"].to_pylist() == [sha(1)[:20]]
    assert_mirror_equals_warehouse(wh, root)


def test_runs_are_recorded(wh: Warehouse) -> None:
    run_id = wh.start_run("/inbox", {"glob": "*.txt", "城市": "平潭"})
    wh.finish_run(run_id, n_files=3, n_reports=2, n_errors=1, n_warnings=4, n_infos=5, status="finished")
    run = wh.query("SELECT * FROM ingest_runs").to_pylist()
    assert len(run) == 1
    assert run[0]["run_id"] == run_id and run[0]["status"] == "finished" and run[0]["n_warnings"] == 4
    assert run[0]["finished_at"] >= run[0]["started_at"]
    assert "平潭" in run[0]["parameters"]
    with pytest.raises(KeyError):
        wh.finish_run("no-such-run")


def test_memory_filesystem_mirror(wh: Warehouse) -> None:
    root = f"memory://gongkai-test-{uuid.uuid4().hex}"
    first = wh.load(batch((make_report(sha(1)), "a.txt"), (make_report(sha(2), year=2020, layout="2019"), "b.txt")))
    write_mirror(wh, first.years, root)
    write_mirror(wh, wh.load(batch((make_report(sha(1)), "a.txt"))).years, root)
    assert read_mirror(root, "reports").num_rows == 2
    assert_mirror_equals_warehouse(wh, root)


# ---------------------------------------------------------------------------
# DuckDB-only (fast) checks of the mirror itself
# ---------------------------------------------------------------------------

@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(data_dir=tmp_path / "data") as warehouse:
        yield warehouse


def test_readers_ignore_a_crashed_writers_leftovers(duck: Warehouse, tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    write_mirror(duck, duck.load(batch((make_report(sha(1)), "a.txt"))).years, str(root))
    stale = root / "reports" / ".staging-dead" / "year=2021"
    stale.mkdir(parents=True)
    (stale / "part-0.parquet").write_bytes((root / "reports" / "year=2021" / "part-0.parquet").read_bytes())
    assert read_mirror(str(root), "reports").num_rows == 1  # hidden staging dir not read
    write_mirror(duck, [2021], str(root))
    assert not (root / "reports" / ".staging-dead").exists()


def test_rebuild_mirror_drops_years_the_warehouse_lost(duck: Warehouse, tmp_path: Path) -> None:
    root = f"file://{tmp_path / 'mirror'}"
    write_mirror(duck, duck.load(batch((make_report(sha(1), year=2020, layout="2019"), "a.txt"))).years, root)
    duck.load(batch((make_report(sha(2)), "a.txt")))  # same path, now 2021; mirror not told
    with duck.engine.begin() as conn:  # versions keep history, so 2020 is lost only by hand
        for name in REPORT_TABLES:
            conn.exec_driver_sql(f"DELETE FROM {name} WHERE year = 2020")
    rebuild_mirror(duck, root)
    assert not (tmp_path / "mirror" / "reports" / "year=2020").exists()
    assert_mirror_equals_warehouse(duck, root)


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), min_size=1, max_size=7),
    raws=st.lists(_text, min_size=7, max_size=7),
    blanks=st.lists(st.one_of(st.none(), st.booleans()), min_size=7, max_size=7),
    amount=st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=8, allow_nan=False),
)
def test_warehouse_to_parquet_keeps_every_value(duck: Warehouse, tmp_path: Path, counts, raws, blanks,
                                                amount) -> None:
    report = make_report(sha(7))
    report.applications = {"new_received": [
        CellValue(value=None if c is None else Decimal(c), raw=r, is_blank=b, location=r)
        for c, r, b in zip(counts, raws, blanks)
    ]}
    report.active_disclosure = [ActiveDisclosureCell("art20_8", "fees", "fee_amount",
                                                     CellValue(value=amount, raw=raws[0]), "万元")]
    report.narratives = {"overview": "".join(raws)}
    tables = batch((report, "p.txt"))
    root = str(tmp_path / f"m-{uuid.uuid4().hex}")
    write_mirror(duck, duck.load(tables).years, root)
    for name in REPORT_TABLES:
        got = read_mirror(root, name).select(SCHEMAS[name].names)
        assert sort_all(got).equals(sort_all(tables[name])), name


def test_query_passes_sql_through_untouched(wh: Warehouse) -> None:
    wh.load(batch((make_report(sha(1), bureau="平潭%局"), "a.txt")))
    # '%' and ':' must reach the database as written (no driver placeholder parsing).
    got = wh.query("SELECT bureau, 'a:b' AS s FROM reports WHERE bureau LIKE '%\\%%' ESCAPE '\\'")
    assert got.to_pylist() == [{"bureau": "平潭%局", "s": "a:b"}]
