"""DOCX, XLSX and PDF readers on the 030 report (same content in three carriers) plus broken and synthetic files.

Assertions are on the document model (cells), not on extracted numbers: the
extractor is written separately, and these tests pin what the readers hand it.
Synthetic PDFs are written by hand (``_pdf``) with the standard CJK font
STSong-Light, which needs no embedding, so tests need no PDF writer library.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape
from pathlib import Path

import pytest

from transforms.document import Cell, Document, Paragraph, Table
from transforms.readers import docx as docx_reader
from transforms.readers import pdf as pdf_reader
from transforms.readers import xlsx as xlsx_reader

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real"
STEM = "030_pingtan_zrz_2023_page"
READERS = {"docx": docx_reader.read, "xlsx": xlsx_reader.read, "pdf": pdf_reader.read}
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
BLANKS = " \t\r\n\u00a0\u3000"


@pytest.fixture(scope="module", params=sorted(READERS))
def doc030(request) -> Document:
    carrier = request.param
    name = f"{STEM}.{carrier}"
    return READERS[carrier]((SAMPLES / name).read_bytes(), name)


def tables(doc: Document) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def origin_cells(row: tuple[Cell, ...]) -> list[Cell]:
    """Each source cell once, left to right (span copies dropped)."""
    seen, out = set(), []
    for cell in row:
        if cell.origin not in seen:
            seen.add(cell.origin)
            out.append(cell)
    return out


def numbers(row: tuple[Cell, ...]) -> list[int]:
    return [int(c.text.strip(BLANKS)) for c in origin_cells(row) if c.text.strip(BLANKS).isdigit()]


def find_row(doc: Document, label: str) -> tuple[Cell, ...]:
    hits = [row for t in tables(doc) for row in t.rows
            if any(label in c.text and not c.is_span_copy and not c.text.strip(BLANKS).isdigit() for c in row)]
    assert hits, f"no table row labelled {label!r} in {doc.source}"
    return hits[0]


# ---------------------------------------------------------------- the 030 report in three carriers

def test_carrier_and_title(doc030: Document) -> None:
    assert doc030.carrier in READERS
    assert doc030.title == "平潭综合实验区自然资源与生态环境局2023年政府信息公开工作年度报告"
    assert doc030.reader_problems == []


def test_section_headings_are_paragraphs(doc030: Document) -> None:
    texts = [b.text.strip(BLANKS) for b in doc030.blocks if isinstance(b, Paragraph)]
    for heading in HEADINGS:
        assert heading in texts, f"{doc030.source}: heading {heading} missing"
    assert [texts.index(h) for h in HEADINGS] == sorted(texts.index(h) for h in HEADINGS)


def test_three_tables_in_order_between_headings(doc030: Document) -> None:
    kinds = ["T" if isinstance(b, Table) else b.text.strip(BLANKS)[:2] for b in doc030.blocks]
    assert kinds.count("T") == 3
    order = [k for k in kinds if k == "T" or k in ("二、", "三、", "四、", "五、")]
    assert order == ["二、", "T", "三、", "T", "四、", "T", "五、"]


def test_section_2_regulatory_documents(doc030: Document) -> None:
    assert numbers(find_row(doc030, "行政规范性文件")) == [2, 1, 35]
    assert numbers(find_row(doc030, "行政许可")) == [315]
    block_title = find_row(doc030, "第二十条第（一）项")
    assert len(origin_cells(block_title)) == 1 and len(block_title) == 4  # one cell spanning the table


def test_section_3_rows_and_spans(doc030: Document) -> None:
    assert numbers(find_row(doc030, "本年新收")) == [19, 0, 0, 0, 0, 0, 19]
    assert numbers(find_row(doc030, "（二）部分公开")) == [8, 1, 0, 0, 0, 0, 8]
    assert numbers(find_row(doc030, "8.属于行政查询事项")) == [0] * 7  # row split by a page break in the PDF
    assert numbers(find_row(doc030, "3.其他")) == [1, 0, 0, 0, 0, 0, 1]
    table = next(t for t in tables(doc030) if any("本年新收" in c.text for row in t.rows for c in row))
    assert len(table.rows[0]) == 10
    assert table.spans_known
    group = [row[0] for row in table.rows if "本年度办理结果" in row[0].text.replace("\n", "")]
    assert len(group) == 22 and len({c.origin for c in group}) == 1
    assert sum(not c.is_span_copy for c in group) == 1
    denied = [row[1] for row in table.rows if row[1].text.strip(BLANKS).startswith("（三）不予公开")]
    assert len(denied) == 8 and len({c.origin for c in denied}) == 1
    header = ["".join(ch for ch in c.text if ch not in BLANKS) for c in table.rows[2]]
    assert header[3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def test_section_4_fifteen_numbers(doc030: Document) -> None:
    rows = [row for t in tables(doc030) for row in t.rows if len(numbers(row)) == 15]
    assert len(rows) == 1
    assert numbers(rows[0]) == [0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_locations_name_the_carrier_position(doc030: Document) -> None:
    row = find_row(doc030, "本年新收")
    loc = row[3].location
    if doc030.carrier == "docx":
        assert loc == "table 2 row 4 col 4"
    elif doc030.carrier == "xlsx":
        assert loc == "sheet Sheet1 W27"
    else:
        assert loc.startswith("page 2 table")


# ---------------------------------------------------------------- broken files

@pytest.mark.parametrize("carrier", sorted(READERS))
def test_truncated_file_raises_value_error(carrier: str) -> None:
    data = (SAMPLES / f"{STEM}.{carrier}").read_bytes()
    name = f"cut.{carrier}"
    with pytest.raises(ValueError, match="cut"):
        READERS[carrier](data[: len(data) // 2], name)


@pytest.mark.parametrize("carrier", sorted(READERS))
def test_wrong_content_raises_value_error(carrier: str) -> None:
    with pytest.raises(ValueError, match="junk"):
        READERS[carrier](b"this is not an office file at all", f"junk.{carrier}")


@pytest.mark.parametrize("carrier", ["docx", "xlsx"])
def test_zip_without_the_right_parts_raises_value_error(carrier: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ValueError, match="empty"):
        READERS[carrier](buf.getvalue(), f"empty.{carrier}")


def test_docx_with_broken_xml_raises_value_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><w:body><w:p>")
    with pytest.raises(docx_reader.DocxReadError, match="broken.docx"):
        docx_reader.read(buf.getvalue(), "broken.docx")


# A one-line PDF encrypted by `qpdf --encrypt secret secret 256` (AES-256, user password 'secret').
ENCRYPTED_PDF_B64 = (
    "JVBERi0xLjcKJb/3ov4KMSAwIG9iago8PCAvRXh0ZW5zaW9ucyA8PCAvQURCRSA8PCAvQmFzZVZlcnNpb24gLzEuNyAvRXh0ZW5z"
    "aW9uTGV2ZWwgOCA+PiA+PiAvUGFnZXMgMiAwIFIgL1R5cGUgL0NhdGFsb2cgPj4KZW5kb2JqCjIgMCBvYmoKPDwgL0NvdW50IDEg"
    "L0tpZHMgWyAzIDAgUiBdIC9UeXBlIC9QYWdlcyA+PgplbmRvYmoKMyAwIG9iago8PCAvQ29udGVudHMgNCAwIFIgL01lZGlhQm94"
    "IFsgMCAwIDU5NSA4NDIgXSAvUGFyZW50IDIgMCBSIC9SZXNvdXJjZXMgPDwgL0ZvbnQgPDwgL0YxIDUgMCBSID4+ID4+IC9UeXBl"
    "IC9QYWdlID4+CmVuZG9iago0IDAgb2JqCjw8IC9MZW5ndGggODAgL0ZpbHRlciAvRmxhdGVEZWNvZGUgPj4Kc3RyZWFtChIRcG1x"
    "zeCD6oGQ1iiHptTX82/O/dBggn4TP7+G781b1Lhitz9reBHaeK1h+fIYOLOwlMsDseW9Welg9bwgOvkZS6acExtvPzBtdnUfL41r"
    "ZW5kc3RyZWFtCmVuZG9iago1IDAgb2JqCjw8IC9CYXNlRm9udCAvU1RTb25nLUxpZ2h0IC9EZXNjZW5kYW50Rm9udHMgWyA2IDAg"
    "UiBdIC9FbmNvZGluZyAvVW5pR0ItVUNTMi1IIC9TdWJ0eXBlIC9UeXBlMCAvVHlwZSAvRm9udCA+PgplbmRvYmoKNiAwIG9iago8"
    "PCAvQmFzZUZvbnQgL1NUU29uZy1MaWdodCAvQ0lEU3lzdGVtSW5mbyA8PCAvT3JkZXJpbmcgPGE1ZWI2MjNlYjI5NjRlZDg3MjFh"
    "ZmZiMDEwZTIyYmQwNTg2NzY2MDJlM2JlNmI0NTQ4NzQzODhjOTAxMzI4YzA+IC9SZWdpc3RyeSA8YjljZjI2NTNhM2Q4YWQ4MThj"
    "MjJmYzYzMWY1NTEzNzdkZjRjMzYyZDM0ZTgyZGFhODZjYjUxZGFhNzczYjQ4NT4gL1N1cHBsZW1lbnQgNCA+PiAvRFcgMTAwMCAv"
    "U3VidHlwZSAvQ0lERm9udFR5cGUwIC9UeXBlIC9Gb250ID4+CmVuZG9iago3IDAgb2JqCjw8IC9DRiA8PCAvU3RkQ0YgPDwgL0F1"
    "dGhFdmVudCAvRG9jT3BlbiAvQ0ZNIC9BRVNWMyAvTGVuZ3RoIDMyID4+ID4+IC9GaWx0ZXIgL1N0YW5kYXJkIC9MZW5ndGggMjU2"
    "IC9PIDw3Y2I5OTdiZDJlNDdlZDcyNTY3MmQzZWZiNzU3OWJiMTFjZTM2NmQ3ZDc1NzdlOTJhOTg2MzA2NjVmMmQxNTlkMjVjYzAz"
    "Zjg5ZjhjZmZkYWRkZmIzNGU1YTBkZWYyYWQ+IC9PRSA8MjZiZjc2NWYwNGVjYTRhNGQxMmNhZDliNTJiZDcyZmIzMjNjOTI1OTRj"
    "ZGQ1YzYwZWJkZjQxYTdlNmUyM2I2Mz4gL1AgLTQgL1Blcm1zIDwwNmZiNzc3MGM0ODM4NjRhNzBiOWIzMjQyMDY1MjQ0OT4gL1Ig"
    "NiAvU3RtRiAvU3RkQ0YgL1N0ckYgL1N0ZENGIC9VIDwyMmRkOTYxMDY5MmU4MjM4ZjM0ZTQyY2YyYTdkYjUzMjIwMWMzNmI4NzY4"
    "MmMwMjc2M2MyOGY2NjVhNTRhMzY5ZjIyYmE5MGRjNmViMDY5OTA4NTI5ZThkZWU1YzdkYzY+IC9VRSA8ZmQxOGEzNjA0YzczZWMy"
    "OWIyOGMzNDU2MDE1N2Y1YTU4NmQ1ZWI2YzU3YmVmNDQ4ZjBmZjE4Y2JmZTIwY2E5MT4gL1YgNSA+PgplbmRvYmoKeHJlZgowIDgK"
    "MDAwMDAwMDAwMCA2NTUzNSBmIAowMDAwMDAwMDE1IDAwMDAwIG4gCjAwMDAwMDAxMzAgMDAwMDAgbiAKMDAwMDAwMDE4OSAwMDAw"
    "MCBuIAowMDAwMDAwMzE3IDAwMDAwIG4gCjAwMDAwMDA0NjcgMDAwMDAgbiAKMDAwMDAwMDU5MSAwMDAwMCBuIAowMDAwMDAwODY5"
    "IDAwMDAwIG4gCnRyYWlsZXIgPDwgL1Jvb3QgMSAwIFIgL1NpemUgOCAvSUQgWzwwNThlZjRjZDRmYTJlMjBlZWQyNTM3YTFjY2Zj"
    "YjRiOT48MDU4ZWY0Y2Q0ZmEyZTIwZWVkMjUzN2ExY2NmY2I0Yjk+XSAvRW5jcnlwdCA3IDAgUiA+PgpzdGFydHhyZWYKMTQxNgol"
    "JUVPRgo="
)


def test_pdf_with_password_raises_value_error() -> None:
    import base64

    with pytest.raises(pdf_reader.PdfReadError, match="locked.pdf: PDF 已加密"):
        pdf_reader.read(base64.b64decode(ENCRYPTED_PDF_B64), "locked.pdf")


def test_pdf_without_text_layer_is_a_problem_not_a_crash() -> None:
    data = _pdf(["50 50 400 600 re f\n"])  # one filled rectangle: what a scan looks like without its image
    doc = pdf_reader.read(data, "scan.pdf")
    assert doc.blocks == []
    assert doc.pages == 1
    assert [code for code, _ in doc.reader_problems] == ["file.no_text"]
    assert "scan.pdf" in doc.reader_problems[0][1]


# ---------------------------------------------------------------- synthetic docx

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(body: str, parts: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", f'<w:document {W_NS}><w:body>{body}</w:body></w:document>')
        for part, xml in (parts or {}).items():
            zf.writestr(part, xml)
    return buf.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_p(text)}</w:tc>"


def test_docx_vmerge_gridspan_nested_table_and_text_box() -> None:
    nested = f"<w:tbl><w:tr>{_tc('x')}{_tc('y')}</w:tr></w:tbl>"
    textbox = ('<w:p><w:r><w:drawing><w:txbxContent>' + _p("floating") + '</w:txbxContent></w:drawing></w:r>'
               '<w:r><w:t>visible</w:t></w:r></w:p>')
    restart, cont, span2 = '<w:vMerge w:val="restart"/>', "<w:vMerge/>", '<w:gridSpan w:val="2"/>'
    body = (
        _p("标题") + textbox
        + "<w:tbl>"
        + "<w:tr>" + _tc("组", restart) + _tc("表头", span2) + "</w:tr>"
        + "<w:tr>" + _tc("", cont) + _tc("1") + _tc("") + "</w:tr>"
        + "<w:tr>" + _tc("", cont) + "<w:tc>" + _p("外") + nested + "</w:tc>" + _tc("3") + "</w:tr>"
        + "</w:tbl>"
    )
    doc = docx_reader.read(_docx(body), "synthetic.docx")
    assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == ["标题", "visible"]
    (table,) = tables(doc)
    assert [[c.text for c in row] for row in table.rows] == [["组", "表头", "表头"], ["组", "1", ""], ["组", "外\nx\ty", "3"]]
    assert {table.rows[r][0].origin for r in range(3)} == {(0, 0)}
    assert table.rows[0][2].is_span_copy and table.rows[1][2].text == ""  # a blank cell is a cell
    assert table.rows[1][1].location == "table 1 row 2 col 2"
    assert doc.title == "标题"


NUMBERING = f"""<w:numbering {W_NS}>
<w:abstractNum w:abstractNumId="7">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>
</w:numbering>"""
STYLES = f"""<w:styles {W_NS}>
<w:style w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
<w:style w:styleId="H1x"><w:basedOn w:val="H1"/></w:style>
</w:styles>"""


def _numbered(text: str, ilvl: int | None = None, style: str | None = None) -> str:
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    if ilvl is not None:
        ppr += f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="3"/></w:numPr>'
    return f"<w:p><w:pPr>{ppr}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_docx_table_without_merges_is_laid_out_as_the_boxes_path_would() -> None:
    """A table without vMerge/hMerge skips the box placement (``_plain_grid``); on random
    gridBefore/gridSpan/short rows it must give the very grid the box path gives."""
    import random

    from lxml import etree

    from transforms.readers import docx as d

    def boxes_path(rows, location):
        boxes = []
        for r, (col, row) in enumerate(rows):
            for text, span, _, _ in row:
                boxes.append(d._Box(text, r, col, span, f"{location} row {r + 1} col {col + 1}"))
                col += span
        return d._layout(boxes, location)

    rng = random.Random(3)
    plain = d._plain_grid
    try:
        for _ in range(500):
            rows = []
            for r in range(rng.randint(0, 5)):
                before = f'<w:trPr><w:gridBefore w:val="{rng.randint(0, 6)}"/></w:trPr>' if rng.random() < 0.3 else ""
                cells = "".join(
                    "<w:tc><w:tcPr>%s</w:tcPr><w:p><w:r><w:t>x%d%d</w:t></w:r></w:p></w:tc>"
                    % ("" if rng.random() < 0.5 else f'<w:gridSpan w:val="{rng.choice([0, 2, 3, -1])}"/>', r, k)
                    for k in range(rng.randint(0, 4)))
                rows.append(f"<w:tr>{before}{cells}</w:tr>")
            tbl = etree.fromstring(f'<w:tbl xmlns:w="{d.W}">{"".join(rows)}</w:tbl>')
            d._plain_grid = plain
            direct = d._table(tbl, "T", d._Numbering())
            d._plain_grid = boxes_path
            assert direct == d._table(tbl, "T", d._Numbering())
    finally:
        d._plain_grid = plain


def test_docx_automatic_list_numbers_are_part_of_the_text() -> None:
    body = (_numbered("总体情况", style="H1") + _numbered("主动公开", ilvl=1) + _numbered("依申请", ilvl=1)
            + _numbered("主动公开政府信息情况", style="H1x")
            + "<w:tbl><w:tr>" + f"<w:tc>{_numbered('属于国家秘密', ilvl=2)}</w:tc>" + _tc("0") + "</w:tr>"
            + "<w:tr>" + f"<w:tc>{_numbered('其他法律行政法规禁止公开', ilvl=2)}</w:tc>" + _tc("0") + "</w:tr></w:tbl>"
            + _numbered("收到和处理政府信息公开申请情况", ilvl=0))
    doc = docx_reader.read(_docx(body, {"word/numbering.xml": NUMBERING, "word/styles.xml": STYLES}), "numbered.docx")
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts == ["一、总体情况", "（一）主动公开", "（二）依申请", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    (table,) = tables(doc)
    assert [row[0].text for row in table.rows] == ["1.属于国家秘密", "2.其他法律行政法规禁止公开"]


@pytest.mark.parametrize(("n", "fmt", "text"), [(1, "chineseCounting", "一"), (10, "chineseCounting", "十"),
                                                (12, "chineseCounting", "十二"), (20, "chineseCounting", "二十"),
                                                (105, "chineseCounting", "一百零五"), (3, "decimalEnclosedCircle", "③"),
                                                (4, "upperRoman", "IV"), (2, "ideographTraditional", "乙"), (7, "decimal", "7")])
def test_docx_number_formats(n: int, fmt: str, text: str) -> None:
    assert docx_reader.format_number(n, fmt) == text


# ---------------------------------------------------------------- synthetic xlsx

def test_xlsx_one_sheet_per_section_numbers_and_merges() -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "二"
    ws.append(["二、主动公开政府信息情况"])
    ws.append(["信息内容", "本年收费金额（单位：万元）", None])
    ws.merge_cells("B2:C2")
    ws.append(["行政事业性收费", 1690.9913, None])
    ws.merge_cells("B3:C3")
    ws.append(["行政许可", 12.0, None])
    ws.merge_cells("B4:C4")
    ws2 = wb.create_sheet("三")
    ws2.append(["三、本年度办理结果", "（一）予以公开", 6])
    ws2.append([None, "（二）部分公开", None])  # a blank value stays a blank cell
    ws2.merge_cells("A1:A2")
    buf = io.BytesIO()
    wb.save(buf)
    doc = xlsx_reader.read(buf.getvalue(), "book.xlsx")
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].location == "sheet 二 A1"
    t2, t3 = tables(doc)
    assert [[c.text for c in row] for row in t2.rows] == [["信息内容", "本年收费金额（单位：万元）"],
                                                         ["行政事业性收费", "1690.9913"], ["行政许可", "12"]]
    assert [[c.text for c in row] for row in t3.rows] == [["三、本年度办理结果", "（一）予以公开", "6"],
                                                         ["三、本年度办理结果", "（二）部分公开", ""]]
    assert t3.rows[1][0].origin == (0, 0) and t3.rows[1][0].location == "sheet 三 A1"
    assert doc.meta["sheets"] == "二, 三"


@pytest.mark.parametrize(("value", "text"), [(None, ""), (0, "0"), (19.0, "19"), (-1.5, "-1.5"), (75394432.52, "75394432.52"),
                                             (0.000123, "0.000123"), (1e-07, "0.0000001"), ("1 2", "1 2")])
def test_xlsx_display_text(value: object, text: str) -> None:
    assert xlsx_reader.display_text(value) == text


# ---------------------------------------------------------------- synthetic pdf

def _pdf(pages: list[str], size: tuple[int, int] = (595, 842)) -> bytes:
    """A minimal PDF; text uses /F1 = STSong-Light (UniGB-UCS2-H), a standard CJK font needing no embedding."""
    objs: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>",
        4: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
           b" << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 5 0 R /DW 1000 >>",
        5: b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [-25 -254 1000 880]"
           b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    }
    kids = []
    n = 6
    for content in pages:
        stream = content.encode("latin-1")
        objs[n] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}]"
                   f" /Resources << /Font << /F1 3 0 R >> >> /Contents {n + 1} 0 R >>").encode()
        objs[n + 1] = f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
        kids.append(f"{n} 0 R")
        n += 2
    objs[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for i in sorted(objs):
        offsets[i] = len(out)
        out += f"{i} 0 obj\n".encode() + objs[i] + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[i]:010d} 00000 n \n".encode() for i in sorted(objs))
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


H = 842  # page height: tests give positions as pdfplumber's top-down coordinates


def _text(x: float, top: float, s: str, size: int = 8) -> str:
    return f"BT /F1 {size} Tf {x} {H - top - size * 0.88:.2f} Td <{''.join(f'{ord(ch):04X}' for ch in s)}> Tj ET\n"


def _hline(x0: float, x1: float, top: float) -> str:
    return f"{x0} {H - top} m {x1} {H - top} l S\n"


def _vline(x: float, top: float, bottom: float) -> str:
    return f"{x} {H - top} m {x} {H - bottom} l S\n"


COLS = [50, 70, 200, 260, 320]


def _ruled_page(rows: list[tuple[float, float]], group_rows: int, texts: str, top_rule: bool = True) -> str:
    """Rows as (top, bottom); column 0 is one box spanning the first ``group_rows`` rows."""
    out = texts
    for i, (top, _bottom) in enumerate(rows):
        out += _hline(COLS[0] if (i == 0 or i >= group_rows) else COLS[1], COLS[-1], top)
    out += _hline(COLS[0], COLS[-1], rows[-1][1])
    for x in COLS:
        out += _vline(x, rows[0][0], rows[-1][1])
    return out


def test_pdf_ruled_table_split_across_pages_with_one_char_per_line_label() -> None:
    page1_rows = [(700, 730), (730, 760), (760, 800)]
    page1 = _ruled_page(page1_rows, 3,
                        _text(56, 705, "三") + _text(56, 725, "本") + _text(56, 745, "年")
                        + _text(80, 710, "A类") + _text(210, 710, "5")  # col 3 left blank
                        + _text(80, 740, "B类") + _text(210, 740, "1") + _text(270, 740, "2")
                        + _text(80, 770, "C类未完") + _text(210, 778, "3") + _text(270, 778, "4"))
    page2_rows = [(40, 55), (55, 85)]
    page2 = _ruled_page(page2_rows, 2, _text(80, 44, "续完") + _text(80, 65, "D类") + _text(210, 65, "7") + _text(270, 65, "8"))
    doc = pdf_reader.read(_pdf([page1, page2]), "split.pdf")
    assert doc.pages == 2 and doc.reader_problems == []
    (table,) = tables(doc)
    assert [[c.text for c in row] for row in table.rows] == [
        ["三本年", "A类", "5", ""],
        ["三本年", "B类", "1", "2"],
        ["三本年", "C类未完续完", "3", "4"],
        ["三本年", "D类", "7", "8"],
    ]
    assert {row[0].origin for row in table.rows} == {(0, 0)}
    assert not table.rows[0][3].is_span_copy  # a blank cell is its own empty cell
    assert table.rows[3][1].location.startswith("page 2 table 1")


def test_pdf_table_broken_between_rows_continues_the_group_label() -> None:
    page1 = _ruled_page([(700, 730), (730, 760)], 2,
                        _text(56, 720, "组") + _text(80, 710, "A类") + _text(210, 710, "5") + _text(270, 710, "6")
                        + _text(80, 740, "B类") + _text(210, 740, "1"))  # B类 col 3 blank
    page2 = _ruled_page([(40, 70), (70, 100)], 2, _text(80, 50, "C类") + _text(210, 50, "3") + _text(270, 50, "")
                        + _text(80, 80, "D类") + _text(210, 80, "7") + _text(270, 80, "8"))
    (table,) = tables(pdf_reader.read(_pdf([page1, page2]), "break.pdf"))
    assert [[c.text for c in row] for row in table.rows] == [
        ["组", "A类", "5", "6"], ["组", "B类", "1", ""], ["组", "C类", "3", ""], ["组", "D类", "7", "8"]]
    assert {row[0].origin for row in table.rows} == {(0, 0)}
    assert table.rows[1][3].origin == (1, 3) and table.rows[2][3].origin == (2, 3)  # blanks stay separate cells


def test_pdf_borderless_rows_keep_blank_cells_and_paragraphs_reflow() -> None:
    long_line = "根据条例要求编制本报告" * 4
    content = (_text(50, 50, "二、主动公开政府信息情况", 10)
               + _text(50, 80, "信息内容") + _text(200, 80, "上一年") + _text(300, 80, "本年增减") + _text(400, 80, "处理决定")
               + _text(50, 95, "行政许可") + _text(200, 95, "2") + _text(400, 95, "15")
               + _text(50, 130, long_line, 10) + _text(50, 142, "并予公布。", 10)
               + _text(280, 820, "- 4 -"))
    doc = pdf_reader.read(_pdf([content], size=(595, 842)), "plain.pdf")
    paragraphs = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert paragraphs[0] == "二、主动公开政府信息情况"
    (table,) = tables(doc)
    assert not table.spans_known
    assert [[c.text for c in row] for row in table.rows] == [["信息内容", "上一年", "本年增减", "处理决定"],
                                                            ["行政许可", "2", "", "15"]]
    assert "- 4 -" not in " ".join(paragraphs)  # page furniture dropped
    assert long_line + "并予公布。" in paragraphs  # a full line continues on the next one


def test_pdf_borderless_label_printed_one_character_per_line_is_one_label() -> None:
    content = "".join(_text(50, 100 + 9 * k, ch) for k, ch in enumerate(["三、", "本", "年", "度"]))
    rows = [("（一）予以公开", "6", "无"), ("（二）部分公开", "8", "无"), ("（三）不予公开", "0", "无"), ("（四）无法提供", "4", "无")]
    for k, (label, a, b) in enumerate(rows):
        top = 95 + 12 * k
        content += _text(100, top, label) + _text(300, top, a) + _text(400, top, b)
    (table,) = tables(pdf_reader.read(_pdf([content]), "stack.pdf"))
    texts = [[c.text for c in row] for row in table.rows]
    assert ["三、本年度", "", ""] in texts  # one label, not four one-character rows
    assert [row for row in texts if row != ["三、本年度", "", ""]] == [list(r) for r in rows]  # 无 column untouched


def test_join_lines_rules() -> None:
    assert pdf_reader.join_lines(["三、", "本", "年", "度"]) == "三、本年度"
    assert pdf_reader.join_lines(["165,", "901"]) == "165,901"
    assert pdf_reader.join_lines(["12", "34"]) == "1234"
    assert pdf_reader.join_lines(["H5", "pages"]) == "H5 pages"


# ------------------------------------------- spans that decide where a number lands

def _docx_from_document(doc: Document) -> bytes:
    """A DOCX with the same paragraphs and tables as ``doc``: horizontal spans as w:gridSpan,
    vertical ones as w:vMerge — the way Word stores the State Council's merged headers."""
    body = [_p(escape(doc.title))] if doc.title else []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            body.append(_p(escape(block.text)))
            continue
        rows = []
        for r, row in enumerate(block.rows):
            cells, c = [], 0
            while c < len(row):
                origin = row[c].origin
                span = 1
                while c + span < len(row) and row[c + span].origin == origin:
                    span += 1
                props = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
                below = r + 1 < len(block.rows) and c < len(block.rows[r + 1]) and block.rows[r + 1][c].origin == origin
                if origin[0] < r:
                    props += "<w:vMerge/>"
                elif below:
                    props += '<w:vMerge w:val="restart"/>'
                text = row[c].text if origin == (r, c) else ""
                cells.append(_tc(escape(text), props))
                c += span
            rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
        body.append("<w:tbl>" + "".join(rows) + "</w:tbl>")
    return _docx("".join(body))


