"""Markdown: what PDF/Word/Excel-to-Markdown converters write (markitdown, pymupdf4llm, mammoth, pandoc).

Offices increasingly receive a report as the Markdown a converter made of it. The
text is parsed with a real CommonMark parser (markdown-it-py, GFM tables on, raw
HTML kept), never with regexes over pipes, and laid onto the same document model as
every other carrier. What the converters do to a report, and what this reader does
about it:

- **Pipe tables** become ``Table``s with ``spans_known=False``: converters drop
  rowspans (markitdown) or repeat a merged cell's text in every position it covers
  (pymupdf4llm), so grid positions do not line up with the header. A row keeps
  the cells it prints: the parser pads short rows to the header's width, but a
  cell the converter never wrote is absent, not a blank (which would read as 0).
  Empty cells between two label cells (a sheet's empty columns) are dropped.
- **Placeholder headers** (``Col2``, ``数据1 … 数据6``, ``Unnamed: 3``, ``NaN``):
  a converter's filler, not the document's text. They are emptied, so their
  digits can never be read as values; a header row left empty is dropped.
- **Repeated span text** (``行政许可|315|315|315`` under a header that repeats
  ``本年处理决定数量`` over the same columns): one cell printed three times. Label
  runs always merge; a run of values merges only where the header above it shows
  the same span and every value row under that header repeats its value there.
- **HTML ``<table>`` inside Markdown** is built by the HTML reader's table builder
  (real rowspans/colspans).
- **Page headers/footers** (``- 3 -``, ``第3页``, the report title repeated at the
  top of a page) are dropped, inside a table or between blocks.
- **A label on one line and its numbers on the next** (a table row whose label
  cell is alone and whose numbers follow in the next row; mammoth writing every
  cell as its own paragraph) become one row.
- Headings lose their ``#``; ordered-list markers (``1. 属于国家秘密``) are kept as
  the numbering the labels need; tab-separated lines are table rows, as in .txt.

Everything else — group labels as loose lines, a table split into one small table
per group, a total printed as a stray line after its table — reaches the extractor
as it does from the other carriers: paragraphs and rows in document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from transforms.document import Block, Cell, Document, Paragraph, Table
from transforms.numbers import is_numeric_text, is_value_text
from transforms.readers.encoding import decode_bytes
from transforms.readers.html import build_table

# A converter's filler for an empty or duplicate header cell, or pandas' empty cell.
_PLACEHOLDER = re.compile(r"^(?:(?:Col|Column|列|数据|字段|Unnamed:?)\s*_?\d{1,3}|NaN|nan|None|null)$")
# A page number or running footer printed on its own: never content. ``- 3 -`` on a line of its
# own is a Markdown bullet item, so the parser hands over ``3 -``.
_PAGE_MARK = re.compile(
    r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|(?:page|Page|PAGE)\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?)$"
)
_RUNNING_TITLE = re.compile(r"(?:信息公开|政务公开).{0,8}(?:年度报告|年报)$")
_BR = re.compile(r"^<br\s*/?>$", re.I)
_TOKEN_SPLIT = re.compile(r"[ \t\u00a0\u3000]+")
_SENTENCE_END = re.compile(r"[。；;！!？?]")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # commonmark + GFM tables; raw HTML on, so converter <table>s and <br>s arrive as HTML tokens
    return MarkdownIt("commonmark", {"html": True}).enable("table")


@dataclass
class _Line:
    text: str
    location: str
    heading: int = 0  # heading level, 0 for body text


@dataclass
class _Grid:
    rows: list[list[str]]
    location: str
    header_rows: int
    tabbed: bool = False  # tab-separated lines, not a pipe table


_Item = _Line | _Grid | Table


def read(data: bytes, name: str) -> Document:
    decoded = decode_bytes(data)
    return read_markdown(decoded.text, name, encoding=decoded.encoding, guessed=decoded.guessed)


def read_markdown(text: str, name: str, encoding: str | None = None, guessed: bool = False) -> Document:
    doc = Document(blocks=[], source=name, carrier="md", encoding=encoding)
    if guessed:
        doc.reader_problems.append(("file.encoding_guessed", f"文件编码自动识别为 {encoding}"))
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    items = _items(_parser().parse(text), text.split("\n"))
    heads = [i for i in items if isinstance(i, _Line) and i.heading == 1]
    if heads:
        doc.title = heads[0].text
    doc.blocks = _assemble(items)
    return doc


# ---------------------------------------------------------------- tokens -> items

def _line_no(token: Token) -> str:
    return f"line {token.map[0] + 1}" if token.map else "line ?"


def _inline_text(token: Token) -> str:
    """An inline token's text with markup gone; soft/hard breaks and <br> as newlines."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "html_inline" and _BR.match(child.content.strip()):
            out.append("\n")
    return "".join(out)


