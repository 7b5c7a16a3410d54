"""PDF reader: text-layer PDFs → ``Document`` (paragraphs, ruled tables as span grids, borderless rows as text tables).

Two sources of coordinates, one reconstruction. The hard part of these reports
is the section 三 table, whose cell borders are the only reliable record of its
spans (a 22-row group label, a two-row header, blank cells that print nothing),
so tables are rebuilt from ruling lines by pdfplumber's lattice rules. What
feeds those rules:

- **pypdfium2** (``pdf_objects``), the default: pdfium interprets the content
  streams in C and gives every character's origin and every path's segments;
  ``pdf_objects`` shapes them exactly as pdfplumber would (pdfminer's boxes and
  stream order, pdfplumber's edges) — characters within 1e-4 pt of pdfminer's on
  the real 030 report and the generated corpus. Where it cannot promise that
  (rotated pages, rotated text, unmapped glyphs, Form XObjects, a lone diagonal
  line, fake bold, a page pdfium fails on) it refuses the whole file;
- **pdfplumber** (``read_with_pdfplumber``), the fallback: pdfminer interprets the
  streams in pure Python, ~85% of its time. It also words the errors for
  encrypted and corrupt files.

Word grouping and cell text are pdfplumber's default rules written out flat
(``pdf_words``), the table finder is pdfplumber's with an indexed cell search
(``pdf_objects.intersections_to_cells``); tests pin both to pdfplumber's own
functions. Measured with ``benchmarks/bench_readers.py`` (CPU time, on a 2-core
box shared with 7 other jobs, load 12–15): the 030 report (4 A3 pages) 57 ms via
pypdfium2 against 224 ms via pdfplumber; generated A4 reports ~70 pages/s against
~18. Results are identical on every PDF test and on 100 generated reports at
mess 0–3 (``tests/test_readers_office.py`` compares the two paths).

The second speed pass (2026-11-29, README "Carriers" has the numbers) kept every
result and cut what the profile showed: words are not built for lines wholly
inside a ruled table (they were built, then dropped); a one-line cell's text is
joined without word dicts; character centres are sorted once per page; the
per-character and per-segment pdfium calls go without ctypes argtypes; cells are
grouped into tables without pdfplumber's ``list.remove`` per cell.

What the reader does, page by page:
1. Ruled tables (``find_tables``, lines strategy) become a grid of cells; a cell
   box covering several grid columns/rows is a span, its copies share the origin.
   Text of a cell is its lines joined — without a space between CJK characters,
   so a merged label printed one character per line (三/、/本/年/…) becomes one label.
2. Text outside tables is grouped into lines (by vertical overlap; a label
   printed one character per line is first taken out as one line); a line whose
   words are split by wide gaps (> 1.5 em) is a row of cells. Consecutive such
   rows form a borderless Table (``spans_known=False``), columns aligned on the
   row with most cells so a blank cell stays an empty cell; other lines are
   reflowed into Paragraphs (a line that reaches the right margin continues).
3. A ruled table that ends a page and one that starts the next page with
   compatible column borders are one table: a row split by the page break is
   joined back (its values are printed on one side only, or its label — with its
   first numbers — on one page and the rest of its numbers, under empty cells,
   on the next), and a vertical span cut by the break continues.
Lines in the top/bottom margin that are only a page number (``- 4 -``, ``第 4 页``, ``4``)
are dropped as page furniture; the same text mid-page is kept.

Problems: no text layer at all → no blocks and ``file.no_text``; some pages
without text → ``file.no_text_pages``; glyphs without Unicode mapping →
``file.unmapped_glyphs``. Unreadable bytes (truncated, corrupt, password) raise
``PdfReadError`` (a ValueError) naming the file.

Known limits (what the reconstruction cannot do yet):
- Borderless tables get no spans: a header cell over several columns lands in
  one column, and a group label printed one character per line becomes one row
  of its own (at its first character's height), not a span over its rows.
  Only first-column stacks at single line pitch are recognised.
- The split-row rule joins a first row whose values are all blank into the row
  above it when the break falls exactly there (indistinguishable in the PDF).
- A table continues across pages only if it is the last item on its page and
  the first on the next; a running header between them keeps two tables (rows
  still in order). Paragraphs cut by a page break stay two paragraphs.
- One reading column per page: two-column layouts and rotated text are read
  line by line across the page.
"""

