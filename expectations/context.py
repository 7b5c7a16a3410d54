"""What every rule reads: the batch's tables, the warehouse's history, the registry, thresholds.

``RuleInput`` is built once per batch and handed to every rule. It derives, lazily
and once, the small pandas views the cross-report rules share (reports of the batch
and of history, chosen cells of the fact tables), so that ten rules do not convert
the same two million facts ten times. Facts are filtered in Arrow before they
become pandas. Nothing here mutates the tables.

History is the warehouse's previous reports in the batch tables' own schemas
(``transforms.tables.SCHEMAS``); reports of the batch that also sit in history
(a rerun) are taken from the batch. The registry is the office's CSV as a frame:
``bureau, region, parent, level`` (one row per bureau; ``parent`` is the bureau
whose report sums this one's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations.config import RuleOptions

REGISTRY_COLUMNS: tuple[str, ...] = ("bureau", "region", "parent", "level")
FACT_TABLES: dict[str, tuple[str, ...]] = {
    "application_facts": ("row_key", "column_key"),
    "review_facts": ("group_key", "outcome_key"),
    "disclosure_facts": ("block_key", "item_key", "column_key"),
}


class RegistryError(ValueError):
    """The bureau registry lacks a required column. Terminal."""


WAREHOUSE_BUREAU_COLUMNS: tuple[str, ...] = ("bureau_id", "name", "region", "parent_bureau_id", "level")


def _from_warehouse(frame: pd.DataFrame) -> pd.DataFrame:
    """The warehouse's ``bureaus`` table (bureau_id, name, region, parent_bureau_id, level,
    is_registered) in the registry's shape; only the office's registered bureaus count."""
    if "is_registered" in frame.columns:
        frame = frame[frame["is_registered"].fillna(False).astype(bool)]
    names = dict(zip(frame["bureau_id"], frame["name"]))
    return pd.DataFrame({
        "bureau": frame["name"].to_numpy(dtype=object),
        "region": frame["region"].to_numpy(dtype=object),
        "parent": [names.get(p, p) if isinstance(p, str) else None for p in frame["parent_bureau_id"]],
        "level": frame["level"].to_numpy(dtype=object),
    })


def load_registry(path_or_frame: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The office's bureau registry (CSV path or frame) with columns bureau, region, parent, level.

    The warehouse's ``bureaus`` table (bureau_id, name, region, parent_bureau_id, level,
    is_registered) is accepted too and converted (parent ids become names).
    """
    frame = path_or_frame if isinstance(path_or_frame, pd.DataFrame) else pd.read_csv(path_or_frame, dtype=str)
    if "bureau" not in frame.columns and all(c in frame.columns for c in WAREHOUSE_BUREAU_COLUMNS):
        frame = _from_warehouse(frame)
    missing = [c for c in REGISTRY_COLUMNS if c not in frame.columns]
    if missing:
        raise RegistryError(f"bureau registry lacks column(s) {missing}; required: {', '.join(REGISTRY_COLUMNS)}")
    def clean(v: object) -> str | None:  # NaN, None and blanks are all "not given"
        return v.strip() if isinstance(v, str) and v.strip() else None

    return pd.DataFrame({col: pd.Series([clean(v) for v in frame[col]], dtype=object) for col in REGISTRY_COLUMNS})


def _filter_in(table: pa.Table, column: str, values: Iterable[str]) -> pa.Table:
    values = list(dict.fromkeys(values))
    return table.filter(pc.fill_null(pc.is_in(table[column], value_set=pa.array(list(values), pa.string())), False))


