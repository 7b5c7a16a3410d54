"""Plausibility (warnings): year-over-year jumps and zeros where the bureau's history is large.

Measures: 本年新收申请 (总计), each section 四 group's 总计, and every section 二 count
(not 本年增/减, not amounts). Year N is compared with the bureau's report for N−1
(batch first, else history) on the same measure key.

* jump: current > 0 and max/min ≥ ``jump_ratio`` and |change| ≥ ``jump_min_abs``;
* zero: current = 0 where the mean of the last ``zero_history_years`` years is
  ≥ ``zero_history_min``;
* zero among peers: current = 0 where the median of the same measure over the
  bureau's peers — the reports of the same year (batch and history) of the same
  registry ``level``, or of every bureau when there is no registry — is
  ≥ ``zero_peer_min`` with at least ``zero_peer_count`` peers.

Each instance gets a ``score`` that is ≥ 1 exactly when it should be flagged
(min(ratio / jump_ratio, change / jump_min_abs); mean / zero_history_min); GE
expects ``score < 1``.
"""

from __future__ import annotations

from expectations.registry import Hits, Rule, empty_frame, register
from expectations.rulebook._common import disclosure_labels, frame, hit, number, review_labels
from transforms.report import Location
from transforms.spec import LAYOUTS


def _measures(inp, report_ids) -> pd.DataFrame:
    """report_id, measure (key string), section, row_label, column_label, value."""
    import numpy as np
    import pandas as pd

    ids = set(report_ids)
    apps = inp.facts("application_facts", report_ids=ids, row_key=["new_received"], column_key=["total"])
    apps = apps.assign(measure="app.new_received.total", section="三", row_label="一、本年新收政府信息公开申请数量",
                       column_label="总计")
    rev = inp.facts("review_facts", report_ids=ids, outcome_key=["total"])
    groups, _ = review_labels()
    rev = rev.assign(measure="rev." + rev["group_key"].astype(str), section="四",
                     row_label=rev["group_key"].map(groups), column_label="总计")
    dis = inp.facts("disclosure_facts", report_ids=ids)
    count_keys = {k: v for lid in LAYOUTS for k, v in disclosure_labels(lid).items()
                  if _kind(lid, k) == "count" and k[2] != "prev_year_items"}
    key = list(zip(dis["block_key"], dis["item_key"], dis["column_key"]))
    keep = np.array([k in count_keys for k in key], dtype=bool)
    dis = dis[keep]
    key = [k for k, ok in zip(key, keep) if ok]
    dis = dis.assign(measure=["dis." + ".".join(k) for k in key], section="二",
                     row_label=[count_keys[k][1] for k in key], column_label=[count_keys[k][2] for k in key])
    cols = ["report_id", "measure", "section", "row_label", "column_label", "value"]
    return pd.concat([apps[cols], rev[cols], dis[cols]], ignore_index=True)


_KINDS = {(lid, b.key, i.key, c.key): c.kind for lid, lay in LAYOUTS.items() for b in lay.blocks for i in b.items for c in b.columns}


def _kind(layout_id: str, key: tuple[str, str, str]) -> str:
    return _KINDS.get((layout_id, *key), "count")


def _history_pairs(inp, years: int) -> pd.DataFrame:
    import pandas as pd

    batch = inp.reports[inp.reports["bureau"].notna() & inp.reports["year"].notna()][["report_id", "bureau", "year"]]
    if batch.empty:
        return pd.DataFrame(columns=["report_id", "prev_id", "back"])
    batch = batch.assign(year=batch["year"].astype(int))
    pref = inp.preferred()[["report_id", "bureau", "year"]].rename(columns={"report_id": "prev_id"})
    parts = []
    for back in range(1, years + 1):
        parts.append(batch.merge(pref.assign(year=pref["year"] + back), on=["bureau", "year"]).assign(back=back))
    return pd.concat(parts, ignore_index=True)[["report_id", "prev_id", "back"]]


def _joined(inp, years: int) -> pd.DataFrame:
    import pandas as pd

    pairs = _history_pairs(inp, years)
    if pairs.empty:
        return pd.DataFrame()
    cur = _measures(inp, pairs["report_id"])
    cur = cur[cur["report_id"].isin(inp.batch_ids)]
    prev = _measures(inp, pairs["prev_id"])[["report_id", "measure", "value"]].rename(
        columns={"report_id": "prev_id", "value": "prev_value"})
    out = cur.merge(pairs, on="report_id").merge(prev, on=["prev_id", "measure"])
    return out[out["value"].notna() & out["prev_value"].notna()]


def jump_instances(inp) -> pd.DataFrame:
    import numpy as np

    o = inp.options
    j = _joined(inp, 1)
    if j.empty:
        return empty_frame("bounds")
    cur, prev = j["value"].to_numpy(), j["prev_value"].to_numpy()
    ratio = np.maximum(cur, prev) / np.maximum(np.minimum(cur, prev), 1.0)
    change = np.abs(cur - prev)
    score = np.where(cur > 0, np.minimum(ratio / max(o.jump_ratio, 1e-9), change / max(o.jump_min_abs, 1e-9)), 0.0)
    return frame("bounds", "plausibility.jump", report_id=j["report_id"], score=score, value=cur, reference=prev,
                 section=j["section"], row_label=j["row_label"], column_label=j["column_label"], note=None)


