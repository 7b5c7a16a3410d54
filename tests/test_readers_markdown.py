"""Markdown carrier: converter habits, and that no header, label or page digit becomes a value.

Each test writes the Markdown a converter writes (habit by habit) for one small
2021 report whose numbers are known, parses it, and checks every cell: right, or
null on a row that carries an error/warning finding — never a digit taken from
``数据1 … 数据10``, ``Col2``, ``- 3 -`` or a label's numbering.
"""

from __future__ import annotations

import pytest

from transforms.document import Paragraph, Table
from transforms.parse import parse_bytes
from transforms.readers import read_document, sniff_carrier
from transforms.serialize import report_to_json

LABELS = [
    ("一、本年新收政府信息公开申请数量", None), ("二、上年结转政府信息公开申请数量", None),
    ("（一）予以公开", "三、本年度办理结果"), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ("1.属于国家秘密", "（三）不予公开"), ("2.其他法律行政法规禁止公开", None), ("3.危及“三安全一稳定”", None),
    ("4.保护第三方合法权益", None), ("5.属于三类内部事务信息", None), ("6.属于四类过程性信息", None),
    ("7.属于行政执法案卷", None), ("8.属于行政查询事项", None),
    ("1.本机关不掌握相关政府信息", "（四）无法提供"), ("2.没有现成信息需要另行制作", None), ("3.补正后申请内容仍不明确", None),
    ("1.信访举报投诉类申请", "（五）不予处理"), ("2.重复申请", None), ("3.要求提供公开出版物", None),
    ("4.无正当理由大量反复申请", None), ("5.要求行政机关确认或重新出具已获取信息", None),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "（六）其他处理"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", None), ("3.其他", None),
    ("（七）总计", None), ("四、结转下年度继续办理", None),
]
KEYS = ["new_received", "carried_over", "granted", "partially_granted", "denied_state_secret",
        "denied_prohibited_by_law", "denied_three_safeties", "denied_third_party", "denied_internal_affairs",
        "denied_process_info", "denied_enforcement_file", "denied_query_matter", "unavailable_not_held",
        "unavailable_needs_creation", "unavailable_unclear", "ignored_petition", "ignored_repeat",
        "ignored_publication", "ignored_mass_repeat", "ignored_confirm", "other_no_correction", "other_no_fee",
        "other_other", "results_total", "carried_forward"]
VALUES = {k: [0] * 7 for k in KEYS}
VALUES["new_received"] = [15, 4, 0, 0, 0, 0, 19]
VALUES["granted"] = [11, 3, 0, 0, 0, 0, 14]
VALUES["unavailable_not_held"] = [4, 1, 0, 0, 0, 0, 5]
VALUES["results_total"] = [15, 4, 0, 0, 0, 0, 19]
REVIEW = [0, 0, 0, 0, 0, 11, 0, 0, 0, 11, 0, 0, 0, 0, 0]
ACTIVE = {("规章", "本年制发件数"): 0, ("行政规范性文件", "本年制发件数"): 12, ("行政规范性文件", "现行有效件数"): 35,
          ("行政许可", "本年处理决定数量"): 315, ("行政处罚", "本年处理决定数量"): 36}

HEAD = """# 某某县交通运输局2023年政府信息公开工作年度报告

本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。

## 一、总体情况

2023年，我局认真落实《条例》要求，全年主动公开政府信息52条。

## 二、主动公开政府信息情况

| 第二十条第（一）项 | Col2 | Col3 | Col4 |
| --- | --- | --- | --- |
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| 规章 | 0 | 0 | 0 |
| 行政规范性文件 | 12 | 0 | 35 |
| 第二十条第（五）项 | 第二十条第（五）项 | 第二十条第（五）项 | 第二十条第（五）项 |
| 信息内容 | 本年处理决定数量 | 本年处理决定数量 | 本年处理决定数量 |
| 行政许可 | 315 | 315 | 315 |
| 第二十条第（六）项 | 第二十条第（六）项 | 第二十条第（六）项 | 第二十条第（六）项 |
| 信息内容 | 本年处理决定数量 | 本年处理决定数量 | 本年处理决定数量 |
| 行政处罚 | 36 | 36 | 36 |
| 行政强制 | 0 | 0 | 0 |
| 第二十条第（八）项 | 第二十条第（八）项 | 第二十条第（八）项 | 第二十条第（八）项 |
| 信息内容 | 本年收费金额（单位：万元） | 本年收费金额（单位：万元） | 本年收费金额（单位：万元） |
| 行政事业性收费 | 0 | 0 | 0 |

## 三、收到和处理政府信息公开申请情况

"""
APP_HEADER = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况", "", "", "", "", "", ""],
    ["自然人", "法人或其他组织", "", "", "", "", "总计"],
    ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
]
TAIL = """
## 四、政府信息公开行政复议、行政诉讼情况

| 行政复议 | | | | | 行政诉讼 | | | | | | | | | |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | | | | | 复议后起诉 | | | | |
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
| {review} |

## 五、存在的主要问题及改进情况

政策解读形式不够丰富。

## 六、其他需要报告的事项

本年度未收取信息处理费。
"""


def pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def app_rows(group_cells: bool = True) -> list[list[str]]:
    rows = []
    for (label, group), key in zip(LABELS, KEYS):
        cells = ([group] if group and group_cells else []) + [label]
        if not group and group_cells and key not in ("new_received", "carried_over", "carried_forward"):
            pass
        if key in ("new_received", "carried_over", "carried_forward"):
            cells += ["", ""]
        rows.append(cells + [str(v) for v in VALUES[key]])
    return rows


def report(section3: str, review: str | None = None) -> bytes:
    review = review or " | ".join(str(v) for v in REVIEW)
    return (HEAD + section3 + TAIL.replace("{review}", review)).encode("utf-8")


def one_table() -> str:
    lines = [pipe([""] * 10), pipe(["---"] * 10)] + [pipe(r) for r in APP_HEADER] + [pipe(r) for r in app_rows()]
    return "\n".join(lines) + "\n"


def assert_sound(data: bytes, name: str = "converted.md", expect_complete: bool = True) -> dict:
    out = report_to_json(parse_bytes(data, name))
    flagged = {(f["location"] or {}).get("section") for f in out["findings"] if f["severity"] != "info"}
    for key, expected in VALUES.items():
        got = out["applications"].get(key) or [None] * 7
        for i, (g, e) in enumerate(zip(got, expected)):
            if g is None:
                assert not expect_complete and "三" in flagged, (key, i, out["findings"])
            else:
                assert g == e, (key, i, g, e)
    got_rev = out["review_litigation"] or [None] * 15
    for i, (g, e) in enumerate(zip(got_rev, REVIEW)):
        assert (g is None and not expect_complete and "四" in flagged) or g == e, (i, g, e)
    got_act = {(a["item"], a["column"]): a["value"] for a in out["active_disclosure"]}
    for (item, col), value in ACTIVE.items():
        assert got_act.get((item, col)) in ((value,) if expect_complete else (value, None)), (item, col, got_act.get((item, col)))
    return out


def test_markitdown_style_pipe_tables_read_completely() -> None:
    out = assert_sound(report(one_table()))
    assert out["bureau"] == "某某县交通运输局" and out["year"] == 2023 and out["layout"] == "2021"


def test_sniffed_as_markdown_without_suffix() -> None:
    data = report(one_table())
    assert sniff_carrier(data, "report.txt") == "md"
    assert sniff_carrier(data, "report") == "md"
    assert sniff_carrier("普通文本\n一、总体情况\n".encode(), "a.txt") == "txt"
    assert read_document(data, "report.txt").carrier == "md"


def test_headings_lose_their_hash_and_list_numbers_stay() -> None:
    doc = read_document("# 某某局2023年政府信息公开工作年度报告\n\n1. 属于国家秘密\n2. 重复申请\n".encode(), "a.md")
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts == ["某某局2023年政府信息公开工作年度报告", "1.属于国家秘密", "2.重复申请"]
    assert doc.title == "某某局2023年政府信息公开工作年度报告"


def test_placeholder_headers_are_never_values() -> None:
    """One small table per group under 数据1 … 数据10: the header digits must not be read."""
    rows = app_rows()
    chunks = [APP_HEADER, rows[:2], rows[2:4], rows[4:12], rows[12:15], rows[15:20], rows[20:23], rows[23:]]
    text = ""
    for chunk in chunks:
        text += "\n" + pipe([f"数据{i + 1}" for i in range(10)]) + "\n" + pipe(["---"] * 10) + "\n"
        text += "\n".join(pipe(r) for r in chunk) + "\n"
    doc = read_document(report(text), "split.md")
    for block in doc.blocks:
        if isinstance(block, Table):
            assert not any(c.text.startswith("数据") for row in block.rows for c in row)
    assert_sound(report(text))


