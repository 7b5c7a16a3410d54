"""The fast half of the XLSX reader: the workbook's XML parts read with lxml, cell values as openpyxl gives them.

openpyxl in normal mode builds a Cell object, a style array and descriptor
machinery for every cell, which cost 10× the time of reading the XML (merges
are why read-only mode is no option: it does not expose them). The reader
needs little: each worksheet's name, its cells' values with the number format
(percent or not), and its merge ranges. So ``read_book`` reads
``xl/workbook.xml`` (sheet order and names), its rels (which part is which
sheet), ``sharedStrings.xml``, ``styles.xml`` (cell formats) and each sheet's
``sheetData`` and ``mergeCells`` — and converts values by openpyxl's rules
(``data_only=True``): a number is an int unless written with ``.``/``e``, a
shared string joins its runs (phonetic runs left out, ``x005F_`` dropped),
booleans and cached formula strings as openpyxl reads them, a cell under a
merge (not its origin) is blank.

It refuses (``FastPathRefused``; openpyxl reads the file, the count goes to
``STATS``) whatever it does not reproduce exactly: a number whose format is a
date or time (openpyxl turns it into a datetime), a ``t="d"`` cell, an
unknown cell type or style, a sheet part of an unknown kind, and any broken
part — openpyxl's error then names the problem as it always did.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

STATS = {"fast": 0, "fallback": 0}  # files read by each path in this process (benchmarks/bench_readers.py prints it)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = f"{REL_NS}/officeDocument"
WORKSHEET, CHARTSHEET = f"{REL_NS}/worksheet", f"{REL_NS}/chartsheet"
SHARED_STRINGS, STYLES = f"{REL_NS}/sharedStrings", f"{REL_NS}/styles"
MAX_PART_BYTES = 200 * 1024 * 1024  # a sheet bigger than this unpacked is a zip bomb, not a report

# openpyxl's built-in number formats that matter here: percent (9, 10) and dates/times (14–22, 45–47).
PERCENT_FORMATS = {9: "0%", 10: "0.00%"}
DATE_FORMAT_IDS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
# openpyxl.styles.numbers.is_date_format: literals and [..] sections (except elapsed-time ones) ignored
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CHAR = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class FastPathRefused(Exception):
    """The direct read cannot promise openpyxl's values for this workbook; the caller uses openpyxl."""


@dataclass
class Sheet:
    """One worksheet: cell texts by (row, column), 1-based, and merge ranges (min_row, min_col, max_row, max_col)."""
    title: str
    values: dict[tuple[int, int], str]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class Book:
    sheets: list[Sheet]
    meta: dict[str, str]


def _q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


C, V, IS, T, R, RPH, ROW = (_q(t) for t in ("c", "v", "is", "t", "r", "rPh", "row"))


def read_book(data: bytes) -> Book:
    """Every worksheet of the workbook, in workbook order, with its cell texts and merges."""
    from transforms.readers.xlsx import display_text

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        workbook_part = _main_part(zf)
        workbook = _xml(zf, workbook_part)
        rels = _rels(zf, workbook_part)
        shared = _shared_strings(zf, next((t for t, k in rels.values() if k == SHARED_STRINGS), None))
        formats = _cell_formats(zf, next((t for t, k in rels.values() if k == STYLES), None))
        sheets = []
        for el in workbook.iter(_q("sheet")):
            target, kind = rels.get(el.get(f"{{{REL_NS}}}id", ""), (None, None))
            if kind == CHARTSHEET:
                continue
            if kind != WORKSHEET or target is None:
                raise FastPathRefused(f"sheet part of kind {kind!r}")
            sheets.append(_sheet(el.get("name", ""), _xml(zf, target), shared, formats, display_text))
        meta = _core_properties(zf)
    except FastPathRefused:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, IndexError, etree.XMLSyntaxError) as exc:
        raise FastPathRefused(f"{type(exc).__name__}: {exc}") from exc
    return Book(sheets, meta)


# ---------------------------------------------------------------- package parts

def _xml(zf: zipfile.ZipFile, part: str) -> etree._Element:
    info = zf.getinfo(part)
    if info.file_size > MAX_PART_BYTES:
        raise FastPathRefused(f"{part} is {info.file_size} bytes unpacked")
    return etree.fromstring(zf.read(info), _PARSER)


