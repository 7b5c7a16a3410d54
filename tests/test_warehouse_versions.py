"""Report versions, the bureau registry and the in-place upgrade from schema version 1.

Runs on every backend of ``tests/test_warehouse.py`` (DuckDB, PostgreSQL when
``GONGKAI_TEST_POSTGRES_URL`` is set, SQLite as the generic fallback). Real parsed
samples where a real report says it best; hand-built reports where the test needs
a number it can predict.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from test_warehouse import batch, count, make_report, sha, warehouse_url, wh  # noqa: F401  (fixtures)

from transforms.parse import parse_bytes
from transforms.tables import REPORT_TABLES, ReportRow, report_id_for, to_tables
from warehouse import RegistryError, SchemaVersionError, Warehouse
from warehouse.backends import backend_for
from warehouse.schema import SCHEMA_VERSION, report_tables

REPO = Path(__file__).resolve().parent.parent
GAJ = REPO / "samples" / "real" / "008_pingtan_gaj_2021.txt"
GAJ_CORRECTED = REPO / "tests" / "data" / "008_pingtan_gaj_2021-corrected.txt"
REGISTRY = REPO / "tests" / "data" / "registry_sample.csv"


def rid(n: int) -> str:
    return sha(n)[:20]


def assert_at_most_one_current(wh: Warehouse) -> None:
    """The invariant readers rely on: never two current versions of one bureau-year (or file)."""
    doubles = wh.query("SELECT version_key, COUNT(*) AS n FROM reports WHERE is_current "
                       "GROUP BY version_key HAVING COUNT(*) > 1")
    assert doubles.num_rows == 0, doubles.to_pylist()


def versions(wh: Warehouse) -> list[dict]:
    """Every version, ordered by key (in code-point order, whatever the database's collation) and number."""
    rows = wh.query("SELECT version_key, report_id, version_no, is_current, superseded_by FROM reports").to_pylist()
    rows.sort(key=lambda r: (r["version_key"], r["version_no"]))
    return [{k: v for k, v in r.items() if k != "version_key"} for r in rows]


# ---------------------------------------------------------------------------
# Versions with a real sample: load, reload, resubmit with changed numbers
# ---------------------------------------------------------------------------

def _resubmitted_gaj() -> bytes:
    """008 with 3 new applications instead of 1, all closed as 其他, none carried forward (I1-I3 hold).

    A file (``tests/data``) rather than an edit in code, so ``docs/make_queries.py`` loads the
    same corrected resubmission into the warehouse its answers come from.
    """
    return GAJ_CORRECTED.read_bytes()


def test_the_corrected_resubmission_differs_from_008_only_in_the_fixed_rows() -> None:
    text = GAJ.read_text(encoding="utf-8")
    text = text.replace("申请数量1000001二、", "申请数量3000003二、", 1)
    text = text.replace("3.其他1000001（七）总计1000001四、结转下年度继续办理1000001",
                        "3.其他3000003（七）总计3000003四、结转下年度继续办理0000000", 1)
    assert text.encode("utf-8") == _resubmitted_gaj()


def _tables(data: bytes, path: str):  # type: ignore[no-untyped-def]
    report = parse_bytes(data, path)
    return to_tables([ReportRow(report, report_id_for(report.sha256), path, "0.2.0", "run")])


def test_load_reload_resubmit_with_a_real_report(wh: Warehouse) -> None:
    original = _tables(GAJ.read_bytes(), "inbox/2021/gaj.txt")
    first = wh.load(original)
    old_id = first.report_ids[0]
    assert versions(wh) == [{"report_id": old_id, "version_no": 1, "is_current": True, "superseded_by": None}]

    # The same bytes again (a rerun, or a parser bump): replaced in place, still one copy.
    again = wh.load(_tables(GAJ.read_bytes(), "inbox/2021/gaj.txt"))
    assert again.replaced_report_ids == (old_id,) and again.superseded_report_ids == ()
    for name in REPORT_TABLES:
        assert count(wh, name) == original[name].num_rows, name
    assert versions(wh)[0]["version_no"] == 1

    # The bureau resubmits 2021 with changed numbers, as a new file.
    resubmitted = _tables(_resubmitted_gaj(), "inbox/2021/gaj-corrected.txt")
    assert resubmitted["reports"]["status"].to_pylist() == ["clean"]
    third = wh.load(resubmitted)
    new_id = third.report_ids[0]
    assert third.superseded_report_ids == (old_id,) and third.years == (2021,)
    assert versions(wh) == [
        {"report_id": old_id, "version_no": 1, "is_current": False, "superseded_by": new_id},
        {"report_id": new_id, "version_no": 2, "is_current": True, "superseded_by": None},
    ]
    assert count(wh, "application_facts", f"report_id = '{old_id}'") == 25 * 7  # history keeps its facts
    current = wh.query("SELECT report_id, new_received_total, carried_forward_total FROM v_applications_wide "
                       "WHERE is_current").to_pylist()
    assert current == [{"report_id": new_id, "new_received_total": 3, "carried_forward_total": 0}]
    summary = wh.query("SELECT year, n_reports, new_received_total FROM v_region_year_summary").to_pylist()
    assert summary == [{"year": 2021, "n_reports": 1, "new_received_total": 3}]
    stamps = wh.query(f"SELECT superseded_at, (SELECT accepted_at FROM reports WHERE report_id = '{new_id}') AS a "
                      f"FROM reports WHERE report_id = '{old_id}'").to_pylist()[0]
    assert stamps["superseded_at"] == stamps["a"]

    # Re-running the old file does not make it current again: history keeps its order.
    wh.load(_tables(GAJ.read_bytes(), "inbox/2021/gaj.txt"))
    assert [v["is_current"] for v in versions(wh)] == [False, True]
    assert_at_most_one_current(wh)


# ---------------------------------------------------------------------------
# Versions with hand-built reports
# ---------------------------------------------------------------------------

def test_two_versions_in_one_batch_the_later_row_is_current(wh: Warehouse) -> None:
    wh.load(batch((make_report(sha(1), bureau="甲局"), "a.docx"), (make_report(sha(2), bureau="甲局", base=4), "a.pdf"),
                  (make_report(sha(3), bureau="乙局"), "b.txt")))
    assert versions(wh) == [  # 乙 sorts before 甲
        {"report_id": rid(3), "version_no": 1, "is_current": True, "superseded_by": None},
        {"report_id": rid(1), "version_no": 1, "is_current": False, "superseded_by": rid(2)},
        {"report_id": rid(2), "version_no": 2, "is_current": True, "superseded_by": None},
    ]
    assert count(wh, "v_applications_wide", "is_current") == 2
    assert count(wh, "v_applications_wide") == 3  # one row per report version


def test_reports_without_bureau_or_year_are_versions_of_their_file(wh: Warehouse) -> None:
    wh.load(batch((make_report(sha(1), bureau=None), "inbox/x.txt"), (make_report(sha(2), year=None), "inbox/y.txt")))
    keys = wh.query("SELECT version_key FROM reports ORDER BY report_id")["version_key"].to_pylist()
    assert keys == ["path:inbox/x.txt", "path:inbox/y.txt"]
    result = wh.load(batch((make_report(sha(3), bureau=None, base=2), "inbox/x.txt")))
    assert result.superseded_report_ids == (rid(1),)
    assert wh.query("SELECT report_id FROM reports WHERE is_current ORDER BY report_id")["report_id"].to_pylist() \
        == [rid(2), rid(3)]
    assert_at_most_one_current(wh)


def test_failed_resubmission_leaves_the_old_version_current(wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    wh.load(batch((make_report(sha(1)), "a.txt")))
    real = wh.backend.bulk_insert

    def fail_on_facts(conn, table, data):  # type: ignore[no-untyped-def]
        if table.name == "review_facts":
            raise RuntimeError("connection lost")
        return real(conn, table, data)

    monkeypatch.setattr(wh, "backend", dataclasses.replace(wh.backend, bulk_insert=fail_on_facts))
    with pytest.raises(RuntimeError, match="connection lost"):
        wh.load(batch((make_report(sha(2), base=9), "b.txt")))
    assert versions(wh) == [{"report_id": rid(1), "version_no": 1, "is_current": True, "superseded_by": None}]
    assert count(wh, "application_facts", f"report_id = '{rid(2)}'") == 0


def test_concurrent_resubmissions_leave_one_current(warehouse_url: str) -> None:  # noqa: F811
    """Two writers (PostgreSQL allows them) loading versions of one bureau-year at once."""
    if not backend_for(warehouse_url).capabilities.concurrent_writers:
        pytest.skip("one writer at a time on this backend")
    writers = [Warehouse.open(warehouse_url) for _ in range(2)]
    try:
        writers[0].load(batch((make_report(sha(1)), "v1.txt")))
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def resubmit(wh: Warehouse, n: int) -> None:
            try:
                start.wait()
                wh.load(batch((make_report(sha(n), base=n), f"v{n}.txt")))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=resubmit, args=(wh, n)) for wh, n in zip(writers, (2, 3))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert count(writers[0], "reports") == 3 and count(writers[0], "reports", "is_current") == 1
        assert sorted(v["version_no"] for v in versions(writers[0])) == [1, 2, 3]
    finally:
        for wh in writers:
            wh.close()


# ---------------------------------------------------------------------------
# The bureau registry
# ---------------------------------------------------------------------------

def test_bureaus_come_from_titles_until_a_registry_is_loaded(wh: Warehouse) -> None:
    old_name, new_name = "平潭县公安局", "平潭综合实验区公安局"
    wh.load(batch((make_report(sha(1), bureau=old_name), "old.txt"), (make_report(sha(2), bureau="平潭综合实验区"), "q.txt")))
    wh.load(batch((make_report(sha(3), bureau=new_name, base=2), "new.txt")))
    bureaus = wh.query("SELECT bureau_id, bureau_name, is_registered FROM stg_bureaus").to_pylist()
    assert sorted(bureaus, key=lambda b: b["bureau_id"]) == [{"bureau_id": n, "bureau_name": n, "is_registered": False}
                       for n in sorted([old_name, new_name, "平潭综合实验区"])]
    assert count(wh, "reports", "is_current") == 3  # two names, two bureau-years, as far as anyone knows
    assert not wh.has_registry()  # bureaus named in titles are not a registry the roll-up rules can use

    result = wh.load_registry(REGISTRY)
    assert wh.has_registry()
    assert (result.bureaus, result.aliases) == (5, 3)
    assert result.relinked_report_ids == (rid(1), rid(3)) and result.years == (2021,)  # 3 is now version 2
    # The old name is an alias: its report is now the first version of the bureau's 2021.
    assert wh.query(f"SELECT bureau_id, version_no, is_current, superseded_by FROM reports "
                    f"WHERE report_id = '{rid(1)}'").to_pylist() == [
        {"bureau_id": new_name, "version_no": 1, "is_current": False, "superseded_by": rid(3)}]
    assert count(wh, "stg_bureaus") == 5 and count(wh, "stg_bureaus", "is_registered") == 5
    region = wh.query(f"SELECT region, level FROM v_reports WHERE report_id = '{rid(3)}'").to_pylist()
    assert region == [{"region": "平潭综合实验区", "level": "部门"}]

    missing = wh.query("SELECT bureau_name, year FROM v_missing_submissions").to_pylist()
    assert sorted(missing, key=lambda m: m["bureau_name"]) == [{"bureau_name": n, "year": 2021} for n in
                       sorted(["平潭综合实验区自然资源与生态环境局", "平潭综合实验区教育与体育局", "洛阳市交通运输局"])]
    submitted = wh.query("SELECT current_report_id, n_versions FROM v_submissions "
                         f"WHERE bureau_id = '{new_name}' AND year = 2021").to_pylist()
    assert submitted == [{"current_report_id": rid(3), "n_versions": 2}]

    # With a registry, a bureau it does not list stays unresolved instead of joining the registry.
    wh.load(batch((make_report(sha(4), bureau="某某局"), "x.txt")))
    assert wh.query(f"SELECT bureau_id, version_key FROM reports WHERE report_id = '{rid(4)}'").to_pylist() == [
        {"bureau_id": None, "version_key": "name:某某局|year:2021"}]
    assert count(wh, "stg_bureaus") == 5
    assert_at_most_one_current(wh)


def test_registry_from_a_url_and_bad_registries(wh: Warehouse, tmp_path: Path) -> None:
    import fsspec

    url = f"memory://gongkai-{uuid.uuid4().hex}/registry.csv"
    with fsspec.open(url, "wb") as f:
        f.write("\ufeffbureau,region,parent,level\n甲局,甲市,,市\n乙局,甲市,甲局,部门\n".encode())
    assert wh.load_registry(url).bureaus == 2
    assert wh.query("SELECT parent_bureau_id FROM stg_bureaus WHERE bureau_id = '乙局'").to_pylist() == [
        {"parent_bureau_id": "甲局"}]

    bad = {
        "bureau,region,level\n甲局,甲市,市\n": "missing columns",
        "bureau,region,parent,level\n甲局,甲市,丙局,市\n": "parent '丙局'",
        "bureau,region,parent,level\n甲局,甲市,,市\n甲局,甲市,,市\n": "listed twice",
        "bureau,region,parent,level,aliases\n甲局,甲市,,市,\n乙局,甲市,,市,甲局\n": "already names another bureau",
        "bureau,region,parent,level\n,甲市,,市\n": "line 2: column 'bureau' is empty",
    }
    for n, (text, message) in enumerate(bad.items()):
        path = tmp_path / f"bad{n}.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RegistryError, match=message):
            wh.load_registry(path)
    assert count(wh, "stg_bureaus") == 2  # a bad file changes nothing


# ---------------------------------------------------------------------------
# Upgrade from schema version 1 (the schema of commit ff38b7b)
# ---------------------------------------------------------------------------

_TS = "TIMESTAMP WITH TIME ZONE"
V1_DDL: tuple[str, ...] = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL, PRIMARY KEY (version))",
    f"""CREATE TABLE reports (report_id TEXT NOT NULL, year INTEGER, bureau TEXT, layout TEXT, status TEXT,
        title TEXT, source_path TEXT, content_sha256 TEXT, carrier TEXT, encoding TEXT, parser_version TEXT,
        run_id TEXT, n_errors INTEGER, n_warnings INTEGER, n_blank_cells INTEGER, loaded_at {_TS},
        PRIMARY KEY (report_id))""",
    """CREATE TABLE application_facts (report_id TEXT, year INTEGER, row_key TEXT, column_key TEXT, count BIGINT,
        is_blank BOOLEAN, is_recovered BOOLEAN, raw_text TEXT, source_location TEXT)""",
    """CREATE TABLE review_facts (report_id TEXT, year INTEGER, group_key TEXT, outcome_key TEXT, count BIGINT,
        is_blank BOOLEAN, is_recovered BOOLEAN, raw_text TEXT, source_location TEXT)""",
    """CREATE TABLE disclosure_facts (report_id TEXT, year INTEGER, block_key TEXT, item_key TEXT,
        column_key TEXT, count BIGINT, amount_wan_yuan NUMERIC(24, 8), is_blank BOOLEAN, is_recovered BOOLEAN,
        raw_text TEXT, source_location TEXT)""",
    "CREATE TABLE narratives (report_id TEXT, year INTEGER, section_key TEXT, text TEXT)",
    """CREATE TABLE findings (report_id TEXT, year INTEGER, finding_no INTEGER, code TEXT, severity TEXT,
        message TEXT, section TEXT, row_label TEXT, column_label TEXT, source_location TEXT, expected TEXT,
        found TEXT)""",
    f"""CREATE TABLE ingest_runs (run_id TEXT NOT NULL, started_at {_TS} NOT NULL, finished_at {_TS}, source TEXT,
        n_files INTEGER, n_reports INTEGER, n_errors INTEGER, n_warnings INTEGER, n_infos INTEGER,
        status TEXT NOT NULL, parameters TEXT, PRIMARY KEY (run_id))""",
    # A view of version 1 over reports, so the upgrade must get past dependent views.
    """CREATE VIEW v_findings AS SELECT f.report_id, f.year, r.bureau, f.code FROM findings f
        JOIN reports r ON r.report_id = f.report_id""",
)


