"""XLSX reader: worksheets → ``Document`` blocks (paragraph rows and span-expanded tables).

The sheet XML is read directly with lxml (``xlsx_parts``): values, number
formats and merges exactly as openpyxl's normal mode gives them with
``data_only=True`` (the value Excel last computed for a formula, i.e. what the
bureau saw). Merges are exactly what the section 三/四 headers and the grouped
labels (三、本年度办理结果 over 22 rows) are made of, and openpyxl exposes them
only in normal mode, which builds an object per cell: 61 ms for the 030 sample
against 13 ms read directly (CPU, ``benchmarks/bench_readers.py`` on a shared
2-core box). openpyxl stays as the fallback for what the direct read does not
reproduce (date-formatted numbers, unknown cell types, broken parts — its
error messages are the ones users see), counted in ``xlsx_parts.STATS``.

A workbook may hold the whole report on one sheet (LibreOffice's export of a
Word/HTML report lays paragraphs as rows merged across the sheet and the tables
below them) or one sheet per section. Both become the same block stream:

- a row with exactly one non-empty cell is a Paragraph, unless it sits directly
  above/below/between table rows and is short and not a section heading — then it
  is a table row (the ``第二十条第（一）项`` block titles inside the 二 table);
- runs of rows with two or more non-empty cells, plus such attached rows and rows
  that only continue a vertical merge, are one Table;
- empty rows separate blocks.

Inside a table, columns that only ever hold the right-hand copies of horizontal
merges are dropped, and empty columns at the table's edges are trimmed. Why:
LibreOffice lays a 10-column HTML table on a 29-column sheet grid (a label merged
over A:V), and the extractor should see the 10 columns the reader of the report
sees. This loses nothing — every dropped position was a copy of a kept cell —
and each Cell's location still names its real sheet coordinate.

Known limits: a formula cell whose file carries no cached value (written by a
library, never opened in Excel) reads as blank; number formats other than
percent are not applied (3 formatted "0.00" reads "3", the value the bureau typed).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
import zipfile
from dataclasses import dataclass

from transforms.document import Document, Paragraph, Table, expand_spans

SECTION_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
ATTACHED_ROW_MAX_CHARS = 60  # longer single-cell rows next to a table are narrative, not block titles
BLANK = " \t\r\n\u00a0\u3000"


class XlsxReadError(ValueError):
    """The bytes are not a readable XLSX (corrupt/truncated zip, encrypted, broken XML). Terminal."""


@dataclass(frozen=True)
class _Merge:
    min_row: int
    min_col: int
    max_row: int
    max_col: int


def read(data: bytes, name: str) -> Document:
    """Read every worksheet, in workbook order, into paragraphs and tables.

    The sheet XML is read directly (``xlsx_parts``); a workbook holding what that path does
    not reproduce exactly (date-formatted numbers, say) is read by openpyxl instead.
    """
    from transforms.readers import xlsx_parts

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise XlsxReadError(f"{name}: 这是旧版 Excel (.xls) 或加密的 Office 文件，不是 .xlsx；请另存为未加密的 .xlsx 后提交")
    try:
        book = xlsx_parts.read_book(data)
    except xlsx_parts.FastPathRefused:
        xlsx_parts.STATS["fallback"] += 1
        return read_with_openpyxl(data, name)
    xlsx_parts.STATS["fast"] += 1
    return _document(book, name)


def read_with_openpyxl(data: bytes, name: str) -> Document:
    """The slow path: openpyxl's object model (and its wording of errors in broken files)."""
    from transforms.readers.xlsx_parts import Book, Sheet

    wb = _load(data, name)
    sheets = []
    for ws in wb.worksheets:
        values = {(cell.row, cell.column): display_text(cell.value, cell.number_format)
                  for cell in _stored_cells(ws) if cell.value is not None}
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(Sheet(ws.title, values, merges))
    props = wb.properties
    meta = {k: str(v) for k, v in (("title", props.title), ("creator", props.creator), ("created", props.created),
                                    ("modified", props.modified)) if v}
    wb.close()
    return _document(Book(sheets, meta), name)


