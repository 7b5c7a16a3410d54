"""HTML carrier: a CMS article body like samples/real/030 (TRS_Editor div, span tables).

What the 030 page does and this renderer copies: rowspan/colspan everywhere,
&nbsp; after labels, ``<p>`` per line inside a header cell or ``<br/>``, inline
styles on every cell. Numbers are sometimes split over ``<span>``s (editors
leave them when they retype a digit), which must not change the value read.
"""

from __future__ import annotations

import html
import random

from gongkai.synth.model import Cell, Doc, Para, Table

_TD_STYLE = 'valign="center" style="border-width: 1px; border-style: solid; border-color: rgb(0, 0, 0);"'


def _value_html(text: str, rng: random.Random) -> str:
    """A value cell's markup; spans may split the digits, spaces become &nbsp;."""
    core = text.strip(" ")
    lead = text[: len(text) - len(text.lstrip(" "))]
    trail = text[len(text.rstrip(" ")):]
    if len(core) >= 2 and core.isdigit() and rng.random() < 0.15:
        cut = rng.randint(1, len(core) - 1)
        inner = f"<span>{html.escape(core[:cut])}</span><span>{html.escape(core[cut:])}</span>"
    elif core and rng.random() < 0.1:
        inner = f'<span style="font-family: 宋体;">{html.escape(core)}</span>'
    else:
        inner = html.escape(core).replace(" ", "&nbsp;")
    return "&nbsp;" * len(lead) + inner + "&nbsp;" * len(trail)


def _cell_html(cell: Cell, rng: random.Random, br_style: str) -> str:
    attrs = ""
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.role == "value":
        body = f"<p>{_value_html(cell.text, rng)}</p>"
    else:
        lines = cell.text.split("\n")
        pad = "&nbsp;" if rng.random() < 0.5 else ""
        if br_style == "p":
            body = "".join(f"<p>{html.escape(line)}{pad}</p>" for line in lines)
        else:
            body = "<p>" + "<br/>".join(html.escape(line) for line in lines) + pad + "</p>"
    return f"<td {_TD_STYLE}{attrs}>{body}</td>"


def _table_html(table: Table, rng: random.Random) -> str:
    br_style = rng.choice(("p", "br"))
    rows = []
    for ri, row in enumerate(table.rows):
        cls = ' class="firstRow"' if ri == 0 else ""
        rows.append(f"<tr{cls}>" + "".join(_cell_html(c, rng, br_style) for c in row) + "</tr>")
    return ('<table border="1" cellspacing="0" align="center" style="border-collapse: collapse;"><tbody>'
            + "".join(rows) + "</tbody></table>")


def render_html(doc: Doc, rng: random.Random) -> bytes:
    parts = []
    for block in doc.blocks:
        if isinstance(block, Table):
            parts.append(_table_html(block, rng))
            continue
        text = html.escape(block.text)
        if block.role == "title":
            parts.append(f'<p style="text-align: center;"><strong>{text}</strong></p>')
        elif block.role in ("meta", "page"):
            parts.append(f'<p style="text-align: center;">{text}</p>')
        elif block.role == "heading":
            parts.append(f'<p style="text-indent: 2em; text-align: left;"><strong>{text}</strong>{"&nbsp;" if rng.random() < 0.5 else ""}</p>')
        else:
            parts.append(f'<p style="text-indent: 2em; text-align: left;">{text}</p>')
        if rng.random() < 0.1:
            parts.append("<p>&nbsp;</p>")
    page = (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(doc.title)}</title>\n</head>\n<body>\n"
        f"<div class=TRS_Editor>{''.join(parts)}</div>\n</body>\n</html>\n"
    )
    return page.encode("utf-8")
