"""What an ingest run did, in numbers: returned by the flow, printed by the CLI, published as an artifact.

Counts are taken from the tables that were loaded (not from the parser's own
report objects), so the summary includes what validation added and matches what
an analyst will find in the warehouse. Timings are wall-clock seconds per stage
(parse overlaps the other stages: it runs in worker processes while the flow
loads the previous batch) plus each file's own parse time, of which the
slowest are kept.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from transforms.report import SEVERITIES

SLOWEST_KEPT = 10


@dataclass
class IngestSummary:
    source: str
    warehouse_url: str
    parquet_root: str
    run_id: str | None = None
    files_seen: int = 0
    files_skipped: int = 0  # unchanged since the last load by the same parser version
    files_parsed: int = 0
    files_filtered: int = 0  # parsed, but not of the requested year
    files_duplicate: int = 0  # same bytes as another file of this run
    files_not_selected: int = 0  # a rerun's files of other bureaus or years, known from the warehouse
    # Names discovery left out on purpose, by reason (hidden, JSON, links to folders): none vanish untold.
    files_left_out: dict[str, list[str]] = field(default_factory=dict)
    # Second and later names of bytes already seen this run: recorded against the one report (report_files).
    duplicate_names: list[tuple[str, str]] = field(default_factory=list)  # (name, report_id)
    cross_report_changed: int = 0  # reports whose findings the after-run cross-report check changed
    reports_loaded: int = 0
    years: list[int] = field(default_factory=list)
    reports_by_status: dict[str, int] = field(default_factory=dict)
    findings_by_severity: dict[str, int] = field(default_factory=dict)
    findings_by_code: dict[str, int] = field(default_factory=dict)  # by rule: the code is the rule id
    reports_by_carrier: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    slowest_files: list[tuple[float, str]] = field(default_factory=list)  # (seconds, name), slowest first
    elapsed_seconds: float = 0.0
    data_docs: list[str] = field(default_factory=list)  # one offline page per checked batch
    data_docs_index: str | None = None  # the run's page linking every batch's
    review_index: str | None = None  # the office's review pages (index of bureau-years) for the years touched
    rule_summaries: list[str] = field(default_factory=list)  # per-rule markdown of each batch

    def add_rule_summary(self, batch: int, markdown: str, data_docs: Any = None) -> None:
        self.rule_summaries.append(f"#### Batch {batch}\n\n{markdown}")
        if data_docs is not None:
            self.data_docs.append(str(data_docs))

    def add_stage(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    def add_parse_times(self, timings: list[tuple[float, str]], keep: int = SLOWEST_KEPT) -> None:
        """Keep the ``keep`` slowest files seen so far."""
        self.slowest_files = heapq.nlargest(keep, self.slowest_files + timings)

    def add_tables(self, tables: dict[str, pa.Table], regraded: dict[str, str] | None = None) -> None:
        """Fold one loaded batch into the counts; ``regraded``: statuses the office's decisions changed at load."""
        reports = tables["reports"]
        findings = tables["findings"]
        self.reports_loaded += reports.num_rows
        statuses = reports.column("status").to_pylist()
        if regraded:
            ids = reports.column("report_id").to_pylist()
            statuses = [regraded.get(rid, s) for rid, s in zip(ids, statuses)]
        _add(self.reports_by_status, Counter(statuses))
        _add(self.findings_by_severity, Counter(findings.column("severity").to_pylist()))
        _add(self.findings_by_code, Counter(findings.column("code").to_pylist()))
        _add(self.reports_by_carrier, Counter(reports.column("carrier").to_pylist()))
        self.years = sorted(set(self.years) | {y for y in reports.column("year").to_pylist() if y is not None})

    def apply_recheck(self, recheck: Any, run_id: str | None) -> None:
        """Fold the cross-report re-check's changes to this run's reports into the counts."""
        self.cross_report_changed = len(recheck.changed_ids)
        if recheck.summary_markdown:
            self.rule_summaries.append(f"#### Cross-report check (after all batches)\n\n{recheck.summary_markdown}")
        if recheck.data_docs is not None:
            self.data_docs.append(str(recheck.data_docs))
        for sign, tables in ((-1, recheck.before), (1, recheck.after)):
            reports = tables["reports"]
            mine = [rid for rid, r in zip(reports["report_id"].to_pylist(), reports["run_id"].to_pylist())
                    if r == run_id]
            if not mine:
                continue
            mask = pa.array([rid in set(mine) for rid in reports["report_id"].to_pylist()])
            status = Counter(reports.filter(mask)["status"].to_pylist())
            findings = tables["findings"]
            fmask = pa.array([rid in set(mine) for rid in findings["report_id"].to_pylist()], pa.bool_())
            found = findings.filter(fmask)
            for into, counts in ((self.reports_by_status, status),
                                 (self.findings_by_severity, Counter(found["severity"].to_pylist())),
                                 (self.findings_by_code, Counter(found["code"].to_pylist()))):
                _add(into, Counter({k: sign * v for k, v in counts.items()}))
        for into in (self.reports_by_status, self.findings_by_severity, self.findings_by_code):
            for k in [k for k, v in into.items() if v == 0]:
                del into[k]

    @property
    def reports_per_second(self) -> float:
        return self.files_parsed / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self) -> str:
        """The run summary artifact: counts first, then findings by severity and by code."""
        lines = [
            f"# 年度报告入库 / annual ingest: `{self.source}`",
            "",
            "| files seen | skipped (unchanged) | not selected | parsed | filtered (year/bureau) | duplicates "
            "| reports loaded | seconds | reports/s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {self.files_seen} | {self.files_skipped} | {self.files_not_selected} | {self.files_parsed} "
            f"| {self.files_filtered} | {self.files_duplicate} | {self.reports_loaded} | {self.elapsed_seconds:.1f} "
            f"| {self.reports_per_second:.0f} |",
            "",
            "## Reports by status",
            "",
            "| status | reports |",
            "|---|---:|",
        ]
        lines += [f"| {k} | {v} |" for k, v in sorted(self.reports_by_status.items())] or ["| – | 0 |"]
        if self.files_left_out:
            lines += ["", "## Left out by discovery", "", "| reason | files | examples |", "|---|---:|---|"]
            lines += [f"| {reason} | {len(names)} | {', '.join(f'`{n}`' for n in names[:5])} |"
                      for reason, names in sorted(self.files_left_out.items())]
        if self.duplicate_names:
            lines += ["", "## Same bytes under another name (one report, both names recorded)", "",
                      "| file | report_id |", "|---|---|"]
            lines += [f"| `{name}` | `{rid}` |" for name, rid in self.duplicate_names[:50]]
        lines += ["", "## Reports by carrier", "", "| carrier | reports |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(self.reports_by_carrier.items())] or ["| – | 0 |"]
        lines += ["", "## Findings by severity", "", "| severity | findings |", "|---|---:|"]
        lines += [f"| {sev} | {self.findings_by_severity.get(sev, 0)} |" for sev in SEVERITIES]
        lines += ["", "## Findings by rule", "", "| rule | findings |", "|---|---:|"]
        by_code = sorted(self.findings_by_code.items(), key=lambda kv: (-kv[1], kv[0]))
        lines += [f"| `{k}` | {v} |" for k, v in by_code] or ["| – | 0 |"]
        lines += ["", "## Slowest files to parse", "", "| file | ms |", "|---|---:|"]
        lines += [f"| `{name}` | {sec * 1000:.0f} |" for sec, name in self.slowest_files] or ["| – | – |"]
        lines += ["", "## Seconds by stage", "", "| stage | seconds |", "|---|---:|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in self.stage_seconds.items()] or ["| – | – |"]
        lines += ["", f"Warehouse: `{self.warehouse_url}`  ", f"Parquet: `{self.parquet_root}`  ",
                  f"Years touched: {', '.join(map(str, self.years)) or '–'}  ",
                  f"Data Docs: {f'`{self.data_docs_index}` (the run); ' if self.data_docs_index else ''}"
                  f"{', '.join(f'`{p}`' for p in self.data_docs) or '–'}  ",
                  f"Review pages: {f'`{self.review_index}`' if self.review_index else '–'}"]
        if self.rule_summaries:
            lines += ["", "## What each rule checked", ""] + self.rule_summaries
        return "\n".join(lines) + "\n"


def _add(into: dict[str, int], counts: Counter) -> None:
    for key, n in counts.items():
        k = str(key)
        into[k] = into.get(k, 0) + n
