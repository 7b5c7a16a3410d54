"""The JSON shape of ``gongkai parse FILE --json``: canonical labels, null = unreadable."""

from __future__ import annotations

from decimal import Decimal

from transforms.report import CellValue, ParsedReport
from transforms.spec import LAYOUTS


def number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _cells(cells: list[CellValue]) -> list[int | float | None]:
    return [number(c.value) for c in cells]


def how_of(cell: CellValue) -> str | None:
    """How the cell's value was read (``transforms.report.HOW``); None for a cell not read."""
    return None if cell.value is None else cell.how


def _hows(cells: list[CellValue]) -> list[str | None]:
    return [how_of(c) for c in cells]


def report_to_json(report: ParsedReport) -> dict:
    layout = LAYOUTS.get(report.layout or "")
    active = []
    for a in report.active_disclosure:
        block = layout.block(a.block) if layout else None
        item = next((i for i in block.items if i.key == a.item), None) if block else None
        col = next((c for c in block.columns if c.key == a.column), None) if block else None
        active.append({
            "block": block.label if block else a.block,
            "item": item.label if item else a.item,
            "column": col.label if col else a.column,
            "value": number(a.cell.value),
            "unit": a.unit,
            "how": how_of(a.cell),
        })
    return {
        "bureau": report.bureau,
        "year": report.year,
        "layout": report.layout,
        "applications": {k: _cells(v) for k, v in report.applications.items()},
        "review_litigation": None if report.review_litigation is None else _cells(report.review_litigation),
        "active_disclosure": active,
        "how": {
            "applications": {k: _hows(v) for k, v in report.applications.items()},
            "review_litigation": None if report.review_litigation is None else _hows(report.review_litigation),
        },
        "findings": [f.as_dict() for f in report.findings],
    }
