"""Hostile documents, made on the fly: each is small on disk and over one of ``transforms.readers.limits``'s budgets.

Shared by the hostile-file tests and ``benchmarks/bench_hostile.py``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="xml" ContentType="application/xml"/></Types>')


def _docx(document_xml: bytes | None = None, *, big_part: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        if big_part:
            with z.open("word/document.xml", "w", force_zip64=True) as part:
                part.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>')
                chunk = b" " * (1 << 20)
                for _ in range(big_part >> 20):
                    part.write(chunk)
                part.write(b"</w:t></w:r></w:p></w:body></w:document>")
        else:
            z.writestr("word/document.xml", document_xml or b"<w:document/>")
    return buf.getvalue()


def zip_bomb(inflated_mb: int = 96) -> bytes:
    """A .docx of a few hundred KB whose document part inflates to ``inflated_mb`` MB."""
    return _docx(big_part=inflated_mb << 20)


def billion_laughs() -> bytes:
    """A .docx whose document part declares nested entities (10^9 "lol"s if expanded)."""
    ents = [b'<!ENTITY lol "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%s;" % (b"" if i == 1 else str(i - 1).encode()) for _ in range(10)))
        for i in range(1, 10)]
    xml = (b'<?xml version="1.0"?><!DOCTYPE w:document [' + b"".join(ents) + b']>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b'<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>')
    return _docx(xml)


def oversized_html(mb: int = 17) -> bytes:
    """An HTML page over the text budget (under the 64 MB file cap)."""
    row = "<tr><td>一、本年新收政府信息公开申请数量</td><td>1</td></tr>".encode()
    body = row * ((mb << 20) // len(row) + 1)
    return b"<html><body><table>" + body + b"</table></body></html>"


def tag_flood_html(tags: int = 500_000) -> bytes:
    """An HTML page of modest size with more tags than the work budget."""
    return b"<html><body>" + b"<i>" * tags + b"</body></html>"


def many_page_pdf(pages: int = 2000) -> bytes:
    """A valid PDF of ``pages`` blank pages (a page tree, no content), written by hand."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for i in range(pages):
        kids.append(f"{3 + i} 0 R".encode())
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def oversized_numbers(template: str) -> dict[str, bytes]:
    """Text reports with numbers no warehouse column holds, made from a synthetic report's text.

    ``template`` is a tab-separated report (``gongkai synth``) whose 本年新收 row and fee
    row are replaced: a 21-digit count, a 30-digit amount, an amount with 30 decimals.
    """
    lines = template.splitlines()

    def replace(prefix: str, cell: str) -> str:
        out = []
        done = False
        for line in lines:
            if not done and line.startswith(prefix):
                parts = line.split("\t")
                idx = next(i for i, p in enumerate(parts) if i and p.strip())
                parts[idx] = cell
                line = "\t".join(parts)
                done = True
            out.append(line)
        assert done, prefix
        return "\n".join(out)

    return {
        "count_21_digits.txt": replace("一、本年新收", "123456789012345678901").encode(),
        "amount_30_digits.txt": replace("行政事业性收费", "1" * 30).encode(),
        "amount_30_decimals.txt": replace("行政事业性收费", "0." + "3" * 30).encode(),
    }


def run_together_digits(n: int = 400) -> bytes:
    """The run-together (copied from a web page) real sample with its section-四 numbers replaced by ``n`` digits."""
    text = (REPO / "samples" / "real" / "008_pingtan_gaj_2021.txt").read_text(encoding="utf-8")
    digits = ("1234567890" * (n // 10 + 1))[:n]
    return text.replace("000000000000000五、", digits + "五、", 1).encode()
