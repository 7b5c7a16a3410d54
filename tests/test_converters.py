"""Real converters on our own samples, run at test time: what an office receives as Markdown.

markitdown (HTML, DOCX, XLSX, PDF, and the crawler .txt files), pymupdf4llm (PDF) and
mammoth (DOCX → Markdown and → HTML) convert each ``samples/real`` file they take;
the output is parsed like any submission. The promise is the carrier promise: no
wrong cell, and every null sits in a section that carries an error or warning
finding. ``FULL`` lists the conversions that read every expected number today, so a
regression in them fails loudly; the others (markitdown of the crawler .txt files 002
and 004, which is the .txt itself: their nulls are the run-together section 二 rows
the .txt leaves, decided by evidence or not at all) are held to soundness only. Converters are test extras (``pip install -e .[test]``);
a missing one skips its cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from golden import compare
from transforms.parse import parse_bytes
from transforms.serialize import report_to_json

REAL = Path(__file__).resolve().parent.parent / "samples" / "real"


def _markitdown(path: Path) -> tuple[bytes, str]:
    markitdown = pytest.importorskip("markitdown")
    return markitdown.MarkItDown(enable_plugins=False).convert(str(path)).text_content.encode("utf-8"), ".md"


def _pymupdf4llm(path: Path) -> tuple[bytes, str]:
    pymupdf4llm = pytest.importorskip("pymupdf4llm")
    return pymupdf4llm.to_markdown(str(path), show_progress=False).encode("utf-8"), ".md"


def _mammoth_md(path: Path) -> tuple[bytes, str]:
    mammoth = pytest.importorskip("mammoth")
    with path.open("rb") as fh:
        return mammoth.convert_to_markdown(fh).value.encode("utf-8"), ".md"


def _mammoth_html(path: Path) -> tuple[bytes, str]:
    mammoth = pytest.importorskip("mammoth")
    with path.open("rb") as fh:
        return mammoth.convert_to_html(fh).value.encode("utf-8"), ".html"


CONVERTERS: dict[str, tuple[Callable[[Path], tuple[bytes, str]], tuple[str, ...]]] = {
    "markitdown": (_markitdown, (".html", ".docx", ".xlsx", ".pdf", ".txt")),
    "pymupdf4llm": (_pymupdf4llm, (".pdf",)),
    "mammoth-md": (_mammoth_md, (".docx",)),
    "mammoth-html": (_mammoth_html, (".docx",)),
}
# (converter, sample file) that read every expected cell; the rest keep the soundness promise.
FULL = {
    ("markitdown", "030_pingtan_zrz_2023_page.html"), ("markitdown", "030_pingtan_zrz_2023_page.docx"),
    ("markitdown", "030_pingtan_zrz_2023_page.xlsx"), ("markitdown", "030_pingtan_zrz_2023_page.pdf"),
    ("markitdown", "008_pingtan_gaj_2021.txt"), ("markitdown", "029_govnianbao_fragment.txt"),
    ("pymupdf4llm", "030_pingtan_zrz_2023_page.pdf"), ("mammoth-md", "030_pingtan_zrz_2023_page.docx"), ("mammoth-html", "030_pingtan_zrz_2023_page.docx"),
}
_SECTION = {"applications": "三", "review_litigation": "四", "active": "二"}


def _cases() -> list:
    out = []
    for conv, (_, suffixes) in CONVERTERS.items():
        for path in sorted(REAL.iterdir()):
            if path.suffix in suffixes and (REAL / (path.stem + ".expected.json")).exists():
                out.append(pytest.param(conv, path.name, id=f"{conv}-{path.name}"))
    return out


@pytest.mark.parametrize(("converter", "sample"), _cases())
def test_converted_sample_parses_to_its_expected_numbers(converter: str, sample: str) -> None:
    convert, _ = CONVERTERS[converter]
    path = REAL / sample
    data, suffix = convert(path)
    expected = json.loads((REAL / (path.stem + ".expected.json")).read_text(encoding="utf-8"))
    out = report_to_json(parse_bytes(data, f"{path.stem}.{converter}{suffix}"))
    result = compare(out, expected)
    assert result["wrong"] == [], result["wrong"][:5]
    flagged = {(f.get("location") or {}).get("section") for f in out["findings"] if f["severity"] != "info"}
    unexplained = [n for n in result["null"] if _SECTION[n[0]] not in flagged]
    assert unexplained == [], unexplained[:5]
    if (converter, sample) in FULL:
        assert result["null"] == [], result["null"][:5]
