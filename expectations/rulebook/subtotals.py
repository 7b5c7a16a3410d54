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

from functools import cache
from typing import TYPE_CHECKING

from expectations.registry import Hits, Rule, empty_frame, register
from expectations.rulebook._common import app_column_labels, frame, number
from transforms.findings import make_finding
from transforms.labels import norm_label
from transforms.numbers import parse_number
from transforms.report import Finding, Location
from transforms.spec import LAYOUTS

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from expectations.one_report import OneReport

CHECK = "identity.subtotal"
NAN = float("nan")


def _group_of(label: str, layout_id: str) -> str | None:
    n = norm_label(label)
    for g in LAYOUTS[layout_id].app_groups:
        if g.key == "results":
            continue
        if any(kw in n for kw in g.keywords):
            return g.key
    return None


SubtotalRow = tuple[str, str, float, float, str]  # group, column key, printed value, sum of the group, label
SubtotalColumn = tuple[str, str, float, float]  # row key, printed header, printed value, sum of the five


def row_subtotals(layout_id: str | None, rows: dict[int, list[tuple[int, str, str | None]]],
                  value: dict[tuple, float]) -> list[SubtotalRow]:
    """The checkable subtotal rows of one report.

    ``rows``: extra rows of section 三 by row_no (in table order), each a list of
    (cell_no, label, raw text); ``value``: (row_key, column_key) → the cell's value (NaN unreadable).
    """
    if layout_id not in LAYOUTS:
        return []
    cols = LAYOUTS["2021"].app_column_keys
    members = {g.key: [r.key for r in LAYOUTS[layout_id].app_rows if r.group == g.key]
               for g in LAYOUTS[layout_id].app_groups}
    out: list[SubtotalRow] = []
    for cells in rows.values():
        label = cells[0][1]
        group = _group_of(label, layout_id)
        if group is None:
            continue
        raw = [t for _, _, t in sorted(cells, key=lambda c: c[0]) if isinstance(t, str) and t.strip()]
        parsed = [parse_number(t) for t in raw]
        if not all(p.ok for p in parsed):
            continue
        values = [float(p.value) for p in parsed]
        if len(values) == len(cols) + 1:
            values = values[:len(cols) - 1] + values[len(cols):]  # drop 法人或其他组织 before 总计
        if len(values) != len(cols):
            continue
        keys = members.get(group, [])
        for col, v in zip(cols, values):
            vals = [value.get((k, col), NAN) for k in keys]
            rhs = float(sum(vals)) if keys and not any(x != x for x in vals) else NAN
            out.append((group, col, v, rhs, label))
    return out


def column_subtotals(cells: list[tuple[str, str, str | None]], value: dict[tuple, float]) -> list[SubtotalColumn]:
    """The 法人或其他组织 cells of one report (row key, header, raw text), each with the sum of the five
    organisation columns of its row (NaN unless all five are readable)."""
    out: list[SubtotalColumn] = []
    for row_key, label, raw in cells:
        parsed = parse_number(raw) if isinstance(raw, str) else None
        lhs = float(parsed.value) if parsed is not None and parsed.ok else NAN
        vals = [value.get((row_key, c)) for c in ORG_COLUMNS]
        readable = [v for v in vals if v is not None and v == v]
        out.append((row_key, label, lhs, float(sum(readable)) if len(readable) == len(ORG_COLUMNS) else NAN))
    return out


def _batch_extra(inp, name: str) -> dict[str, list[dict]]:
    """Section 三 rows of an extra table, per batch report, in table order."""
    import pyarrow.compute as pc

    extra = inp.tables.get(name)
    out: dict[str, list[dict]] = {}
    if extra is None or extra.num_rows == 0:
        return out
    extra = extra.filter(pc.fill_null(pc.equal(extra["section"], "三"), False))
    for row in extra.to_pylist():
        if row["report_id"] in inp.batch_ids:
            out.setdefault(row["report_id"], []).append(row)
    return out


def _app_values(inp, report_ids: set[str], **keys) -> dict[str, dict[tuple, float]]:
    facts = inp.facts("application_facts", report_ids=report_ids, **keys)
    out: dict[str, dict[tuple, float]] = {}
    for r, k, c, v in zip(facts["report_id"], facts["row_key"], facts["column_key"], facts["value"]):
        if r in report_ids:
            out.setdefault(r, {})[(k, c)] = v
    return out


def _group_rows(rows: list[dict]) -> dict[int, list[tuple[int, str, str | None]]]:
    grouped: dict[int, list[tuple[int, str, str | None]]] = {}
    for row in rows:
        grouped.setdefault(row["row_no"], []).append((row["cell_no"], row["label"], row["raw_text"]))
    return grouped


