"""A printed table with merged cells, once, for the three renderers (HTML, XLSX, Markdown).

The State Council prints sections 二, 三 and 四 with merged headers (申请人情况 over seven
columns, 法人或其他组织 over five, 三、本年度办理结果 down twenty rows). A ``Grid`` holds
such a table the way HTML does: rows of cells, each with a row and column span, the
positions a span covers left out. ``placed`` turns it into absolute positions (what
XLSX merges and Markdown flattens), so the three outputs cannot disagree about layout.

Headers and row labels are built from *paths*: a column whose header path is
(申请人情况, 法人或其他组织, 商业企业) sits under merged cells for its first two
levels; a row whose label path is (三、本年度办理结果, （三）不予公开, 1.属于国家秘密) sits
beside merged cells the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

CellKind = Literal["corner", "head", "label", "value", "band"]


class GridCell(NamedTuple):
    """One printed cell. A named tuple rather than a frozen dataclass: a region of 10,000 bureaus makes
    ~300,000 of them, and a frozen dataclass costs several times more to build."""

    text: str
    kind: CellKind
    rowspan: int = 1
    colspan: int = 1
    key: str | None = None  # value cells: "三.new_received.total" — what tests and the DOM check use
    value: int | Decimal | None = None
    partial: bool = False  # summed over fewer reports than the roll-up admits


@dataclass(frozen=True)
class Grid:
    key: str
    title: str
    n_columns: int
    n_header_rows: int
    n_label_columns: int
    rows: tuple[tuple[GridCell, ...], ...]

    def placed(self) -> list[tuple[int, int, GridCell]]:
        """(row, column, cell) of every cell, filling positions like an HTML table does."""
        out: list[tuple[int, int, GridCell]] = []
        below: dict[int, set[int]] = {}  # row -> columns taken there by cells spanning down from above
        for r, row in enumerate(self.rows):
            taken = below.pop(r, None)
            c = 0
            for cell in row:
                if taken:
                    while c in taken:
                        c += 1
                out.append((r, c, cell))
                if cell.rowspan > 1:
                    for dr in range(1, cell.rowspan):
                        below.setdefault(r + dr, set()).update(range(c, c + cell.colspan))
                c += cell.colspan
                if c > self.n_columns:
                    raise ValueError(f"grid {self.key}: row {r} is wider than {self.n_columns} columns")
        return out

    def merged_ranges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column) of every merged cell, 0-based."""
        return [(r, c, r + cell.rowspan - 1, c + cell.colspan - 1)
                for r, c, cell in self.placed() if cell.rowspan > 1 or cell.colspan > 1]

    def values(self) -> dict[str, GridCell]:
        return {cell.key: cell for row in self.rows for cell in row if cell.key is not None}


def header_rows(paths: Sequence[tuple[str, ...]], corner: str, n_label_columns: int) -> list[list[GridCell]]:
    """Header rows over columns with the given label paths; the corner cell spans all header rows."""
    depth = max(len(p) for p in paths)
    rows: list[list[GridCell]] = [[] for _ in range(depth)]
    if n_label_columns:
        rows[0].append(GridCell(corner, "corner", rowspan=depth, colspan=n_label_columns))
    for level in range(depth):
        j = 0
        while j < len(paths):
            path = paths[j]
            if len(path) <= level:
                j += 1
                continue
            if level == len(path) - 1:  # the column's own label: down to the last header row
                rows[level].append(GridCell(path[level], "head", rowspan=depth - level))
                j += 1
                continue
            run = 1
            while (j + run < len(paths) and len(paths[j + run]) > level + 1
                   and paths[j + run][:level + 1] == path[:level + 1]):
                run += 1
            rows[level].append(GridCell(path[level], "head", colspan=run))
            j += run
    return rows


def label_cells(paths: Sequence[tuple[str, ...]], n_label_columns: int) -> list[list[GridCell]]:
    """The label cells of body rows with the given label paths, group labels merged down."""
    out: list[list[GridCell]] = [[] for _ in paths]
    for level in range(n_label_columns):
        i = 0
        while i < len(paths):
            path = paths[i]
            if len(path) <= level:
                i += 1
                continue
            if level == len(path) - 1:
                out[i].append(GridCell(path[level], "label", colspan=n_label_columns - level))
                i += 1
                continue
            run = 1
            while (i + run < len(paths) and len(paths[i + run]) > level + 1
                   and paths[i + run][:level + 1] == path[:level + 1]):
                run += 1
            out[i].append(GridCell(path[level], "label", rowspan=run))
            i += run
    return out


def format_number(value: int | Decimal | None) -> str:
    """How a summed value is printed: integers plainly, money without trailing zeros, none as —."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value != 0 else "0"
        return text
    return str(value)
