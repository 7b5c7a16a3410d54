"""The annual ingest: documents under a source → parsed, checked, loaded, mirrored to Parquet.

The flow only composes: discovery and reading live in ``flows.discover``, the
per-batch steps in ``flows.tasks``, parsing in ``transforms``, checks in
``expectations``, storage in ``warehouse``. It can be called as a Prefect flow
(CLI, deployment) or through ``annual_ingest.fn`` (tests, scripts): outside a
flow run it logs to the standard logger and publishes no artifact.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from prefect import flow

from flows.discover import SourceFile, discover_files
from flows.summary import IngestSummary
from flows.tasks import (
    build_rows,
    is_unchanged,
    load_tables,
    loaded_contents,
    mirror_years,
    parse_batch,
    read_batch,
    validate_tables,
)
from gongkai.config import resolve_settings
from transforms.tables import to_tables

T = TypeVar("T")
ARTIFACT_KEY = "annual-ingest-summary"


def _logger() -> logging.Logger | logging.LoggerAdapter:
    from prefect.context import FlowRunContext
    from prefect.logging import get_run_logger

    if FlowRunContext.get() is not None:
        return get_run_logger()
    return logging.getLogger("gongkai.ingest")


def _step(task: Any, *args: Any) -> Any:
    """Run a task as a Prefect task inside a flow run, as a plain function outside one.

    Prefect 3 would otherwise turn each task call in ``annual_ingest.fn`` into a
    standalone task run and start a server for it; scripts and tests calling the
    body directly want none of that.
    """
    from prefect.context import FlowRunContext

    return task(*args) if FlowRunContext.get() is not None else task.fn(*args)


def _chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    size = max(1, size)
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _publish(summary: IngestSummary) -> None:
    """Publish the run summary as a markdown artifact, when there is a flow run to attach it to."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(markdown=summary.to_markdown(), key=ARTIFACT_KEY,
                             description=f"gongkai ingest of {summary.source}")


@flow(name="annual-ingest", log_prints=False)
def annual_ingest(
    source: str,
    year: int | None = None,
    force: bool = False,
    warehouse_url: str | None = None,
    parquet_root: str | None = None,
    batch_size: int = 200,
    data_dir: str | None = None,
) -> IngestSummary:
    """Ingest every document under ``source`` (folder, file or fsspec URL).

    Unchanged files (same content and parser version as last loaded) are skipped
    unless ``force``; ``year`` keeps only reports of that reporting year.
    Locations left as None come from ``GONGKAI_*`` environment variables, then
    from defaults under ``data_dir`` (see ``gongkai.config``).
    """
    from transforms.parse import PARSER_VERSION
    from warehouse.store import Warehouse

    log = _logger()
    settings = resolve_settings(data_dir=data_dir, warehouse_url=warehouse_url, parquet_root=parquet_root)
    summary = IngestSummary(source=source, warehouse_url=settings.warehouse_url, parquet_root=settings.parquet_root)

    files: list[SourceFile] = discover_files(source)
    summary.files_seen = len(files)
    log.info("discovered %d file(s) under %s", len(files), source)

    parameters: dict[str, Any] = {"year": year, "force": force, "batch_size": batch_size,
                                  "parser_version": PARSER_VERSION}
    warehouse = Warehouse.open(url=settings.warehouse_url, data_dir=str(settings.data_dir))
    try:
        run_id = warehouse.start_run(source, parameters)
        summary.run_id = str(run_id)
        loaded = set() if force else loaded_contents(warehouse.known_files())
        touched_years: set[int | None] = set()
        seen_ids: set[str] = set()
        for n, batch in enumerate(_chunks(files, batch_size), start=1):
            blobs = _step(read_batch, batch)
            fresh = [b for b in blobs if not is_unchanged(b, loaded, PARSER_VERSION)]
            summary.files_skipped += len(blobs) - len(fresh)
            if not fresh:
                log.info("batch %d: %d file(s), all unchanged", n, len(blobs))
                continue
            parsed = _step(parse_batch, fresh)
            summary.files_parsed += len(parsed)
            rows, filtered, duplicates = build_rows(parsed, summary.run_id, PARSER_VERSION, year, seen_ids)
            summary.files_filtered += filtered
            summary.files_duplicate += duplicates
            if not rows:
                log.info("batch %d: %d parsed, none to load", n, len(parsed))
                continue
            extra = _step(validate_tables, to_tables(rows))
            tables = to_tables(rows, extra)
            result = _step(load_tables, warehouse, tables)
            touched_years |= _years_of(result)
            summary.add_tables(tables)
            log.info("batch %d: read %d, skipped %d, parsed %d, loaded %d report(s), %d finding(s)",
                     n, len(blobs), len(blobs) - len(fresh), len(parsed), tables["reports"].num_rows,
                     tables["findings"].num_rows)
        if touched_years:
            _step(mirror_years, warehouse, _sorted_years(touched_years), settings.parquet_root)
        warehouse.finish_run(run_id, status="finished", **_run_counts(summary))
    except BaseException:
        _finish_failed(warehouse, summary)
        raise
    finally:
        warehouse.close()

    log.info("ingest done: %d seen, %d skipped, %d loaded; by status %s; findings by severity %s",
             summary.files_seen, summary.files_skipped, summary.reports_loaded,
             summary.reports_by_status, summary.findings_by_severity)
    _publish(summary)
    return summary


def _years_of(result: Any) -> set[int | None]:
    """Years whose rows the load inserted or deleted (None: reports whose year is unknown)."""
    return {None if y is None else int(y) for y in result.years}


def _sorted_years(years: set[int | None]) -> list[int | None]:
    return sorted(years, key=lambda y: (y is not None, y or 0))


def _run_counts(summary: IngestSummary) -> dict[str, int]:
    sev = summary.findings_by_severity
    return {"n_files": summary.files_seen, "n_reports": summary.reports_loaded, "n_errors": sev.get("error", 0),
            "n_warnings": sev.get("warning", 0), "n_infos": sev.get("info", 0)}


def _finish_failed(warehouse: Any, summary: IngestSummary) -> None:
    if summary.run_id is None:
        return
    try:
        warehouse.finish_run(summary.run_id, status="failed", **_run_counts(summary))
    except Exception:  # noqa: BLE001 - the original error is the one to report
        logging.getLogger("gongkai.ingest").exception("could not record the failed run")
