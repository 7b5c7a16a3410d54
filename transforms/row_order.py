"""Section 三 rows whose numbers a converter printed apart from their labels: matched by order.

pdfminer-style text (markitdown's PDF output, ``pdftotext`` without ``-layout``) writes
a table line by line in page order. A row's numbers sit on one line, vertically
centred in the row, so its label comes out around them: a one-line label just
after its numbers, a label wrapped over four lines two lines before and two after,
a group label's pieces (``（三）`` / ``不予公`` / ``开``) between them (a bare ordinal such as
``（五）`` is dropped from the label text: it names no row). Reading
"the numbers after a label" then gives a row the next row's numbers.

The rows of the form are printed in the form's order, so the *i*-th numbers line is
the *i*-th row's — exactly when the document shows the structure that makes it so:

- every numbers line prints exactly one number per column (a blank, a missing or a
  run-together cell would shift everything: then nothing is read this way);
- there are exactly as many numbers lines as the form has rows, and no digit elsewhere
  in the table except the labels' numbering;
- every row's label is found in the text left when the numbers are taken out, in the
  form's order, and each numbers line stands between the label before its row and the
  label after it (a one-line label right after its numbers, a wrapped one around them).

Any condition unmet → ``None``, and the section is read as before (sound, nulls
explained). The values are printed cells; the assignment's evidence is named in one
``table.rows_by_order`` finding.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from transforms.flat import FlatText, LabelHit, best_chain, flat_text
from transforms.numbers import is_numeric_text
from transforms.sections import RowUnit, TextUnit, Unit
from transforms.spec import Layout, RowSpec

_SPLIT = re.compile(r"[\s\u00a0\u3000]+")
_RULE = re.compile(r"^:?-{3,}:?$")  # a Markdown table's delimiter cell left in the body
# A group label's first line when the group column wraps (``（五）`` / ``不予处`` / ``理``): an ordinal
# alone names no row, and printed between a row label's pieces it would hide that label.
_BARE_ORDINAL = re.compile(r"^\(?[一二三四五六七八九十]{1,2}\)?[、.]?$")


@dataclass(frozen=True)
class OrderedRow:
    spec: RowSpec
    tokens: tuple[str, ...]  # the row's printed numbers, one per column
    location: str
    label: str  # the label as found in the text


def _line_parts(unit: Unit) -> tuple[list[str], str]:
    """(the line's whitespace-separated pieces, its location); Markdown rule cells dropped."""
    if isinstance(unit, RowUnit):
        texts = [c.text for c in unit.distinct_cells() if c.text.strip() and not _RULE.match(c.text.strip())]
        return [p for t in texts for p in _SPLIT.split(unicodedata.normalize("NFKC", t).strip()) if p], unit.location
    return [p for p in _SPLIT.split(unicodedata.normalize("NFKC", unit.text).strip()) if p], unit.location


def rows_by_order(units: list[Unit], layout: Layout,
                  row_hits: Callable[[FlatText, Layout], list[list[LabelHit]]]) -> list[OrderedRow] | None:
    """The section's rows with the numbers line of the same rank, or None when the document does not show
    the structure that makes rank evidence (see the module docstring)."""
    n_cols = len(layout.app_columns)
    fragments: list[TextUnit] = []
    numbers: list[tuple[tuple[str, ...], str, int]] = []  # (tokens, location, index of the next fragment)
    detached = 0
    for unit in units:
        parts, loc = _line_parts(unit)
        if not parts:
            continue
        k = len(parts)
        while k > 0 and is_numeric_text(parts[k - 1]):
            k -= 1
        label, tail = parts[:k], parts[k:]
        if any(re.search(r"\d", p) and not _numbering_only(p) for p in label):
            return None  # a digit inside the text (a footnote, a run-together row): not this habit
        label = [p for p in label if not _BARE_ORDINAL.match(p)]
        if label:
            fragments.append(TextUnit("".join(label), loc))
        if tail:
            if len(tail) != n_cols:
                return None
            numbers.append((tuple(tail), loc, len(fragments)))
            detached += not label
    n_rows = len(layout.app_rows)
    if len(numbers) != n_rows or detached == 0:
        return None
    ft = flat_text(fragments)
    chain = best_chain(row_hits(ft, layout))
    if any(h is None for h in chain):
        return None
    # where each numbers line stands in the label text: the start of the fragment after it
    frag_norm = [_norm_pos(ft, start) for start, _ in ft.unit_starts] + [len(ft.norm)]
    out: list[OrderedRow] = []
    for i, (spec, hit) in enumerate(zip(layout.app_rows, chain)):
        tokens, loc, next_frag = numbers[i]
        at = frag_norm[next_frag]
        before = chain[i - 1].start if i > 0 else -1
        after = chain[i + 1].start if i + 1 < n_rows else len(ft.norm) + 1
        if not before < at <= after:
            return None
        out.append(OrderedRow(spec, tokens, loc, ft.norm[hit.start:hit.end]))
    return out


def _numbering_only(piece: str) -> bool:
    """``1.属于国家秘密``, ``（一）予以公开``: the digit is the label's own numbering."""
    return bool(re.match(r"^(?:\(?\d{1,2}[).、．]|\d{1,2}[.、．])\D*$", piece))


def _norm_pos(ft: FlatText, text_pos: int) -> int:
    return bisect.bisect_left(ft.index, text_pos)
