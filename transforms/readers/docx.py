"""DOCX reader: WordprocessingML body → ``Document`` (paragraphs and span-expanded tables).

Why lxml on the raw XML and not python-docx's object layer (measured 2026-11-26 on
the 030 sample, 10 KB, 3 tables, 46 rows; 2-core box, median of 20 warm runs):

| approach | ms/report |
|---|---|
| python-docx: open + ``doc.tables`` cells + ``doc.paragraphs`` | 27 (quiet box), 31–81 (loaded) |
| lxml: unzip + parse ``word/document.xml`` + every ``w:t`` | 2 |
| this reader (lxml walk, numbering, spans, ``expand_spans``) | 7–17 (loaded box); 5 CPU ms on generated reports after the 2026-11-29 pass |

The 2026-11-29 pass (``benchmarks/bench_readers.py``, CPU time on a shared box):
numbering.xml and styles.xml are parsed only when a paragraph could be numbered
(python-docx writes a 350 KB styles.xml that cost more than the body), and each
row, cell and paragraph is walked once instead of searched with ``find``. A
second pass the same day: cells are built without the frozen dataclass's setattr
(``document.new_cell``), a table without vMerge/hMerge is laid out directly
(``_plain_grid``), a merged one straight from its placed boxes (``_layout``) rather
than placed a second time by ``expand_spans``. (Tried and dropped: lxml's
tag-filtered ``iterchildren``/``itertext`` per cell — slower, as lxml parses the
tag names on every call.)

python-docx also needs a second pass to interleave tables and paragraphs in
body order and exposes vMerge only through private ``_tc`` objects, while one
lxml walk gives everything the model needs: body order of ``w:p``/``w:tbl``,
``w:gridSpan``, ``w:vMerge``, ``w:gridBefore``. So python-docx is not a
dependency; ``benchmarks/bench_readers.py`` re-measures it when it is installed.

What is read and what is skipped, and why:
- ``w:p`` and ``w:tbl`` children of ``w:body`` in order; ``w:sdt`` (content
  controls) and ``w:customXml`` wrappers are unwrapped, so their content keeps its place.
- Text boxes, drawings and VML shapes (``w:txbxContent``, ``w:drawing``,
  ``w:pict``) are skipped: their anchoring says nothing about reading order.
  Of an ``mc:AlternateContent`` only the first branch is read, since it holds
  the same content twice (new and fallback markup).
- Deleted revisions (``w:delText``) and field codes (``w:instrText``) are not text.
- A table nested in a cell is flattened into that cell's text (cells joined by
  tab, rows by newline): the standard tables are never nested, so keeping the
  words is enough, and it cannot break the outer grid.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from transforms.document import Cell, Document, Paragraph, Table, expand_spans, new_cell

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, TBL, TR, TC, T, TAB, BR, CR = (_w(t) for t in ("p", "tbl", "tr", "tc", "t", "tab", "br", "cr"))
SDT, SDT_CONTENT, CUSTOM_XML = _w("sdt"), _w("sdtContent"), _w("customXml")
R, RPR = _w("r"), _w("rPr")
PPR, NUM_PR, P_STYLE, TR_PR, TC_PR = _w("pPr"), _w("numPr"), _w("pStyle"), _w("trPr"), _w("tcPr")
GRID_BEFORE, GRID_SPAN, V_MERGE, H_MERGE, VAL = _w("gridBefore"), _w("gridSpan"), _w("vMerge"), _w("hMerge"), _w("val")
# Subtrees whose text is not body text (see module docstring).
ALTERNATE = f"{{{MC}}}AlternateContent"
SKIP = frozenset({_w("txbxContent"), _w("drawing"), _w("pict"), _w("object"),
                  _w("delText"), _w("instrText"), _w("rPr"), _w("pPr"), _w("tcPr"), _w("trPr"), _w("tblPr")})
WRAPPERS = frozenset({SDT, SDT_CONTENT, CUSTOM_XML, _w("smartTag")})
MAX_PART_BYTES = 200 * 1024 * 1024  # a document.xml bigger than this is a zip bomb, not a report

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class DocxReadError(ValueError):
    """The bytes are not a readable DOCX (corrupt/truncated zip, missing or broken XML). Terminal: retrying won't help."""


