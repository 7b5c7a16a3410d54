"""Recovering cells from run-together text by the layout's identities.

Text copied out of a web page or PDF loses cell borders: ``640020470`` was the
row 64 · 0 · 0 · 2 · 0 · 4 · 70. Every way of cutting the printed characters into
the row's cells is enumerated; the layout's sums (row total = sum of applicants,
group total = sum of outcomes) rule most of them out. The caller takes a split
only when exactly one *distinct set of values* survives — never a guess.

The input is a list of tokens the carrier did separate (whitespace, cell borders);
a number never spans two tokens. In free-text mode a cell may also have been blank
and vanished without trace (``行政许可215`` can be 2 · blank · 15), so blanks may be
inserted anywhere; in grid mode blanks are explicit tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from transforms.numbers import COUNT_UNITS, MONEY_UNITS

Kind = str  # "count" | "delta" | "money"
MAX_DISTINCT = 24  # more distinct candidates than this is simply "ambiguous"
# No count or amount in these reports has more integer digits than this (a national total is
# under 10^8): a longer run of digits is never read as one number, which also keeps a row of
# hundreds of run-together digits from costing minutes of search.
MAX_NUMBER_DIGITS = 12
# Search steps one row may cost before it is declared ambiguous rather than searched further.
MAX_SEARCH_STEPS = 200_000

_UNITS = tuple(sorted(MONEY_UNITS + COUNT_UNITS, key=len, reverse=True))
_UNIT_THEN_DIGIT = re.compile(r"\d(?:" + "|".join(re.escape(u) for u in _UNITS) + r")(?=[-+]?\d)")
_COUNT_RE = re.compile(r"(0|[1-9]\d*)")
_MONEY_RE = re.compile(r"(0|[1-9]\d*)(\.\d+)?")


@dataclass(frozen=True)
class Token:
    text: str  # normalised: digits, optional sign/decimal point/unit; "" for an explicit blank
    explicit_blank: bool = False
    raw: str = ""
    joined: bool = False  # runs joined across whitespace that meant nothing (or was a border after all)


@dataclass(frozen=True)
class Piece:
    value: Decimal
    raw: str
    is_blank: bool | None  # None: value certain, blank-or-zero not


Candidate = tuple[Piece, ...]


class TooManyReadings(Exception):
    """More than MAX_DISTINCT distinct readings: the set is not enumerated, nothing is certain."""


class Readings(list):
    """The distinct readings of a row; ``complete`` is False when there were too many to list."""

    def __init__(self, items=(), complete: bool = True):
        super().__init__(items)
        self.complete = complete


_DASHES = "—–"
_SLASHES = "/\\"


def tokenize(text: str, spaces_separate: bool = True) -> list[Token]:
    """Tokens of free text; blank markers are tokens of their own.

    ``spaces_separate``: whitespace (and commas that are not thousands separators)
    are cell borders, as in text extracted from a PDF. When False — crawler text whose
    spaces are &nbsp; padding, possibly inside a number ("1 2") — whitespace and commas
    carry no information and digits on both sides join one run.
    """
    text = unicodedata.normalize("NFKC", text).replace("\u00a0", " ").replace("\u3000", " ")
    tokens: list[Token] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            part = "".join(buf)
            buf.clear()
            cut = _UNIT_THEN_DIGIT.search(part)
            if cut is not None:
                # a unit ends its number: "65件2" is 65件 and 2, whatever whitespace says
                buf.extend(part[:cut.end()])
                flush()
                buf.extend(part[cut.end():])
                flush()
                return
            if spaces_separate and "," in part:
                if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?\D*", part):
                    tokens.append(Token(part.replace(",", ""), False, part))
                    return
                if re.search(r",\d{3}", part):
                    # "246180,000元", "1,1690": maybe a thousands separator inside run-together digits,
                    # so not certainly a border
                    tokens.append(Token(part.replace(",", ""), False, part))
                    return
                for sub in part.split(","):
                    if sub:
                        tokens.append(Token(sub, False, sub))
                return
            part = part.replace(",", "")
            if part:
                tokens.append(Token(part, False, part))

    gapped: list[int] = []  # token indices whose run went on across whitespace
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace() or ch in "|;":
            if spaces_separate or ch in "|;":
                flush()
            elif buf:
                gapped.append(len(tokens))  # the run goes on across whitespace: the token is joined
            i += 1
            continue
        if ch in _SLASHES:
            flush()
            tokens.append(Token("", True, ch))
            i += 1
            continue
        if ch in _DASHES:
            flush()
            j = i
            while j < len(text) and text[j] in _DASHES:
                j += 1
            # a run of k dashes is between ceil(k/2) and k blank cells: "——" may be one
            # blank written as a Chinese dash or two blanks written "—" each
            run = text[i:j]
            tokens.append(Token(run if len(run) > 1 else "", True, run))
            i = j
            continue
        if ch == "-":
            if i + 1 < len(text) and text[i + 1].isdigit():
                flush()  # the sign of a (negative 本年增/减) number starts a new run
                buf.append(ch)
            else:
                flush()
                tokens.append(Token("", True, ch))
            i += 1
            continue
        if ch == "、":
            flush()
            i += 1
            continue
        buf.append(ch)
        i += 1
    flush()
    if gapped:
        joined_at = set(gapped)
        tokens = [Token(t.text, t.explicit_blank, t.raw, True) if k in joined_at else t for k, t in enumerate(tokens)]
    if not spaces_separate:
        # whitespace meant nothing: neighbouring runs join (a sign still starts a new run)
        merged: list[Token] = []
        for tok in tokens:
            if merged and not tok.explicit_blank and not merged[-1].explicit_blank and not tok.text.startswith("-"):
                prev = merged.pop()
                merged.append(Token(prev.text + tok.text, False, prev.raw + tok.raw, True))
            else:
                merged.append(tok)
        tokens = merged
    return tokens


def _number_prefixes(text: str, start: int, kind: Kind) -> list[tuple[int, Decimal, str]]:
    """Every way a number can start at ``start``: (end, value, raw)."""
    out: list[tuple[int, Decimal, str]] = []
    sign = 1
    pos = start
    if kind == "delta" and pos < len(text) and text[pos] in "-+":
        sign = -1 if text[pos] == "-" else 1
        pos += 1
    if pos >= len(text) or not text[pos].isdigit():
        return out
    end = pos
    while end < len(text) and (text[end].isdigit() or (kind == "money" and text[end] == ".")):
        end += 1
    longest = pos + MAX_NUMBER_DIGITS
    if kind != "money":
        # no leading zeros: a number starting with 0 is exactly "0"
        stops = range(pos + 1, pos + 2) if text[pos] == "0" else range(pos + 1, min(end, longest) + 1)
        for stop in stops:
            out.append((stop, Decimal(text[pos:stop]) * sign, text[start:stop]))
    else:
        for stop in range(pos + 1, end + 1):
            if text.find(".", pos, stop) < 0 and stop > longest:
                break  # integer part too long; a decimal point further on cannot shorten it
            if _MONEY_RE.fullmatch(text, pos, stop):
                out.append((stop, Decimal(text[pos:stop]) * sign, text[start:stop]))
    # a unit can only follow the last digit of the run
    if out and out[-1][0] == end:
        for unit in _UNITS:
            if text.startswith(unit, end):
                stop, value, raw = out[-1]
                out.append((end + len(unit), value, raw + unit))
                break
    return out


class _Search:
    def __init__(self, tokens: list[Token], kinds: tuple[Kind, ...], free_blanks: bool):
        self.tokens = tokens
        self.kinds = kinds
        self.free_blanks = free_blanks
        # The searches memoise on (position, cell, sum still wanted), so without this the
        # same position's steps were recomputed once per wanted sum and per total tried.
        self._steps: dict[tuple[int, int, int], list[tuple[int, int, Piece]]] = {}

    def steps(self, ti: int, off: int, cell: int) -> list[tuple[int, int, Piece]]:
        """Ways to fill cell ``cell`` starting at token ``ti`` offset ``off``: (ti', off', piece)."""
        key = (ti, off, cell)
        found = self._steps.get(key)
        if found is None:
            found = self._steps[key] = self._compute_steps(ti, off, cell)
        return found

    def _compute_steps(self, ti: int, off: int, cell: int) -> list[tuple[int, int, Piece]]:
        out: list[tuple[int, int, Piece]] = []
        if self.free_blanks:
            out.append((ti, off, Piece(Decimal(0), "", True)))
        if ti >= len(self.tokens):
            return out
        tok = self.tokens[ti]
        if tok.explicit_blank:
            if not tok.text:
                if off == 0:
                    out.append((ti + 1, 0, Piece(Decimal(0), tok.raw, True)))
                return out
            for width in (1, 2):  # a dash run: each blank cell takes one or two dashes
                stop = off + width
                if stop <= len(tok.text):
                    nxt = (ti + 1, 0) if stop == len(tok.text) else (ti, stop)
                    out.append((nxt[0], nxt[1], Piece(Decimal(0), tok.text[off:stop], True)))
            return out
        for stop, value, raw in _number_prefixes(tok.text, off, self.kinds[cell]):
            if stop == len(tok.text):
                out.append((ti + 1, 0, Piece(value, raw, False)))
            else:
                out.append((ti, stop, Piece(value, raw, False)))
        return out


def _merge(cands: dict[tuple, Candidate], new: Candidate) -> None:
    key = tuple(p.value for p in new)
    old = cands.get(key)
    if old is None:
        cands[key] = new
        return
    merged = tuple(
        a if a.is_blank == b.is_blank else Piece(a.value, a.raw or b.raw, None) for a, b in zip(old, new)
    )
    cands[key] = merged


def split_free(tokens: list[Token], kinds: tuple[Kind, ...], free_blanks: bool) -> list[Candidate]:
    """All distinct ways to read ``tokens`` as len(kinds) cells with no identity to check."""
    search = _Search(tokens, kinds, free_blanks)
    n = len(kinds)
    results: dict[tuple, Candidate] = {}

    @lru_cache(maxsize=None)
    def rec(ti: int, off: int, cell: int) -> tuple[Candidate, ...]:
        if cell == n:
            return ((),) if ti == len(tokens) else ()
        # every remaining token needs at least one cell
        if len(tokens) - ti > n - cell:
            return ()
        out: dict[tuple, Candidate] = {}
        for nti, noff, piece in search.steps(ti, off, cell):
            for rest in rec(nti, noff, cell + 1):
                _merge(out, (piece,) + rest)
                if len(out) > MAX_DISTINCT:
                    raise TooManyReadings
        return tuple(out.values())

    try:
        for cand in rec(0, 0, 0):
            _merge(results, cand)
    except TooManyReadings:
        return Readings(complete=False)
    return Readings(results.values())


def split_sum_group(tokens: list[Token], n_parts: int, free_blanks: bool, kinds: tuple[Kind, ...] | None = None,
                    skip: int | None = None, max_steps: int = MAX_SEARCH_STEPS,
                    budget: list[int] | None = None) -> list[Candidate]:
    """Distinct readings of ``tokens`` as n_parts cells followed by their total.

    The total is a suffix of the last token (or blank), so it is chosen first and the
    parts are searched for that exact sum: a part larger than what is left is cut off
    at once, which keeps long rows fast. ``skip``: a part the total leaves out (a
    publisher whose 总计 omits one column in every row); it may hold any number.
    ``budget``: search steps shared with other calls (a one-item list the search counts
    down); past it the readings are incomplete, as past ``max_steps``.
    """
    kinds = kinds or ("count",) * (n_parts + 1)
    part_kinds = kinds[:n_parts]
    search = _Search(tokens, part_kinds + ("count",), free_blanks)
    results: dict[tuple, Candidate] = {}
    if not tokens and not free_blanks:
        return []

    totals: list[tuple[int, int, Piece]] = []  # (ti, off) where the parts must end, total piece
    if tokens:
        last = len(tokens) - 1
        tok = tokens[last]
        if tok.explicit_blank and not tok.text:
            totals.append((last, 0, Piece(Decimal(0), tok.raw, True)))
        elif tok.explicit_blank:
            for width in (1, 2):
                if width <= len(tok.text):
                    totals.append((last, len(tok.text) - width, Piece(Decimal(0), tok.text[-width:], True)))
        else:
            text = tok.text
            for start in range(len(text)):
                for stop, value, raw in _number_prefixes(text, start, kinds[n_parts]):
                    if stop == len(text):
                        totals.append((last, start, Piece(value, raw, False)))
    if free_blanks:
        totals.append((len(tokens), 0, Piece(Decimal(0), "", True)))

    # characters before each token, to bound how much text the cells still to fill can take
    before = [0]
    for tok in tokens:
        before.append(before[-1] + len(tok.text))
    counts_only = all(k == "count" for k in part_kinds)
    # a cell's characters: its digits, plus a unit or a dash run where the row has any
    plain = all(t.text.isdigit() if not t.explicit_blank else not t.text for t in tokens)
    extra = 0 if plain else 2
    budget = budget if budget is not None else [max_steps]

    for end_ti, end_off, total_piece in totals:
        target = total_piece.value
        end_at = before[end_ti] + end_off

        @lru_cache(maxsize=None)
        def rec(ti: int, off: int, cell: int, remaining: Decimal) -> tuple[Candidate, ...]:
            if cell == n_parts:
                return ((),) if (ti, off) == (end_ti, end_off) and remaining == 0 else ()
            if (ti, off) > (end_ti, end_off):
                return ()
            budget[0] -= 1
            if budget[0] < 0:
                raise TooManyReadings  # not worth searching on: no reading of it is certain
            if counts_only and remaining >= 0:
                # every part is at most ``remaining``: its digits, plus a unit, per cell left
                per_cell = len(str(int(remaining))) + extra
                free = MAX_NUMBER_DIGITS + extra - per_cell if skip is not None and skip >= cell else 0
                if end_at - (before[ti] + off) > per_cell * (n_parts - cell) + free:
                    return ()
            out: dict[tuple, Candidate] = {}
            counted = cell != skip
            for nti, noff, piece in search.steps(ti, off, cell):
                if (nti, noff) > (end_ti, end_off):
                    continue
                if counted and piece.value > remaining and part_kinds[cell] != "delta":
                    continue
                for rest in rec(nti, noff, cell + 1, remaining - piece.value if counted else remaining):
                    _merge(out, (piece,) + rest)
                    if len(out) > MAX_DISTINCT:
                        raise TooManyReadings
            return tuple(out.values())

        try:
            for parts in rec(0, 0, 0, target):
                _merge(results, parts + (total_piece,))
        except TooManyReadings:
            return Readings(complete=False)
        if len(results) > MAX_DISTINCT:
            return Readings(complete=False)
    return Readings(results.values())


@lru_cache(maxsize=4096)
def _group_cached(tokens: tuple[Token, ...], n_parts: int, free_blanks: bool) -> tuple[Candidate, ...]:
    found = split_sum_group(list(tokens), n_parts, free_blanks)
    if not found.complete:
        raise TooManyReadings
    return tuple(found)


def _positions(tokens: list[Token]) -> list[tuple[int, int]]:
    """Every token boundary and every character boundary inside a token, in order."""
    positions: list[tuple[int, int]] = [(0, 0)]
    for ti, tok in enumerate(tokens):
        for off in range(1, len(tok.text)):
            positions.append((ti, off))
        positions.append((ti + 1, 0))
    return positions


def _sub_tokens(tokens: list[Token], a: tuple[int, int], b: tuple[int, int]) -> list[Token] | None:
    """The tokens between two positions (a token cut at a position becomes two)."""
    (ati, aoff), (bti, boff) = a, b
    if (ati, aoff) > (bti, boff):
        return None
    out: list[Token] = []
    ti = ati
    while ti < len(tokens) and (ti < bti or (ti == bti and boff > 0)):
        tok = tokens[ti]
        start = aoff if ti == ati else 0
        stop = boff if ti == bti else len(tok.text)
        if tok.explicit_blank and not tok.text:
            if start == 0:
                out.append(tok)
        elif tok.explicit_blank:
            if stop > start:
                out.append(Token(tok.text[start:stop], True, tok.text[start:stop]))
        elif stop > start:
            out.append(Token(tok.text[start:stop], False, tok.text[start:stop]))
        ti += 1
    return out


def _may_end_with(tokens: list[Token], value: Decimal, free_blanks: bool) -> bool:
    """Whether the last cell of ``tokens`` can be ``value`` (a cheap test before a full search)."""
    if value < 0:
        return False
    if not tokens:
        return free_blanks and value == 0
    last = tokens[-1]
    if last.explicit_blank:
        return value == 0
    if not last.text.isdigit():
        return True  # a unit or a sign: let the search decide
    return last.text.endswith(str(int(value))) or (value == 0 and free_blanks)


def split_with_subtotal(tokens: list[Token], n_orgs: int, free_blanks: bool) -> list[Candidate]:
    """Readings of a section 三 row that prints a 法人或其他组织 小计 column after 其他.

    The cells are 自然人 · n_orgs organisations · 小计 · 总计, and two sums must hold:
    小计 = the organisations, 总计 = 自然人 + 小计. The organisations and their 小计 are a
    sum group (as in section 四); 自然人 is a prefix and 总计 a suffix of the row.
    """
    search = _Search(tokens, ("count",) * (n_orgs + 3), free_blanks)
    positions = _positions(tokens)
    index = {p: i for i, p in enumerate(positions)}
    end = positions[-1]
    results: dict[tuple, Candidate] = {}
    totals: dict[int, list[Candidate]] = {}  # start index -> readings of the rest as one 总计 cell
    for ti, off, natural in search.steps(0, 0, 0):
        start = index.get((ti, off))
        if start is None:
            continue
        for mid in range(start, len(positions)):
            # 总计 is one cell: the rest of the row must read as one number (or a vanished blank), so
            # only a position inside the last token can start it — checked before the (costly) middle
            if mid not in totals:
                rest = _sub_tokens(tokens, positions[mid], end) or []
                totals[mid] = list(split_free(rest, ("count",), free_blanks)) if rest or free_blanks else []
            if not totals[mid]:
                continue
            middle = _sub_tokens(tokens, positions[start], positions[mid])
            if middle is None or (not middle and not free_blanks):
                continue
            if not any(_may_end_with(middle, total.value - natural.value, free_blanks) for (total,) in totals[mid]):
                continue  # 小计 = 总计 − 自然人 is known: the middle must end with it
            try:
                groups = _group_cached(tuple(middle), n_orgs, free_blanks)
            except TooManyReadings:
                return Readings(complete=False)
            if not groups:
                continue
            for group in groups:
                for (total,) in totals[mid]:
                    if natural.value + group[-1].value != total.value:
                        continue
                    _merge(results, (natural,) + group + (total,))
                    if len(results) > MAX_DISTINCT:
                        return Readings(complete=False)
    return Readings(results.values())


def split_sum_groups(tokens: list[Token], n_groups: int, n_parts: int, free_blanks: bool) -> list[Candidate]:
    """Readings of ``tokens`` as ``n_groups`` consecutive (parts…, total) groups (section 四)."""
    positions = _positions(tokens)  # where a group may end

    def sub_tokens(a: tuple[int, int], b: tuple[int, int]) -> list[Token] | None:
        return _sub_tokens(tokens, a, b)

    # a group is at most n_parts + 1 numbers of MAX_NUMBER_DIGITS and a unit each
    before = [0]
    for tok in tokens:
        before.append(before[-1] + len(tok.text))
    span = (n_parts + 1) * (MAX_NUMBER_DIGITS + 2)

    def chars_at(index: int) -> int:
        ti, off = positions[index]
        return before[ti] + off

    @lru_cache(maxsize=None)
    def rec(group: int, start_index: int) -> tuple[Candidate, ...]:
        start = positions[start_index]
        if group == n_groups:
            return ((),) if start == positions[-1] else ()
        if before[-1] - chars_at(start_index) > span * (n_groups - group):
            return ()  # more text left than the groups left can hold
        out: dict[tuple, Candidate] = {}
        for end_index in range(start_index, len(positions)):
            if chars_at(end_index) - chars_at(start_index) > span:
                break
            sub = sub_tokens(start, positions[end_index])
            if sub is None:
                continue
            if not sub and not free_blanks:
                continue
            for cand in _group_cached(tuple(sub), n_parts, free_blanks):
                for rest in rec(group + 1, end_index):
                    _merge(out, cand + rest)
                    if len(out) > MAX_DISTINCT:
                        raise TooManyReadings
        return tuple(out.values())

    try:
        return Readings(rec(0, 0))
    except TooManyReadings:
        return Readings(complete=False)


def describe_candidates(cands: list[Candidate], limit: int = 10) -> str:
    """Readings for a clerk, those with fewest vanished blanks first (the likelier ones)."""
    if isinstance(cands, Readings) and not cands.complete:
        if not cands:
            return f"超过{MAX_DISTINCT}种读法"
        return f"超过{MAX_DISTINCT}种读法，其中不含空白单元格的有：" + describe_candidates(list(cands), limit)
    cands = sorted(cands, key=lambda c: sum(1 for p in c if p.is_blank and p.raw == ""))
    shown = [" · ".join("空" if p.is_blank and p.value == 0 else _fmt(p.value) for p in c) for c in cands[:limit]]
    more = f" 等共{len(cands)}种" if len(cands) > limit else ""
    return "；".join(shown) + more


def _fmt(v: Decimal) -> str:
    s = format(v, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s
