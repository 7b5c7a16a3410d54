"""Plain-text carriers: tab-separated tables (copied out of Word) and crawler run-together text.

Tabbed text follows the seed sample: a horizontal merge collapses into one cell,
a vertical merge leaves an empty cell under its label, header rows keep their
own shape. The run-together carrier is what a crawler saves from a web page
(samples/real/004): a header block, ``==== 正文 ====`` and the whole report on
one line with no cell separators — an &nbsp; in a cell survives as a space, a
blank cell vanishes.
"""

from __future__ import annotations

import random

from gongkai.synth.model import Doc, Para, Table, grid


def table_lines(table: Table, rng: random.Random, keep_colspan: bool) -> list[str]:
    lines = []
    for row in grid(table):
        cells: list[str] = []
        for pos in row:
            if pos is None:
                cells.append("")
                continue
            cell, first_row, first_col = pos
            if not first_col and not keep_colspan:
                continue
            cells.append(cell.text.replace("\n", "") if first_row and first_col else "")
        lines.append("\t".join(cells))
    return lines


def render_txt(doc: Doc, rng: random.Random) -> bytes:
    keep_colspan = rng.random() < 0.3
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Para):
            out += [block.text, ""] if block.role != "body" or rng.random() < 0.7 else [block.text]
        else:
            out += table_lines(block, rng, keep_colspan) + [""]
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")


def _cell_run(text: str) -> str:
    return text.replace("\n", "")


def render_run_together(doc: Doc, rng: random.Random, publication_date: str) -> bytes:
    """One line of body text, no separators between cells; a few &nbsp; survive as spaces."""
    head = [
        f"标题: {doc.title}",
        f"发布时间: {publication_date} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}",
        "文号: ",
        "发布机构: ",
        "栏目: 政府信息公开年报",
        f"原文链接: https://www.example.gov.cn/zwgk/ndbg/{publication_date.replace('-', '')}/t{rng.randint(10**6, 10**7)}.htm",
        "==================== 正文 ====================",
    ]
    parts: list[str] = ["当前位置： 首页 政务公开 政府信息公开年报 "]
    for block in doc.blocks:
        if isinstance(block, Para):
            if block.role in ("title", "meta", "page"):
                continue
            parts.append(block.text + (" " if rng.random() < 0.2 else ""))
            continue
        for row in grid(block):
            for pos in row:
                if pos is None:
                    continue
                cell, first_row, first_col = pos
                if first_row and first_col:
                    parts.append(_cell_run(cell.text).strip() if rng.random() < 0.8 else _cell_run(cell.text))
                    if rng.random() < 0.04:
                        parts.append(" ")
    body = "".join(parts)
    return ("\n".join(head) + "\n" + body + "\n").encode("utf-8")
