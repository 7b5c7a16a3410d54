"""Subtotals some bureaus add: rows for （三）…（六） and a 法人或其他组织 column.

Rows: each must equal the sum of its group's rows. Columns (``extra_columns`` table,
see ``expectations.extra_rows``): the subtotal must equal 商业企业 + … + 其他.

Read from the ``extra_rows`` table (``expectations.extra_rows``). A row is a subtotal
of a group when its printed label names the group (不予公开, 无法提供, 不予处理,
其他处理 — the spec's group keywords); its values align with the section 三 columns
(seven values, or eight with a 法人或其他组织 subtotal column before 总计, which is
dropped). Anything else is not checkable and yields nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from expectations.registry import Hits, Rule, empty_frame, register
from expectations.rulebook._common import app_column_labels, frame, hit, number
from transforms.labels import norm_label
from transforms.numbers import parse_number
from transforms.report import Location
from transforms.spec import LAYOUTS

CHECK = "identity.subtotal"


def _group_of(label: str, layout_id: str) -> str | None:
    n = norm_label(label)
    for g in LAYOUTS[layout_id].app_groups:
        if g.key == "results":
            continue
        if any(kw in n for kw in g.keywords):
            return g.key
    return None


def instances(inp) -> pd.DataFrame:
    extra = inp.tables.get("extra_rows")
    if extra is None or extra.num_rows == 0:
        return empty_frame("pairs")
    ex = extra.to_pandas()
    ex = ex[ex["section"] == "三"]
    layouts = dict(zip(inp.reports["report_id"], inp.reports["layout"]))
    cols = LAYOUTS["2021"].app_column_keys
    wanted: list[tuple[str, str, str, int, float, str]] = []  # report, group, column, row_no, value, label
    for (rid, row_no), cells in ex.groupby(["report_id", "row_no"], sort=False):
        layout_id = layouts.get(rid)
        if layout_id not in LAYOUTS:
            continue
        label = cells["label"].iloc[0]
        group = _group_of(label, layout_id)
        if group is None:
            continue
        raw = [t for t in cells.sort_values("cell_no")["raw_text"] if isinstance(t, str) and t.strip()]
        parsed = [parse_number(t) for t in raw]
        if not all(p.ok for p in parsed):
            continue
        values = [float(p.value) for p in parsed]
        if len(values) == len(cols) + 1:
            values = values[:len(cols) - 1] + values[len(cols):]  # drop 法人或其他组织 before 总计
        if len(values) != len(cols):
            continue
        for col, v in zip(cols, values):
            wanted.append((rid, group, col, int(row_no), v, label))
    if not wanted:
        return empty_frame("pairs")
    want = pd.DataFrame(wanted, columns=["report_id", "group", "column_key", "row_no", "lhs", "label"])
    members = {(lid, g.key): [r.key for r in lay.app_rows if r.group == g.key]
               for lid, lay in LAYOUTS.items() for g in lay.app_groups}
    facts = inp.facts("application_facts", report_ids=set(want["report_id"]))
    facts = facts[facts["report_id"].isin(inp.batch_ids)]
    value = {(r, k, c): v for r, k, c, v in zip(facts["report_id"], facts["row_key"], facts["column_key"], facts["value"])}
    rhs = []
    for r, g, c in zip(want["report_id"], want["group"], want["column_key"]):
        keys = members.get((layouts[r], g), [])
        vals = [value.get((r, k, c), np.nan) for k in keys]
        rhs.append(float(np.sum(vals)) if keys and not any(np.isnan(vals)) else np.nan)
    labels = app_column_labels()
    group_labels = {g.key: g.label for lay in LAYOUTS.values() for g in lay.app_groups}
    return frame("pairs", CHECK, report_id=want["report_id"], lhs_value=want["lhs"], rhs_value=rhs, section="三",
                 row_label=[group_labels[g] for g in want["group"]],
                 column_label=[labels[c] for c in want["column_key"]], note=want["label"])


ORG_COLUMNS: tuple[str, ...] = ("commercial", "research", "social_welfare", "legal_service", "other_org")


def column_instances(inp) -> pd.DataFrame:
    """The 法人或其他组织 subtotal column (``extra_columns`` table) = the five organisation columns."""
    extra = inp.tables.get("extra_columns")
    if extra is None or extra.num_rows == 0:
        return empty_frame("pairs")
    ex = extra.to_pandas()
    ex = ex[(ex["section"] == "三") & ex["report_id"].isin(inp.batch_ids)]
    parsed = [parse_number(t) if isinstance(t, str) else None for t in ex["raw_text"]]
    ex = ex.assign(lhs=[float(p.value) if p is not None and p.ok else np.nan for p in parsed])
    facts = inp.facts("application_facts", report_ids=set(ex["report_id"]), column_key=list(ORG_COLUMNS))
    facts = facts[facts["report_id"].isin(inp.batch_ids)]
    grouped = facts.groupby(["report_id", "row_key"]).agg(rhs=("value", "sum"), n=("value", "count")).reset_index()
    grouped.loc[grouped["n"] != len(ORG_COLUMNS), "rhs"] = np.nan
    both = ex.merge(grouped, on=["report_id", "row_key"], how="left")
    rows = {r.key: r.label for lay in LAYOUTS.values() for r in lay.app_rows}
    return frame("pairs", CHECK, report_id=both["report_id"], lhs_value=both["lhs"], rhs_value=both["rhs"], section="三",
                 row_label=both["row_key"].map(rows).astype(object), column_label=both["label"].astype(object),
                 note="column")


def all_instances(inp) -> pd.DataFrame:
    parts = [p for p in (instances(inp), column_instances(inp)) if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_frame("pairs")


def explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    for row in rows.itertuples(index=False):
        if row.note == "column":
            message = (f"第三部分单位自加的小计列“{row.column_label}”在“{row.row_label}”行为{number(row.lhs_value)}，"
                       f"但商业企业至其他五列之和为{number(row.rhs_value)}")
            out.append(hit(row.report_id, CHECK, message, Location("三", row.row_label, row.column_label),
                           expected=number(row.rhs_value), found=number(row.lhs_value), source=inp.source))
            continue
        message = (f"第三部分单位自加的小计行“{row.note}”在“{row.column_label}”列为{number(row.lhs_value)}，"
                   f"但“{row.row_label}”下各行之和为{number(row.rhs_value)}")
        out.append(hit(row.report_id, CHECK, message, Location("三", row.note, row.column_label),
                       expected=number(row.rhs_value), found=number(row.lhs_value), source=inp.source))
    return out


register(Rule(
    id=CHECK, code=CHECK, engine="ge", frame="pairs", expectation="ExpectColumnPairValuesToBeEqual",
    kwargs={"column_A": "lhs_value", "column_B": "rhs_value", "ignore_row_if": "either_value_is_missing"},
    description="单位自加的小计行 = 该组（不予公开、无法提供、不予处理、其他处理）各行之和（每一列）；"
                "小计列（法人或其他组织）= 五类组织之和（每一行，需 extra_columns 表）",
    instances=all_instances, explain=explain,
))
