"""The soundness rule the golden and round-trip tests enforce, checked on hand-made parses.

A null cell is acceptable only when an error or warning is located on its own section
and row (or is a row-range finding on the section that names the row); a row of the
wrong length is wrong, never cut to the shorter side.
"""

from __future__ import annotations

from golden import compare as golden_compare
from gongkai.synth.compare import compare as synth_compare
from transforms.findings import explains_null
from transforms.spec import LAYOUTS

LAYOUT = LAYOUTS["2021"]
GRANTED = LAYOUT.row("granted").label
DENIED = LAYOUT.row("denied_state_secret").label


def _finding(code: str, severity: str, section: str | None, row: str | None, message: str = "") -> dict:
    return {"code": code, "severity": severity, "message": message,
            "location": {"section": section, "row": row, "column": None, "source": None}}


def _parse(rows: dict, findings: list[dict], review=None) -> dict:
    return {"bureau": "某局", "year": 2021, "layout": "2021", "applications": rows,
            "review_litigation": review, "active_disclosure": [], "findings": findings}


def _expected(rows: dict, review=None) -> dict:
    return {"bureau": "某局", "year": 2021, "layout": "2021", "applications": rows,
            "review_litigation": review, "active_disclosure": []}


def test_a_finding_on_the_cells_row_explains_it() -> None:
    f = _finding("cell.split_ambiguous", "error", "三", GRANTED)
    assert explains_null([f], "三", (GRANTED,))


def test_a_finding_on_another_row_or_section_does_not() -> None:
    assert not explains_null([_finding("cell.split_ambiguous", "error", "三", DENIED)], "三", (GRANTED,))
    assert not explains_null([_finding("cell.split_ambiguous", "error", "二", GRANTED)], "三", (GRANTED,))


def test_info_findings_explain_nothing() -> None:
    assert not explains_null([_finding("cell.split_recovered", "info", "三", GRANTED)], "三", (GRANTED,))


def test_a_row_range_finding_explains_only_the_rows_it_names() -> None:
    cut = _finding("table.truncated", "error", "三", None, f"表格在某行之后中断，缺少以下2行：{GRANTED}；{DENIED}")
    assert explains_null([cut], "三", (GRANTED,))
    other = LAYOUT.row("ignored_repeat").label
    assert not explains_null([cut], "三", (other,))


def test_section_four_has_one_row() -> None:
    assert explains_null([_finding("section.missing", "error", "四", None)], "四", ())


def test_a_whole_file_error_explains_every_cell() -> None:
    assert explains_null([_finding("file.unreadable", "error", None, None)], "三", (GRANTED,))
    assert not explains_null([_finding("meta.bureau_missing", "warning", None, None)], "三", (GRANTED,))


def test_golden_compare_lists_unexplained_nulls_and_short_rows() -> None:
    exp = _expected({"granted": [1, 0, 0, 0, 0, 0, 1], "denied_state_secret": [0] * 7})
    stray = [_finding("cell.split_ambiguous", "error", "三", DENIED)]
    got = golden_compare(_parse({"granted": [None] * 7, "denied_state_secret": [0] * 6}, stray), exp)
    assert ("applications", "denied_state_secret", "length", 6, 7) in got["wrong"]
    assert len(got["unexplained"]) == 7  # the finding sits on another row
    named = [_finding("cell.split_ambiguous", "error", "三", GRANTED)]
    got = golden_compare(_parse({"granted": [None] * 7, "denied_state_secret": [0] * 7}, named), exp)
    assert got["wrong"] == [] and len(got["null"]) == 7 and got["unexplained"] == []


def test_synth_compare_is_as_strict() -> None:
    rows = {k: [0] * 7 for k in LAYOUT.app_row_keys}
    truth = {**_expected(rows, [0] * 15), "active_disclosure": []}
    out = _parse({**rows, "granted": [None] * 7, "denied_state_secret": [0] * 8}, [], [0] * 15)
    res = synth_compare(truth, out)
    assert not res.safe
    assert len(res.null_unexplained) == 7
    assert ("三", "denied_state_secret", "length", 8, 7) in res.wrong
    # a warning anywhere else in section 三 no longer explains the row
    out["findings"] = [_finding("identity.I2", "warning", "三", DENIED)]
    assert len(synth_compare(truth, out).null_unexplained) == 7
    out["findings"] = [_finding("cell.split_ambiguous", "error", "三", GRANTED)]
    out["applications"]["denied_state_secret"] = [0] * 7
    assert synth_compare(truth, out).safe