def test_placeholder_header_over_nothing_gives_null_not_its_digits() -> None:
    """A label whose value row was lost under a 数据1…7 header: null with a finding, never 1…7."""
    rows = app_rows()
    rows[0] = [rows[0][0]]  # 一、本年新收… printed without its numbers
    text = pipe([f"数据{i + 1}" for i in range(7)]) + "\n" + pipe(["---"] * 7) + "\n" + "\n".join(pipe(r) for r in APP_HEADER + rows) + "\n"
    out = assert_sound(report(text), expect_complete=False)
    assert out["applications"].get("new_received") in (None, [None] * 7)


def test_group_labels_as_loose_lines_between_tables() -> None:
    rows = app_rows(group_cells=False)
    groups = {i: g for i, (_, g) in enumerate(LABELS) if g}
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + APP_HEADER + rows[:2]) + "\n"
    start = 2
    for i in sorted(groups) + [len(rows)]:
        if i > start:
            text += "\n" + pipe(["数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "数据7", "数据8"]) + "\n" + pipe(["---"] * 8) + "\n"
            text += "\n".join(pipe(r) for r in rows[start:i]) + "\n"
        if i in groups:
            text += f"\n{groups[i]}\n"
        start = i
    assert_sound(report(text))


def test_page_footer_and_running_title_inside_a_table_are_dropped() -> None:
    rows = app_rows()
    rows.insert(6, ["- 3 -"] + [""] * 9)
    rows.insert(14, ["某某县交通运输局2023年政府信息公开工作年度报告"] + [""] * 9)
    rows.insert(20, ["第4页 共6页"])
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + APP_HEADER + rows) + "\n\n- 5 -\n"
    doc = read_document(report(text), "pages.md")
    texts = [c.text for b in doc.blocks if isinstance(b, Table) for row in b.rows for c in row]
    assert "- 3 -" not in texts and "第4页 共6页" not in texts
    assert all(getattr(b, "text", "") != "- 5 -" for b in doc.blocks)
    assert_sound(report(text))


def test_page_number_as_the_only_row_of_section_four_is_not_a_value() -> None:
    review = " | ".join([""] * 15) + " |\n| - 7 -"
    out = report_to_json(parse_bytes(report(one_table(), review), "p.md"))
    assert out["review_litigation"] in (None, [0] * 15) or 7 not in (out["review_litigation"] or [])


def test_label_on_one_row_numbers_on_the_next() -> None:
    rows = app_rows()
    label_row = rows[12]  # （四）无法提供 | 1.本机关不掌握相关政府信息 | 4 1 0 0 0 0 5
    rows[12:13] = [label_row[:2] + [""] * 7, ["", ""] + label_row[2:]]
    rows[2:3] = [[rows[2][0], rows[2][1]], ["", ""] + rows[2][2:]]
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + APP_HEADER + rows) + "\n"
    assert_sound(report(text))


def test_header_cell_broken_over_two_rows() -> None:
    header = [["（本列数据的勾稽关系为：第一项加第二项之和，", "", "", "申请人", "", "", "", "", "", ""],
              ["等于第三项加第四项之和）", "", "", "情况", "", "", "", "", "", ""]] + APP_HEADER[1:]
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + header + app_rows()) + "\n"
    assert_sound(report(text))


def test_html_table_inside_markdown() -> None:
    html_rows = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in APP_HEADER + app_rows())
    text = f"<table border=\"1\">\n{html_rows}\n</table>\n"
    doc = read_document(report(text), "html-in.md")
    assert doc.carrier == "md"
    assert any(isinstance(b, Table) and "HTML" in b.location for b in doc.blocks)
    assert_sound(report(text))


def test_mammoth_style_one_cell_per_paragraph() -> None:
    """mammoth writes no Markdown tables: each cell its own paragraph, the label first."""
    lines = [t for row in APP_HEADER for t in row if t]
    for (label, group), key in zip(LABELS, KEYS):
        lines += ([group] if group else []) + [label] + [str(v) for v in VALUES[key]]
    text = "\n\n".join(lines) + "\n"
    assert_sound(report(text))


def test_total_as_a_stray_line_after_its_table_is_sound() -> None:
    rows = app_rows()
    last = rows.pop()
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + APP_HEADER + rows) + "\n\n"
    text += last[0] + " " + " ".join(last[3:]) + "\n"
    assert_sound(report(text), expect_complete=False)


