"""Office carriers: DOCX (python-docx), XLSX (openpyxl) and text-layer PDF (reportlab).

All three draw the same ``Doc`` as the text carriers, with real merged cells —
the spans are what make these carriers hard to read, so they must be real
merges, not text laid out to look merged. Output is byte-deterministic: zip
members get a fixed timestamp and the core properties a fixed date, and the
PDF is written in reportlab's ``invariant`` mode. The PDF uses the built-in CID
font STSong-Light, which needs no font file and extracts back to Unicode.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable

from gongkai.synth.model import Doc, Para, Table, grid

#: carrier → (module it imports, the PyPI distribution): the ``synth`` extra installs them.
LIBRARIES: dict[str, tuple[str, str]] = {
    "docx": ("docx", "python-docx"),
    "xlsx": ("openpyxl", "openpyxl"),
    "pdf": ("reportlab", "reportlab"),
}

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
FIXED_ISO = "2020-01-01T00:00:00Z"
_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps and core dates, so same seed → same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                blob = _CORE_DATES.sub(rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", blob)
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, blob)
    return buf.getvalue()


# ---------------------------------------------------------------- docx

def render_docx(doc: Doc, rng: random.Random) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    for block in doc.blocks:
        if isinstance(block, Para):
            if block.role == "page":
                d.add_page_break()
                continue
            p = d.add_paragraph(block.text)
            if block.role in ("title", "meta"):
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if block.role in ("title", "heading"):
                for run in p.runs:
                    run.bold = True
            continue
        _docx_table(d, block)
    buf = io.BytesIO()
    d.save(buf)
    return normalize_zip(buf.getvalue())


def _docx_table(d, table: Table) -> None:
    t = d.add_table(rows=len(table.rows), cols=table.ncols)
    t.style = "Table Grid"
    g = grid(table)
    snapshot = t._cells  # one O(n) walk; t.cell(r, c) re-walks the table on every call
    done: set[int] = set()
    for r, row in enumerate(g):
        for c, pos in enumerate(row):
            if pos is None:
                continue
            cell, first_row, first_col = pos
            if not (first_row and first_col) or id(cell) in done:
                continue
            done.add(id(cell))
            target = snapshot[r * table.ncols + c]
            if cell.rowspan > 1 or cell.colspan > 1:
                # merge regions never overlap, so the pre-merge snapshot stays valid for the others
                target = target.merge(snapshot[(r + cell.rowspan - 1) * table.ncols + c + cell.colspan - 1])
            lines = cell.text.split("\n")
            par = target.paragraphs[0]
            for li, line in enumerate(lines):
                run = par.add_run(line)
                if li < len(lines) - 1:
                    run.add_break()


# ---------------------------------------------------------------- xlsx

def render_xlsx(doc: Doc, rng: random.Random) -> bytes:
    """One sheet holding the whole report (LibreOffice style) or one sheet per section."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    per_section = rng.random() < 0.4
    numeric_cells = rng.random() < 0.5  # typed numbers vs numbers stored as text
    sheets: list[tuple[str, list]] = (
        [(name, blocks) for name, blocks in doc.sections.items()] if per_section else [("年度报告", doc.blocks)]
    )
    wb.remove(wb.active)
    for name, blocks in sheets:
        ws = wb.create_sheet(title=name)
        row = 1
        for block in blocks:
            if isinstance(block, Para):
                if block.role != "page":
                    ws.cell(row=row, column=1, value=block.text)
                row += 1
                continue
            if row > 1:
                row += 1  # an empty row separates a table from the text above
            for r, grow in enumerate(grid(block)):
                for c, pos in enumerate(grow):
                    if pos is None:
                        continue
                    cell, first_row, first_col = pos
                    if not (first_row and first_col):
                        continue
                    value: str | int = cell.text
                    if numeric_cells and cell.role == "value" and re.fullmatch(r"-?\d+", cell.text):
                        value = int(cell.text)
                    xc = ws.cell(row=row + r, column=1 + c, value=value if value != "" else None)
                    if "\n" in cell.text:
                        xc.alignment = Alignment(wrap_text=True)
                    if cell.rowspan > 1 or cell.colspan > 1:
                        ws.merge_cells(start_row=row + r, start_column=1 + c,
                                       end_row=row + r + cell.rowspan - 1, end_column=c + cell.colspan)
            row += len(block.rows) + 1
    wb.properties.creator = "gongkai-synth"
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue())


# ---------------------------------------------------------------- pdf

_FONT = "STSong-Light"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


def render_pdf(doc: Doc, rng: random.Random) -> bytes:
    """A4 landscape, ruled tables (so a lattice reader sees the spans), CJK wrapping."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer
    from reportlab.platypus import Paragraph as RLPara
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle
    from xml.sax.saxutils import escape

    _register_font()
    body = ParagraphStyle("body", fontName=_FONT, fontSize=10.5, leading=16, wordWrap="CJK", firstLineIndent=21)
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, firstLineIndent=0)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1, firstLineIndent=0)
    center = ParagraphStyle("center", parent=body, alignment=1, firstLineIndent=0)
    cellst = ParagraphStyle("cell", fontName=_FONT, fontSize=8, leading=10, wordWrap="CJK", alignment=1)
    pagesize = landscape(A4)
    usable = pagesize[0] - 30 * mm
    story: list = []
    for block in doc.blocks:
        if isinstance(block, Para):
            if block.role == "page":
                story.append(PageBreak())
                continue
            style = {"title": title, "meta": center, "heading": head}.get(block.role, body)
            story.append(RLPara(escape(block.text), style))
            continue
        story.append(Spacer(1, 4))
        story.append(_pdf_table(block, usable, cellst, RLPara, RLTable, TableStyle, colors, escape))
        story.append(Spacer(1, 6))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=doc.title, invariant=1).build(story)
    return buf.getvalue()


def _pdf_table(table: Table, usable: float, cellst, RLPara, RLTable, TableStyle, colors, escape):
    g = grid(table)
    data: list[list] = [["" for _ in range(table.ncols)] for _ in g]
    style = [("FONT", (0, 0), (-1, -1), _FONT, 8), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]
    for r, row in enumerate(g):
        for c, pos in enumerate(row):
            if pos is None:
                continue
            cell, first_row, first_col = pos
            if not (first_row and first_col):
                continue
            if cell.role == "value":
                data[r][c] = cell.text
            else:
                data[r][c] = RLPara(escape(cell.text).replace("\n", "<br/>"), cellst)
            if cell.rowspan > 1 or cell.colspan > 1:
                style.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    if table.section == "三":
        label = [60.0, 75.0, 175.0]
        rest = (usable - sum(label)) / (table.ncols - 3)
        widths = label + [rest] * (table.ncols - 3)
    elif table.section == "二":
        widths = [usable * 0.28] + [usable * 0.72 / (table.ncols - 1)] * (table.ncols - 1)
    else:
        widths = [usable / table.ncols] * table.ncols
    return RLTable(data, colWidths=widths, style=TableStyle(style), repeatRows=0)


RENDERERS: dict[str, Callable[[Doc, random.Random], bytes]] = {
    "docx": render_docx, "xlsx": render_xlsx, "pdf": render_pdf,
}
