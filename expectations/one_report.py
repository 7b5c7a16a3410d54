"""The rulebook for one report alone, in plain Python: what ``gongkai parse`` checks.

The ingest validates a batch with Great Expectations (one validation per frame kind
per batch; its results feed Data Docs). Checking a single file that way costs four
seconds of imports (GE, scipy, pandas) for a few hundred comparisons. This module
gives the *same findings* for a report on its own, without those imports:

* the identities and domains are read from the same generated checks
  (``expectations.suites.identity_checks`` / ``domain_checks``: the spec's identities,
  ``rules.KIND_MIN``) and their instances are formed as ``expectations.frames`` forms
  them (a side is checkable only when all its cells are present and readable; an
  instance exists when any of its cells does), then compared by a small evaluator of
  the three expectation types the suites use;
* every other registered rule runs its ``single`` form (see ``expectations.registry``),
  which shares its predicates and messages with the batch form;
* rules that compare a report with others (previous years, peers, duplicates, the
  registry) have nothing to say about a report alone, as in a batch of one with an
  empty warehouse.

The report's rows come from ``transforms.records.report_columns``, the lists the
batch tables are built from, so both paths see the same cells. ``tests/test_one_report.py``
checks that this gives exactly ``validate_batch`` on a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from expectations.config import apply_severities
from expectations.messages import domain_finding, identity_finding
from expectations.registry import all_rules, get_rule
from expectations.rules import FACT_KEY_COLUMNS, FACT_SECTION, OVER_AXES, REVIEW_KIND, instance_labels, key_universe
from expectations.suites import CheckSpec, domain_checks, identity_checks
from transforms.records import ReportRow, report_columns, report_id_for
from transforms.report import Finding, ParsedReport
from transforms.spec import LAYOUTS

NAN = float("nan")

# The comparisons the generated suites use, as GE evaluates them on one row
# (rows where a value is missing are ignored: ``ignore_row_if="either_value_is_missing"``).
EXPECTATIONS: dict[str, Callable[[CheckSpec, float, float], bool]] = {
    "ExpectColumnPairValuesToBeEqual": lambda c, a, b: a == b,
    "ExpectColumnPairValuesAToBeGreaterThanB": lambda c, a, b: a >= b if c.kwargs.get("or_equal") else a > b,
    "ExpectColumnValuesToBeBetween": lambda c, v, _: (
        (c.kwargs.get("min_value") is None or v >= c.kwargs["min_value"])
        and (c.kwargs.get("max_value") is None
             or (v < c.kwargs["max_value"] if c.kwargs.get("strict_max") else v <= c.kwargs["max_value"]))),
}


def is_missing(value: float | None) -> bool:
    return value is None or value != value


def passes(check: CheckSpec, a: float | None, b: float | None = None) -> bool:
    """One row of ``check``: True when it holds or cannot be evaluated (a value missing)."""
    if is_missing(a) or (check.expectation != "ExpectColumnValuesToBeBetween" and is_missing(b)):
        return True
    return EXPECTATIONS[check.expectation](check, a, b)  # type: ignore[arg-type]


@cache
def _rule_check(rule_id: str) -> CheckSpec:
    rule = get_rule(rule_id)
    return CheckSpec(rule.id, rule.frame, rule.expectation or "", dict(rule.kwargs), {"check": rule.id}, rule.code,  # type: ignore[arg-type]
                     rule.description)


def rule_holds(rule_id: str, a: float | None, b: float | None = None) -> bool:
    """The registered GE rule's expectation on one instance (what its suite would say of that row)."""
    return passes(_rule_check(rule_id), a, b)


@dataclass(frozen=True)
class Fact:
    """One cell of a fact table: its keys (the table's key columns, in order) and value."""

    keys: tuple[str | None, ...]
    value: float | None  # None: not readable; money in 万元
    is_blank: bool
    is_money: bool  # disclosure_facts: the value is amount_wan_yuan


@dataclass
class OneReport:
    """One report's rows as the batch tables hold them, as plain Python values."""

    report_id: str
    source: str | None
    year: int | None
    bureau: str | None
    layout: str | None
    title: str | None
    facts: dict[str, list[Fact]]  # fact table name -> cells in table order
    narratives: list[tuple[str, str]]  # (section_key, text), in document order
    extra_rows: list[dict]  # rows of the extra_rows table
    extra_columns: list[dict]  # rows of the extra_columns table
    parser_codes: set[tuple[str, str | None]] = field(default_factory=set)  # (code, section) the parser found
    # findings building the rows added (a value no warehouse column holds), as the ingest records them
    row_findings: list[Finding] = field(default_factory=list)

    @classmethod
    def of(cls, report: ParsedReport, source_path: str, report_id: str | None = None) -> OneReport:
        rid = report_id or report_id_for(report.sha256 or "0" * 64)
        columns, _, added = report_columns([ReportRow(report, rid, source_path, "", "")])
        tables = columns.as_dicts()
        facts: dict[str, list[Fact]] = {}
        for name, key_cols in FACT_KEY_COLUMNS.items():
            t = tables[name]
            amounts = t.get("amount_wan_yuan", [None] * len(t["count"]))
            facts[name] = [
                Fact(keys, float(count) if count is not None else (float(amount) if amount is not None else None),
                     bool(blank), count is None and amount is not None)
                for keys, count, amount, blank in zip(zip(*(t[c] for c in key_cols)), t["count"], amounts,
                                                      t["is_blank"])
            ]

        def rows(name: str) -> list[dict]:
            t = tables[name]
            return [dict(zip(t, values)) for values in zip(*t.values())]

        return cls(
            report_id=rid, source=source_path, year=report.year, bureau=report.bureau, layout=report.layout,
            title=report.title, facts=facts,
            narratives=list(zip(tables["narratives"]["section_key"], tables["narratives"]["text"])),
            extra_rows=rows("extra_rows"), extra_columns=rows("extra_columns"),
            parser_codes={(f.code, f.location.section) for f in report.findings},
            row_findings=added[0],
        )

    def value_map(self, name: str) -> dict[tuple, float]:
        """Keys → value (NaN when unreadable) of one fact table; the last cell wins, as in a dict of a frame."""
        return {f.keys: (NAN if f.value is None else f.value) for f in self.facts[name]}