from __future__ import annotations

import bisect
import io
import re
from dataclasses import dataclass, field

from transforms.document import Cell, Document, Paragraph, Table, make_table
from transforms.numbers import is_value_text
from transforms.readers import pdf_objects, pdf_words

PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d{1,3})\s*$")
SECTION_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
NUMERIC = re.compile(r"^[\s\d０-９,，.．%％+\-—/]*\d[\s\d０-９,，.．%％+\-—/]*(?:万?元|件|个|条|项)?\s*$")
CELL_GAP_EM = 1.5  # a gap wider than this many font heights separates cells on a text line
DIGITISH = frozenset("0123456789,.")
EDGE_TOL = 2.0
STACK_GAP_EM = 0.35  # one-character lines closer than this (in font heights) are one vertical label
MARGIN_SHARE = 0.08  # page numbers are dropped only in the top/bottom 8% of the page, never a lone "19" mid-page  # pt: column borders closer than this are the same border


class PdfReadError(ValueError):
    """The bytes are not a readable PDF (truncated, corrupt, or password-protected). Terminal: retrying won't help."""


# ---------------------------------------------------------------- entry point

def read(data: bytes, name: str) -> Document:
    """Read a text-layer PDF into paragraphs and tables, in page and reading order.

    pypdfium2 supplies the characters and ruling edges (``pdf_objects``); when it cannot promise
    pdfplumber's coordinates for this file, pdfplumber reads it (``read_with_pdfplumber``).
    """
    _check_bytes(data, name)
    try:
        sources, meta = pdf_objects.read_pages(data)
    except pdf_objects.FastPathRefused:
        pdf_objects.STATS["fallback"] += 1
        return read_with_pdfplumber(data, name)
    pdf_objects.STATS["fast"] += 1
    pages = [_read_page(page, i + 1) for i, page in enumerate(sources)]
    return _document(pages, meta, name)


def read_with_pdfplumber(data: bytes, name: str) -> Document:
    """The slow path: pdfminer interprets the content streams (and words the errors for broken files)."""
    _check_bytes(data, name)
    import pdfplumber  # imported here so a missing library only breaks this carrier

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise _open_error(name, exc) from exc
    with pdf:
        try:
            pages = [_read_page(page, i + 1) for i, page in enumerate(pdf.pages)]
        except Exception as exc:
            raise _open_error(name, exc) from exc
        meta = {k.lower(): str(v) for k, v in (pdf.metadata or {}).items()
                if isinstance(v, (str, int, float)) and str(v).strip()}
    return _document(pages, meta, name)


def _document(pages: list[_Page], meta: dict[str, str], name: str) -> Document:
    n_pages = len(pages)
    problems: list[tuple[str, str]] = []
    blank_pages = [p.number for p in pages if p.n_chars == 0]
    if n_pages == 0 or len(blank_pages) == n_pages:
        problems.append(("file.no_text", f"{name}: PDF 没有文字层（扫描件或图片），无法读取数字；请提交可复制文字的 PDF 或 Word/Excel 原件"))
        return Document(blocks=[], source=name, carrier="pdf", title=meta.get("title"), meta=meta, pages=n_pages,
                        reader_problems=problems)
    if blank_pages:
        problems.append(("file.no_text_pages", f"{name}: 第 {', '.join(map(str, blank_pages))} 页没有文字层（扫描图片），其内容未读取"))
    unmapped = sum(p.n_unmapped for p in pages)
    if unmapped:
        problems.append(("file.unmapped_glyphs", f"{name}: {unmapped} 个字符没有 Unicode 映射（字体未嵌入编码表），显示为 (cid:N)"))
    blocks = _assemble(pages)
    title = meta.get("title") or next((b.text.strip() for b in blocks if isinstance(b, Paragraph)), None)
    return Document(blocks=blocks, source=name, carrier="pdf", title=title, meta=meta, pages=n_pages,
                    reader_problems=problems)


