"""The fast half of the PDF reader: characters and ruling edges read with pypdfium2, shaped as pdfplumber shapes them.

pdfplumber spends ~85% of its time in pdfminer interpreting content streams
in pure Python. pdfium does the same work in C, 10–20× faster, and hands us
every character's origin plus every path object's segments. What pdfplumber
adds on top — word grouping, the lattice table finder, cell text — is plain
Python over dicts of coordinates, so we build the same dicts from pdfium and
call those very functions (``pdfplumber.table``, ``pdfplumber.utils``): one
reconstruction, two sources of coordinates, the same Document.

The geometry must be pdfminer's, not pdfium's own boxes, or thresholds such
as the 3 pt word gap decide differently:
- x0 is the character origin; x1 = x0 + advance width (font widths × size),
  not pdfium's glyph box, which hangs over the advance;
- the box is one font size tall, its bottom ``descent × size`` below the
  baseline, with the descent pdfminer uses: the font descriptor's
  ``/Descent`` (0 when absent), read from the font dictionary itself (pdfium
  substitutes the font program's own value when the descriptor says 0);
- path segments become edges as pdfplumber makes them from pdfminer's
  lines, rectangles and curves: every axis-parallel straight piece between
  consecutive end points (Bézier control points are not end points).

A page is refused (``FastPathRefused``, and the whole file goes to
pdfplumber) whenever these rules are not known to give pdfminer's answer:
rotated pages or a crop box, text that is not upright, glyphs pdfium reports
without a Unicode mapping (pdfminer prints ``(cid:N)``, which the reader
reports), Form XObjects (nested coordinate spaces), a lone diagonal line
(pdfplumber turns it into a vertical edge), text drawn over the same text
(fake bold: pdfium keeps one copy, pdfminer both), any page pdfium fails on,
and every file pdfium cannot open (encrypted, corrupt: pdfplumber words the
error as before). Refusals are counted in ``STATS`` so the benchmarks can say
how often the slow path ran.

pdfium's text page folds away a text object holding only blanks once it has
generated a space there itself; pdfplumber splits a word at any blank, however
narrow, so such an object gets one blank back at its origin (``_in_stream_order``).

Known differences left: the document info keeps only the standard keys
(Title, Author, …; pdfium has no call that lists the others); runs of blanks
inside one text object are folded to one (a word still ends there); a glyph
pdfminer cannot map but pdfium can (from the font program, without raising its
map-error flag) is read as pdfium reads it.
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass, field
from typing import Any

_PDFIUM_LOCK = threading.Lock()
STATS = {"fast": 0, "fallback": 0}  # files read by each path in this process (benchmarks/bench_readers.py prints it)
ROUND = 4  # pdfium works in float32; pdfminer in doubles from the decimal operands. 4 places undo the float32 noise.


class FastPathRefused(Exception):
    """The fast path cannot promise pdfplumber's result for this file; the caller reads it with pdfplumber."""


