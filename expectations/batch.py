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
) -> BatchCheck:
    from expectations.datadocs import write_data_docs
    from expectations.results import summary_markdown
    from expectations.validate import validate_batch_with_results

    if config is not None and not isinstance(config, RuleConfig):
        config = load_rule_config(config)
    registry = _registry(warehouse, registry_csv)
    history = _history(warehouse, tables, registry)
    findings, run = validate_batch_with_results(
        tables, history=history, registry=registry,
        severities=config.severities if config else None,
        options=config.options if config else None, run_id=run_id,
    )
    docs = write_data_docs(run, docs_dir) if docs_dir is not None else None
    return BatchCheck(findings, summary_markdown(run), docs, dict(config.severities) if config else None)
