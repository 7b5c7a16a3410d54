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


def new_cell(text: str, row: int, col: int, origin: tuple[int, int], location: str) -> Cell:
    """``Cell(text, row, col, origin, location)``, five times cheaper.

    A frozen dataclass sets each field through ``object.__setattr__`` (~1.8 µs a cell);
    the readers build hundreds of cells per report, every span copy one more, and this was
    a tenth of the DOCX/XLSX readers' time. Filling the instance dict directly gives an equal
    object (same fields, equality, hash) in ~0.35 µs.
    """
    cell = _NEW(Cell)
    d = cell.__dict__
    d["text"] = text
    d["row"] = row
    d["col"] = col
    d["origin"] = origin
    d["location"] = location
    return cell


_NEW = object.__new__


def make_table(raw_rows: list[list[str]], location: str, row_locations: list[str] | None = None, spans_known: bool = False) -> Table:
    """A table from rows of plain strings (no spans): the text carrier's case."""
    rows = []
    for r, texts in enumerate(raw_rows):
        base = row_locations[r] if row_locations else f"{location} row {r + 1}"
        rows.append(tuple(new_cell(t, r, c, (r, c), f"{base} field {c + 1}") for c, t in enumerate(texts)))
    return Table(tuple(rows), location, spans_known=spans_known)


def expand_spans(source_rows: list[list[tuple[str, int, int, str]]], location: str) -> Table:
    """Lay out cells given as (text, rowspan, colspan, location) into a full grid.

    Positions covered by a span hold copies of the source cell (same text and origin),
    so later stages can look up any (row, col) and still tell copies from originals.
    Ragged rows are padded with empty cells so the grid is rectangular. A cell is placed
    at the first position of its row not yet taken by a span from above; a span running
    over positions already taken overwrites them (malformed spans: the later cell wins).
    The grid is a list of row lists (None = free), not a dict keyed by position: the same
    placement at a third of the cost.
    """
    grid: list[list[Cell | None]] = [[] for _ in source_rows]
    n_cols = 0
    for r, row in enumerate(source_rows):
        c = 0
        line = grid[r]
        for text, rowspan, colspan, loc in row:
            while c < len(line) and line[c] is not None:
                c += 1
            if rowspan == 1 and colspan == 1:  # most cells: no span, the position is free (c <= len(line))
                cell = _NEW(Cell)
                d = cell.__dict__
                d["text"], d["row"], d["col"], d["origin"], d["location"] = text, r, c, (r, c), loc
                if c < len(line):
                    line[c] = cell
                else:
                    line.append(cell)
                c += 1
                if c > n_cols:
                    n_cols = c
                continue
            rowspan = max(1, min(rowspan, 1000))
            colspan = max(1, min(colspan, 1000))
            origin = (r, c)
            for dr in range(rowspan):
                rr = r + dr
                while rr >= len(grid):
                    grid.append([])
                target = grid[rr]
                end = c + colspan
                if len(target) < end:
                    target.extend([None] * (end - len(target)))
                for cc in range(c, end):
                    target[cc] = new_cell(text, rr, cc, origin, loc)
            c += colspan
            if c > n_cols:
                n_cols = c
    rows = []
    for r, line in enumerate(grid):
        if len(line) > n_cols:
            n_cols = len(line)
    for r, line in enumerate(grid):
        cells = []
        for c in range(n_cols):
            cell = line[c] if c < len(line) else None
            if cell is None:
                cell = new_cell("", r, c, (r, c), f"{location} row {r + 1} col {c + 1} (padding)")
            cells.append(cell)
        rows.append(tuple(cells))
    return Table(tuple(rows), location, spans_known=True)