# -- identities (frames.identity_frame for one report) ---------------------------

def identity_findings(rep: OneReport) -> list[Finding]:
    """Every failing identity instance, in spec order (identity, then column/row/group)."""
    layout = LAYOUTS.get(rep.layout or "")
    if layout is None:
        return []
    out = []
    for check in identity_checks():
        meta = check.meta
        if meta["layout"] != layout.id:
            continue
        table, term_col, inst_col = OVER_AXES[meta["over"]]
        names = FACT_KEY_COLUMNS[table]
        ti, ii = names.index(term_col), names.index(inst_col)
        labels = instance_labels(layout, meta["over"])
        sides: dict[str, dict[str, list[float | None]]] = {"lhs": {}, "rhs": {}}
        for fact in rep.facts[table]:
            inst = fact.keys[ii]
            if inst not in key_universe(table, inst_col):
                continue
            for side in ("lhs", "rhs"):
                if fact.keys[ti] in meta[side]:
                    sides[side].setdefault(inst, []).append(fact.value)
        for inst in key_universe(table, inst_col):  # instances in spec order, as the frame sorts them
            if inst not in labels or (inst not in sides["lhs"] and inst not in sides["rhs"]):
                continue
            values = {side: sides[side].get(inst, []) for side in ("lhs", "rhs")}
            readable = {side: [v for v in vs if v is not None] for side, vs in values.items()}
            if len(readable["lhs"]) != len(meta["lhs"]) or len(readable["rhs"]) != len(meta["rhs"]):
                continue  # not checkable: the parser has said what is missing
            lhs, rhs = float(sum(readable["lhs"])), float(sum(readable["rhs"]))
            if not passes(check, lhs, rhs):
                out.append(identity_finding(layout.id, meta["identity_id"], labels[inst], lhs, rhs, report=rep.source))
    return out


# -- domains (frames.domain_frame for one report) --------------------------------

def _kind(layout_id: str, name: str, fact: Fact) -> str:
    """The value kind of a cell from the spec; a cell the spec does not know keeps its storage's."""
    layout = LAYOUTS[layout_id]
    if name == "application_facts":
        kind = {c.key: c.kind for c in layout.app_columns}.get(fact.keys[1])  # any row of a known column
    elif name == "review_facts":
        kind = REVIEW_KIND
    else:
        kind = _disclosure_kinds(layout_id).get(fact.keys)  # type: ignore[arg-type]
    if kind is None:
        kind = "money" if fact.is_money else "count"
    return kind


@cache
def _disclosure_kinds(layout_id: str) -> dict[tuple[str, str, str], str]:
    return {(b.key, i.key, c.key): c.kind for b in LAYOUTS[layout_id].blocks for i in b.items for c in b.columns}


def domain_findings(rep: OneReport) -> list[Finding]:
    """Every readable cell below its kind's lower bound, in document order (二, 三, 四)."""
    if rep.layout not in LAYOUTS:
        return []
    by_kind = {c.meta["kind"]: c for c in domain_checks()}
    out = []
    for name in sorted(FACT_KEY_COLUMNS, key=lambda n: "二三四".index(FACT_SECTION[n])):
        for fact in rep.facts[name]:
            if fact.value is None:
                continue
            kind = _kind(rep.layout, name, fact)  # type: ignore[arg-type]
            check = by_kind.get(kind)
            if check is None or passes(check, fact.value):
                continue
            if name == "disclosure_facts":
                block, row, column = fact.keys
            else:
                block, (row, column) = None, fact.keys
            out.append(domain_finding(rep.layout, FACT_SECTION[name], block, row, column, kind,  # type: ignore[arg-type]
                                      fact.value, check.kwargs["min_value"], report=rep.source))
    return out


_SPEC_FRAMES: dict[str, Callable[[OneReport], list[Finding]]] = {
    "identities": identity_findings,
    "domains": domain_findings,
}


def check_report(report: ParsedReport, source_path: str, *, severities: Mapping[str, str] | None = None,
                 report_id: str | None = None) -> list[Finding]:
    """What the rulebook finds in ``report`` alone (no history, no registry): the findings a
    batch of one gives, in the same order (rule by rule, in rulebook order)."""
    rep = OneReport.of(report, source_path, report_id)
    spec: dict[str, list[Finding]] = {}
    out: list[Finding] = list(rep.row_findings)
    for rule in all_rules().values():
        if rule.needs or rule.cross_report:
            continue
        if rule.frame in _SPEC_FRAMES:
            if rule.frame not in spec:
                spec[rule.frame] = _SPEC_FRAMES[rule.frame](rep)  # type: ignore[index]
            out.extend(f for f in spec[rule.frame] if f.code == rule.code)  # type: ignore[index]
        else:
            out.extend(rule.single(rep))  # type: ignore[misc]
    return apply_severities(out, severities)

