"""The office's decisions (issue 11): the gate re-grades with them, they survive reruns of the same
bytes, a resubmission does not inherit them, and a report's error count agrees everywhere."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from flows.ingest import annual_ingest
from gongkai.cli import main
from flows.settings import default_warehouse_url
from warehouse.resolutions import ErrorFinding, Resolution, grade, loads, dumps, resolves

REPO = Path(__file__).resolve().parent.parent
GAJ = "008_pingtan_gaj_2021.txt"  # publisher's identity.I1 inconsistency, twice
PT21 = "004_pingtan_2021.txt"  # an ambiguous run-together row in section 二 (四 is read by the habit)


def _q(data: Path, sql: str) -> list[dict]:
    from warehouse.store import Warehouse

    wh = Warehouse.open(url=default_warehouse_url(data))
    try:
        return wh.query(sql).to_pylist()
    finally:
        wh.close()


def _report(data: Path, name: str) -> dict:
    (row,) = _q(data, f"SELECT * FROM reports WHERE source_path LIKE '%{name}' AND is_current")
    return row


def _gk(capsys: pytest.CaptureFixture[str], data: Path, *argv: str) -> str:
    assert main([*argv, "--data-dir", str(data)]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


@pytest.fixture
def landed(tmp_path: Path) -> tuple[Path, Path]:
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in (GAJ, PT21):
        shutil.copy(REPO / "samples" / "real" / name, landing / name)
    data = tmp_path / "data"
    annual_ingest.fn(source=str(landing), data_dir=str(data))
    return landing, data


def test_accept_resolves_survives_force_and_is_not_inherited(landed, capsys) -> None:
    landing, data = landed
    gaj = _report(data, GAJ)
    assert gaj["status"] == "quarantined" and gaj["n_errors"] == 2
    assert not _q(data, f"SELECT * FROM v_applications_wide WHERE report_id = '{gaj['report_id']}'")

    out = _gk(capsys, data, "resolve", "accept", gaj["report_id"], "--finding", "identity.I1",
              "--note", "publisher inconsistency acknowledged", "--by", "clerk")
    assert "status resolved" in out
    assert _report(data, GAJ)["status"] == "resolved"
    assert _report(data, GAJ)["n_errors"] == 2  # the findings stay; they are settled, not gone
    (wide,) = _q(data, f"SELECT new_received_total FROM v_applications_wide WHERE report_id = '{gaj['report_id']}'")
    assert wide["new_received_total"] == 1
    (res,) = _q(data, "SELECT * FROM v_resolutions")
    assert res["kind"] == "accept" and res["decided_by"] == "clerk" and res["content_sha256"] == gaj["content_sha256"]
    assert res["is_current"] and res["report_status"] == "resolved"
    from warehouse.parquet import read_mirror

    mirrored = read_mirror(str(data / "parquet"), "reports").to_pylist()
    assert {r["report_id"]: r["status"] for r in mirrored}[gaj["report_id"]] == "resolved"
    import pyarrow.parquet as pq

    assert pq.read_table(data / "parquet" / "resolutions" / "part-0.parquet").num_rows == 1

    # A forced rerun re-parses the same bytes and reloads them: the decision still applies.
    summary = annual_ingest.fn(source=str(landing), data_dir=str(data), force=True)
    assert summary.reports_by_status.get("resolved") == 1
    assert _report(data, GAJ)["status"] == "resolved"

    # A resubmission (new bytes) is a new version: quarantined again, the decision not applied.
    path = landing / GAJ
    path.write_bytes(path.read_bytes() + "\n（重新报送）\n".encode())
    annual_ingest.fn(source=str(landing), data_dir=str(data))
    new = _report(data, GAJ)
    assert new["report_id"] != gaj["report_id"] and new["version_no"] == 2
    assert new["status"] == "quarantined"
    (res,) = _q(data, "SELECT * FROM v_resolutions")
    assert res["report_id"] == gaj["report_id"] and not res["is_current"]
    assert not _q(data, f"SELECT * FROM v_applications_wide WHERE report_id = '{new['report_id']}'")


def test_set_values_resolve_ambiguous_rows_and_are_marked(landed, capsys) -> None:
    _, data = landed
    rep = _report(data, PT21)
    rid = rep["report_id"]
    assert rep["status"] == "quarantined"
    # a published number is never overridden
    assert main(["resolve", "set", rid, "--section", "三", "--row", "granted", "--column", "total", "--value", "5",
                 "--note", "x", "--data-dir", str(data)]) == 1
    assert "not overridden" in capsys.readouterr().err
    # a count is a whole number
    assert main(["resolve", "set", rid, "--section", "二", "--row", "normative_docs", "--column", "issued",
                 "--value", "1.5", "--note", "x", "--data-dir", str(data)]) == 1
    capsys.readouterr()
    _gk(capsys, data, "resolve", "set", rid, "--section", "二", "--row", "normative_docs", "--column", "issued",
        "--value", "69", "--note", "reading 1, checked on the published page")
    assert _report(data, PT21)["status"] == "quarantined"  # 废止 and 现行有效 are still unread
    _gk(capsys, data, "resolve", "set", rid, "--section", "二", "--row", "normative_docs",
        "--values", "69,3,665", "--note", "the published page")
    assert _report(data, PT21)["status"] == "resolved"
    # facts untouched; the views carry the office's value, marked
    (fact,) = _q(data, f"SELECT count FROM disclosure_facts WHERE report_id = '{rid}' AND item_key = 'normative_docs' "
                       "AND column_key = 'in_force'")
    assert fact["count"] is None
    (cell,) = _q(data, f"SELECT count, how FROM v_disclosure_cells WHERE report_id = '{rid}' "
                       "AND item_key = 'normative_docs' AND column_key = 'in_force'")
    assert cell == {"count": 665, "how": "resolved"}
    (dis,) = _q(data, f"SELECT art20_1_normative_docs_in_force FROM v_disclosure_wide WHERE report_id = '{rid}'")
    assert dis["art20_1_normative_docs_in_force"] == 665
    # the cells the parser read keep the parser's own how
    printed = _q(data, f"SELECT how FROM v_application_cells WHERE report_id = '{rid}' AND row_key = 'granted'")
    assert {r["how"] for r in printed} and {r["how"] for r in printed} <= {"split_by_row_sum", "split_by_column_identity"}
    (habit,) = _q(data, f"SELECT how FROM v_review_cells WHERE report_id = '{rid}' AND group_key = 'litigation_direct' "
                        "AND outcome_key = 'total'")
    assert habit["how"] == "split_by_habit"
    rollup = _q(data, "SELECT SUM(n_resolved) AS n FROM v_region_year_applications WHERE year = 2021")
    assert rollup[0]["n"] == 0  # section 三 was read; the resolved cells are in 二

    # export, withdraw everything, import: the same decisions and the same grades
    export = data.parent / "decisions.json"
    _gk(capsys, data, "resolve", "--export", str(export))
    decisions = json.loads(export.read_text(encoding="utf-8"))
    assert len(decisions) == 3 and {d["kind"] for d in decisions} == {"set_value"}  # the second set replaced the first
    _gk(capsys, data, "resolve", "withdraw", decisions[0]["resolution_id"])  # the command, once
    from warehouse.resolutions import withdraw
    from warehouse.store import Warehouse

    with Warehouse.open(url=default_warehouse_url(data)) as wh, wh.engine.begin() as conn:
        for d in decisions[1:]:
            withdraw(conn, d["resolution_id"])
    assert _report(data, PT21)["status"] == "quarantined"
    csv_file = data.parent / "decisions.csv"
    csv_file.write_text(dumps(loads(export.read_text(encoding="utf-8"), "json"), "csv"), encoding="utf-8")
    _gk(capsys, data, "resolve", "--import", str(csv_file))
    assert _report(data, PT21)["status"] == "resolved"
    assert len(_q(data, "SELECT * FROM resolutions")) == 3


def _res(kind: str, **kw) -> Resolution:
    return Resolution("r", "rid", "sha", None, None, kind, **kw)


def test_grade_needs_every_error_settled() -> None:
    i1 = ErrorFinding("identity.I1", "三", None, "natural_person", False, True)
    amb = ErrorFinding("cell.split_ambiguous", "四", None, None)
    unread = {("四", "litigation_direct", o) for o in ("upheld", "total")}
    accept = _res("accept", finding_code="identity.I1")
    assert grade(2, 0, [i1, amb], [accept], unread) == "quarantined"
    one = _res("set_value", section="四", row_key="litigation_direct", column_key="total", value=Decimal(1))
    assert grade(2, 0, [i1, amb], [accept, one], unread) == "quarantined"
    both = [one, _res("set_value", section="四", row_key="litigation_direct", column_key="upheld", value=Decimal(1))]
    assert grade(2, 0, [i1, amb], [accept, *both], unread) == "resolved"
    assert grade(2, 0, [i1, amb], [accept, *both, _res("reject")], unread) == "quarantined"
    # an accept narrowed to another column does not settle this one; values never settle an identity
    assert not resolves(i1, [_res("accept", finding_code="identity.I1", column_key="total")], set())
    assert not resolves(i1, both, unread)
    assert grade(0, 1, [], [_res("accept", finding_code="x")], set()) == "flagged"


def test_error_counts_agree_everywhere(tmp_path: Path, capsys) -> None:
    """Data Docs, the reports row, `gongkai findings` and the CLI summary give a report the same errors,
    the parser's findings included (a truncated submission has only those)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    for src in (REPO / "samples" / "000_df7b48715d9f9e96.txt", REPO / "samples" / "real" / GAJ):
        shutil.copy(src, landing / src.name)
    data = tmp_path / "data"
    summary = annual_ingest.fn(source=str(landing), data_dir=str(data))
    reports = {r["report_id"]: r for r in
               _q(data, "SELECT report_id, source_path, n_errors, n_warnings, status FROM reports")}
    (batch,) = summary.data_docs
    docs = json.loads((Path(batch).parent / "results.json").read_text(encoding="utf-8"))["reports"]
    listed = json.loads(_gk(capsys, data, "findings", "--severity", "error", "--format", "json"))
    for rid, r in reports.items():
        assert docs[rid]["errors"] == r["n_errors"] > 0
        assert docs[rid]["warnings"] == r["n_warnings"]
        assert docs[rid]["status"] == r["status"]
        assert sum(f["source_path"] == r["source_path"] for f in listed) == r["n_errors"]
    assert len(listed) == sum(r["n_errors"] for r in reports.values()) == summary.findings_by_severity["error"]
    html = Path(batch).read_text(encoding="utf-8")
    assert '<td class="num">0</td><td class="num">0</td><td class="num">0</td></tr>' not in html
