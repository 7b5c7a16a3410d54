"""Duplicates: the same bureau and year submitted twice with different numbers.

Reports are identified by content, so two report ids for one bureau-year are two
different files. Same numbers (the HTML and the PDF of one report): nothing to say.
Different numbers: a warning on the batch report naming the other one and the first
cells that differ — unless the other one sits in history as quarantined, in which case
the new file is the bureau's correction and supersedes it.
"""

from __future__ import annotations

from expectations.registry import Hits, Rule, register
from expectations.rulebook._common import app_column_labels, app_row_labels, disclosure_labels, hit, number, review_labels
from transforms.report import Location

_TABLES = {
    "application_facts": ("row_key", "column_key"),
    "review_facts": ("group_key", "outcome_key"),
    "disclosure_facts": ("block_key", "item_key", "column_key"),
}


def _cells(inp, ids: set[str]) -> dict[str, dict[tuple, float]]:
    out: dict[str, dict[tuple, float]] = {i: {} for i in ids}
    for name, keys in _TABLES.items():
        facts = inp.facts(name, report_ids=ids)
        for rid, *k, v in zip(facts["report_id"], *(facts[c] for c in keys), facts["value"]):
            out[rid][(name, *k)] = v
    return out


def _cell_name(key: tuple) -> str:
    name, *k = key
    if name == "application_facts":
        return f"第三部分“{app_row_labels().get(k[0], k[0])}”行“{app_column_labels().get(k[1], k[1])}”列"
    if name == "review_facts":
        groups, outcomes = review_labels()
        return f"第四部分“{groups.get(k[0], k[0])}”“{outcomes.get(k[1], k[1])}”"
    labels = {**disclosure_labels("2019"), **disclosure_labels("2021")}
    _, item, col = labels.get(tuple(k), (k[0], k[1], k[2]))
    return f"第二部分“{item}”“{col}”"


def conflicts(inp) -> Hits:
    import pandas as pd

    known = inp.known_reports
    multi = known[known.duplicated(["bureau", "year"], keep=False)]
    multi = multi[multi["bureau"].isin(set(multi.loc[multi["in_batch"], "bureau"]))]
    if multi.empty:
        return []
    cells = _cells(inp, set(multi["report_id"]))
    status = dict(zip(multi["report_id"], multi["status"]))
    out: Hits = []
    for (bureau, year), group in multi.groupby(["bureau", "year"], sort=False):
        ids = list(group["report_id"])
        for rid, in_batch in zip(group["report_id"], group["in_batch"]):
            if not in_batch:
                continue
            for other in ids:
                if other == rid or (status.get(other) == "quarantined"):
                    continue
                a, b = cells[rid], cells[other]
                differ = [k for k in sorted(set(a) | set(b), key=str)
                          if not (k in a and k in b and (a[k] == b[k] or (pd.isna(a[k]) and pd.isna(b[k]))))]
                if not differ:
                    continue
                where = inp.sources.get(other) or f"报告 {other}"
                shown = "；".join(f"{_cell_name(k)}本报告为{number(a.get(k, float('nan')))}、另一份为{number(b.get(k, float('nan')))}"
                                 for k in differ[:3])
                out.append(hit(rid, "duplicate.conflict",
                               f"{bureau}{int(year)}年度另有一份报告（{where}），有{len(differ)}个数字不同：{shown}"
                               + ("……" if len(differ) > 3 else ""),
                               Location(), expected=other, found=str(len(differ)), source=inp.source))
    return out


register(Rule(cross_report=True, id="duplicate.conflict", code="duplicate.conflict", engine="pandas", run=conflicts,
              description="同一单位同一年度的另一份报告（本批或已入库）数字相同；已入库且被隔离的视为被更正"))
