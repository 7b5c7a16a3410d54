"""Validate a batch of reports: long tables in, findings per report out.

One Great Expectations validation per frame kind per batch (identities, domains,
pairs, bounds), never one per report: a batch of 10,000 reports costs four
validations. Rules that are lookups rather than comparisons run in pandas. Failed
rows become ``Finding`` objects keyed by report_id, ready to go back into
``transforms.tables.to_tables(rows, extra_findings=...)``. A broken identity is a
finding, never an exception: the numbers stay as published.

    validate_batch(tables)                                   # identities, domains, one-report rules
    validate_batch(tables, history=h, registry=reg, severities={"identity.I5": "error"})
    findings, run = validate_batch_with_results(tables, ...)  # run: what each rule checked, for Data Docs
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timezone

import pandas as pd
import pyarrow as pa

from expectations.config import OFF, RuleOptions, apply_severities, gate, severity_for
from expectations.context import RuleInput
from expectations.frames import CodedBatch, domain_frame, identity_frame, with_cell_keys
from expectations.messages import domain_finding, identity_finding
from expectations.registry import FRAME_COLUMNS, Hits, Rule, select_rules
from expectations.results import MAX_EXAMPLES, RuleOutcome, ValidationRun
from expectations.runner import CheckResult, run_suites
from expectations.suites import FrameKind, checks
from transforms.report import Finding


def _failed_rows(frame: pd.DataFrame, results: list[CheckResult], frame_kind: FrameKind) -> pd.DataFrame:
    """The rows of ``frame`` that failed a check, with the check's name and finding code."""
    specs = {c.name: c for c in checks(frame_kind)}
    parts = []
    for result in results:
        if result.failed_index:
            part = frame.loc[list(result.failed_index)].copy()
            part["check"] = result.check
            part["finding_code"] = specs[result.check].code
            part["min_value"] = specs[result.check].kwargs.get("min_value")
            parts.append(part)
    if not parts:
        return frame.iloc[0:0].assign(check=pd.Series(dtype="str"), finding_code=pd.Series(dtype="str"),
                                      min_value=pd.Series(dtype="float64"))
    return pd.concat(parts).sort_index(kind="stable")


def _validate_frames(tables: dict[str, pa.Table]) -> tuple[pd.DataFrame, pd.DataFrame]:
    batch = CodedBatch(tables)
    frames: dict[FrameKind, pd.DataFrame] = {
        "identities": identity_frame(tables, batch),
        "domains": domain_frame(tables, batch),
    }
    results = run_suites(frames)
    return (
        _failed_rows(frames["identities"], results["identities"], "identities"),
        with_cell_keys(tables, _failed_rows(frames["domains"], results["domains"], "domains")),
    )


def identity_failures(tables: dict[str, pa.Table]) -> pd.DataFrame:
    """One row per failing identity instance (report_id, layout, identity_id, instance, both sides)."""
    failures, _ = _validate_frames(tables)
    return failures.reset_index(drop=True)


def domain_failures(tables: dict[str, pa.Table]) -> pd.DataFrame:
    """One row per cell below its kind's lower bound (report_id, section, keys, kind, value, check)."""
    _, failures = _validate_frames(tables)
    return failures.reset_index(drop=True)


# -- the whole rulebook --------------------------------------------------------

def _skip_reason(rule: Rule, inp: RuleInput) -> str | None:
    if "registry" in rule.needs and inp.registry is None:
        return "需要单位名录（registry）"
    if "history" in rule.needs and not inp.history:
        return "需要往年数据（history）"
    return None


def _build_frames(active: list[Rule], inp: RuleInput) -> tuple[dict[FrameKind, pd.DataFrame], float]:
    """The frames GE validates: spec-generated (identities, domains) and the rulebook's (pairs, bounds)."""
    started = time.perf_counter()
    frames: dict[FrameKind, pd.DataFrame] = {}
    ids = {r.id for r in active}
    if any(r.frame in ("identities", "domains") for r in active):
        batch = CodedBatch(inp.tables)
        if any(r.frame == "identities" for r in active):
            frame = identity_frame(inp.tables, batch)
            wanted = [i.split(".", 1)[1] for i in ids if i.startswith("identity.I") and i[-1] in "1234"]
            if len(wanted) < 4:
                frame = frame[frame["identity_id"].isin(wanted)]
            frames["identities"] = frame
        if "domain.negative" in ids:
            frames["domains"] = domain_frame(inp.tables, batch)
    for kind in FRAME_COLUMNS:
        parts = [r.instances(inp) for r in active if r.frame == kind]  # type: ignore[misc]
        parts = [p for p in parts if len(p)]
        if parts:
            frames[kind] = pd.concat(parts, ignore_index=True)[list(FRAME_COLUMNS[kind])]  # type: ignore[index]
    return frames, time.perf_counter() - started


