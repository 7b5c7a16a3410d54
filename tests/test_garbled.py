"""Garbled text layers are detected in any carrier and never parsed as a report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from transforms.parse import parse_bytes
from transforms.readers.garbled import is_garbled, profile

REAL = Path(__file__).resolve().parent.parent / "samples" / "real"
SAMPLE = (REAL / "008_pingtan_gaj_2021.txt").read_text(encoding="utf-8")


def _latin1_soup(text: str) -> str:
    """What GBK bytes look like through a Western font or code page: ÕþÎñÐÅÏ¢¹«¿ª."""
    return text.encode("gbk", errors="replace").decode("latin-1")


def _pua(text: str) -> str:
    return "".join(chr(0xE000 + (ord(ch) % 6000)) if "\u4e00" <= ch <= "\u9fff" else ch for ch in text)


@pytest.mark.parametrize("garble", [
    _latin1_soup,
    _pua,
    lambda t: "".join("\ufffd" if "\u4e00" <= ch <= "\u9fff" else ch for ch in t),
    lambda t: "".join(f"(cid:{ord(ch) % 900})" if "\u4e00" <= ch <= "\u9fff" else ch for ch in t),
])
def test_mojibake_kinds_are_garbled(garble) -> None:
    assert is_garbled(profile(garble(SAMPLE[:3000])))


@pytest.mark.parametrize("path", sorted(p.name for p in REAL.glob("*.txt")))
def test_real_samples_are_not_garbled(path: str) -> None:
    assert not is_garbled(profile((REAL / path).read_text(encoding="utf-8")))


def test_short_or_numeric_text_is_not_judged() -> None:
    assert not is_garbled(profile("ÕþÎñ 12 34"))
    assert not is_garbled(profile("1 2 3 4 5 6 7 8 9 0 " * 50))


def test_a_few_odd_characters_do_not_condemn_a_report() -> None:
    text = SAMPLE[:3000] + "é" * 20 + "\ufffd" * 10
    assert not is_garbled(profile(text))


def test_garbled_text_file_is_quarantined_with_what_to_send() -> None:
    data = _latin1_soup(SAMPLE).encode("utf-8")  # saved as UTF-8 after a wrong-code-page round trip
    report = parse_bytes(data, "mojibake.txt")
    codes = [f.code for f in report.findings]
    assert codes == ["file.garbled_text"], codes
    assert "GB18030" in report.findings[0].message
    assert not report.applications and report.review_litigation is None


def test_pdf_without_unicode_mapping_is_quarantined() -> None:
    """GBK bytes shown through a simple Western font: the text layer is Latin-1 soup."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    y = 800
    for line in SAMPLE.splitlines()[:50]:
        pdf.setFont("Helvetica", 8)
        pdf.drawString(20, y, _latin1_soup(line[:40]))
        y -= 14
        if y < 40:
            pdf.showPage()
            y = 800
    pdf.save()
    report = parse_bytes(buf.getvalue(), "no-tounicode.pdf")
    garbled = [f for f in report.findings if f.code == "file.garbled_text"]
    assert garbled and garbled[0].severity == "error"
    assert "Word" in garbled[0].message and "嵌入字体" in garbled[0].message
    assert not any(f.code == "file.no_text" for f in report.findings)
    assert not report.applications


def test_markdown_carrier_is_checked_too() -> None:
    report = parse_bytes(("# " + _latin1_soup(SAMPLE)).encode("utf-8"), "x.md")
    assert [f.code for f in report.findings] == ["file.garbled_text"]
