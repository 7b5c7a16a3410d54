"""Cell-by-cell comparison of a parse (``report_to_json``) with a synthetic truth.

Shared by the round-trip tests and the benchmark. A wrong cell is never
acceptable; a null cell is acceptable only when an error or warning located on its
own section and row names it (``transforms.findings.explains_null``), because a
parser that says "I could not read this" is doing its job and one that guesses is
not. A parsed row with a different number of cells than the truth is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from transforms.findings import explains_null
from transforms.spec import LAYOUTS


@dataclass
class Comparison:
    cells: int = 0
    correct: int = 0
    wrong: list[tuple[Any, ...]] = field(default_factory=list)
    null: list[tuple[Any, ...]] = field(default_factory=list)
    null_unexplained: list[tuple[Any, ...]] = field(default_factory=list)
    meta_wrong: list[tuple[str, Any, Any]] = field(default_factory=list)
    wrong_how: list[str | None] = field(default_factory=list)  # how each wrong cell was read (parallel to wrong)
    correct_how: dict[str, int] = field(default_factory=dict)  # how the correct cells were read

    @property
    def perfect(self) -> bool:
        return not (self.wrong or self.null or self.meta_wrong)

    @property
    def safe(self) -> bool:
        """Nothing wrong, and every null explained by a finding."""
        return not (self.wrong or self.null_unexplained or self.meta_wrong)


def _dec(v: Any) -> Decimal:
    return Decimal(str(v))


def compare(truth: dict[str, Any], out: dict[str, Any]) -> Comparison:
    res = Comparison()
    for key in ("bureau", "year", "layout"):
        if out.get(key) != truth[key]:
            res.meta_wrong.append((key, out.get(key), truth[key]))
    layout = LAYOUTS[truth["layout"]]
    labels = {r.key: r.label for r in layout.app_rows}
    findings = out.get("findings", [])

    def check(where: tuple[Any, ...], got: Any, exp: Any, section: str, rows: tuple[str, ...], how: Any = None) -> None:
        res.cells += 1
        if got is None:
            res.null.append(where)
            if not explains_null(findings, section, rows):
                res.null_unexplained.append(where)
        elif _dec(got) != _dec(exp):
            res.wrong.append(where + (got, exp))
            res.wrong_how.append(how)
        else:
            res.correct += 1
            res.correct_how[how] = res.correct_how.get(how, 0) + 1

    hows = out.get("how") or {}

    cols = layout.app_column_keys
    for row, cells in truth["applications"].items():
        got_row = out.get("applications", {}).get(row) or [None] * len(cells)
        how_row = (hows.get("applications") or {}).get(row) or [None] * len(cells)
        if len(got_row) != len(cells):
            res.cells += len(cells)
            res.wrong.append(("三", row, "length", len(got_row), len(cells)))
            res.wrong_how.append(None)
            continue
        for ci, exp in enumerate(cells):
            check(("三", row, cols[ci]), got_row[ci], exp, "三", (labels[row],), how_row[ci] if ci < len(how_row) else None)
    got_rev = out.get("review_litigation") or [None] * len(truth["review_litigation"])
    how_rev = hows.get("review_litigation") or [None] * len(truth["review_litigation"])
    if len(got_rev) != len(truth["review_litigation"]):
        res.cells += len(truth["review_litigation"])
        res.wrong.append(("四", "length", len(got_rev), len(truth["review_litigation"])))
        res.wrong_how.append(None)
        got_rev = []
    for i, exp in enumerate(truth["review_litigation"] if got_rev else ()):
        check(("四", i), got_rev[i], exp, "四", (), how_rev[i] if i < len(how_rev) else None)
    got_act = {(a["block"], a["item"], a["column"]): (a["value"], a.get("how")) for a in out.get("active_disclosure", [])}
    for a in truth["active_disclosure"]:
        k = (a["block"], a["item"], a["column"])
        got, how = got_act.get(k, (None, None))
        check(("二",) + k, got, a["value"], "二", (a["item"], a["block"]), how)
    return res