V1_ABSENT = {"how"}  # fact columns of later schema versions


def make_v1_warehouse(url: str) -> dict[str, int]:
    """A version-1 database holding three reports (two of 甲局 2021, loaded a day apart); returns row counts."""
    day = datetime(2022, 2, 1, tzinfo=timezone.utc)
    first = batch((make_report(sha(1), bureau="甲局"), "inbox/甲局.txt"),
                  (make_report(sha(3), bureau="乙局", year=2020, layout="2019"), "inbox/乙局.txt"))
    second = batch((make_report(sha(2), bureau="甲局", base=7), "inbox/甲局-更正.txt"))
    backend_for(url).prepare_url(make_url(url))  # the database file's directory
    engine = create_engine(url)
    counts = {name: 0 for name in REPORT_TABLES}
    try:
        with engine.begin() as conn:
            for ddl in V1_DDL:
                conn.exec_driver_sql(ddl)
            conn.exec_driver_sql("INSERT INTO schema_version (version) VALUES (1)")
            for n, tables in enumerate((first, second)):
                for name in REPORT_TABLES:
                    # columns added after version 1 (``how``, schema 4) are not in the version-1 tables
                    keep = [c for c in tables[name].column_names if c not in V1_ABSENT]
                    rows = tables[name].select(keep).to_pylist()
                    if name == "reports":
                        for row in rows:
                            row["loaded_at"] = day + timedelta(days=n)
                    if rows:
                        typed = report_tables[name].c  # the types only, so drivers bind Decimal and datetime
                        target = sql_table(name, *(sql_column(c, typed[c].type) for c in keep))
                        conn.execute(insert(target), rows)
                    counts[name] += len(rows)
    finally:
        engine.dispose()
    return counts