def _document(book, name: str) -> Document:
    blocks: list[Paragraph | Table] = []
    for sheet in book.sheets:
        blocks.extend(_sheet_blocks(sheet))
    meta = dict(book.meta)
    meta["sheets"] = ", ".join(sheet.title for sheet in book.sheets)
    title = (book.meta.get("title") or "").strip() or next((b.text.strip() for b in blocks if isinstance(b, Paragraph)), None)
    return Document(blocks=blocks, source=name, carrier="xlsx", title=title, meta=meta)


def _load(data: bytes, name: str):
    import openpyxl  # imported here so a missing library only breaks this carrier

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise XlsxReadError(f"{name}: 这是旧版 Excel (.xls) 或加密的 Office 文件，不是 .xlsx；请另存为未加密的 .xlsx 后提交")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except zipfile.BadZipFile as exc:
        raise XlsxReadError(f"{name}: 不是完整的 .xlsx 文件（zip 结构损坏或文件被截断：{exc}）") from exc
    except Exception as exc:  # openpyxl raises KeyError, ValueError, lxml/ElementTree errors, EOFError… for broken parts
        raise XlsxReadError(f"{name}: .xlsx 文件无法读取（{type(exc).__name__}: {exc}）") from exc


# ---------------------------------------------------------------- cell values