def _section3_docx_with_subtotal_column(values: dict[str, list[int]], merged_blank: str | None = None) -> bytes:
    """Section 三 as Word stores it, with a 法人或其他组织 小计 column: the header's top-left note spans
    three grid columns, result rows sit under merged group cells with a two-column label, the
    other rows have a three-column label. Only the spans line the numbers up with the headers.
    In row ``merged_blank`` the empty 科研机构 and 社会公益组织 cells are one cell spanning both."""
    from transforms.spec import LAYOUTS

    layout = LAYOUTS["2021"]
    groups = {g.key: g.label for g in layout.app_groups}
    restart, cont = '<w:vMerge w:val="restart"/>', "<w:vMerge/>"

    def span(n: int) -> str:
        return f'<w:gridSpan w:val="{n}"/>'

    legal = [c.label for c in layout.app_columns[1:6]]
    head1 = (_tc("本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和", span(3) + restart)
             + _tc(layout.app_columns[0].label, restart) + _tc("法人或其他组织", span(6)) + _tc("总计", restart))
    head2 = _tc("", span(3) + cont) + _tc("", cont) + "".join(_tc(t) for t in legal) + _tc("小计") + _tc("", cont)
    rows = ["<w:tr>" + head1 + "</w:tr>", "<w:tr>" + head2 + "</w:tr>"]
    seen_groups: set[str] = set()
    for row in layout.app_rows:
        v = values[row.key]
        if row.group is None:
            label = _tc(row.label, span(3))
        else:
            first_result = "results" not in seen_groups
            seen_groups.add("results")
            results = _tc("三、本年度办理结果" if first_result else "", restart if first_result else cont)
            if row.group == "results":
                label = results + _tc(row.label, span(2))
            else:
                first = row.group not in seen_groups
                seen_groups.add(row.group)
                label = results + _tc(groups[row.group] if first else "", restart if first else cont) + _tc(row.label)
        printed = [_tc(str(x)) for x in [v[0], *v[1:6], sum(v[1:6]), v[6]]]
        if row.key == merged_blank:
            assert v[2] == v[3] == 0
            printed[2:4] = [_tc("", span(2))]
        numbers = "".join(printed)
        rows.append("<w:tr>" + label + numbers + "</w:tr>")
    return _docx(_p("某某县教育局2021年政府信息公开工作年度报告") + _p("三、收到和处理政府信息公开申请情况")
                 + "<w:tbl>" + "".join(rows) + "</w:tbl>")


