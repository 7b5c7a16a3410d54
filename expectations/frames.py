"""The frames Great Expectations validates, built once per batch from the long facts.

GE checks columns of one frame; our identities span cells of many rows. So the
long facts are first turned into one row per *identity instance* (report × identity
× the column / row / group it is repeated for) holding both sides' sums, and one row
per *cell* holding its value and value kind.

Keys are turned into integer codes once per batch (``pc.index_in`` against the
spec's key lists) and the sides are summed with ``numpy.bincount``: a batch of
10,000 reports (1.7 M facts) takes a few tenths of a second, where pyarrow hash joins
took two. Text columns of the frames are categoricals built from those codes; the
domain frame keeps only a pointer (``source_table``, ``fact_no``) to each cell, and
``with_cell_keys`` fetches the keys of the few cells that fail.

An instance whose cells are not all present and readable is *not checkable*: its
``lhs_value``/``rhs_value`` are NA and the suite ignores it. Missing data is reported
by the parser (table.truncated, cell.* findings), not as a broken identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations.rules import (
    FACT_KEY_COLUMNS,
    FACT_SECTION,
    KIND_MIN,
    OVER_AXES,
    OVER_SECTION,
    REVIEW_KIND,
    instance_labels,
    key_universe,
)
from transforms.spec import LAYOUTS, Identity

LAYOUT_IDS: tuple[str, ...] = tuple(LAYOUTS)
KINDS: tuple[str, ...] = tuple(KIND_MIN)
SECTIONS: tuple[str, ...] = ("二", "三", "四")  # document order
IDENTITY_COLUMNS: tuple[str, ...] = (
    "report_id", "layout", "check", "identity_id", "over", "section", "instance_key", "instance_label",
    "lhs_value", "rhs_value",
)
DOMAIN_COLUMNS: tuple[str, ...] = (
    "report_id", "layout", "section", "source_table", "fact_no", "kind", "value", *(f"{k}_value" for k in KINDS),
)


def known_layout_reports(tables: dict[str, pa.Table]) -> pa.Table:
    """report_id → layout for the reports whose layout the spec knows; the others are skipped."""
    reports = tables["reports"].select(["report_id", "layout"])
    mask = pc.is_in(reports["layout"], value_set=pa.array(LAYOUT_IDS, pa.string()))
    return reports.filter(pc.fill_null(mask, False))


def _codes(values: pa.ChunkedArray | pa.Array, universe: tuple[str, ...] | list[str]) -> np.ndarray:
    """Position of each value in ``universe``; -1 where it is not there (or null)."""
    idx = pc.index_in(values, value_set=pa.array(list(universe), pa.string()))
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _numbers(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(is readable, value as float with 0 where unreadable)."""
    valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    filled = pc.fill_null(pc.cast(values, pa.float64()), 0.0)
    return valid, np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.float64)


def _categorical(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(categories))


@dataclass
class CodedFacts:
    """One fact table with its report, layout and keys as integer codes (-1: unknown)."""

    name: str
    report: np.ndarray  # index into CodedBatch.report_ids
    layout: np.ndarray  # index into LAYOUT_IDS
    keys: dict[str, np.ndarray]  # key column → index into key_universe(name, column)
    valid: np.ndarray
    value: np.ndarray
    amount_valid: np.ndarray | None = None  # disclosure_facts: the value came from amount_wan_yuan


class CodedBatch:
    """The batch's facts coded once, shared by the identity and the domain frame."""

    def __init__(self, tables: dict[str, pa.Table]):
        reports = known_layout_reports(tables)
        self.report_ids: list[str] = reports["report_id"].to_pylist()
        self.report_layout = _codes(reports["layout"], LAYOUT_IDS)
        self.facts = {name: self._code(name, tables[name]) for name in FACT_KEY_COLUMNS}

    def _code(self, name: str, table: pa.Table) -> CodedFacts:
        report = _codes(table["report_id"], self.report_ids)
        # -1 marks a fact of a report skipped for its layout (or of no report in the batch)
        layout = np.append(self.report_layout, -1)[report]
        keys = {col: _codes(table[col], key_universe(name, col)) for col in FACT_KEY_COLUMNS[name]}
        valid, value = _numbers(table["count"])
        amount_valid = None
        if "amount_wan_yuan" in table.column_names:  # money cells keep their value here, count is NULL
            amount_valid, amount = _numbers(table["amount_wan_yuan"])
            value = np.where(valid, value, amount)
            valid = valid | amount_valid
        return CodedFacts(name, report, layout, keys, valid, value, amount_valid)


# -- identities ---------------------------------------------------------------