@dataclass
class FastTable:
    """What the reader uses of a pdfplumber ``Table``: its cell boxes and their bounding box."""
    cells: list[tuple[float, float, float, float]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        c = self.cells
        return (min(x[0] for x in c), min(x[1] for x in c), max(x[2] for x in c), max(x[3] for x in c))


@dataclass
class FastPage:
    """A page as the reader needs it: ``chars``, ``height``, ``find_tables()`` — pdfplumber's names."""
    height: float
    chars: list[dict[str, Any]]
    edges: list[dict[str, Any]] = field(default_factory=list)

    def find_tables(self) -> list[FastTable]:
        """pdfplumber's TableFinder with its default (lines) settings, over our edges."""
        from pdfplumber import table as t
        from pdfplumber import utils

        v = utils.filter_edges(self.edges, "v", min_length=1)
        h = utils.filter_edges(self.edges, "h", min_length=1)
        edges = t.merge_edges(v + h, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
        edges = utils.filter_edges(edges, min_length=3)
        cells = intersections_to_cells(t.edges_to_intersections(edges, 3, 3))
        return [FastTable(group) for group in cells_to_tables(cells)]


def cells_to_tables(cells: list[tuple[float, float, float, float]]) -> list[list[tuple[float, float, float, float]]]:
    """pdfplumber's ``cells_to_tables``, same answer, without a ``list.remove`` and a generator per cell.

    Passes over the cells not yet placed, in order: a cell joins the current table when it
    shares a corner with it (the first cell of a table always joins); a pass that adds
    nothing closes the table. Tables sorted by their top-left cell, single cells dropped.
    With duplicate boxes pdfplumber's own function runs (its ``remove`` takes the first equal box).
    """
    if len(set(cells)) != len(cells):
        from pdfplumber import table as t

        return t.cells_to_tables(cells)
    remaining = list(cells)
    corners: set[tuple[float, float]] = set()
    current: list[tuple[float, float, float, float]] = []
    tables: list[list[tuple[float, float, float, float]]] = []
    while remaining:
        before = len(current)
        keep = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            a, b, c, d = (x0, top), (x0, bottom), (x1, top), (x1, bottom)
            if not current or a in corners or b in corners or c in corners or d in corners:
                corners.update((a, b, c, d))
                current.append(cell)
            else:
                keep.append(cell)
        remaining = keep
        if len(current) == before:
            tables.append(list(current))
            corners.clear()
            current.clear()
    if current:
        tables.append(list(current))
    ordered = sorted(tables, key=lambda group: min((c[1], c[0]) for c in group))
    return [group for group in ordered if len(group) > 1]


def intersections_to_cells(intersections: dict) -> list[tuple[float, float, float, float]]:
    """pdfplumber's ``intersections_to_cells``, same answer, without its quadratic scans.

    For each intersection (in sorted order) the smallest cell whose top-left it is: the
    first point below and the first point to the right (nearest first) that share an edge
    with it and whose bottom-right corner closes the box. pdfplumber rebuilds the edge sets
    and rescans every later point for every point; here both are indexed once.
    """
    points = sorted(intersections)
    v_sets = {p: frozenset((e["x0"], e["top"], e["x1"], e["bottom"]) for e in intersections[p]["v"]) for p in points}
    h_sets = {p: frozenset((e["x0"], e["top"], e["x1"], e["bottom"]) for e in intersections[p]["h"]) for p in points}
    by_x: dict[float, list[tuple[float, float]]] = {}
    by_y: dict[float, list[tuple[float, float]]] = {}
    for p in points:  # sorted by (x, y): a column lists its points top to bottom, a row left to right
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)
    pos_x = {p: k for col in by_x.values() for k, p in enumerate(col)}
    pos_y = {p: k for row in by_y.values() for k, p in enumerate(row)}

    def connects(p1: tuple[float, float], p2: tuple[float, float]) -> bool:
        if p1[0] == p2[0] and not v_sets[p1].isdisjoint(v_sets[p2]):
            return True
        return p1[1] == p2[1] and not h_sets[p1].isdisjoint(h_sets[p2])

    cells = []
    for pt in points:
        below = by_x[pt[0]][pos_x[pt] + 1:]
        right = by_y[pt[1]][pos_y[pt] + 1:]
        if not below or not right:
            continue  # on the bottom or right border: no box has pt as its top-left corner
        to_right: dict[tuple[float, float], bool] = {}  # connects(pt, right_pt), asked once per point to the right
        found = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                ok = to_right.get(right_pt)
                if ok is None:
                    ok = to_right[right_pt] = connects(pt, right_pt)
                if not ok:
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


# ---------------------------------------------------------------- document

def read_pages(data: bytes) -> tuple[list[FastPage], dict[str, str]]:
    """Every page of the PDF as a FastPage, plus the document info; FastPathRefused when unsure.

    pdfium is not thread-safe, and the flow may parse in threads (Prefect's thread pool, a
    threaded Dask cluster): one lock serialises its calls within a process.
    """
    with _PDFIUM_LOCK:
        return _read_pages(data)


def _read_pages(data: bytes) -> tuple[list[FastPage], dict[str, str]]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:  # encrypted, corrupt: pdfplumber's path words the error the user sees
        raise FastPathRefused(f"pdfium cannot open: {exc}") from exc
    try:
        descents = _FontDescents(data)
        pages = [_page(doc, i, descents) for i in range(len(doc))]
        meta = {k.lower(): v for k, v in doc.get_metadata_dict(skip_empty=True).items() if v.strip()}
    except FastPathRefused:
        raise
    except Exception as exc:  # a page pdfium cannot load: pdfplumber decides what the user is told
        raise FastPathRefused(f"pdfium failed: {type(exc).__name__}: {exc}") from exc
    finally:
        doc.close()
    return pages, meta


def _page(doc, index: int, descents: _FontDescents) -> FastPage:
    import pypdfium2.raw as raw

    page = doc[index]
    try:
        if page.get_rotation() % 360:
            raise FastPathRefused("rotated page")
        mediabox = page.get_mediabox()
        if mediabox[:2] != (0.0, 0.0) or page.get_cropbox() != mediabox:
            raise FastPathRefused("media box not at the origin, or a crop box")
        height = round(mediabox[3], ROUND)
        edges, text_objects = _edges(page, raw, height)
        textpage = page.get_textpage()
        try:
            chars, owners = _chars(textpage, raw, height, descents)
        finally:
            textpage.close()
        return FastPage(height, _in_stream_order(chars, owners, text_objects, raw, height, descents), edges)
    finally:
        page.close()


def _in_stream_order(chars: list[dict[str, Any]], owners: list[int], text_objects: list[tuple[int, Any]],
                     raw, height: float, descents: _FontDescents) -> list[dict[str, Any]]:
    """Characters in content-stream order (pdfminer's), with the whitespace pdfium's text page folds away put back.

    pdfium drops a text object that holds only blanks when it has already generated a
    space there, and a character drawn again on top of itself (fake bold). pdfminer keeps
    both, and a blank ends a word in pdfplumber however narrow it is. So a text object
    with no characters left becomes one blank at its origin — unless it lies on top of
    text already read, which is the fake-bold case: pdfplumber would read the text
    twice, and we refuse rather than guess.
    """
    by_object: dict[int, list[dict[str, Any]]] = {}
    for ch, owner in zip(chars, owners, strict=True):
        by_object.setdefault(owner, []).append(ch)
    if not set(by_object) <= {key for key, _ in text_objects}:
        raise FastPathRefused("characters from outside the page's own text objects")
    out: list[dict[str, Any]] = []
    index = _BoxIndex()  # built at the first blank: most pages have none
    for key, obj in text_objects:
        own = by_object.get(key)
        if own:
            out.extend(own)
            if index.ready:
                index.add(own)
            continue
        if not index.ready:
            index.add(out)
            index.ready = True
        blank = _blank_char(obj, raw, height, descents)
        if index.covers((blank["x0"] + blank["x1"]) / 2, (blank["top"] + blank["bottom"]) / 2):
            raise FastPathRefused("text drawn over text (fake bold): pdfium keeps one copy, pdfminer both")
        out.append(blank)
        index.add([blank])
    return out


class _BoxIndex:
    """Character boxes bucketed by their bottom, to ask "does any box contain this point?" without a scan."""
    STEP = 4.0

    def __init__(self) -> None:
        self.ready = False
        self.buckets: dict[int, list[dict[str, Any]]] = {}
        self.tallest = 0.0

    def add(self, chars: list[dict[str, Any]]) -> None:
        for c in chars:
            self.buckets.setdefault(int(c["bottom"] // self.STEP), []).append(c)
            self.tallest = max(self.tallest, c["bottom"] - c["top"])

    def covers(self, x: float, y: float) -> bool:
        # a box holding y has its bottom in (y, y + its height]
        for b in range(int(y // self.STEP), int((y + self.tallest) // self.STEP) + 1):
            for c in self.buckets.get(b, ()):
                if c["x0"] < x < c["x1"] and c["top"] < y < c["bottom"]:
                    return True
        return False


def _blank_char(addr: int, raw, height: float, descents: _FontDescents) -> dict[str, Any]:
    """A stand-in blank for a text object pdfium dropped: at its origin, its font's size and descent."""
    obj = ctypes.cast(addr, raw.FPDF_PAGEOBJECT)
    m = raw.FS_MATRIX()
    left, bottom_, right, top_ = (ctypes.c_float() for _ in range(4))
    size = ctypes.c_float()
    if not (raw.FPDFPageObj_GetMatrix(obj, m) and raw.FPDFTextObj_GetFontSize(obj, size)
            and raw.FPDFPageObj_GetBounds(obj, left, bottom_, right, top_)):
        raise FastPathRefused("unreadable text object")
    if m.b != 0 or m.c != 0 or m.a <= 0 or m.d <= 0:
        raise FastPathRefused("text not upright")
    font_size = size.value * m.d
    f = _funcs(raw)
    font = f["font"](ctypes.cast(obj, ctypes.c_void_p).value)
    descent = descents.get(font, raw)
    x0 = round(m.e, ROUND)
    width = ctypes.c_float()
    if f["glyph_width"](font, 32, size.value, ctypes.byref(width)):
        right.value = max(right.value, m.e + width.value * m.a)  # a blank has no outline: its box is its advance
    bottom = round(height - (m.f + descent * font_size), ROUND)
    top = round(bottom - font_size, ROUND)
    return {"text": " ", "x0": x0, "x1": round(right.value, ROUND), "top": top, "bottom": bottom, "doctop": top,
            "upright": True, "size": font_size}


# ---------------------------------------------------------------- characters

def _int_fn(fn, restype, *argtypes):
    """The same C function with plain-int pointers: skips building a ctypes pointer object per call."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(fn, ctypes.c_void_p).value)


_P, _I, _D = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double)
_FUNCS: dict[str, Any] = {}


class _Handle(ctypes.c_void_p):
    """A pointer pdfium returns, kept as a ctypes instance (a c_void_p subclass is not turned into an int),
    so it goes back into the bare functions as it is; ``.value`` is its address."""


def _bare_fn(fn, restype):
    """The same C function without argtypes: ctypes then converts a Python int to a C int and passes a
    ``c_void_p`` instance as the pointer it holds, at half the cost of checking argtypes per call. Only
    for functions of pointers and ints (a Python float would be passed as a double)."""
    return ctypes.CFUNCTYPE(restype)(ctypes.cast(fn, ctypes.c_void_p).value)


def _funcs(raw) -> dict[str, Any]:
    if not _FUNCS:
        _FUNCS.update(
            # per character: called with a c_void_p text page and an int index
            bare_generated=_bare_fn(raw.FPDFText_IsGenerated, _I),
            bare_unicode=_bare_fn(raw.FPDFText_GetUnicode, ctypes.c_uint),
            bare_map_error=_bare_fn(raw.FPDFText_HasUnicodeMapError, _I),
            bare_text_object=_bare_fn(raw.FPDFText_GetTextObject, _P),
            bare_origin=_bare_fn(raw.FPDFText_GetCharOrigin, _I),
        )
        _FUNCS.update(
            generated=_int_fn(raw.FPDFText_IsGenerated, _I, _P, _I),
            unicode=_int_fn(raw.FPDFText_GetUnicode, ctypes.c_uint, _P, _I),
            map_error=_int_fn(raw.FPDFText_HasUnicodeMapError, _I, _P, _I),
            text_object=_int_fn(raw.FPDFText_GetTextObject, _P, _P, _I),
            origin=_int_fn(raw.FPDFText_GetCharOrigin, _I, _P, _I, _D, _D),
            matrix=_int_fn(raw.FPDFText_GetMatrix, _I, _P, _I, ctypes.POINTER(raw.FS_MATRIX)),
            font=_int_fn(raw.FPDFTextObj_GetFont, _P, _P),
            font_size=_int_fn(raw.FPDFTextObj_GetFontSize, _I, _P, ctypes.POINTER(ctypes.c_float)),
            glyph_width=_int_fn(raw.FPDFFont_GetGlyphWidth, _I, _P, ctypes.c_uint, ctypes.c_float,
                                ctypes.POINTER(ctypes.c_float)),
            descent=_int_fn(raw.FPDFFont_GetDescent, _I, _P, ctypes.c_float, ctypes.POINTER(ctypes.c_float)),
            base_name=_int_fn(raw.FPDFFont_GetBaseFontName, ctypes.c_size_t, _P, ctypes.c_char_p, ctypes.c_size_t),
            # per page object and path segment: pointers returned as _Handle instances, passed back as they are
            get_object=_bare_fn(raw.FPDFPage_GetObject, _Handle),
            obj_type=_bare_fn(raw.FPDFPageObj_GetType, _I),
            obj_matrix=_bare_fn(raw.FPDFPageObj_GetMatrix, _I),
            count_segments=_bare_fn(raw.FPDFPath_CountSegments, _I),
            segment=_bare_fn(raw.FPDFPath_GetPathSegment, _Handle),
            seg_point=_bare_fn(raw.FPDFPathSegment_GetPoint, _I),
            seg_type=_bare_fn(raw.FPDFPathSegment_GetType, _I),
            seg_close=_bare_fn(raw.FPDFPathSegment_GetClose, _I),
        )
    return _FUNCS


def _chars(textpage, raw, height: float, descents: _FontDescents) -> tuple[list[dict[str, Any]], list[int]]:
    """The text page's own characters (pdfium's generated spaces and line breaks left out) and their text objects."""
    f = _funcs(raw)
    generated, unicode, map_error, text_object, origin = (
        f[k] for k in ("bare_generated", "bare_unicode", "bare_map_error", "bare_text_object", "bare_origin"))
    tp = ctypes.c_void_p(ctypes.cast(textpage.raw, ctypes.c_void_p).value)  # passed as is to the bare functions
    n = raw.FPDFText_CountChars(textpage)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    pox, poy = ctypes.byref(ox), ctypes.byref(oy)
    m = raw.FS_MATRIX()
    pm = ctypes.byref(m)
    width = ctypes.c_float()
    pwidth = ctypes.byref(width)
    out: list[dict[str, Any]] = []
    owners: list[int] = []
    append, own = out.append, owners.append
    # per text object: (its font's advance widths by code, font, font size, a, size, descent × size)
    obj_cache: dict[int, tuple[dict[int, float], int, float, float, float, float]] = {}
    width_cache: dict[int, dict[int, float]] = {}  # font -> code -> advance in thousandths of the font size
    glyph_width, matrix, font_of, font_size = f["glyph_width"], f["matrix"], f["font"], f["font_size"]
    for i in range(n):
        code = unicode(tp, i)
        if code <= 0x20 and generated(tp, i):  # pdfium's own spaces and line breaks, not in the PDF
            continue
        if map_error(tp, i) or code in (0, 0xFFFD, 0xFFFE, 0xFFFF):
            raise FastPathRefused("glyph without Unicode mapping")
        key = text_object(tp, i)
        info = obj_cache.get(key)
        if info is None:
            matrix(tp, i, pm)
            if m.b != 0 or m.c != 0 or m.a <= 0 or m.d <= 0:
                raise FastPathRefused("text not upright")
            font = font_of(key)
            fs = ctypes.c_float()
            font_size(key, ctypes.byref(fs))
            size = fs.value * m.d
            info = (width_cache.setdefault(font, {}), font, fs.value, m.a, size, descents.get(font, raw) * size)
            obj_cache[key] = info
        widths, font, fontsize, a, size, drop = info
        units = widths.get(code)
        if units is None:
            if not glyph_width(font, code, 1000.0, pwidth):
                raise FastPathRefused("no advance width")
            units = widths[code] = width.value
        origin(tp, i, pox, poy)
        x0 = round(ox.value, ROUND)
        bottom = round(height - (oy.value + drop), ROUND)
        top = round(bottom - size, ROUND)
        append({"text": chr(code), "x0": x0, "x1": round(x0 + units * fontsize / 1000 * a, ROUND), "top": top,
                "bottom": bottom, "doctop": top, "upright": True, "size": size})
        own(key)
    return out, owners


_SUBSET = re.compile(r"^[A-Z]{6}\+")  # the subset tag of an embedded font: ABCDEF+Name
_DESCRIPTOR_NAME = re.compile(rb"/FontName\s*/([^\s/<>\[\]()%]+)")
_DESCRIPTOR_DESCENT = re.compile(rb"/Descent\s+(-?[0-9.]+)(\s+[0-9]+\s+[0-9]+\s+R)?")


class _FontDescents:
    """pdfminer's descent per font, which fixes where pdfplumber puts a character's box under its baseline.

    pdfminer takes the font descriptor's ``/Descent`` as written (made negative; 0 when
    missing) or, for the standard 14 fonts, its built-in metrics. pdfium replaces a 0 by
    the font program's own descent (LibreOffice writes 0: a 1 pt shift at 12 pt). pdfium
    has no call that returns the descriptor, so descriptors are read from the file's bytes
    and matched by font name (subset tag aside). A font whose descriptor is not found that
    way (inside a compressed object stream, or named differently from its font) gets
    pdfium's value, which is the descriptor's whenever that is negative — the usual case.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.cache: dict[int, float] = {}
        self.descriptors: dict[str, set[float | None]] | None = None

    def get(self, font: int, raw) -> float:
        """Descent per unit of font size of the font at address ``font``."""
        if font not in self.cache:
            f = _funcs(raw)
            n = f["base_name"](font, None, 0)
            buf = ctypes.create_string_buffer(max(n, 1))
            f["base_name"](font, buf, n)
            descent = self._descent(buf.value.decode("latin-1"))
            if descent is None:  # descriptor not found by name: pdfium's value, which is the descriptor's when < 0
                d = ctypes.c_float()
                if not f["descent"](font, 1000.0, ctypes.byref(d)):
                    raise FastPathRefused("font without descent")
                descent = d.value / 1000
            self.cache[font] = descent
        return self.cache[font]

    def _descent(self, name: str) -> float | None:
        from pdfminer.fontmetrics import FONT_METRICS

        if name in FONT_METRICS:
            return -abs(float(FONT_METRICS[name][0].get("Descent", 0))) / 1000
        if self.descriptors is None:
            self.descriptors = self._read_descriptors()
        name = _SUBSET.sub("", name)
        values: set[float | None] = set()
        for font_name, found in self.descriptors.items():
            if name == font_name or name.startswith(font_name + "-") or name.startswith(font_name + ","):
                values |= found
        if not values:
            return None
        if len(values) != 1 or None in values:
            raise FastPathRefused(f"font descriptors of {name!r} disagree or are out of reach")
        return -abs(values.pop() or 0.0) / 1000

    def _read_descriptors(self) -> dict[str, set[float | None]]:
        """FontName → the /Descent values of descriptors with that name (None: written as a reference)."""
        data = self.data
        out: dict[str, set[float | None]] = {}
        for hit in re.finditer(rb"/Type\s*/FontDescriptor\b", data):
            start = data.rfind(b" obj", 0, hit.start())
            end = data.find(b"endobj", hit.end())
            body = data[start if start >= 0 else hit.start():end if end >= 0 else len(data)]
            name = _DESCRIPTOR_NAME.search(body)
            if name is None:
                continue
            descent = _DESCRIPTOR_DESCENT.search(body)
            value: float | None = 0.0
            if descent is not None:
                try:
                    value = None if descent.group(2) else float(descent.group(1))
                except ValueError:
                    value = None
            out.setdefault(_SUBSET.sub("", name.group(1).decode("latin-1")), set()).add(value)
        return out


# ---------------------------------------------------------------- ruling edges

def _edges(page, raw, height: float) -> tuple[list[dict[str, Any]], list[tuple[int, Any]]]:
    """Edges of every path object, as pdfplumber derives them from pdfminer's lines, rects and curves;
    and the text objects, in stream order."""
    edges: list[dict[str, Any]] = []
    text_objects: list[tuple[int, Any]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    px_, py_ = ctypes.byref(x), ctypes.byref(y)
    m = raw.FS_MATRIX()
    pm = ctypes.byref(m)
    f = _funcs(raw)
    get_object, obj_type, obj_matrix = f["get_object"], f["obj_type"], f["obj_matrix"]
    count_segments, segment, seg_point, seg_type, seg_close = (
        f[k] for k in ("count_segments", "segment", "seg_point", "seg_type", "seg_close"))
    TEXT, FORM, PATH = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_PATH
    MOVETO, BEZIERTO = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_BEZIERTO
    page_ptr = ctypes.c_void_p(ctypes.cast(page.raw, ctypes.c_void_p).value)
    for k in range(raw.FPDFPage_CountObjects(page)):
        obj = get_object(page_ptr, k)
        kind = obj_type(obj)
        if kind == TEXT:
            key = obj.value or 0
            text_objects.append((key, key))
            continue
        if kind == FORM:
            raise FastPathRefused("form XObject")
        if kind != PATH:
            continue
        obj_matrix(obj, pm)
        subpaths: list[list[tuple[float, float]]] = []
        closed: list[bool] = []
        pending_bezier = 0
        for s in range(count_segments(obj)):
            seg = segment(obj, s)
            seg_point(seg, px_, py_)
            px = m.a * x.value + m.c * y.value + m.e
            py = m.b * x.value + m.d * y.value + m.f
            pt = (round(px, ROUND), round(height - py, ROUND))
            kind_s = seg_type(seg)
            if kind_s == MOVETO or not subpaths:
                subpaths.append([pt])
                closed.append(False)
                pending_bezier = 0
            elif kind_s == BEZIERTO:
                pending_bezier += 1
                if pending_bezier == 3:  # control, control, end: only the end point is a point of the path
                    subpaths[-1].append(pt)
                    pending_bezier = 0
            else:
                subpaths[-1].append(pt)
            if seg_close(seg):
                closed[-1] = True
        for pts, is_closed in zip(subpaths, closed, strict=True):
            if is_closed and pts[-1] != pts[0]:
                pts.append(pts[0])
            if len(pts) == 2 and pts[0][0] != pts[1][0] and pts[0][1] != pts[1][1]:
                raise FastPathRefused("diagonal line")  # pdfplumber makes a vertical edge of it
            for p0, p1 in zip(pts, pts[1:]):
                orientation = "v" if p0[0] == p1[0] else ("h" if p0[1] == p1[1] else None)
                if orientation is None:
                    continue
                x0, x1 = min(p0[0], p1[0]), max(p0[0], p1[0])
                top, bottom = min(p0[1], p1[1]), max(p0[1], p1[1])
                edges.append({"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                              "doctop": top, "width": x1 - x0, "height": bottom - top, "orientation": orientation})
    return edges, text_objects