def test_docx_spans_decide_which_column_a_number_lands_in() -> None:
    """The row's numbers are placed by the header above them, 小计 column included. 予以公开 prints
    its two empty middle cells as one merged cell: read with w:gridSpan/w:vMerge it is a blank in
    each column it covers, and every row is read in full. A reader that ignores the spans shifts
    the header against the rows under merged group cells and silently puts 2 under 社会公益组织;
    taking the merged cell once (as positions) once put the 小计 3 under 其他."""
    from gongkai.synth.compare import compare as synth_compare
    from transforms.parse import parse_bytes
    from transforms.serialize import report_to_json
    from transforms.spec import LAYOUTS

    layout = LAYOUTS["2021"]
    values = {r.key: [0] * 7 for r in layout.app_rows}
    values["new_received"] = [5, 1, 2, 0, 3, 1, 12]
    values["carried_over"] = [1, 0, 0, 0, 0, 1, 2]
    values["granted"] = [3, 1, 0, 0, 2, 0, 6]
    values["unavailable_not_held"] = [2, 0, 2, 0, 1, 1, 6]
    values["results_total"] = [5, 1, 2, 0, 3, 1, 12]
    values["carried_forward"] = [1, 0, 0, 0, 0, 1, 2]
    data = _section3_docx_with_subtotal_column(values, merged_blank="granted")
    out = report_to_json(parse_bytes(data, "spans.docx"))
    truth = {"bureau": out["bureau"], "year": out["year"], "layout": "2021", "applications": values,
             "review_litigation": [], "active_disclosure": []}
    res = synth_compare(truth, out)
    assert res.wrong == [] and res.null_unexplained == []
    assert out["applications"] == values
    subtotals = {c.row_key: c.raw.strip() for c in parse_bytes(data, "spans.docx").extra_columns}
    assert subtotals == {k: str(sum(v[1:6])) for k, v in values.items()}  # 小计 kept as printed, not a value


