"""What one validation run did, rule by rule: the material of Data Docs and of the run summary.

``ValidationRun`` is plain data (JSON-serialisable through ``as_dict``): per rule its
code, effective severity, engine (GE expectation or pandas), how many instances were
checked, how many failed, how many findings it produced, and a few examples.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_EXAMPLES = 20


@dataclass
class RuleOutcome:
    rule: str
    code: str
    severity: str  # effective (after overrides); "off" when dropped
    engine: str  # "ge" or "pandas"
    description: str
    frame: str | None = None
    expectation: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    evaluated: int | None = None  # GE: instances checked (after the row condition); pandas: reports looked at
    failed: int = 0  # GE: failing instances; pandas: findings
    findings: int = 0
    success: bool = True
    skipped: str | None = None  # why the rule did not run (e.g. needs a registry)
    examples: list[dict[str, Any]] = field(default_factory=list)  # {report_id, source, message}


@dataclass
class ValidationRun:
    run_id: str | None
    started_at: str
    seconds: float
    n_reports: int
    ge_version: str | None
    frames: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> {rows, seconds}
    rules: list[RuleOutcome] = field(default_factory=list)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # report_id -> {source, status, errors, warnings, infos}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def statuses(self) -> dict[str, int]:
        out: dict[str, int] = {"clean": 0, "flagged": 0, "quarantined": 0}
        for r in self.reports.values():
            out[r["status"]] = out.get(r["status"], 0) + 1
        return out


def summary_markdown(run: ValidationRun) -> str:
    """The per-rule summary as a Markdown table (for the run's Prefect artifact and the ingest printout)."""
    statuses = run.statuses
    lines = [
        f"**{run.n_reports}** reports: {statuses.get('clean', 0)} clean, {statuses.get('flagged', 0)} flagged, "
        f"{statuses.get('quarantined', 0)} quarantined ({run.seconds:.2f} s).",
        "",
        "| rule | code | severity | engine | checked | findings |",
        "|---|---|---|---|---:|---:|",
    ]
    for r in run.rules:
        checked = "skipped: " + r.skipped if r.skipped else ("" if r.evaluated is None else str(r.evaluated))
        lines.append(f"| {r.rule} | {r.code} | {r.severity} | {r.engine} | {checked} | {r.findings} |")
    return "\n".join(lines) + "\n"