def instances(inp) -> pd.DataFrame:
    extra = _batch_extra(inp, "extra_rows")
    if not extra:
        return empty_frame("pairs")
    layouts = dict(zip(inp.reports["report_id"], inp.reports["layout"]))
    values = _app_values(inp, set(extra))
    wanted = [(rid, *pair) for rid, rows in extra.items()
              for pair in row_subtotals(layouts.get(rid), _group_rows(rows), values.get(rid, {}))]
    if not wanted:
        return empty_frame("pairs")
    labels = app_column_labels()
    return frame("pairs", CHECK, report_id=[w[0] for w in wanted], lhs_value=[w[3] for w in wanted],
                 rhs_value=[w[4] for w in wanted], section="三", row_label=[_GROUP_LABELS()[w[1]] for w in wanted],
                 column_label=[labels[w[2]] for w in wanted], note=[w[5] for w in wanted])


ORG_COLUMNS: tuple[str, ...] = ("commercial", "research", "social_welfare", "legal_service", "other_org")


def column_instances(inp) -> pd.DataFrame:
    """The 法人或其他组织 subtotal column (``extra_columns`` table) = the five organisation columns."""
    extra = _batch_extra(inp, "extra_columns")
    if not extra:
        return empty_frame("pairs")
    values = _app_values(inp, set(extra), column_key=list(ORG_COLUMNS))
    found = [(rid, *pair) for rid, cells in extra.items()
             for pair in column_subtotals([(c["row_key"], c["label"], c["raw_text"]) for c in cells],
                                          values.get(rid, {}))]
    rows = _ROW_LABELS()
    return frame("pairs", CHECK, report_id=[f[0] for f in found], lhs_value=[f[3] for f in found],
                 rhs_value=[f[4] for f in found], section="三", row_label=[rows.get(f[1]) for f in found],
                 column_label=[f[2] for f in found], note="column")


def all_instances(inp) -> pd.DataFrame:
    import pandas as pd

    parts = [p for p in (instances(inp), column_instances(inp)) if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_frame("pairs")


@cache
def _GROUP_LABELS() -> dict[str, str]:  # noqa: N802
    return {g.key: g.label for lay in LAYOUTS.values() for g in lay.app_groups}


@cache
def _ROW_LABELS() -> dict[str, str]:  # noqa: N802
    return {r.key: r.label for lay in LAYOUTS.values() for r in lay.app_rows}


def _finding(note: str, row_label: str, column_label: str, lhs: float, rhs: float, report: str | None) -> Finding:
    if note == "column":
        message = (f"第三部分单位自加的小计列“{column_label}”在“{row_label}”行为{number(lhs)}，"
                   f"但商业企业至其他五列之和为{number(rhs)}")
        location = Location("三", row_label, column_label)
    else:
        message = (f"第三部分单位自加的小计行“{note}”在“{column_label}”列为{number(lhs)}，"
                   f"但“{row_label}”下各行之和为{number(rhs)}")
        location = Location("三", note, column_label)
    return make_finding(CHECK, message, location, expected=number(rhs), found=number(lhs), report=report)


def explain(rows: pd.DataFrame, inp) -> Hits:
    return [(row.report_id, _finding(row.note, row.row_label, row.column_label, row.lhs_value, row.rhs_value,
                                     inp.source.get(row.report_id)))
            for row in rows.itertuples(index=False)]


def single(rep: OneReport) -> list[Finding]:
    from expectations.one_report import rule_holds

    values = rep.value_map("application_facts")
    rows = _group_rows([r for r in rep.extra_rows if r["section"] == "三"])
    labels = app_column_labels()
    out = [_finding(label, _GROUP_LABELS()[group], labels[col], lhs, rhs, rep.source)
           for group, col, lhs, rhs, label in row_subtotals(rep.layout, rows, values)
           if not rule_holds(CHECK, lhs, rhs)]
    cells = [(c["row_key"], c["label"], c["raw_text"]) for c in rep.extra_columns if c["section"] == "三"]
    out += [_finding("column", _ROW_LABELS().get(row_key), label, lhs, rhs, rep.source)  # type: ignore[arg-type]
            for row_key, label, lhs, rhs in column_subtotals(cells, values) if not rule_holds(CHECK, lhs, rhs)]
    return out


register(Rule(
    id=CHECK, code=CHECK, engine="ge", frame="pairs", expectation="ExpectColumnPairValuesToBeEqual",
    kwargs={"column_A": "lhs_value", "column_B": "rhs_value", "ignore_row_if": "either_value_is_missing"},
    description="单位自加的小计行 = 该组（不予公开、无法提供、不予处理、其他处理）各行之和（每一列）；"
                "小计列（法人或其他组织）= 五类组织之和（每一行，需 extra_columns 表）",
    instances=all_instances, explain=explain, single=single,
))