# ---------------------------------------------------------------- pdf: fast path (pypdfium2) against pdfplumber

def _doc_key(doc: Document) -> tuple:
    """Everything the parser sees of a Document (meta aside: pdfium reads only the standard info keys)."""
    blocks = tuple((b.location, b.spans_known, tuple(tuple((c.text, c.origin, c.location) for c in row) for row in b.rows))
                   if isinstance(b, Table) else (b.location, b.text) for b in doc.blocks)
    return doc.title, doc.pages, tuple(doc.reader_problems), blocks


def _fast_and_slow(data: bytes, name: str) -> tuple[Document, Document, bool]:
    from transforms.readers import pdf_objects

    before = pdf_objects.STATS["fast"]
    fast = pdf_reader.read(data, name)
    return fast, pdf_reader.read_with_pdfplumber(data, name), pdf_objects.STATS["fast"] == before + 1


def test_pdf_fast_path_matches_pdfplumber_on_030() -> None:
    name = f"{STEM}.pdf"
    fast, slow, took_fast_path = _fast_and_slow((SAMPLES / name).read_bytes(), name)
    assert took_fast_path
    assert _doc_key(fast) == _doc_key(slow)


def test_pdf_fast_path_matches_pdfplumber_on_hand_made_pages() -> None:
    ruled = _ruled_page([(700, 730), (730, 760), (760, 800)], 3,
                        _text(56, 705, "三") + _text(56, 725, "本") + _text(80, 710, "A类") + _text(210, 710, "5")
                        + _text(80, 740, "B 类") + _text(210, 778, "3"))
    plain = (_text(50, 50, "二、主动公开政府信息情况", 10) + _text(50, 80, "信息内容") + _text(200, 80, "上一年")
             + _text(50, 95, "行政许可") + _text(200, 95, "2") + _text(280, 820, "- 4 -"))
    boxes = "100 500 200 40 re S 100 460 200 40 re f\n" + _text(110, 320, "框内") + _text(210, 320, "7")
    # a blank in a text object of its own (pdfium folds it away; pdfplumber splits the word there),
    # text scaled by Tm / cm / Tz
    blank = _text(50, 50, "B") + _text(58, 50, " ") + _text(60, 50, "类")
    scaled = ("BT /F1 1 Tf 10 0 0 10 50 700 Tm <62A5> Tj ET\nq 2 0 0 2 0 0 cm BT /F1 5 Tf 50 300 Td <62A5> Tj ET Q\n"
              "BT /F1 8 Tf 150 Tz 50 600 Td <62A5> Tj ET\n")
    for pages in ([ruled], [plain, ruled], [boxes], [plain, "", plain], [blank], [scaled]):
        fast, slow, took_fast_path = _fast_and_slow(_pdf(pages), "made.pdf")
        assert took_fast_path
        assert _doc_key(fast) == _doc_key(slow)


