"""Cutting a document into its six sections.

A document is flattened into a stream of units — paragraphs and table rows — and
section headings (``三、收到和处理政府信息公开申请情况`` and its variants) are found
in it, also in the middle of a paragraph: crawler text often holds a whole report
on one line. Headings are accepted in order, so a sub-heading of section 一 such as
``（二）主动公开情况`` cannot pass for section 二.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from transforms.document import Cell, Document, Paragraph, Table
from transforms.labels import norm_label
from transforms.spec import SECTIONS, SectionSpec


@dataclass(frozen=True)
class TextUnit:
    text: str
    location: str


@dataclass(frozen=True)
class RowUnit:
    table: Table
    index: int

    @property
    def cells(self):
        return self.table.rows[self.index]

    @property
    def location(self) -> str:
        return f"{self.table.location} row {self.index + 1}"

    def distinct_cells(self) -> list[Cell]:
        """The row's source cells, each once: a colspan repeats its cell across positions."""
        return list(self._distinct)

    def distinct_texts(self) -> list[str]:
        return [c.text for c in self._distinct]

    @cached_property
    def _distinct(self) -> tuple[Cell, ...]:
        # every section's extractor asks again for the same row: computed once per unit
        seen = set()
        out = []
        for cell in self.cells:
            if cell.origin in seen:
                continue
            seen.add(cell.origin)
            out.append(cell)
        return tuple(out)


Unit = TextUnit | RowUnit


@dataclass
class Sections:
    """Units per section key; ``preamble`` holds what comes before the first heading."""

    units: dict[str, list[Unit]] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)  # section key -> heading as printed
    preamble: list[Unit] = field(default_factory=list)

    def found(self, key: str) -> bool:
        return key in self.headings


_SEP = r"[、.．,，:：\s]*"


def _heading_re(spec: SectionSpec) -> re.Pattern[str]:
    kws = "|".join(re.escape(k) for k in spec.heading_keywords)
    return re.compile(
        rf"(?:第{spec.number}部分|{spec.number}{_SEP}|[（(]{spec.number}[)）])(?P<gap>[^。；;！!？?\d]{{0,16}}?)(?:{kws})"
    )


_HEADINGS = {s.key: _heading_re(s) for s in SECTIONS}
_TAIL = re.compile(r"^[^。；;，,\d]{0,20}?(?:情况|事项|问题|概述|计划)")


def _form_score(match_text: str, number: str) -> int:
    return 1 if match_text.startswith(("（", "(")) else 2


def flatten(doc: Document) -> list[Unit]:
    units: list[Unit] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            units.append(TextUnit(block.text, block.location))
        else:
            for i in range(block.n_rows):
                units.append(RowUnit(block, i))
    return units


def _row_title_text(unit: RowUnit) -> str | None:
    texts = [t for t in unit.distinct_texts() if t.strip()]
    return texts[0] if len(texts) == 1 else None


def split_sections(doc: Document) -> Sections:
    units = flatten(doc)
    # candidates: (unit index, start, end, section index, score, printed)
    cands: list[tuple[int, int, int, int, int, str]] = []
    for ui, unit in enumerate(units):
        if isinstance(unit, TextUnit):
            text = unit.text
        else:
            title = _row_title_text(unit)
            if title is None:
                continue
            text = title.strip()
        for si, spec in enumerate(SECTIONS):
            for m in _HEADINGS[spec.key].finditer(text):
                if isinstance(unit, RowUnit) and m.start() != 0:
                    continue
                end = m.end()
                tail = _TAIL.match(text[end:])
                if tail:
                    end += tail.end()
                if spec.is_narrative is False and not spec.key == "applications":
                    pass
                cands.append((ui, m.start(), end, si, _form_score(m.group(0), spec.number), text[m.start():end]))
    cands.sort(key=lambda c: (c[0], c[1]))
    chosen: list[tuple[int, int, int, int, str]] = []
    last = (-1, -1)
    for si, spec in enumerate(SECTIONS):
        after = [c for c in cands if c[3] == si and (c[0], c[1]) >= last]
        if not after:
            continue
        top = max(c[4] for c in after)
        # a later strong heading beats an earlier weak one (（二）… inside section 一)
        pick = next(c for c in after if c[4] == top)
        chosen.append((pick[0], pick[1], pick[2], si, pick[5]))
        last = (pick[0], pick[2])

    result = Sections()
    cuts = sorted(chosen)
    current = "preamble"
    targets: dict[str, list[Unit]] = {"preamble": result.preamble}
    for _, _, _, si, printed in cuts:
        key = SECTIONS[si].key
        result.units[key] = []
        targets[key] = result.units[key]
        result.headings[key] = printed
    by_unit: dict[int, list[tuple[int, int, str]]] = {}
    for ui, start, end, si, _ in cuts:
        by_unit.setdefault(ui, []).append((start, end, SECTIONS[si].key))
    for ui, unit in enumerate(units):
        if ui not in by_unit:
            targets[current].append(unit)
            continue
        if isinstance(unit, RowUnit):
            current = by_unit[ui][0][2]
            continue
        pos = 0
        for start, end, key in by_unit[ui]:
            before = unit.text[pos:start].strip()
            if before:
                targets[current].append(TextUnit(before, unit.location))
            current = key
            pos = end
        rest = unit.text[pos:].strip()
        if rest:
            targets[current].append(TextUnit(rest, unit.location))
    return result


def units_text(units: list[Unit]) -> str:
    """The text of a list of units as one string, table rows as tab-separated lines."""
    lines = []
    for unit in units:
        if isinstance(unit, TextUnit):
            lines.append(unit.text)
        else:
            lines.append("\t".join(t.strip() for t in unit.distinct_texts()))
    return "\n".join(lines)


def normalized_with_map(text: str) -> tuple[str, list[int]]:
    """``norm_label`` applied char by char, with each output char's index in ``text``."""
    out = []
    index = []
    for i, ch in enumerate(text):
        n = norm_label(ch)
        for c in n:
            out.append(c)
            index.append(i)
    return "".join(out), index