def display_text(value: object, number_format: str = "General") -> str:
    """The cell's value as the bureau wrote it: integral numbers without '.0', other numbers as the shortest exact repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if "%" in (number_format or ""):
            return _number(value * 100) + "%"
        return _number(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer():
        return str(int(value))
    text = repr(value)  # shortest string that round-trips: 1690.9913 stays 1690.9913
    if "e" in text:
        text = format(decimal.Decimal(text), "f")
    return text


# ---------------------------------------------------------------- sheet layout

def _sheet_blocks(sheet) -> list[Paragraph | Table]:
    """One sheet's cell texts (merged-over copies already blank, as openpyxl leaves them) → blocks."""
    texts = dict(sheet.values)
    if not texts:
        return []
    # Merges are clipped to the written area: a styled range down to row 1048576 must not become a million rows.
    max_row = max(r for r, _ in texts)
    max_col = max(c for _, c in texts)
    merges = [_Merge(r0, c0, min(r1, max_row), min(c1, max_col))
              for r0, c0, r1, c1 in sheet.merges if r0 <= max_row and c0 <= max_col]
    owner: dict[tuple[int, int], _Merge] = {}
    for m in merges:
        for r in range(m.min_row, m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                owner[(r, c)] = m
    copies = {rc for rc, m in owner.items() if (m.min_row, m.min_col) != rc}
    if copies:  # Excel keeps stray values under merges
        texts = {rc: t for rc, t in texts.items() if rc not in copies}

    filled_cols: dict[int, list[int]] = {}  # row -> columns holding a non-blank text, in texts' order
    filled_texts: dict[int, list[str]] = {}
    for (rr, c), t in texts.items():
        if t.strip(BLANK):
            filled_cols.setdefault(rr, []).append(c)
            filled_texts.setdefault(rr, []).append(t)
    kinds = _row_kinds(filled_texts, owner, max_row)
    blocks: list[Paragraph | Table] = []
    r = 1
    while r <= max_row:
        kind = kinds[r]
        if kind == "paragraph":
            (col,) = filled_cols[r]
            blocks.append(Paragraph(texts[(r, col)], f"sheet {sheet.title} {_coord(r, col)}"))
            r += 1
        elif kind == "table":
            end = r
            while end + 1 <= max_row and kinds[end + 1] == "table":
                end += 1
            blocks.append(_table(sheet.title, texts, filled_cols, owner, r, end, max_col))
            r = end + 1
        else:
            r += 1
    return blocks


def _stored_cells(ws):
    """The cells the file actually holds. ``iter_rows`` would create every cell of the used range,
    and a sheet formatted down to row 1048576 has a used range of 30 million cells."""
    stored = getattr(ws, "_cells", None)  # openpyxl's own store; public API has no cheap equivalent
    if isinstance(stored, dict):
        return list(stored.values())
    return [cell for row in ws.iter_rows() for cell in row]


def _row_kinds(filled: dict[int, list[str]], owner: dict[tuple[int, int], _Merge], max_row: int) -> dict[int, str]:
    """Classify rows as 'table', 'paragraph' or 'blank' (see module docstring); ``filled``: each row's non-blank texts."""
    continues: set[int] = set()  # rows where some position continues a vertical merge from above
    starts: set[int] = set()  # rows where some position starts a vertical merge
    for (r, c), m in owner.items():  # positions are clipped to the written area (1..max_row, ..max_col)
        if c < 1:
            continue
        if m.min_row < r:
            continues.add(r)
        elif m.min_row == r and m.max_row > r:
            starts.add(r)
    kinds: dict[int, str] = {}
    for r in range(1, max_row + 1):
        n = len(filled.get(r, ()))
        if n >= 2:
            kinds[r] = "table"
        elif n == 1:
            kinds[r] = "single"
        elif r in continues:
            kinds[r] = "table"  # a row holding only the lower part of vertical merges (all values blank)
        else:
            kinds[r] = "blank"
    for r in range(1, max_row + 1):
        if kinds[r] != "single":
            continue
        text = filled[r][0].strip(BLANK)
        near_table = kinds.get(r - 1) == "table" or kinds.get(r + 1) == "table"
        inside_merge = r in continues or r in starts
        short = len(text) <= ATTACHED_ROW_MAX_CHARS and not _is_section_heading(text)
        kinds[r] = "table" if (short and near_table) or inside_merge else "paragraph"
    return kinds


def _is_section_heading(text: str) -> bool:
    """一、总体情况 … 六、其他需要报告的事项 — but not a table row label such as 四、结转下年度继续办理
    (a row of section 三 whose cells were all left blank must stay in its table)."""
    from transforms.sections import SECTIONS, _HEADINGS

    if not SECTION_HEADING.match(text):
        return False
    return any(_HEADINGS[s.key].match(text.strip()) for s in SECTIONS)


def _table(sheet: str, texts: dict[tuple[int, int], str], filled_cols: dict[int, list[int]],
           owner: dict[tuple[int, int], _Merge], top: int, bottom: int, max_col: int) -> Table:
    rows = range(top, bottom + 1)
    # columns (1..max_col) with a non-blank text or under a merge somewhere in the table's rows
    used = {c for r in rows for c in filled_cols.get(r, ()) if 1 <= c <= max_col}
    used.update(c for (r, c) in owner if top <= r <= bottom and 1 <= c <= max_col)
    used_cols = sorted(used)

    def only_copies(c: int) -> bool:
        for r in rows:
            m = owner.get((r, c))
            if m is None or m.min_col == c:
                return False
        return True

    first, last = used_cols[0], used_cols[-1]
    keep = [c for c in range(first, last + 1) if not only_copies(c)]
    location = f"sheet {sheet} rows {top}-{bottom}"
    letters = {c: _letters(c) for c in keep}

    source_rows: list[list[tuple[str, int, int, str]]] = []
    for r in rows:
        row: list[tuple[str, int, int, str]] = []
        for c in keep:
            m = owner.get((r, c))
            if m is None:
                row.append((texts.get((r, c), ""), 1, 1, f"sheet {sheet} {letters[c]}{r}"))
            elif (m.min_row, m.min_col) == (r, c) or (r == top and m.min_row < top and m.min_col == c):
                # a merge's origin, or a merge reaching in from above the table: start it here
                start = max(m.min_row, top)
                rowspan = min(m.max_row, bottom) - start + 1
                colspan = sum(1 for k in keep if m.min_col <= k <= m.max_col)
                text = texts.get((m.min_row, m.min_col), "")
                row.append((text, rowspan, colspan, f"sheet {sheet} {_coord(m.min_row, m.min_col)}"))
            elif m.min_col < first and c == first and m.min_row == r:
                colspan = sum(1 for k in keep if k <= m.max_col)
                row.append((texts.get((m.min_row, m.min_col), ""), min(m.max_row, bottom) - r + 1, colspan,
                            f"sheet {sheet} {_coord(m.min_row, m.min_col)}"))
            # else: a copy position, filled by expand_spans from its origin
        source_rows.append(row)
    return expand_spans(source_rows, location)


def _coord(row: int, col: int) -> str:
    return f"{_letters(col)}{row}"


def _letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
