"""Bureau from the document when the title does not carry it — and never a sentence fragment."""

from __future__ import annotations

import pytest

from gongkai.synth import render_report
from transforms.document import Document, Paragraph
from transforms.metadata import find_bureau, looks_like_organisation
from transforms.parse import parse_bytes
from transforms.serialize import report_to_json

BODY = ("本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
        "一、总体情况\n2023年，结合我局工作实际，扎实推进政务公开工作。\n")


def doc(lines: list[str], source: str = "report.txt", title: str | None = None) -> Document:
    return Document([Paragraph(t, f"line {i + 1}") for i, t in enumerate(lines)], source, "txt", title=title)


@pytest.mark.parametrize("name", ["平潭综合实验区", "平潭综合实验区公安局", "福州市晋安区教育局", "青岛市卫生健康委员会",
                                  "崂山区红星街道人民政府", "郑州市管城回族区统计局", "洛阳市人民政府办公室"])
def test_organisation_names(name: str) -> None:
    assert looks_like_organisation(name)


@pytest.mark.parametrize("text", ["结合我局工作实际", "我局", "本机关", "根据条例要求平潭综合实验区公安局",
                                  "平潭综合实验区公安局编制了本报告", "2024年1月5日", "Sheet1", "一、总体情况",
                                  "请与本机关办公室联系", "公安局，", "", "局"])
def test_sentence_fragments_are_not_organisations(text: str) -> None:
    assert not looks_like_organisation(text)


def test_title_split_over_two_lines() -> None:
    d = doc(["福州市晋安区教育局", "2021年政府信息公开工作年度报告"] + BODY.splitlines())
    assert find_bureau(d) == ("福州市晋安区教育局", "first_page")


def test_title_split_in_the_middle_of_words() -> None:
    d = doc(["福州市晋安区教育局2021年政府信息公开工", "作年度报告"] + BODY.splitlines())
    assert find_bureau(d)[0] == "福州市晋安区教育局"


def test_signature_only() -> None:
    d = doc(BODY.splitlines() + ["六、其他需要报告的事项", "无。", "平潭综合实验区自然资源与生态环境局", "2024年1月5日"])
    assert find_bureau(d) == ("平潭综合实验区自然资源与生态环境局", "signature")


def test_signature_glued_to_a_run_together_body() -> None:
    d = doc(["一、总体情况……六、其他需要报告的事项本年度无其他需要报告的事项。平潭综合实验区公安局2022年1月20日"])
    assert find_bureau(d)[0] == "平潭综合实验区公安局"


def test_file_name() -> None:
    d = doc(BODY.splitlines(), source="/in/福州市晋安区教育局2021年政府信息公开工作年度报告.docx")
    assert find_bureau(d) == ("福州市晋安区教育局", "file_name")


def test_registry_alias_on_the_first_page() -> None:
    """An abbreviation no rule accepts as a name is the bureau when the registry lists it as an alias."""
    known = {"平潭综合实验区公安局": "平潭综合实验区公安局", "平潭公安": "平潭综合实验区公安局"}
    d = doc(["平潭公安2023年政府信息公开工作年度报告"] + BODY.splitlines() + ["六、其他需要报告的事项", "无。"])
    assert find_bureau(d) == (None, None)
    assert find_bureau(d, known=known) == ("平潭综合实验区公安局", "registry")


def test_a_sentence_fragment_is_never_the_bureau() -> None:
    """The intro names the bureau inside a sentence: no candidate, so null and meta.bureau_missing."""
    text = ("根据《条例》要求，结合我局工作实际，编制2023年政府信息公开工作年度报告。\n" + BODY).encode("utf-8")
    out = report_to_json(parse_bytes(text, "x.txt"))
    assert out["bureau"] is None
    assert any(f["code"] == "meta.bureau_missing" for f in out["findings"])


def test_markdown_heading_title_without_hash() -> None:
    text = "# 某某县交通运输局\n# 2023年政府信息公开工作年度报告\n\n" + BODY
    out = report_to_json(parse_bytes(text.encode("utf-8"), "x.md"))
    assert out["bureau"] == "某某县交通运输局"


def test_html_title_when_the_page_has_no_title_line() -> None:
    page = ("<html><head><meta charset='utf-8'><title>某某县交通运输局2023年政府信息公开工作年度报告</title></head>"
            "<body><p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p></body></html>")
    assert report_to_json(parse_bytes(page.encode("utf-8"), "x.html"))["bureau"] == "某某县交通运输局"


@pytest.mark.parametrize("carrier", ["txt", "html", "md", "docx"])
def test_generator_title_layouts_round_trip(carrier: str) -> None:
    """The generator's split titles and signature-only reports give the bureau back in each carrier."""
    from gongkai.synth.generate import make_report

    seen = set()
    for index in range(40):
        _, plan, _ = make_report(3, index, 2)
        if plan.title_layout in seen or plan.title_layout == "one_line":
            continue
        seen.add(plan.title_layout)
        data, truth = render_report(3, index, 2, carrier)
        out = report_to_json(parse_bytes(data, f"r.{carrier}"))
        assert out["bureau"] == truth["bureau"], (index, plan.title_layout)
    assert seen == {"split", "signature_only"}


KNOWN = {"平潭综合实验区公安局": "平潭综合实验区公安局", "平潭公安": "平潭综合实验区公安局", "平潭综合实验区": "平潭综合实验区"}


def test_registry_name_in_a_sentence_is_never_the_bureau() -> None:
    """The registry names the bureau only where the document prints it as a heading, title or 落款."""
    d = doc(["根据平潭综合实验区公安局的要求，编制本报告。"] + BODY.splitlines() + ["六、其他需要报告的事项", "无。"])
    assert find_bureau(d, known=KNOWN) == (None, None)


def test_registry_prefix_of_an_unregistered_name_is_not_its_bureau() -> None:
    """``平潭综合实验区住建…`` is no report of ``平潭综合实验区``: only a whole name before the year matches."""
    d = doc(["平潭综合实验区住建2023年政府信息公开工作年度报告"] + BODY.splitlines() + ["六、其他需要报告的事项", "无。"])
    assert find_bureau(d, known=KNOWN) == (None, None)


def test_registry_alias_as_the_signature_beats_the_file_name() -> None:
    d = doc(BODY.splitlines() + ["六、其他需要报告的事项", "无。", "平潭公安", "2024年1月5日"],
            source="/in/福州市晋安区教育局2023年政府信息公开工作年度报告.txt")
    assert find_bureau(d) == ("福州市晋安区教育局", "file_name")
    assert find_bureau(d, known=KNOWN) == ("平潭综合实验区公安局", "registry")


def test_registry_keys_are_full_width_and_space_blind() -> None:
    from transforms.metadata import registry_key

    known = {registry_key("平潭 公安"): "平潭综合实验区公安局"}
    d = doc(["平潭公安", "2023年政府信息公开工作年度报告"] + BODY.splitlines())
    assert find_bureau(d, known=known) == ("平潭综合实验区公安局", "registry")


def test_parse_bytes_passes_the_registry_to_the_bureau() -> None:
    text = ("平潭公安\n2023年政府信息公开工作年度报告\n" + BODY).encode("utf-8")
    assert report_to_json(parse_bytes(text, "x.txt"))["bureau"] is None
    assert report_to_json(parse_bytes(text, "x.txt", known=KNOWN))["bureau"] == "平潭综合实验区公安局"
