"""Comparing a parse to a sample's ``*.expected.json``: shared by the golden tests."""

from __future__ import annotations

from decimal import Decimal

from transforms.numbers import parse_number, to_wan_yuan


def expected_value(v) -> Decimal:
    """Expected files state money as printed ("75394432.52元"); normalise to 万元."""
    if isinstance(v, str):
        return to_wan_yuan(parse_number(v))
    return Decimal(str(v))


def compare(out: dict, exp: dict) -> dict[str, list]:
    """{"wrong": [...], "null": [...]} — a wrong cell is never acceptable, a null may be."""
    wrong, null = [], []
    for key in ("bureau", "year", "layout"):
        if out[key] != exp[key]:
            wrong.append((key, out[key], exp[key]))
    for row, cells in exp["applications"].items():
        got = out["applications"].get(row)
        if got is None:
            null.append(("applications", row, "row missing"))
            continue
        for i, (g, e) in enumerate(zip(got, cells)):
            if g is None:
                null.append(("applications", row, i))
            elif Decimal(str(g)) != Decimal(str(e)):
                wrong.append(("applications", row, i, g, e))
    if exp["review_litigation"] is not None:
        got = out["review_litigation"]
        if got is None:
            null.append(("review_litigation", "all"))
        else:
            for i, (g, e) in enumerate(zip(got, exp["review_litigation"])):
                if g is None:
                    null.append(("review_litigation", i))
                elif Decimal(str(g)) != Decimal(str(e)):
                    wrong.append(("review_litigation", i, g, e))
    got_active = {(a["block"], a["item"], a["column"]): a["value"] for a in out["active_disclosure"]}
    for a in exp["active_disclosure"]:
        k = (a["block"], a["item"], a["column"])
        if k not in got_active:
            null.append(("active", k, "missing"))
        elif got_active[k] is None:
            null.append(("active", k))
        elif Decimal(str(got_active[k])) != expected_value(a["value"]):
            wrong.append(("active", k, got_active[k], a["value"]))
    return {"wrong": wrong, "null": null}
