"""Comparing a parse to a sample's ``*.expected.json``: shared by the golden tests."""

from __future__ import annotations

from decimal import Decimal

from transforms.findings import explains_null
from transforms.numbers import parse_number, to_wan_yuan
from transforms.spec import LAYOUTS


def expected_value(v) -> Decimal:
    """Expected files state money as printed ("75394432.52元"); normalise to 万元."""
    if isinstance(v, str):
        return to_wan_yuan(parse_number(v))
    return Decimal(str(v))


def compare(out: dict, exp: dict) -> dict[str, list]:
    """{"wrong": [...], "null": [...], "unexplained": [...]}.

    A wrong cell is never acceptable. A null may be, but only when an error or warning
    names its section and row (``transforms.findings.explains_null``); nulls that no
    finding names are listed again under "unexplained". A parsed row with fewer or more
    cells than expected is wrong, not silently cut to the shorter length.
    """
    wrong, null, unexplained = [], [], []
    findings = out.get("findings", [])

    def missing(entry: tuple, section: str, rows: tuple[str, ...]) -> None:
        null.append(entry)
        if not explains_null(findings, section, rows):
            unexplained.append(entry)

    for key in ("bureau", "year", "layout"):
        if out[key] != exp[key]:
            wrong.append((key, out[key], exp[key]))
    layout = LAYOUTS.get(exp["layout"])
    for row, cells in exp["applications"].items():
        label = layout.row(row).label if layout else row
        got = out["applications"].get(row)
        if got is None:
            missing(("applications", row, "row missing"), "三", (label,))
            continue
        if len(got) != len(cells):
            wrong.append(("applications", row, "length", len(got), len(cells)))
            continue
        for i, (g, e) in enumerate(zip(got, cells)):
            if g is None:
                missing(("applications", row, i), "三", (label,))
            elif Decimal(str(g)) != Decimal(str(e)):
                wrong.append(("applications", row, i, g, e))
    if exp["review_litigation"] is not None:
        got = out["review_litigation"]
        if got is None:
            missing(("review_litigation", "all"), "四", ())
        elif len(got) != len(exp["review_litigation"]):
            wrong.append(("review_litigation", "length", len(got), len(exp["review_litigation"])))
        else:
            for i, (g, e) in enumerate(zip(got, exp["review_litigation"])):
                if g is None:
                    missing(("review_litigation", i), "四", ())
                elif Decimal(str(g)) != Decimal(str(e)):
                    wrong.append(("review_litigation", i, g, e))
    got_active = {(a["block"], a["item"], a["column"]): a["value"] for a in out["active_disclosure"]}
    for a in exp["active_disclosure"]:
        k = (a["block"], a["item"], a["column"])
        if k not in got_active:
            missing(("active", k, "missing"), "二", (a["item"], a["block"]))
        elif got_active[k] is None:
            missing(("active", k), "二", (a["item"], a["block"]))
        elif Decimal(str(got_active[k])) != expected_value(a["value"]):
            wrong.append(("active", k, got_active[k], a["value"]))
    return {"wrong": wrong, "null": null, "unexplained": unexplained}