def jump_explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    for row in rows.itertuples(index=False):
        factor = max(row.value, row.reference) / max(min(row.value, row.reference), 1)
        direction = "增至" if row.value > row.reference else "降至"
        message = (f"第{row.section}部分“{row.row_label}”“{row.column_label}”由上年的{number(row.reference)}"
                   f"{direction}{number(row.value)}（约{factor:.0f}倍），请确认是否填报有误。")
        out.append(hit(row.report_id, "plausibility.jump", message, Location(row.section, row.row_label, row.column_label),
                       expected=number(row.reference), found=number(row.value), source=inp.source))
    return out


def zero_instances(inp) -> pd.DataFrame:
    import numpy as np

    o = inp.options
    j = _joined(inp, max(int(o.zero_history_years), 1))
    if j.empty:
        return empty_frame("bounds")
    g = j.groupby(["report_id", "measure"], sort=False).agg(
        value=("value", "first"), mean=("prev_value", "mean"), years=("back", "size"), section=("section", "first"),
        row_label=("row_label", "first"), column_label=("column_label", "first")).reset_index()
    score = np.where(g["value"].to_numpy() == 0, g["mean"].to_numpy() / max(o.zero_history_min, 1e-9), 0.0)
    return frame("bounds", "plausibility.zero", report_id=g["report_id"], score=score, value=g["value"],
                 reference=g["mean"], section=g["section"], row_label=g["row_label"], column_label=g["column_label"],
                 note=g["years"].astype(str))


def zero_explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    for row in rows.itertuples(index=False):
        message = (f"第{row.section}部分“{row.row_label}”“{row.column_label}”本年为0，"
                   f"但本单位前{row.note}年平均为{number(round(row.reference, 1))}，请确认是否漏填。")
        out.append(hit(row.report_id, "plausibility.zero", message, Location(row.section, row.row_label, row.column_label),
                       expected=f"≈ {number(round(row.reference, 1))}", found="0", source=inp.source))
    return out


def zero_peer_instances(inp) -> pd.DataFrame:
    o = inp.options
    pool = inp.preferred()
    pool = pool[pool["year"].notna()][["report_id", "bureau", "year"]]
    if pool.empty:
        return empty_frame("bounds")
    level: dict = {}
    if inp.registry is not None:
        level = {b: lv for b, lv in zip(inp.registry["bureau"], inp.registry["level"]) if isinstance(b, str)}
    pool = pool.assign(year=pool["year"].astype(int),
                       peer_group=[level.get(b, "?") if level else "*" for b in pool["bureau"]])
    m = _measures(inp, pool["report_id"]).merge(pool, on="report_id")
    m = m[m["value"].notna()]
    if m.empty:
        return empty_frame("bounds")
    keys = ["year", "peer_group", "measure"]
    stats = m.groupby(keys).agg(median=("value", "median"), peers=("value", "size")).reset_index()
    cur = m[m["report_id"].isin(inp.batch_ids) & (m["value"] == 0)].merge(stats, on=keys)
    cur = cur[cur["peers"] - 1 >= max(int(o.zero_peer_count), 1)]
    if cur.empty:
        return empty_frame("bounds")
    score = cur["median"].to_numpy(dtype=float) / max(o.zero_peer_min, 1e-9)
    return frame("bounds", "plausibility.zero_peers", report_id=cur["report_id"], score=score, value=cur["value"],
                 reference=cur["median"], section=cur["section"], row_label=cur["row_label"],
                 column_label=cur["column_label"], note=(cur["peers"] - 1).astype(str))


def zero_peer_explain(rows: pd.DataFrame, inp) -> Hits:
    out: Hits = []
    for row in rows.itertuples(index=False):
        message = (f"第{row.section}部分“{row.row_label}”“{row.column_label}”本年为0，"
                   f"但同年同级的{row.note}个单位中位数为{number(round(row.reference, 1))}，请确认是否漏填。")
        out.append(hit(row.report_id, "plausibility.zero_peers", message,
                       Location(row.section, row.row_label, row.column_label),
                       expected=f"≈ {number(round(row.reference, 1))}", found="0", source=inp.source))
    return out


_BOUND = {"column": "score", "max_value": 1, "strict_max": True}
register(Rule(
    cross_report=True, id="plausibility.jump", code="plausibility.jump", engine="ge", frame="bounds", expectation="ExpectColumnValuesToBeBetween",
    kwargs=_BOUND, description="与上年相比变化不超过 jump_ratio 倍或 jump_min_abs 件（主要件数）",
    instances=jump_instances, explain=jump_explain,
))
register(Rule(
    cross_report=True, id="plausibility.zero", code="plausibility.zero", engine="ge", frame="bounds", expectation="ExpectColumnValuesToBeBetween",
    kwargs=_BOUND, description="往年平均 ≥ zero_history_min 的件数本年不为0",
    instances=zero_instances, explain=zero_explain,
))
register(Rule(
    cross_report=True, id="plausibility.zero_peers", code="plausibility.zero_peers", engine="ge", frame="bounds",
    expectation="ExpectColumnValuesToBeBetween", kwargs=_BOUND,
    description="同年同级单位中位数 ≥ zero_peer_min 的件数本年不为0",
    instances=zero_peer_instances, explain=zero_peer_explain,
))