def _spec_hits(frames: dict[FrameKind, pd.DataFrame], results: dict[FrameKind, list[CheckResult]],
               inp: RuleInput) -> Hits:
    hits: Hits = []
    if "identities" in frames:
        rows = _failed_rows(frames["identities"], results.get("identities", []), "identities")
        for row in rows.itertuples(index=False):
            hits.append((row.report_id, identity_finding(row.layout, row.identity_id, row.instance_label,
                                                         row.lhs_value, row.rhs_value, report=inp.source.get(row.report_id))))
    if "domains" in frames:
        rows = with_cell_keys(inp.tables, _failed_rows(frames["domains"], results.get("domains", []), "domains"))
        for row in rows.itertuples(index=False):
            block_key = row.block_key if isinstance(row.block_key, str) else None
            hits.append((row.report_id, domain_finding(row.layout, row.section, block_key, row.row_key, row.column_key,
                                                       row.kind, row.value, row.min_value,
                                                       report=inp.source.get(row.report_id))))
    return hits


def validate_batch_with_results(
    tables: dict[str, pa.Table],
    *,
    history: dict[str, pa.Table] | None = None,
    registry: pd.DataFrame | None = None,
    severities: Mapping[str, str] | None = None,
    options: RuleOptions | None = None,
    rules: list[str] | tuple[str, ...] | None = None,
    run_id: str | None = None,
) -> tuple[dict[str, list[Finding]], ValidationRun]:
    """Findings per report_id (empty list when clean) and what every rule checked.

    ``history``: previous years' tables as the warehouse holds them (schemas of
    ``transforms.tables.SCHEMAS``). ``registry``: the office's bureau registry (frame or
    CSV path; columns bureau, region, parent, level). ``severities``: overrides by finding
    code or ``family.*`` (``off`` drops). ``rules``: a subset of rule ids (default all).
    Reports whose layout is unknown get no table checks: the parser has said why.
    """
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    inp = RuleInput(tables, history, registry, options or RuleOptions())
    selected = select_rules(rules)
    skipped = {r.id: _skip_reason(r, inp) for r in selected}
    active = [r for r in selected if skipped[r.id] is None]

    frames, _ = _build_frames(active, inp)
    results = run_suites(frames)

    by_rule: dict[str, Hits] = {r.id: [] for r in selected}
    for rid, finding in _spec_hits(frames, results, inp):
        by_rule[finding.code].append((rid, finding))
    ge_results: dict[str, CheckResult] = {}
    for kind, kind_results in results.items():
        for res in kind_results:
            ge_results[res.check] = res
    rules_by_id = {r.id: r for r in active}
    for kind in FRAME_COLUMNS:
        frame = frames.get(kind)  # type: ignore[call-overload]
        for res in results.get(kind, []):  # type: ignore[call-overload]
            rule = rules_by_id.get(res.check)
            if rule is None or not res.failed_index:
                continue
            rows = frame.loc[list(res.failed_index)]
            by_rule[rule.id].extend(rule.explain(rows, inp))  # type: ignore[misc]
    for rule in active:
        if rule.engine == "pandas":
            by_rule[rule.id].extend(rule.run(inp))  # type: ignore[misc]

    findings: dict[str, list[Finding]] = {r: [] for r in inp.reports["report_id"]}
    for rule in selected:
        for rid, finding in by_rule[rule.id]:
            if rid in findings:
                findings[rid].append(finding)
    findings = {rid: apply_severities(fs, severities) for rid, fs in findings.items()}

    # -- what each rule did ------------------------------------------------------
    outcomes = []
    for rule in selected:
        sev = severity_for(rule.code, rule.severity, severities)
        outcome = RuleOutcome(rule.id, rule.code, sev, rule.engine, rule.description, rule.frame, rule.expectation,
                              dict(rule.kwargs), skipped=skipped[rule.id])
        hits = by_rule[rule.id]
        outcome.findings = 0 if sev == OFF else len(hits)
        if rule.engine == "ge":
            checks_of_rule = [c for c in (ge_results.get(n) for n in _check_names(rule)) if c is not None]
            # domains: one expectation per value kind over the same rows; identities: one per layout
            outcome.evaluated = (max((c.evaluated for c in checks_of_rule), default=0) if rule.frame == "domains"
                                 else sum(c.evaluated for c in checks_of_rule))
            outcome.failed = sum(len(c.failed_index) for c in checks_of_rule)
            outcome.success = all(c.success for c in checks_of_rule)
            if checks_of_rule and not outcome.kwargs:
                outcome.kwargs = {k: v for k, v in checks_of_rule[0].kwargs if isinstance(v, (str, int, float, bool))}
        else:
            outcome.evaluated = len(inp.reports) if skipped[rule.id] is None else 0
            outcome.failed = len(hits)
            outcome.success = not hits
        outcome.examples = [{"report_id": rid, "source": inp.source.get(rid), "message": f.message}
                            for rid, f in hits[:MAX_EXAMPLES]]
        outcomes.append(outcome)
    frame_info = {}
    for kind, frame in frames.items():
        res = results.get(kind, [])
        frame_info[kind] = {"rows": int(len(frame)), "expectations": len(res),
                            "seconds": round(res[0].seconds, 3) if res else 0.0}
    parser = _parser_findings(tables)
    reports_info = {}
    for rid in findings:
        # The parser's findings count as the rulebook's do (graded by the same overrides), so the
        # report's numbers here are the ones its reports row, the CLI and the review pages show.
        fs = apply_severities(parser.get(rid, []), severities) + findings[rid]
        reports_info[rid] = {
            "source": inp.source.get(rid),
            "status": gate(fs),
            "errors": sum(f.severity == "error" for f in fs),
            "warnings": sum(f.severity == "warning" for f in fs),
            "infos": sum(f.severity == "info" for f in fs),
            "checks": len(findings[rid]),  # of those, found by this run's rules
        }
    run = ValidationRun(run_id=run_id, started_at=started_at, seconds=round(time.perf_counter() - t0, 3),
                        n_reports=len(findings), ge_version=_ge_version(), frames=frame_info, rules=outcomes,
                        reports=reports_info)
    return findings, run


