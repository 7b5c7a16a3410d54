"""Backfill: ingest a range of past reporting years, one annual-ingest run per year or one pass for all.

With a ``{year}`` placeholder in the source (``s3://landing/{year}/``) each year
is its own ``annual-ingest`` run (a subflow, with its own summary artifact);
years with no landing folder are skipped with a warning. Without a placeholder,
one run over the source keeps the reports of the years asked for.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.discover import source_exists
from flows.ingest import DEFAULT_BATCH_SIZE, _logger, annual_ingest
from flows.summary import IngestSummary


def _call(flow_obj: Any, **kwargs: Any) -> Any:
    """A subflow inside a flow run, the plain body outside one (scripts, tests)."""
    from prefect.context import FlowRunContext

    return flow_obj(**kwargs) if FlowRunContext.get() is not None else flow_obj.fn(**kwargs)


@flow(name="annual-backfill", log_prints=False)
def annual_backfill(
    source: str,
    year_from: int,
    year_to: int,
    force: bool = False,
    warehouse_url: str | None = None,
    parquet_root: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    data_dir: str | None = None,
) -> list[IngestSummary]:
    """Ingest reporting years ``year_from``..``year_to`` (inclusive) from ``source``."""
    if year_from > year_to:
        raise ValueError(f"year_from ({year_from}) is after year_to ({year_to})")
    years = list(range(year_from, year_to + 1))
    common = {"force": force, "warehouse_url": warehouse_url, "parquet_root": parquet_root,
              "batch_size": batch_size, "data_dir": data_dir}
    if "{year}" not in source:
        return [_call(annual_ingest, source=source, years=years, **common)]
    log = _logger()
    out: list[IngestSummary] = []
    for year in years:
        src = source.format(year=year)
        if not source_exists(src):
            log.warning("backfill %d: %s does not exist, skipped", year, src)
            continue
        summary = _call(annual_ingest, source=src, years=[year], **common)
        log.info("backfill %d: %d report(s) loaded from %s", year, summary.reports_loaded, src)
        out.append(summary)
    return out