def test_open_upgrades_a_version_1_warehouse_in_place(warehouse_url: str) -> None:  # noqa: F811
    counts = make_v1_warehouse(warehouse_url)
    for _ in range(2):  # the second open finds version 2 and changes nothing
        with Warehouse.open(warehouse_url) as wh:
            assert wh.query("SELECT version FROM schema_version")["version"].to_pylist() == [SCHEMA_VERSION]
            for name in REPORT_TABLES:
                assert count(wh, name) == counts[name], name
            assert versions(wh) == [
                {"report_id": rid(3), "version_no": 1, "is_current": True, "superseded_by": None},
                {"report_id": rid(1), "version_no": 1, "is_current": False, "superseded_by": rid(2)},
                {"report_id": rid(2), "version_no": 2, "is_current": True, "superseded_by": None},
            ]
            assert sorted(wh.query("SELECT bureau_id FROM stg_bureaus")["bureau_id"].to_pylist()) == ["乙局", "甲局"]
            wide = wh.query("SELECT report_id, new_received_natural_person FROM v_applications_wide "
                            "WHERE is_current AND bureau = '甲局'").to_pylist()
            assert wide == [{"report_id": rid(2), "new_received_natural_person": 700}]
            assert count(wh, "v_findings") == counts["findings"]
    with Warehouse.open(warehouse_url) as wh:  # and it loads like any other version-2 warehouse
        result = wh.load(batch((make_report(sha(4), bureau="甲局", base=8), "inbox/甲局-再更正.txt")))
        assert result.superseded_report_ids == (rid(2),)
        assert wh.query(f"SELECT version_no FROM reports WHERE report_id = '{rid(4)}'")["version_no"].to_pylist() == [3]
        assert_at_most_one_current(wh)


