"""Roll-up (FORMAT.md identity 7): a region's own report equals the sum of the bureaus it covers.

The registry says who covers whom: a bureau's ``parent`` is the bureau whose report
sums it. For a batch report of bureau B, year Y, with children C1…Ck in the registry:
every section 三 and 四 cell of B's report = the sum of that cell over the children's
reports for Y (batch first, else history). Section 二 is not additive (现行有效,
上一年项目数量 are stocks shared across levels) and is not rolled up.
While any child has no report for Y the roll-up cannot be checked: one info finding
naming the missing bureaus, and no I7 instance.
"""

from __future__ import annotations

from expectations.registry import Hits, Rule, empty_frame, register
from expectations.rulebook._common import app_column_labels, app_row_labels, frame, hit, number, review_labels
from transforms.report import Location


def _children(inp) -> dict[str, list[str]]:
    reg = inp.registry
    reg = reg[reg["parent"].notna() & reg["bureau"].notna()]
    return {p: list(dict.fromkeys(g["bureau"])) for p, g in reg.groupby("parent", sort=False)}


def coverage(inp) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """([(parent report, child report ids)] complete, [(parent report, missing child bureaus)])."""
    if inp.registry is None:
        return [], []
    children = _children(inp)
    pref = inp.preferred()
    have = dict(zip(zip(pref["bureau"], pref["year"]), pref["report_id"]))
    complete, missing = [], []
    for rid, bureau, year in zip(inp.reports["report_id"], inp.reports["bureau"], inp.reports["year"]):
        if bureau not in children or year is None or year != year:
            continue
        kids = children[bureau]
        ids = [have.get((k, int(year))) for k in kids]
        lacking = [k for k, i in zip(kids, ids) if i is None]
        (missing if lacking else complete).append((rid, lacking if lacking else ids))
    return complete, missing


def i7_instances(inp) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    complete, _ = coverage(inp)
    if not complete:
        return empty_frame("pairs")
    kid_of = {k: r for r, ids in complete for k in ids}  # child report -> parent report
    n_kids = {r: len(ids) for r, ids in complete}
    own_ids = [r for r, _ in complete]
    rows, cols = app_row_labels(), app_column_labels()
    groups, outcomes = review_labels()
    parts = []
    for name, (rk, ck), section, (rlab, clab) in (
        ("application_facts", ("row_key", "column_key"), "三", (rows, cols)),
        ("review_facts", ("group_key", "outcome_key"), "四", (groups, outcomes)),
    ):
        # children summed per (parent, cell) in Arrow: a region covers most of a batch's facts
        kids = inp.arrow_facts(name, report_ids=kid_of)
        parent = pc.take(pa.array(list(kid_of.values()), pa.string()),
                         pc.index_in(kids["report_id"], value_set=pa.array(list(kid_of), pa.string())))
        summed = (kids.append_column("parent_id", parent)
                  .group_by(["parent_id", rk, ck])
                  .aggregate([("value", "sum"), ("value", "count"), ("value", "count", pc.CountOptions("all"))]))
        aggregates = iter(["rhs", "readable", "n"])  # in the order asked for; keys keep their names
        summed = summed.rename_columns([c if c in ("parent_id", rk, ck) else next(aggregates) for c in summed.column_names])
        own = inp.arrow_facts(name, report_ids=own_ids)
        own = own.rename_columns(["parent_id", rk, ck, "lhs"]).append_column("_ord", pa.array(np.arange(own.num_rows)))
        both = own.join(summed, keys=["parent_id", rk, ck], join_type="left outer").sort_by("_ord").to_pandas()
        complete_sum = (both["readable"] == both["n"]) & (both["n"] == both["parent_id"].map(n_kids))
        parts.append(pd.DataFrame({
            "report_id": both["parent_id"].astype(object), "lhs": both["lhs"],
            "rhs": np.where(complete_sum, both["rhs"], np.nan), "section": section,
            "row_label": both[rk].map(rlab).astype(object), "column_label": both[ck].map(clab).astype(object),
        }))
    both = pd.concat(parts, ignore_index=True)
    order = {r: i for i, r in enumerate(own_ids)}
    both = both.iloc[np.argsort(both["report_id"].map(order).to_numpy(), kind="stable")]
    return frame("pairs", "identity.I7", report_id=both["report_id"], lhs_value=both["lhs"], rhs_value=both["rhs"],
                 section=both["section"], row_label=both["row_label"], column_label=both["column_label"],
                 note=both["report_id"].map(n_kids).astype(str))


def i7_explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    for row in rows.itertuples(index=False):
        message = (f"第{row.section}部分“{row.row_label}”行“{row.column_label}”列为{number(row.lhs_value)}，"
                   f"但所辖{row.note}个单位报告之和为{number(row.rhs_value)}")
        out.append(hit(row.report_id, "identity.I7", message, Location(row.section, row.row_label, row.column_label),
                       expected=number(row.rhs_value), found=number(row.lhs_value), source=inp.source))
    return out


def cannot_check(inp) -> Hits:
    _, missing = coverage(inp)
    out: Hits = []
    for rid, lacking in missing:
        shown = "、".join(lacking[:10]) + (f"等{len(lacking)}个单位" if len(lacking) > 10 else "")
        out.append(hit(rid, "rollup.cannot_check", f"所辖单位中{shown}尚无本年度报告，暂无法核对汇总数。",
                       Location(), found=str(len(lacking)), source=inp.source))
    return out


register(Rule(
    id="identity.I7", code="identity.I7", engine="ge", frame="pairs", expectation="ExpectColumnPairValuesToBeEqual",
    kwargs={"column_A": "lhs_value", "column_B": "rhs_value", "ignore_row_if": "either_value_is_missing"},
    description="汇总报告第三、四部分每个数字 = 所辖各单位报告之和（所辖单位报告齐全时）",
    instances=i7_instances, explain=i7_explain, needs=("registry",),
))
register(Rule(
    id="rollup.cannot_check", code="rollup.cannot_check", engine="pandas", run=cannot_check, needs=("registry",),
    description="所辖单位报告不全时说明无法核对汇总数",
))
