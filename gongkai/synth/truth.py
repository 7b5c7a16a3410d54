"""The numbers a synthetic report states, drawn first and rendered second.

Truth comes before text so that every carrier and every mess level is checked
against the same facts. Magnitudes follow what published reports show: most
bureaus receive 0–30 applications and a few receive thousands; most result rows
are 0; 行政许可 decisions reach six figures; money has decimals. The drawn tables
satisfy identities I1–I4 of the spec; publisher errors are applied afterwards by
``mess.inject_errors`` and recorded, never hidden.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gongkai.synth.names import Bureau, draw_bureau
from transforms.spec import REVIEW_GROUP_KEYS, REVIEW_OUTCOME_KEYS, BlockSpec, ColumnSpec, Layout, layout_for_year

YEARS: tuple[int, int] = (2019, 2025)
CENTS_PER_WAN = 1_000_000  # money is drawn in 分 so 元 and 万元 renderings are both exact

# Share of handled applications each result row tends to get; most rows are 0 in a
# given report, so each report activates only a few of them (see _draw_results).
RESULT_WEIGHTS: dict[str, float] = {
    "granted": 10.0, "partially_granted": 2.0, "unavailable_not_held": 5.0,
    "unavailable_needs_creation": 1.0, "unavailable_unclear": 1.0, "ignored_petition": 1.0,
    "ignored_repeat": 1.0, "denied_third_party": 0.8, "denied_process_info": 0.8,
    "denied_internal_affairs": 0.6, "denied_query_matter": 0.6, "denied_enforcement_file": 0.5,
    "other": 1.5, "other_other": 1.5, "other_no_correction": 1.2, "other_no_fee": 0.2,
}
# How applicants split: natural persons dominate, law firms and companies follow.
APPLICANT_WEIGHTS: dict[str, float] = {
    "natural_person": 0.0, "commercial": 4.0, "research": 0.3, "social_welfare": 0.4,
    "legal_service": 1.5, "other_org": 1.2,
}


@dataclass
class ReportTruth:
    """What one synthetic report says, plus everything the generator did to it."""

    index: int
    bureau: Bureau
    year: int
    layout: Layout
    applications: dict[str, list[int]]
    review: list[int]
    # (block key, item key, column key) -> value; counts are ints, money Decimal 万元
    active: dict[tuple[str, str, str], int | Decimal]
    narratives: dict[str, str] = field(default_factory=dict)
    title_year: int = 0
    publication_date: str = ""
    mess: int = 0
    blank_cells: list[dict[str, Any]] = field(default_factory=list)
    injected_errors: list[dict[str, Any]] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)  # mess choices, for debugging a failure
    statements: list[dict[str, Any]] = field(default_factory=list)  # numbers the overview states in words
    narrative_contradictions: list[dict[str, Any]] = field(default_factory=list)  # statements the table does not bear out
    previous_year: dict[str, Any] | None = None  # last year's report as identities 5/6 need it (None: first report)

    def to_json(self, carrier: str) -> dict[str, Any]:
        """The truth file: the shape of samples/real/*.expected.json plus what was injected."""
        active = []
        for block in self.layout.blocks:
            for item in block.items:
                for col in block.columns:
                    value = self.active[(block.key, item.key, col.key)]
                    active.append({
                        "block": block.label, "item": item.label, "column": col.label,
                        "value": money_json(value) if isinstance(value, Decimal) else value,
                    })
        return {
            "bureau": self.bureau.name,
            "region": self.bureau.region,
            "year": self.year,
            "layout": self.layout.id,
            "title_year": self.title_year,
            "publication_date": self.publication_date,
            "applications": {k: list(v) for k, v in self.applications.items()},
            "review_litigation": list(self.review),
            "active_disclosure": active,
            "blank_cells": self.blank_cells,
            "injected_errors": self.injected_errors,
            "identity_failures": identity_failures(self.layout, self.applications, self.review),
            "mess": self.mess,
            "carrier": carrier,
            "features": self.features,
            "statements": self.statements,
            "narrative_contradictions": self.narrative_contradictions,
            "previous_year": self.previous_year,
        }


def money_json(value: Decimal) -> int | float:
    """万元 as a JSON number; floats round-trip their shortest repr, so 6 decimals survive."""
    return int(value) if value == value.to_integral_value() else float(value)


# ---------------------------------------------------------------- identities

def identity_failures(layout: Layout, apps: dict[str, list[int]], review: list[int]) -> list[dict[str, Any]]:
    """Every (identity, column/row/group) that does not hold, computed from the spec's declarations."""
    cols = layout.app_column_keys
    out: list[dict[str, Any]] = []
    for ident in layout.identities:
        if ident.over == "app_columns":
            for ci, col in enumerate(cols):
                lhs = sum(apps[r][ci] for r in ident.lhs)
                rhs = sum(apps[r][ci] for r in ident.rhs)
                if lhs != rhs:
                    out.append({"identity": ident.id, "column": col, "lhs": lhs, "rhs": rhs})
        elif ident.over == "app_rows":
            for row in layout.app_row_keys:
                cells = dict(zip(cols, apps[row]))
                lhs = sum(cells[c] for c in ident.lhs)
                rhs = sum(cells[c] for c in ident.rhs)
                if lhs != rhs:
                    out.append({"identity": ident.id, "row": row, "lhs": lhs, "rhs": rhs})
        else:
            for gi, group in enumerate(REVIEW_GROUP_KEYS):
                cells = dict(zip(REVIEW_OUTCOME_KEYS, review[gi * 5:gi * 5 + 5]))
                lhs = sum(cells[o] for o in ident.lhs)
                rhs = sum(cells[o] for o in ident.rhs)
                if lhs != rhs:
                    out.append({"identity": ident.id, "group": group, "lhs": lhs, "rhs": rhs})
    return out


# ---------------------------------------------------------------- drawing

def zero_heavy(rng: random.Random, scale: str = "apps") -> int:
    """A count from the long-tailed shape real tables have: mostly small, sometimes huge."""
    r = rng.random()
    if scale == "apps":
        bands = ((0.25, 0, 0), (0.70, 1, 12), (0.88, 13, 60), (0.97, 61, 600), (1.0, 601, 6000))
    elif scale == "decisions":
        bands = ((0.30, 0, 0), (0.60, 1, 200), (0.85, 201, 5000), (0.97, 5001, 60000), (1.0, 60001, 250000))
    elif scale == "items":
        bands = ((0.35, 0, 0), (0.75, 1, 30), (0.95, 31, 300), (1.0, 301, 1500))
    else:  # "small"
        bands = ((0.70, 0, 0), (0.95, 1, 5), (1.0, 6, 40))
    for cut, lo, hi in bands:
        if r < cut:
            return rng.randint(lo, hi)
    raise AssertionError("unreachable")


def split(rng: random.Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    """n split over keys by weight, exactly (largest remainder, ties broken by the rng)."""
    keys = [k for k, w in weights.items() if w > 0]
    out = {k: 0 for k in weights}
    if n == 0 or not keys:
        return out
    noisy = {k: weights[k] * rng.uniform(0.3, 1.7) for k in keys}
    total = sum(noisy.values())
    raw = {k: n * noisy[k] / total for k in keys}
    for k in keys:
        out[k] = int(raw[k])
    rest = n - sum(out.values())
    order = sorted(keys, key=lambda k: (raw[k] - int(raw[k]), rng.random()), reverse=True)
    for k in order[:rest]:
        out[k] += 1
    return out


def _draw_applications(rng: random.Random, layout: Layout) -> dict[str, list[int]]:
    applicants = [c for c in layout.app_column_keys if c != "total"]
    results = list(layout.result_row_keys)
    new_total = zero_heavy(rng, "apps")
    org_share = rng.choice((0.0, 0.0, 0.05, 0.1, 0.2, 0.4))
    orgs = round(new_total * org_share)
    new = {"natural_person": new_total - orgs, **split(rng, orgs, {k: APPLICANT_WEIGHTS[k] for k in applicants[1:]})}
    carried_over = {c: (rng.randint(0, max(1, new[c] // 8)) if rng.random() < 0.25 else 0) for c in applicants}
    carried_forward = {}
    for c in applicants:
        avail = new[c] + carried_over[c]
        carried_forward[c] = rng.randint(0, max(0, avail // 6)) if avail and rng.random() < 0.3 else 0
    # each report uses only a few result rows, as real ones do
    active_rows = {r for r in results if rng.random() < min(0.9, RESULT_WEIGHTS.get(r, 0.3) / 6)}
    active_rows.add("granted")
    weights = {r: (RESULT_WEIGHTS.get(r, 0.3) if r in active_rows else 0.0) for r in results}
    per_col = {c: split(rng, new[c] + carried_over[c] - carried_forward[c], weights) for c in applicants}
    apps: dict[str, list[int]] = {}
    for row in layout.app_row_keys:
        if row == "new_received":
            vals = [new[c] for c in applicants]
        elif row == "carried_over":
            vals = [carried_over[c] for c in applicants]
        elif row == "carried_forward":
            vals = [carried_forward[c] for c in applicants]
        elif row == "results_total":
            vals = [sum(per_col[c].values()) for c in applicants]
        else:
            vals = [per_col[c][row] for c in applicants]
        apps[row] = vals + [sum(vals)]
    return apps


def _draw_review(rng: random.Random) -> list[int]:
    out: list[int] = []
    busy = rng.random() < 0.35
    for _group in REVIEW_GROUP_KEYS:
        parts = [zero_heavy(rng, "small") if busy else 0 for _ in range(4)]
        out.extend(parts + [sum(parts)])
    return out


def draw_money(rng: random.Random, big: bool) -> Decimal:
    """An amount in 万元 with the decimals real reports print (0, 2, 4 or 6 places)."""
    if rng.random() < 0.35:
        return Decimal(0)
    wan = rng.choice((rng.uniform(0.01, 50), rng.uniform(50, 3000), rng.uniform(3000, 80000) if big else rng.uniform(1, 500)))
    places = rng.choice((0, 2, 2, 4, 6))
    cents = int(round(wan * CENTS_PER_WAN))
    cents -= cents % (10 ** (6 - places))  # keep only `places` decimals of 万元
    return Decimal(cents) / CENTS_PER_WAN


def _draw_cell(rng: random.Random, block: BlockSpec, item: str, col: ColumnSpec, row: dict[str, int | Decimal]) -> int | Decimal:
    """One section 二 value; reads earlier columns of the same row (row) for consistency."""
    if col.kind == "money":
        return draw_money(rng, big=block.key == "art20_8")
    if col.kind == "delta":
        prev = int(row.get("prev_year_items", 0))
        return rng.randint(-min(prev, 15), 15) if rng.random() < 0.4 else 0
    if col.key in ("published_total", "in_force"):
        made = int(row.get("new_published", row.get("issued", 0)))
        return made + (zero_heavy(rng, "items") if item != "rules" else rng.choice((0, 0, 0, 2, 7)))
    if col.key == "new_published":
        return int(row.get("new_made", 0))
    if col.key == "repealed":
        return rng.randint(0, 5) if rng.random() < 0.3 else 0
    if item == "rules":
        return rng.randint(1, 3) if rng.random() < 0.08 else 0
    if col.key == "decisions" and item in ("licensing", "penalty", "other_services"):
        return zero_heavy(rng, "decisions")  # 行政许可/处罚 decisions reach six figures
    return zero_heavy(rng, "items")


def _draw_active(rng: random.Random, layout: Layout) -> dict[tuple[str, str, str], int | Decimal]:
    out: dict[tuple[str, str, str], int | Decimal] = {}
    for block in layout.blocks:
        for item in block.items:
            row: dict[str, int | Decimal] = {}
            for col in block.columns:
                row[col.key] = _draw_cell(rng, block, item.key, col, row)
                out[(block.key, item.key, col.key)] = row[col.key]
    return out


def draw_truth(rng: random.Random, index: int, bureau: Bureau | None = None, year: int | None = None) -> ReportTruth:
    """A clean report: identities I1–I4 hold.

    ``bureau`` and ``year`` fix the publisher and reporting year (a generated region);
    they are drawn anyway, so the numbers of a report do not depend on whether they were given.
    """
    drawn_bureau = draw_bureau(rng)
    drawn_year = rng.randint(*YEARS)
    bureau = bureau or drawn_bureau
    year = drawn_year if year is None else year
    layout = layout_for_year(year)
    truth = ReportTruth(
        index=index, bureau=bureau, year=year, layout=layout,
        applications=_draw_applications(rng, layout), review=_draw_review(rng), active=_draw_active(rng, layout),
    )
    truth.title_year = year
    truth.publication_date = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
    return truth
