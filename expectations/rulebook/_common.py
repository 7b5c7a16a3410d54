"""Shared helpers of the rule modules: labels from the spec, frame rows, numbers in messages."""

from __future__ import annotations

from functools import cache

from expectations.registry import FRAME_COLUMNS, empty_frame
from transforms.findings import make_finding
from transforms.report import Finding, Location
from transforms.spec import LAYOUTS


def number(value: float) -> str:
    """Counts print as integers; amounts keep their decimals (no trailing zeros)."""
    if value is None or value != value:  # NaN
        return "（无法读取）"
    if float(value).is_integer():
        return str(int(value))
    return f"{float(value):.6f}".rstrip("0").rstrip(".")


@cache
def app_row_labels() -> dict[str, str]:
    return {r.key: r.label for lay in LAYOUTS.values() for r in lay.app_rows}


@cache
def app_column_labels() -> dict[str, str]:
    return {c.key: c.label for lay in LAYOUTS.values() for c in lay.app_columns}


@cache
def review_labels() -> tuple[dict[str, str], dict[str, str]]:
    cells = LAYOUTS["2021"].review_cells
    return {c.group: c.group_label for c in cells}, {c.outcome: c.outcome_label for c in cells}


@cache
def disclosure_labels(layout_id: str) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(block, item, column) → (block label, item label, column label)."""
    out = {}
    for b in LAYOUTS[layout_id].blocks:
        for i in b.items:
            for c in b.columns:
                out[(b.key, i.key, c.key)] = (b.label, i.label, c.label)
    return out


def frame(kind: str, check: str, **cols) -> pd.DataFrame:
    """A pairs/bounds frame for one check; missing columns are filled with None/NaN."""
    import numpy as np
    import pandas as pd

    n = max((len(v) for v in cols.values() if not np.isscalar(v) and v is not None), default=0)
    if n == 0:
        return empty_frame(kind)
    data = {}
    for c in FRAME_COLUMNS[kind]:
        v = cols.get(c)
        if c == "check":
            v = check
        if v is None:
            v = [None] * n
        elif np.isscalar(v):
            v = [v] * n
        data[c] = list(v) if not isinstance(v, (np.ndarray, pd.Series)) else np.asarray(v)
    out = pd.DataFrame(data)
    for c in ("lhs_value", "rhs_value", "score", "value", "reference"):
        if c in out:
            out[c] = out[c].astype(float)
    return out


def hit(report_id: str, code: str, message: str, location: Location | None = None, *,
        expected: str | None = None, found: str | None = None, source: dict | None = None) -> tuple[str, Finding]:
    return report_id, make_finding(code, message, location, expected=expected, found=found,
                                   report=(source or {}).get(report_id))
