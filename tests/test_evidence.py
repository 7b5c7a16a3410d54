"""Evidence outside a row's digits: statements in the narrative, last year's report, the table's habit.

Generated reports pin each kind (seed 1, mess 3, run-together txt): a decision by the
evidence is taken only with its finding, and without the evidence the same cells stay
null. The generator also writes statements that contradict the table and previous
years that break identity 5/6; the round-trip tests check those never make a cell wrong.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from gongkai.synth import render_report
from gongkai.synth.compare import compare
from gongkai.synth.evidence import history_from_truth
from transforms.cells import RowReading
from transforms.evidence import LastYear, Check, bureau_key, history_from_tables, settle, shows_printed_zeros
from transforms.parse import parse_bytes
from transforms.report import CellValue, ParsedReport
from transforms.serialize import report_to_json
from transforms.splitting import Piece, Readings, Token
from transforms.statements import stated_numbers
from transforms.tables import ReportRow, to_tables


def _parse(index: int, history: bool):
    data, truth = render_report(1, index, 3, "txt")
    report = parse_bytes(data, "r.txt", history=history_from_truth(truth) if history else None)
    return report, report_to_json(report), truth


def _hows(out: dict) -> set[str]:
    found = {h for row in out["how"]["applications"].values() for h in row if h}
    found |= {h for h in out["how"]["review_litigation"] or () if h}
    found |= {a["how"] for a in out["active_disclosure"] if a["how"]}
    return found


def test_last_year_settles_carried_over_only_with_history() -> None:
    report, out, truth = _parse(3, history=True)
    assert "split_by_last_year" in _hows(out)
    assert any(f["code"] == "cell.split_by_evidence" and "年报告" in f["message"] for f in out["findings"])
    c = compare(truth, out)
    assert not c.wrong and c.correct_how.get("split_by_last_year")
    _, without, _ = _parse(3, history=False)
    assert "split_by_last_year" not in _hows(without)
    assert compare(truth, without).correct < c.correct


def test_a_statement_alone_decides_nothing() -> None:
    """A statement may be the publisher's slip that matches some reading (58 for 587): never alone."""
    report, out, truth = _parse(0, history=False)
    assert "split_by_narrative" not in _hows(out)
    assert not compare(truth, out).wrong


def test_run_together_row_with_subtotal_column_is_split_by_both_sums() -> None:
    report, out, truth = _parse(8, history=False)
    assert truth["features"]["subtotal_column"] and truth["features"]["run_together"]
    c = compare(truth, out)
    assert not c.wrong
    assert not [n for n in c.null if n[0] == "三"], c.null[:5]
    assert {e.label for e in report.extra_columns} == {"法人或其他组织小计"}


def _reading(*values: tuple[int, ...]) -> RowReading:
    cands = Readings([tuple(Piece(Decimal(v), str(v), False) for v in vs) for vs in values])
    return RowReading([CellValue(None, "", None) for _ in values[0]], "ambiguous", cands)


def test_conflicting_evidence_decides_nothing() -> None:
    reading = _reading((2, 20, 45), (22, 0, 45))
    kinds = ("count",) * 3
    a = Check("split_by_narrative", "正文“制发行政规范性文件2件”", lambda v: v[0] == 2)
    b = Check("split_by_last_year", "2020年报告", lambda v: v[0] == 22)
    s = settle(reading, [a, b], kinds, "line 1")
    assert s is not None and s.conflict and not s.newly
    assert all(c.value is None for c in reading.cells)


def test_a_statement_chooses_among_the_readings_last_year_allows() -> None:
    kinds = ("count",) * 3
    alone = _reading((2, 20, 45), (2, 204, 5), (22, 0, 45))
    s = settle(alone, [Check("split_by_narrative", "正文", lambda v: v[0] == 22)], kinds, "")
    assert s is not None and not s.newly and all(c.value is None for c in alone.cells)
    both = _reading((2, 20, 45), (2, 204, 5), (22, 0, 45), (22, 4, 5))
    last = Check("split_by_last_year", "2020年报告", lambda v: v[2] in (45,))  # keeps 2·20·45 and 22·0·45
    said = Check("split_by_narrative", "正文", lambda v: v[0] == 22)
    s = settle(both, [last, said], kinds, "")
    assert s.newly == [0, 1, 2] and [c.value for c in both.cells] == [22, 0, 45]


