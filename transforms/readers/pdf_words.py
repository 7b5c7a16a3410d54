"""pdfplumber's word grouping and cell text (default settings, upright text), without its generic machinery.

``pdfplumber.utils.extract_words`` and ``extract_text`` build a WordExtractor,
validate directions and go through four layers of generators per call; the
reader calls them once per page and once per table cell, and in the fast PDF
path they were a third of the time. These are the same rules for the one
configuration the reader uses — x/y tolerance 3, no blank chars kept, no text
flow, left-to-right lines read top to bottom, ligatures expanded — written
out flat. Text that is not upright is handed to pdfplumber itself.
``tests/test_readers_office.py`` checks both against pdfplumber on real pages.

The rules, in pdfplumber's order: chars are taken in runs with equal
(upright, extra attributes) in stream order; a run is clustered into lines by
``top`` (sorted distinct tops, a gap ≤ 3 joins; members keep stream order),
each line sorted by x0; a word ends at a blank char, or when the next char
starts left of the previous one's x0, more than 3 right of its x1, or with a
top more than 3 away.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

TOLERANCE = 3


def extract_words(chars: list[dict[str, Any]], extra_attrs: tuple[str, ...] = (),
                  inside: list[tuple[float, float, float, float]] = ()) -> list[dict[str, Any]]:
    """``pdfplumber.utils.extract_words(chars, extra_attrs=[...])`` with default settings.

    ``inside``: boxes (x0, top, x1, bottom) whose words the caller throws away (the ruled
    tables, read cell by cell). A line whose characters all lie within one such box can
    only make words within that box, so its words are not built; every other word is
    built and returned exactly as without ``inside``, in the same order (lines are
    formed from all characters first, so a skipped line changes no other line).
    """
    if not all(c["upright"] for c in chars):
        from pdfplumber import utils

        return utils.extract_words(chars, extra_attrs=list(extra_attrs))
    LIGATURES = _ligatures()
    words: list[dict[str, Any]] = []
    keys = ("upright", *extra_attrs)
    for _, run in groupby(chars, key=itemgetter(*keys)):  # a tuple of the keys' values (one key: the value)
        for word in _word_chars(list(run), inside):
            words.append(_merge(word, extra_attrs, LIGATURES))
    return words


_LIGATURES: dict[str, str] = {}


def _ligatures() -> dict[str, str]:
    """pdfplumber's ligature table, imported on first use (not at import: a txt parse needs no pdfplumber)."""
    if not _LIGATURES:
        from pdfplumber.utils.text import LIGATURES

        _LIGATURES.update(LIGATURES)
    return _LIGATURES


def _within_one(line: list[dict[str, Any]], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether every character box of the line lies within one of the boxes."""
    first = line[0]
    for x0, top, x1, bottom in boxes:
        if x0 <= first["x0"] and first["x1"] <= x1 and top <= first["top"] and first["bottom"] <= bottom:
            return all(x0 <= c["x0"] and c["x1"] <= x1 and top <= c["top"] and c["bottom"] <= bottom for c in line)
    return False


def extract_text(chars: list[dict[str, Any]]) -> str:
    """``pdfplumber.utils.extract_text(chars)``: words, lines by top, joined by space and newline."""
    if not chars:
        return ""
    if not all(c["upright"] for c in chars):
        from pdfplumber import utils

        return utils.extract_text(chars)
    LIGATURES = _ligatures()
    tops = [c["top"] for c in chars]
    if max(tops) - min(tops) <= TOLERANCE:
        # One line (a table cell's usual text): every char and so every word falls in one
        # cluster, kept in order, so the text is the words joined by spaces — no word dicts.
        words: list[list[dict[str, Any]]] = []
        _split_line(sorted(chars, key=_x0), words)  # the one cluster is the chars in order, then sorted by x0
        return " ".join("".join(LIGATURES.get(c["text"], c["text"] or "") for c in w) for w in words)

    # the words' text and top only: a word's top is its chars' least top
    words = [{"top": min(c["top"] for c in w), "text": "".join(LIGATURES.get(c["text"], c["text"] or "") for c in w)}
             for w in _word_chars(chars)]
    return "\n".join(" ".join(w["text"] for w in line) for line in _cluster(words, "top"))


def _word_chars(run: list[dict[str, Any]], inside: list[tuple[float, float, float, float]] = ()) -> list[list[dict[str, Any]]]:
    """One run of chars (same upright/extra attributes) → the chars of each word, in pdfplumber's order
    (lines wholly within one of the ``inside`` boxes left out: see ``extract_words``)."""
    out: list[list[dict[str, Any]]] = []
    for line in _cluster(run, "top"):
        if inside and _within_one(line, inside):
            continue
        line.sort(key=_x0)
        _split_line(line, out)
    return out


def _split_line(line: list[dict[str, Any]], out: list[list[dict[str, Any]]]) -> None:
    """The words of one line (sorted by x0), appended to ``out``: a blank ends a word, and so does a jump."""
    current: list[dict[str, Any]] = []
    prev: dict[str, Any] | None = None  # current[-1]
    for ch in line:
        if ch["text"].isspace():
            if current:
                out.append(current)
            current = []
            prev = None
        elif prev is not None and (ch["x0"] < prev["x0"] or ch["x0"] > prev["x1"] + TOLERANCE
                                   or abs(ch["top"] - prev["top"]) > TOLERANCE):  # a jump back, a gap > 3, another line
            out.append(current)
            current = [ch]
            prev = ch
        else:
            current.append(ch)
            prev = ch
    if current:
        out.append(current)


def _x0(c: dict[str, Any]) -> float:
    return c["x0"]


def _merge(chars: list[dict[str, Any]], extra_attrs: tuple[str, ...], ligatures: dict[str, str]) -> dict[str, Any]:
    x0 = min(c["x0"] for c in chars)
    x1 = max(c["x1"] for c in chars)
    top = min(c["top"] for c in chars)
    bottom = max(c["bottom"] for c in chars)
    first = chars[0]
    word = {"text": "".join(ligatures.get(c["text"], c["text"] or "") for c in chars), "x0": x0, "x1": x1,
            "top": top, "doctop": top + (first["doctop"] - first["top"]), "bottom": bottom, "upright": first["upright"],
            "height": bottom - top, "width": x1 - x0, "direction": "ltr"}
    for key in extra_attrs:
        word[key] = first[key]
    return word


def _cluster(objs: list[dict[str, Any]], key: str) -> list[list[dict[str, Any]]]:
    """pdfplumber's ``cluster_objects(objs, key, 3)``: chain sorted distinct values with gaps ≤ 3; keep input order inside."""
    index: dict[float, int] = {}
    n = -1
    last = None
    for value in sorted({o[key] for o in objs}):
        if last is None or value > last + TOLERANCE:
            n += 1
        index[value] = n
        last = value
    groups: list[list[dict[str, Any]]] = [[] for _ in range(n + 1)]
    for o in objs:
        groups[index[o[key]]].append(o)
    return groups
