"""Hostile and broken files: each becomes a finding on that file, nothing raises."""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from transforms.parse import parse_bytes

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


@pytest.mark.parametrize("seed", range(20))
def test_mangled_sample_never_raises(seed: int) -> None:
    rng = random.Random(seed)
    data = bytearray((REAL / "004_pingtan_2021.txt").read_bytes())
    for _ in range(rng.randint(1, 40)):
        i = rng.randrange(len(data))
        data[i] = rng.randrange(256)
    parse_bytes(bytes(data), f"mangled{seed}.txt")


def test_html_bomb_of_nested_tags() -> None:
    data = ("<html><body>" + "<div>" * 3000 + "二、主动公开" + "</div>" * 3000 + "</body></html>").encode()
    parse_bytes(data, "deep.html")
