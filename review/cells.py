"""What the review page says about each cell: its state, the findings on it, the readings it could have.

``cell_state`` is the one place a cell's state is decided — the page, its legend and
the browser tests all go through it. Today it derives the state from the facts'
flags (``is_blank``, ``is_recovered``, a NULL value), the office's decisions and the
failed identities; when the facts carry a ``how`` column (how each value was
obtained: ``printed``, ``split_by_row_sum``, ``split_by_narrative``, …) pass it and
the flags are no longer consulted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from transforms.spec import Layout
from warehouse.resolutions import finding_keys, layout_cells

#: Display order of the states, worst first; the legend and the CSS use these names.
STATES: tuple[str, ...] = ("null", "failed_identity", "resolved", "evidence", "recovered", "blank", "printed")
STATE_LABELS: dict[str, str] = {
    "null": "未能读取",
    "failed_identity": "勾稽不符（按原文保留）",
    "resolved": "公开办已认定",
    "evidence": "依据其他内容认定",
    "recovered": "按合计关系拆分",
    "blank": "原文空白（计为0）",
    "printed": "原文数字",
}

#: ``how`` values of the facts (when the facts carry them) -> state.
HOW_STATES: dict[str, str] = {
    "printed": "printed",
    "split_unique": "recovered",  # run-together digits with a single reading
    "split_by_row_sum": "recovered",
    "split_by_column_identity": "recovered",
    "split_by_group_sum": "recovered",
    "from_group_row": "recovered",  # a sub-row known from its all-zero group row
    "split_by_narrative": "evidence",
    "split_by_last_year": "evidence",
    "split_by_habit": "evidence",  # decided by the document's habit: comes with a warning
    "split_by_other_carrier": "evidence",
    "recovered": "recovered",  # facts loaded before the parser recorded its own `how`
    "resolved": "resolved",
}


def cell_state(value: object, *, is_blank: bool | None = None, is_recovered: bool | None = None,
               resolved: bool = False, failed_identity: bool = False, how: str | None = None) -> str:
    """The state of one cell, from what the warehouse holds about it.

    ``value`` is the published value (NULL: unread); ``resolved``: the office set a value
    for it (an unread cell); ``failed_identity``: the cell is a term of an identity the
    report breaks; ``how``: the facts' own account of the value, when they carry one.
    """
    if value is None:
        return "resolved" if resolved else "null"
    if failed_identity:
        return "failed_identity"
    if how is not None:
        state = HOW_STATES.get(how)
        if state is None and how.startswith("split_by_"):
            state = "recovered"
        if state is not None:
            return "blank" if state == "printed" and is_blank else state
    if is_recovered:
        return "recovered"
    if is_blank:
        return "blank"
    return "printed"


# ---------------------------------------------------------------------------
# Which cells a finding is about
# ---------------------------------------------------------------------------

CellKey = tuple[str, str, str]  # (section 二/三/四, row_key, column_key)


@dataclass(frozen=True)
class FindingView:
    """A finding as the page shows it, with the cells it concerns."""

    no: int
    code: str
    severity: str
    message: str
    section: str | None
    row_label: str | None
    column_label: str | None
    source: str | None
    expected: str | None
    found: str | None
    row_key: str | None
    column_key: str | None
    cells: tuple[CellKey, ...]  # cells the finding marks (empty: about the section or the report)
    is_identity: bool


def _section_cells(layout: Layout) -> dict[str, list[CellKey]]:
    """Every cell of the form by section, in the printed order (``layout_cells``, grouped by section)."""
    out: dict[str, list[CellKey]] = {"二": [], "三": [], "四": []}
    for key in layout_cells(layout):
        out[key[0]].append(key)
    return out


_SECTION_CELLS: dict[int, tuple[Layout, object]] = {}


def section_cells(layout: Layout):  # noqa: ANN201 - same type as _section_cells
    """``_section_cells``, computed once per layout (layouts are frozen; hashing one is slow, so by identity)."""
    hit = _SECTION_CELLS.get(id(layout))
    if hit is None or hit[0] is not layout:
        hit = _SECTION_CELLS[id(layout)] = (layout, _section_cells(layout))
    return hit[1]


def finding_cells(layout: Layout | None, code: str, section: str | None, row_key: str | None,
                  column_key: str | None, has_row: bool, unread: set[CellKey]) -> tuple[CellKey, ...]:
    """The cells a finding is about.

    Identities 1-4 mark every term of the broken instance (from the spec's identity);
    a finding about unread cells marks the unread cells under its location; anything
    else marks the cell or row it names. A finding naming neither row nor column (a
    section cut short, a missing block) marks no cell: the page shows it above the table.
    """
    if layout is None or section not in ("二", "三", "四"):
        return ()
    ident = next((i for i in layout.identities if code == f"identity.{i.id}"), None)
    if ident is not None:
        terms = ident.lhs + ident.rhs
        if ident.over == "app_columns" and column_key:
            return tuple(("三", r, column_key) for r in terms)
        if ident.over == "app_rows" and row_key:
            return tuple(("三", row_key, c) for c in terms)
        if ident.over == "review_groups" and row_key:
            return tuple(("四", row_key, o) for o in terms)
        return ()
    if has_row and row_key is None:
        return ()  # names a row the form has no cells for (a block, a group)
    in_section = section_cells(layout)[section]
    if code.startswith("cell.") or code in ("table.row_too_few_cells", "table.row_too_many_cells"):
        return tuple(c for c in in_section if c in unread and (row_key is None or c[1] == row_key)
                     and (column_key is None or c[2] == column_key))
    if row_key is None and column_key is None:
        return ()
    return tuple(c for c in in_section if (row_key is None or c[1] == row_key)
                 and (column_key is None or c[2] == column_key))


def finding_view(layout: Layout | None, layout_id: str | None, row: dict, unread: set[CellKey]) -> FindingView:
    row_key, column_key = finding_keys(layout_id, row["section"], row["row_label"], row["column_label"])
    cells = finding_cells(layout, row["code"], row["section"], row_key, column_key, bool(row["row_label"]), unread)
    return FindingView(
        row["finding_no"], row["code"], row["severity"], row["message"], row["section"], row["row_label"],
        row["column_label"], row["source_location"], row["expected"], row["found"], row_key, column_key, cells,
        row["code"].startswith("identity.I") and row["code"][len("identity.I"):].isdigit(),
    )


# ---------------------------------------------------------------------------
# Candidate readings of run-together text
# ---------------------------------------------------------------------------

_READINGS = re.compile(r"可拆为(.*?)）(?:，|$)")
_MORE = re.compile(r"\s*等共\d+种$")


def candidate_readings(message: str, width: int) -> list[tuple[Decimal | None, ...]]:
    """The readings an ambiguous-split finding lists, each a tuple of ``width`` values (None: blank).

    The finding's message is written by ``transforms.splitting.describe_candidates``
    (``8 · 9 · 8989；89 · 8 · 989 等共16种``, ``空`` for a vanished blank); readings of
    another width (a subtotal column) are skipped. Empty when the message lists none.
    """
    m = _READINGS.search(message)
    if not m:
        return []
    text = m.group(1)
    if "：" in text:
        text = text.split("：", 1)[1]
    elif text.startswith("超过"):
        return []
    text = _MORE.sub("", text)
    out: list[tuple[Decimal | None, ...]] = []
    for part in text.split("；"):
        values = [v.strip() for v in part.split("·")]
        if len(values) != width:
            continue
        try:
            reading = tuple(None if v == "空" else Decimal(v) for v in values)
        except InvalidOperation:
            continue
        if reading not in out:
            out.append(reading)
    return out


def reading_cells(layout: Layout, section: str, row_key: str | None) -> list[CellKey]:
    """The cells a run-together reading covers, in order: a row of 二 or 三, or all of section 四."""
    cells = section_cells(layout)[section]
    if section == "四" and row_key is None:
        return cells
    return [c for c in cells if c[1] == row_key]


def candidates_by_cell(layout: Layout, findings: Iterable[FindingView]) -> dict[CellKey, list[tuple[int, list, list]]]:
    """For every cell of an ambiguous split: ``(finding no, cells a reading covers, [readings])``."""
    out: dict[CellKey, list[tuple[int, list, list]]] = {}
    for f in findings:
        if f.code != "cell.split_ambiguous" or f.section not in ("二", "三", "四"):
            continue
        cells = reading_cells(layout, f.section, f.row_key)
        readings = candidate_readings(f.message, len(cells))
        for c in f.cells:
            out.setdefault(c, []).append((f.no, cells, readings))
    return out


def distinct_values(readings: Sequence[tuple], index: int) -> list[Decimal | None]:
    seen: list[Decimal | None] = []
    for r in readings:
        if r[index] not in seen:
            seen.append(r[index])
    return seen
