"""The rulebook: every rule registered once, by a stable id, with its finding code.

A rule is one small pure function over the batch (``RuleInput``: the batch's tables,
history, registry, thresholds). Two kinds:

* **GE rules** (``engine="ge"``) return *instances*: one row per thing checked,
  with both sides (``lhs_value``/``rhs_value``, frame ``pairs``) or a ``score``
  (frame ``bounds``). All GE rules' instances of one frame kind go to Great
  Expectations in one validation per batch; the rows GE reports as failing are
  turned into findings by the rule's ``explain``.
* **pandas rules** (``engine="pandas"``) return findings directly: lookups that are
  not a comparison of two numbers (the registry knows the bureau, a narrative's year,
  blank counts, duplicates).

Every rule also says what it does for one report alone (``single``, plain Python, used
by ``gongkai parse`` through ``expectations.one_report``) or that it compares reports
(``cross_report``). Nothing here imports pandas: the one-report path must not pay for it.

Identities I1–I4 and domains are registered too (frames ``identities`` and
``domains``, built by ``expectations.frames`` from the spec). ``get_rule`` fails for
an unknown id, listing the known ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from transforms.findings import finding_type
from transforms.report import Finding

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from expectations.one_report import OneReport

Engine = Literal["ge", "pandas"]
FrameKind = Literal["identities", "domains", "pairs", "bounds"]

# Columns of the generic frames the registered GE rules fill (one row per instance).
PAIR_COLUMNS: tuple[str, ...] = (
    "report_id", "check", "lhs_value", "rhs_value", "section", "row_label", "column_label", "note",
)
BOUND_COLUMNS: tuple[str, ...] = (
    "report_id", "check", "score", "value", "reference", "section", "row_label", "column_label", "note",
)
FRAME_COLUMNS: dict[str, tuple[str, ...]] = {"pairs": PAIR_COLUMNS, "bounds": BOUND_COLUMNS}

Hits = list[tuple[str, Finding]]  # (report_id, finding)


@dataclass(frozen=True)
class Rule:
    id: str  # stable: part of the config and of Data Docs
    code: str  # the finding code it emits (catalogued in transforms.findings)
    engine: Engine
    description: str  # what it checks, Chinese, one line
    frame: FrameKind | None = None  # GE rules: which frame its instances go to
    expectation: str | None = None  # GE expectation class name
    kwargs: dict[str, Any] = field(default_factory=dict)
    instances: Callable[[Any], pd.DataFrame] | None = None  # GE: RuleInput -> frame rows
    explain: Callable[[pd.DataFrame, Any], Hits] | None = None  # GE: failed rows -> findings
    run: Callable[[Any], Hits] | None = None  # pandas: RuleInput -> findings
    needs: tuple[str, ...] = ()  # "history", "registry": skipped without them
    # One report on its own (``gongkai parse``, ``expectations.one_report``): the same rule
    # over one report's rows in plain Python, no pandas. Rules that compare a report with
    # others (cross_report) have nothing to say about a report alone.
    single: Callable[["OneReport"], list[Finding]] | None = None
    cross_report: bool = False

    @property
    def severity(self) -> str:
        return finding_type(self.code).severity


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    finding_type(rule.code)  # the code must be catalogued
    if rule.id in RULES:
        raise ValueError(f"rule {rule.id!r} registered twice")
    if rule.engine == "ge" and rule.frame in FRAME_COLUMNS and (rule.instances is None or rule.explain is None):
        raise ValueError(f"GE rule {rule.id!r} needs instances and explain")
    if rule.engine == "pandas" and rule.run is None:
        raise ValueError(f"pandas rule {rule.id!r} needs run")
    if rule.single is None and not (rule.cross_report or rule.needs) and rule.frame not in ("identities", "domains"):
        raise ValueError(f"rule {rule.id!r} needs single (one report alone) or cross_report=True")
    RULES[rule.id] = rule
    return rule


def _load() -> None:
    # importing the rule modules registers them (in rulebook order)
    import expectations.rulebook  # noqa: F401


def all_rules() -> dict[str, Rule]:
    _load()
    return RULES


def get_rule(rule_id: str) -> Rule:
    rules = all_rules()
    try:
        return rules[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; known: {', '.join(rules)}") from None


def select_rules(rule_ids: list[str] | tuple[str, ...] | None) -> list[Rule]:
    """The rules to run, in rulebook order; unknown ids fail listing the known ones."""
    rules = all_rules()
    if rule_ids is None:
        return list(rules.values())
    chosen = {get_rule(r).id for r in rule_ids}
    return [r for r in rules.values() if r.id in chosen]


def empty_frame(kind: str) -> pd.DataFrame:
    import pandas as pd

    cols = FRAME_COLUMNS[kind]
    return pd.DataFrame({c: pd.Series(dtype=float if c in ("lhs_value", "rhs_value", "score", "value", "reference") else object)
                         for c in cols})
