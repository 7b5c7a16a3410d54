"""Plain-text and HTML readers: spans, &nbsp;, <br>, split numbers, encodings."""

from __future__ import annotations

from transforms.document import Paragraph, Table
from transforms.parse import parse_bytes
from transforms.readers import read_document, sniff_carrier
from transforms.serialize import report_to_json

HTML = """<html><head><meta charset="utf-8"><title>某某县教育局2021年政府信息公开工作年度报告_某某县人民政府</title></head>
<body><div class="article">
<p>本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。</p>
<p>一、总体情况</p><p>我局认真落实条例。<!--[if !supportLists]-->（一）<!--[endif]-->主动公开</p>
<p>二、主动公开政府信息情况</p>
<table>
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>&nbsp;</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td><span>1</span><span>2</span></td><td>1</td><td>&nbsp;35&nbsp;</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">1,315</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政处罚</td><td colspan="3">35</td></tr>
<tr><td>行政强制</td><td colspan="3">0</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">251000元</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
<table>
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td><p>商业</p><p>企业</p></td><td>科研<br>机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
{rows}
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table>
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果<br/>纠正</td><td rowspan="2">其他<br/>结果</td><td rowspan="2">尚未<br/>审结</td><td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr>{lit_header}</tr>
<tr>{review}</tr>
</table>
<p>五、存在的主要问题及改进情况</p><p>问题若干。</p>
<p>六、其他需要报告的事项</p><p>无。</p>
</div></body></html>"""

