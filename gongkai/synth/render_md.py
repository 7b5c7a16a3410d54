"""Markdown carrier: what PDF/Word/HTML-to-Markdown converters make of a report.

Three converter styles, one per report (drawn from the render rng, so the other
carriers' bytes do not move):

- ``markitdown``: an empty header row (``|  |  |``), every cell once, a colspan
  as empty cells after its text, rowspan continuations dropped (rows come out
  shorter than the header — markitdown on samples/real/030 does exactly this);
- ``pymupdf``: a merged cell's text repeated in every position it covers,
  ``<br>`` for line breaks, the first row as the header with ``ColN`` for
  repeated or empty header cells (pymupdf4llm on the 030 PDF);
- ``html``: the table left as HTML ``<table>`` inside the Markdown.

From mess level 2 on, pipe tables also show the habits seen in converter output:
section 三 split into one small table per group under a placeholder header
(``数据1 … 数据N``) with the group label as a loose line or kept as a cell; a page
footer or the running title as a row inside a table; header cells broken over two
rows; a label on one row and its numbers on the next; the table's last row printed
as a stray line after the table; section 四's table placed after the heading of 五. None of these changes a value: the truth stays
what ``model.Doc`` holds.
"""

from __future__ import annotations

import random

from gongkai.synth.model import Doc, Para, Table, grid
from gongkai.synth.render_html import _table_html

STYLES: tuple[str, ...] = ("markitdown", "pymupdf", "html")


def _esc(text: str, br: str) -> str:
    return text.replace("|", "\\|").replace("\n", br).strip()


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _delim(n: int) -> str:
    return "| " + " | ".join(["---"] * n) + " |"


def _rows_markitdown(table: Table) -> list[list[str]]:
    """Every cell once; a colspan pads with empty cells, rowspan continuations vanish."""
    out = []
    for row in grid(table):
        cells: list[str] = []
        for pos in row:
            if pos is None:
                continue
            cell, first_row, first_col = pos
            if not first_row:
                continue
            cells.append(_esc(cell.text, " ") if first_col else "")
        out.append(cells)
    return out


def _rows_pymupdf(table: Table) -> list[list[str]]:
    """A merged cell's text in every position it covers."""
    return [[_esc(pos[0].text, "<br>") if pos else "" for pos in row] for row in grid(table)]


def _group_starts(table: Table) -> list[int]:
    """Rows where a merged group label (rowspan > 1, after the header) begins: section 三's groups."""
    starts = []
    for r, row in enumerate(table.rows):
        if r < table.header_rows:
            continue
        if any(c.role == "label" and c.rowspan > 1 for c in row):
            starts.append(r)
    return starts


