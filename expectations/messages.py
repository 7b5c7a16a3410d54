"""Failed checks as findings a clerk can act on: Chinese, with the report's own labels.

Every label comes from the spec. A side of an identity is named by its terms: one
term by its label (“总计”列为8; a row: “（七）总计”行填报为19), two or three by their labels joined with 与, more by
the first and last (“（一）予以公开”至“3.其他”各行). The side with more terms (the
parts) is stated first, the single total second, so the message reads
"parts add up to X, but the total says Y". ``expected`` is the parts' sum, ``found``
the other side as published.
"""

from __future__ import annotations

from functools import cache

from expectations.rules import (
    KIND_NOUN,
    OVER_INSTANCE_WORD,
    OVER_SECTION,
    OVER_TERM_WORD,
    delta_column_labels,
    identity_by_id,
    term_labels,
)
from transforms.findings import make_finding
from transforms.report import Finding, Location
from transforms.spec import LAYOUTS


def _number(value: float) -> str:
    """Counts print as integers; amounts keep their decimals (no trailing zeros)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:f}".rstrip("0").rstrip(".")


def _side_text(layout_id: str, over: str, keys: tuple[str, ...], value: float) -> str:
    labels = term_labels(LAYOUTS[layout_id], over)
    names = [f"“{labels.get(k, k)}”" for k in keys]
    word = OVER_TERM_WORD[over]
    if len(names) == 1:
        # "…行为" would read as 行为 (behaviour): say 填报为 for a row total.
        verb = "填报为" if word == "行" else "为"
        return f"{names[0]}{word}{verb}{_number(value)}"
    if len(names) <= 3:
        return f"{'与'.join(names)}之和为{_number(value)}"
    return f"{names[0]}至{names[-1]}各{word}之和为{_number(value)}"


def identity_finding(
    layout_id: str, identity_id: str, instance_label: str, lhs_value: float, rhs_value: float,
    report: str | None = None,
) -> Finding:
    """The finding for one identity instance whose two sides differ."""
    ident = identity_by_id(layout_id, identity_id)
    sides = [(ident.lhs, lhs_value), (ident.rhs, rhs_value)]
    sides.sort(key=lambda s: -len(s[0]))  # parts first, the single total last (stable for I1)
    (first_keys, first_value), (second_keys, second_value) = sides
    first = _side_text(layout_id, ident.over, first_keys, first_value)
    second = _side_text(layout_id, ident.over, second_keys, second_value)
    section = OVER_SECTION[ident.over]
    word = OVER_INSTANCE_WORD[ident.over]
    message = f"第{section}部分“{instance_label}”{word}：{first}，但{second}"
    location = _identity_location(layout_id, ident.over, section, instance_label, second_keys)
    return make_finding(
        f"identity.{identity_id}", message, location,
        expected=_number(first_value), found=_number(second_value), report=report,
    )


def _identity_location(layout_id: str, over: str, section: str, instance_label: str,
                       total_keys: tuple[str, ...]) -> Location:
    """Row and column of the cell a clerk should look at: the instance, and the total if it is one cell."""
    total_label = term_labels(LAYOUTS[layout_id], over).get(total_keys[0]) if len(total_keys) == 1 else None
    if over == "app_columns":  # repeated per column; the single total term is a row
        return Location(section=section, row=total_label, column=instance_label)
    # per row of section 三 or per group of section 四; the single total term is a column
    return Location(section=section, row=instance_label, column=total_label)


@cache
def _cell_labels(layout_id: str) -> dict[tuple[str, str | None, str, str], tuple[str, str, str | None]]:
    """(section, block, row key, column key) → (row label, column label, block label)."""
    layout = LAYOUTS[layout_id]
    labels: dict[tuple[str, str | None, str, str], tuple[str, str, str | None]] = {}
    for r in layout.app_rows:
        for c in layout.app_columns:
            labels[("三", None, r.key, c.key)] = (r.label, c.label, None)
    for cell in layout.review_cells:
        labels[("四", None, cell.group, cell.outcome)] = (cell.group_label, cell.outcome_label, None)
    for b in layout.blocks:
        for i in b.items:
            for c in b.columns:
                labels[("二", b.key, i.key, c.key)] = (i.label, c.label, b.label)
    return labels


def domain_finding(
    layout_id: str, section: str, block_key: str | None, row_key: str, column_key: str, kind: str,
    value: float, min_value: float, report: str | None = None,
) -> Finding:
    """The finding for one cell below its kind's lower bound."""
    row_label, column_label, block_label = _cell_labels(layout_id).get(
        (section, block_key, row_key, column_key), (row_key, column_key, block_key)
    )
    where = f"第{section}部分" + (f"“{block_label}”" if block_label else "")
    allowed = "、".join(f"“{label}”" for label in delta_column_labels())
    noun = KIND_NOUN.get(kind, "数值")  # type: ignore[call-overload]  # kind comes from the frame as str
    message = (
        f"{where}“{row_label}”行“{column_label}”列为{_number(value)}，{noun}不能为负数"
        + (f"（只有{allowed}可以为负数）" if allowed else "")
    )
    return make_finding(
        "domain.negative", message, Location(section=section, row=row_label, column=column_label),
        expected=f"≥ {_number(min_value)}", found=_number(value), report=report,
    )
