"""Finding labelled rows in free text, where the table's borders are gone.

Crawler text and PDF text put a table on one line or spread a label over several
(``只计这一情\\n形``). Labels are searched in the text with whitespace removed; the
values of a row are the characters between the end of its label and the start of
the next label. A label's own ordinal (``2.`` in ``2.其他法律…``) is claimed by the
label, so it is never read as the last digit of the previous row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from transforms.labels import norm_label, split_numbering
from transforms.sections import TextUnit, Unit, normalized_with_map

_VALUE_CHARS = re.compile(r"[0-9.,\s\u00a0\u3000元万件个项次条\-－—–/／\\]*")


@dataclass(frozen=True)
class LabelHit:
    key: str
    start: int  # in normalised text, numbering included
    end: int  # first char after the label


@dataclass(frozen=True)
class FlatText:
    text: str  # original text, units joined by "\n"
    norm: str  # whitespace-free normalised text
    index: list[int]  # norm position -> text position
    unit_starts: list[tuple[int, str]]  # (text offset, unit location)

    def location_at(self, text_pos: int) -> str:
        loc = self.unit_starts[0][1] if self.unit_starts else ""
        for start, where in self.unit_starts:
            if start <= text_pos:
                loc = where
            else:
                break
        return loc

    def text_pos(self, norm_pos: int) -> int:
        if norm_pos >= len(self.index):
            return len(self.text)
        return self.index[norm_pos]


def flat_text(units: list[Unit]) -> FlatText:
    parts = []
    starts = []
    pos = 0
    for unit in units:
        if isinstance(unit, TextUnit):
            starts.append((pos, unit.location))
            parts.append(unit.text)
            pos += len(unit.text) + 1
    text = "\n".join(parts)
    norm, index = normalized_with_map(text)
    return FlatText(text, norm, index, starts)


def numbering_pattern(number: str | None) -> str | None:
    """Regex (on normalised text) for a row's printed ordinal ending right before its label."""
    if number is None:
        return None
    if number.isdigit():
        return rf"(?:\({number}\)|{number}[.、,])"
    return rf"(?:\({number}\)|{number}[、.,])"


def label_span(ft: FlatText, kw_pos: int, kw: str, canonical: str, numbering: str | None) -> tuple[int, int]:
    """Extend a keyword hit to the printed label around it: ordinal before, wording after."""
    _, core = split_numbering(norm_label(canonical))
    k = core.find(kw)
    start = kw_pos
    if k > 0 and ft.norm[kw_pos - k:kw_pos] == core[:k]:
        start = kw_pos - k
    pattern = numbering_pattern(numbering)
    if pattern:
        m = re.search(pattern + "$", ft.norm[max(0, start - 6):start])
        if m:
            start = start - (len(m.group(0)))
    end = kw_pos + len(kw)
    if k >= 0:
        rest = core[k + len(kw):]
        # follow the canonical wording as far as the document agrees with it
        j = 0
        while j < len(rest) and end + j < len(ft.norm) and ft.norm[end + j] == rest[j]:
            j += 1
        end += j
    return start, end


def best_chain(hits_per_key: list[list[LabelHit]]) -> list[LabelHit | None]:
    """One hit per key, positions strictly increasing in key order, as many keys as possible."""
    n = len(hits_per_key)
    # dp over (key index, hit) -> (count, back pointer)
    best: list[dict[int, tuple[int, tuple[int, int] | None]]] = [dict() for _ in range(n)]
    for i, hits in enumerate(hits_per_key):
        for h_i, hit in enumerate(hits):
            top = (1, None)
            for j in range(i):
                for hj, (count, _) in best[j].items():
                    prev = hits_per_key[j][hj]
                    if prev.end <= hit.start and count + 1 > top[0]:
                        top = (count + 1, (j, hj))
            best[i][h_i] = top
    end_state = None
    end_count = 0
    for i in range(n):
        for h_i, (count, _) in best[i].items():
            if count > end_count or (count == end_count and end_state is not None and hits_per_key[i][h_i].start < hits_per_key[end_state[0]][end_state[1]].start):
                end_count = count
                end_state = (i, h_i)
    chain: list[LabelHit | None] = [None] * n
    state = end_state
    while state is not None:
        i, h_i = state
        chain[i] = hits_per_key[i][h_i]
        state = best[i][h_i][1]
    return chain


def value_region(ft: FlatText, start_norm: int, end_norm: int, label: str | None = None) -> tuple[str, str, int]:
    """(numeric prefix, the text after it, text offset) between a label's end and the next label.

    The values are what directly follows the label. Text in between is skipped only when
    it is what is left of the label itself (a wrapped or abbreviated label: every Chinese
    character of it occurs in ``label``); narrative after a label ends its values.
    """
    a = ft.text_pos(start_norm)
    b = ft.text_pos(end_norm) if end_norm < len(ft.norm) else len(ft.text)
    region = unicodedata.normalize("NFKC", ft.text[a:b])
    direct = _VALUE_CHARS.match(region)
    head = direct.group(0) if direct else ""
    if re.search(r"[0-9/—–\-\\]", head):
        return head, region[len(head):], a
    m = re.search(r"[0-9]", region)
    if m is None:
        return "", region, a
    lead = region[:m.start()]
    cjk = re.findall(r"[\u4e00-\u9fff]", lead)
    if cjk and (label is None or not set(cjk) <= set(unicodedata.normalize("NFKC", label))):
        return "", region, a  # a sentence, not the rest of the label: these digits are not this row's
    body = region[m.start():]
    # a blank marker directly before the first digit belongs to the values
    marker = re.search(r"(?:[-—–/\\]\s*)+$", lead)
    if marker:
        body = lead[marker.start():] + body
        lead = lead[:marker.start()]
    v = _VALUE_CHARS.match(body)
    prefix = body[:v.end()] if v else ""
    return prefix, body[len(prefix):], a + len(lead)

