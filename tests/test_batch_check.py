"""The rulebook as the flow calls it: history from the warehouse, Data Docs on disk."""

from __future__ import annotations

from pathlib import Path

from expectations.batch import check_batch
from transforms.parse import parse_bytes, parse_file
from transforms.tables import ReportRow, report_id_for, to_tables

REPO = Path(__file__).resolve().parent.parent


def _rows(*reports):
    return [ReportRow(r, report_id_for(r.sha256), r.source, "t", "t") for r in reports]


def test_cross_year_against_the_warehouse(tmp_path: Path) -> None:
    from warehouse.store import Warehouse

    text = (REPO / "samples/real/008_pingtan_gaj_2021.txt").read_text(encoding="utf-8")
    carried_over = "二、上年结转政府信息公开申请数量0000000"
    assert carried_over in text  # 2021 carried 0 over and 1 (自然人, 总计) forward to 2022
    # the same bureau's 2022 report: once saying it carried over 0 (contradicting 2021's
    # 结转下年度 of 1), once saying 1 — only the first may raise identity.I5
    contradicting = text.replace("2021", "2022")
    consistent = contradicting.replace(carried_over, "二、上年结转政府信息公开申请数量1000001")
    assert consistent != contradicting
    wh = Warehouse.open(url=f"duckdb:///{tmp_path}/w.duckdb")
    try:
        wh.load(to_tables(_rows(parse_file(REPO / "samples/real/008_pingtan_gaj_2021.txt"))))
        report = parse_bytes(contradicting.encode("utf-8"), "008_2022.txt")
        assert report.year == 2022
        assert [c.value for c in report.applications["carried_over"]] == [0] * 7
        tables = to_tables(_rows(report))
        result = check_batch(tables, warehouse=wh, run_id="r1", docs_dir=tmp_path / "docs")
        codes = {f.code for f in result.findings[report_id_for(report.sha256)]}
        assert "identity.I5" in codes  # 上年结转 2022 ≠ 结转下年度 2021
        assert result.data_docs and result.data_docs.exists()
        assert "identity.I5" in result.summary_markdown
        # a 2022 report that carries over what 2021 carried forward passes the same check
        agreeing = parse_bytes(consistent.encode("utf-8"), "008_2022_consistent.txt")
        assert [c.value for c in agreeing.applications["carried_over"]] == [1, 0, 0, 0, 0, 0, 1]
        fine = check_batch(to_tables(_rows(agreeing)), warehouse=wh, run_id="r2")
        assert "identity.I5" not in {f.code for f in fine.findings[report_id_for(agreeing.sha256)]}
        # without the warehouse there is no history to compare with
        alone = check_batch(tables)
        assert "identity.I5" not in {f.code for f in alone.findings[report_id_for(report.sha256)]}
    finally:
        wh.close()


def test_ingest_writes_data_docs_and_rule_summary(tmp_path: Path) -> None:
    import shutil

    from flows.ingest import annual_ingest

    landing = tmp_path / "in"
    landing.mkdir()
    shutil.copy(REPO / "samples/real/008_pingtan_gaj_2021.txt", landing)
    summary = annual_ingest.fn(source=str(landing), data_dir=str(tmp_path / "data"),
                               registry=str(REPO / "tests/data/registry_sample.csv"))
    assert summary.findings_by_code.get("identity.I1") == 2
    assert summary.data_docs and Path(summary.data_docs[0]).exists()
    assert str(tmp_path / "data" / "datadocs") in summary.data_docs[0]
    # the run's own page links each batch's and adds them up
    index = Path(summary.data_docs_index)
    assert index == Path(summary.data_docs[0]).parent.parent / "index.html"
    page = index.read_text(encoding="utf-8")
    assert 'href="batch-0001/index.html"' in page and "identity.I1" in page
    assert "共 1 份报告" in page and "隔离 1" in page
    assert "http" not in page  # nothing fetched from the network: readable offline
    assert "What each rule checked" in summary.to_markdown()


def test_severity_overrides_grade_the_parsers_findings_too(tmp_path: Path) -> None:
    """The office's config re-grades every finding before the gate, not only the rulebook's:
    the truncated seed submission is quarantined by the parser's table.* / section.* errors,
    and flagged once those families are warnings."""
    report = parse_file(REPO / "samples/000_df7b48715d9f9e96.txt")
    tables = to_tables(_rows(report))
    parser_errors = {f.code for f in report.findings if f.severity == "error"}
    assert parser_errors and all(c.startswith(("table.", "section.")) for c in parser_errors)

    default = check_batch(tables).apply(tables)
    assert default["reports"]["status"].to_pylist() == ["quarantined"]
    assert default["reports"]["n_errors"].to_pylist()[0] >= len(parser_errors)

    config = tmp_path / "rules.toml"
    config.write_text('[severities]\n"table.*" = "warning"\n"section.*" = "warning"\n'
                      '"cell.split_recovered" = "off"\n', encoding="utf-8")
    relaxed = check_batch(tables, config=config).apply(tables)
    assert relaxed["reports"]["status"].to_pylist() == ["flagged"]
    assert relaxed["reports"]["n_errors"].to_pylist() == [0]
    graded = relaxed["findings"].to_pylist()
    assert {f["severity"] for f in graded if f["code"].startswith(("table.", "section."))} == {"warning"}
    assert "cell.split_recovered" not in {f["code"] for f in graded}
    assert [f["finding_no"] for f in graded] == list(range(len(graded)))
    # the facts are the parser's, untouched by grading
    assert relaxed["application_facts"].equals(tables["application_facts"])
