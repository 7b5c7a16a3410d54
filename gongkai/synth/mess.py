"""What a real bureau does to a clean report, by level, and the record of it.

Level 0 is the template filled in correctly. Each level adds what published
reports show (see FORMAT.md, "What real documents do"):

1. cell formatting — blank/"/"/"—" for zeros, thousands separators, full-width
   digits, units in cells (件, money in 元), stray spaces and &nbsp;;
2. structure and labels — typos and abbreviations, subtotal rows for （三）…（六）
   and a 法人或其他组织 subtotal column, the section 三 header repeated after a page
   break (and the row at the break split across it: label on one page, numbers — or
   the rest of them — on the next), narrative between tables, a title year that
   differs from the period;
3. the crawler's run-together text and publisher errors that break identities.

Everything that changes a value or hides one (blanks, injected errors) is written
into the truth, so a test can tell a parser bug from an injected fault.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gongkai.synth.truth import ReportTruth, identity_failures
from transforms.spec import REVIEW_GROUP_KEYS

FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
BLANK_MARKERS: tuple[str, ...] = ("", "/", "—")


@dataclass
class MessPlan:
    """The style choices for one report, shared by all its carriers."""

    level: int
    # level 1: cells
    blank_marker: str | None = None  # what zeros print as (None: "0")
    blank_share: float = 0.0  # fraction of zero cells printed blank
    thousands: bool = False
    fullwidth_share: float = 0.0
    unit_share: float = 0.0
    money_in_yuan: bool = False
    space_share: float = 0.0
    # level 2: labels and structure
    typos: frozenset[str] = frozenset()
    abbreviate: bool = False
    halfwidth_brackets: bool = False
    subtotal_rows: str | None = None  # "after" (a 小计 row closing each group) | "head" (the group row carries it)
    subtotal_column: bool = False
    page_break_after: str | None = None  # section 三 row key after which the header is repeated
    narrative_between: bool = False
    heading_variants: bool = False
    # level 3
    run_together: bool = False
    # table variants real PDFs/pages show (drawn from their own stream, level >= 2; see ``draw_variants``)
    other_single_row: bool = False  # layout 2021 prints （六）其他处理 as one row, without its three sub-rows
    review_heading: str | None = None  # section 四's heading worded as some bureaus word it
    # the section 三 row at the page break split across it (a PDF, or a Word file made from one):
    # "label" — its label on the first page, its numbers on the next; "numbers" — its first numbers
    # with the label, the rest on the next page. The header is repeated above the rest or not.
    row_split: str | None = None
    row_split_header: bool = True
    # carrier-independent layout choices (all levels)
    header_template: str = "A"  # A: 申请人情况 over 7 columns (030); B: 总计 beside it (seed)
    section2_tables: str = "one"  # "one" table for all blocks, or "per_block"
    title_style: str = "plain"  # plain | 年度 | spaced
    note_in_header: bool = True
    # where the bureau is printed (level 2+): one title line, a title broken over two lines,
    # or no title at all and only the signature (落款) at the end; plus a signature or not
    title_layout: str = "one_line"  # one_line | split | signature_only
    signature: bool = False
    notes: dict[str, Any] = field(default_factory=dict)

    def features(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "notes"}
        out["typos"] = sorted(self.typos)
        return out


def draw_title_layout(rng: random.Random, plan: MessPlan) -> None:
    """Where the bureau's name appears; its own rng, so the other choices do not move."""
    if plan.level >= 2:
        roll = rng.random()
        plan.title_layout = "split" if roll < 0.2 else "signature_only" if roll < 0.3 else "one_line"
        plan.signature = plan.title_layout == "signature_only" or rng.random() < 0.5


def draw_plan(rng: random.Random, level: int, truth: ReportTruth) -> MessPlan:
    plan = MessPlan(level=level)
    plan.header_template = rng.choice(("A", "A", "B"))
    plan.section2_tables = rng.choice(("one", "per_block"))
    plan.title_style = "plain" if rng.random() < 0.8 else "年度"
    plan.note_in_header = rng.random() < 0.85
    if level >= 1:
        if rng.random() < 0.6:
            plan.blank_marker = rng.choice(BLANK_MARKERS)
            plan.blank_share = rng.choice((0.3, 0.7, 1.0))
        plan.thousands = rng.random() < 0.5
        plan.fullwidth_share = rng.choice((0.0, 0.0, 0.1, 0.5))
        plan.unit_share = rng.choice((0.0, 0.0, 0.1, 0.3))
        plan.money_in_yuan = rng.random() < 0.3
        plan.space_share = rng.choice((0.0, 0.05, 0.15))
        if rng.random() < 0.3:
            plan.title_style = "spaced"
    if level >= 2:
        candidates = ["不子公开", "行政法复议"]
        if truth.layout.id == "2021":
            candidates += ["本年废纸件数", "规范性文件"]
        plan.typos = frozenset(t for t in candidates if rng.random() < 0.35)
        plan.abbreviate = rng.random() < 0.5
        plan.halfwidth_brackets = rng.random() < 0.3
        plan.subtotal_rows = rng.choice((None, None, "after", "head"))
        plan.subtotal_column = rng.random() < 0.25
        if rng.random() < 0.4:
            results = [r for r in truth.layout.result_row_keys if r != "granted"]
            plan.page_break_after = rng.choice(results[:-1])
        plan.narrative_between = rng.random() < 0.5
        plan.heading_variants = rng.random() < 0.4
        if rng.random() < 0.2:
            truth.title_year = truth.year + 1
    if level >= 3:
        plan.run_together = rng.random() < 0.7  # the txt carrier becomes crawler text
    return plan