def read(data: bytes, name: str) -> Document:
    """Read a .docx: body paragraphs and tables in document order."""
    zf = _open_zip(data, name)
    main_part = _main_part(zf)
    body_xml = _read_part(zf, main_part, name)
    try:
        root = etree.fromstring(body_xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise DocxReadError(f"{name}: Word 文件的正文 XML 已损坏（{exc}）；请重新导出 .docx 后提交") from exc
    body = root.find(_w("body"))
    if body is None:
        raise DocxReadError(f"{name}: Word 文件没有正文（{main_part} 中缺少 w:body）")

    blocks: list[Paragraph | Table] = []
    counters = {"paragraph": 0, "table": 0}
    numbering = _Numbering.load(zf)
    for el in _block_elements(body):
        if el.tag == P:
            counters["paragraph"] += 1
            text = _paragraph_text(el, numbering)
            if text.strip():
                blocks.append(Paragraph(text, f"paragraph {counters['paragraph']}"))
        else:
            counters["table"] += 1
            table = _table(el, f"table {counters['table']}", numbering)
            if table.n_rows:
                blocks.append(table)

    meta = _core_properties(zf)
    title = meta.get("title") or next((b.text.strip() for b in blocks if isinstance(b, Paragraph)), None)
    pages = _app_pages(zf)
    return Document(blocks=blocks, source=name, carrier="docx", title=title or None, meta=meta, pages=pages)


# ---------------------------------------------------------------- package

def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise DocxReadError(f"{name}: 这是旧版 Word (.doc) 或加密的 Office 文件，不是 .docx；请另存为未加密的 .docx 后提交")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocxReadError(f"{name}: 不是完整的 .docx 文件（zip 结构损坏或文件被截断：{exc}）") from exc


def _read_part(zf: zipfile.ZipFile, part: str, name: str) -> bytes:
    try:
        info = zf.getinfo(part)
        if info.file_size > MAX_PART_BYTES:
            raise DocxReadError(f"{name}: {part} 解压后 {info.file_size} 字节，超过上限，拒绝读取")
        return zf.read(info)
    except KeyError as exc:
        raise DocxReadError(f"{name}: .docx 中缺少 {part}，不是 Word 文档") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # CRC error, truncated member, bad compression
        raise DocxReadError(f"{name}: .docx 中的 {part} 无法解压（文件损坏或被截断：{exc}）") from exc


def _main_part(zf: zipfile.ZipFile) -> str:
    """The officeDocument target of _rels/.rels; ``word/document.xml`` when the rels are missing or odd."""
    try:
        rels = etree.fromstring(zf.read("_rels/.rels"), _PARSER)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError):
        return "word/document.xml"
    for rel in rels.iter(f"{{{REL}}}Relationship"):
        if rel.get("Type") == OFFICE_DOC and rel.get("Target"):
            target = posixpath.normpath(rel.get("Target", "").lstrip("/"))
            if target in zf.namelist():
                return target
    return "word/document.xml"


def _core_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """docProps/core.xml as {local name: text} for the non-empty fields (title, creator, created, …)."""
    try:
        root = etree.fromstring(zf.read("docProps/core.xml"), _PARSER)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError):
        return {}
    meta: dict[str, str] = {}
    for el in root:
        if isinstance(el.tag, str) and el.text and el.text.strip():
            meta[etree.QName(el).localname] = el.text.strip()
    return meta


def _app_pages(zf: zipfile.ZipFile) -> int | None:
    """Page count as Word last saved it (docProps/app.xml); None when absent — DOCX has no real pages."""
    try:
        root = etree.fromstring(zf.read("docProps/app.xml"), _PARSER)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError):
        return None
    for el in root:
        if isinstance(el.tag, str) and etree.QName(el).localname == "Pages" and (el.text or "").strip().isdigit():
            return int(el.text.strip())
    return None


# ---------------------------------------------------------------- list numbering

