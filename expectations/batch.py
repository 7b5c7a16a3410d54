"""One call for the ingest flow: the whole rulebook on a batch, against what the warehouse holds.

The flow stays thin: it hands over the batch's tables and, when it has one, the open
warehouse; this module picks the history the cross-report rules need (only the
batch's bureaus, the bureaus its region reports cover, and the three years before),
runs every rule in one validation per frame kind, and writes the run's offline Data
Docs page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from expectations.config import RuleConfig, load_rule_config, severity_for
from transforms.report import Finding
from transforms.tables import with_findings

HISTORY_YEARS = 3

#: Rules whose findings on a report depend on *other* reports (earlier years, the regions'
#: members, a second report of the bureau-year, the year's peers). Checked per batch they
#: would see only what happens to be loaded already, so the flow checks them once, after
#: all of a run's batches are loaded, against the complete state (``recheck_cross_report``).
CROSS_REPORT_RULES: tuple[str, ...] = (
    "identity.I5", "identity.I6", "identity.I7", "rollup.cannot_check", "duplicate.conflict",
    "plausibility.jump", "plausibility.zero", "plausibility.zero_peers",
)


@dataclass
class BatchCheck:
    findings: dict[str, list[Finding]]  # by report_id
    summary_markdown: str  # per-rule summary for the Prefect artifact and the CLI
    data_docs: Path | None
    severities: dict[str, str] | None = None  # the config's overrides, for the parser's findings too

    def apply(self, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        """The batch's tables with these findings added and every report's status decided (the gate)."""
        overrides = self.severities
        grade = (lambda code, sev: severity_for(code, sev, overrides)) if overrides else None
        return with_findings(tables, self.findings, grade)


def _registry(warehouse: Any, registry_csv: str | None):
    from expectations.context import load_registry

    if registry_csv:
        return load_registry(registry_csv)
    if warehouse is None or not warehouse.has_registry():
        return None  # bureaus known only from report titles: no registry to check against
    return load_registry(warehouse.registry_frame())


def _history(warehouse: Any, tables: dict[str, pa.Table], registry) -> dict[str, pa.Table] | None:
    if warehouse is None:
        return None
    reports = tables["reports"]
    bureaus = {b for b in reports.column("bureau").to_pylist() if b}
    years = [y for y in reports.column("year").to_pylist() if y is not None]
    if not bureaus or not years:
        return None
    if registry is not None:
        covered = registry[registry["region"].isin(bureaus) | registry["parent"].isin(bureaus)]
        bureaus |= set(covered["bureau"].dropna())
    history = warehouse.history_tables(bureaus, range(min(years) - HISTORY_YEARS, max(years) + 1))
    # the batch's own reports (a forced re-parse) are not their own history
    batch_ids = pa.array(reports.column("report_id").to_pylist(), pa.string())
    return {name: t.filter(pc.invert(pc.is_in(t["report_id"], value_set=batch_ids))) for name, t in history.items()}


def check_batch(
    tables: dict[str, pa.Table],
    *,
    warehouse: Any = None,
    registry_csv: str | None = None,
    config: RuleConfig | str | Path | None = None,
    run_id: str | None = None,
    docs_dir: str | Path | None = None,
    cross_report: bool = True,
) -> BatchCheck:
    """The rulebook on a batch. ``cross_report=False`` leaves out ``CROSS_REPORT_RULES`` (the flow
    checks those after the whole run, ``recheck_cross_report``)."""
    from expectations.datadocs import write_data_docs
    from expectations.registry import all_rules
    from expectations.results import summary_markdown
    from expectations.validate import validate_batch_with_results

    if config is not None and not isinstance(config, RuleConfig):
        config = load_rule_config(config)
    registry = _registry(warehouse, registry_csv)
    history = _history(warehouse, tables, registry) if cross_report else None
    rules = None if cross_report else [r for r in all_rules() if r not in CROSS_REPORT_RULES]
    findings, run = validate_batch_with_results(
        tables, history=history, registry=registry,
        severities=config.severities if config else None,
        options=config.options if config else None, run_id=run_id, rules=rules,
    )
    docs = write_data_docs(run, docs_dir) if docs_dir is not None else None
    return BatchCheck(findings, summary_markdown(run), docs, dict(config.severities) if config else None)


@dataclass
class Recheck:
    """What ``recheck_cross_report`` changed."""

    checked: int  # current reports re-checked
    before: dict[str, pa.Table]  # the changed reports' reports and findings rows as they were
    after: dict[str, pa.Table]  # ... and as they are now
    summary_markdown: str = ""
    data_docs: Path | None = None

    @property
    def changed_ids(self) -> list[str]:
        return self.after["reports"].column("report_id").to_pylist()

    @property
    def years(self) -> set[int | None]:
        return set(self.after["reports"].column("year").to_pylist())


def cross_report_codes() -> frozenset[str]:
    from expectations.registry import get_rule

    return frozenset(get_rule(r).code for r in CROSS_REPORT_RULES)


def recheck_years(years: set[int | None]) -> list[int]:
    """The years whose current reports a run's loads can affect: its own, and the next ``HISTORY_YEARS``."""
    return sorted({int(y) + k for y in years if y is not None for k in range(HISTORY_YEARS + 1)})