@dataclass
class RuleInput:
    tables: dict[str, pa.Table]
    history: dict[str, pa.Table] | None = None
    registry: pd.DataFrame | None = None
    options: RuleOptions = field(default_factory=RuleOptions)

    def __post_init__(self) -> None:
        if self.registry is not None:
            self.registry = load_registry(self.registry)

    # -- reports ---------------------------------------------------------------
    @cached_property
    def reports(self) -> pd.DataFrame:
        """The batch's reports: report_id, year, bureau, layout, title, source_path (batch order)."""
        cols = ["report_id", "year", "bureau", "layout", "title", "source_path"]
        return self.tables["reports"].select(cols).to_pandas()

    @cached_property
    def source(self) -> dict[str, str | None]:
        return dict(zip(self.reports["report_id"], self.reports["source_path"]))

    @cached_property
    def sources(self) -> dict[str, str | None]:
        """source_path of batch and history reports (for naming the other report in a message)."""
        out: dict[str, str | None] = {}
        table = self._history_table("reports")
        if table is not None and "source_path" in table.column_names:
            out.update(zip(table["report_id"].to_pylist(), table["source_path"].to_pylist()))
        out.update(self.source)
        return out

    @cached_property
    def batch_ids(self) -> set[str]:
        return set(self.reports["report_id"])

    def _history_table(self, name: str) -> pa.Table | None:
        if not self.history or name not in self.history:
            return None
        cache = self.__dict__.setdefault("_history_cache", {})
        if name not in cache:
            cache[name] = self._history_table_uncached(name)
        return cache[name]

    def _history_table_uncached(self, name: str) -> pa.Table | None:
        assert self.history is not None
        table = self.history[name]
        if "report_id" in table.column_names and self.batch_ids:
            keep = pc.invert(pc.fill_null(pc.is_in(table["report_id"], value_set=pa.array(list(self.batch_ids), pa.string())), False))
            table = table.filter(keep)
        return table

    @cached_property
    def history_reports(self) -> pd.DataFrame:
        """History's current reports not in the batch: report_id, year, bureau, layout, status, loaded_at.

        A warehouse ``reports`` table with ``is_current`` (report versions) contributes its
        current versions only; superseded ones are neither previous years nor duplicates.
        """
        table = self._history_table("reports")
        cols = ["report_id", "year", "bureau", "layout", "status", "loaded_at"]
        if table is None:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        if "is_current" in table.column_names:  # warehouse v2 keeps superseded versions: only the current one counts
            table = table.filter(pc.fill_null(table["is_current"], True))
        present = [c for c in cols if c in table.column_names]
        frame = table.select(present).to_pandas()
        for c in cols:
            if c not in frame:
                frame[c] = None
        return frame[cols]

    @cached_property
    def known_reports(self) -> pd.DataFrame:
        """Batch and history reports with a bureau and year: one candidate per row, batch first.

        Columns: report_id, bureau, year, layout, status, in_batch, rank (0 = preferred
        report of its bureau-year: the batch's, else history's most recently loaded).
        """
        batch = self.reports[["report_id", "bureau", "year", "layout"]].assign(status=None, in_batch=True, loaded_at=pd.NaT)
        hist = self.history_reports.assign(in_batch=False)
        both = pd.concat([batch, hist[batch.columns]], ignore_index=True)
        both = both[both["bureau"].notna() & both["year"].notna()].copy()
        both["year"] = both["year"].astype(int)
        both["_order"] = np.arange(len(both))
        both["_loaded"] = pd.to_datetime(both["loaded_at"], utc=True, errors="coerce")
        both = both.sort_values(["in_batch", "_loaded", "_order"], ascending=[False, False, True], kind="stable")
        both["rank"] = both.groupby(["bureau", "year"]).cumcount()
        return both.sort_values("_order").drop(columns=["_order", "_loaded", "loaded_at"]).reset_index(drop=True)

    def preferred(self) -> pd.DataFrame:
        """One report per (bureau, year): the batch's own, else history's latest."""
        known = self.known_reports
        return known[known["rank"] == 0]

    # -- facts -------------------------------------------------------------------
    def arrow_facts(self, name: str, report_ids: Iterable[str] | None = None, **keys: Iterable[str]) -> pa.Table:
        """Like ``facts`` but as one Arrow table (report_id, key columns, value), for Arrow-side aggregation."""
        cols = ["report_id", *FACT_TABLES[name]]
        pieces = []
        for table in (self.tables.get(name), self._history_table(name)):
            if table is None or table.num_rows == 0:
                continue
            for col, values in keys.items():
                table = _filter_in(table, col, values)
            if report_ids is not None:
                table = _filter_in(table, "report_id", report_ids)
            value = pc.cast(table["count"], pa.float64())
            if "amount_wan_yuan" in table.column_names:
                value = pc.coalesce(value, pc.cast(table["amount_wan_yuan"], pa.float64()))
            pieces.append(table.select(cols).append_column("value", value))
        if not pieces:
            return pa.table({**{c: pa.array([], pa.string()) for c in cols}, "value": pa.array([], pa.float64())})
        return pa.concat_tables(pieces)

    def facts(self, name: str, report_ids: Iterable[str] | None = None, **keys: Iterable[str]) -> pd.DataFrame:
        """Cells of one fact table, batch and history, filtered in Arrow first.

        Returns report_id, the table's key columns and ``value`` (float; NaN when
        unreadable; amounts in 万元 for money cells).
        """
        pieces = []
        for table in (self.tables.get(name), self._history_table(name)):
            if table is None or table.num_rows == 0:
                continue
            for col, values in keys.items():  # the key filters first: they cut the most rows
                table = _filter_in(table, col, values)
            if report_ids is not None:
                table = _filter_in(table, "report_id", report_ids)
            cols = ["report_id", *FACT_TABLES[name]]
            value = pc.cast(table["count"], pa.float64())
            if "amount_wan_yuan" in table.column_names:
                value = pc.coalesce(value, pc.cast(table["amount_wan_yuan"], pa.float64()))
            # object columns: rules iterate over them, and pandas' Arrow-backed str iterates slowly
            frame = pd.DataFrame({c: pd.Series(table[c].to_numpy(zero_copy_only=False), dtype=object) for c in cols})
            frame["value"] = value.to_numpy(zero_copy_only=False) if len(frame) else np.array([], dtype=float)
            pieces.append(frame)
        if not pieces:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in ["report_id", *FACT_TABLES[name]]}).assign(
                value=pd.Series(dtype=float))
        frame = pd.concat(pieces, ignore_index=True)
        frame["value"] = frame["value"].astype(float)
        return frame

    @cached_property
    def parser_codes(self) -> set[tuple[str, str, str | None]]:
        """(report_id, code, section) of the findings already in the batch tables (the parser's)."""
        table = self.tables.get("findings")
        if table is None or table.num_rows == 0:
            return set()
        cols = table.select(["report_id", "code", "section"]).to_pydict()
        return set(zip(cols["report_id"], cols["code"], cols["section"]))

    @cached_property
    def narratives(self) -> pd.DataFrame:
        table = self.tables.get("narratives")
        if table is None:
            return pd.DataFrame({"report_id": [], "section_key": [], "text": []})
        return table.select(["report_id", "section_key", "text"]).to_pandas()
