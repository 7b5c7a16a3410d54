"""Across years, same bureau (FORMAT.md identities 5 and 6).

I5: carried_over(N) = carried_forward(N−1), every column of section 三.
I6 (layout 2021 both years): 现行有效(N−1) + 制发(N) − 废止(N) = 现行有效(N), for 规章
and 行政规范性文件.

The previous year's report is the bureau's report for N−1 in the batch, else the one
history holds (most recently loaded). No previous report: nothing to check, no finding.
"""

from __future__ import annotations

from expectations.registry import Hits, Rule, empty_frame, register
from expectations.rulebook._common import app_column_labels, app_row_labels, frame, hit, number
from transforms.report import Location
from transforms.spec import LAYOUTS


def previous_reports(inp, years_back: int = 1) -> pd.DataFrame:
    """Batch reports with a report of the same bureau ``years_back`` years earlier.

    Columns: report_id, bureau, year, layout, prev_id, prev_layout.
    """
    batch = inp.reports[inp.reports["bureau"].notna() & inp.reports["year"].notna()][["report_id", "bureau", "year", "layout"]]
    if batch.empty:
        return batch.assign(prev_id=[], prev_layout=[])
    batch = batch.assign(year=batch["year"].astype(int))
    pref = inp.preferred()[["report_id", "bureau", "year", "layout"]].rename(
        columns={"report_id": "prev_id", "layout": "prev_layout"})
    pref = pref.assign(year=pref["year"] + years_back)
    return batch.merge(pref, on=["bureau", "year"], how="inner")


def _value_map(frame_: pd.DataFrame, *keys: str) -> dict:
    return dict(zip(zip(frame_["report_id"], *(frame_[k] for k in keys)), frame_["value"]))


def i5_instances(inp) -> pd.DataFrame:
    import numpy as np

    pairs = previous_reports(inp)
    if pairs.empty:
        return empty_frame("pairs")
    cur = _value_map(inp.facts("application_facts", report_ids=pairs["report_id"], row_key=["carried_over"]), "column_key")
    prv = _value_map(inp.facts("application_facts", report_ids=pairs["prev_id"], row_key=["carried_forward"]), "column_key")
    cols = LAYOUTS["2021"].app_column_keys
    rows = [(r, p, int(y), c, cur.get((r, c), np.nan), prv.get((p, c), np.nan))
            for r, p, y in zip(pairs["report_id"], pairs["prev_id"], pairs["year"]) for c in cols
            if (r, c) in cur and (p, c) in prv]
    if not rows:
        return empty_frame("pairs")
    labels = app_column_labels()
    return frame("pairs", "identity.I5", report_id=[x[0] for x in rows], lhs_value=[x[4] for x in rows],
                 rhs_value=[x[5] for x in rows], section="三", row_label=app_row_labels()["carried_over"],
                 column_label=[labels[x[3]] for x in rows], note=[f"{x[1]}|{x[2] - 1}" for x in rows])


def _prev_name(inp, note: str) -> tuple[str, str]:
    prev_id, prev_year = note.split("|")
    where = inp.sources.get(prev_id) or f"报告 {prev_id}"
    return prev_year, where


def i5_explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    forward = app_row_labels()["carried_forward"]
    for row in rows.itertuples(index=False):
        prev_year, where = _prev_name(inp, row.note)
        message = (f"第三部分“{row.row_label}”行“{row.column_label}”列为{number(row.lhs_value)}，"
                   f"但本单位{prev_year}年度报告（{where}）“{forward}”为{number(row.rhs_value)}")
        out.append(hit(row.report_id, "identity.I5", message, Location("三", row.row_label, row.column_label),
                       expected=number(row.rhs_value), found=number(row.lhs_value), source=inp.source))
    return out


def i6_instances(inp) -> pd.DataFrame:
    pairs = previous_reports(inp)
    pairs = pairs[(pairs["layout"] == "2021") & (pairs["prev_layout"] == "2021")]
    if pairs.empty:
        return empty_frame("pairs")
    cur = _value_map(inp.facts("disclosure_facts", report_ids=pairs["report_id"], block_key=["art20_1"]), "item_key", "column_key")
    prv = _value_map(inp.facts("disclosure_facts", report_ids=pairs["prev_id"], block_key=["art20_1"]), "item_key", "column_key")
    block = LAYOUTS["2021"].block("art20_1")
    rows = []
    for r, p, y in zip(pairs["report_id"], pairs["prev_id"], pairs["year"]):
        for item in block.items:
            keys = [(p, item.key, "in_force"), (r, item.key, "issued"), (r, item.key, "repealed"), (r, item.key, "in_force")]
            if keys[0] not in prv or not all(k in cur for k in keys[1:]):
                continue
            before, issued, repealed, now = prv[keys[0]], cur[keys[1]], cur[keys[2]], cur[keys[3]]
            rows.append((r, item.label, before + issued - repealed, now, f"{p}|{int(y) - 1}|{number(before)}|{number(issued)}|{number(repealed)}"))
    if not rows:
        return empty_frame("pairs")
    return frame("pairs", "identity.I6", report_id=[x[0] for x in rows], lhs_value=[x[2] for x in rows],
                 rhs_value=[x[3] for x in rows], section="二", row_label=[x[1] for x in rows],
                 column_label="现行有效件数", note=[x[4] for x in rows])


def i6_explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    for row in rows.itertuples(index=False):
        prev_id, prev_year, before, issued, repealed = row.note.split("|")
        where = inp.sources.get(prev_id) or f"报告 {prev_id}"
        message = (f"第二部分“第二十条第（一）项”“{row.row_label}”：上年（{prev_year}年度报告，{where}）现行有效{before}件"
                   f" + 本年制发{issued}件 − 本年废止{repealed}件 = {number(row.lhs_value)}件，"
                   f"但本年“现行有效件数”为{number(row.rhs_value)}")
        out.append(hit(row.report_id, "identity.I6", message, Location("二", row.row_label, "现行有效件数"),
                       expected=number(row.lhs_value), found=number(row.rhs_value), source=inp.source))
    return out


_PAIR = {"column_A": "lhs_value", "column_B": "rhs_value", "ignore_row_if": "either_value_is_missing"}
register(Rule(
    cross_report=True, id="identity.I5", code="identity.I5", engine="ge", frame="pairs", expectation="ExpectColumnPairValuesToBeEqual",
    kwargs=_PAIR, description="本年“上年结转” = 本单位上一年度报告“结转下年度继续办理”（每一列）",
    instances=i5_instances, explain=i5_explain,
))
register(Rule(
    cross_report=True, id="identity.I6", code="identity.I6", engine="ge", frame="pairs", expectation="ExpectColumnPairValuesToBeEqual",
    kwargs=_PAIR, description="上年现行有效 + 本年制发 − 本年废止 = 本年现行有效（2021版，规章、行政规范性文件）",
    instances=i6_instances, explain=i6_explain,
))