def _identity_piece(batch: CodedBatch, check_no: int, layout_no: int, ident: Identity) -> dict[str, np.ndarray]:
    """Both sides' sums for one identity of one layout, for every report and instance at once."""
    layout = LAYOUTS[LAYOUT_IDS[layout_no]]
    table, term_col, inst_col = OVER_AXES[ident.over]
    facts = batch.facts[table]
    term_universe, inst_universe = key_universe(table, term_col), key_universe(table, inst_col)
    term, inst = facts.keys[term_col], facts.keys[inst_col]
    n_inst = len(inst_universe)
    size = len(batch.report_ids) * n_inst
    base = (facts.layout == layout_no) & (inst >= 0)
    slot = facts.report * n_inst + inst  # one slot per (report, instance)
    cells, readable, sums = {}, {}, {}
    for side, names in (("lhs", ident.lhs), ("rhs", ident.rhs)):
        on_side = base & np.isin(term, [term_universe.index(k) for k in names])
        ok = on_side & facts.valid
        cells[side] = np.bincount(slot[on_side], minlength=size)
        readable[side] = np.bincount(slot[ok], minlength=size)
        sums[side] = np.bincount(slot[ok], weights=facts.value[ok], minlength=size)
    labels = instance_labels(layout, ident.over)
    in_layout = np.array([k in labels for k in inst_universe], dtype=bool)
    present = ((cells["lhs"] + cells["rhs"]) > 0) & np.tile(in_layout, len(batch.report_ids))
    idx = np.flatnonzero(present)
    checkable = (readable["lhs"][idx] == len(ident.lhs)) & (readable["rhs"][idx] == len(ident.rhs))
    n = len(idx)
    return {
        "report_no": idx // n_inst,
        "layout_no": np.full(n, layout_no),
        "check_no": np.full(n, check_no),
        "instance_no": idx % n_inst,
        "lhs_value": np.where(checkable, sums["lhs"][idx], np.nan),
        "rhs_value": np.where(checkable, sums["rhs"][idx], np.nan),
    }


def _identity_catalogue() -> list[tuple[int, Identity]]:
    """(layout number, identity) for every identity of every layout, in spec order."""
    return [(ln, ident) for ln, layout in enumerate(LAYOUTS.values()) for ident in layout.identities]


def identity_frame(tables: dict[str, pa.Table], batch: CodedBatch | None = None) -> pd.DataFrame:
    """One row per identity instance of every known-layout report in the batch.

    ``lhs_value``/``rhs_value`` are the two sides' sums (float, NA when not checkable);
    rows follow the batch's report order, then identities and instances in spec order,
    so findings come out in the order a clerk reads the report.
    """
    batch = batch or CodedBatch(tables)
    catalogue = _identity_catalogue()
    pieces = [_identity_piece(batch, check_no, ln, ident) for check_no, (ln, ident) in enumerate(catalogue)]
    cols = {name: np.concatenate([p[name] for p in pieces]) for name in pieces[0]}
    order = np.lexsort((cols["instance_no"], cols["check_no"], cols["report_no"]))
    cols = {name: values[order] for name, values in cols.items()}

    # Per (layout, identity): its id, axis and instance keys/labels, looked up by code.
    n = len(order)
    identity_id = np.empty(n, dtype=object)
    over = np.empty(n, dtype=object)
    instance_key = np.empty(n, dtype=object)
    instance_label = np.empty(n, dtype=object)
    for check_no, (ln, ident) in enumerate(catalogue):
        mask = cols["check_no"] == check_no
        table, _, inst_col = OVER_AXES[ident.over]
        universe = key_universe(table, inst_col)
        labels = instance_labels(LAYOUTS[LAYOUT_IDS[ln]], ident.over)
        identity_id[mask] = ident.id
        over[mask] = ident.over
        instance_key[mask] = np.array(universe, dtype=object)[cols["instance_no"][mask]]
        instance_label[mask] = np.array([labels.get(k) for k in universe], dtype=object)[cols["instance_no"][mask]]
    frame = pd.DataFrame({
        "report_id": _categorical(cols["report_no"], batch.report_ids),
        "layout": _categorical(cols["layout_no"], LAYOUT_IDS),
        "check": _categorical(cols["check_no"], [f"{LAYOUT_IDS[ln]}.{ident.id}" for ln, ident in catalogue]),
        "identity_id": pd.Categorical(identity_id),
        "over": pd.Categorical(over),
        "section": pd.Categorical(pd.Series(over).map(OVER_SECTION)),
        "instance_key": pd.Categorical(instance_key),
        "instance_label": pd.Categorical(instance_label),
        "lhs_value": cols["lhs_value"],
        "rhs_value": cols["rhs_value"],
    })
    return frame[list(IDENTITY_COLUMNS)]


# -- cell domains -------------------------------------------------------------

