"""Numbers the narrative states versus the tables.

The statements are read by ``transforms.statements`` (the parser uses the same ones as
evidence for run-together digits). Where a sentence may count either way, both readings are accepted:
收到申请N件 may include the carried-over ones (new_received or new + carried_over),
行政诉讼N件 may be either litigation group or both. The 信息处理费 a 2021-layout report
says in section 六 it charged is a 行政事业性收费, so it cannot exceed the 收费金额 of
section 二 (第二十条第（八）项): checked as A ≥ B, and only an info by default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from expectations.registry import Hits, Rule, empty_frame, register
from expectations.rulebook._common import frame, number
from transforms.findings import make_finding
from transforms.report import Finding, Location
from transforms.statements import stated_fee_wan_yuan, stated_numbers

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from expectations.one_report import OneReport

NAN = float("nan")

_LABEL = {
    "new_received": ("三", "一、本年新收政府信息公开申请数量", "总计", "收到申请"),
    "granted": ("三", "（一）予以公开", "总计", "予以公开"),
    "review_total": ("四", "行政复议", "总计", "行政复议"),
    "litigation_total": ("四", "行政诉讼", "总计", "行政诉讼"),
}


def _table_values(inp, report_ids) -> dict[tuple[str, str], float]:
    """(report, quantity) → the table's number(s) the narrative may state."""
    apps = inp.facts("application_facts", report_ids=report_ids, row_key=["new_received", "carried_over", "granted"],
                     column_key=["total"])
    rev = inp.facts("review_facts", report_ids=report_ids, outcome_key=["total"])
    out: dict[tuple[str, str], float] = {}
    for r, k, v in zip(apps["report_id"], apps["row_key"], apps["value"]):
        out[(r, k)] = v
    for r, g, v in zip(rev["report_id"], rev["group_key"], rev["value"]):
        out[(r, g)] = v
    return out


def _accepted(quantity: str, g: Callable[[str], float]) -> tuple[float, list[float]]:
    """(the table value to show, every value the sentence may mean); ``g``: key → the report's table value."""
    if quantity == "new_received":
        return g("new_received"), [g("new_received"), g("new_received") + g("carried_over")]
    if quantity == "granted":
        return g("granted"), [g("granted")]
    if quantity == "review_total":
        return g("review"), [g("review")]
    direct, after = g("litigation_direct"), g("litigation_after_review")
    return direct + after, [direct + after, direct, after]


def _pair(quantity: str, n: int, g: Callable[[str], float]) -> tuple[float, float]:
    """(stated, the table's value): equal when the sentence may mean what the table says."""
    shown, accepted = _accepted(quantity, g)
    return float(n), (float(n) if any(a == n for a in accepted) else shown)


def _all_stated(inp) -> list[tuple[str, str, int, str]]:
    """(report, quantity, number, phrase) over the batch's narratives, read once per batch."""
    cache = inp.__dict__.setdefault("_text_stated", {})
    if "all" not in cache:
        nar = inp.narratives
        nar = nar[nar["report_id"].isin(inp.batch_ids) & nar["section_key"].isin(_TEXT_SECTIONS)]
        years = {r: (int(y) if y == y and y is not None else None) for r, y in zip(inp.reports["report_id"], inp.reports["year"])}
        cache["all"] = [(rid, q, n, phrase) for rid, text in zip(nar["report_id"].tolist(), nar["text"].tolist())
                        for q, n, phrase in stated_numbers(text, years.get(rid))]
    return cache["all"]


_TEXT_SECTIONS = ["overview", "other"]


def _text_instances(quantity: str):
    def instances(inp) -> pd.DataFrame:
        stated = [(rid, n, phrase) for rid, q, n, phrase in _all_stated(inp) if q == quantity]
        if not stated:
            return empty_frame("pairs")
        vals = _table_values(inp, {r for r, _, _ in stated})
        pairs = [_pair(quantity, n, lambda k, rid=rid: vals.get((rid, k), NAN)) for rid, n, _ in stated]
        section, row, column, _ = _LABEL[quantity]
        return frame("pairs", f"text.{quantity}", report_id=[r for r, _, _ in stated],
                     lhs_value=[p[0] for p in pairs], rhs_value=[p[1] for p in pairs],
                     section=section, row_label=row, column_label=column, note=[p for _, _, p in stated])
    return instances


def _text_finding(quantity: str, note: str, lhs: float, rhs: float, report: str | None) -> Finding:
    section, row_label, column_label, what = _LABEL[quantity]
    message = (f"正文写“{note}”（{what}{number(lhs)}件），但第{section}部分"
               f"“{row_label}”行“{column_label}”为{number(rhs)}")
    return make_finding(f"text.{quantity}", message, Location(section, row_label, column_label),
                        expected=number(rhs), found=number(lhs), report=report)


def _text_explain(quantity: str):
    def explain(rows: pd.DataFrame, inp) -> Hits:
        return [(row.report_id, _text_finding(quantity, row.note, row.lhs_value, row.rhs_value,
                                              inp.source.get(row.report_id)))
                for row in rows.itertuples(index=False)]
    return explain