CHINESE_DIGITS = "零一二三四五六七八九"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (what Word's chineseCounting prints)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CHINESE_DIGITS[n // 10] + "十" + (CHINESE_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _chinese(rest) if rest < 10 else ("一" + _chinese(rest) if rest < 20 else _chinese(rest)))
        return CHINESE_DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """One list counter in a Word ``w:numFmt``; unknown formats fall back to decimal."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital",
               "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"):
        return _chinese(n)
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return TIANGAN[n - 1]
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt in ("upperLetter", "lowerLetter") and n >= 1:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and n >= 1:
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    legal: bool = False


@dataclass
class _Numbering:
    """Word's automatic list numbers (一、 （一） 1.), rendered into the paragraph text.

    Why: headings and row labels are often numbered by a list style, not typed;
    without this a heading reads 总体情况 where the page shows 一、总体情况, and the
    label 1.属于国家秘密 loses its 1. Counters run in document order per abstract
    list (per w:num when it overrides its start), deeper levels restart when a
    higher level counts. Bullets render as nothing.
    """
    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # numId -> ilvl -> level
    abstract_of: dict[str, str] = field(default_factory=dict)  # numId -> counter key
    style_num: dict[str, tuple[str, int]] = field(default_factory=dict)  # paragraph style -> (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    zf: zipfile.ZipFile | None = None  # parts not read yet: most reports number nothing, and styles.xml can be 350 KB

    @classmethod
    def load(cls, zf: zipfile.ZipFile) -> _Numbering:
        """Numbering and styles are parsed on the first paragraph that could be numbered, not before."""
        return cls(zf=zf)

    def _read_parts(self) -> None:
        zf, self.zf = self.zf, None
        root = _optional_xml(zf, "word/numbering.xml") if zf is not None else None
        if root is None:
            return
        abstract: dict[str, dict[int, _Level]] = {}
        for an in root.iter(_w("abstractNum")):
            abstract[an.get(_w("abstractNumId"), "")] = {lvl_no: lvl for lvl_no, lvl in _levels(an)}
        for num in root.iter(_w("num")):
            num_id = num.get(_w("numId"), "")
            ref = num.find(_w("abstractNumId"))
            abs_id = ref.get(_w("val"), "") if ref is not None else ""
            levels = {k: _Level(v.start, v.fmt, v.text, v.legal) for k, v in abstract.get(abs_id, {}).items()}
            overridden = False
            for override in num.iter(_w("lvlOverride")):
                ilvl = int(override.get(_w("ilvl"), "0") or 0)
                start = override.find(_w("startOverride"))
                for lvl_no, lvl in _levels(override):
                    levels[lvl_no] = lvl
                    overridden = True
                if start is not None and ilvl in levels:
                    levels[ilvl].start = int(start.get(_w("val"), "1") or 1)
                    overridden = True
            self.levels[num_id] = levels
            self.abstract_of[num_id] = f"num {num_id}" if overridden else f"abstract {abs_id}"
        if not self.levels:
            return  # nothing can be numbered, whatever the styles say
        styles = _optional_xml(zf, "word/styles.xml", only_if=b"numPr")
        if styles is not None:
            based_on: dict[str, str] = {}
            for st in styles.iter(_w("style")):
                sid = st.get(_w("styleId"), "")
                parent = st.find(_w("basedOn"))
                if parent is not None:
                    based_on[sid] = parent.get(_w("val"), "")
                num_pr = st.find(f"{_w('pPr')}/{_w('numPr')}")
                if num_pr is not None:
                    self.style_num[sid] = _num_pr(num_pr)
            for sid in list(based_on):  # a style inherits its parent's numbering
                seen, cur = set(), sid
                while cur not in self.style_num and cur in based_on and cur not in seen:
                    seen.add(cur)
                    cur = based_on[cur]
                if cur in self.style_num and sid not in self.style_num:
                    self.style_num[sid] = self.style_num[cur]

    def label_from(self, ppr: etree._Element) -> str:
        """The label of the paragraph whose w:pPr this is ('' when it is not numbered); counts it."""
        num_pr = style = None
        for child in ppr:
            if child.tag == NUM_PR and num_pr is None:
                num_pr = child
            elif child.tag == P_STYLE and style is None:
                style = child
        if num_pr is None and style is None:
            return ""
        if self.zf is not None:
            self._read_parts()
        if not self.levels:
            return ""
        num_id, ilvl = _num_pr(num_pr) if num_pr is not None else ("", 0)
        if not num_id:
            style = ppr.find(_w("pStyle"))
            num_id, style_lvl = self.style_num.get(style.get(_w("val"), "") if style is not None else "", ("", 0))
            ilvl = ilvl if num_pr is not None and num_pr.find(_w("ilvl")) is not None else style_lvl
        levels = self.levels.get(num_id)
        if not num_id or num_id == "0" or not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(self.abstract_of[num_id], {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        level = levels[ilvl]
        if level.fmt == "bullet":
            return ""

        def render(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lvl = levels.get(k)
            if lvl is None:
                return ""
            value = counts.get(k, lvl.start)
            return format_number(value, "decimal" if level.legal and k < ilvl else lvl.fmt)

        text = re.sub(r"%([1-9])", render, level.text)
        if text and not (text[-1] in ".．、)）" or ord(text[-1]) >= 0x2E80):
            text += " "
        return text


def _levels(parent: etree._Element):
    for lvl in parent.findall(_w("lvl")):
        try:
            start = int(_child_val(lvl, "start", "1"))
        except ValueError:
            start = 1
        level = _Level(start, _child_val(lvl, "numFmt", "decimal"), _child_val(lvl, "lvlText", ""),
                       lvl.find(_w("isLgl")) is not None)
        yield int(lvl.get(_w("ilvl"), "0") or 0), level


def _child_val(el: etree._Element, tag: str, default: str) -> str:
    child = el.find(_w(tag))
    return child.get(_w("val"), default) if child is not None else default


def _num_pr(num_pr: etree._Element) -> tuple[str, int]:
    num_id = num_pr.find(_w("numId"))
    ilvl = num_pr.find(_w("ilvl"))
    try:
        level = int(ilvl.get(_w("val"), "0")) if ilvl is not None else 0
    except ValueError:
        level = 0
    return (num_id.get(_w("val"), "") if num_id is not None else ""), level


def _optional_xml(zf: zipfile.ZipFile, part: str, only_if: bytes = b"") -> etree._Element | None:
    """The part parsed, or None when missing or broken — or when it does not contain ``only_if`` at all."""
    try:
        data = zf.read(part)
        if only_if not in data:
            return None
        return etree.fromstring(data, _PARSER)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None


# ---------------------------------------------------------------- body

def _block_elements(container: etree._Element):
    """w:p and w:tbl children in order, looking through content-control wrappers."""
    for el in container:
        if el.tag in (P, TBL):
            yield el
        elif el.tag in WRAPPERS:
            yield from _block_elements(el)


def _paragraph_text(p: etree._Element, numbering: _Numbering) -> str:
    """The list label (from the first w:pPr) and the text, in one pass over the paragraph's children.

    A run's children are read here rather than by a call of ``_collect_text`` per run (the
    same dispatch, inlined for w:t and w:rPr, which make up nearly every run).
    """
    parts: list[str] = [""]
    labelled = False
    for child in p:
        tag = child.tag
        if tag == R:
            for sub in child:
                sub_tag = sub.tag
                if sub_tag == T:
                    parts.append(sub.text or "")
                elif sub_tag != RPR:  # w:rPr is skipped (SKIP); anything else as _collect_text does
                    _collect_one(sub, sub_tag, parts)
        elif tag == PPR:
            if not labelled:
                parts[0] = numbering.label_from(child)
                labelled = True
        else:
            _collect_one(child, tag, parts)
    return "".join(parts)


def _collect_one(child: etree._Element, tag, parts: list[str]) -> None:
    """One element's text as ``_collect_text`` takes it from its parent's children."""
    if tag == T:
        parts.append(child.text or "")
    elif tag == TAB:
        parts.append("\t")
    elif tag in (BR, CR):
        parts.append("\n")
    elif tag in SKIP or not isinstance(tag, str):
        return
    elif tag == ALTERNATE:
        if len(child):  # one branch only (mc:Choice), else every text is read twice
            _collect_text(child[0], parts)
    else:
        _collect_text(child, parts)


def _collect_text(el: etree._Element, parts: list[str]) -> None:
    for child in el:
        _collect_one(child, child.tag, parts)


def _cell_text(tc: etree._Element, numbering: _Numbering) -> str:
    """Paragraphs joined by newline; a nested table becomes tab/newline separated lines."""
    lines: list[str] = []
    for el in _block_elements(tc):
        if el.tag == P:
            lines.append(_paragraph_text(el, numbering))
        else:
            lines.extend(_flatten_table(el, numbering))
    return "\n".join(lines)


def _flatten_table(tbl: etree._Element, numbering: _Numbering) -> list[str]:
    rows = []
    for tr in _children(tbl, TR):
        rows.append("\t".join(_cell_text(tc, numbering).replace("\n", " ") for tc in _children(tr, TC)))
    return rows


def _children(el: etree._Element, tag: str):
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            yield from _children(child, tag)


def _row_parts(tr: etree._Element) -> tuple[etree._Element | None, list[etree._Element]]:
    """A row's first w:trPr and its w:tc cells (wrappers looked through), in one pass."""
    trpr = None
    cells: list[etree._Element] = []
    for child in tr:
        tag = child.tag
        if tag == TC:
            cells.append(child)
        elif tag == TR_PR:
            if trpr is None:
                trpr = child
        elif tag in WRAPPERS:
            cells.extend(_children(child, TC))
    return trpr, cells


