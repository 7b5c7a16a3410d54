"""Great Expectations suites generated from the layout spec.

Four suites, one per frame kind (see ``expectations.frames`` and ``expectations.registry``):

* ``identities``: one ``expect_column_pair_values_to_be_equal(lhs_value, rhs_value)``
  per (layout, ``Identity``) declared in the spec, restricted to its rows by the row
  condition ``check == "2021.I3"``; instances that are not checkable (NA) are ignored.
* ``domains``: one ``expect_column_values_to_be_between(<kind>_value, min_value=…)``
  per value kind with a lower bound in ``rules.KIND_MIN`` (counts and amounts ≥ 0);
  the 2019 ``本年增/减`` column has kind ``delta`` and so no expectation. Each kind has
  its own value column (NA for cells of other kinds) rather than a row condition:
  GE re-applies a row condition for every metric, which on two million cells cost
  more than the checks themselves.
* ``pairs`` and ``bounds``: one expectation per registered GE rule of the rulebook
  (cross-year, roll-up, subtotals, narrative vs tables; plausibility scores), on the
  rows whose ``check`` is the rule's id. These frames are small (instances of rules
  that compare reports), so the row condition is cheap there.

The checks are first written as plain ``CheckSpec`` data, so ``suite_summary()``
(for docs) does not pay the 3 s Great Expectations import; ``build_suite`` turns
them into GE objects lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from expectations.rules import KIND_MIN, KIND_NOUN, OVER_SECTION, finding_code
from transforms.spec import LAYOUTS

if TYPE_CHECKING:  # pragma: no cover - typing only
    import great_expectations as gx

FrameKind = Literal["identities", "domains", "pairs", "bounds"]
FRAME_KINDS: tuple[FrameKind, ...] = ("identities", "domains", "pairs", "bounds")


@dataclass(frozen=True)
class CheckSpec:
    """One expectation, as data: what it checks, on which rows, and the finding it yields."""

    name: str  # stable id, e.g. "2021.I3" or "domain.count"
    frame: FrameKind
    expectation: str  # GE expectation class name
    kwargs: dict[str, Any]
    where: dict[str, str]  # column == value conditions (ANDed) selecting the rows checked; {} = all
    code: str  # finding code a failing row becomes
    description: str
    meta: dict[str, Any] = field(default_factory=dict)


def identity_checks() -> list[CheckSpec]:
    """One check per identity the spec declares, per layout."""
    return [
        CheckSpec(
            name=f"{layout.id}.{ident.id}",
            frame="identities",
            expectation="ExpectColumnPairValuesToBeEqual",
            kwargs={"column_A": "lhs_value", "column_B": "rhs_value", "ignore_row_if": "either_value_is_missing"},
            where={"check": f"{layout.id}.{ident.id}"},
            code=finding_code(ident),
            description=ident.description,
            meta={
                "layout": layout.id,
                "identity_id": ident.id,
                "over": ident.over,
                "section": OVER_SECTION[ident.over],
                "lhs": list(ident.lhs),
                "rhs": list(ident.rhs),
            },
        )
        for layout in LAYOUTS.values()
        for ident in layout.identities
    ]


def domain_checks() -> list[CheckSpec]:
    """One lower-bound check per value kind that has one (count, money)."""
    return [
        CheckSpec(
            name=f"domain.{kind}",
            frame="domains",
            expectation="ExpectColumnValuesToBeBetween",
            kwargs={"column": f"{kind}_value", "min_value": lo},
            where={},
            code="domain.negative",
            description=f"{KIND_NOUN[kind]}不能为负数（kind={kind}，下限 {lo}）",
            meta={"kind": kind, "min_value": lo},
        )
        for kind, lo in KIND_MIN.items()
        if lo is not None
    ]


def rulebook_checks() -> list[CheckSpec]:
    """One check per registered GE rule of the generic frames (pairs, bounds): rows where check == rule id."""
    from expectations.registry import FRAME_COLUMNS, all_rules

    return [
        CheckSpec(
            name=rule.id,
            frame=rule.frame,  # type: ignore[arg-type]
            expectation=rule.expectation or "",
            kwargs=dict(rule.kwargs),
            where={"check": rule.id},
            code=rule.code,
            description=rule.description,
            meta={"rule": rule.id, **({"needs": list(rule.needs)} if rule.needs else {})},
        )
        for rule in all_rules().values()
        if rule.engine == "ge" and rule.frame in FRAME_COLUMNS
    ]


def checks(frame: FrameKind | None = None) -> list[CheckSpec]:
    """All generated checks, or those of one frame kind."""
    every = identity_checks() + domain_checks() + rulebook_checks()
    return [c for c in every if frame is None or c.frame == frame]


def suite_summary() -> list[dict[str, Any]]:
    """The generated expectations as plain dicts, for docs and the CLI (no GE import)."""
    return [
        {
            "name": c.name,
            "suite": c.frame,
            "expectation": c.expectation,
            "kwargs": dict(c.kwargs),
            "where": dict(c.where),
            "finding_code": c.code,
            "description": c.description,
            **({"meta": dict(c.meta)} if c.meta else {}),
        }
        for c in checks()
    ]


def build_suite(frame: FrameKind, only: set[str] | None = None) -> "gx.ExpectationSuite":
    """The GE suite for one frame kind; each expectation's meta carries its check name.

    ``only``: restrict to these check names (the rulebook frames hold rows of only the
    rules that had instances; an expectation with no rows would cost GE time for nothing).
    """
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    suite = gx.ExpectationSuite(name=f"gongkai.{frame}")
    for check in checks(frame):
        if only is not None and check.name not in only:
            continue
        conditions = [Column(col) == value for col, value in check.where.items()]
        extra: dict[str, Any] = {}
        if conditions:
            row_condition = conditions[0]
            for cond in conditions[1:]:
                row_condition = row_condition & cond
            extra["row_condition"] = row_condition
        expectation_cls = getattr(gx.expectations, check.expectation)
        suite.add_expectation(
            expectation_cls(
                **check.kwargs,
                **extra,
                meta={"check": check.name, "finding_code": check.code, "description": check.description},
            )
        )
    return suite
