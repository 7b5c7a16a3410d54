"""Expectations generated from the spec: identities I1–I4 and cell domains.

Reports are built by hand (and from the real samples' expected numbers), turned
into the batch tables with ``to_tables`` and validated in one call, the way the
pipeline does it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from expectations.suites import suite_summary
from expectations.validate import identity_failures, validate_batch
from transforms.report import ActiveDisclosureCell, CellValue, Finding, ParsedReport
from transforms.spec import LAYOUTS, REVIEW_GROUP_KEYS
from transforms.tables import ReportRow, to_tables

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real"


# -- building reports ---------------------------------------------------------

def cell(n: int | float | None) -> CellValue:
    if n is None:
        return CellValue(None, "?", is_blank=None)
    return CellValue(Decimal(str(n)), str(n))


def consistent_applications(layout_id: str) -> dict[str, list[int]]:
    """A section 三 matrix satisfying I1–I3, derived from the spec's row list."""
    layout = LAYOUTS[layout_id]
    n_app = len(layout.app_columns) - 1

    def with_total(values: list[int]) -> list[int]:
        return values + [sum(values)]

    apps: dict[str, list[int]] = {}
    for i, key in enumerate(layout.result_row_keys):
        apps[key] = with_total([(i + j) % 3 for j in range(n_app)])
    results_total = [sum(apps[k][j] for k in layout.result_row_keys) for j in range(n_app)]
    carried_forward = [j % 2 for j in range(n_app)]
    carried_over = [1 if rt + cf >= 1 else 0 for rt, cf in zip(results_total, carried_forward)]
    apps["results_total"] = with_total(results_total)
    apps["carried_forward"] = with_total(carried_forward)
    apps["carried_over"] = with_total(carried_over)
    apps["new_received"] = with_total([rt + cf - co for rt, cf, co in zip(results_total, carried_forward, carried_over)])
    return {key: apps[key] for key in layout.app_row_keys}


def consistent_review() -> list[int]:
    values: list[int] = []
    for g in range(len(REVIEW_GROUP_KEYS)):
        parts = [g, 1, 0, 2]
        values += parts + [sum(parts)]
    return values


def full_disclosure(layout_id: str | None) -> list[tuple[str, str, str, float, str]]:
    """Every section 二 cell of the layout (counts 1, amounts 2.5 万元, 本年增/减 0)."""
    if layout_id not in LAYOUTS:
        return []
    out = []
    for b in LAYOUTS[layout_id].blocks:
        for i in b.items:
            for c in b.columns:
                value, unit = {"count": (1, "件"), "delta": (0, "件"), "money": (2.5, "万元")}[c.kind]
                out.append((b.key, i.key, c.key, value, unit))
    return out


def make_report(
    layout: str | None = "2021",
    applications: dict[str, list[int | None]] | None = None,
    review: list[int | None] | None = None,
    disclosure: list[tuple[str, str, str, float, str]] = (),
    year: int | None = None,
) -> ParsedReport:
    year = year if year is not None else (2020 if layout == "2019" else 2022)
    apps = applications if applications is not None else consistent_applications(layout or "2021")
    rev = review if review is not None else consistent_review()
    given = {(b, i, c): (b, i, c, v, u) for b, i, c, v, u in disclosure}
    disclosure = [given.pop((b, i, c), (b, i, c, v, u)) for b, i, c, v, u in full_disclosure(layout)] + list(given.values())
    return ParsedReport(
        source="hand-made",
        carrier="txt",
        layout=layout,
        year=year,
        applications={k: [cell(v) for v in vals] for k, vals in apps.items()},
        review_litigation=[cell(v) for v in rev],
        active_disclosure=[ActiveDisclosureCell(b, i, c, cell(v), unit) for b, i, c, v, unit in disclosure],
    )


def validate(*reports: ParsedReport) -> dict[str, list[Finding]]:
    rows = [ReportRow(rep, f"r{n}", f"/in/r{n}.txt", "test", "run") for n, rep in enumerate(reports)]
    return validate_batch(to_tables(rows))


def where(findings: list[Finding]) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(f.code, f.location.section, f.location.row, f.location.column) for f in findings]


def label(layout: str, row_key: str) -> str:
    return LAYOUTS[layout].row(row_key).label


# -- the suites ---------------------------------------------------------------

