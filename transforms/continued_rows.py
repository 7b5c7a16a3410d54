"""A table row split across a page break, joined again before any section is read.

When a page ends inside a row, a PDF (and a Word or HTML file made from one) prints
the row in two pieces: the label — with none, or only the first, of its numbers —
closes the first page's table; the rest of the numbers open the next page's table
in a row of no label, often under the repeated header, after the page number:

    （三）不予公开 | 1.属于国家秘密 |    |    |  …      ← page 3 ends
    - 3 -
    （本列数据的勾稽关系为…） | 申请人情况 …         ← header repeated
                              | 4  | 1  | 0  …      ← the row's numbers

Read apart, the label row is all blank (read as 0) and the numbers belong to no row.
The two pieces are one row only when the document shows it:

- a page break lies between them: a table boundary, an empty row, or a page number /
  running title (which is dropped, never read: it is not in a row of the table);
- nothing else lies between them but rows repeating the first table's header;
- the first piece's label names a row of the form (section 三) or an item (section 二);
- the second piece has no label, only values, and no position holds a value in
  both pieces: the label's piece holds a leading run of the values, the other piece
  the rest (cells aligned from the right, where every carrier keeps them). A lone
  number is taken only to finish a row that printed its first numbers: alone after a
  label it may be a page number that escaped the page furniture.

Joined rows are reported with ``table.row_continued`` (info), naming both pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from transforms.document import Cell, Document, Paragraph, Table
from transforms.labels import match_app_row, match_item
from transforms.numbers import is_value_text
from transforms.spec import LAYOUTS, RowSpec

_PAGE_MARK = re.compile(
    r"^(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|(?:page|Page|PAGE)\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?)$"
)
_RUNNING_TITLE = re.compile(r"(?:信息公开|政务公开).{0,8}(?:年度报告|年报)$")


@dataclass
class _Open:
    """A labelled row whose values may go on after a page break."""

    block: int
    row: int
    start: int  # first position after its last label cell
    header: frozenset[tuple[str, ...]]  # its table's header rows, as printed
    broken: bool = False  # a page break was seen after it
    repeated_header: bool = False
    page_mark: bool = False


def _texts(row: tuple[Cell, ...]) -> list[str]:
    return [c.text.strip() for c in row]


def _is_break_text(text: str) -> bool:
    t = text.strip()
    return bool(_PAGE_MARK.match(t)) or bool(_RUNNING_TITLE.search(t.replace(" ", "")))


def _names_form_row(label: str) -> bool:
    for layout in LAYOUTS.values():
        if isinstance(match_app_row(label, layout), RowSpec) or match_item(label, layout) is not None:
            return True
    return False


def _header_rows(table: Table) -> frozenset[tuple[str, ...]]:
    out = set()
    for row in table.rows:
        texts = _texts(row)
        if any(is_value_text(t) for t in texts if t):
            break
        out.add(tuple(t for t in texts if t))
    return frozenset(out)


def _label_end(texts: list[str]) -> int:
    """Position after the row's last label cell (0 when it has none)."""
    end = 0
    for i, t in enumerate(texts):
        if t and not is_value_text(t):
            end = i + 1
    return end


def _pairs(first: list[str], start: int, second: list[str]) -> list[tuple[int, int]] | None:
    """(position in first, position in second) of the value cells, aligned from the right; None when the
    pieces do not complement each other (see the module docstring)."""
    m = len(first) - start
    if m < 1 or len(second) < m or any(second[: len(second) - m]):
        return None
    pairs = [(start + j, len(second) - m + j) for j in range(m)]
    a = [j for j, (p, _) in enumerate(pairs) if first[p]]
    b = [j for j, (_, q) in enumerate(pairs) if second[q]]
    if not b or set(a) & set(b) or (a and max(a) > min(b)):
        return None
    if len(b) == 1 and not a:
        return None  # a lone number after a break may be a page number: it never starts a row's values
    if not all(is_value_text(first[pairs[j][0]]) for j in a) or not all(is_value_text(second[pairs[j][1]]) for j in b):
        return None
    return pairs


def join_continued_rows(doc: Document) -> Document:
    """``doc`` with each row split across a page break joined into its first piece (the other emptied)."""
    blocks = list(doc.blocks)
    problems: list[tuple[str, str]] = []
    open_: _Open | None = None
    for bi, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            if open_ is not None and _is_break_text(block.text):
                open_.broken = open_.page_mark = True
            elif block.text.strip():
                open_ = None
            continue
        header = _header_rows(block)
        for ri, row in enumerate(block.rows):
            texts = _texts(row)
            filled = [t for t in texts if t]
            if not filled or (len(set(filled)) == 1 and _is_break_text(filled[0])):
                if open_ is not None:
                    open_.broken = True
                    open_.page_mark = open_.page_mark or bool(filled)
                continue
            has_label = any(not is_value_text(t) for t in filled)
            if open_ is not None and open_.broken and has_label and not any(is_value_text(t) for t in filled) \
                    and tuple(filled) in open_.header:
                open_.repeated_header = True
                continue
            if open_ is not None and open_.broken and not has_label:
                pairs = _pairs(_texts(blocks[open_.block].rows[open_.row]), open_.start, texts)
                if pairs is not None:
                    problems.append(("table.row_continued", _join(blocks, open_, bi, ri, pairs)))
                    block = blocks[bi]
                open_ = None
                continue
            open_ = None
            if has_label:
                start = _label_end(texts)
                label = texts[start - 1] if start else ""
                if start < len(texts) and any(not t for t in texts[start:]) and _names_form_row(label):
                    open_ = _Open(bi, ri, start, header)
        if open_ is not None:
            open_.broken = True  # the table ends: the next one is on the next page, or after a break
    if not problems:
        return doc
    return replace(doc, blocks=blocks, reader_problems=doc.reader_problems + problems)


def _join(blocks: list, open_: _Open, bi: int, ri: int, pairs: list[tuple[int, int]]) -> str:
    """Move the second piece's values into the first piece's row; empty the second piece. Returns the message."""
    first_table, second_table = blocks[open_.block], blocks[bi]
    r = open_.row
    first = list(first_table.rows[r])
    second = second_table.rows[ri]
    printed_first = sum(1 for p, _ in pairs if first[p].text.strip())
    for p, q in pairs:
        if second[q].text.strip():
            first[p] = Cell(second[q].text, r, p, (r, p), second[q].location)
    rows = list(first_table.rows)
    rows[r] = tuple(first)
    blocks[open_.block] = first_table = replace(first_table, rows=tuple(rows))
    target = blocks[bi]  # the same table when the break fell inside one table
    rows2 = list(target.rows)
    rows2[ri] = tuple(Cell("", c.row, c.col, (c.row, c.col), c.location) for c in target.rows[ri])
    blocks[bi] = replace(target, rows=tuple(rows2))
    label = next((c.text.strip() for c in reversed(first[: open_.start]) if c.text.strip()), "")
    how = "行名在前一页、数字在后一页" if not printed_first else f"行名与前{printed_first}个数字在前一页、其余数字在后一页"
    between = "、".join(w for w, on in (("页码或页眉", open_.page_mark), ("重复的表头", open_.repeated_header)) if on)
    return (f"表格行“{label}”跨页断开（{how}{'，中间隔着' + between if between else ''}），已合并为一行："
            f"{first[0].location} + {second[pairs[0][1]].location}。页码和表头不计入数字。")
