"""Matching printed labels to the spec's rows, items, columns and sections.

Real labels are abbreviated, typo'd, wrapped over lines, prefixed with numbering in
any of a dozen styles, or printed in traditional characters. Everything is compared
after ``norm_label`` (NFKC, no whitespace, one kind of quote) and, for rows, after
the numbering is split off. Distinctive keywords from the spec decide first;
a close fuzzy match of the whole label is the fallback.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from transforms.spec import BlockSpec, ColumnSpec, GroupSpec, ItemSpec, Layout, RowSpec

_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"'})
CN_NUM = "一二三四五六七八九十"
_NUMBERING = re.compile(
    rf"^(?:[(]([{CN_NUM}]+)[)]|([{CN_NUM}]+)[、.,:]|(\d{{1,2}})[.、,)]|[(](\d{{1,2}})[)]|第([{CN_NUM}]+)[项部])"
)
_CN_DIGIT = {c: i + 1 for i, c in enumerate(CN_NUM)}


@lru_cache(maxsize=1 << 13)  # labels recur in every report; a pure function of the text
def norm_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _WS.sub("", text)


def split_numbering(label: str) -> tuple[str | None, str]:
    """("1", "属于国家秘密") from "1.属于国家秘密"; ("一", …) from "（一）予以公开"."""
    m = _NUMBERING.match(label)
    if not m:
        return None, label
    number = next(g for g in m.groups() if g)
    return number, label[m.end():]


def same_number(a: str | None, b: str | None) -> bool:
    """1 and 一 are the same ordinal."""
    if a is None or b is None:
        return False
    return _as_int(a) == _as_int(b)


def _as_int(n: str) -> int | None:
    if n.isdigit():
        return int(n)
    if n in _CN_DIGIT:
        return _CN_DIGIT[n]
    if n.startswith("十") and len(n) == 2:
        return 10 + _CN_DIGIT.get(n[1], 0)
    return None


# -- section 三 ---------------------------------------------------------------

APP_HEADER_WORDS = ("申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益", "法律服务机构", "勾稽关系", "本列数据")


@lru_cache(maxsize=1 << 13)
def is_app_header_text(text: str) -> bool:
    n = norm_label(text)
    return any(w in n for w in APP_HEADER_WORDS)


# match_app_row's answers per layout object (kept alive here, so its id is not reused);
# hashing a whole Layout per call would cost more than the match.
_APP_ROW_MATCHES: dict[int, tuple[Layout, dict[str, RowSpec | GroupSpec | None]]] = {}
_MISSING = object()


def match_app_row(label: str, layout: Layout) -> RowSpec | GroupSpec | None:
    """The section 三 row (or merged group label) a printed label names, if any."""
    entry = _APP_ROW_MATCHES.get(id(layout))
    if entry is None or entry[0] is not layout:
        entry = _APP_ROW_MATCHES[id(layout)] = (layout, {})
    memo = entry[1]
    found = memo.get(label, _MISSING)
    if found is _MISSING:
        if len(memo) >= 1 << 13:
            memo.clear()
        found = memo[label] = _match_app_row(label, layout)
    return found  # type: ignore[return-value]


def _match_app_row(label: str, layout: Layout) -> RowSpec | GroupSpec | None:
    n = norm_label(label)
    if not n:
        return None
    number, core = split_numbering(n)
    core = core.strip(":：")
    if not core:
        return None
    best: tuple[int, RowSpec] | None = None
    for row in layout.app_rows:
        if row.exact:
            if core in row.keywords and (number is None or same_number(number, row.numbering)):
                return row
            continue
        for kw in row.keywords:
            if kw in core:
                score = len(kw) * 10 + (5 if same_number(number, row.numbering) else 0)
                if best is None or score > best[0]:
                    best = (score, row)
    if best is not None:
        return best[1]
    for group in layout.app_groups:
        if any(kw in core for kw in group.keywords):
            return group
    # fuzzy: a typo'd or abbreviated full label
    scored = []
    for row in layout.app_rows:
        _, canon = split_numbering(norm_label(row.label))
        scored.append((difflib.SequenceMatcher(None, core, canon).ratio(), row))
    scored.sort(key=lambda t: -t[0])
    if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
        return scored[0][1]
    return None


def match_app_column(text: str, columns: tuple[ColumnSpec, ...]) -> ColumnSpec | None:
    n = norm_label(text)
    if not n:
        return None
    if "小计" in n or n in ("法人或其他组织", "法人或者其他组织"):
        return None
    best = None
    for col in columns:
        for kw in col.keywords:
            if kw in n and (best is None or len(kw) > best[0]):
                best = (len(kw), col)
    return best[1] if best else None


# -- section 二 ---------------------------------------------------------------

_BLOCK_RE = re.compile(rf"第二十条第?[(]([{CN_NUM}]+)[)]项?")


def match_block_header(text: str, layout: Layout) -> BlockSpec | None:
    m = _BLOCK_RE.search(norm_label(text))
    if not m:
        return None
    for block in layout.blocks:
        if block.article_item == m.group(1):
            return block
    return None


def find_block_headers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, article numeral) of every block header in normalised text."""
    return [(m.start(), m.end(), m.group(1)) for m in _BLOCK_RE.finditer(text)]


def match_item(text: str, layout: Layout, block: BlockSpec | None = None) -> tuple[BlockSpec, ItemSpec] | None:
    """The section 二 item a row label names; the longest label/alias contained wins."""
    n = norm_label(text)
    number, core = split_numbering(n)
    if not core:
        return None
    best: tuple[int, BlockSpec, ItemSpec] | None = None
    blocks = layout.blocks if block is None else (block,) + tuple(b for b in layout.blocks if b is not block)
    for b in blocks:
        for item in b.items:
            for name in (item.label,) + item.aliases:
                if name in core and (best is None or len(name) > best[0]):
                    best = (len(name), b, item)
    if best is None:
        return None
    # the label must be mostly the item's name, not a sentence mentioning it
    if len(core) > best[0] + 8:
        return None
    return best[1], best[2]


def match_block_column(text: str, block: BlockSpec) -> ColumnSpec | None:
    n = norm_label(text)
    best = None
    for col in block.columns:
        for name in (col.label,) + col.aliases + col.keywords:
            if norm_label(name) in n and (best is None or len(name) > best[0]):
                best = (len(name), col)
    return best[1] if best else None


def unit_in_header(text: str) -> str | None:
    """A unit a column header declares: 单位：元 / (元) / 万元."""
    n = norm_label(text)
    if re.search(r"单位[:：]?万元|[(]万元[)]", n):
        return "万元"
    if re.search(r"单位[:：]?元|[(]元[)]", n):
        return "元"
    return None


def item_names(layout: Layout) -> list[tuple[str, BlockSpec, ItemSpec]]:
    """Every printed name of every item, longest first (for searching flat text)."""
    out = []
    for block in layout.blocks:
        for item in block.items:
            for name in (item.label,) + item.aliases:
                out.append((name, block, item))
    out.sort(key=lambda t: -len(t[0]))
    return out