def _report_values(rep: OneReport) -> dict[str, float]:
    """The one report's table values a narrative may state (``_table_values`` for one report)."""
    out = {k: v for (k, c), v in rep.value_map("application_facts").items()
           if k in ("new_received", "carried_over", "granted") and c == "total"}
    out.update({g: v for (g, o), v in rep.value_map("review_facts").items() if o == "total"})
    return out


def _text_single(quantity: str):
    def single(rep: OneReport) -> list[Finding]:
        from expectations.one_report import rule_holds

        vals = _report_values(rep)
        out = []
        for key, text in rep.narratives:
            if key not in _TEXT_SECTIONS:
                continue
            for q, n, phrase in stated_numbers(text, rep.year):
                if q != quantity:
                    continue
                lhs, rhs = _pair(quantity, n, lambda k: vals.get(k, NAN))
                if not rule_holds(f"text.{quantity}", lhs, rhs):
                    out.append(_text_finding(quantity, phrase, lhs, rhs, rep.source))
        return out
    return single


for _q, _desc in (
    ("new_received", "正文“收到申请N件” = 第三部分本年新收总计（或新收+上年结转）"),
    ("granted", "正文“予以公开N件” = 第三部分（一）予以公开总计"),
    ("review_total", "正文“行政复议N件” = 第四部分行政复议总计"),
    ("litigation_total", "正文“行政诉讼N件” = 第四部分行政诉讼总计（两组之和或其一）"),
):
    register(Rule(
        id=f"text.{_q}", code=f"text.{_q}", engine="ge", frame="pairs", expectation="ExpectColumnPairValuesToBeEqual",
        kwargs={"column_A": "lhs_value", "column_B": "rhs_value", "ignore_row_if": "either_value_is_missing"},
        description=_desc, instances=_text_instances(_q), explain=_text_explain(_q), single=_text_single(_q),
    ))


def _stated_fee(layout_id: str | None, text: str) -> tuple[float, str] | None:
    """(fee in 万元, phrase) that section 六 of a 2021-layout report says was charged, if any."""
    if layout_id != "2021":
        return None
    fee = stated_fee_wan_yuan(text)
    return fee if fee is not None and fee[0] > 0 else None


def fee_instances(inp) -> pd.DataFrame:
    nar = inp.narratives
    layouts = dict(zip(inp.reports["report_id"], inp.reports["layout"]))
    nar = nar[nar["report_id"].isin(inp.batch_ids) & (nar["section_key"] == "other")]
    stated = [(rid, *fee) for rid, text in zip(nar["report_id"], nar["text"])
              if (fee := _stated_fee(layouts.get(rid), text)) is not None]
    if not stated:
        return empty_frame("pairs")
    facts = inp.facts("disclosure_facts", report_ids={r for r, _, _ in stated}, block_key=["art20_8"],
                      column_key=["fee_amount"])
    fees = dict(zip(facts["report_id"], facts["value"]))
    return frame("pairs", "text.info_fee", report_id=[r for r, _, _ in stated],
                 lhs_value=[fees.get(r, NAN) for r, _, _ in stated], rhs_value=[f for _, f, _ in stated],
                 section="六", row_label="行政事业性收费", column_label="本年收费金额（单位：万元）",
                 note=[p for _, _, p in stated])


def _fee_finding(note: str, lhs: float, rhs: float, report: str | None) -> Finding:
    message = (f"第六部分写“{note}”（合{number(rhs)}万元），但第二部分“第二十条第（八）项”"
               f"“行政事业性收费”本年收费金额只有{number(lhs)}万元；信息处理费属于行政事业性收费，请核对。")
    return make_finding("text.info_fee", message, Location("二", "行政事业性收费", "本年收费金额（单位：万元）"),
                        expected=f"≥ {number(rhs)}", found=number(lhs), report=report)


def fee_explain(rows: pd.DataFrame, inp) -> Hits:
    return [(row.report_id, _fee_finding(row.note, row.lhs_value, row.rhs_value, inp.source.get(row.report_id)))
            for row in rows.itertuples(index=False)]


def fee_single(rep: OneReport) -> list[Finding]:
    from expectations.one_report import rule_holds

    fees = [v for (block, _, column), v in rep.value_map("disclosure_facts").items()
            if block == "art20_8" and column == "fee_amount"]
    lhs = fees[-1] if fees else NAN
    out = []
    for key, text in rep.narratives:
        fee = _stated_fee(rep.layout, text) if key == "other" else None
        if fee is not None and not rule_holds("text.info_fee", lhs, fee[0]):
            out.append(_fee_finding(fee[1], lhs, fee[0], rep.source))
    return out


register(Rule(
    id="text.info_fee", code="text.info_fee", engine="ge", frame="pairs",
    expectation="ExpectColumnPairValuesAToBeGreaterThanB",
    kwargs={"column_A": "lhs_value", "column_B": "rhs_value", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    description="第六部分所述信息处理费 ≤ 第二部分行政事业性收费本年收费金额（2021版）",
    instances=fee_instances, explain=fee_explain, single=fee_single,
))