ROWS_2021 = [
    ("一、本年新收政府信息公开申请数量", 3, None), ("二、上年结转政府信息公开申请数量", 3, None),
    ("（一）予以公开", 2, "三、本年度办理结果"), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 2, None),
    ("1.属于国家秘密", 1, "（三）不予公开"), ("2.其他法律行政法规禁止公开", 1, None), ("3.危及“三安全一稳定”", 1, None),
    ("4.保护第三方合法权益", 1, None), ("5.属于三类内部事务信息", 1, None), ("6.属于四类过程性信息", 1, None),
    ("7.属于行政执法案卷", 1, None), ("8.属于行政查询事项", 1, None),
    ("1.本机关不掌握相关政府信息", 1, "（四）无法提供"), ("2.没有现成信息需要另行制作", 1, None), ("3.补正后申请内容仍不明确", 1, None),
    ("1.信访举报投诉类申请", 1, "（五）不予处理"), ("2.重复申请", 1, None), ("3.要求提供公开出版物", 1, None),
    ("4.无正当理由大量反复申请", 1, None), ("5.要求行政机关确认或重新出具已获取信息", 1, None),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 1, "（六）其他处理"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 1, None), ("3.其他", 1, None),
    ("（七）总计", 2, None), ("四、结转下年度继续办理", 3, None),
]
GROUP_SPANS = {"三、本年度办理结果": 22, "（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}
VALUES = {
    0: ["10", "0", "0", "1", "0", "0", "11"], 2: ["4", "0", "0", "1", "0", "0", "5"], 12: ["6", "", "0", "0", "0", "0", "6"],
    23: ["10", "0", "0", "1", "0", "0", "11"],
}


def _html() -> str:
    # a group cell (rowspan) opens each group, on the row of its first member (ROWS_2021's third field)
    rows = []
    for i, (label, span, group) in enumerate(ROWS_2021):
        cells = f'<td rowspan="{GROUP_SPANS[group]}">{group}</td>' if group else ""
        cells += f'<td colspan="{span}">{label}&nbsp;</td>'
        vals = VALUES.get(i, ["0"] * 7)
        cells += "".join(f"<td>{v}</td>" for v in vals)
        rows.append(f"<tr>{cells}</tr>")
    lit_header = "".join(f"<td>{w}</td>" for w in ["结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计"] * 2)
    review = "".join(f"<td>{v}</td>" for v in ["0", "0&nbsp;", "0", "&nbsp;0", "0", "1", "0", "0", "0", "1", "0", "0", "0", "0", "0"])
    return HTML.replace("{rows}", "\n".join(rows)).replace("{lit_header}", lit_header).replace("{review}", review)


def test_html_document_model_expands_spans() -> None:
    doc = read_document(_html().encode("utf-8"), "x.html")
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert len(tables) == 3
    header = tables[1].rows[2]
    assert [c.text.replace("\n", "") for c in header[3:5]] == ["自然人", "商业企业"]
    assert header[0].is_span_copy and header[0].origin == (0, 0)
    assert doc.title.startswith("某某县教育局")
    # the conditional comment is gone, not printed
    assert not any("supportLists" in b.text for b in doc.blocks if isinstance(b, Paragraph))


def test_html_parses_to_standard_tables() -> None:
    out = report_to_json(parse_bytes(_html().encode("utf-8"), "x.html"))
    assert (out["bureau"], out["year"], out["layout"]) == ("某某县教育局", 2021, "2021")
    apps = out["applications"]
    assert len(apps) == 25
    assert apps["new_received"] == [10, 0, 0, 1, 0, 0, 11]
    assert apps["granted"] == [4, 0, 0, 1, 0, 0, 5]
    assert apps["unavailable_not_held"] == [6, 0, 0, 0, 0, 0, 6]
    assert apps["other_other"] == [0] * 7
    assert apps["results_total"] == [10, 0, 0, 1, 0, 0, 11]
    assert out["review_litigation"] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    active = {(a["item"], a["column"]): a["value"] for a in out["active_disclosure"]}
    assert active[("行政规范性文件", "本年制发件数")] == 12  # <span>1</span><span>2</span>
    assert active[("行政规范性文件", "现行有效件数")] == 35
    assert active[("行政许可", "本年处理决定数量")] == 1315
    assert active[("行政事业性收费", "本年收费金额（单位：万元）")] == 25.1
    blank = [f for f in out["findings"] if f["code"] == "cell.blank"]
    assert blank, "the &nbsp; cells are blanks and must be counted"


def test_blank_cell_is_kept_as_blank_fact() -> None:
    report = parse_bytes(_html().encode("utf-8"), "x.html")
    cell = report.applications["unavailable_not_held"][1]
    assert cell.value == 0 and cell.is_blank is True
    assert report.applications["unavailable_not_held"][0].is_blank is False


def test_encodings_are_detected() -> None:
    text = "某某局2020年政府信息公开工作年度报告\n一、总体情况\n本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n"
    for enc in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        out = report_to_json(parse_bytes(text.encode(enc), f"x.{enc}.txt"))
        assert out["bureau"] == "某某局" and out["year"] == 2020, enc


def test_sniffing_ignores_wrong_extension() -> None:
    assert sniff_carrier(_html().encode(), "report.txt") == "html"
    assert sniff_carrier(b"%PDF-1.4 ...", "report.docx") == "pdf"


WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312"><style><!-- p.MsoNormal {margin:0} --></style>
<!--[if gte mso 9]><xml><o:DocumentProperties></o:DocumentProperties></xml><![endif]--></head>
<body lang=ZH-CN><div class=WordSection1>
<p class=MsoNormal><![if !supportLists]><span>一、</span><![endif]>总体情况<o:p></o:p></p>
<table class=MsoNormalTable><tr><td><p class=MsoNormal><span lang=EN-US>行政许可<o:p></o:p></span></p></td>
<td><p class=MsoNormal><span lang=EN-US>2</span><span lang=EN-US>0<o:p></o:p></span></p></td></tr></table>
<p>&lt;!--[if !supportLists]--&gt;1.正文</p></div></body></html>"""


def test_word_saved_html() -> None:
    doc = read_document(WORD_HTML.encode("gb18030"), "w.htm")
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert paras == ["一、总体情况", "1.正文"]  # conditional comments gone, even printed as text
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert table.rows[0][1].text.strip() == "20"  # one number split over two spans


def test_new_cell_is_an_ordinary_frozen_cell() -> None:
    """document.new_cell fills the instance dict directly (speed); the object must be the Cell the constructor makes."""
    import dataclasses

    import pytest

    from transforms.document import Cell, new_cell

    fast, slow = new_cell("7", 2, 3, (1, 3), "table 1 row 3 col 4"), Cell("7", 2, 3, (1, 3), "table 1 row 3 col 4")
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert fast.is_span_copy and dataclasses.astuple(fast) == dataclasses.astuple(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.text = "8"  # type: ignore[misc]


def test_expand_spans_places_after_spans_from_above_and_pads() -> None:
    from transforms.document import expand_spans

    table = expand_spans([[("a", 2, 1, "A"), ("b", 1, 2, "B")], [("c", 1, 1, "C")], [("d", 1, 1, "D")]], "t")
    assert [[c.text for c in row] for row in table.rows] == [["a", "b", "b"], ["a", "c", ""], ["d", "", ""]]
    assert table.rows[1][0].origin == (0, 0) and table.rows[0][2].origin == (0, 1)
    assert table.rows[1][2].location == "t row 2 col 3 (padding)"