def _parser_findings(tables: dict[str, pa.Table]) -> dict[str, list[Finding]]:
    """The findings already in the batch tables (the parser's), as bare findings for the gate."""
    table = tables.get("findings")
    out: dict[str, list[Finding]] = {}
    if table is None or table.num_rows == 0:
        return out
    cols = table.select(["report_id", "code", "severity"]).to_pydict()
    for rid, code, sev in zip(cols["report_id"], cols["code"], cols["severity"]):
        out.setdefault(rid, []).append(Finding(code=code, severity=sev, message=""))
    return out


def _check_names(rule: Rule) -> list[str]:
    if rule.frame == "identities":
        return [c.name for c in checks("identities") if c.code == rule.code]
    if rule.frame == "domains":
        return [c.name for c in checks("domains")]
    return [rule.id]


def _ge_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("great_expectations")
    except Exception:  # pragma: no cover - metadata missing
        return None


def validate_batch(
    tables: dict[str, pa.Table],
    *,
    history: dict[str, pa.Table] | None = None,
    registry: pd.DataFrame | None = None,
    severities: Mapping[str, str] | None = None,
    options: RuleOptions | None = None,
    rules: list[str] | tuple[str, ...] | None = None,
) -> dict[str, list[Finding]]:
    """Findings for every report of the batch, keyed by report_id (empty list when clean).

    See ``validate_batch_with_results`` for the arguments; this drops the run record.
    """
    findings, _ = validate_batch_with_results(tables, history=history, registry=registry, severities=severities,
                                              options=options, rules=rules)
    return findings
