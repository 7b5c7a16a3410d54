"""Variants real templates have: subtotal rows and columns, split tables, merged block labels."""

from __future__ import annotations

from transforms.parse import parse_bytes
from transforms.serialize import report_to_json
from transforms.spec import LAYOUT_2019


def _app_table_2019(subtotal_col: bool, subtotal_rows: bool) -> str:
    head_extra = '<td rowspan="2">法人或其他组织小计</td>' if subtotal_col else ""
    html = [
        "<table>",
        f'<tr><td colspan="2" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="{8 if subtotal_col else 7}">申请人情况</td></tr>',
        f'<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td>{head_extra}<td rowspan="2">总计</td></tr>',
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>",
    ]
    groups = {"denied": "（三）不予公开", "unavailable": "（四）无法提供", "ignored": "（五）不予处理"}
    current = None
    for row in LAYOUT_2019.app_rows:
        vals = [3, 1, 0, 0, 0, 0] if row.key in ("new_received", "granted", "results_total") else [0] * 6
        cells = [str(v) for v in vals]
        if subtotal_col:
            cells.append(str(sum(vals[1:])))
        cells.append(str(sum(vals)))
        tds = "".join(f"<td>{c}</td>" for c in cells)
        if row.group in groups and row.group != current:
            current = row.group
            if subtotal_rows:
                html.append(f'<tr><td colspan="2">{groups[row.group]}（小计）</td>' + "".join("<td>0</td>" for _ in cells) + "</tr>")
        html.append(f'<tr><td colspan="2">{row.label}</td>{tds}</tr>')
    html.append("</table>")
    return "\n".join(html)


def _doc(app_table: str, review: str) -> bytes:
    return f"""<html><body>
<p>某县财政局2020年政府信息公开工作年度报告</p>
<p>本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。</p>
<p>二、主动公开政府信息情况</p>
<table>
<tr><td>第二十条第（一）项</td><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>第二十条第（五）项</td><td>行政许可</td><td>12</td><td>-2</td><td>300</td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
{app_table}
<p>四、政府信息公开行政复议、行政诉讼情况</p>
{review}
<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p>
</body></html>""".encode()


REVIEW_ONE_ROW = "<table><tr><td>行政复议</td><td>行政诉讼</td></tr><tr>" + "".join(
    f"<td>{v}</td>" for v in [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) + "</tr></table>"
REVIEW_TWO_TABLES = (
    "<table><tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>"
    "<tr><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td></tr></table>"
    "<table><tr><td>行政诉讼</td></tr><tr>" + "".join(f"<td>{v}</td>" for v in [0, 0, 0, 2, 2, 0, 0, 0, 0, 0]) + "</tr></table>"
)


def test_subtotal_column_and_rows_do_not_break_recognition() -> None:
    out = report_to_json(parse_bytes(_doc(_app_table_2019(True, True), REVIEW_ONE_ROW), "x.html"))
    assert out["layout"] == "2019"
    assert len(out["applications"]) == 23
    assert out["applications"]["new_received"] == [3, 1, 0, 0, 0, 0, 4]
    assert out["applications"]["results_total"] == [3, 1, 0, 0, 0, 0, 4]
    assert out["applications"]["ignored_confirm"] == [0] * 7
    codes = [f["code"] for f in out["findings"]]
    assert "table.extra_row" in codes
    assert not any(f["severity"] == "error" and f["location"]["section"] == "三" for f in out["findings"])


def test_block_label_sharing_row_with_item_and_negative_delta() -> None:
    out = report_to_json(parse_bytes(_doc(_app_table_2019(False, False), REVIEW_ONE_ROW), "x.html"))
    active = {(a["item"], a["column"]): a["value"] for a in out["active_disclosure"]}
    assert active[("行政许可", "本年增/减")] == -2
    assert active[("行政许可", "处理决定数量")] == 300
    assert active[("规章", "本年新制作数量")] == 0


def test_review_split_over_two_tables() -> None:
    out = report_to_json(parse_bytes(_doc(_app_table_2019(False, False), REVIEW_TWO_TABLES), "x.html"))
    assert out["review_litigation"] == [1, 0, 0, 0, 1, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0]


def test_words_and_fractions_in_value_cells_are_findings_not_numbers() -> None:
    from pathlib import Path

    html = (Path(__file__).resolve().parent.parent / "samples/real/030_pingtan_zrz_2023_page.html").read_text(encoding="utf-8")
    i = html.index("1.本机关不掌握")
    j = html.index(">4</p>", i)
    html = html[:j] + ">见附件</p>" + html[j + 6:]
    i = html.index("（一）予以公开")
    j = html.index(">6</p>", i)
    html = html[:j] + ">6.5</p>" + html[j + 6:]
    report = parse_bytes(html.encode("utf-8"), "030_mutated.html")
    not_held = report.applications["unavailable_not_held"]
    assert not_held[0].value is None and not_held[0].raw == "见附件"
    assert [c.value for c in not_held[1:]] == [0, 0, 0, 0, 0, 4]
    granted = report.applications["granted"]
    assert granted[0].value is None and granted[0].raw == "6.5"
    by_code = {f.code: f for f in report.findings}
    assert by_code["cell.not_numeric"].location.column == "自然人"
    assert by_code["cell.not_numeric"].location.row == "1.本机关不掌握相关政府信息"
    assert by_code["cell.not_integer"].found == "6.5"


def test_subtotal_cells_are_kept_as_printed() -> None:
    report = parse_bytes(_doc(_app_table_2019(True, True), REVIEW_ONE_ROW), "x.html")
    kept = {(c.row_key, c.raw) for c in report.extra_columns}
    assert ("new_received", "1") in kept and ("results_total", "1") in kept
    assert len(report.extra_columns) == 23
    for group in ("（三）不予公开", "（四）无法提供", "（五）不予处理"):
        assert any(r.label.startswith(group) for r in report.extra_rows), group
    from transforms.tables import ReportRow, to_tables

    tables = to_tables([ReportRow(report, "r1", "x.html", "t", "t")])
    assert tables["extra_columns"].num_rows == 23 and tables["extra_rows"].num_rows > 0