def test_a_newer_schema_is_refused(warehouse_url: str) -> None:  # noqa: F811
    Warehouse.open(warehouse_url).close()
    engine = create_engine(warehouse_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}")
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="newer"):
        Warehouse.open(warehouse_url)


def test_history_tables_returns_current_versions_of_the_asked_bureaus(tmp_path) -> None:
    from pathlib import Path

    from transforms.parse import parse_file
    from transforms.tables import ReportRow, report_id_for, to_tables
    from warehouse.store import Warehouse

    repo = Path(__file__).resolve().parent.parent
    wh = Warehouse.open(url=f"duckdb:///{tmp_path}/h.duckdb")
    try:
        rows = []
        for name in ("samples/real/004_pingtan_2021.txt", "samples/real/008_pingtan_gaj_2021.txt", "samples/000_df7b48715d9f9e96.txt"):
            report = parse_file(repo / name)
            rows.append(ReportRow(report, report_id_for(report.sha256), name, "t", "t"))
        wh.load(to_tables(rows))
        hist = wh.history_tables(["平潭综合实验区公安局", "洛阳市交通运输局"], [2020, 2021])
        assert sorted(hist["reports"].column("bureau").to_pylist()) == ["平潭综合实验区公安局", "洛阳市交通运输局"]
        assert hist["application_facts"].num_rows == 25 * 7 + 4 * 7
        assert wh.history_tables([], [2021])["reports"].num_rows == 0
        assert "name" in wh.registry_frame().columns
    finally:
        wh.close()


