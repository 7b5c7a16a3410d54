"""Numbers a report states in words, read once for the parser and the rulebook alike.

Only sentences that clearly name one quantity are read (the number must follow the
phrase directly: 收到政府信息公开申请19件, 予以公开6件, 被申请行政复议1件, 行政诉讼2起,
制发行政规范性文件8件); anything looser (收到自然人申请5件, 予以公开或部分公开12件) is
left alone. A statement right after another year (2020年收到申请20件 in a 2021 report),
上年/去年, or a comparison (同比, 较) is not about this report's tables and is skipped.

Two readers use them: the parser, where a statement may choose between the readings of
run-together digits (``transforms.evidence``), and the rulebook's ``text.*`` rules,
which report a statement the tables contradict (``expectations/rulebook/text.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from transforms.numbers import normalize_text

_NUM = r"(\d+(?:,\d{3})*)"
_APPLY = r"(?:政府信息公开|信息公开|依申请公开)?申请"
_DOCS = r"(?:行政)?规范性文件"
PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    # 收到政府信息公开申请19件 / 共收到申请共19件
    ("new_received", re.compile(r"(?:新收|收到|接收)(?:各类)?" + _APPLY + r"(?:共|总计|合计|数量为?)?" + _NUM + r"(?:件|份|条)")),
    # 收到70件申请 / 新收政府信息公开19件申请
    ("new_received", re.compile(r"(?:新收|收到|接收)(?:共)?" + _NUM + r"件(?:政府信息公开|信息公开|依申请公开)?申请")),
    # the 依申请公开 sentence of section 一: 上年结转2件，办结5件，结转下年度继续办理0件
    ("carried_over", re.compile(r"上年结转(?:政府信息公开申请|申请)?(?:共|为)?" + _NUM + r"件")),
    ("results_total", re.compile(r"(?:办结|办理答复|答复办结)(?:政府信息公开申请|申请)?(?:共|为)?" + _NUM + r"件")),
    ("carried_forward", re.compile(r"结转下(?:一)?年度(?:继续办理)?(?:共|为)?" + _NUM + r"件")),
    ("granted", re.compile(r"(?<!不)(?<!部分)予以公开(?:的)?(?:共|为)?" + _NUM + r"件")),
    ("review_total", re.compile(r"(?:被申请)?行政复议(?:案件|申请)?(?:共|为)?" + _NUM + r"(?:件|起)")),
    ("litigation_total", re.compile(r"(?:被提起)?行政诉讼(?:案件)?(?:共|为)?" + _NUM + r"(?:件|起)")),
    # 制发行政规范性文件8件 / 废止规范性文件2件 / 现行有效规范性文件31件 (2021 layout's 第二十条第（一）项)
    ("docs_issued", re.compile(r"(?:制发|印发|出台)" + _DOCS + r"(?:共)?" + _NUM + r"件")),
    ("docs_repealed", re.compile(r"废止" + _DOCS + r"(?:共)?" + _NUM + r"件")),
    ("docs_in_force", re.compile(r"现行有效(?:的)?" + _DOCS + r"(?:共)?" + _NUM + r"件")),
)
_FEE = re.compile(r"(?<!未)(?<!没有)(?<!不)收取(?:了)?(?:政府信息公开)?信息处理费(?:共|合计|总计)?(\d+(?:\.\d+)?)(万元|元)")

# Words just before a statement that make it about another year or a comparison (上年收到申请20件).
_OTHER_TIME = re.compile(r"(?:上年|去年|上一年|前年|同比|较|比|(?:19|20)\d{2}年(?:度)?(?:全年)?(?:共)?)$")
_YEAR_BEFORE = re.compile(r"((?:19|20)\d{2})年(?:度)?(?:全年|本年|共|,|，|我局|我委|我办|我区|我县|我市)*$")


@dataclass(frozen=True)
class Statement:
    quantity: str  # new_received, granted, review_total, litigation_total, docs_issued, …
    number: int
    phrase: str  # the matched words, for a finding


def stated_numbers(text: str, year: int | None = None) -> list[tuple[str, int, str]]:
    """(quantity, number, the matched phrase) for every clear statement in a narrative."""
    norm = normalize_text(text or "")
    out = []
    for quantity, pattern in PATTERNS:
        for m in pattern.finditer(norm):
            before = norm[max(0, m.start() - 12):m.start()]
            y = _YEAR_BEFORE.search(before)
            if y and year is not None and int(y.group(1)) == year:
                pass  # "2021年，我局收到…" in the 2021 report: this year
            elif _OTHER_TIME.search(before) or y:
                continue
            out.append((quantity, int(m.group(1).replace(",", "")), m.group(0)))
    return out


#: The four totals of identity 1, as a narrative states them (收到申请N件，上年结转M件，办结K件，结转下年度L件).
FLOW_QUANTITIES = ("new_received", "carried_over", "results_total", "carried_forward")


def corroborated_flow(found: list[Statement]) -> dict[str, int] | None:
    """The narrative's four application totals, when they are stated once each and agree with one another.

    本年新收 + 上年结转 = 办结 + 结转下年度 (identity 1 on the 总计 column): a slip in one of
    the four (58 for 587) breaks it, so four numbers that satisfy it vouch for each other —
    evidence a lone statement is not. None when any is missing, stated twice differently,
    or the four do not add up.
    """
    numbers: dict[str, set[int]] = {}
    for st in found:
        if st.quantity in FLOW_QUANTITIES:
            numbers.setdefault(st.quantity, set()).add(st.number)
    if any(len(numbers.get(q, ())) != 1 for q in FLOW_QUANTITIES):
        return None
    new, co, done, cf = (next(iter(numbers[q])) for q in FLOW_QUANTITIES)
    if new + co != done + cf:
        return None
    return dict(zip(FLOW_QUANTITIES, (new, co, done, cf)))


def statements(texts: list[str], year: int | None = None) -> list[Statement]:
    """Every clear statement in the given narratives, as ``Statement`` objects."""
    return [Statement(q, n, p) for text in texts for q, n, p in stated_numbers(text, year)]


def stated_fee_wan_yuan(text: str) -> tuple[float, str] | None:
    m = _FEE.search(normalize_text(text or ""))
    if not m:
        return None
    amount = Decimal(m.group(1))
    wan = amount / Decimal(10000) if m.group(2) == "元" else amount
    return float(wan), m.group(0)
