"""The seed submission: a real report that arrived truncated (三 cut off, 四 missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.parse import parse_file
from transforms.serialize import report_to_json

SEED = Path(__file__).resolve().parent.parent / "samples" / "000_df7b48715d9f9e96.txt"


@pytest.fixture(scope="module")
def seed() -> dict:
    return report_to_json(parse_file(SEED))


def test_metadata(seed: dict) -> None:
    assert (seed["bureau"], seed["year"], seed["layout"]) == ("洛阳市交通运输局", 2020, "2019")


def test_section_two_complete(seed: dict) -> None:
    cells = {(a["item"], a["column"]): (a["value"], a["unit"]) for a in seed["active_disclosure"]}
    assert len(cells) == 2 * 3 + 2 * 3 + 2 * 3 + 2 + 2
    assert cells[("行政许可", "处理决定数量")] == (165901, "件")
    assert cells[("政府集中采购", "采购项目数量")] == (1, "件")
    assert cells[("政府集中采购", "采购总金额")] == (1828, "万元")
    assert cells[("规范性文件", "对外公开总数量")] == (6, "件")
    assert all(v is not None for v, _ in cells.values())


def test_section_three_rows_read_and_cut(seed: dict) -> None:
    apps = seed["applications"]
    assert apps["new_received"] == [1, 0, 0, 0, 0, 0, 1]
    assert apps["carried_over"] == [0] * 7
    # the two cut rows have 6 numbers for 7 columns: which one is missing cannot be told
    assert apps["granted"] == [None] * 7
    assert apps["partially_granted"] == [None] * 7
    assert "results_total" not in apps


def test_findings_say_what_is_missing(seed: dict) -> None:
    by_code: dict[str, list[dict]] = {}
    for f in seed["findings"]:
        by_code.setdefault(f["code"], []).append(f)
    truncated = by_code["table.truncated"][0]
    assert truncated["severity"] == "error"
    assert truncated["location"]["section"] == "三"
    assert "（二）部分公开" in truncated["message"] and "（七）总计" in truncated["message"]
    assert "四、结转下年度继续办理" in truncated["message"]
    few = by_code["table.row_too_few_cells"]
    assert {f["location"]["row"] for f in few} == {"（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"}
    assert all("6个数字" in f["message"] and f["found"] for f in few)
    missing = [f for f in by_code["section.missing"] if f["location"]["section"] == "四"]
    assert missing and missing[0]["severity"] == "error"
    assert seed["review_litigation"] is None


def test_narratives_kept() -> None:
    report = parse_file(SEED)
    assert "基层政务公开标准化规范化推进情况" in report.narratives["overview"]
    assert "政策解读形式" in report.narratives["problems"]
    assert report.narratives["other"] == "无"
