"""Plain text: pasted reports, crawler saves, PDF-to-text output.

Lines holding tabs are table rows (consecutive ones form one table; the text
carries no spans, so grid positions are not trusted to line up with headers).
Every other non-empty line is a paragraph. A crawler header (``标题: …`` lines
before ``==== 正文 ====``) is kept as metadata and its title as the document title.
"""

from __future__ import annotations

import re

from transforms.document import Document, Paragraph, make_table
from transforms.readers.encoding import decode_bytes, decoding_problem

_HEADER_END = re.compile(r"^=+\s*正文\s*=+\s*$")
_META_LINE = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录)\s*[:：]\s*(.*)$")


def read(data: bytes, name: str) -> Document:
    decoded = decode_bytes(data)
    doc = read_text(decoded.text, name, encoding=decoded.encoding, guessed=decoded.guessed)
    if decoded.had_errors:
        doc.reader_problems.append(decoding_problem(decoded))
    return doc


def read_text(text: str, name: str, encoding: str | None = None, guessed: bool = False) -> Document:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta: dict[str, str] = {}
    start = 0
    for i, line in enumerate(lines[:40]):
        if _HEADER_END.match(line.strip()):
            for head in lines[:i]:
                m = _META_LINE.match(head.strip())
                if m:
                    meta[m.group(1)] = m.group(2).strip()
            start = i + 1
            break
    doc = Document(blocks=[], source=name, carrier="txt", encoding=encoding, title=meta.get("标题") or None, meta=meta)
    if guessed:
        doc.reader_problems.append(("file.encoding_guessed", f"文件编码自动识别为 {encoding}"))
    table_rows: list[list[str]] = []
    table_locs: list[str] = []

    def flush() -> None:
        if table_rows:
            doc.blocks.append(make_table(list(table_rows), f"lines {table_locs[0]}-{table_locs[-1]}",
                                         [f"line {n}" for n in table_locs]))
            table_rows.clear()
            table_locs.clear()

    for n, line in enumerate(lines[start:], start=start + 1):
        if "\t" in line and line.strip():
            table_rows.append(line.split("\t"))
            table_locs.append(str(n))
            continue
        flush()
        if line.strip():
            doc.blocks.append(Paragraph(line.strip(), f"line {n}"))
    flush()
    return doc