# Section 四 headings seen in published reports besides the form's own wording.
REVIEW_HEADINGS: tuple[str, ...] = (
    "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
    "政府信息公开行政复议和行政诉讼情况",
    "因政府信息公开被申请行政复议和提起行政诉讼的情况",
    "行政复议、行政诉讼情况",
    "政府信息公开工作被申请行政复议、提起行政诉讼的情况",
)


def draw_variants(rng: random.Random, plan: MessPlan, truth: ReportTruth) -> None:
    """Table variants of published reports, from a random stream of their own (other draws stay as they were)."""
    if plan.level >= 2 and truth.layout.id == "2021":
        plan.other_single_row = rng.random() < 0.3
    if plan.level >= 2 and rng.random() < 0.3:
        plan.review_heading = rng.choice(REVIEW_HEADINGS)
    if plan.level >= 2 and plan.page_break_after and rng.random() < 0.6:
        plan.row_split = rng.choice(("label", "numbers"))
        # crawler text has no pages: what was split reads as one row there (no header between)
        plan.row_split_header = not plan.run_together and rng.random() < 0.6


# ---------------------------------------------------------------- blanks

def cell_ids(truth: ReportTruth) -> list[tuple[Any, ...]]:
    """Every numeric cell of the standard tables, in document order."""
    ids: list[tuple[Any, ...]] = [("二", b, i, c) for (b, i, c) in truth.active]
    for row in truth.layout.app_row_keys:
        ids.extend(("三", row, ci) for ci in range(len(truth.layout.app_column_keys)))
    ids.extend(("四", i) for i in range(15))
    return ids


def value_of(truth: ReportTruth, cid: tuple[Any, ...]) -> int | Decimal:
    if cid[0] == "二":
        return truth.active[(cid[1], cid[2], cid[3])]
    if cid[0] == "三":
        return truth.applications[cid[1]][cid[2]]
    return truth.review[cid[1]]


def describe_cell(truth: ReportTruth, cid: tuple[Any, ...]) -> dict[str, Any]:
    if cid[0] == "二":
        return {"section": "二", "block": cid[1], "item": cid[2], "column": cid[3]}
    if cid[0] == "三":
        return {"section": "三", "row": cid[1], "column": truth.layout.app_column_keys[cid[2]]}
    return {"section": "四", "index": cid[1]}


def decide_blanks(rng: random.Random, truth: ReportTruth, plan: MessPlan) -> set[tuple[Any, ...]]:
    """Which zero cells this bureau leaves blank (or writes "/" or "—" into)."""
    if plan.blank_marker is None:
        return set()
    blanks = {cid for cid in cell_ids(truth) if value_of(truth, cid) == 0 and rng.random() < plan.blank_share}
    truth.blank_cells = [dict(describe_cell(truth, cid), printed=plan.blank_marker)
                         for cid in cell_ids(truth) if cid in blanks]
    return blanks


# ---------------------------------------------------------------- number text

def fmt_number(rng: random.Random, plan: MessPlan, value: int | Decimal, *, money: bool, blank: bool) -> str:
    """How one cell prints; never changes the value it stands for."""
    if blank:
        return plan.blank_marker or ""
    if money:
        if plan.money_in_yuan and value != 0 and rng.random() < 0.7:
            yuan = value * 10000
            text = _plain(yuan.normalize() if yuan == yuan.to_integral_value() else yuan, plan) + "元"
            return _decorate(rng, plan, text)
        text = _plain(value, plan)
        if plan.unit_share and rng.random() < plan.unit_share:
            text += "万元"
        return _decorate(rng, plan, text)
    text = _plain(value, plan)
    if plan.unit_share and rng.random() < plan.unit_share:
        text += "件"
    return _decorate(rng, plan, text)


def _plain(value: int | Decimal, plan: MessPlan) -> str:
    if isinstance(value, Decimal):
        value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
        text = format(value, "f")
    else:
        text = str(value)
    if plan.thousands and abs(value) >= 1000:
        whole, _, frac = text.partition(".")
        sign = "-" if whole.startswith("-") else ""
        whole = f"{int(whole.lstrip('-')):,}"
        text = sign + whole + ("." + frac if frac else "")
    return text