def _main_part(zf: zipfile.ZipFile) -> str:
    try:
        rels = etree.fromstring(zf.read("_rels/.rels"), _PARSER)
    except KeyError:
        return "xl/workbook.xml"
    for rel in rels.iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("Type") == OFFICE_DOC and rel.get("Target"):
            return posixpath.normpath(rel.get("Target", "").lstrip("/"))
    return "xl/workbook.xml"


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (part name, type) for ``part``'s relationships."""
    folder, base = posixpath.split(part)
    root = _xml(zf, posixpath.join(folder, "_rels", base + ".rels"))
    out = {}
    for rel in root.iter(f"{{{PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        name = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (posixpath.normpath(name), rel.get("Type", ""))
    return out


def _text_content(el: etree._Element) -> str | None:
    """openpyxl's ``Text.content``: the plain ``t`` plus every run's ``t``; phonetic runs left out."""
    if len(el) == 1 and el[0].tag == T:  # the usual case: one plain t
        return el[0].text or ""
    plain: str | None = None
    runs: list[str] = []
    for child in el:
        if child.tag == T:
            plain = child.text
        elif child.tag == R:
            t = child.find(T)
            if t is not None and t.text is not None:
                runs.append(t.text)
    return "".join(([plain] if plain is not None else []) + runs)


def _shared_strings(zf: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None:
        return []
    return [(_text_content(si) or "").replace("x005F_", "") for si in _xml(zf, part).iter(_q("si"))]


def _cell_formats(zf: zipfile.ZipFile, part: str | None) -> list[tuple[str, bool]]:
    """Per cell style (``s``): (number format, is a date/time format), as openpyxl resolves them."""
    if part is None:
        return [("General", False)]
    root = _xml(zf, part)
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(_q("numFmt"))}
    out = []
    xfs = root.find(_q("cellXfs"))
    for xf in (xfs if xfs is not None else []):
        if xf.tag != _q("xf"):
            continue
        fid = int(xf.get("numFmtId", "0"))
        if fid in custom:
            fmt = custom[fid]
            out.append((fmt, _is_date_format(fmt)))
        else:
            out.append((PERCENT_FORMATS.get(fid, "General"), fid in DATE_FORMAT_IDS))
    return out or [("General", False)]


def _is_date_format(fmt: str) -> bool:
    return _DATE_CHAR.search(_STRIP.sub("", fmt.split(";")[0])) is not None


def _core_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """title, creator, created, modified — the fields the openpyxl path keeps, dates as ``str(datetime)``."""
    try:
        root = etree.fromstring(zf.read("docProps/core.xml"), _PARSER)
    except KeyError:
        return {}
    meta: dict[str, str] = {}
    for el in root:
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        key = {"title": "title", "creator": "creator", "created": "created", "modified": "modified"}.get(name)
        if key in ("title", "creator") and el.text:
            meta[key] = el.text
        elif key and (el.text or "").strip():
            m = re.match(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z?$", el.text.strip())
            if m is None:
                raise FastPathRefused(f"document date {el.text!r}")
            meta[key] = "{}-{}-{} {}:{}:{}".format(*m.groups())
    return meta


# ---------------------------------------------------------------- one sheet

def _sheet(title: str, root: etree._Element, shared: list[str], formats: list[tuple[str, bool]],
           display_text) -> Sheet:
    values: dict[tuple[int, int], str] = {}
    columns: dict[str, int] = {}
    n_formats = len(formats)
    plain = [not is_date and "%" not in (fmt or "") for fmt, is_date in formats]  # ints print as str(int)
    data = root.find(_q("sheetData"))
    row_no = 0
    for row in (data if data is not None else ()):
        if row.tag != ROW:  # (a plain loop: iterchildren(tag) parses its tag on every call, which costs more)
            continue
        r_attr = row.get("r")
        row_no = int(float(r_attr)) if r_attr else row_no + 1
        row_str = str(row_no)
        col_no = 0
        for c in row:
            if c.tag != C:
                continue
            ref = c.get("r")
            if ref:
                # The usual reference is column letters seen before + this row's number: no regex needed.
                # ``columns`` holds only letters the regex accepted, so a hit means it would match the same way.
                known = columns.get(ref[:-len(row_str)]) if ref.endswith(row_str) else None
                if known is not None:
                    col_no, r = known, row_no
                else:
                    m = _COORD.match(ref)
                    if m is None:
                        raise FastPathRefused(f"cell reference {ref!r}")
                    letters = m.group(1)
                    col_no = columns.get(letters) or columns.setdefault(letters, _column(letters))
                    r = int(m.group(2))
            else:
                col_no, r = col_no + 1, row_no
            # the value, by openpyxl's rules (data_only=True)
            kind = c.get("t", "n")
            style = int(c.get("s") or 0)
            if style >= n_formats:
                raise FastPathRefused(f"cell style {style} not in styles.xml")
            if kind == "inlineStr":
                inline = None
                for child in c:  # c.find(IS), without ElementPath
                    if child.tag == IS:
                        inline = child
                        break
                if inline is None:
                    continue
                values[(r, col_no)] = _text_content(inline) or ""  # a str: display_text would return it as is
                continue
            text = None
            for child in c:  # c.findtext(V), without ElementPath
                if child.tag == V:
                    text = child.text or ""
                    break
            if not text:
                continue
            if kind == "s":
                values[(r, col_no)] = shared[int(text)]  # a str: display_text would return it as is
                continue
            fmt, is_date = formats[style]
            value: object
            if kind == "n":
                if is_date:
                    raise FastPathRefused("date-formatted number")
                if "." in text or "E" in text or "e" in text:
                    value = float(text)
                elif plain[style]:
                    values[(r, col_no)] = str(int(text))  # display_text of an int without a percent format
                    continue
                else:
                    value = int(text)
            elif kind == "b":
                value = bool(int(text))
            elif kind in ("str", "e"):
                values[(r, col_no)] = text  # a str: display_text would return it as is
                continue
            else:
                raise FastPathRefused(f"cell type {kind!r}")
            values[(r, col_no)] = display_text(value, fmt)
    merges = []
    for mc in root.iter(_q("mergeCell")):
        merges.append(_range(mc.get("ref", "")))
    for r0, c0, r1, c1 in merges:  # openpyxl blanks every cell under a merge but its origin
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    values.pop((r, c), None)
    return Sheet(title, values, merges)


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _range(ref: str) -> tuple[int, int, int, int]:
    parts = ref.split(":")
    if not 1 <= len(parts) <= 2:
        raise FastPathRefused(f"merge {ref!r}")
    ends = []
    for p in parts:
        m = _COORD.match(p)
        if m is None:
            raise FastPathRefused(f"merge {ref!r}")
        ends.append((int(m.group(2)), _column(m.group(1))))
    (r0, c0), (r1, c1) = ends[0], ends[-1]
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)
