"""The annual ingest: documents under a source → parsed, checked, loaded, mirrored to Parquet.

The flow only composes: discovery and reading live in ``flows.discover``, the
per-batch steps in ``flows.tasks``, parsing in ``transforms`` (spread over
processes by ``flows.parallel``), checks in ``expectations``, storage in
``warehouse``.

Batches are pipelined: while batch *n* is validated and loaded in the flow
process, batch *n+1* is parsed — by the parse pool's worker processes under the
default task runner, by Dask's workers under a Dask task runner (several batches
ahead). The warehouse connection never leaves the flow process.

It can be called as a Prefect flow (CLI, deployment) or through ``annual_ingest.fn`` (tests, scripts): outside a
flow run it logs to the standard logger and publishes no artifact.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from prefect import flow

from flows.discover import SourceFile, discover, discover_files
from flows.parallel import ParsePool
from flows.summary import IngestSummary
from flows.tasks import (
    file_names,
    load_tables,
    loaded_contents,
    mirror_years,
    parse_batch,
    read_batch,
    recheck_tables,
    report_id_of,
    select_fresh,
    select_reports,
    validate_tables,
)
from flows.locking import write_slot
from flows.settings import resolve_settings
from transforms.tables import stamp_loaded_at
from warehouse.locks import writer_wait_seconds
from warehouse.urls import mask_url

T = TypeVar("T")
ARTIFACT_KEY = "annual-ingest-summary"
# Documents per batch: one Prefect task per step per batch. Large enough that the
# expectations' fixed cost per validation (~0.3 s) and Prefect's per task (~10 ms)
# are small per report; small enough that two batches in memory are nothing.
DEFAULT_BATCH_SIZE = 1000
# The flow reports files done on this logger; `gongkai ingest` draws a progress bar from it.
PROGRESS_LOGGER = "gongkai.progress"


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
    source: str | None = None,
    year: int | None = None,
    force: bool = False,
    warehouse_url: str | None = None,
    parquet_root: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    data_dir: str | None = None,
    years: list[int] | None = None,
    bureaus: list[str] | None = None,
    files: list[str] | None = None,
    workers: int | None = None,
    rules_config: str | None = None,
    registry: str | None = None,
) -> IngestSummary:
    """Ingest the documents under ``source`` (folder, file or fsspec URL), or a selection of them.

    - Unchanged files (same content hash and parser version as already loaded) are
      skipped unless ``force``: the warehouse is the cache.
    - ``year``/``years`` keep only reports of those reporting years, ``bureaus``
      only reports of those bureaus (exact names). Files the warehouse already
      knows to belong to another bureau or year are not even read: a rerun of one
      bureau-year touches only that report.
    - ``files``: only these documents (paths or URLs, or names relative to ``source``).
      With no ``source`` and no ``files``, a rerun takes the files the warehouse
      holds for the requested bureaus/years.
    - ``workers``: processes parsing at once (default: every core; 1 parses in the
      flow's process). Under a Dask task runner, Dask's workers parse instead.
    - ``rules_config``: a TOML/JSON file of rule severities and options (see
      ``expectations/rules.example.toml``); ``registry``: the office's bureau CSV,
      loaded into the warehouse before the batches are checked (roll-ups, missing
      submissions, unknown bureaus).

    Locations left as None come from ``GONGKAI_*`` environment variables, then
    from defaults under ``data_dir`` (see ``flows.settings``).
    """
    from transforms.parse import PARSER_VERSION

    started = time.perf_counter()
    log = _logger()
    if source is None and not files and not years and year is None and not bureaus:
        raise ValueError("nothing to ingest: give a source, files, or the years/bureaus to rerun")
    settings = resolve_settings(data_dir=data_dir, warehouse_url=warehouse_url, parquet_root=parquet_root)
    label = source if source is not None else _rerun_label(years, year, bureaus, files)
    summary = IngestSummary(source=label, warehouse_url=mask_url(settings.warehouse_url),
                            parquet_root=settings.parquet_root)
    wanted_years = sorted(set(years or ()) | ({year} if year is not None else set()))

    parameters: dict[str, Any] = {"year": year, "years": years, "bureaus": bureaus, "files": files, "force": force,
                                  "batch_size": batch_size, "parser_version": PARSER_VERSION}
    local_runner = _runs_locally()
    in_flight = 1 if local_runner else max(2, 2 * (workers or 2))
    t0 = time.perf_counter()
    with write_slot(settings.warehouse_url, label=f"annual-ingest of {label}", timeout=writer_wait_seconds(),
                    log=log):
        summary.add_stage("wait for the writer lock", time.perf_counter() - t0)
        started = time.perf_counter()  # throughput counts the run's work, not its wait
        _ingest(settings, source, files, wanted_years, bureaus, registry, force, batch_size, workers,
                rules_config, parameters, label, local_runner, in_flight, summary, log)

    summary.elapsed_seconds = time.perf_counter() - started
    log.info("ingest done in %.1f s: %d seen, %d skipped (unchanged), %d not selected, %d parsed, %d loaded "
             "(%.0f reports/s); by status %s; by carrier %s; findings by severity %s; seconds by stage %s",
             summary.elapsed_seconds, summary.files_seen, summary.files_skipped, summary.files_not_selected,
             summary.files_parsed, summary.reports_loaded, summary.reports_per_second, summary.reports_by_status,
             summary.reports_by_carrier, summary.findings_by_severity,
             {k: round(v, 2) for k, v in summary.stage_seconds.items()})
    _publish(summary)
    return summary


def _ingest(settings: Any, source: str | None, files: list[str] | None, wanted_years: list[int],
            bureaus: list[str] | None, registry: str | None, force: bool, batch_size: int, workers: int | None,
            rules_config: str | None, parameters: dict[str, Any], label: str, local_runner: bool, in_flight: int,
            summary: IngestSummary, log: Any) -> None:
    """The run's body, under the warehouse's write slot."""
    from transforms.parse import PARSER_VERSION
    from warehouse.store import Warehouse

    # Held only during each call (a load, a history read), so analysts can query between them; waits
    # for their queries are routine (INFO), waits for another writer are warnings (``write_slot``).
    warehouse = Warehouse.open(url=settings.warehouse_url, data_dir=str(settings.data_dir), on_wait=log.info,
                               keep_open=False)
    try:
        chosen, not_selected, left_out = select_files(warehouse, source, files, wanted_years, bureaus)
        summary.files_seen = len(chosen) + not_selected
        summary.files_not_selected = not_selected
        summary.files_left_out = left_out
        for reason, names in sorted(left_out.items()):
            log.info("discovery left out %d file(s): %s (e.g. %s)", len(names), reason, ", ".join(names[:3]))
        log.info("discovered %d file(s) under %s; %d selected, %d of other bureaus/years not read",
                 summary.files_seen, label, len(chosen), not_selected)
        if registry:
            warehouse.load_registry(registry)
        # the registry's names and aliases, read once per run and handed to the parser with each batch
        known = warehouse.registry_names() or None
        run_id = warehouse.start_run(label, parameters)
        summary.run_id = str(run_id)
        checks = {"rules_config": rules_config,
                  "docs_root": str(Path(settings.data_dir) / "datadocs" / str(run_id))}
        loaded = set() if force else loaded_contents(warehouse.known_files())
        touched_years: set[int | None] = set()
        loaded_ids: set[str] = set()
        loaded_years: set[int | None] = set()  # years of the reports this run loaded (for the re-check)
        seen_ids: set[str] = set()
        total = len(chosen)
        done = 0
        pool = ParsePool(workers) if local_runner else None
        with ExitStack() as stack:
            if pool is not None:
                stack.enter_context(pool)
            background = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="gongkai-parse"))
            pending: deque[_Pending] = deque()
            warming: Any = False

            def finish(item: _Pending) -> None:
                nonlocal done
                done += item.n_files
                if item.parsing is not None:
                    _load_batch(item, summary, warehouse, wanted_years, bureaus, touched_years, log,
                                checks, loaded_ids, loaded_years, known)
                else:
                    log.info("batch %d: %d file(s), all unchanged or duplicates", item.n, item.n_files)
                _progress(done, total)

            _progress(0, total)
            for n, batch in enumerate(_chunks(chosen, batch_size), start=1):
                t0 = time.perf_counter()
                blobs = _step(read_batch, batch)
                summary.add_stage("read", time.perf_counter() - t0)
                fresh, unchanged, copies = select_fresh(blobs, loaded, PARSER_VERSION, seen_ids)
                duplicates = len(copies)
                summary.files_skipped += unchanged
                summary.files_duplicate += duplicates
                summary.duplicate_names += [(b.file.name, rid) for rid, b in
                                            ((report_id_of(b), b) for b in copies)]
                warehouse.record_files(file_names(blobs), summary.run_id)
                parsing = (_submit(background, parse_batch, fresh, pool, PARSER_VERSION, summary.run_id, None, known)
                           if fresh else None)
                if fresh and not warming:
                    from expectations.warmup import import_in_background

                    warming = import_in_background() or True  # GE's import, while this batch parses
                pending.append(_Pending(n, len(blobs), unchanged, duplicates, parsing, fresh))
                while len(pending) > in_flight:
                    finish(pending.popleft())
            while pending:
                finish(pending.popleft())
        # Cross-report rules once, against everything loaded (this run's years, and those a crashed run left).
        recheck_for = loaded_years | set(warehouse.unsettled_years())
        if recheck_for:
            t0 = time.perf_counter()
            docs_dir = str(Path(checks["docs_root"]) / "recheck") if checks.get("docs_root") else None
            rechecked = _step(recheck_tables, warehouse, _sorted_years(recheck_for), rules_config,
                              summary.run_id, docs_dir)
            summary.add_stage("cross-report check", time.perf_counter() - t0)
            summary.apply_recheck(rechecked, summary.run_id)
            touched_years |= rechecked.years
            log.info("cross-report check: %d current report(s) checked, %d changed", rechecked.checked,
                     len(rechecked.changed_ids))
        if summary.data_docs:
            from expectations.datadocs import write_run_index

            index = write_run_index(checks["docs_root"])
            summary.data_docs_index = str(index) if index is not None else None
        if loaded_ids or recheck_for:
            # the pages of what this run loaded or re-graded (and the index of every year)
            pages_for = loaded_ids | set(rechecked.changed_ids if recheck_for else ())
            summary.review_index = _write_review(warehouse, Path(settings.data_dir) / "review", pages_for, log)
        # always: a run that touched nothing still repairs a mirror an earlier run left stale
        t0 = time.perf_counter()
        with warehouse.holding():  # one open of the database for all the years' exports
            _step(mirror_years, warehouse, _sorted_years(touched_years), settings.parquet_root)
        summary.add_stage("parquet", time.perf_counter() - t0)
        warehouse.finish_run(run_id, status="finished", **_run_counts(summary))
        warehouse.settle_runs(run_id)
    except BaseException:
        _finish_failed(warehouse, summary)
        raise
    finally:
        warehouse.close()


@dataclass
class _Pending:
    """A batch whose parse is under way while the flow loads the one before it."""

    n: int
    n_files: int
    unchanged: int
    duplicates: int
    parsing: Any  # a future of a ParsedChunk, or None when nothing needed parsing
    blobs: list[Any] = field(default_factory=list)  # the documents parsed (to parse again with history)


def _write_review(warehouse: Any, out: Path, report_ids: set[str], log: Any) -> str | None:
    """The office's review pages: the index of every year, and the pages of the reports this run loaded.

    Not worth failing a run over: the data is loaded; ``gongkai review`` writes them again.
    """
    from review import write_site

    t0 = time.perf_counter()
    try:
        result = write_site(warehouse, out, None, report_ids)
    except Exception:  # noqa: BLE001 - the load succeeded; say so and go on
        log.exception("could not write the review pages under %s (run `gongkai review`)", out)
        return None
    log.info("review pages: %s (%d page(s), %.1f s)", result.index, result.pages, time.perf_counter() - t0)
    return str(result.index)


def _load_batch(item: _Pending, summary: IngestSummary, warehouse: Any,
                wanted_years: list[int], bureaus: list[str] | None, touched_years: set[int | None],
                log: Any, checks: dict[str, Any] | None = None, loaded_ids: set[str] | None = None,
                loaded_years: set[int | None] | None = None, known: dict[str, str] | None = None) -> None:
    loaded_years = set() if loaded_years is None else loaded_years
    t0 = time.perf_counter()
    parsed = item.parsing.result()
    summary.add_stage("wait for parse", time.perf_counter() - t0)
    parsed = _with_last_year(parsed, item.blobs, warehouse, log, known)
    parsed = _with_other_carriers(parsed, log)
    parse_seconds = sum(h.seconds for h in parsed.heads)
    summary.add_stage("parse (per-file sum)", parse_seconds)
    summary.add_parse_times([(h.seconds, h.name) for h in parsed.heads])
    summary.files_parsed += len(parsed.heads)
    tables, filtered = select_reports(parsed, years=wanted_years, bureaus=bureaus)
    n_parsed = len(parsed.heads)
    del parsed
    summary.files_filtered += filtered
    if tables["reports"].num_rows == 0:
        log.info("batch %d: %d parsed, none to load (%d of other years/bureaus)", item.n, filtered, filtered)
        return
    t0 = time.perf_counter()
    checks = checks or {}
    docs_dir = str(Path(checks["docs_root"]) / f"batch-{item.n:04d}") if checks.get("docs_root") else None
    checked = _step(validate_tables, tables, warehouse, checks.get("rules_config"), summary.run_id, docs_dir, False)
    tables = stamp_loaded_at(checked.apply(tables))
    summary.add_rule_summary(item.n, checked.summary_markdown, checked.data_docs)
    validate_seconds = time.perf_counter() - t0
    summary.add_stage("validate", validate_seconds)
    t0 = time.perf_counter()
    result = _step(load_tables, warehouse, tables)
    load_seconds = time.perf_counter() - t0
    summary.add_stage("load", load_seconds)
    touched_years |= _years_of(result)
    if loaded_ids is not None:
        loaded_ids.update(result.report_ids)
    loaded_years.update(tables["reports"].column("year").to_pylist())
    summary.add_tables(tables, dict(getattr(result, "regraded", {}) or {}))
    log.info("batch %d: read %d, unchanged %d, duplicates %d, parsed %d (%.2f s of parsing), "
             "filtered %d, loaded %d report(s) with %d finding(s); validate %.2f s, load %.2f s",
             item.n, item.n_files, item.unchanged, item.duplicates, n_parsed, parse_seconds,
             filtered, tables["reports"].num_rows, tables["findings"].num_rows, validate_seconds, load_seconds)


def _with_last_year(parsed: Any, blobs: list[Any], warehouse: Any, log: Any, known: dict[str, str] | None = None) -> Any:
    """Parse again, with last year's reports of their bureaus from the warehouse, the documents that want them.

    A parse is pure, so history comes in as data: only documents whose run-together digits
    last year's report could settle (identities 5 and 6) are parsed again, in this process.
    """
    from transforms.parse import PARSER_VERSION

    from flows.parallel import replace_reports
    from transforms.evidence import bureau_key, history_from_tables

    wanted = [h for h in parsed.heads if h.wants_history and h.bureau and h.year]
    if not wanted:
        return parsed
    found = history_from_tables(warehouse.history_tables({h.bureau for h in wanted}, {h.year - 1 for h in wanted},
                                                         ("reports", "application_facts", "disclosure_facts")))
    again = {h.report_id for h in wanted if (bureau_key(h.bureau), h.year - 1) in found}
    if not again:
        return parsed
    subset = [b for b in blobs if report_id_of(b) in again]
    run_id = parsed.tables["reports"].column("run_id")[0].as_py()
    chunk = _step(parse_batch, subset, None, PARSER_VERSION, run_id, found, known)
    log.info("%d document(s) parsed again with last year's report of their bureau", len(subset))
    return replace_reports(parsed, chunk)


def _with_other_carriers(parsed: Any, log: Any) -> Any:
    """Cells one file of the batch left null that another carrier of the same report reads
    (``transforms.other_carrier``: same bureau, year and layout, every cell both read equal)."""
    from flows.parallel import ParsedChunk
    from transforms.other_carrier import tables_with_other_carriers

    tables, n = tables_with_other_carriers(parsed.tables)
    if not n:
        return parsed
    log.info("%d cell(s) taken from another carrier of the same report", n)
    return ParsedChunk(parsed.heads, tables)


def _submit(background: ThreadPoolExecutor, task: Any, *args: Any) -> Any:
    """Start a task without waiting: through the flow's task runner in a flow run, on a thread outside one."""
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is not None:
        return task.submit(*args)
    return background.submit(task.fn, *args)


def _runs_locally() -> bool:
    """True unless the flow runs on a distributed task runner (Dask): then its workers parse, not our pool."""
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    ctx = FlowRunContext.get()
    return ctx is None or ctx.task_runner is None or isinstance(ctx.task_runner, ThreadPoolTaskRunner)


def _progress(done: int, total: int) -> None:
    """Files done so far, on a plain logger the CLI's progress bar listens to (silent otherwise)."""
    logging.getLogger(PROGRESS_LOGGER).info("%d/%d files", done, total, extra={"gongkai_progress": (done, total)})


def _rerun_label(years: list[int] | None, year: int | None, bureaus: list[str] | None,
                 files: list[str] | None) -> str:
    parts = []
    ys = sorted(set(years or ()) | ({year} if year is not None else set()))
    if ys:
        parts.append("years " + ",".join(map(str, ys)))
    if bureaus:
        parts.append("bureaus " + ",".join(bureaus))
    if files:
        parts.append(f"{len(files)} file(s)")
    return "rerun: " + "; ".join(parts)


def select_files(warehouse: Any, source: str | None, files: list[str] | None, years: list[int],
                 bureaus: list[str] | None) -> tuple[list[SourceFile], int, dict[str, list[str]]]:
    """The documents to read, how many discovered ones the warehouse says belong to other bureaus/years,
    and the names discovery left out on purpose, by reason.

    A file the warehouse has never seen (or whose report is of a wanted bureau-year)
    is read and parsed; the year/bureau filter is then applied to what it parsed to.
    """
    left_out: dict[str, list[str]] = {}
    if files:
        chosen = _named_files(source, files)
    elif source is not None:
        found = discover(source)
        chosen, left_out = found.files, found.skipped
    else:
        return _known_files_of(warehouse, years, bureaus), 0, left_out
    if not years and not bureaus:
        return chosen, 0, left_out
    known = _known_bureau_years(warehouse)
    keep = [f for f in chosen if f.path not in known or any(_matches(b, y, years, bureaus) for b, y in known[f.path])]
    return keep, len(chosen) - len(keep), left_out


def _matches(bureau: str | None, year: int | None, years: list[int], bureaus: list[str] | None) -> bool:
    return (not years or year in years) and (not bureaus or (bureau or "").strip() in {b.strip() for b in bureaus})


def _named_files(source: str | None, files: list[str]) -> list[SourceFile]:
    """``files`` as documents: names relative to ``source`` (or globs), else paths and URLs of their own."""
    if source is not None:
        found = discover_files(source)
        chosen = [f for f in found if any(fnmatch(f.name, pat) or f.path == pat or
                                          PurePosixPath(f.name).name == pat for pat in files)]
        missing = [pat for pat in files if not any(fnmatch(f.name, pat) or f.path == pat or
                                                   PurePosixPath(f.name).name == pat for f in chosen)]
        if missing:
            _logger().warning("%d requested file(s) not found under %s: %s", len(missing), source, missing[:5])
        return chosen
    out: list[SourceFile] = []
    for f in files:
        out.extend(discover_files(f))  # raises FileNotFoundError for a missing file: the request was wrong
    return [SourceFile(f.path if "://" in f.path else os.path.abspath(f.path), f.name, f.problem, f.problem_code)
            for f in out]


def _known_bureau_years(warehouse: Any) -> dict[str, set[tuple[str | None, int | None]]]:
    rows = warehouse.query("SELECT source_path, bureau, year FROM reports WHERE source_path IS NOT NULL").to_pylist()
    known: dict[str, set[tuple[str | None, int | None]]] = {}
    for r in rows:
        known.setdefault(r["source_path"], set()).add((r["bureau"], r["year"]))
    return known


def _known_files_of(warehouse: Any, years: list[int], bureaus: list[str] | None) -> list[SourceFile]:
    """The files the warehouse loaded for these bureau-years, named as their ingest named them; gone ones skipped."""
    from flows.discover import source_exists

    rows = warehouse.query(
        "SELECT r.source_path, r.bureau, r.year, i.source FROM reports r "
        "LEFT JOIN ingest_runs i ON i.run_id = r.run_id WHERE r.source_path IS NOT NULL "
        "ORDER BY r.source_path").to_pylist()
    out: dict[str, SourceFile] = {}
    for r in rows:
        if r["source_path"] in out or not _matches(r["bureau"], r["year"], years, bureaus):
            continue
        if not source_exists(r["source_path"]):
            _logger().warning("%s is no longer there; its report is left as it is", r["source_path"])
            continue
        out[r["source_path"]] = SourceFile(r["source_path"], _relative_name(r["source_path"], r["source"]))
    return list(out.values())


def _relative_name(path: str, root: str | None) -> str:
    if root and "://" not in root and not root.startswith("rerun:"):
        root = os.path.abspath(root)
    if root and path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")) + 1:]
    return PurePosixPath(path).name


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