def test_pdf_fast_path_refuses_what_it_cannot_promise() -> None:
    """A lone diagonal line becomes a vertical edge in pdfplumber; the fast path hands such a file over."""
    from transforms.readers import pdf_objects

    diagonal = _pdf([_text(50, 80, "信息内容") + "100 100 m 300 300 l S\n"])
    fake_bold = _pdf([_text(50, 80, "信息内容") + _text(50.2, 80, "信息内容")])  # pdfium keeps one copy, pdfminer two
    for data in (diagonal, fake_bold):
        before = pdf_objects.STATS["fallback"]
        doc = pdf_reader.read(data, "refused.pdf")
        assert pdf_objects.STATS["fallback"] == before + 1
        assert _doc_key(doc) == _doc_key(pdf_reader.read_with_pdfplumber(data, "refused.pdf"))


def test_pdf_word_grouping_is_pdfplumbers() -> None:
    """pdf_words re-implements pdfplumber's default word/cell-text grouping; it must stay the same."""
    import pdfplumber
    from pdfplumber import utils

    from transforms.readers import pdf_words

    with pdfplumber.open(SAMPLES / f"{STEM}.pdf") as pdf:
        for page in pdf.pages:
            chars = page.chars
            assert pdf_words.extract_words(chars, ("size",)) == utils.extract_words(chars, extra_attrs=["size"])
            for start in range(0, len(chars), 37):
                part = chars[start:start + 80:3]
                assert pdf_words.extract_text(part) == utils.extract_text(part)
                short = chars[start:start + 7]  # mostly one line: extract_text's one-line path
                assert pdf_words.extract_text(short) == utils.extract_text(short)