def _check_bytes(data: bytes, name: str) -> None:
    if b"%PDF-" not in data[:1024]:
        raise PdfReadError(f"{name}: 不是 PDF 文件（缺少 %PDF 文件头）")
    if b"%%EOF" not in data[-2048:]:
        raise PdfReadError(f"{name}: PDF 文件不完整（末尾缺少 %%EOF，文件被截断）；请重新下载或导出后提交")


def _open_error(name: str, exc: BaseException) -> PdfReadError:
    if _is_password_error(exc):
        return PdfReadError(f"{name}: PDF 已加密，需要密码才能打开；请提交未加密的文件")
    return PdfReadError(f"{name}: PDF 文件已损坏，无法读取（{type(exc).__name__}: {exc}）")


def _is_password_error(exc: BaseException) -> bool:
    """pdfplumber wraps pdfminer's PDFPasswordIncorrect in PdfminerException(args=(inner,)); look through the wrapping."""
    seen: list[BaseException] = [exc]
    while seen:
        e = seen.pop()
        kind = type(e).__name__.lower()
        if "password" in kind or "encrypt" in kind:
            return True
        seen.extend(a for a in e.args if isinstance(a, BaseException))
        if e.__cause__ is not None:
            seen.append(e.__cause__)
    return False


# ---------------------------------------------------------------- per page

@dataclass
class _Grid:
    """A ruled table while it is being assembled: every position points at its origin."""
    col_edges: list[float]
    origins: list[list[tuple[int, int]]]
    text: dict[tuple[int, int], str]
    loc: dict[tuple[int, int], str]
    location: str
    top: float
    bottom: float
    pages: list[int] = field(default_factory=list)


@dataclass
class _Line:
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    segments: list[tuple[str, float, float]]  # (text, x0, x1)
    stacked: bool = False  # a label printed one character per line, read as one line

    @property
    def text(self) -> str:
        return " ".join(s[0] for s in self.segments)


@dataclass
class _Page:
    number: int
    n_chars: int
    n_unmapped: int
    items: list[tuple[float, _Grid | _Line]]  # in reading order
    right_edge: float


def _read_page(page, number: int) -> _Page:
    chars = page.chars
    # pdfminer prints an unmapped glyph as "(cid:N)"; the fast path has one character per char (it refuses unmapped glyphs)
    n_unmapped = 0 if isinstance(page, pdf_objects.FastPage) else sum(
        1 for ch in chars if ch.get("text", "").startswith("(cid:"))
    if not chars:
        return _Page(number, 0, 0, [], 0.0)
    items: list[tuple[float, _Grid | _Line]] = []
    boxes = []
    found_tables = [t for t in page.find_tables() if len(t.cells) > 1]  # a lone box is a frame, not a table
    by_y = _by_centre(chars) if found_tables else []
    for i, found in enumerate(found_tables):
        grid = _grid_from_table(found, chars, f"page {number} table {i + 1}", by_y)
        if grid is not None:
            grid.pages.append(number)
            items.append((grid.top, grid))
            boxes.append(found.bbox)
    words = [w for w in pdf_words.extract_words(chars, ("size",), inside=boxes) if not _inside_any(w, boxes)]
    words, stacks = _vertical_labels(words)
    lines = sorted(_lines(words) + stacks, key=lambda ln: ln.top)
    margin = MARGIN_SHARE * float(page.height)
    for line in lines:
        in_margin = line.top < margin or line.bottom > float(page.height) - margin
        if not (in_margin and PAGE_NUMBER.match(line.text)):
            items.append((line.top, line))
    items.sort(key=lambda it: it[0])
    right_edge = max((ln.x1 for ln in lines), default=0.0)
    return _Page(number, len(chars), n_unmapped, items, right_edge)