@cache
def _kind_lookup(name: str) -> np.ndarray:
    """Kind code per (layout, key codes…) from the spec; the extra last slot of each
    axis (reached by code -1) holds -1 for cells the spec does not know."""
    cols = FACT_KEY_COLUMNS[name]
    shape = (len(LAYOUT_IDS),) + tuple(len(key_universe(name, c)) + 1 for c in cols)
    lut = np.full(shape, -1, dtype=np.int64)
    for ln, layout in enumerate(LAYOUTS.values()):
        if name == "application_facts":
            col_universe = key_universe(name, "column_key")
            for c in layout.app_columns:
                lut[ln, :, col_universe.index(c.key)] = KINDS.index(c.kind)
        elif name == "review_facts":
            lut[ln] = KINDS.index(REVIEW_KIND)
        else:
            for b in layout.blocks:
                for item in b.items:
                    for c in b.columns:
                        at = (key_universe(name, "block_key").index(b.key),
                              key_universe(name, "item_key").index(item.key),
                              key_universe(name, "column_key").index(c.key))
                        lut[(ln,) + at] = KINDS.index(c.kind)
    lut.setflags(write=False)  # cached: shared by every batch
    return lut


def _domain_piece(batch: CodedBatch, name: str) -> dict[str, np.ndarray]:
    facts = batch.facts[name]
    keep = (facts.layout >= 0) & facts.valid
    fact_no = np.flatnonzero(keep)
    lut = _kind_lookup(name)
    kind = lut[(facts.layout[keep],) + tuple(facts.keys[c][keep] for c in FACT_KEY_COLUMNS[name])]
    unknown = kind < 0  # a cell the spec does not know: its storage says what it is
    if unknown.any():
        implied = np.full(len(kind), KINDS.index("count"))
        if facts.amount_valid is not None:
            implied[facts.amount_valid[keep]] = KINDS.index("money")
        kind = np.where(unknown, implied, kind)
    n = len(fact_no)
    return {
        "report_no": facts.report[keep],
        "layout_no": facts.layout[keep],
        "section_no": np.full(n, SECTIONS.index(FACT_SECTION[name])),
        "table_no": np.full(n, list(FACT_KEY_COLUMNS).index(name)),
        "fact_no": fact_no,
        "kind_no": kind,
        "value": facts.value[keep],
    }


def domain_frame(tables: dict[str, pa.Table], batch: CodedBatch | None = None) -> pd.DataFrame:
    """One row per readable numeric cell of every known-layout report, with its value kind.

    Kinds come from the spec (``ColumnSpec.kind``; section 四 is all counts); a section
    二 cell the spec does not know keeps the kind its storage implies (amount → money).
    Each value is also in a ``<kind>_value`` column (NA in the others) for the suite
    to check per kind. Unbounded kinds (本年增/减) stay in the frame: it is the suite,
    read from ``KIND_MIN``, that leaves them unchecked. Rows are in report, section
    (二 三 四) and document order.
    """
    batch = batch or CodedBatch(tables)
    pieces = [_domain_piece(batch, name) for name in FACT_KEY_COLUMNS]
    cols = {name: np.concatenate([p[name] for p in pieces]) for name in pieces[0]}
    order = np.lexsort((cols["fact_no"], cols["section_no"], cols["report_no"]))
    cols = {name: values[order] for name, values in cols.items()}
    frame = pd.DataFrame({
        "report_id": _categorical(cols["report_no"], batch.report_ids),
        "layout": _categorical(cols["layout_no"], LAYOUT_IDS),
        "section": _categorical(cols["section_no"], SECTIONS),
        "source_table": _categorical(cols["table_no"], list(FACT_KEY_COLUMNS)),
        "fact_no": cols["fact_no"],
        "kind": _categorical(cols["kind_no"], KINDS),
        "value": cols["value"],
    })
    for kind_no, kind in enumerate(KINDS):  # one value column per kind, NA for the other kinds' cells
        frame[f"{kind}_value"] = np.where(cols["kind_no"] == kind_no, cols["value"], np.nan)
    return frame[list(DOMAIN_COLUMNS)]


def with_cell_keys(tables: dict[str, pa.Table], cells: pd.DataFrame) -> pd.DataFrame:
    """Add block_key / row_key / column_key to domain-frame rows (the few that failed).

    Section 三 rows and columns, section 四 groups and outcomes, section 二 items and
    columns are all given as row_key / column_key, so messages treat them alike.
    """
    names = {"application_facts": ("row_key", "column_key"), "review_facts": ("group_key", "outcome_key"),
             "disclosure_facts": ("item_key", "column_key")}
    out = cells.copy()
    for col in ("block_key", "row_key", "column_key"):
        out[col] = pd.Series([None] * len(out), index=out.index, dtype=object)
    for name, (row_col, column_col) in names.items():
        mask = (out["source_table"] == name).to_numpy()
        if not mask.any():
            continue
        taken = tables[name].take(pa.array(out.loc[mask, "fact_no"].to_numpy()))
        out.loc[mask, "row_key"] = taken[row_col].to_pylist()
        out.loc[mask, "column_key"] = taken[column_col].to_pylist()
        if "block_key" in taken.column_names:
            out.loc[mask, "block_key"] = taken["block_key"].to_pylist()
    return out