def test_pdf_words_inside_tables_are_skipped_not_changed() -> None:
    """Lines wholly inside a ruled table are not made into words (the reader drops those words):
    what is left must be exactly the words outside the tables, as without the shortcut."""
    from transforms.readers import pdf_objects, pdf_words
    from transforms.readers.pdf import _inside_any

    pages, _ = pdf_objects.read_pages((SAMPLES / f"{STEM}.pdf").read_bytes())
    skipped = 0
    for page in pages:
        boxes = [t.bbox for t in page.find_tables() if len(t.cells) > 1]
        assert boxes
        full = [w for w in pdf_words.extract_words(page.chars, ("size",)) if not _inside_any(w, boxes)]
        fast = pdf_words.extract_words(page.chars, ("size",), inside=boxes)
        assert [w for w in fast if not _inside_any(w, boxes)] == full
        skipped += len(pdf_words.extract_words(page.chars, ("size",))) - len(fast)
    assert skipped > 0  # the shortcut did skip lines


def test_pdf_cell_finder_is_pdfplumbers() -> None:
    import pdfplumber
    from pdfplumber.table import TableFinder

    from transforms.readers.pdf_objects import intersections_to_cells

    with pdfplumber.open(SAMPLES / f"{STEM}.pdf") as pdf:
        for page in pdf.pages:
            finder = TableFinder(page)
            assert intersections_to_cells(finder.intersections) == finder.cells


