"""Reading the value part of one table row into cells, splitting run-together text.

The common case is one printed token per cell. When a carrier lost cell borders
the tokens are fewer than the cells and the splitter searches the readings the
layout's identity for that row allows (``constraint``). Cells on which every
surviving reading agrees are certain even when the row as a whole is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from transforms.numbers import normalize_text, parse_number, to_wan_yuan
from transforms.report import CellValue
from transforms.splitting import (
    Candidate,
    Piece,
    Readings,
    Token,
    split_free,
    split_sum_group,
    split_sum_groups,
    split_with_subtotal,
    tokenize,
)

Constraint = Literal["none", "row_sum", "group_sums"]
#: What a split under each constraint records as the cell's ``how``.
HOW_OF: dict[str, str] = {"none": "split_unique", "row_sum": "split_by_row_sum", "group_sums": "split_by_row_sum"}
Status = Literal["ok", "recovered", "ambiguous", "impossible", "too_few", "too_many", "empty"]


@dataclass
class RowReading:
    cells: list[CellValue]
    status: Status
    candidates: list[Candidate] = field(default_factory=list)
    not_numeric: list[tuple[int, str]] = field(default_factory=list)  # (cell index, raw)
    not_integer: list[tuple[int, str]] = field(default_factory=list)  # counts printed with a fraction
    token_count: int = 0
    tokens: tuple = ()  # what the splitter searched (for re-checking without the identity)
    free_blanks: bool = False
    subtotal_at: int | None = None  # candidates carry a printed subtotal cell at this index (dropped from cells)
    constraint: str = "none"  # the identity the split used (for re-splitting without vanished blanks)
    group_shape: tuple[int, int] = (3, 4)
    as_printed: bool = False  # no split satisfied the identity; the digits alone allow one reading, taken as printed
    identity: str | None = None  # the sum the split used, in words, when not the section's own (a document's habit)


@dataclass(frozen=True)
class ValueSource:
    """What a row printed for its values: grid cells (borders known) or free text."""

    texts: tuple[str, ...]
    locations: tuple[str, ...]
    free_text: bool  # True: run-together text where blank cells may have vanished
    spaces_separate: bool = True  # free text only: whitespace marks cell borders (PDF text), or means nothing


def _money(piece_value: Decimal, raw: str, default_unit: str) -> Decimal:
    parsed = parse_number(raw)
    if parsed.ok and parsed.value is not None:
        return to_wan_yuan(parsed, default_unit) or Decimal(0)
    return piece_value


_SPACED_DIGITS = re.compile(r"\d[\s\u00a0\u3000]+\d")


def _grid_tokens(src: ValueSource) -> tuple[list[Token], list[tuple[int, str]]]:
    tokens: list[Token] = []
    bad: list[tuple[int, str]] = []
    for i, text in enumerate(src.texts):
        n = normalize_text(text)
        parsed = parse_number(text)
        if parsed.ok and parsed.is_blank:
            tokens.append(Token("", True, text.strip()))
        else:
            # a cell printing "6 0" may hold two numbers whose border a converter lost: joined
            joined = bool(_SPACED_DIGITS.search(text))
            if parsed.ok:
                tokens.append(Token(n.replace(",", ""), False, text.strip(), joined))
            else:
                bad.append((i, text.strip()))
                tokens.append(Token(n, False, text.strip(), joined))
    return tokens, bad


def read_values(
    src: ValueSource,
    kinds: tuple[str, ...],
    constraint: Constraint = "none",
    money_unit: str = "万元",
    group_shape: tuple[int, int] = (3, 4),
) -> RowReading:
    n = len(kinds)
    if src.free_text:
        tokens = tokenize(" ".join(src.texts), src.spaces_separate)
        bad: list[tuple[int, str]] = []
    else:
        tokens, bad = _grid_tokens(src)
        while len(tokens) > n and tokens[-1].explicit_blank and tokens[-1].raw == "":
            tokens.pop()  # padding cells beyond the layout's columns
    location = src.locations[0] if src.locations else ""

    if not tokens:
        return RowReading([CellValue(None, "", None, location) for _ in kinds], "empty")

    dash_runs = any(t.explicit_blank and len(t.text) > 1 for t in tokens)  # "——": one blank or two
    if len(tokens) == n and not dash_runs:
        cells = []
        not_integer: list[tuple[int, str]] = []
        bad_idx = {i for i, _ in bad}
        for i, (tok, kind) in enumerate(zip(tokens, kinds)):
            loc = src.locations[i] if not src.free_text and i < len(src.locations) else location
            if i in bad_idx:
                cells.append(CellValue(None, tok.raw, False, loc))
                continue
            parsed = parse_number(tok.raw if not src.free_text else tok.text)
            if not parsed.ok:
                bad.append((i, tok.raw))
                cells.append(CellValue(None, tok.raw, False, loc))
                continue
            if kind != "money" and parsed.value != parsed.value.to_integral_value():
                not_integer.append((i, tok.raw))  # a count of 1.5 is kept as printed, not as a number
                cells.append(CellValue(None, tok.raw, False, loc))
                continue
            value = parsed.value
            if kind == "money":
                value = to_wan_yuan(parsed, money_unit)
            cells.append(CellValue(value, tok.raw, parsed.is_blank, loc, False, parsed.unit))
        reading = RowReading(cells, "ok", not_numeric=bad, not_integer=not_integer, token_count=len(tokens))
        if src.free_text and src.spaces_separate and constraint != "none":
            return _second_reading(reading, src, kinds, constraint, money_unit, group_shape, location)
        return reading

    if bad:  # a word among the numbers and the count is off: nothing can be placed with certainty
        status: Status = "too_few" if len(tokens) < n else "too_many"
        return RowReading([CellValue(None, "", None, location) for _ in kinds], status, not_numeric=bad,
                          token_count=len(tokens))

    free = src.free_text  # an empty cell leaves no trace in free text; a grid shows it
    if constraint == "row_sum":
        cands = split_sum_group(tokens, n - 1, free, kinds)
    elif constraint == "group_sums":
        groups, parts = group_shape
        cands = split_sum_groups(tokens, groups, parts, free)
    else:
        cands = split_free(tokens, kinds, free)

    if not getattr(cands, "complete", True):
        # too many readings to list: none of them can be taken, not even where they agree;
        # the readings without vanished blanks are kept to show the clerk
        shown = split_free(tokens, kinds, False) if constraint == "none" and free else []
        listed = Readings(shown if getattr(shown, "complete", False) else [], complete=False)
        # the tokens are kept: the readings without vanished blanks may still be few (the habit's test)
        return RowReading([CellValue(None, "", None, location) for _ in kinds], "ambiguous", listed,
                          token_count=len(tokens), tokens=tuple(tokens), free_blanks=free, constraint=constraint,
                          group_shape=group_shape)
    if not cands:
        if len(tokens) > n:
            status = "too_many"
        elif not src.free_text and len(tokens) < n and all(len(t.text) <= 1 for t in tokens):
            status = "too_few"
        else:
            status = "impossible"
        return RowReading([CellValue(None, "", None, location) for _ in kinds], status, token_count=len(tokens),
                          tokens=tuple(tokens) if status == "impossible" else (), free_blanks=free,
                          constraint=constraint, group_shape=group_shape)
    return RowReading(candidates_to_cells(cands, kinds, money_unit, location, HOW_OF[constraint]),
                      "recovered" if len(cands) == 1 else "ambiguous",
                      cands, token_count=len(tokens), tokens=tuple(tokens), free_blanks=free,
                      constraint=constraint, group_shape=group_shape)


def printed_readings(reading: RowReading, kinds: tuple[str, ...]) -> Readings | None:
    """The readings of the row's digits that need no vanished blank cell, under the same identity.

    None when the row was not split from free text (nothing can have vanished) or the
    readings are too many to list.
    """
    if not reading.tokens or not reading.free_blanks:
        return None
    tokens = list(reading.tokens)
    if reading.subtotal_at is not None:
        found = split_with_subtotal(tokens, len(kinds) - 2, False)
        return drop_cell(found, reading.subtotal_at) if getattr(found, "complete", True) else None
    if reading.constraint == "row_sum":
        found = split_sum_group(tokens, len(kinds) - 1, False, kinds)
    elif reading.constraint == "group_sums":
        found = split_sum_groups(tokens, reading.group_shape[0], reading.group_shape[1], False)
    else:
        found = split_free(tokens, kinds, False)
    return found if getattr(found, "complete", True) else None


def without_identity(reading: RowReading, kinds: tuple[str, ...], money_unit: str, location: str) -> RowReading:
    """Re-read a recovered row without the identity that made its split unique.

    Used when the publisher is seen to break that identity elsewhere in the table: a
    split that is unique only because it adds up is then no evidence at all.
    """
    if reading.status not in ("recovered", "ambiguous", "impossible") or not reading.tokens:
        return reading
    was_impossible = reading.status == "impossible"
    reading.constraint = "none"  # from here on the readings are those of the digits alone
    at = reading.subtotal_at
    search_kinds = kinds if at is None else kinds[:at] + ("count",) + kinds[at:]
    cands = split_free(list(reading.tokens), search_kinds, reading.free_blanks)
    printed = bool(cands) and getattr(cands, "complete", True) and all(_as_printed(c, reading.tokens) for c in cands)
    if at is not None and getattr(cands, "complete", True):
        cands = drop_cell(cands, at)
    if reading.status == "recovered" and getattr(cands, "complete", True) and len(cands) == 1:
        for c in reading.cells:
            c.how = "split_unique"
        return reading
    if was_impossible and not (getattr(cands, "complete", True) and cands):
        return reading  # no reading at all (or too many): stays impossible
    if was_impossible and not printed:
        # a row that adds up under no reading is taken only as printed, one printed number to a
        # cell: cutting a number in two or guessing where a blank vanished is a second guess on
        # top of the broken sum (markitdown's 030 PDF gave 上年结转 as 空·60·…·6, a row missing its
        # last cell gave 15 · 4 · … read as 1 · 5 · 4 · …) — it stays impossible
        return reading
    reading.candidates = cands
    reading.status = "ambiguous"
    if was_impossible and len(cands) == 1:
        # the digits have one reading, each printed number whole in its cell: the publisher's
        # numbers as printed (the broken sum is the rulebook's error finding on this row)
        reading.status = "recovered"
        reading.as_printed = True
    reading.cells = (candidates_to_cells(cands, kinds, money_unit, location, "split_unique") if getattr(cands, "complete", True)
                     else [CellValue(None, "", None, location) for _ in kinds])
    return reading


def _as_printed(candidate: Candidate, tokens: tuple) -> bool:
    """The reading that takes every printed token whole, one to a cell — no vanished blank, and no cut
    inside a token except the cuts no reading can avoid: after a "0" that starts a number, since no
    number is written with a leading zero ("000" is 0 · 0 · 0 and "00001" is 0 · 0 · 0 · 0 · 1 whatever
    the sums say; "15" may be 15, so cutting it is a guess)."""
    pieces = iter(candidate)
    for tok in tokens:
        if tok.explicit_blank or not tok.text:
            p = next(pieces, None)
            if p is None or p.raw.strip() not in (tok.text.strip(), tok.raw.strip()):
                return False
            continue
        text, at = tok.text, 0
        while at < len(text):
            p = next(pieces, None)
            if p is None or not p.raw or not text.startswith(p.raw, at):
                return False
            at += len(p.raw)
            if at < len(text) and (p.raw != "0" or tok.joined):
                # a cut after a number that could have gone on; or inside runs joined across whitespace,
                # which may have been a border ("6 0" read as 60 beside a forced 0 · 0: markitdown's 030 PDF)
                return False
    return next(pieces, None) is None


def drop_cell(cands: list[Candidate], at: int) -> Readings:
    """The distinct readings without cell ``at`` (a printed subtotal the layout does not have)."""
    out: dict[tuple, Candidate] = {}
    for c in cands:
        kept = c[:at] + c[at + 1:]
        key = tuple(p.value for p in kept)
        old = out.get(key)
        out[key] = kept if old is None else tuple(
            a if a.is_blank == b.is_blank else Piece(a.value, a.raw or b.raw, None) for a, b in zip(old, kept))
    return Readings(out.values())


def _holds(values: list[Decimal], constraint: Constraint, group_shape: tuple[int, int]) -> bool:
    if constraint == "row_sum":
        return sum(values[:-1]) == values[-1]
    groups, parts = group_shape
    size = parts + 1
    return all(sum(values[g * size:g * size + parts]) == values[g * size + parts] for g in range(groups))


def _second_reading(reading: RowReading, src: ValueSource, kinds: tuple[str, ...], constraint: Constraint,
                    money_unit: str, group_shape: tuple[int, int], location: str) -> RowReading:
    """Whitespace read as borders gave one number per cell, but do they add up?

    When they do not, the spaces may have been padding inside numbers ("1 3" for 13)
    while digits of two cells ran together: if reading the same characters with
    whitespace meaning nothing satisfies the identity, the row has two explanations
    (a publisher's error, or a misleading space) and no cell is certain.
    """
    values = [c.value for c in reading.cells]
    if any(v is None for v in values) or _holds(values, constraint, group_shape):
        return reading
    joined = tokenize(" ".join(src.texts), False)
    if constraint == "row_sum":
        alt = split_sum_group(joined, len(kinds) - 1, True, kinds)
    else:
        alt = split_sum_groups(joined, group_shape[0], group_shape[1], True)
    if not getattr(alt, "complete", True):
        return RowReading([CellValue(None, "", None, location) for _ in kinds], "ambiguous", alt,
                          token_count=reading.token_count)
    direct = tuple(Piece(c.value, c.raw, c.is_blank) for c in reading.cells)
    others = [c for c in alt if tuple(p.value for p in c) != tuple(values)]
    if not others:
        return reading  # no other reading adds up: the publisher's numbers, kept as printed
    cands = Readings([direct] + others)
    cells = candidates_to_cells(list(cands), kinds, money_unit, location, HOW_OF[constraint])
    return RowReading(cells, "ambiguous", cands, token_count=reading.token_count, tokens=tuple(joined), free_blanks=True,
                      constraint=constraint, group_shape=group_shape)


def narrow(reading: RowReading, kept: list[Candidate], kinds: tuple[str, ...], money_unit: str, location: str,
           how: str) -> list[int]:
    """Keep only the readings ``kept`` (evidence ruled the others out); returns the cells that became certain.

    Cells certain before keep their ``how``; those certain only now are read ``how``.
    """
    before = [c.value is not None for c in reading.cells]
    reading.candidates = Readings(kept)
    cells = candidates_to_cells(kept, kinds, money_unit, location, how)
    for i, (was, old) in enumerate(zip(before, reading.cells)):
        if was and cells[i].value is not None:
            cells[i].how = old.how
    reading.cells = cells
    if len(kept) == 1:
        reading.status = "recovered"
    return [i for i, (was, c) in enumerate(zip(before, cells)) if not was and c.value is not None]


def candidates_to_cells(cands: list[Candidate], kinds: tuple[str, ...], money_unit: str, location: str,
                        how: str = "split_unique") -> list[CellValue]:
    """Cells certain across all candidates keep their value (read ``how``); the others are None."""
    cells = []
    for i, kind in enumerate(kinds):
        values = {c[i].value for c in cands}
        first = cands[0][i]
        if len(values) == 1:
            blank_flags = {c[i].is_blank for c in cands}
            is_blank = blank_flags.pop() if len(blank_flags) == 1 else None
            value = first.value
            if kind == "money" and not is_blank:
                value = _money(first.value, first.raw, money_unit)
            cells.append(CellValue(value, first.raw, is_blank, location, True, how=how))
        else:
            cells.append(CellValue(None, "", None, location, False))
    return cells


def cell_findings(reading: RowReading, section: str, row_label: str | None, column_labels: list[str], location: str) -> list:
    """Findings for single cells that could not be read: words and fractional counts."""
    from transforms.findings import make_finding
    from transforms.report import Location

    out = []
    placed = reading.status == "ok"
    where = f"“{row_label}”" if row_label else ""
    for code, entries, what in (
        ("cell.not_numeric", reading.not_numeric, "不是数字"),
        ("cell.not_integer", reading.not_integer, "不是整数（件数必须为整数）"),
    ):
        for i, raw in entries:
            col = column_labels[i] if placed and i < len(column_labels) else None
            col_text = f"“{col}”列" if col else ""
            out.append(make_finding(
                code, f"第{section}部分{where}{col_text}的内容“{raw}”{what}，该单元格未读取，原文保留。",
                Location(section, row_label, col, location), found=raw,
            ))
    return out


def reading_findings(reading: RowReading, *, section: str, where: str, row_label: str | None,
                     column_labels: list[str], raw: str, location: str, identity: str | None) -> list:
    """The findings one row's reading calls for, worded once for every section.

    ``where`` names the row for the clerk (“（一）予以公开”行); ``identity`` says in words
    what a split had to satisfy (None where the section has no identity to check).
    """
    from transforms.findings import make_finding
    from transforms.report import Location
    from transforms.splitting import describe_candidates

    loc = Location(section, row_label, None, location)
    n = len(column_labels)
    cols = "、".join(column_labels)
    out = list(cell_findings(reading, section, row_label, column_labels, location))
    status = reading.status
    if status == "too_few":
        out.append(make_finding(
            "table.row_too_few_cells",
            f"第{section}部分{where}只有{reading.token_count}个数字，应有{n}个（{cols}）；无法确定缺的是哪一项，"
            f"均未采用，原文为：{raw}", loc, expected=str(n), found=raw))
    elif status == "too_many":
        out.append(make_finding(
            "table.row_too_many_cells",
            f"第{section}部分{where}有{reading.token_count}个数字，多于规定的{n}个（{cols}），无法确定对应关系，"
            f"均未采用，原文为：{raw}", loc, expected=str(n), found=raw))
    elif status == "ambiguous":
        unknown = [column_labels[i] for i, c in enumerate(reading.cells) if c.value is None and i < n]
        rule = f"都符合“{identity}”" if identity else ""
        out.append(make_finding(
            "cell.split_ambiguous",
            f"第{section}部分{where}的数字“{raw}”连在一起，有多种拆分方式{rule}（可拆为{describe_candidates(reading.candidates)}），"
            f"以下单元格无法确定，未采用：{'、'.join(unknown)}。", loc, found=raw))
    elif status == "recovered" and reading.as_printed:
        out.append(make_finding(
            "cell.split_recovered",
            f"第{section}部分{where}的数字“{raw}”连在一起，没有任何拆分能使“{identity}”成立（发布的数字本身不符，见勾稽关系检查）；"
            f"这些数字只有一种读法（每个数字原样一格，0之后不能接数字），已按印出的数字读取：{describe_candidates(reading.candidates)}。",
            loc, found=raw))
    elif status == "impossible":
        rule = f"使“{identity}”成立" if identity else "对应各列"
        out.append(make_finding(
            "cell.split_impossible",
            f"第{section}部分{where}的数字“{raw}”连在一起，且没有任何拆分能{rule}，均未采用。", loc, found=raw))
    elif status == "subtotal_column":
        out.append(make_finding(
            "cell.split_ambiguous",
            f"第{section}部分表格含“小计”列，{where}的数字“{raw}”连在一起，无法可靠地分到各列，未采用。", loc, found=raw))
    elif status == "empty":
        out.append(make_finding("cell.not_numeric", f"第{section}部分{where}没有数字。", loc, found=""))
    return out
