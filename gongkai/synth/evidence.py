"""What a report says outside its tables, and last year's report of the bureau.

Real narratives state counts in words (本年度制发规范性文件8件, 行政复议2件), and the
warehouse holds the bureau's previous report (identities 5 and 6 link the two years).
The parser may use both to choose between the readings of run-together digits, so the
generator writes both — consistent ones, and for a share of reports statements that
contradict the table or a previous year that breaks identity 5 or 6, as publishers do.
Those must never be used to "fix" a printed number; the truth records each of them.

Drawn from a random stream of its own (``purpose="evidence"``), so every report's
tables, mess and text stay byte-for-byte what they were before this existed.
"""

from __future__ import annotations

import random
from typing import Any

from gongkai.synth.model import Doc, Para
from gongkai.synth.truth import ReportTruth

CONTRADICT_SHARE = 0.2  # mess 3 reports whose narrative states one number the table does not have
PREVIOUS_SHARE = 0.85  # bureaus whose previous year's report is in the warehouse
PREVIOUS_BROKEN_SHARE = 0.1  # of those (mess 3), a previous report that breaks identity 5 or 6 with this one


def _total(truth: ReportTruth, row: str) -> int:
    return truth.applications[row][truth.layout.app_column_keys.index("total")]


def _other_number(rng: random.Random, n: int) -> int:
    """A number a publisher writes by mistake: off by a little, a digit dropped or doubled, last year's."""
    choices = [n + rng.randint(1, 5), max(0, n - rng.randint(1, 3)), n * 10 + rng.randint(0, 9)]
    if n >= 10:
        choices.append(n // 10)
    other = rng.choice(choices)
    return other if other != n else n + 1


def draw_statements(rng: random.Random, truth: ReportTruth) -> list[tuple[str, str, int]]:
    """(quantity, sentence, stated number) for the overview; some contradict the table (recorded)."""
    out: list[tuple[str, str, int]] = []
    if truth.layout.id == "2021" and rng.random() < 0.7:
        a = truth.active
        iss, rep, inf = (a[("art20_1", "normative_docs", k)] for k in ("issued", "repealed", "in_force"))
        out.append(("docs_issued", "本年度制发行政规范性文件{}件", iss))
        if rng.random() < 0.6:
            out.append(("docs_repealed", "废止规范性文件{}件", rep))
        if rng.random() < 0.4:
            out.append(("docs_in_force", "现行有效规范性文件{}件", inf))
    if rng.random() < 0.6:
        out.append(("granted", "予以公开{}件", _total(truth, "granted")))
    if rng.random() < 0.6:
        out.append(("review_total", "被申请行政复议{}件", truth.review[4]))
    if rng.random() < 0.4:
        out.append(("litigation_total", "被提起行政诉讼{}件", truth.review[9] + truth.review[14]))
    stated = [(q, s, n) for q, s, n in out]
    if stated and rng.random() < CONTRADICT_SHARE and truth.mess >= 3:  # a publisher's error: level 3, as inject_errors
        i = rng.randrange(len(stated))
        q, s, n = stated[i]
        wrong = _other_number(rng, n)
        stated[i] = (q, s, wrong)
        truth.narrative_contradictions.append({"quantity": q, "stated": wrong, "table": n})
    return stated


def add_statements(rng: random.Random, truth: ReportTruth, doc: Doc) -> None:
    """Append the statements to section 一's last paragraph (no new block: renderings keep their shape)."""
    stated = draw_statements(rng, truth)
    if not stated:
        return
    sentence = "，".join(s.format(n) for _, s, n in stated) + "。"
    paras = [b for b in doc.sections.get("一", []) if isinstance(b, Para) and b.role == "body"]
    if not paras:
        return
    paras[-1].text += sentence
    truth.narratives["overview"] = truth.narratives.get("overview", "") + sentence
    truth.statements = [{"quantity": q, "number": n} for q, _, n in stated]


def draw_previous(rng: random.Random, truth: ReportTruth) -> None:
    """Last year's report of the bureau, as far as identities 5 and 6 reach (or none: a first report)."""
    if rng.random() >= PREVIOUS_SHARE:
        return
    prev: dict[str, Any] = {"year": truth.year - 1, "carried_forward": list(truth.applications["carried_over"])}
    if truth.layout.id == "2021" and truth.year - 1 >= 2021:
        in_force = {}
        for item in ("rules", "normative_docs"):
            a = truth.active
            n = a[("art20_1", item, "in_force")] - a[("art20_1", item, "issued")] + a[("art20_1", item, "repealed")]
            if n >= 0:
                in_force[item] = n
        prev["in_force"] = in_force
    if rng.random() < PREVIOUS_BROKEN_SHARE and truth.mess >= 3:
        # last year's 结转下年度 does not match this year's 上年结转 (or its 现行有效 does not carry on)
        if prev.get("in_force") and rng.random() < 0.5:
            item = rng.choice(sorted(prev["in_force"]))
            prev["in_force"][item] = _other_number(rng, prev["in_force"][item])
            prev["broken"] = f"I6 {item}"
        else:
            cf = prev["carried_forward"]
            ci = rng.randrange(len(cf))
            cf[ci] = _other_number(rng, cf[ci])
            prev["broken"] = f"I5 column {ci}"
    truth.previous_year = prev


def history_from_truth(truth: dict[str, Any]) -> dict:
    """The ``transforms.evidence.History`` a warehouse holding last year's report would give the parser."""
    from decimal import Decimal

    from transforms.evidence import LastYear, bureau_key

    prev = truth.get("previous_year")
    if not prev:
        return {}
    last = LastYear(
        year=prev["year"], source=f"{prev['year']}年度报告",
        carried_forward=tuple(Decimal(v) for v in prev["carried_forward"]),
        in_force=tuple((k, Decimal(v)) for k, v in sorted((prev.get("in_force") or {}).items())),
    )
    return {(bureau_key(truth["bureau"]), prev["year"]): last}