@pytest.mark.parametrize("placeholder", ["Col3", "数据2", "Unnamed: 4", "NaN", "列5"])
def test_each_placeholder_kind_is_emptied(placeholder: str) -> None:
    doc = read_document(f"| 规章 | {placeholder} |\n| --- | --- |\n| 行政规范性文件 | 12 |\n".encode(), "p.md")
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert [c.text for c in table.rows[0]] == ["规章", ""]


def test_repeated_values_merge_only_under_a_spanning_header() -> None:
    doc = read_document(("| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| --- | --- | --- | --- |\n"
                         "| 规章 | 0 | 0 | 0 |\n| 信息内容 | 本年处理决定数量 | 本年处理决定数量 | 本年处理决定数量 |\n"
                         "| 行政许可 | 315 | 315 | 315 |\n").encode(), "r.md")
    table = next(b for b in doc.blocks if isinstance(b, Table))
    distinct = lambda r: list(dict.fromkeys((c.origin, c.text) for c in table.rows[r]))  # noqa: E731
    assert [t for _, t in distinct(1)] == ["规章", "0", "0", "0"]
    assert [t for _, t in distinct(3)] == ["行政许可", "315"]


def test_footnotes_and_notes_never_give_values() -> None:
    rows = app_rows()
    rows.insert(10, ["注：1.本表数据截至2023年12月31日；2.单位：件"])
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + APP_HEADER + rows) + "\n\n注1：本年度新收申请中有3件为2022年12月31日后提交。\n"
    assert_sound(report(text))


def test_numbering_digits_of_a_label_alone_are_not_values() -> None:
    """A row printed as its numbering and label only (``3.其他``): its 3 is not a cell."""
    rows = app_rows()
    rows[22] = [rows[22][0]]
    text = "\n".join(pipe(r) for r in [[""] * 10, ["---"] * 10] + APP_HEADER + rows) + "\n"
    out = assert_sound(report(text), expect_complete=False)
    assert out["applications"].get("other_other") in (None, [None] * 7)


def test_tab_separated_rows_inside_markdown_stay_rows() -> None:
    """A Word table pasted as tab text into a file that also holds a pipe table (so it sniffs as md)."""
    from gongkai.synth import render_report
    from gongkai.synth.compare import compare

    data, truth = render_report(5, 0, 0, "txt")
    assert b"\t" in data
    data += "\n\n| 附 | 表 |\n| --- | --- |\n| 无 | 无 |\n".encode()
    assert sniff_carrier(data, "x.txt") == "md"
    res = compare(truth, report_to_json(parse_bytes(data, "x.txt")))
    assert res.perfect, (res.wrong[:3], res.null[:3], res.meta_wrong)


def test_section_four_table_moved_after_heading_five() -> None:
    """pymupdf4llm puts a table where it sits on the page: after the next heading."""
    data = report(one_table()).decode("utf-8")
    head, rest = data.split("## 四、政府信息公开行政复议、行政诉讼情况\n", 1)
    table, tail = rest.split("## 五、存在的主要问题及改进情况\n", 1)
    moved = head + "## 四、政府信息公开行政复议、行政诉讼情况\n\n## 五、存在的主要问题及改进情况\n" + table + tail
    assert_sound(moved.encode("utf-8"))


def test_other_tables_after_heading_five_are_not_section_four() -> None:
    data = report(one_table()).decode("utf-8")
    head, rest = data.split("## 四、政府信息公开行政复议、行政诉讼情况\n", 1)
    _, tail = rest.split("## 五、存在的主要问题及改进情况\n", 1)
    other = "| 培训 | 次数 |\n| --- | --- |\n" + "| 业务培训 | " + " | ".join(["3"] * 15) + " |\n"
    text = head + "## 四、政府信息公开行政复议、行政诉讼情况\n\n## 五、存在的主要问题及改进情况\n\n" + other + tail
    out = report_to_json(parse_bytes(text.encode("utf-8"), "x.md"))
    assert out["review_litigation"] is None
    assert any(f["code"] == "table.truncated" and (f["location"] or {}).get("section") == "四" for f in out["findings"])