def test_pdf_table_grouping_is_pdfplumbers() -> None:
    """pdf_objects.cells_to_tables against pdfplumber's on random boxes on a small lattice
    (touching, apart, overlapping, duplicated) and on the real 030 pages."""
    import random

    import pdfplumber
    from pdfplumber import table as t
    from pdfplumber.table import TableFinder

    from transforms.readers.pdf_objects import cells_to_tables

    rng = random.Random(7)
    lattice = [0.0, 10.0, 20.0, 30.0, 40.0]
    for _ in range(3000):
        cells = []
        for _ in range(rng.randint(0, 12)):
            x0, y0 = rng.choice(lattice), rng.choice(lattice)
            cells.append((x0, y0, x0 + rng.choice([10.0, 20.0]), y0 + rng.choice([10.0, 20.0])))
        assert cells_to_tables(list(cells)) == t.cells_to_tables(list(cells))
    with pdfplumber.open(SAMPLES / f"{STEM}.pdf") as pdf:
        for page in pdf.pages:
            cells = TableFinder(page).cells
            assert cells_to_tables(list(cells)) == t.cells_to_tables(list(cells))


# ---------------------------------------------------------------- xlsx: direct read against openpyxl

def test_xlsx_direct_read_matches_openpyxl() -> None:
    """Shared strings, rich text, numbers, percent, booleans, a formula without a cached value, merges, an empty sheet."""
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from transforms.readers import xlsx_parts

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "三"
    ws.append(["三、本年度办理结果", "（一）予以公开", 6, 0.25, True, 1690.9913, "=1+1"])
    ws["D1"].number_format = "0.00%"
    ws["A3"] = CellRichText(["（二）", TextBlock(InlineFont(b=True), "部分公开")])
    ws["B3"] = 7
    ws["B2"] = "merged over"
    ws.merge_cells("A1:A2")
    wb.create_sheet("空")
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    before = xlsx_parts.STATS["fast"]
    fast = xlsx_reader.read(data, "book.xlsx")
    assert xlsx_parts.STATS["fast"] == before + 1
    slow = xlsx_reader.read_with_openpyxl(data, "book.xlsx")
    assert _doc_key(fast) == _doc_key(slow)
    assert "25%" in [c.text for t in tables(fast) for row in t.rows for c in row]


def test_xlsx_date_cells_go_to_openpyxl() -> None:
    import datetime as dt

    import openpyxl

    from transforms.readers import xlsx_parts

    wb = openpyxl.Workbook()
    wb.active.append(["统计期限", dt.date(2023, 1, 1), dt.date(2023, 12, 31)])
    buf = io.BytesIO()
    wb.save(buf)
    before = xlsx_parts.STATS["fallback"]
    doc = xlsx_reader.read(buf.getvalue(), "dates.xlsx")
    assert xlsx_parts.STATS["fallback"] == before + 1
    assert [c.text for c in tables(doc)[0].rows[0]] == ["统计期限", "2023-01-01", "2023-12-31"]


def test_pdf_fast_path_from_several_threads() -> None:
    """pdfium is not thread-safe; the flow may parse in threads. The reader serialises its pdfium calls."""
    from concurrent.futures import ThreadPoolExecutor

    data = (SAMPLES / f"{STEM}.pdf").read_bytes()
    expected = _doc_key(pdf_reader.read(data, "t.pdf"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        keys = list(pool.map(lambda _: _doc_key(pdf_reader.read(data, "t.pdf")), range(8)))
    assert keys == [expected] * 8