def test_suite_is_generated_from_every_spec_identity():
    summary = suite_summary()
    names = {s["name"] for s in summary}
    for layout in LAYOUTS.values():
        for ident in layout.identities:
            assert f"{layout.id}.{ident.id}" in names
    domain = [s for s in summary if s["suite"] == "domains"]
    assert {s["meta"]["kind"] for s in domain} == {"count", "money"}  # delta is unbounded
    assert all(s["finding_code"] == "domain.negative" for s in domain)


# -- identities ---------------------------------------------------------------

@pytest.mark.parametrize("layout", ["2019", "2021"])
def test_consistent_report_has_no_findings(layout):
    assert validate(make_report(layout)) == {"r0": []}


def test_i1_broken_names_the_columns():
    apps = consistent_applications("2021")
    apps["carried_forward"][0] += 1
    apps["carried_forward"][-1] += 1
    (found,) = validate(make_report("2021", apps)).values()
    assert where(found) == [("identity.I1", "三", None, "自然人"), ("identity.I1", "三", None, "总计")]
    assert found[0].severity == "error"
    assert found[0].report == "/in/r0.txt"


def test_i2_broken_names_results_total_row():
    apps = consistent_applications("2019")
    apps["granted"][1] += 2
    apps["granted"][-1] += 2
    (found,) = validate(make_report("2019", apps)).values()
    total = label("2019", "results_total")
    assert where(found) == [("identity.I2", "三", total, "商业企业"), ("identity.I2", "三", total, "总计")]
    before = consistent_applications("2019")["results_total"][1]
    assert (found[0].expected, found[0].found) == (str(before + 2), str(before))
    assert "各行之和为" in found[0].message and "，但“（七）总计”行填报为" in found[0].message


def test_i3_broken_names_the_rows():
    apps = consistent_applications("2021")
    apps["granted"][-1] += 1
    apps["partially_granted"][-1] -= 1
    (found,) = validate(make_report("2021", apps)).values()
    assert where(found) == [
        ("identity.I3", "三", label("2021", "granted"), "总计"),
        ("identity.I3", "三", label("2021", "partially_granted"), "总计"),
    ]


def test_i4_broken_names_the_group():
    review = consistent_review()
    review[4] += 1  # 行政复议 总计
    (found,) = validate(make_report("2021", review=review)).values()
    assert where(found) == [("identity.I4", "四", "行政复议", "总计")]
    assert found[0].message == "第四部分“行政复议”组：“结果维持”至“尚未审结”各项之和为3，但“总计”项为4"


def test_null_and_missing_cells_make_an_instance_uncheckable():
    apps: dict[str, list[int | None]] = dict(consistent_applications("2021"))
    apps["granted"] = list(apps["granted"])
    apps["granted"][0] = None  # unreadable: I2 自然人 and I3 予以公开 cannot be checked
    apps["granted"][-1] += 5  # would break I3 予以公开 and I2 总计 if checkable
    del apps["carried_forward"]  # truncated table: I1 cannot be checked anywhere
    review = consistent_review()
    review[4] = None
    review[9] += 1  # the second group still breaks
    (found,) = validate(make_report("2021", apps, review)).values()
    assert where(found) == [
        ("identity.I2", "三", label("2021", "results_total"), "总计"),
        ("identity.I4", "四", "行政诉讼·未经复议直接起诉", "总计"),
        ("completeness.cells_missing", "三", None, None),  # no parser finding said the row is missing
    ]


# -- domains ------------------------------------------------------------------

def test_negative_count_and_amount_are_findings_but_delta_is_not():
    review = consistent_review()
    review[5] -= 2  # 直接起诉 结果维持 (0 → -2)
    review[6] += 2  # … and 结果纠正, so the group still adds up
    disclosure_2021 = [("art20_6", "penalty", "decisions", -3, "件"), ("art20_5", "licensing", "decisions", 4, "件")]
    disclosure_2019 = [
        ("art20_5", "licensing", "delta_items", -5, "件"),
        ("art20_8", "fees", "delta_items", -1, "件"),
        ("art20_9", "central_procurement", "procurement_amount", -1.5, "万元"),
    ]
    result = validate(make_report("2021", review=review, disclosure=disclosure_2021),
                      make_report("2019", disclosure=disclosure_2019, year=2020))
    assert where(result["r0"]) == [
        ("domain.negative", "二", "行政处罚", "本年处理决定数量"),
        ("domain.negative", "四", "行政诉讼·未经复议直接起诉", "结果维持"),
    ]
    assert where(result["r1"]) == [("domain.negative", "二", "政府集中采购", "采购总金额")]
    assert result["r1"][0].found == "-1.5"
    assert "本年增/减" in result["r1"][0].message