def test_pandas_nan_under_a_merged_header_cell_is_no_column() -> None:
    # markitdown's XLSX: a merged cell covers two positions; pandas writes NaN in the second,
    # in the header and in the value row alike. That position is no column (16 → 15 numbers).
    review = (
        "| 行政复议 | NaN | NaN | NaN | NaN | NaN | 行政诉讼 | NaN | NaN | NaN | NaN | NaN | NaN | NaN | NaN | NaN | NaN |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        "| 结果维持 | 结果纠正 | NaN | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | NaN | NaN | NaN | NaN | 复议后起诉 | NaN | NaN | NaN | NaN | NaN |\n"
        "| NaN | NaN | NaN | NaN | NaN | NaN | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | NaN |\n"
        "| " + " | ".join(["0", "0", "NaN"] + [str(v) for v in REVIEW[2:]]) + " | NaN |\n"
    )
    text = HEAD + one_table() + "\n## 四、政府信息公开行政复议、行政诉讼情况\n\n" + review + TAIL.split("## 五")[0].split("| {review} |")[1] + "## 五" + TAIL.split("## 五")[1]
    out = assert_sound(text.encode("utf-8"))
    assert out["review_litigation"] == REVIEW


def test_pandas_nan_under_header_text_stays_a_blank_cell() -> None:
    # the same NaN under a printed header is a blank value cell: 15 positions, one blank, never shifted
    review = (
        "| 行政复议 | NaN | NaN | NaN | NaN | 行政诉讼 | NaN | NaN | NaN | NaN | NaN | NaN | NaN | NaN | NaN |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n"
        "| " + " | ".join(["NaN"] + [str(v) for v in REVIEW[1:]]) + " |\n"
    )
    text = HEAD + one_table() + "\n## 四、政府信息公开行政复议、行政诉讼情况\n\n" + review + "\n## 五" + TAIL.split("## 五")[1]
    out = report_to_json(parse_bytes(text.encode("utf-8"), "x.md"))
    got = out["review_litigation"] or [None] * 15
    assert got[1:] == REVIEW[1:] or all(g is None for g in got[1:]), got
    assert got[0] in (None, 0)


def _pdfminer_rows(values: dict[str, list[int]], width: int = 8, drop_cell_of: str | None = None,
                   skip: str | None = None) -> str:
    """markitdown's PDF habit: each row's numbers as a one-row table, the label wrapped around them
    (numbers vertically centred: floor(k/2) label lines before, the rest after), group labels' pieces between."""
    out = ["申请人情况", "| （本列数据的勾稽关系为：第一项加 | | 法人或其他组织 | | | |", "| --- | --- | --- | --- | --- | --- |",
           "第二项之和，等于第三项加第四项之", "| 和） | | 自然人 商业 | 科研 社会 | | 总计 |", "| --- | --- | --- | --- | --- | --- |",
           "法律服务", "企业 机构", "组织"]
    for (label, group), key in zip(LABELS, KEYS):
        if key == skip:
            continue
        pieces = [label[i:i + width] for i in range(0, len(label), width)]
        nums = [str(v) for v in values[key]]
        if key == drop_cell_of:
            nums = nums[:-1]
        cells = [" ".join(nums[i:i + 2]) for i in range(0, len(nums), 2)]
        table = ["| | | " + " | ".join(cells) + " |", "| --- | --- | " + " | ".join("---" for _ in cells) + " |"]
        before = len(pieces) // 2
        lines = pieces[:before] + table + pieces[before:]
        if group:
            ordinal, rest = group[:3], group[3:]
            lines.insert(1 if before else 0, ordinal)
            lines.append(rest)
        out += lines
    return "\n".join(out) + "\n"


def test_pdfminer_numbers_lines_apart_from_their_labels_are_read_by_order() -> None:
    out = assert_sound(report(_pdfminer_rows(VALUES)))
    assert any(f["code"] == "table.rows_by_order" for f in out["findings"])


def test_pdfminer_rows_with_a_missing_cell_are_not_read_by_order() -> None:
    # one row prints six numbers: ranks no longer line up, so no row is read by order (and none wrongly)
    out = assert_sound(report(_pdfminer_rows(VALUES, drop_cell_of="granted")), expect_complete=False)
    assert not any(f["code"] == "table.rows_by_order" for f in out["findings"])


def test_pdfminer_rows_with_a_row_left_out_are_not_read_by_order() -> None:
    # the whole row (label and numbers) or only its label: one numbers line or one label short
    out = assert_sound(report(_pdfminer_rows(VALUES, skip="ignored_repeat")), expect_complete=False)
    assert not any(f["code"] == "table.rows_by_order" for f in out["findings"])
    text = _pdfminer_rows(VALUES)
    out = assert_sound(report(text.replace("2.重复申请\n", "")), expect_complete=False)
    assert not any(f["code"] == "table.rows_by_order" for f in out["findings"])
