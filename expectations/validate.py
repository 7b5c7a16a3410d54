"""Validate a batch of reports: long tables in, findings per report out.

One Great Expectations validation per frame kind per batch (identities, domains),
never one per report: a batch of 10,000 reports costs two validations. Failed
rows become ``Finding`` objects keyed by report_id, ready to go back into
``transforms.tables.to_tables(rows, extra_findings=...)``. A broken identity is a
finding, never an exception: the numbers stay as published.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from expectations.frames import CodedBatch, domain_frame, identity_frame, with_cell_keys
from expectations.messages import domain_finding, identity_finding
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


def validate_batch(tables: dict[str, pa.Table]) -> dict[str, list[Finding]]:
    """Findings for every report of the batch, keyed by report_id (empty list when clean).

    Reports whose layout is unknown (None or not in the spec) are skipped: without a
    layout there is no identity to check; the parser has already reported why.
    """
    identity_rows, domain_rows = _validate_frames(tables)
    reports = tables["reports"].select(["report_id", "source_path"]).to_pylist()
    source = {r["report_id"]: r["source_path"] for r in reports}
    findings: dict[str, list[Finding]] = {r["report_id"]: [] for r in reports}
    for row in identity_rows.itertuples(index=False):
        findings[row.report_id].append(
            identity_finding(row.layout, row.identity_id, row.instance_label, row.lhs_value, row.rhs_value,
                             report=source.get(row.report_id))
        )
    for row in domain_rows.itertuples(index=False):
        block_key = row.block_key if isinstance(row.block_key, str) else None
        findings[row.report_id].append(
            domain_finding(row.layout, row.section, block_key, row.row_key, row.column_key, row.kind,
                           row.value, row.min_value, report=source.get(row.report_id))
        )
    return findings