def _printed_cells(line: str) -> int:
    """How many cells a table line prints: the parser pads short rows to the header's width,
    and a cell the converter never wrote is absent, not blank."""
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return len(_UNESCAPED_PIPE.split(inner))


def _items(tokens: list[Token], src: list[str]) -> list[_Item]:
    items: list[_Item] = []
    grid: _Grid | None = None
    row: list[str] | None = None
    in_head = False
    heading = 0
    list_prefix = ""
    html_buf: list[str] = []
    html_loc = ""
    printed: int | None = None
    counter = {"table": 0}

    def lines(text: str, loc: str, level: int = 0) -> None:
        for part in text.split("\n"):
            if "\t" in part.strip() and level == 0:
                # a tab-separated row pasted into Markdown (Word's table as text): rows, as in .txt
                last = items[-1] if items else None
                if isinstance(last, _Grid) and last.tabbed:
                    last.rows.append(part.strip("\n").split("\t"))
                else:
                    counter["table"] += 1
                    items.append(_Grid([part.strip("\n").split("\t")], f"table {counter['table']} ({loc}, tabs)", 0, True))
                continue
            part = part.strip().strip("\u00a0\u3000")
            if part:
                items.append(_Line(part, loc, level))

    for tok in tokens:
        t = tok.type
        if html_buf and t != "html_block":
            # an HTML table interrupted by Markdown (a blank line inside it): parse what we have
            items.extend(_html_items("".join(html_buf), html_loc, counter))
            html_buf = []
        if t == "table_open":
            counter["table"] += 1
            grid = _Grid([], f"table {counter['table']} ({_line_no(tok)})", 0)
        elif t == "table_close" and grid is not None:
            items.append(grid)
            grid = None
        elif t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open" and grid is not None:
            row = []
            printed = _printed_cells(src[tok.map[0]]) if tok.map and tok.map[0] < len(src) else None
        elif t == "tr_close" and grid is not None and row is not None:
            grid.rows.append(row[:printed] if printed else row)
            grid.header_rows += in_head
            row = None
        elif t == "inline" and row is not None:
            row.append(_inline_text(tok))
        elif t == "heading_open":
            heading = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
        elif t == "heading_close":
            heading = 0
        elif t == "list_item_open":
            # ordered items keep their number: "1. 属于国家秘密" is the row "1.属于国家秘密"
            list_prefix = f"{tok.info}{tok.markup}" if tok.info else ""
        elif t == "inline":
            lines(list_prefix + _inline_text(tok), _line_no(tok), heading)
            list_prefix = ""
        elif t in ("fence", "code_block"):
            lines(tok.content, _line_no(tok))
        elif t == "html_block":
            if html_buf or "<table" in tok.content.lower():
                if not html_buf:
                    html_loc = _line_no(tok)
                html_buf.append(tok.content)
                joined = "".join(html_buf).lower()
                if joined.count("</table") >= joined.count("<table"):
                    items.extend(_html_items("".join(html_buf), html_loc, counter))
                    html_buf = []
            else:
                items.extend(_html_items(tok.content, _line_no(tok), counter))
    if html_buf:
        items.extend(_html_items("".join(html_buf), html_loc, counter))
    return items


def _html_items(markup: str, loc: str, counter: dict[str, int]) -> list[_Item]:
    """Raw HTML inside Markdown: tables through the HTML reader's builder, the rest as lines."""
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return [_Line(markup.strip(), loc)] if markup.strip() else []
    out: list[_Item] = []

    def text_lines(text: str | None) -> None:
        for part in (text or "").split("\n"):
            part = part.strip().strip("\u00a0\u3000")
            if part:
                out.append(_Line(part, loc))

    def walk(el: etree._Element) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                text_lines(child.tail)
                continue
            tag = child.tag.lower()
            if tag == "table":
                counter["table"] += 1
                table = build_table(child, counter["table"])
                out.append(replace(table, location=f"table {counter['table']} ({loc}, HTML)"))
            elif tag in ("script", "style"):
                pass
            elif child.find(".//table") is not None:
                text_lines(child.text)
                walk(child)
            else:
                for br in child.iter("br"):
                    br.tail = "\n" + (br.tail or "")
                text_lines(child.text_content())
            text_lines(child.tail)

    text_lines(root.text)
    walk(root)
    return out


# ---------------------------------------------------------------- converter habits

def _clean_cell(text: str) -> str:
    text = text.strip().strip("\u00a0\u3000")
    return "" if _PLACEHOLDER.match(text) else text


def _is_page_mark(text: str) -> bool:
    return bool(_PAGE_MARK.match(text.strip()))