def test_evidence_that_fits_no_reading_is_ignored() -> None:
    reading = _reading((2, 20, 45), (22, 0, 45))
    s = settle(reading, [Check("split_by_narrative", "正文", lambda v: v[0] == 7)], ("count",) * 3, "")
    assert s is not None and s.ignored and not s.newly


def test_habit_needs_a_row_printing_every_cell_and_no_counter_example() -> None:
    kinds = ("count",) * 3
    zeros = RowReading([CellValue(Decimal(0), "0") for _ in kinds], "ok", tokens=(Token("000"),), token_count=1)
    assert shows_printed_zeros([(zeros, kinds)]) == (True, 1)
    vanished = RowReading([CellValue(Decimal(0), "", True) for _ in kinds], "recovered", token_count=0)
    assert shows_printed_zeros([(zeros, kinds), (vanished, kinds)])[0] is False


def test_statements_are_shared_with_the_rulebook() -> None:
    found = stated_numbers("本年度制发行政规范性文件8件，废止规范性文件2件。共收到政府信息公开申请23件，2020年收到申请5件。")
    assert ("docs_issued", 8) in [(q, n) for q, n, _ in found]
    assert ("docs_repealed", 2) in [(q, n) for q, n, _ in found]
    assert ("new_received", 23) in [(q, n) for q, n, _ in found]
    assert ("new_received", 5) not in [(q, n) for q, n, _ in found]


def test_history_from_warehouse_tables() -> None:
    report = ParsedReport(source="last.txt", carrier="txt", sha256="ab" * 32, bureau="平潭 公安局", year=2021,
                          layout="2021")
    report.applications["carried_forward"] = [CellValue(Decimal(v), str(v)) for v in (1, 0, 0, 0, 0, 0, 1)]
    tables = to_tables([ReportRow(report, "r1", "2021/last.txt", "v", "run")])
    history = history_from_tables(tables)
    last = history[(bureau_key("平潭公安局"), 2021)]
    assert last.carried_forward == tuple(Decimal(v) for v in (1, 0, 0, 0, 0, 0, 1))
    assert isinstance(last, LastYear) and "last.txt" in last.source
    assert history_from_tables({k: v.slice(0, 0) if isinstance(v, pa.Table) else v for k, v in tables.items()}) == {}


def test_the_flow_reads_last_years_report_from_the_warehouse(tmp_path) -> None:
    """Identity 6 across two runs: 2021 printed 现行有效 56; 2022 prints 行政规范性文件 as "5160",
    which alone reads 5·1·60, 5·16·0, 51·6·0 …; the ingest of 2022 hands the parser 2021's
    report from the warehouse and only 5·1·60 (56 + 5 − 1 = 60) is left."""
    from pathlib import Path

    from flows.ingest import annual_ingest
    from flows.settings import default_warehouse_url
    from warehouse.store import Warehouse

    text = (Path(__file__).resolve().parent.parent / "samples" / "real" / "004_pingtan_2021.txt").read_text(
        encoding="utf-8")
    assert "行政规范性文件693665" in text
    (tmp_path / "y2021").mkdir()
    (tmp_path / "y2022").mkdir()
    (tmp_path / "y2021" / "pt2021.txt").write_text(text.replace("行政规范性文件693665", "行政规范性文件0056"),
                                                   encoding="utf-8")
    later = text.replace("2021", "2022").replace("行政规范性文件693665", "行政规范性文件5160")
    (tmp_path / "y2022" / "pt2022.txt").write_text(later, encoding="utf-8")
    alone = report_to_json(parse_bytes(later.encode("utf-8"), "pt2022.txt"))
    assert [a["value"] for a in alone["active_disclosure"] if a["item"] == "行政规范性文件"] == [None] * 3
    data = tmp_path / "data"
    annual_ingest.fn(source=str(tmp_path / "y2021"), data_dir=str(data))
    annual_ingest.fn(source=str(tmp_path / "y2022"), data_dir=str(data))
    with Warehouse.open_readonly(url=default_warehouse_url(data), data_dir=str(data)) as wh:
        rows = wh.query("SELECT d.column_key, d.count, d.how FROM disclosure_facts d JOIN reports r USING (report_id) "
                        "WHERE r.year = 2022 AND d.item_key = 'normative_docs' ORDER BY d.column_key").to_pylist()
    assert {r["column_key"]: (r["count"], r["how"]) for r in rows} == {
        "issued": (5, "split_by_last_year"), "repealed": (1, "split_by_last_year"),
        "in_force": (60, "split_by_last_year")}
