"""Reruns over time (issue 5): unchanged files are skipped, a parser bump re-parses, a
resubmission becomes the new current version and the old one stays in history.

The sequence runs the flow body (``annual_ingest.fn``) on a landing folder of the
plain-text and HTML samples, and checks the warehouse and the Parquet mirror at
every step.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.ingest import annual_ingest
from flows.settings import default_warehouse_url
from transforms.tables import REPORT_TABLES

REPO = Path(__file__).resolve().parent.parent


def _q(data: Path, sql: str):
    from warehouse.store import Warehouse

    wh = Warehouse.open(url=default_warehouse_url(data))
    try:
        return wh.query(sql).to_pylist()
    finally:
        wh.close()


def _counts(data: Path) -> dict[str, int]:
    return {t: _q(data, f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in REPORT_TABLES}


def _mirror(data: Path) -> dict[str, int]:
    from warehouse.parquet import read_mirror

    return {t: read_mirror(str(data / "parquet"), t).num_rows for t in REPORT_TABLES}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    for src in [REPO / "samples/000_df7b48715d9f9e96.txt", *sorted((REPO / "samples/real").glob("*.txt")),
                REPO / "samples/real/030_pingtan_zrz_2023_page.html"]:
        shutil.copy(src, folder / src.name)
    return folder


def test_ingest_rerun_bump_resubmit(landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    n_files = len(list(landing.iterdir()))

    first = annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert first.files_parsed == n_files and first.reports_loaded == n_files
    counts = _counts(data)
    assert counts["reports"] == n_files and _mirror(data) == counts
    first_run = {r["report_id"]: r["run_id"] for r in _q(data, "SELECT report_id, run_id FROM reports")}

    # 1. rerun, nothing changed: nothing is parsed, nothing moves
    again = annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert again.files_parsed == 0 and again.files_skipped == n_files and again.reports_loaded == 0
    assert _counts(data) == counts and _mirror(data) == counts

    # 2. a newer parser: every file is parsed again, still one copy of each report
    import transforms.parse

    monkeypatch.setattr(transforms.parse, "PARSER_VERSION", transforms.parse.PARSER_VERSION + ".test1")
    bumped = annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert bumped.files_parsed == n_files and bumped.reports_loaded == n_files
    assert _counts(data) == counts and _mirror(data) == counts
    rows = _q(data, "SELECT report_id, run_id, parser_version FROM reports")
    assert {r["parser_version"] for r in rows} == {transforms.parse.PARSER_VERSION}
    assert all(first_run[r["report_id"]] != r["run_id"] for r in rows)

    # 3. a bureau resubmits 2021 with changed numbers: a new current version, history kept
    original = (landing / "008_pingtan_gaj_2021.txt").read_text(encoding="utf-8")
    corrected = original.replace("四、结转下年度继续办理1000001", "四、结转下年度继续办理0000000")
    assert corrected != original
    (landing / "008_pingtan_gaj_2021-corrected.txt").write_text(corrected, encoding="utf-8")
    resubmit = annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert resubmit.files_parsed == 1 and resubmit.reports_loaded == 1
    after = _counts(data)
    assert after["reports"] == counts["reports"] + 1 and _mirror(data) == after
    versions = _q(data, "SELECT version_no, is_current, source_path FROM reports "
                        "WHERE bureau = '平潭综合实验区公安局' AND year = 2021 ORDER BY version_no")
    assert [(v["version_no"], v["is_current"]) for v in versions] == [(1, False), (2, True)]
    assert versions[1]["source_path"].endswith("008_pingtan_gaj_2021-corrected.txt")
    wide = _q(data, "SELECT carried_forward_total, status FROM v_applications_wide "
                    "WHERE bureau = '平潭综合实验区公安局' AND is_current")
    assert wide == [{"carried_forward_total": 0, "status": "clean"}]  # the corrected report adds up
    # the old version's facts are still there for history
    old = _q(data, "SELECT COUNT(*) AS n FROM application_facts f JOIN reports r USING (report_id) "
                   "WHERE r.bureau = '平潭综合实验区公安局' AND NOT r.is_current")
    assert old[0]["n"] == 25 * 7


def test_the_gate_holds_back_and_releases(tmp_path: Path) -> None:
    """Issue 4's gate end to end: a quarantined report is kept but counted by no analyst view,
    and leaves quarantine by itself when a rerun (here: after the office relaxes a rule) or a
    corrected submission clears it."""
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(REPO / "samples/real/008_pingtan_gaj_2021.txt", landing)  # publishes 2 × identity.I1
    data = tmp_path / "data"
    bureau = "平潭综合实验区公安局"

    def state() -> dict[str, object]:
        return {
            "status": _q(data, f"SELECT status FROM reports WHERE bureau = '{bureau}' AND is_current")[0]["status"],
            "quarantine_codes": sorted({r["code"] for r in _q(data, "SELECT code FROM v_quarantine")}),
            "counted": [r["new_received_total"] for r in _q(
                data, "SELECT new_received_total FROM v_applications_wide WHERE is_current")],
            "kept": [r["new_received_total"] for r in _q(
                data, "SELECT new_received_total FROM v_applications_wide_all WHERE is_current")],
            "yoy": _q(data, "SELECT COUNT(*) AS n FROM v_bureau_year_over_year")[0]["n"],
            "review": _q(data, "SELECT COUNT(*) AS n FROM v_review_wide")[0]["n"],
            "disclosure": _q(data, "SELECT COUNT(*) AS n FROM v_disclosure_wide")[0]["n"],
        }

    held = {"status": "quarantined", "quarantine_codes": ["identity.I1"], "counted": [], "kept": [1],
            "yoy": 0, "review": 0, "disclosure": 0}
    annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert state() == held

    # A rerun after the office makes identity 1 a warning releases it (flagged, still reported) ...
    relaxed = tmp_path / "rules.toml"
    relaxed.write_text('[severities]\n"identity.I1" = "warning"\n', encoding="utf-8")
    annual_ingest.fn(source=str(landing), data_dir=str(data), force=True, rules_config=str(relaxed))
    assert state() == {"status": "flagged", "quarantine_codes": [], "counted": [1], "kept": [1],
                       "yoy": 1, "review": 1, "disclosure": 1}
    flagged = _q(data, "SELECT code, severity FROM v_findings WHERE is_current AND code = 'identity.I1'")
    assert [f["severity"] for f in flagged] == ["warning", "warning"]

    # ... a rerun with the default rules holds it back again ...
    annual_ingest.fn(source=str(landing), data_dir=str(data), force=True)
    assert state() == held

    # ... and the bureau's corrected submission (tables add up) releases it as version 2.
    shutil.copy(REPO / "tests/data/008_pingtan_gaj_2021-corrected.txt", landing)
    annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert state() == {"status": "flagged", "quarantine_codes": [], "counted": [3], "kept": [3],
                       "yoy": 1, "review": 1, "disclosure": 1}
    versions = _q(data, f"SELECT version_no, status FROM reports WHERE bureau = '{bureau}' ORDER BY version_no")
    assert versions == [{"version_no": 1, "status": "quarantined"}, {"version_no": 2, "status": "flagged"}]
