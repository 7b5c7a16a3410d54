"""HTML: pages copied from government sites and HTML saved by Word.

Tables become span-expanded grids; everything else becomes paragraphs in document
order. ``<br>`` and block boundaries inside a cell become newlines (a header split
over two ``<p>`` stays one label once whitespace is dropped), inline spans are
joined without a gap (``<span>2</span><span>0</span>`` is 20). Word's conditional
comments and ``<o:p>`` vanish; when a site printed them as literal text they are
stripped too.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from transforms.document import Document, Paragraph, Table, expand_spans
from transforms.readers.encoding import decode_bytes, decoding_problem

_SKIP = {"script", "style", "head", "noscript", "template", "iframe", "object", "svg"}
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
    "pre", "center", "table", "tr", "td", "th", "tbody", "thead", "tfoot", "dl", "dt", "dd", "form", "header",
    "footer", "main", "nav", "aside", "hr", "caption", "font",
}
_LITERAL_COMMENTS = re.compile(r"<!--\[if[^\]]*\]>|<!\[endif\]-->|<!--\[if[^\]]*\]-->|\[if\s*![^\]]*\]|\[endif\]|<!--|-->")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
# Layout-only wrappers: block ones become a line break, inline ones vanish (spans join without a gap).
_BLOCK_WRAPPERS = re.compile(r"</?(?:div|section|article|center|main|header|footer|aside|nav)\b[^>]*>", re.I)
_INLINE_WRAPPERS = re.compile(r"</?(?:span|font|b|i|u|strong|em|a|o:p)\b[^>]*>", re.I)


def _parse_html(text: str) -> tuple[etree._Element, bool]:
    """The page's tree, and whether libxml2 cut part of it off for nesting too deep.

    libxml2 stops building the tree at depth 256 and drops everything below (a page
    whose body opens with a few thousand ``<div>`` lost its whole report). Such pages
    are parsed again without their layout-only wrapper tags, which carry no cell or
    paragraph the report needs.
    """
    parser = lxml.html.HTMLParser()
    root = lxml.html.document_fromstring(text, parser=parser)
    return root, any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)


def _span(value: str | None) -> int:
    if value is None:  # the common case: no rowspan/colspan attribute
        return 1
    try:
        return max(1, int(str(value).strip()))
    except (TypeError, ValueError):
        return 1


def _clean(text: str) -> str:
    return _LITERAL_COMMENTS.sub("", text)


def read(data: bytes, name: str) -> Document:
    m = _CHARSET.search(data[:4096])
    decoded = decode_bytes(data, declared=m.group(1).decode("ascii", "ignore") if m else None)
    doc = Document(blocks=[], source=name, carrier="html", encoding=decoded.encoding)
    if decoded.guessed:
        doc.reader_problems.append(("file.encoding_guessed", f"文件编码自动识别为 {decoded.encoding}"))
    if decoded.had_errors:
        doc.reader_problems.append(decoding_problem(decoded))
    text = decoded.text.lstrip("\ufeff")
    if not text.strip():
        return doc
    try:
        root, too_deep = _parse_html(text)
        if too_deep:
            root, still_too_deep = _parse_html(_INLINE_WRAPPERS.sub("", _BLOCK_WRAPPERS.sub("\n", text)))
            doc.reader_problems.append((
                "file.deep_nesting",
                "网页标签嵌套超过256层，已去掉仅用于排版的标签（div、span、font 等）后读取"
                + ("；仍有部分内容嵌套过深，未能读取" if still_too_deep else "，内容完整"),
            ))
            if still_too_deep:
                doc.reader_problems.append(("file.unreadable", "网页部分内容嵌套过深（超过256层），这部分未读取。"))
    except (etree.ParserError, ValueError) as exc:
        raise ValueError(f"{name}: HTML could not be parsed: {exc}") from exc
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        doc.title = _clean(title.text_content()).strip()
    for el in root.iter(etree.Comment, etree.ProcessingInstruction):
        parent = el.getparent()
        if parent is not None:
            tail = el.tail
            if tail:
                prev = el.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
            parent.remove(el)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"}:
            el.tail = "\n" + (el.tail or "")
    body = root.find("body")
    counter = {"table": 0, "para": 0}
    _walk(body if body is not None else root, doc, counter)
    return doc


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _has_block_child(el) -> bool:
    for d in el.iterdescendants():
        t = _tag(d)
        if t in _BLOCK and t != "font":
            return True
    return False


def _emit_para(text: str | None, doc: Document, counter: dict) -> None:
    if text is None:
        return
    for line in _clean(text).split("\n"):
        line = line.strip().strip("\u00a0\u3000 ")
        if line:
            counter["para"] += 1
            doc.blocks.append(Paragraph(line, f"paragraph {counter['para']}"))


def _walk(el, doc: Document, counter: dict) -> None:
    tag = _tag(el)
    if tag in _SKIP:
        return
    if tag == "table":
        counter["table"] += 1
        doc.blocks.append(_table(el, counter["table"]))
        return
    if not _has_block_child(el):
        _emit_para(el.text_content(), doc, counter)
        return
    _emit_para(el.text, doc, counter)
    for child in el:
        _walk(child, doc, counter)
        _emit_para(child.tail, doc, counter)


def build_table(el, number: int) -> Table:
    """A ``<table>`` element as a span-expanded grid (also used for HTML inside Markdown)."""
    return _table(el, number)


def _table(el, number: int) -> Table:
    location = f"table {number}"
    rows = el.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    source_rows = []
    for r, tr in enumerate(rows):
        cells = []
        for c, td in enumerate(tr.xpath("./td|./th")):
            text = _clean(td.text_content())
            cells.append((text, _span(td.get("rowspan")), _span(td.get("colspan")), f"{location} row {r + 1} cell {c + 1}"))
        source_rows.append(cells)
    return expand_spans(source_rows, location)