def _is_running_head(texts: list[str]) -> bool:
    """A row holding only a page number or the report title repeated at the top of a page."""
    distinct = {t for t in texts if t}
    if len(distinct) != 1:
        return False
    only = distinct.pop()
    return _is_page_mark(only) or bool(_RUNNING_TITLE.search(only.replace(" ", "")))


def _numeric(text: str) -> bool:
    return is_numeric_text(text)


def _label_only(row: list[str]) -> bool:
    filled = [t for t in row if t]
    return bool(filled) and bool(row[0]) and not any(is_value_text(t) for t in filled)


def _values_only(row: list[str]) -> bool:
    filled = [t for t in row if t]
    return bool(filled) and not row[0] and all(is_value_text(t) for t in filled) and any(_numeric(t) for t in filled)


def _merge_rows(labels: list[str], values: list[str]) -> list[str] | None:
    """The label row and the values row below it as one row, when no position holds both."""
    if any(a and b for a, b in zip(labels, values)):
        return None
    width = max(len(labels), len(values))
    return [(labels[i] if i < len(labels) else "") or (values[i] if i < len(values) else "") for i in range(width)]


def _grid_table(grid: _Grid) -> Table | None:
    rows = [[_clean_cell(c) for c in r] for r in _drop_filler_columns(grid.rows)]
    locs = [f"{grid.location} row {i + 1}" for i in range(len(rows))]
    kept: list[tuple[list[str], str]] = []
    for k, (r, loc) in enumerate(zip(rows, locs)):
        if (k < grid.header_rows and not any(r)) or _is_running_head(r):
            continue  # an empty header row is the converter's; an empty body row is blank cells
        if kept and _label_only(kept[-1][0]) and _values_only(r):
            # the label on one line, its numbers on the next
            merged = _merge_rows(kept[-1][0], r)
            if merged is not None:
                prev, ploc = kept.pop()
                kept.append((merged, f"{ploc}+{loc.rsplit(' ', 1)[-1]}"))
                continue
        kept.append((r, loc))
    if not kept:
        return None
    kept = [(_close_label_gaps(r), loc) for r, loc in kept]
    confirmed = _confirmed_spans([r for r, _ in kept])
    source_rows: list[list[tuple[str, int, int, str]]] = []
    for i, (r, loc) in enumerate(kept):
        cells: list[tuple[str, int, int, str]] = []
        c = 0
        while c < len(r):
            text = r[c]
            span = 1
            while c + span < len(r) and text and r[c + span] == text:
                span += 1
            if span > 1 and is_value_text(text):
                # values repeat only where a merged cell was printed in every position it covers
                span = confirmed.get((i, c), 1)
            cells.append((text, 1, span, f"{loc} field {c + 1}"))
            c += span
        source_rows.append(cells)
    return _ragged(source_rows, grid.location)


def _runs(row: list[str]) -> list[tuple[int, int]]:
    """(start, length) of each run of two or more equal non-empty adjacent cells."""
    out = []
    c = 0
    while c < len(row):
        n = 1
        while c + n < len(row) and row[c] and row[c + n] == row[c]:
            n += 1
        if n > 1:
            out.append((c, n))
        c += n
    return out


def _confirmed_spans(rows: list[list[str]]) -> dict[tuple[int, int], int]:
    """(row, start) -> span for value runs that are one merged cell printed several times.

    A run counts only when the header row above repeats one text over the same columns
    and every value row under that header repeats its value there too (pymupdf4llm
    prints a merged cell in each position it covers; a header it misread, such as
    ``其他|其他`` over 其他 and 总计, is caught by a row where the two values differ).
    """
    out: dict[tuple[int, int], int] = {}
    i = 0
    while i < len(rows):
        if any(is_value_text(t) for t in rows[i]):
            i += 1
            continue
        header = rows[i]
        j = i + 1
        while j < len(rows) and any(is_value_text(t) for t in rows[j]):
            j += 1
        for start, n in _runs(header):
            body = rows[i + 1:j]
            if body and all(len(r) >= start + n and len(set(r[start:start + n])) == 1 for r in body):
                for k in range(i + 1, j):
                    out[(k, start)] = n
        i = j
    return out


def _ragged(source_rows: list[list[tuple[str, int, int, str]]], location: str) -> Table:
    """A grid as printed: colspans copy their cell, short rows stay short (never padded with blanks)."""
    rows = []
    for r, cells in enumerate(source_rows):
        out: list[Cell] = []
        for text, _, colspan, loc in cells:
            c0 = len(out)
            out.extend(Cell(text, r, c0 + k, (r, c0), loc) for k in range(colspan))
        rows.append(tuple(out))
    return Table(tuple(rows), location, spans_known=False)