def recheck_cross_report(
    warehouse: Any,
    years: set[int | None],
    *,
    config: RuleConfig | str | Path | None = None,
    run_id: str | None = None,
    docs_dir: str | Path | None = None,
) -> Recheck:
    """Check ``CROSS_REPORT_RULES`` on every current report of ``recheck_years(years)`` against the complete
    warehouse, and write back the reports whose findings or status change.

    The result depends only on what the warehouse holds, never on which batch or run
    loaded what first: a report's cross-report findings are dropped and computed
    again from all of its year's reports and its bureau's history. Reports of those
    years are the ones a load can affect: same-year rules (duplicates, roll-ups,
    peers) and the next years' cross-year comparisons.
    """
    from expectations.datadocs import write_data_docs
    from expectations.results import summary_markdown
    from expectations.validate import validate_batch_with_results

    if config is not None and not isinstance(config, RuleConfig):
        config = load_rule_config(config)
    tables = warehouse.current_tables(recheck_years(years))
    n = tables["reports"].num_rows
    if n == 0:
        empty = {name: tables[name] for name in ("reports", "findings")}
        return Recheck(0, empty, empty)
    codes = cross_report_codes()
    stored = tables["findings"]
    keep = pc.invert(pc.is_in(stored["code"], value_set=pa.array(sorted(codes), pa.string())))
    stripped = {**tables, "findings": stored.filter(keep)}
    registry = _registry(warehouse, None)
    history = _history(warehouse, stripped, registry)
    findings, run = validate_batch_with_results(
        stripped, history=history, registry=registry,
        severities=config.severities if config else None,
        options=config.options if config else None, run_id=run_id, rules=list(CROSS_REPORT_RULES),
    )
    overrides = dict(config.severities) if config else None
    grade = (lambda code, sev: severity_for(code, sev, overrides)) if overrides else None
    after = with_findings(stripped, findings, grade)
    after = _with_decisions(warehouse, after)
    changed = _changed_reports(tables, after)
    docs = write_data_docs(run, docs_dir) if docs_dir is not None and changed else None
    wanted = pa.array(changed, pa.string())

    def only(t: pa.Table) -> pa.Table:
        return t.filter(pc.is_in(t["report_id"], value_set=wanted))

    before_rows = {"reports": only(tables["reports"]), "findings": only(tables["findings"])}
    after_rows = {"reports": only(after["reports"]), "findings": only(after["findings"])}
    if changed:
        warehouse.replace_findings(after_rows["reports"], after_rows["findings"])
    return Recheck(n, before_rows, after_rows, summary_markdown(run), docs)


_COMPARED = ("code", "severity", "message", "section", "row_label", "column_label", "source_location",
             "expected", "found")


def _with_decisions(warehouse: Any, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """``tables`` with each report's status graded with the office's decisions on its bytes."""
    from warehouse.resolutions import graded_statuses

    with warehouse.engine.connect() as conn:
        statuses = graded_statuses(conn, tables["reports"], tables["findings"])
    if not statuses:
        return tables
    reports = tables["reports"]
    status = [statuses.get(rid, s) for rid, s in zip(reports["report_id"].to_pylist(), reports["status"].to_pylist())]
    i = reports.schema.get_field_index("status")
    return {**tables, "reports": reports.set_column(i, "status", pa.array(status, pa.string()))}


def _changed_reports(before: dict[str, pa.Table], after: dict[str, pa.Table]) -> list[str]:
    """Report ids whose status or findings (in order) differ between two states of the same reports."""
    def by_report(t: pa.Table) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        cols = [t.column(c).to_pylist() for c in ("report_id", "finding_no") + _COMPARED]
        for row in sorted(zip(*cols), key=lambda r: (r[0], r[1])):
            out.setdefault(row[0], []).append(row[2:])
        return out

    old_f, new_f = by_report(before["findings"]), by_report(after["findings"])
    old_s = dict(zip(before["reports"]["report_id"].to_pylist(), before["reports"]["status"].to_pylist()))
    new_s = dict(zip(after["reports"]["report_id"].to_pylist(), after["reports"]["status"].to_pylist()))
    return sorted(rid for rid in new_s if new_s[rid] != old_s.get(rid) or new_f.get(rid, []) != old_f.get(rid, []))