def _vertical_labels(words: list[dict]) -> tuple[list[dict], list[_Line]]:
    """Find merged labels printed one character per line outside ruled tables (三/、/本/年/…).

    A stack is ≥ 3 one-character CJK words (a trailing 、 or ． allowed) on one
    vertical axis, set at paragraph line pitch (gap ≤ STACK_GAP_EM), with no
    word to its left on those lines: the first column's group label. It becomes
    one stacked line at the height of its first character. Which rows it groups
    is not recoverable without borders, so no span is claimed.
    """
    def single(w: dict) -> bool:
        t = w["text"].strip().rstrip("、．.")
        return len(t) == 1 and _is_wide(t)

    cands = sorted((w for w in words if single(w)), key=lambda w: (w["x0"] + w["x1"]) / 2)
    clusters: list[list[dict]] = []
    for w in cands:
        xc = (w["x0"] + w["x1"]) / 2
        if clusters and xc - (clusters[-1][0]["x0"] + clusters[-1][0]["x1"]) / 2 <= 0.5 * (w["bottom"] - w["top"]):
            clusters[-1].append(w)
        else:
            clusters.append([w])
    used: set[int] = set()
    stacks: list[_Line] = []
    for cluster in clusters:
        cluster.sort(key=lambda w: w["top"])
        runs: list[list[dict]] = []
        for w in cluster:
            if runs and 0 <= w["top"] - runs[-1][-1]["bottom"] <= STACK_GAP_EM * (w["bottom"] - w["top"]):
                runs[-1].append(w)
            else:
                runs.append([w])
        for run in runs:
            if len(run) >= 3 and not _has_word_left_of(run, words):
                used.update(id(x) for x in run)
                x0, x1 = min(x["x0"] for x in run), max(x["x1"] for x in run)
                size = max(x["bottom"] - x["top"] for x in run)
                text = join_lines([x["text"] for x in run])
                stacks.append(_Line(run[0]["top"], run[-1]["bottom"], x0, x1, size, [(text, x0, x1)], stacked=True))
    return [w for w in words if id(w) not in used], stacks


def _has_word_left_of(run: list[dict], words: list[dict]) -> bool:
    x0, top, bottom = min(w["x0"] for w in run), run[0]["top"], run[-1]["bottom"]
    members = {id(w) for w in run}
    return any(id(w) not in members and w["x1"] <= x0 + 1 and w["bottom"] > top and w["top"] < bottom for w in words)


def _inside_any(word: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in boxes)


def _edge_index(edges: list[float], value: float) -> int:
    """Index of the edge nearest ``value`` in the ascending ``edges``; on a tie the lower one."""
    i = bisect.bisect_left(edges, value)
    if i == 0:
        return 0
    if i == len(edges) or abs(edges[i - 1] - value) <= abs(edges[i] - value):
        return i - 1
    return i


def _by_centre(chars: list[dict]) -> list[tuple[float, int, float]]:
    """(vertical centre, index, horizontal centre) of every char, by vertical centre (ties in stream order)."""
    return sorted((((ch["top"] + ch["bottom"]) / 2, k, (ch["x0"] + ch["x1"]) / 2) for k, ch in enumerate(chars)),
                  key=lambda t: t[0])