def _table_md(table: Table, style: str, level: int, title: str, rng: random.Random) -> list[str]:
    if style == "html":
        return ["", _table_html(table, rng), ""]
    texts = _rows_pymupdf(table) if style == "pymupdf" else _rows_markitdown(table)
    starts = set(_group_starts(table))
    # one record per printed row: cells, whether it holds values, the group labels it opens
    recs = []
    for r, cells in enumerate(texts):
        source = table.rows[r]
        groups = {_esc(c.text, " ") for c in source if c.role == "label" and c.rowspan > 1} if r in starts else set()
        recs.append({"cells": cells, "value": r >= table.header_rows and any(c.role == "value" for c in source),
                     "start": r in starts, "groups": groups, "n_values": sum(1 for c in source if c.role == "value")})
    width = max(len(r["cells"]) for r in recs)
    after: list[str] = []
    if level >= 2 and table.section == "三" and recs[-1]["value"] and rng.random() < 0.25:
        # the last row printed as a stray line after the table
        last = recs.pop()
        cells = last["cells"]
        values = [v for v in cells[len(cells) - last["n_values"]:] if v]
        label = next((t for t in reversed(cells[: len(cells) - last["n_values"]]) if t), "")
        after = ["", f"{label} {' '.join(values)}", ""]
    if level >= 2 and style == "markitdown" and rng.random() < 0.3:
        # a label on one row, its numbers on the next
        value_rows = [i for i, rec in enumerate(recs) if rec["value"] and not rec["start"]]
        if value_rows:
            i = rng.choice(value_rows)
            cells = recs[i]["cells"]
            k = len(cells) - recs[i]["n_values"]
            labels = [t for t in cells[:k] if t]
            if k >= 1 and len(labels) == 1:
                recs[i:i + 1] = [
                    dict(recs[i], cells=[labels[0]] + [""] * (len(cells) - 1), value=False),
                    dict(recs[i], cells=[""] * k + cells[k:], start=False, groups=set()),
                ]
    if level >= 2 and rng.random() < 0.25:
        # a page footer (or the running title) caught inside the table
        i = rng.randrange(1, len(recs)) if len(recs) > 1 else 1
        mark = f"- {rng.randint(2, 9)} -" if rng.random() < 0.6 else title
        recs.insert(i, {"cells": [mark] + [""] * (width - 1), "value": False, "start": False, "groups": set(), "n_values": 0})
    if level >= 2 and rng.random() < 0.3:
        # a header cell broken over two rows
        heads = [i for i, rec in enumerate(recs[: table.header_rows]) if not rec["value"]
                 and any(len(t) >= 6 and "<br>" not in t and "\\|" not in t for t in rec["cells"])]
        if heads:
            i = rng.choice(heads)
            top, bottom = [], []
            for t in recs[i]["cells"]:
                if len(t) >= 6 and "<br>" not in t and "\\|" not in t:
                    top.append(t[: len(t) // 2])
                    bottom.append(t[len(t) // 2:])
                else:
                    top.append(t)
                    bottom.append("")
            recs[i:i + 1] = [dict(recs[i], cells=top), dict(recs[i], cells=bottom)]
    lines: list[str] = []
    split = level >= 2 and table.section == "三" and rng.random() < 0.4
    if not split:
        rows = [rec["cells"] for rec in recs]
        if style == "pymupdf":
            head = [t if t and t not in rows[0][:i] else f"Col{i + 1}" for i, t in enumerate(rows[0])]
            body = rows[1:]
        else:
            head, body = [""] * width, rows
        return lines + ["", _pipe(head), _delim(len(head))] + [_pipe(r) for r in body] + [""] + after
    # one small table per group, each under a placeholder header; the group label stays a
    # cell or leaves the row as a loose line before its table
    loose = style == "markitdown" and rng.random() < 0.5
    chunks: list[tuple[str | None, list[list[str]]]] = [(None, [])]
    for rec in recs:
        cells = rec["cells"]
        if rec["start"] and chunks[-1][1]:
            chunks.append((None, []))
        if rec["start"] and loose:
            label = " ".join(t for t in cells if t in rec["groups"])
            cells = [t for t in cells if t not in rec["groups"]]
            chunks[-1] = (label or None, chunks[-1][1])
        chunks[-1][1].append(cells)
    for label, rows in chunks:
        if label:
            lines += ["", label]
        n = max(len(r) for r in rows)
        lines += ["", _pipe([f"数据{i + 1}" for i in range(n)]), _delim(n)] + [_pipe(r) for r in rows] + [""]
    return lines + after


def render_md(doc: Doc, rng: random.Random, level: int) -> bytes:
    style = rng.choice(STYLES)
    hashes = rng.random() < 0.7
    blocks = list(doc.blocks)
    if level >= 2 and style == "pymupdf" and rng.random() < 0.3:
        # pymupdf4llm places a table by its position on the page: section 四's table can
        # come out after the heading of 五
        i = next((k for k, b in enumerate(blocks) if isinstance(b, Table) and b.section == "四"), None)
        if i is not None and i + 1 < len(blocks) and isinstance(blocks[i + 1], Para) and blocks[i + 1].role == "heading":
            blocks[i], blocks[i + 1] = blocks[i + 1], blocks[i]
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            out += _table_md(block, style, level, doc.title, rng)
            continue
        text = block.text.replace("*", "\\*")
        if block.role == "title":
            out += [f"# {text}" if hashes else text, ""]
        elif block.role == "heading":
            out += [f"## {text}" if hashes else text, ""]
        elif block.role == "page":
            out += [text, ""]
        else:
            out += [text, ""]
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")
