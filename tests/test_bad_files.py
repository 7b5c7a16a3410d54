"""Hostile and broken files: each becomes a finding on that file, nothing raises."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from transforms.parse import parse_bytes
from transforms.serialize import report_to_json

REAL = Path(__file__).resolve().parent.parent / "samples" / "real"


def codes(data: bytes, name: str, **kw) -> set[str]:
    report = parse_bytes(data, name, **kw)
    assert report.findings, name
    return {f.code for f in report.findings}


def test_empty_file() -> None:
    assert "file.empty" in codes(b"", "empty.txt")
    assert "file.empty" in codes(b"  \n ", "blank.html")


def test_random_binary() -> None:
    data = random.Random(1).randbytes(5000)
    assert codes(data, "noise.bin") & {"file.unsupported_format", "file.unreadable"}


def test_legacy_office_formats_say_what_to_send() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    report = parse_bytes(ole, "report.doc")
    assert report.findings[0].code == "file.unsupported_format"
    assert ".docx" in report.findings[0].message
    assert "file.unsupported_format" in codes(b"anything", "report.wps")


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pdf"])
def test_truncated_office_files(suffix: str) -> None:
    data = (REAL / f"030_pingtan_zrz_2023_page{suffix}").read_bytes()
    got = codes(data[: len(data) // 3], f"cut{suffix}")
    assert got & {"file.unreadable", "file.no_text", "file.unsupported_format"}, got


def test_zip_that_is_not_office() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    assert "file.unsupported_format" in codes(buf.getvalue(), "thing.docx")


def test_too_large_is_quarantined_unread() -> None:
    report = parse_bytes(b"0" * 2048, "big.txt", max_bytes=1024)
    assert [f.code for f in report.findings] == ["file.too_large"]
    assert report.max_severity == "error"


def test_text_without_any_report_is_findings_not_crash() -> None:
    got = codes("随便写的一段话，不是年度报告。".encode(), "note.txt")
    assert "section.missing" in got or "meta.layout_undetermined" in got


def test_a_notice_in_the_landing_folder_is_held_back_not_admitted() -> None:
    """No table read, no year, no layout: an error, so it is quarantined rather than loaded as flagged."""
    html = ("<html><head><title>关于开展安全生产检查的通知</title></head><body><h1>关于开展安全生产检查的通知</h1>"
            "<p>各单位：现将有关事项通知如下。一、检查时间：5月1日至5月31日。二、检查内容：消防设施等12项。</p>"
            "<p>平潭综合实验区应急管理局</p></body></html>").encode()
    report = parse_bytes(html, "通知.html")
    undetermined = [f for f in report.findings if f.code == "meta.layout_undetermined"]
    assert [f.severity for f in undetermined] == ["error"]
    assert report.max_severity == "error"
    assert not report.applications and not report.active_disclosure and report.review_litigation is None


def _tables(out: dict) -> tuple:
    return out["applications"], out["review_litigation"], [(a["block"], a["item"], a["column"], a["value"])
                                                          for a in out["active_disclosure"]]


def _narrative_positions(data: bytes) -> list[int]:
    """Byte offsets inside section 一's prose, at least 40 bytes from any digit (a stated count)."""
    text = data.decode("utf-8")
    start = len(text[:text.index("一、总体情况") + len("一、总体情况")].encode()) + 8
    end = len(text[:text.index("二、主动公开")].encode()) - 8
    digits = [i for i in range(start - 40, end + 40) if 48 <= data[i] <= 57]
    return [i for i in range(start, end) if all(abs(i - d) > 40 for d in digits)]


@pytest.mark.parametrize("seed", range(20))
def test_mangled_prose_is_reported_and_loses_nothing_else(seed: int) -> None:
    """Random bytes in the narrative: the file says it had undecodable bytes, every table cell is as before."""
    data = (REAL / "004_pingtan_2021.txt").read_bytes()
    clean = report_to_json(parse_bytes(data, "clean.txt"))
    rng = random.Random(seed)
    positions = _narrative_positions(data)
    assert len(positions) > 500
    mangled = bytearray(data)
    for i in rng.sample(positions, rng.randint(1, 40)):
        mangled[i] = rng.randrange(0x80, 0x100)
    out = report_to_json(parse_bytes(bytes(mangled), f"mangled{seed}.txt"))
    codes_seen = [f["code"] for f in out["findings"]]
    try:
        bytes(mangled).decode("utf-8")
    except UnicodeDecodeError:
        assert "file.decode_errors" in codes_seen
    assert _tables(out) == _tables(clean)
    assert (out["bureau"], out["year"], out["layout"]) == (clean["bureau"], clean["year"], clean["layout"])
    file_level = ("file.decode_errors", "file.encoding_guessed")
    assert sorted(c for c in codes_seen if c not in file_level) == sorted(f["code"] for f in clean["findings"])


def test_html_bomb_of_nested_tags() -> None:
    """Thousands of nested <div>: libxml2 stops at depth 256; the page is read without its layout wrappers."""
    data = ("<html><body>" + "<div>" * 3000 + "二、主动公开" + "</div>" * 3000 + "</body></html>").encode()
    report = parse_bytes(data, "deep.html")
    assert [f.code for f in report.findings][:1] == ["file.deep_nesting"]
    assert "内容完整" in report.findings[0].message
    # past the nesting, what is left is a heading and no report: the same findings as such a plain page
    plain = parse_bytes("<html><body><div>二、主动公开</div></body></html>".encode(), "plain.html")
    assert [f.code for f in report.findings][1:] == [f.code for f in plain.findings]


def test_nested_tags_in_front_of_a_report_lose_none_of_it() -> None:
    import json

    from golden import compare

    html = (REAL / "030_pingtan_zrz_2023_page.html").read_text(encoding="utf-8")
    bomb = "<div><span>" * 1500 + "页面装饰" + "</span></div>" * 1500
    out = report_to_json(parse_bytes(html.replace("<body>", "<body>" + bomb, 1).encode("utf-8"), "deep030.html"))
    expected = json.loads((REAL / "030_pingtan_zrz_2023_page.expected.json").read_text(encoding="utf-8"))
    assert compare(out, expected) == {"wrong": [], "null": [], "unexplained": []}
    assert [(f["code"], f["severity"]) for f in out["findings"]] == [("file.deep_nesting", "warning")]
