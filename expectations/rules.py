"""What the checks are, read from the layout spec: identity axes, key lists, value kinds.

Everything here is plain data derived from ``transforms.spec`` (no Great
Expectations, no pandas), so the frame builder, the suite builder and the message
writer agree on one list of terms and labels and nobody types a row label.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from transforms.spec import LAYOUTS, Identity, Layout, ValueKind

Section = Literal["二", "三", "四"]

# The lower bound of each value kind (FORMAT.md "Amounts are money ... 本年增/减 may be
# negative. Everything else is a non-negative count."). None: unbounded.
KIND_MIN: dict[ValueKind, int | None] = {"count": 0, "money": 0, "delta": None}
KIND_NOUN: dict[ValueKind, str] = {"count": "件数", "money": "金额", "delta": "增减数"}
# Section 四 carries no per-cell kind in the spec: all fifteen are counts of cases.
REVIEW_KIND: ValueKind = "count"

# What an identity is repeated over decides which fact table it reads, which key names
# its terms and which key names its instances (the column, row or group it is checked for).
OVER_AXES: dict[str, tuple[str, str, str]] = {
    # over: (fact table, term key column, instance key column)
    "app_columns": ("application_facts", "row_key", "column_key"),
    "app_rows": ("application_facts", "column_key", "row_key"),
    "review_groups": ("review_facts", "outcome_key", "group_key"),
}
OVER_SECTION: dict[str, Section] = {"app_columns": "三", "app_rows": "三", "review_groups": "四"}
# The word a clerk uses for an instance and for a term of each identity kind.
OVER_INSTANCE_WORD: dict[str, str] = {"app_columns": "列", "app_rows": "行", "review_groups": "组"}
OVER_TERM_WORD: dict[str, str] = {"app_columns": "行", "app_rows": "列", "review_groups": "项"}


def finding_code(identity: Identity) -> str:
    return f"identity.{identity.id}"


def term_labels(layout: Layout, over: str) -> dict[str, str]:
    """Canonical labels of the things an identity adds up (rows, columns or outcomes)."""
    if over == "app_columns":
        return {r.key: r.label for r in layout.app_rows}
    if over == "app_rows":
        return {c.key: c.label for c in layout.app_columns}
    return {c.outcome: c.outcome_label for c in layout.review_cells}


def instance_labels(layout: Layout, over: str) -> dict[str, str]:
    """Canonical labels of the things an identity is repeated for."""
    if over == "app_columns":
        return {c.key: c.label for c in layout.app_columns}
    if over == "app_rows":
        return {r.key: r.label for r in layout.app_rows}
    return {c.group: c.group_label for c in layout.review_cells}


# The key columns of each fact table, and every key each may hold (all layouts, spec order).
FACT_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "application_facts": ("row_key", "column_key"),
    "review_facts": ("group_key", "outcome_key"),
    "disclosure_facts": ("block_key", "item_key", "column_key"),
}
FACT_SECTION: dict[str, Section] = {"disclosure_facts": "二", "application_facts": "三", "review_facts": "四"}


def _unique(keys: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


@cache
def key_universe(table: str, column: str) -> tuple[str, ...]:
    """Every key the spec allows in ``table.column``, over all layouts, in spec order."""
    layouts = list(LAYOUTS.values())
    universes: dict[tuple[str, str], list[str]] = {
        ("application_facts", "row_key"): [r.key for lay in layouts for r in lay.app_rows],
        ("application_facts", "column_key"): [c.key for lay in layouts for c in lay.app_columns],
        ("review_facts", "group_key"): [c.group for lay in layouts for c in lay.review_cells],
        ("review_facts", "outcome_key"): [c.outcome for lay in layouts for c in lay.review_cells],
        ("disclosure_facts", "block_key"): [b.key for lay in layouts for b in lay.blocks],
        ("disclosure_facts", "item_key"): [i.key for lay in layouts for b in lay.blocks for i in b.items],
        ("disclosure_facts", "column_key"): [c.key for lay in layouts for b in lay.blocks for c in b.columns],
    }
    return _unique(universes[(table, column)])


@cache
def identity_by_id(layout_id: str, identity_id: str) -> Identity:
    for ident in LAYOUTS[layout_id].identities:
        if ident.id == identity_id:
            return ident
    raise KeyError(f"layout {layout_id}: no identity {identity_id!r}")


@cache
def delta_column_labels() -> tuple[str, ...]:
    """Labels of every column the spec lets go negative, for the clerk's message."""
    labels: list[str] = []
    for layout in LAYOUTS.values():
        for b in layout.blocks:
            for c in b.columns:
                if KIND_MIN[c.kind] is None and c.label not in labels:
                    labels.append(c.label)
    return tuple(labels)
