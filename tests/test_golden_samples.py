"""Golden files: every bundled real sample against its ``*.expected.json``.

A wrong number is never acceptable. A ``null`` is acceptable only where the
document itself does not determine the value (run-together digits in section 二,
which has no identities to decide the split) and then it must come with a finding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golden import compare
from transforms.parse import parse_bytes, parse_file
from transforms.serialize import report_to_json

REAL = Path(__file__).resolve().parent.parent / "samples" / "real"
CARRIERS = (".txt", ".html", ".docx", ".xlsx", ".pdf")


def _cases():
    for exp in sorted(REAL.glob("*.expected.json")):
        for ext in CARRIERS:
            doc = exp.with_name(exp.name.replace(".expected.json", ext))
            if doc.exists():
                yield pytest.param(doc, exp, id=doc.name)


@pytest.mark.parametrize("doc,exp_path", list(_cases()))
def test_sample_numbers_are_never_wrong(doc: Path, exp_path: Path) -> None:
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    out = report_to_json(parse_file(doc))
    result = compare(out, expected)
    assert result["wrong"] == []
    # every null must be explained by an error or warning located on its own section and row
    assert result["unexplained"] == []


@pytest.mark.parametrize("doc,exp_path", list(_cases()))
def test_identity_determined_sections_have_no_nulls(doc: Path, exp_path: Path) -> None:
    """Sections 三 and 四 carry identities that settle run-together splits.

    A cell of 三/四 may stay null only when the digits really have several readings once
    vanished blank cells are considered — and then the finding lists the true reading.
    """
    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    out = report_to_json(parse_file(doc))
    nulls = [n for n in compare(out, expected)["null"] if n[0] != "active"]
    if not nulls:
        return
    assert {n[0] for n in nulls} == {"review_litigation"}, nulls
    truth = " · ".join(str(v) for v in expected["review_litigation"])
    amb = [f for f in out["findings"] if f["code"] == "cell.split_ambiguous" and f["location"]["section"] == "四"]
    assert amb and truth in amb[0]["message"]


def test_section_four_blank_readings_are_not_guessed() -> None:
    """004 prints 四 as 10203120001200000: with an empty cell possible (a 0 that vanished), group two
    can be 12 · 0 · 0 · 0 · 12 or blank · 120 · 0 · 0 · 120 — both add up, so the digits alone take neither.
    The document's habit does: its section 三 prints a 0 in every cell of 15 rows and leaves no row
    empty, so the reading without a vanished blank is taken — with a warning naming the habit."""
    data = (REAL / "004_pingtan_2021.txt").read_bytes()
    out = report_to_json(parse_bytes(data, "004_pingtan_2021.txt", use_habit=False))
    assert out["review_litigation"][:5] == [1, 0, 2, 0, 3]
    assert out["review_litigation"][5:10] == [None] * 5
    assert out["review_litigation"][10:] == [0] * 5
    out = report_to_json(parse_bytes(data, "004_pingtan_2021.txt"))
    assert out["review_litigation"][5:10] == [12, 0, 0, 0, 12]
    assert out["how"]["review_litigation"][5:10] == ["split_by_habit"] * 5
    habit = [f for f in out["findings"] if f["code"] == "cell.split_by_habit"]
    assert habit and habit[0]["severity"] == "warning" and "每格都填写了0" in habit[0]["message"]


@pytest.mark.parametrize("name", ["030_pingtan_zrz_2023_page.html", "008_pingtan_gaj_2021.txt"])
def test_grid_and_unambiguous_samples_are_complete(name: str) -> None:
    expected = json.loads((REAL / (name.rsplit(".", 1)[0] + ".expected.json")).read_text(encoding="utf-8"))
    out = report_to_json(parse_file(REAL / name))
    assert compare(out, expected) == {"wrong": [], "null": [], "unexplained": []}


def test_ambiguous_section_two_cells_are_null_with_candidates() -> None:
    """004: 行政规范性文件 printed as "693665" (69 · 3 · 665 in the original) — no identity decides it."""
    out = report_to_json(parse_file(REAL / "004_pingtan_2021.txt"))
    cells = [a for a in out["active_disclosure"] if a["item"] == "行政规范性文件"]
    assert [c["value"] for c in cells] == [None, None, None]
    amb = [f for f in out["findings"] if f["code"] == "cell.split_ambiguous" and f["location"]["row"] == "行政规范性文件"]
    assert amb and "69 · 3 · 665" in amb[0]["message"]
    assert amb[0]["severity"] == "error"


def test_fragment_keeps_what_it_has() -> None:
    """029 is pages 4+ of a PDF, cut mid-table: everything present is read, the cut is reported."""
    out = report_to_json(parse_file(REAL / "029_govnianbao_fragment.txt"))
    assert out["layout"] == "2021"
    assert out["applications"]["unavailable_not_held"] == [746, 12, 0, 0, 10, 1, 769]
    codes = {f["code"] for f in out["findings"]}
    assert "table.truncated" in codes
    assert out["review_litigation"] is None
    assert "section.missing" in codes


def test_traditional_characters_are_the_same_layout() -> None:
    """A site serving 030 in traditional characters: labels converted by OpenCC, numbers as published."""
    import opencc

    html = (REAL / "030_pingtan_zrz_2023_page.html").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(html)
    assert "處理" in traditional
    from transforms.parse import parse_bytes

    out = report_to_json(parse_bytes(traditional.encode("utf-8"), "030_traditional.html"))
    expected = json.loads((REAL / "030_pingtan_zrz_2023_page.expected.json").read_text(encoding="utf-8"))
    assert compare(out, expected) == {"wrong": [], "null": [], "unexplained": []}
    assert "file.traditional_script" in {f["code"] for f in out["findings"]}


@pytest.mark.parametrize("doc,exp_path", list(_cases()))
def test_identity_failures_of_the_original_are_reported(doc: Path, exp_path: Path) -> None:
    """Published numbers that do not add up are kept as published and reported, one finding per failure."""
    from expectations.validate import validate_batch
    from transforms.tables import ReportRow, report_id_for, to_tables

    expected = json.loads(exp_path.read_text(encoding="utf-8"))
    report = parse_file(doc)
    rid = report_id_for(report.sha256)
    findings = validate_batch(to_tables([ReportRow(report, rid, str(doc), "test", "test")]))[rid]
    identity = [f for f in findings if f.code.startswith("identity.")]
    assert len(identity) == len(expected["identity_failures_in_original"])
    out = report_to_json(report)
    # the numbers stay as published (030: 8 | 1 | … | 8 breaks I3 and is kept)
    assert compare(out, expected)["wrong"] == []
