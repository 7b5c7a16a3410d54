"""Synthetic reports through the real parser, compared with their truth cell by cell.

Promise checked: at mess 0 every cell is read correctly; at every higher level no
cell is wrong — each is either correct or null, and every null is explained by
an error/warning finding in its section naming its row (or no row).

Counts: ``GONGKAI_SYNTH_N`` reports per (carrier, level) for txt, html and md
(default 60), ``GONGKAI_SYNTH_OFFICE_N`` for docx/xlsx/pdf (default 8), so the
default run takes ~15 s. The full corpus run is e.g.
``GONGKAI_SYNTH_N=200 GONGKAI_SYNTH_OFFICE_N=50 pytest tests/test_synth_roundtrip.py``.

Parser bugs this corpus found are pinned in ``KNOWN_BUGS``: one generated report
each (seed, index, mess, carrier), kept as regression cases now that they are fixed.
The generator does not work around them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gongkai.synth import generate, render_report
from gongkai.synth.compare import Comparison, compare
from gongkai.synth.evidence import history_from_truth
from transforms.parse import parse_bytes
from transforms.serialize import report_to_json

TEXT_N = int(os.environ.get("GONGKAI_SYNTH_N", "60"))
OFFICE_N = int(os.environ.get("GONGKAI_SYNTH_OFFICE_N", "20"))
# The clean and the messiest level run at least 200 reports per carrier (issue 3's bar).
EDGE_N = int(os.environ.get("GONGKAI_SYNTH_EDGE_N", "200"))
SEED = int(os.environ.get("GONGKAI_SYNTH_SEED", "20240501"))
GRID_CARRIERS = ("html", "docx", "xlsx", "pdf", "md")

# Whole (carrier, level) corpora that currently fail because of a pinned bug below.
KNOWN: dict[tuple[str, int], str] = {}

# id -> (seed, index, mess, carrier, criterion, what goes wrong)
KNOWN_BUGS: dict[str, tuple[int, int, int, str, str, str]] = {
    "txt-tab-colspan-placeholders": (1, 0, 0, "txt", "perfect",
        "tab text keeping one empty cell per merged label column (`一、本年新收…\\t\\t\\t4\\t1\\t0\\t0\\t0\\t0\\t5`): "
        "table.row_too_many_cells, every cell of the row null"),
    "section4-blank-markers-html": (1, 1, 1, "html", "perfect",
        "section 四 value row with blank markers (''/'/'/'—'): all 15 cells null (row_too_few_cells / truncated)"),
    "section4-blank-markers-docx": (1, 1, 1, "docx", "perfect", "as section4-blank-markers-html"),
    "section4-blank-markers-xlsx": (1, 1, 1, "xlsx", "perfect", "as section4-blank-markers-html"),
    "section4-blank-markers-pdf": (1, 1, 1, "pdf", "perfect", "as section4-blank-markers-html"),
    "pdf-blank-page-crash": (20240503, 46, 2, "pdf", "safe",
        "a PDF with an empty page: reader emits file.no_text_pages, findings registry raises KeyError out of parse_bytes"),
    "pdf-subtotal-column": (99, 22, 2, "pdf", "section3_complete",
        "PDF only: section 三 with a 法人或其他组织 小计 column plus 小计 rows → table.row_too_many_cells on every row, "
        "161 cells null (the html/docx/xlsx of the same report read completely)"),
    "xlsx-blank-last-row-reads-narrative": (1, 23, 3, "xlsx", "safe",
        "xlsx: 四、结转下年度继续办理 printed with all 7 cells blank; the row's numbers are taken from the section 一 "
        "sentence `办结11件，结转下年度继续办理0件` (split_ambiguous, yet 总计 kept as 1; truth 0)"),
    "run-together-subtotal-head-row": (21, 3, 3, "txt", "safe",
        "`8.属于行政查询事项（四）无法提供１件11.本机关…`: the group row's subtotal digits are given to the previous row"),
    "run-together-subtotal-head-row-2": (21, 23, 3, "txt", "safe",
        "`（二）部分公开（…）（三）不子公开3000 003 1.属于国家秘密`: subtotal goes to （二）部分公开"),
    "run-together-subtotal-after-row": (21, 217, 3, "txt", "safe",
        "`8.属于行政查询事项///////小计3000104(四)无法提供`: 小计 digits given to row 8"),
    "run-together-space-in-number-s2": (21, 48, 3, "txt", "safe",
        "`行政事业性收费5 6812` (568 | 12): space inside a number taken as a cell break → 5 | 6812"),
    "run-together-space-in-number-s3": (7, 22, 3, "txt", "safe",
        "`（七）总计1 21010014` (12|1|0|1|0|0|14): space inside 12 taken as a break → 1|2|10|1|0|0|14 (also sums)"),
    "run-together-thousands-comma-s2": (21, 6, 3, "txt", "safe",
        "`规范性文件1,21801,230` (1,218 | 0 | 1,230) read as 1 | 21801 | 230 without a finding"),
    "run-together-fullwidth-point": (7, 86, 3, "txt", "safe",
        "`行政事业性收费９７．７１５７１８` read as 97 (full-width point drops the decimals)"),
    "run-together-fullwidth-comma": (21, 216, 3, "txt", "safe",
        "`行政许可１２４-5２３０，８１７` (124 | -5 | 230,817) read as 124 | -5230 | 817"),
    "run-together-section4-blanks": (21, 212, 3, "txt", "safe",
        "section 四 `1001023133` with blank cells: split_ambiguous, yet cells 0-4 and 8 kept as 0 (truth 1,0,0,0,1 …)"),
    "run-together-section4-fullwidth-units": (21, 110, 3, "txt", "safe",
        "section 四 `０04 ４０件136件０37件０11件０件2件`: third group kept as 0,0,0,0,0 (truth 0,1,1,0,2)"),
    "pdf-row-split-rest-under-empty-cells": (20240504, 39, 3, "pdf", "safe",
        "the row at a page break printed as its label on page 2 and its values (`4 / 0件 …`, blank markers among "
        "them) on page 3 without a header: the label row was read as blanks, i.e. 0 (2 wrong cells)"),
    "html-row-split-numbers-no-header": (7, 37, 3, "html", "safe",
        "the row at a page break split: its first three numbers with its label, the rest after `- N -` in a row of "
        "no label; the rest was read as no row and the label row's missing cells as blanks (2 wrong cells)"),
    "md-row-split-numbers-no-header": (7, 37, 3, "md", "safe",
        "as html-row-split-numbers-no-header, the `- 2 -` footer parsed by Markdown as the bullet `2 -`"),
    "run-together-subtotal-column": (7, 204, 3, "txt", "safe",
        "`（一）予以公开20781１3518225` with a 法人 subtotal column (207|8|1|1|3|5|18|225) read as 20|78|113|5|1|8|225"),
}


def _params() -> list:
    out = []
    for carrier in ("txt", "html", "docx", "xlsx", "pdf", "md"):
        for mess in (0, 1, 2, 3):
            marks = [pytest.mark.xfail(strict=False, reason=KNOWN[(carrier, mess)])] if (carrier, mess) in KNOWN else []
            out.append(pytest.param(carrier, mess, marks=marks, id=f"{carrier}-mess{mess}"))
    return out


def _parse_and_compare(data: bytes, name: str, truth: dict) -> Comparison:
    """Parsed with last year's report of the bureau as the warehouse would give it (identities 5, 6)."""
    try:
        out = report_to_json(parse_bytes(data, name, history=history_from_truth(truth)))
    except Exception as exc:  # parse_bytes promises never to raise for bad data: count it as a failure
        res = Comparison()
        res.meta_wrong.append(("parse_bytes raised", f"{type(exc).__name__}: {str(exc)[:80]}", None))
        return res
    return compare(truth, out)


