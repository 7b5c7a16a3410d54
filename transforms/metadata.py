"""Who published the report, for which year, on which form.

The bureau is read from the title (``洛阳市交通运输局2020年政府信息公开工作年度报告``):
the carrier's declared title (HTML ``<title>``, a crawler header, a Markdown ``#``
heading once the reader has dropped the ``#``) or the first lines of the first page,
joined when a long title is broken over two or three lines. When no title names it,
a registry name or alias printed on the first page or as the signature (when the
caller passes the office registry), the signature (落款) at the end of the report
and the file name are tried, in that order. Every candidate must look like an
organisation (``looks_like_organisation``): a sentence fragment such as
``结合我局工作实际`` is never a bureau; no candidate → null and ``meta.bureau_missing``.
The reporting year is the year the statistics cover — the statistics period
(``统计期限自2021年1月1日起``) first, the title's year second — never the
publication date. The layout is detected from labels only one edition has, and the
year's prescribed layout is used only when the document shows neither.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from pathlib import PurePath

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


# What an issuing organisation's name ends with: an office, a government, or the region
# whose government publishes (平潭综合实验区, 崂山区).
_ORG_SUFFIXES = (
    "人民政府", "政府", "办公室", "办公厅", "办", "局", "委", "委员会", "管委会", "院", "厅", "中心", "办事处",
    "街道", "所", "站", "队", "署", "部", "处", "馆", "社", "会", "室",
    "省", "市", "县", "区", "镇", "乡", "旗", "盟", "州",
)
# Sentence punctuation, brackets, digits: a name holds none of them.
_NOT_IN_NAME = re.compile(r"[，,。．.；;：:！!？?、“”\"'（）()《》〈〉\[\]【】<>\d０-９\s]")
# Words that start a sentence, not a name; words only a sentence or a title holds.
_SENTENCE_START = ("我", "本", "根据", "按照", "依据", "为", "对", "在", "经", "由", "请", "如", "与", "和", "及", "向",
                   "关于", "现", "该", "各", "全", "以", "将", "据", "结合", "通过", "认真", "进一步", "加强", "其中", "主要")
_NOT_A_NAME_WORDS = ("报告", "编制", "联系", "年度", "情况", "公开申请", "本机关", "我局", "我单位")
_DATE_LINE = re.compile(rf"^{_YEAR}\s*年\s*[0-9一二三四五六七八九十〇零○]{{1,3}}\s*月\s*[0-9一二三四五六七八九十〇零○]{{1,3}}\s*日$")


def looks_like_organisation(name: str | None) -> bool:
    """A whole organisation name: 2–40 characters, no sentence punctuation, an organisation's ending."""
    if not name or not 2 <= len(name) <= 40 or _NOT_IN_NAME.search(name):
        return False
    if name.startswith(_SENTENCE_START) or any(w in name for w in _NOT_A_NAME_WORDS):
        return False
    return len(name) >= 3 and name.endswith(_ORG_SUFFIXES)


def _first_page_lines(doc: Document, limit: int = 8) -> list[str]:
    """The paragraphs before the first table or section heading: where the title sits."""
    lines: list[str] = []
    for block in doc.blocks[:30]:
        if isinstance(block, Table) or len(lines) >= limit:
            break
        text = re.sub(r"\s+", "", block.text)
        if re.match(r"^(?:一|1)[、.．]", text) and len(lines) > 0:
            break
        lines.append(text)
    return lines


def _title_bureau(text: str) -> str | None:
    """The bureau a report title names, if the text holds one."""
    for pattern, group in ((_TITLE_RE, "bureau"), (_TITLE_YEAR_FIRST, "bureau"), (_TITLE_NO_YEAR, "bureau")):
        m = pattern.search(text)
        if m:
            bureau = _clean_bureau(m.group(group))
            if looks_like_organisation(bureau):
                return bureau
    return None


def _tail_lines(doc: Document, depth: int) -> list[str]:
    """The last lines of the report; a one-text row of a closing table counts (a sheet's 落款)."""
    lines: list[str] = []
    for block in doc.blocks[-depth * 2:]:
        if isinstance(block, Paragraph):
            lines.append(re.sub(r"\s+", "", block.text))
        else:
            for row in block.rows[-depth:]:
                texts = {c.text.strip() for c in row if c.text.strip()}
                if len(texts) == 1:
                    lines.append(re.sub(r"\s+", "", texts.pop()))
    return lines[-depth:]


def _signature(doc: Document, depth: int = 8) -> str | None:
    """The 落款 at the end: an organisation name on its own line, usually above the date."""
    for text in reversed(_tail_lines(doc, depth)):
        if _DATE_LINE.match(text):
            continue
        if looks_like_organisation(text):
            return text
        # "XX局 2024年1月5日" on one line, or closing a run-together body after its last sentence
        m = re.search(rf"(?:^|[。！？；!?;])([^。！？；!?;，,]{{3,40}}?){_YEAR}\s*年[^年]{{1,6}}日$", text)
        if m and looks_like_organisation(m.group(1)):
            return m.group(1)
    return None


def registry_key(name: str) -> str:
    """The form registry names are matched in: NFKC (full-width to half-width), no whitespace
    (``warehouse.versions.normalize_name``'s form, so the warehouse's keys match)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _registry_match(lines: list[str], known: Mapping[str, str]) -> str | None:
    """A registry name or alias printed as a whole line (a heading, the 落款), or as a title's first words.

    ``known``: ``registry_key(name or alias)`` -> the registry's name. A name inside a
    sentence never matches (the document must name the bureau where a bureau is named),
    and a title line is matched only on a whole name followed by the year or the
    report's words — never the longest registry prefix of an unregistered name
    (``平潭综合实验区住建局…`` is not ``平潭综合实验区``). Lookups are by key, so a
    national registry (~10^5 names) costs a few dictionary probes per line.
    """
    keyed = [registry_key(line) for line in lines]
    for line in keyed:
        if line in known:
            return known[line]
    longest = max(map(len, known), default=0)
    for line in keyed:
        if not re.search(r"年度?报告|年报", line) or _title_bureau(line) is not None:
            continue
        for size in range(min(longest, len(line)), 1, -1):
            if line[:size] in known and re.match(rf"(?:关于)?{_YEAR}|(?:政府)?(?:信息公开|政务公开)", line[size:]):
                return known[line[:size]]
    return None


def find_bureau(doc: Document, title_bureau: str | None = None,
                known: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """(bureau, where it was found): title, first-page lines, registry, signature, file name.

    ``known`` is the office registry (``registry_key(name or alias)`` -> name). A
    registry name wins over the signature and file-name guesses only where the
    document prints it (a first-page heading or title line, a 落款 line); a registry
    never supplies a bureau the document does not name.
    """
    if looks_like_organisation(title_bureau):
        return title_bureau, "title"
    first = _first_page_lines(doc)
    for size in (2, 3):  # a title broken over lines: 福州市晋安区教育局 / 2021年政府信息公开工作年度报告
        for i in range(len(first) - size + 1):
            bureau = _title_bureau("".join(first[i:i + size]))
            if bureau:
                return bureau, "first_page"
    if known:
        bureau = _registry_match(first + _tail_lines(doc, 8), known)
        if bureau:
            return bureau, "registry"
    signature = _signature(doc)
    if signature:
        return signature, "signature"
    stem = re.sub(r"[\s_\-]+", "", PurePath(doc.source).stem)
    bureau = _title_bureau(stem)
    if bureau:
        return bureau, "file_name"
    return None, None


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
