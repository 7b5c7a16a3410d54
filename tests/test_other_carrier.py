"""The same report in another carrier of the batch reads what run-together text cannot.

Generated report 2 (seed 1, mess 3) as crawler text leaves 8 cells null (an ambiguous
run-together row); its HTML prints every number in its cell.
"""

from __future__ import annotations


from gongkai.synth import render_report
from gongkai.synth.compare import compare
from transforms.other_carrier import HOW, UNREAD_CODES, tables_with_other_carriers, take_from_other_carriers
from transforms.parse import parse_bytes
from transforms.serialize import report_to_json
from transforms.tables import ReportRow, to_tables

INDEX = 2


def _pair():
    txt, truth = render_report(1, INDEX, 3, "txt")
    html, _ = render_report(1, INDEX, 3, "html")
    return parse_bytes(txt, "batch/r2.txt"), parse_bytes(html, "batch/r2.html"), truth


def _null_keys(out: dict) -> set[tuple]:
    return {("三", k, i) for k, row in out["applications"].items() for i, v in enumerate(row) if v is None} | \
        {("四", i) for i, v in enumerate(out["review_litigation"] or ()) if v is None} | \
        {("二", a["block"], a["item"], a["column"]) for a in out["active_disclosure"] if a["value"] is None}


def test_a_txt_cell_is_read_from_the_html_of_the_same_report() -> None:
    txt, html, truth = _pair()
    before = report_to_json(txt)
    assert len(compare(truth, before).null) == 8
    assert any(f["code"] in UNREAD_CODES for f in before["findings"])
    assert take_from_other_carriers([txt, html]) == 8
    out = report_to_json(txt)
    c = compare(truth, out)
    assert not c.wrong and not c.null and c.correct_how.get(HOW) == 8
    notes = [f for f in out["findings"] if f["code"] == "cell.from_other_carrier"]
    assert notes and all(f["severity"] == "info" and "r2.html" in f["message"] for f in notes)
    # the rows read whole no longer carry the finding that said they could not be read
    assert not any(f["code"] in UNREAD_CODES for f in out["findings"])
    # the donor is untouched
    assert not any(h == HOW for row in report_to_json(html)["how"]["applications"].values() for h in row)


def test_carriers_that_disagree_on_a_cell_give_nothing() -> None:
    txt, html, truth = _pair()
    read = next(c for cells in txt.applications.values() for c in cells if c.value is not None)
    row = next(k for k, cells in txt.applications.items() if read in cells)
    i = txt.applications[row].index(read)
    html.applications[row][i].value = read.value + 1  # a corrected republication, or another report
    before = _null_keys(report_to_json(txt))
    assert take_from_other_carriers([txt, html]) == 0
    assert _null_keys(report_to_json(txt)) == before


def test_two_files_in_the_same_carrier_or_of_another_bureau_give_nothing() -> None:
    txt, html, _ = _pair()
    again, _ = render_report(1, INDEX, 3, "txt")
    assert take_from_other_carriers([txt, parse_bytes(again, "copy/r2.txt")]) == 0
    html.bureau = "另一个单位"
    assert take_from_other_carriers([txt, html]) == 0


def test_a_donor_cell_read_by_habit_is_not_passed_on() -> None:
    txt, html, _ = _pair()
    for cells in html.applications.values():
        for c in cells:
            c.how = "split_by_habit"
    for c in html.review_litigation or ():
        c.how = "split_by_habit"
    for a in html.active_disclosure:
        a.cell.how = "split_by_habit"
    assert take_from_other_carriers([txt, html]) == 0


def test_on_the_batch_tables_as_the_flow_does() -> None:
    txt, html, truth = _pair()
    tables = to_tables([ReportRow(txt, "t", "batch/r2.txt", "v", "run"), ReportRow(html, "h", "batch/r2.html", "v", "run")])
    status = dict(zip(tables["reports"].column("report_id").to_pylist(), tables["reports"].column("status").to_pylist()))
    assert status["t"] == "quarantined"
    out, n = tables_with_other_carriers(tables)
    assert n == 8
    taken = [r for name in ("application_facts", "review_facts", "disclosure_facts") for r in out[name].to_pylist()
             if r["how"] == HOW]
    assert len(taken) == 8 and {r["report_id"] for r in taken} == {"t"}
    assert all(r["count"] is not None or r["amount_wan_yuan"] is not None for r in taken)
    for name in ("application_facts", "review_facts", "disclosure_facts"):
        assert out[name].num_rows == tables[name].num_rows
    codes = [c for rid, c in zip(out["findings"].column("report_id").to_pylist(), out["findings"].column("code").to_pylist())
             if rid == "t"]
    assert "cell.from_other_carrier" in codes and not UNREAD_CODES & set(codes)
    # nothing to match: the tables come back as they were
    alone = to_tables([ReportRow(txt, "t", "batch/r2.txt", "v", "run")])
    assert tables_with_other_carriers(alone) == (alone, 0)


def test_the_flow_takes_cells_from_the_other_carrier_of_its_batch(tmp_path) -> None:
    from flows.ingest import annual_ingest
    from flows.settings import default_warehouse_url
    from warehouse.store import Warehouse

    txt, _ = render_report(1, INDEX, 3, "txt")
    html, _ = render_report(1, INDEX, 3, "html")
    src = tmp_path / "src"
    src.mkdir()
    (src / "r2.txt").write_bytes(txt)
    (src / "r2.html").write_bytes(html)
    data = tmp_path / "data"
    annual_ingest.fn(source=str(src), data_dir=str(data), workers=1)
    with Warehouse.open_readonly(url=default_warehouse_url(data), data_dir=str(data)) as wh:
        rows = wh.query("SELECT r.carrier, count(*) AS n FROM application_facts f JOIN reports r USING (report_id) "
                        f"WHERE f.how = '{HOW}' GROUP BY r.carrier UNION ALL "
                        "SELECT r.carrier, count(*) FROM disclosure_facts f JOIN reports r USING (report_id) "
                        f"WHERE f.how = '{HOW}' GROUP BY r.carrier UNION ALL "
                        "SELECT r.carrier, count(*) FROM review_facts f JOIN reports r USING (report_id) "
                        f"WHERE f.how = '{HOW}' GROUP BY r.carrier").to_pylist()
    assert sum(r["n"] for r in rows) == 8 and {r["carrier"] for r in rows} == {"txt"}