def _grid_from_table(found, chars: list[dict], location: str, by_y: list[tuple[float, int, float]] | None = None) -> _Grid | None:
    """Cell boxes → grid. Grid lines are the distinct left/top borders of the boxes plus the table's far edges.

    ``by_y``: ``_by_centre(chars)``, computed once per page for all its tables."""
    cells = found.cells
    if not cells:
        return None
    x0, top, x1, bottom = found.bbox
    xs = _distinct(sorted({c[0] for c in cells} | {x1}))
    ys = _distinct(sorted({c[1] for c in cells} | {bottom}))
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 1:
        return None
    # chars by vertical centre, so each cell looks only at its own band (a cell lies inside the table
    # box, so its band holds the same chars whether the list is the table's or the page's)
    if by_y is None:
        by_y = _by_centre(chars)
    centres_y = [t[0] for t in by_y]
    bands: dict[tuple[float, float], tuple[list[float], list[int]]] = {}  # a row's cells share its band, sorted by x
    origins: list[list[tuple[int, int] | None]] = [[None] * n_cols for _ in range(n_rows)]
    text: dict[tuple[int, int], str] = {}
    loc: dict[tuple[int, int], str] = {}
    col_of: dict[float, int] = {}  # border coordinate -> nearest grid line (cells share their borders)
    row_of: dict[float, int] = {}
    for cx0, ctop, cx1, cbottom in sorted(cells, key=lambda c: (c[1], c[0])):
        for v in (cx0, cx1):
            if v not in col_of:
                col_of[v] = _edge_index(xs, v)
        for v in (ctop, cbottom):
            if v not in row_of:
                row_of[v] = _edge_index(ys, v)
        c0, c1 = col_of[cx0], max(col_of[cx1], col_of[cx0] + 1)
        r0, r1 = row_of[ctop], max(row_of[cbottom], row_of[ctop] + 1)
        if origins[r0][c0] is not None:
            continue  # overlapping boxes: the first one wins
        band = bands.get((ctop, cbottom))
        if band is None:
            by_x = sorted((cx, k) for _, k, cx in by_y[bisect.bisect_left(centres_y, ctop):bisect.bisect_left(centres_y, cbottom)])
            band = bands[(ctop, cbottom)] = ([t[0] for t in by_x], [t[1] for t in by_x])
        xs_band, ks_band = band
        picked = ks_band[bisect.bisect_left(xs_band, cx0):bisect.bisect_left(xs_band, cx1)]
        cell_chars = [chars[k] for k in sorted(picked)]  # in stream order
        if cell_chars:
            raw = pdf_words.extract_text(cell_chars)
            text[(r0, c0)] = join_lines(raw.split("\n")) if "\n" in raw else raw.strip()  # one line: what join_lines gives
        else:
            text[(r0, c0)] = ""
        loc[(r0, c0)] = f"{location} row {r0 + 1} col {c0 + 1}"
        for r in range(r0, min(r1, n_rows)):
            for c in range(c0, min(c1, n_cols)):
                if origins[r][c] is None:
                    origins[r][c] = (r0, c0)
    for r in range(n_rows):
        for c in range(n_cols):
            if origins[r][c] is None:  # no box here (a missing border): an empty cell of its own
                origins[r][c] = (r, c)
                text[(r, c)] = ""
                loc[(r, c)] = f"{location} row {r + 1} col {c + 1} (no cell box)"
    return _Grid(xs, origins, text, loc, location, top, bottom)  # type: ignore[arg-type]


def _distinct(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] > EDGE_TOL:
            out.append(v)
    return out