def _run(tmp_path: Path, carrier: str, mess: int) -> list[tuple[str, Comparison]]:
    n = TEXT_N if carrier in ("txt", "html", "md") else OFFICE_N
    if mess in (0, 3):
        n = max(n, EDGE_N)
    results = []
    for path in generate(n, tmp_path, seed=SEED + mess, carriers=(carrier,), mess=mess):
        truth = json.loads(path.with_name(path.stem + ".truth.json").read_text(encoding="utf-8"))
        results.append((path.name, _parse_and_compare(path.read_bytes(), path.name, truth)))
    return results


def _summary(results: list[tuple[str, Comparison]], attr: str) -> str:
    bad = [(name, c) for name, c in results if not getattr(c, attr)]
    lines = [f"{len(bad)}/{len(results)} reports fail ({attr})"]
    for name, c in bad[:6]:
        lines.append(f"  {name}: meta={c.meta_wrong[:2]} wrong={c.wrong[:3]} null={c.null[:3]} "
                     f"unexplained={c.null_unexplained[:3]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("carrier", "mess"), _params())
def test_roundtrip(tmp_path: Path, carrier: str, mess: int) -> None:
    """Mess 0: every cell right. Mess 1–3: no cell wrong, every null explained."""
    results = _run(tmp_path, carrier, mess)
    attr = "perfect" if mess == 0 else "safe"
    assert all(getattr(c, attr) for _, c in results), _summary(results, attr)
    if mess == 0:
        assert sum(c.correct for _, c in results) == sum(c.cells for _, c in results)
    if (carrier, mess) == ("txt", 3):
        # issue 10: run-together text read by its sums and by evidence — 95.0 % of cells on this seed
        # (78 % before issue 10, 94.5 % before forced zero cuts, corroborated overview totals, the
        # omitted-column habit and the habit's wider reach; the 2021 single （六）其他处理 row leaves
        # some cells null)
        share = sum(c.correct for _, c in results) / sum(c.cells for _, c in results)
        assert share >= 0.948, f"{share:.1%} of cells read"


@pytest.mark.parametrize("carrier", GRID_CARRIERS)
def test_grid_carriers_read_blank_cells_as_zero(tmp_path: Path, carrier: str) -> None:
    """Mess 1 only changes how cells print; where the carrier keeps the grid, every cell is readable."""
    results = _run(tmp_path, carrier, 1)
    assert all(c.perfect for _, c in results), _summary(results, "perfect")


@pytest.mark.parametrize("bug", list(KNOWN_BUGS))
def test_known_parser_bug(bug: str) -> None:
    """Each report that once broke the parser stays fixed (regression cases, one per bug)."""
    seed, index, mess, carrier, criterion, _ = KNOWN_BUGS[bug]
    data, truth = render_report(seed, index, mess, carrier)
    res = _parse_and_compare(data, f"bug.{carrier}", truth)
    if criterion == "section3_complete":
        assert res.safe and not [n for n in res.null if n[0] == "三"], f"null={res.null[:4]}"
        return
    assert getattr(res, criterion), f"wrong={res.wrong[:4]} null={res.null[:4]} meta={res.meta_wrong}"