def _cell_parts(tc: etree._Element, numbering: _Numbering) -> tuple[etree._Element | None, str]:
    """A cell's first w:tcPr and its text (as ``_cell_text``), in one pass over its children."""
    tcpr = None
    lines: list[str] = []
    for child in tc:
        tag = child.tag
        if tag == P:
            lines.append(_paragraph_text(child, numbering))
        elif tag == TBL:
            lines.extend(_flatten_table(child, numbering))
        elif tag == TC_PR:
            if tcpr is None:
                tcpr = child
        elif tag in WRAPPERS:
            for el in _block_elements(child):
                if el.tag == P:
                    lines.append(_paragraph_text(el, numbering))
                else:
                    lines.extend(_flatten_table(el, numbering))
    return tcpr, "\n".join(lines)


def _int_val(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return max(1, min(int(el.get(_w("val"), default)), 1000))
    except ValueError:
        return default


@dataclass(slots=True)
class _Box:
    """One source cell placed on the table grid."""
    text: str
    row: int
    col: int
    colspan: int
    location: str
    rowspan: int = 1


def _table(tbl: etree._Element, location: str, numbering: _Numbering) -> Table:
    """Place every w:tc on the grid (gridBefore/gridSpan/vMerge/hMerge), then lay out the spans.

    vMerge: a cell with ``w:vMerge val=restart`` opens a vertical span at its grid
    columns; a cell with bare ``w:vMerge`` (continue) at the same columns extends
    it and contributes no cell of its own. Word writes the continuing cell's text
    as empty; if a producer left text there anyway it is appended to the origin
    so no word is lost.
    """
    rows: list[tuple[int, list[tuple[str, int, etree._Element | None, etree._Element | None]]]] = []
    merged = False
    for tr in _children(tbl, TR):
        trpr, cells = _row_parts(tr)
        before = _int_val(trpr.find(GRID_BEFORE), 0) if trpr is not None else 0
        row: list[tuple[str, int, etree._Element | None, etree._Element | None]] = []
        for tc in cells:
            tcpr, text = _cell_parts(tc, numbering)
            span_el = vmerge = hmerge = None
            if tcpr is not None:
                for child in tcpr:  # one pass instead of three finds (iterchildren(tags) costs more: it parses the tags per call)
                    tag = child.tag
                    if tag == GRID_SPAN and span_el is None:
                        span_el = child
                    elif tag == V_MERGE and vmerge is None:
                        vmerge = child
                    elif tag == H_MERGE and hmerge is None:
                        hmerge = child
            merged = merged or vmerge is not None or hmerge is not None
            row.append((text, _int_val(span_el, 1), vmerge, hmerge))
        rows.append((before, row))
    if not merged:
        return _plain_grid(rows, location)
    boxes: list[_Box] = []
    open_spans: dict[int, _Box] = {}  # grid col of a vMerge restart -> its box
    for r, (col, row) in enumerate(rows):
        row_boxes: list[_Box] = []
        for text, span, vmerge, hmerge in row:
            if hmerge is not None and hmerge.get(VAL) != "restart" and row_boxes:
                row_boxes[-1].colspan += span  # legacy horizontal merge: continue the cell to the left
                col += span
                continue
            if vmerge is not None and vmerge.get(VAL) != "restart":
                origin = open_spans.get(col)
                if origin is not None and origin.colspan == span and origin.row + origin.rowspan == r:
                    origin.rowspan += 1
                    if text.strip():
                        origin.text = f"{origin.text}\n{text}" if origin.text else text
                    col += span
                    continue
            box = _Box(text, r, col, span, f"{location} row {r + 1} col {col + 1}")
            row_boxes.append(box)
            for c in range(col, col + span):
                open_spans.pop(c, None)
            if vmerge is not None:
                open_spans[col] = box
            col += span
        boxes.extend(row_boxes)
    return _layout(boxes, location)


def _plain_grid(rows: list[tuple[int, list[tuple[str, int, object, object]]]], location: str) -> Table:
    """``_layout`` of a table without vMerge/hMerge, built directly.

    Each row's cells then sit left to right from its gridBefore, a cell over ``gridSpan``
    columns: no span reaches another row and none overlaps, so the grid is the cells and
    their copies plus an empty "(no cell)" cell in every hole (gridBefore, short rows,
    rows without cells) — what ``_layout`` makes of the same boxes. Rows after the last
    cell are dropped, as there.
    """
    grid: list[list[Cell]] = []
    n_rows = n_cols = 0
    for r, (col, row) in enumerate(rows):
        line: list[Cell] = []
        for c in range(col):
            line.append(new_cell("", r, c, (r, c), f"{location} row {r + 1} col {c + 1} (no cell)"))
        for text, span, _, _ in row:
            origin = (r, col)
            loc = f"{location} row {r + 1} col {col + 1}"
            for c in range(col, col + span):
                line.append(new_cell(text, r, c, origin, loc))
            col += span
        if row:
            n_rows = r + 1
            n_cols = max(n_cols, col)
        grid.append(line)
    if not n_rows:
        return expand_spans([], location)
    out = []
    for r in range(n_rows):
        line = grid[r][:n_cols]  # a row without cells may have a gridBefore past the last column
        for c in range(len(line), n_cols):
            line.append(new_cell("", r, c, (r, c), f"{location} row {r + 1} col {c + 1} (no cell)"))
        out.append(tuple(line))
    return Table(tuple(out), location, spans_known=True)


def _layout(boxes: list[_Box], location: str) -> Table:
    """The grid of the placed cells: every grid position covered exactly once.

    Holes (gridBefore, short rows, a vMerge continue without a restart) become an
    empty cell of their own ("(no cell)"). Overlaps (malformed XML) drop the later
    cell's copies: a span is shrunk to what is still free. The positions are known
    here, so the cells go straight onto the grid (None = still free) — the same grid
    ``expand_spans`` gives for these rows with the holes filled, without placing
    every cell a second time.
    """
    if not boxes:
        return expand_spans([], location)
    n_rows = max(b.row + b.rowspan for b in boxes)
    n_cols = max(b.col + b.colspan for b in boxes)
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for b in boxes:
        line = grid[b.row]
        if line[b.col] is not None:
            continue  # overlap from malformed spans: the earlier cell wins
        # shrink the span to what is still free, keeping the grid consistent
        colspan = 1
        while colspan < b.colspan and line[b.col + colspan] is None:
            colspan += 1
        rowspan = 1
        while rowspan < b.rowspan and not any(grid[b.row + rowspan][b.col:b.col + colspan]):
            rowspan += 1
        b.colspan, b.rowspan = colspan, rowspan
        origin = (b.row, b.col)
        for r in range(b.row, b.row + rowspan):
            row = grid[r]
            for c in range(b.col, b.col + colspan):
                row[c] = new_cell(b.text, r, c, origin, b.location)
    rows = []
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                row[c] = new_cell("", r, c, (r, c), f"{location} row {r + 1} col {c + 1} (no cell)")
        rows.append(tuple(row))
    return Table(tuple(rows), location, spans_known=True)