# -- batches and real samples ---------------------------------------------------

def test_batch_findings_go_to_their_report():
    review = consistent_review()
    review[14] -= 1
    apps = consistent_applications("2019")
    apps["ignored_repeat"][2] += 1
    apps["ignored_repeat"][-1] += 1
    result = validate(make_report("2021"), make_report("2021", review=review), make_report(None),
                      make_report("2019", apps, year=2019))
    assert set(result) == {"r0", "r1", "r2", "r3"}
    assert result["r0"] == [] and result["r2"] == []
    assert where(result["r1"]) == [("identity.I4", "四", "行政诉讼·复议后起诉", "总计")]
    assert {f.code for f in result["r3"]} == {"identity.I2"}


def sample_report(name: str) -> tuple[ParsedReport, dict]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return make_report(expected["layout"], expected["applications"], expected["review_litigation"],
                       year=expected["year"]), expected


def test_real_samples_failures_are_found():
    r008, e008 = sample_report("008_pingtan_gaj_2021")
    r030, e030 = sample_report("030_pingtan_zrz_2023_page")
    result = validate(r008, r030)
    assert where(result["r0"]) == [("identity.I1", "三", None, "自然人"), ("identity.I1", "三", None, "总计")]
    assert len(result["r0"]) == len(e008["identity_failures_in_original"])
    assert where(result["r1"]) == [
        ("identity.I1", "三", None, "商业企业"),
        ("identity.I3", "三", label("2021", "partially_granted"), "总计"),
        ("identity.I3", "三", label("2021", "results_total"), "总计"),
    ]
    assert len(result["r1"]) == len(e030["identity_failures_in_original"])
    partial = result["r1"][1]
    assert (partial.expected, partial.found) == ("9", "8")
    assert partial.message.endswith("“自然人”至“其他”各列之和为9，但“总计”列为8")
    i1 = result["r1"][0].message
    assert "之和为0" in i1 and "之和为1" in i1


def test_identity_failures_frame():
    r030, _ = sample_report("030_pingtan_zrz_2023_page")
    rows = [ReportRow(r030, "x", "/in/x.html", "test", "run")]
    frame = identity_failures(to_tables(rows))
    assert list(frame["identity_id"]) == ["I1", "I3", "I3"]
    assert list(frame["lhs_value"]) == [0, 8, 19] and list(frame["rhs_value"]) == [1, 9, 20]


def test_one_quiet_validation_per_frame_kind(capfd, monkeypatch):
    import expectations.validate as validate_module

    calls: list[list[str]] = []
    real = validate_module.run_suites

    def counting(frames):
        calls.append(sorted(frames))
        return real(frames)

    monkeypatch.setattr(validate_module, "run_suites", counting)
    capfd.readouterr()
    validate(*(make_report("2021") for _ in range(5)), make_report("2019"))
    assert calls == [["domains", "identities"]]  # no rulebook instances here: pairs/bounds frames are empty
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # no progress bars, no GE log lines


def test_rulebook_frames_are_one_validation_each(monkeypatch):
    import expectations.validate as validate_module

    calls: list[list[str]] = []
    real = validate_module.run_suites

    def counting(frames):
        calls.append(sorted(frames))
        return real(frames)

    monkeypatch.setattr(validate_module, "run_suites", counting)
    reports = [make_report("2021") for _ in range(3)]
    for n, rep in enumerate(reports):
        rep.bureau = f"测试局{n}"
        rep.narratives = {"overview": f"本年度收到政府信息公开申请{rep.applications['new_received'][-1].value + n}件。"}
    found = validate(*reports)
    assert calls == [["domains", "identities", "pairs"]]  # narrative checks share one "pairs" validation
    assert [len(found[f"r{n}"]) for n in range(3)] == [0, 1, 1]


def test_suite_summary_lists_the_rulebook_checks():
    summary = {s["name"]: s for s in suite_summary()}
    assert summary["identity.I5"]["suite"] == "pairs" and summary["identity.I5"]["where"] == {"check": "identity.I5"}
    assert summary["plausibility.jump"]["expectation"] == "ExpectColumnValuesToBeBetween"
    assert summary["text.info_fee"]["expectation"] == "ExpectColumnPairValuesAToBeGreaterThanB"
