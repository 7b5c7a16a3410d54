"""Metadata: the year the narrative speaks of, and a bureau the registry knows.

The title and the statistics period are compared by the parser (``meta.year_conflict``);
here the overview (section 一) is read for the year it is mostly about: a report whose
总体情况 talks of 2023 throughout but whose statistics cover 2022 is a finding.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import TYPE_CHECKING

from expectations.registry import Hits, Rule, register
from expectations.rulebook._common import hit
from transforms.findings import make_finding
from transforms.report import Finding, Location

if TYPE_CHECKING:  # pragma: no cover - typing only
    from expectations.one_report import OneReport

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def narrative_year(text: str) -> tuple[int | None, Counter]:
    """The dominant year a narrative names (None when no year is named twice or there is a tie)."""
    counts = Counter(int(y) for y in _YEAR_RE.findall(text or ""))
    if not counts:
        return None, counts
    ranked = counts.most_common(2)
    if ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None, counts
    return ranked[0][0], counts


def _narrative_finding(year: int | None, text: str, report: str | None) -> list[Finding]:
    """The overview (section 一) mostly speaks of another year than the reporting year."""
    if year is None or year != year:
        return []
    dominant, counts = narrative_year(text)
    if dominant is None or dominant == int(year) or counts[dominant] <= counts.get(int(year), 0):
        return []
    return [make_finding("meta.year_narrative",
                         f"第一部分“总体情况”主要写的是{dominant}年（出现{counts[dominant]}次），"
                         f"但报告年度（统计期限）为{int(year)}年。",
                         Location("一"), expected=str(int(year)), found=str(dominant), report=report)]


def year_narrative(inp) -> Hits:
    nar = inp.narratives
    overview = nar[nar["section_key"] == "overview"]
    years = dict(zip(inp.reports["report_id"], inp.reports["year"]))
    return [(rid, f) for rid, text in zip(overview["report_id"], overview["text"])
            for f in _narrative_finding(years.get(rid), text, inp.source.get(rid))]


def year_narrative_one(rep: OneReport) -> list[Finding]:
    return [f for key, text in rep.narratives if key == "overview" for f in _narrative_finding(rep.year, text, rep.source)]


_TITLE_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年度?")


def _title_finding(year: int | None, title: str | None, report: str | None) -> list[Finding]:
    if not isinstance(title, str) or year is None or year != year:
        return []
    m = _TITLE_YEAR_RE.search(title)
    if not m or int(m.group(1)) == int(year):
        return []
    return [make_finding("meta.year_conflict", f"标题写的是{m.group(1)}年，但报告年度（统计期限）为{int(year)}年。",
                         Location(), expected=str(int(year)), found=m.group(1), report=report)]


def year_title(inp) -> Hits:
    """The title's year against the reporting year (silent where the parser already said so)."""
    said = {rid for rid, code, _ in inp.parser_codes if code == "meta.year_conflict"}
    return [(rid, f) for rid, year, title in zip(inp.reports["report_id"], inp.reports["year"], inp.reports["title"])
            if rid not in said for f in _title_finding(year, title, inp.source.get(rid))]


def year_title_one(rep: OneReport) -> list[Finding]:
    if any(code == "meta.year_conflict" for code, _ in rep.parser_codes):
        return []
    return _title_finding(rep.year, rep.title, rep.source)


def bureau_unknown(inp) -> Hits:
    if inp.registry is None:
        return []
    known = [b for b in inp.registry["bureau"] if isinstance(b, str) and b]
    known_set = set(known)
    out: Hits = []
    for rid, bureau in zip(inp.reports["report_id"], inp.reports["bureau"]):
        if not isinstance(bureau, str) or not bureau or bureau in known_set:
            continue
        close = difflib.get_close_matches(bureau, known, n=1, cutoff=0.6)
        hint = f"（名录中相近的是“{close[0]}”）" if close else ""
        out.append(hit(rid, "meta.bureau_unknown", f"报告单位“{bureau}”不在单位名录中{hint}。",
                       Location(), found=bureau, expected=close[0] if close else None, source=inp.source))
    return out


register(Rule(id="meta.year_title", code="meta.year_conflict", engine="pandas", run=year_title, single=year_title_one,
              description="标题中的年度 = 报告年度（解析器未报告时）"))
register(Rule(id="meta.year_narrative", code="meta.year_narrative", engine="pandas", run=year_narrative,
              single=year_narrative_one,
              description="第一部分正文主要所述年度 = 报告年度"))
register(Rule(id="meta.bureau_unknown", code="meta.bureau_unknown", engine="pandas", run=bureau_unknown,
              needs=("registry",), description="报告单位在单位名录中（给出名录时）"))