def test_incremental_versions_equal_a_full_recompute(wh: Warehouse) -> None:
    """A load reads only the version groups it touches; after every load of a random history
    (resubmissions, reloads of the same bytes, files changed in place, moves between years,
    reports without bureau or year) the stored versions equal a recompute over all reports."""
    import random

    from warehouse.history import as_input, read_meta, state_values
    from warehouse.versions import compute_versions

    rng = random.Random(5)
    bureaus, years, paths = ["甲局", "乙局", "丙局", None], [2020, 2021, None], [f"in/{i}.txt" for i in range(8)]
    made: dict[int, tuple] = {}  # sha number -> (bureau, year, path) as first loaded
    n = 0
    for _ in range(30):
        entries = []
        used: set[int] = set()
        for _ in range(rng.randint(1, 4)):
            if made and rng.random() < 0.3:  # the same bytes again (a rerun), possibly at another path
                k = rng.choice(sorted(made))
                if k in used:
                    continue
                bureau, year, path = made[k]
                path = rng.choice(paths) if rng.random() < 0.3 else path
            else:
                n += 1
                k = n
                bureau, year, path = rng.choice(bureaus), rng.choice(years), rng.choice(paths)
                made[k] = (bureau, year, path)
            used.add(k)
            entries.append((make_report(sha(k), bureau=bureau, year=year, base=k % 7 + 1), path))
        wh.load(batch(*entries))
        with wh.engine.connect() as conn:
            meta = read_meta(conn)
        expected = compute_versions([as_input(m) for m in meta.values()])
        stored = {rid: {c: m[c] for c in ("version_no", "is_current", "superseded_by")} for rid, m in meta.items()}
        assert stored == {rid: {c: state_values(s)[c] for c in ("version_no", "is_current", "superseded_by")}
                          for rid, s in expected.items()}
    assert n >= 40 and len(meta) == n
    assert_at_most_one_current(wh)


