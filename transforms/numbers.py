"""Reading one printed cell into a number, the way a careful clerk would.

Real cells carry thousands separators (165,901), full-width digits (１２３), units
(件, 万元, 251000元), stray spaces and &nbsp; ("1 2", "&nbsp; 1"), blank markers
("", "/", "—", "-", "无") and the occasional word. Blank and 0 are different facts:
the result says which one the document printed. Money is normalised to 万元 by the
one conversion helper below.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

BLANK_MARKERS = frozenset({"", "/", "／", "—", "——", "-", "--", "－", "–", "无", "空", "\\", "、"})

# Units a cell may carry after its number; money units are converted, count units dropped.
COUNT_UNITS = ("件次", "件", "个", "项", "条", "人次", "次", "宗", "份", "起")
MONEY_UNITS = ("万元", "元")
_UNIT_RE = "|".join(re.escape(u) for u in MONEY_UNITS + COUNT_UNITS)
_NUMBER_RE = re.compile(rf"^(?P<sign>[-+]?)(?P<num>\d+(?:\.\d+)?)(?P<unit>{_UNIT_RE})?$")
_SPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")

YUAN_PER_WAN = Decimal(10000)


def yuan_to_wan_yuan(amount_yuan: Decimal) -> Decimal:
    """The one place money changes unit: 251000元 → 25.1 万元."""
    return amount_yuan / YUAN_PER_WAN


# The same few hundred cell texts ("0", labels, blank markers) recur in every report:
# these pure functions of a string are memoised, bounded so a long run stays small.
_CACHE = 1 << 13


@lru_cache(maxsize=_CACHE)
def normalize_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) with all whitespace removed."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class ParsedNumber:
    ok: bool
    value: Decimal | None  # None when blank-as-zero is not implied (not ok) — blank gives 0
    is_blank: bool
    unit: str | None  # unit as printed, if any
    problem: str | None = None  # why not ok


@lru_cache(maxsize=_CACHE)
def parse_number(raw: str) -> ParsedNumber:
    """A cell's printed text as a number; blanks read as 0 with ``is_blank``."""
    text = normalize_text(raw)
    text = text.replace("−", "-").replace("﹣", "-")
    if text in BLANK_MARKERS:
        return ParsedNumber(True, Decimal(0), True, None)
    # thousands separators: only "," between digit groups of three
    if "," in text:
        if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?\D*", text):
            text = text.replace(",", "")
        else:
            return ParsedNumber(False, None, False, None, f"“{raw.strip()}”不是数字")
    m = _NUMBER_RE.match(text)
    if not m:
        return ParsedNumber(False, None, False, None, f"“{raw.strip()}”不是数字")
    try:
        value = Decimal(m.group("num"))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return ParsedNumber(False, None, False, None, f"“{raw.strip()}”不是数字")
    if m.group("sign") == "-":
        value = -value
    return ParsedNumber(True, value, False, m.group("unit"))


def to_wan_yuan(number: ParsedNumber, default_unit: str = "万元") -> Decimal | None:
    """A money cell in 万元, honouring a unit printed in the cell over the column's default."""
    if number.value is None:
        return None
    unit = number.unit or default_unit
    if unit == "元":
        return yuan_to_wan_yuan(number.value)
    return number.value


@lru_cache(maxsize=_CACHE)
def is_numeric_text(raw: str) -> bool:
    """True when a cell prints a number (not a blank marker): used to tell labels from values."""
    p = parse_number(raw)
    return p.ok and not p.is_blank


@lru_cache(maxsize=_CACHE)
def is_value_text(raw: str) -> bool:
    """A number or a blank marker other than the empty string: something a value cell holds."""
    p = parse_number(raw)
    return p.ok and (not p.is_blank or normalize_text(raw) != "")
