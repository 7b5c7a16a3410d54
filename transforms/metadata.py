"""Who published the report, for which year, on which form.

The bureau is read from the title (``洛阳市交通运输局2020年政府信息公开工作年度报告``).
The reporting year is the year the statistics cover — the statistics period
(``统计期限自2021年1月1日起``) first, the title's year second — never the
publication date. The layout is detected from labels only one edition has, and the
year's prescribed layout is used only when the document shows neither.
"""

from __future__ import annotations

import re
from collections import Counter

from transforms.document import Document, Paragraph, Table
from transforms.labels import norm_label
from transforms.spec import LAYOUTS, Layout, layout_for_year

_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR = r"((?:19|20)\d{2}|[〇零○O一二][〇零○O一二三四五六七八九]{3})"
_TITLE_RE = re.compile(
    rf"(?P<bureau>[^\s:：,，。；;]*?)(?:关于)?{_YEAR}\s*年度?\s*(?:的)?\s*(?:政府)?(?:信息公开|政务公开|政府信息公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
_TITLE_YEAR_FIRST = re.compile(
    rf"{_YEAR}\s*年度?(?P<bureau>[^\s:：,，。；;]{{2,40}}?)(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
_TITLE_NO_YEAR = re.compile(r"(?P<bureau>[^\s:：,，。；;]{2,40}?)(?:关于)?(?:政府)?信息公开(?:工作)?年度报告")
_PERIOD_RE = re.compile(rf"统计(?:期限|时限|时间|周期|区间)[^0-9〇零一二]{{0,12}}{_YEAR}\s*年\s*(?:1|一|01)\s*月\s*(?:1|一|01)\s*日")
_PERIOD_RANGE = re.compile(rf"{_YEAR}\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*{_YEAR}\s*年\s*12\s*月\s*31\s*日")
_PREFIX_NOISE = re.compile(r"^(?:当前位置|首页|您的位置|位置)[:：]?.*?(?=[^\s]*$)")


def cn_year(text: str) -> int | None:
    digits = "".join(_CN_DIGITS.get(ch, ch) for ch in text)
    return int(digits) if digits.isdigit() and 1990 <= int(digits) <= 2100 else None


def _candidate_titles(doc: Document) -> list[str]:
    titles = []
    if doc.title:
        titles.append(doc.title)
    for block in doc.blocks[:12]:
        if isinstance(block, Paragraph):
            titles.append(block.text[:200])
        elif isinstance(block, Table):
            break
    return titles


def find_title(doc: Document) -> tuple[str | None, str | None, int | None]:
    """(title, bureau, title year)."""
    for raw in _candidate_titles(doc):
        text = re.sub(r"\s+", "", raw)
        m = _TITLE_RE.search(text)
        if m:
            bureau = _clean_bureau(m.group("bureau"))
            return text[m.start("bureau") if bureau else m.start():m.end()], bureau, cn_year(m.group(2))
    for raw in _candidate_titles(doc):
        text = re.sub(r"\s+", "", raw)
        m = _TITLE_YEAR_FIRST.search(text)
        if m and _clean_bureau(m.group("bureau")):
            return text[m.start():m.end()], _clean_bureau(m.group("bureau")), cn_year(m.group(1))
    for raw in _candidate_titles(doc):
        text = re.sub(r"\s+", "", raw)
        m = _TITLE_NO_YEAR.search(text)
        if m:
            bureau = _clean_bureau(m.group("bureau"))
            return text[m.start():m.end()], bureau, None
    return None, None, None


def _clean_bureau(name: str) -> str | None:
    name = name.strip(" 　:：-—_|·")
    for noise in ("政府信息公开年报", "政府信息公开专栏", "政务公开", "首页"):
        if noise in name:
            name = name.split(noise)[-1]
    name = re.sub(r"^(?:关于|标题[:：]?)", "", name)
    if len(name) < 2 or len(name) > 40:
        return None
    return name


def find_period_year(text: str) -> int | None:
    m = _PERIOD_RE.search(text)
    if m:
        return cn_year(m.group(1))
    m = _PERIOD_RANGE.search(text)
    if m and m.group(1) == m.group(2):
        return cn_year(m.group(1))
    return None


def detect_layout(doc_text_norm: str) -> tuple[Layout | None, dict[str, int]]:
    """The edition whose own labels the document uses; None when it shows none or both equally."""
    votes = Counter()
    for layout in LAYOUTS.values():
        for label in layout.marker_labels:
            if norm_label(label) in doc_text_norm:
                votes[layout.id] += 1
    if not votes:
        return None, {}
    ranked = votes.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, dict(votes)
    return LAYOUTS[ranked[0][0]], dict(votes)


def prescribed_layout(year: int | None) -> Layout | None:
    if year is None:
        return None
    try:
        return layout_for_year(year)
    except KeyError:
        return None