def _decorate(rng: random.Random, plan: MessPlan, text: str) -> str:
    if plan.fullwidth_share and rng.random() < plan.fullwidth_share:
        text = text.translate(FULLWIDTH)
    if plan.space_share and rng.random() < plan.space_share:
        r = rng.random()
        if r < 0.4:
            text = " " + text
        elif r < 0.8:
            text = text + "  "
        elif len(text) >= 2 and text[0].isdigit() and text[1].isdigit():
            text = text[0] + " " + text[1:]  # "1 2": a space inside the number
    return text


# ---------------------------------------------------------------- labels

def bracket(numeral: str, plan: MessPlan) -> str:
    return f"({numeral})" if plan.halfwidth_brackets else f"（{numeral}）"


def row_label(label: str, key: str, plan: MessPlan) -> str:
    """A section 三 row label as this bureau prints it (canonical at levels 0–1)."""
    if plan.level < 2:
        return label
    if plan.abbreviate:
        label = label.replace("（区分处理的，只计这一情形，不计其他情形）", "")
        label = label.replace("、行政机关不再处理其政府信息公开申请", "")
        label = label.replace("“", "\"").replace("”", "\"")
    if plan.halfwidth_brackets:
        label = label.replace("（", "(", 1).replace("）", ")", 1) if label.startswith("（") else label
    return label


def group_label(label: str, key: str, plan: MessPlan) -> str:
    if plan.level >= 2 and key == "denied" and "不子公开" in plan.typos:
        label = label.replace("不予公开", "不子公开")
    if plan.level >= 2 and plan.halfwidth_brackets and label.startswith("（"):
        label = label.replace("（", "(", 1).replace("）", ")", 1)
    return label


def column_label(label: str, key: str, plan: MessPlan) -> str:
    if key == "repealed" and "本年废纸件数" in plan.typos:
        return "本年废纸件数"
    return label


def item_label(label: str, key: str, layout_id: str, plan: MessPlan) -> str:
    if key == "normative_docs" and layout_id == "2021" and "规范性文件" in plan.typos:
        return "规范性文件"
    return label


def review_group_label(label: str, plan: MessPlan) -> str:
    if label == "行政复议" and "行政法复议" in plan.typos:
        return "行政法复议"
    return label


# ---------------------------------------------------------------- publisher errors

def inject_errors(rng: random.Random, truth: ReportTruth) -> None:
    """Break identities the way publishers do, recording exactly what each error breaks.

    Errors touch distinct applicant columns so that no two cancel out; each record's
    ``breaks`` is the set of identity failures that error added.
    """
    layout = truth.layout
    apps = truth.applications
    cols = list(layout.app_column_keys)
    ti = cols.index("total")
    applicants = [c for c in cols if c != "total"]
    used: set[str] = set()

    def record(kind: str, detail: dict[str, Any], before: list[dict[str, Any]]) -> None:
        after = identity_failures(layout, apps, truth.review)
        breaks = [f for f in after if f not in before]
        truth.injected_errors.append({"kind": kind, **detail, "identity": sorted({b["identity"] for b in breaks}), "breaks": breaks})

    # a 总计 column that drops one applicant type in every row
    if rng.random() < 0.2:
        nonzero = [c for c in applicants[1:] if apps["new_received"][cols.index(c)] > 0]
        if nonzero:
            before = identity_failures(layout, apps, truth.review)
            dropped = rng.choice(nonzero)
            di = cols.index(dropped)
            for row in apps.values():
                row[ti] -= row[di]
            used.add(dropped)
            record("total_drops_applicant", {"column": dropped, "rows": [r for r, v in apps.items() if v[di]]}, before)
    # a result row that does not add up to （七）总计
    if rng.random() < 0.35:
        choices = [c for c in applicants if c not in used]
        col = rng.choice(choices)
        ci = cols.index(col)
        row = rng.choice(list(layout.result_row_keys))
        delta = rng.choice((1, 1, 2, 10)) if apps[row][ci] == 0 else rng.choice((-1, 1, 3))
        before = identity_failures(layout, apps, truth.review)
        apps[row][ci] += delta
        apps[row][ti] += delta
        used.add(col)
        record("result_row_not_summing", {"row": row, "column": col, "delta": delta}, before)
    # an application counted both as handled and as carried forward
    if rng.random() < 0.3:
        choices = [c for c in applicants if c not in used]
        col = choices[0] if "natural_person" in choices else rng.choice(choices)
        ci = cols.index(col)
        before = identity_failures(layout, apps, truth.review)
        apps["carried_forward"][ci] += 1
        apps["carried_forward"][ti] += 1
        used.add(col)
        record("counted_handled_and_carried_forward", {"row": "carried_forward", "column": col, "delta": 1}, before)
    # a review group whose 总计 is off by one
    if rng.random() < 0.15:
        gi = rng.randrange(len(REVIEW_GROUP_KEYS))
        before = identity_failures(layout, apps, truth.review)
        truth.review[gi * 5 + 4] += 1
        record("review_total_wrong", {"group": REVIEW_GROUP_KEYS[gi], "cells": [gi * 5 + 4], "delta": 1}, before)