def _drop_filler_columns(raw: list[list[str]]) -> list[list[str]]:
    """Positions filled with a placeholder in a block's header rows and in every one of its value rows: no column.

    A spreadsheet converted through pandas (markitdown's XLSX) writes ``NaN`` in each
    position a merged cell covers, in the header and in the value rows alike
    (``结果纠正|NaN`` over ``0|NaN``). Such a position was never a cell of the table; kept,
    it would read as one blank value too many. Only the converter's filler counts: an
    empty cell (``||``) is a printed blank, and a blank under header text stays. A block
    is the label-only rows above a run of value rows; pandas prints every row at the
    sheet's full width, so positions line up (rows of other widths are left alone).
    """
    def filler(row: list[str], p: int) -> bool:
        return p < len(row) and bool(_PLACEHOLDER.match(row[p].strip()))

    def has_values(row: list[str]) -> bool:
        return any(is_value_text(t) for t in row if not _PLACEHOLDER.match(t.strip()))

    out = [list(r) for r in raw]
    i = 0
    while i < len(raw):
        h = i
        while h < len(raw) and not has_values(raw[h]):
            h += 1
        v = h
        while v < len(raw) and has_values(raw[v]):
            v += 1
        block = raw[i:v]
        if h > i and v > h and len({len(r) for r in block}) == 1:
            width = len(block[0])
            empty = {p for p in range(width) if all(filler(r, p) for r in block)}
            if empty:
                for k in range(i, v):
                    out[k] = [t for p, t in enumerate(raw[k]) if p not in empty]
        i = max(v, i + 1)
    return out


def _close_label_gaps(row: list[str]) -> list[str]:
    """Empty cells between two label cells (a sheet's empty columns, ``NaN``) hold nothing: drop them.

    Empty cells after the last label stay: one of them may be a blank value cell.
    """
    first_value = next((i for i, t in enumerate(row) if is_value_text(t)), len(row))
    last_label = max((i for i, t in enumerate(row[:first_value]) if t), default=-1)
    if last_label <= 0:
        return row
    return [t for t in row[:last_label] if t] + row[last_label:]


def _numbers_line(text: str) -> list[str] | None:
    """The tokens of a line that holds only numbers (or blank markers), else None."""
    parts = [p for p in _TOKEN_SPLIT.split(text.strip()) if p]
    if parts and all(is_value_text(p) for p in parts) and any(_numeric(p) for p in parts):
        return parts
    return None


def _label_line(text: str) -> bool:
    return not _SENTENCE_END.search(text) and len(text) <= 80 and _numbers_line(text) is None


def _assemble(items: list[_Item]) -> list[Block]:
    """Items to blocks: grids cleaned, page marks dropped, one-cell-per-line rows rebuilt."""
    blocks: list[Block] = []
    i = 0
    pending_rows: list[list[str]] = []
    pending_locs: list[str] = []

    def flush() -> None:
        if pending_rows:
            loc = f"{pending_locs[0]}-{pending_locs[-1].split()[-1]}"
            rows = [[(t, 1, 1, f"{pending_locs[k]} field {c + 1}") for c, t in enumerate(r)] for k, r in enumerate(pending_rows)]
            blocks.append(_ragged(rows, loc))
            pending_rows.clear()
            pending_locs.clear()

    while i < len(items):
        item = items[i]
        if isinstance(item, Table):
            flush()
            blocks.append(item)
            i += 1
            continue
        if isinstance(item, _Grid):
            flush()
            table = _grid_table(item)
            if table is not None:
                blocks.append(table)
            i += 1
            continue
        if _is_page_mark(item.text):
            i += 1
            continue
        # mammoth & co.: a label paragraph followed by one paragraph per cell
        if item.heading == 0 and _label_line(item.text):
            j = i + 1
            values: list[str] = []
            while j < len(items) and isinstance(items[j], _Line) and items[j].heading == 0:
                nxt = items[j].text
                if not is_value_text(nxt) or _TOKEN_SPLIT.search(nxt.strip()):
                    break
                values.append(nxt.strip())
                j += 1
            if values:
                pending_rows.append([item.text] + values)
                pending_locs.append(item.location)
                i = j
                continue
            if len(values) == 0 and j < len(items) and isinstance(items[j], _Line) and items[j].heading == 0:
                nums = _numbers_line(items[j].text)
                if nums is not None:
                    # the label on one line, its numbers (space-separated) on the next: one text row
                    flush()
                    blocks.append(Paragraph(f"{item.text} {items[j].text.strip()}", f"{item.location}+{items[j].location}"))
                    i = j + 1
                    continue
        flush()
        blocks.append(Paragraph(item.text, item.location))
        i += 1
    flush()
    return blocks
