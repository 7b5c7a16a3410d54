"""Traditional-character documents: converted to simplified (OpenCC) before matching.

Some sites serve reports in traditional characters (收到和處理政府信息公開申請情況).
The layout is the same; only the labels differ. The document is converted once,
with OpenCC's ``t2s`` conversion, and everything downstream matches simplified
labels. Digits are untouched, so no number changes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from transforms.document import Cell, Document, Paragraph, Table

_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def is_traditional(text: str, threshold: float = 0.02) -> bool:
    """True when converting changes more than ``threshold`` of the CJK characters."""
    sample = "".join(_CJK.findall(text))[:20000]
    if not sample:
        return False
    converted = to_simplified(sample)
    changed = sum(1 for a, b in zip(sample, converted) if a != b)
    return changed / len(sample) > threshold


def simplify_document(doc: Document) -> Document:
    """A copy of ``doc`` with every paragraph and cell text converted to simplified."""
    conv = to_simplified
    blocks = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            blocks.append(Paragraph(conv(block.text), block.location))
        else:
            rows = tuple(tuple(Cell(conv(c.text), c.row, c.col, c.origin, c.location) for c in row) for row in block.rows)
            blocks.append(Table(rows, block.location, block.spans_known))
    return replace(doc, blocks=blocks, title=conv(doc.title) if doc.title else doc.title)


def document_text(doc: Document) -> str:
    parts = [doc.title or ""]
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            for row in block.rows:
                parts.extend(c.text for c in row)
    return "\n".join(parts)
