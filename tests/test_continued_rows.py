"""A row split across a page break is read as one row; page numbers and repeated headers never become values."""

from __future__ import annotations

from transforms.continued_rows import join_continued_rows
from transforms.document import Document, Paragraph, make_table
from transforms.parse import parse_bytes
from transforms.serialize import report_to_json

HEADER = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "", "", "", "", "", ""],
          ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
ROWS = [("一、本年新收政府信息公开申请数量", [5, 1, 0, 0, 0, 0, 6]), ("二、上年结转政府信息公开申请数量", [0] * 7),
        ("（一）予以公开", [3, 1, 0, 0, 0, 0, 4]), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [0] * 7),
        ("1.属于国家秘密", [0] * 7), ("2.其他法律行政法规禁止公开", [0] * 7), ("3.危及“三安全一稳定”", [0] * 7),
        ("4.保护第三方合法权益", [0] * 7), ("5.属于三类内部事务信息", [0] * 7), ("6.属于四类过程性信息", [0] * 7),
        ("7.属于行政执法案卷", [0] * 7), ("8.属于行政查询事项", [0] * 7), ("1.本机关不掌握相关政府信息", [2, 0, 0, 0, 0, 0, 2]),
        ("2.没有现成信息需要另行制作", [0] * 7), ("3.补正后申请内容仍不明确", [0] * 7), ("1.信访举报投诉类申请", [0] * 7),
        ("2.重复申请", [0] * 7), ("3.要求提供公开出版物", [0] * 7), ("4.无正当理由大量反复申请", [0] * 7),
        ("5.要求行政机关确认或重新出具已获取信息", [0] * 7),
        ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [0] * 7),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0] * 7),
        ("3.其他", [0] * 7), ("（七）总计", [5, 1, 0, 0, 0, 0, 6]), ("四、结转下年度继续办理", [0] * 7)]
SPLIT = 12  # 1.本机关不掌握相关政府信息: the row the page break cuts


def _tr(cells: list) -> str:
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _page(first_numbers: int, between: str, repeat_header: bool) -> bytes:
    """Section 三 in two HTML tables, the row at SPLIT split: label (+ first numbers) | break | rest."""
    head = "".join(_tr(r) for r in HEADER)
    one = head + "".join(_tr([label] + values) for label, values in ROWS[:SPLIT])
    label, values = ROWS[SPLIT]
    one += _tr([label] + values[:first_numbers] + [""] * (7 - first_numbers))
    two = (head if repeat_header else "") + _tr([""] + [""] * first_numbers + values[first_numbers:])
    two += "".join(_tr([label] + values) for label, values in ROWS[SPLIT + 1:])
    body = ("<p>某某县统计局2023年政府信息公开工作年度报告</p><p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>"
            "<p>三、收到和处理政府信息公开申请情况</p>"
            f"<table>{one}</table>{between}<table>{two}</table><p>四、政府信息公开行政复议、行政诉讼情况</p>")
    return f"<html><body>{body}</body></html>".encode("utf-8")


def _rows(data: bytes) -> dict:
    return report_to_json(parse_bytes(data, "split.html"))


def test_label_on_one_page_numbers_on_the_next_under_the_repeated_header() -> None:
    out = _rows(_page(0, "<p>- 3 -</p>", True))
    assert out["applications"]["unavailable_not_held"] == [2, 0, 0, 0, 0, 0, 2]
    assert out["applications"]["results_total"] == [5, 1, 0, 0, 0, 0, 6]
    joined = [f for f in out["findings"] if f["code"] == "table.row_continued"]
    assert len(joined) == 1 and "1.本机关不掌握相关政府信息" in joined[0]["message"] and "重复的表头" in joined[0]["message"]


def test_numbers_split_over_the_break_without_a_header() -> None:
    out = _rows(_page(3, "", False))
    assert out["applications"]["unavailable_not_held"] == [2, 0, 0, 0, 0, 0, 2]
    assert any(f["code"] == "table.row_continued" for f in out["findings"])


def test_the_page_number_between_is_never_a_value() -> None:
    out = _rows(_page(0, "<p>第 4 页</p>", False))
    assert 4 not in out["applications"]["unavailable_not_held"]
    assert out["applications"]["unavailable_not_held"] == [2, 0, 0, 0, 0, 0, 2]


def test_narrative_between_the_pieces_keeps_them_apart() -> None:
    """Text that is no page furniture: no break the document shows, so no join; the row is then known only
    as far as the table's identities settle it, and never wrong."""
    out = _rows(_page(0, "<p>注：本表数据来自申请登记台账。</p>", False))
    assert not any(f["code"] == "table.row_continued" for f in out["findings"])
    got = out["applications"].get("unavailable_not_held") or [None] * 7
    assert all(g in (None, e) for g, e in zip(got, [2, 0, 0, 0, 0, 0, 2])), got


def test_a_lone_number_after_a_label_only_row_is_not_joined() -> None:
    first = make_table([["行政许可", ""]], "t1")
    second = make_table([["", "7"]], "t2")
    doc = Document([first, second], "x.txt", "txt")
    out = join_continued_rows(doc)
    assert out.blocks[0].rows[0][1].text == "" and not out.reader_problems


def test_a_row_that_names_no_form_row_is_not_joined() -> None:
    first = make_table([["备注说明", "", ""]], "t1")
    second = make_table([["", "1", "2"]], "t2")
    assert not join_continued_rows(Document([first, Paragraph("- 2 -", "p"), second], "x.txt", "txt")).reader_problems


def test_overlapping_pieces_are_not_joined() -> None:
    first = make_table([["1.属于国家秘密", "1", "", ""]], "t1")
    second = make_table([["", "1", "2", "3"]], "t2")
    assert not join_continued_rows(Document([first, second], "x.txt", "txt")).reader_problems
