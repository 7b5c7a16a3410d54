"""The one document model every carrier reader produces.

A document is an ordered list of blocks: paragraphs of text and tables. A table
is a grid with every span expanded, so each grid position holds a ``Cell`` that
remembers its raw text, where it came from in the carrier, and which source cell
it is a copy of (a colspan/rowspan fills several positions with one source cell).
The extractor reads only this model, never the carrier.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    text: str  # raw text as the carrier gave it (whitespace kept; <br> as "\n")
    row: int  # grid position
    col: int
    origin: tuple[int, int]  # (row, col) of the source cell this position copies
    location: str  # carrier-level location, e.g. "table 2 row 5 col 3" or "line 48 field 4"

    @property
    def is_span_copy(self) -> bool:
        return self.origin != (self.row, self.col)


@dataclass(frozen=True)
class Paragraph:
    text: str
    location: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]
    location: str
    # True when the carrier knows real cell spans (HTML, DOCX, XLSX); plain text does not,
    # so grid positions there cannot be trusted to line up with the header.
    spans_known: bool = True

    @property
    def n_rows(self) -> int:
        return len(self.rows)


Block = Paragraph | Table


@dataclass
class Document:
    blocks: list[Block]
    source: str  # file name or URL, for messages
    carrier: str  # txt, html, docx, xlsx, pdf, md
    encoding: str | None = None
    title: str | None = None  # what the carrier declares as the title (HTML <title>, crawler header)
    meta: dict[str, str] = field(default_factory=dict)
    pages: int | None = None
    # Problems the reader met (undecodable bytes, no text layer, …): code -> message.
    reader_problems: list[tuple[str, str]] = field(default_factory=list)


def make_table(raw_rows: list[list[str]], location: str, row_locations: list[str] | None = None, spans_known: bool = False) -> Table:
    """A table from rows of plain strings (no spans): the text carrier's case."""
    rows = []
    for r, texts in enumerate(raw_rows):
        base = row_locations[r] if row_locations else f"{location} row {r + 1}"
        rows.append(tuple(Cell(t, r, c, (r, c), f"{base} field {c + 1}") for c, t in enumerate(texts)))
    return Table(tuple(rows), location, spans_known=spans_known)


def expand_spans(source_rows: list[list[tuple[str, int, int, str]]], location: str) -> Table:
    """Lay out cells given as (text, rowspan, colspan, location) into a full grid.

    Positions covered by a span hold copies of the source cell (same text and origin),
    so later stages can look up any (row, col) and still tell copies from originals.
    Ragged rows are padded with empty cells so the grid is rectangular.
    """
    grid: dict[tuple[int, int], Cell] = {}
    n_cols = 0
    for r, row in enumerate(source_rows):
        c = 0
        for text, rowspan, colspan, loc in row:
            while (r, c) in grid:
                c += 1
            rowspan = max(1, min(rowspan, 1000))
            colspan = max(1, min(colspan, 1000))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = Cell(text, r + dr, c + dc, (r, c), loc)
            c += colspan
            n_cols = max(n_cols, c)
    n_rows = max([r for r, _ in grid] + [len(source_rows) - 1]) + 1 if grid or source_rows else 0
    for r, c in grid:
        n_cols = max(n_cols, c + 1)
    rows = []
    for r in range(n_rows):
        cells = []
        for c in range(n_cols):
            cell = grid.get((r, c))
            if cell is None:
                cell = Cell("", r, c, (r, c), f"{location} row {r + 1} col {c + 1} (padding)")
            cells.append(cell)
        rows.append(tuple(cells))
    return Table(tuple(rows), location, spans_known=True)