def _lines(words: list[dict]) -> list[_Line]:
    """Words → lines by vertical overlap, then cells split at wide gaps."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        height = max(w["bottom"] - w["top"], 1.0)
        if lines:
            last = lines[-1]
            lmid = sum((x["top"] + x["bottom"]) / 2 for x in last) / len(last)
            if abs(mid - lmid) <= 0.4 * height:
                last.append(w)
                continue
        lines.append([w])
    out = []
    for ws in lines:
        ws.sort(key=lambda w: w["x0"])
        size = max(float(w.get("size") or (w["bottom"] - w["top"])) for w in ws)
        segments: list[list] = []
        for w in ws:
            if segments and w["x0"] - segments[-1][2] <= CELL_GAP_EM * size:
                seg = segments[-1]
                gap = w["x0"] - seg[2]
                seg[0] += (" " if gap > 0.15 * size else "") + w["text"]
                seg[2] = w["x1"]
            else:
                segments.append([w["text"], w["x0"], w["x1"]])
        out.append(_Line(min(w["top"] for w in ws), max(w["bottom"] for w in ws), ws[0]["x0"], ws[-1]["x1"], size,
                         [(s[0], s[1], s[2]) for s in segments]))
    return out


# ---------------------------------------------------------------- text

def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK, CJK punctuation, full-width forms: no space when a line wraps


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space next to a CJK character or inside a number cut by the wrap, one space otherwise."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if out and not (_is_wide(out[-1]) or _is_wide(line[0]) or (out[-1] in DIGITISH and line[0].isdigit())):
            out += " "
        out += line
    return out


# ---------------------------------------------------------------- assembling pages

def _assemble(pages: list[_Page]) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table | _Grid] = []
    open_grid: _Grid | None = None  # the ruled table that ended the previous page, open for continuation
    for page in pages:
        lines: list[_Line] = []
        tail: _Grid | None = None
        for idx, (_top, item) in enumerate(page.items):
            if isinstance(item, _Grid):
                if idx == 0 and open_grid is not None and _continue(open_grid, item):
                    open_grid.pages.append(page.number)
                    tail = open_grid
                    continue
                blocks.extend(_text_blocks(lines, page.number, page.right_edge))
                lines = []
                blocks.append(item)
                tail = item
            else:
                lines.append(item)
                tail = None
        blocks.extend(_text_blocks(lines, page.number, page.right_edge))
        if page.items:
            open_grid = tail  # only a table that is the page's last item may go on
    return [_finish(b) if isinstance(b, _Grid) else b for b in blocks]


def _finish(grid: _Grid) -> Paragraph | Table:
    rows = tuple(
        tuple(Cell(grid.text[o], r, c, o, grid.loc[o]) for c, o in enumerate(row))
        for r, row in enumerate(grid.origins)
    )
    location = grid.location if len(grid.pages) < 2 else f"{grid.location} (continued to page {grid.pages[-1]})"
    if len(rows) == 1 and len(rows[0]) == 1:  # a framed box of text, not a table
        return Paragraph(rows[0][0].text, location)
    return Table(rows, location, spans_known=True)


def _text_blocks(lines: list[_Line], page: int, right_edge: float) -> list[Paragraph | Table]:
    """Lines outside ruled tables → paragraphs (reflowed) and borderless tables (runs of multi-cell lines)."""
    blocks: list[Paragraph | Table] = []
    i = 0
    line_no = {id(ln): n + 1 for n, ln in enumerate(lines)}
    while i < len(lines):
        line = lines[i]
        j = i
        while j + 1 < len(lines) and _is_row(lines[j + 1]):
            j += 1
        if _is_row(line) and any(len(ln.segments) >= 2 for ln in lines[i:j + 1]):
            run = lines[i:j + 1]
            first, last = line_no[id(run[0])], line_no[id(run[-1])]
            blocks.append(make_table(_align(run), f"page {page} lines {first}-{last}",
                                     row_locations=[f"page {page} line {line_no[id(ln)]}" for ln in run]))
            i = j + 1
            continue
        parts = [line]
        while i + 1 < len(lines) and len(lines[i + 1].segments) == 1 and _continues(parts[-1], lines[i + 1], right_edge):
            i += 1
            parts.append(lines[i])
        blocks.append(Paragraph(join_lines([p.text for p in parts]), f"page {page} line {line_no[id(parts[0])]}"))
        i += 1
    return blocks


def _is_row(line: _Line) -> bool:
    """A line that belongs in a borderless table: several cells, or a vertical group label among such lines."""
    return len(line.segments) >= 2 or line.stacked


def _continues(prev: _Line, nxt: _Line, right_edge: float) -> bool:
    """Does ``nxt`` carry on the paragraph of ``prev``? Only if prev filled the line and nothing marks a new start."""
    full = prev.x1 >= right_edge - 2 * prev.size
    close = nxt.top - prev.bottom <= 0.9 * max(prev.size, nxt.size)
    return full and close and not SECTION_HEADING.match(nxt.text)


def _align(run: list[_Line]) -> list[list[str]]:
    """Put each segment in the column of the widest row that it overlaps most; missing cells stay ''."""
    ref = max(run, key=lambda ln: len(ln.segments))
    cols = [(s[1], s[2]) for s in ref.segments]
    rows = []
    for line in run:
        cells = [""] * len(cols)
        for text, sx0, sx1 in line.segments:
            k = max(range(len(cols)), key=lambda k: (min(sx1, cols[k][1]) - max(sx0, cols[k][0]), -abs(sx0 - cols[k][0])))
            cells[k] = f"{cells[k]} {text}".strip() if cells[k] else text
        rows.append(cells)
    return rows


# ---------------------------------------------------------------- tables across pages

def _numbers_go_on(first_texts: dict, prev_text, col_of: list[int], n_cols: int) -> bool:
    """The next page opens with the rest of the last row's numbers: a row of values only (numbers or blank
    markers such as ``/``), each under an empty cell of a row that has its label (and, if any, its first
    values, all left of these)."""
    texts = {k: t for (_, k), t in first_texts.items() if t}
    if not texts or not all(is_value_text(t) for t in texts.values()) or not any(NUMERIC.match(t) for t in texts.values()):
        return False
    under = [j for j in range(n_cols) if col_of[j] in texts]
    if any(prev_text(j) for j in under):
        return False
    labelled = any(prev_text(j) and not is_value_text(prev_text(j)) for j in range(n_cols))
    before = [j for j in range(n_cols) if prev_text(j) and is_value_text(prev_text(j))]
    return labelled and (not before or max(before) < min(under))


def _continue(prev: _Grid, nxt: _Grid) -> bool:
    """Append ``nxt`` (first item on its page) to ``prev`` (last item on the previous page) if the columns line up."""
    mapping = [_edge_index(prev.col_edges, x) for x in nxt.col_edges]
    if any(abs(prev.col_edges[m] - x) > 2 * EDGE_TOL for m, x in zip(mapping, nxt.col_edges, strict=True)):
        return False
    if any(b <= a for a, b in zip(mapping, mapping[1:], strict=False)) or mapping[0] != 0 or mapping[-1] != len(prev.col_edges) - 1:
        return False
    n_cols = len(prev.col_edges) - 1
    # prev column j lies inside nxt column col_of[j]
    col_of = [max(k for k in range(len(mapping) - 1) if mapping[k] <= j) for j in range(n_cols)]
    last = len(prev.origins) - 1

    first_origins = {nxt.origins[0][k] for k in range(len(nxt.col_edges) - 1) if nxt.origins[0][k] == (0, k)}
    first_texts = {o: nxt.text[o].strip() for o in first_origins}

    def prev_text(j: int) -> str:
        return prev.text[prev.origins[last][j]].strip()

    absorbed: dict[tuple[int, int], tuple[int, int]] = {}
    drop_first = False
    if all(not t for t in first_texts.values()):
        drop_first = True  # the empty lower part of a row split by the page break
    else:
        split_row = True
        for (_, k), t in first_texts.items():
            cols = [j for j in range(n_cols) if col_of[j] == k]
            if t and (NUMERIC.match(t) or not any(prev_text(j) and not NUMERIC.match(prev_text(j)) for j in cols)):
                split_row = False
        # a split row carries its numbers on one side only: some number above must face an empty cell here
        faces_number = any(NUMERIC.match(prev_text(j)) and not first_texts.get(nxt.origins[0][col_of[j]], "x")
                           for j in range(n_cols) if prev_text(j))
        drop_first = (split_row and faces_number) or _numbers_go_on(first_texts, prev_text, col_of, n_cols)
    if drop_first:
        for j in range(n_cols):
            o = nxt.origins[0][col_of[j]]
            if o in absorbed or o not in first_origins:
                continue
            target = prev.origins[last][j]
            absorbed[o] = target
            if first_texts[o] and prev.text[target].strip():
                prev.text[target] = join_lines([prev.text[target], nxt.text[o]])
            elif first_texts[o]:  # a number the break pushed to the next page: its own cell, its own place
                prev.text[target] = nxt.text[o]
                prev.loc[target] = nxt.loc[o]
    else:
        # Clean break. An empty first-row cell continues the label above it when that label already spans
        # rows, or when the empty cell itself spans rows here (the lower part of a cut group label).
        # A blank under a number stays a blank: blank and 0 are different facts.
        for j in range(n_cols):
            o = nxt.origins[0][col_of[j]]
            target = prev.origins[last][j]
            label = prev.text[target].strip()
            if o not in first_origins or o in absorbed or first_texts[o] or not label or NUMERIC.match(label):
                continue
            spans_here = any(nxt.origins[r][o[1]] == o for r in range(1, len(nxt.origins)))
            if target[0] < last or spans_here:
                absorbed[o] = target

    offset = len(prev.origins) - (1 if drop_first else 0)
    for r, row in enumerate(nxt.origins):
        if r == 0 and drop_first:
            continue
        new_row: list[tuple[int, int]] = []
        for j in range(n_cols):
            o = row[col_of[j]]
            if o in absorbed:
                new_row.append(absorbed[o])
                continue
            target = (offset + o[0], mapping[o[1]])
            if target not in prev.text:
                prev.text[target] = nxt.text[o]
                prev.loc[target] = nxt.loc[o]
            new_row.append(target)
        prev.origins.append(new_row)
    prev.bottom = nxt.bottom
    return True