def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def test_views_are_rebuilt_only_when_the_code_that_made_them_changed(
        warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """An open by the same code leaves views and dimensions alone; another fingerprint or a lost view rebuilds."""
    import warehouse.store as store
    from warehouse.fingerprint import code_fingerprint

    Warehouse.open(warehouse_url).close()
    made: list[int] = []
    real = store.create_views
    monkeypatch.setattr(store, "create_views", lambda conn: (made.append(1), real(conn)))
    with Warehouse.open(warehouse_url) as wh:
        stored = wh.query("SELECT fingerprint FROM derived_objects")["fingerprint"].to_pylist()
        assert stored == [code_fingerprint(wh.engine.dialect.name)]
    assert made == []  # same code: nothing recompiled
    _execute(warehouse_url, "UPDATE derived_objects SET fingerprint = 'made by older code'")
    with Warehouse.open(warehouse_url) as wh:
        assert wh.query("SELECT count(*) AS n FROM v_applications_wide")["n"].to_pylist() == [0]
    assert made == [1]  # another fingerprint: views and dimensions made again, and recorded
    _execute(warehouse_url, "DROP VIEW v_findings")
    with Warehouse.open(warehouse_url) as wh:
        assert wh.query("SELECT count(*) AS n FROM v_findings")["n"].to_pylist() == [0]
    assert made == [1, 1]  # a view gone: made again even with the same fingerprint
