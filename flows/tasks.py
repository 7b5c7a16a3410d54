"""The ingest flow's tasks: one per step, each working on a whole batch of documents.

Work is batched because a Prefect task costs milliseconds of bookkeeping and the
corpus has tens of thousands of documents; a task per document would spend more
time in Prefect than in the parser. Failures are isolated per document inside a
batch: a file that cannot be read or makes the parser stumble becomes a
``file.unreadable`` finding on its own report and the batch goes on.

Only reading is retried, because only reading can succeed on a second try (a
remote path that timed out). Parsing the same bytes again gives the same result.
All tasks use ``NO_CACHE``: their inputs are bytes and live connections, which
are neither worth hashing nor hashable. The cache that matters is the
warehouse's: a file whose content hash and parser version are already loaded is
not parsed again (``select_fresh``), so a rerun parses only what changed or what
a new parser version reads differently.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.discover import NotRegularFile, SourceFile, read_bytes
from flows.parallel import ParsedChunk
from transforms.tables import content_sha256, report_id_for

READ_RETRIES = 2
READ_RETRY_DELAYS_SECONDS: list[float] = [2.0, 10.0]

# Errors that say the file is not there or not readable by us: retrying cannot help.
_TERMINAL_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.ELOOP,
                    errno.ENXIO, errno.ENAMETOOLONG, errno.EINVAL}


class TransientReadError(OSError):
    """Some files in a batch could not be read for a reason a retry may fix."""


def is_transient(exc: BaseException) -> bool:
    """Network hiccups and I/O errors are worth a retry; a missing or forbidden file is not."""
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError, NotRegularFile)):
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, OSError):
        return exc.errno not in _TERMINAL_ERRNOS
    return False


@dataclass
class FileBlob:
    """One document's bytes (or why there are none) on its way from reading to parsing."""

    file: SourceFile
    data: bytes | None
    sha256: str | None
    error: str | None = None
    error_code: str = "file.unreadable"  # the finding ``error`` becomes


def _attempt_is_final() -> bool:
    """True on the last Prefect attempt, and whenever the task body is called directly (``.fn``)."""
    from prefect.context import TaskRunContext

    ctx = TaskRunContext.get()
    if ctx is None:
        return True
    return ctx.task_run.run_count >= READ_RETRIES + 1


def _retry_transient_only(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except TransientReadError:
        return True
    except Exception:
        return False
    return False


@task(
    name="read-batch",
    retries=READ_RETRIES,
    retry_delay_seconds=READ_RETRY_DELAYS_SECONDS,
    retry_condition_fn=_retry_transient_only,
    cache_policy=NO_CACHE,
)
def read_batch(files: list[SourceFile]) -> list[FileBlob]:
    """Read every file of a batch. Transient failures retry the batch; on the last try they become findings."""
    blobs: list[FileBlob] = []
    transient: list[str] = []
    for f in files:
        if f.problem is not None:  # discovery saw it is not a regular file: never opened
            blobs.append(FileBlob(f, None, None, f.problem, f.problem_code or "file.unreadable"))
            continue
        try:
            data = read_bytes(f.path)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            if is_transient(exc):
                transient.append(f"{f.path}: {exc}")
            code = "file.not_regular" if isinstance(exc, NotRegularFile) or getattr(exc, "errno", None) == errno.ELOOP \
                else "file.unreadable"
            blobs.append(FileBlob(f, None, None, f"{type(exc).__name__}: {exc}", code))
            continue
        blobs.append(FileBlob(f, data, content_sha256(data)))
    if transient and not _attempt_is_final():
        raise TransientReadError(f"{len(transient)} file(s) failed to read, will retry: " + "; ".join(transient[:5]))
    return blobs


@task(name="parse-batch", cache_policy=NO_CACHE)
def parse_batch(blobs: list[FileBlob], pool: Any = None, parser_version: str = "", run_id: str = "",
                history: Any = None, known: Any = None) -> ParsedChunk:
    """Parse each document (across ``pool``'s processes when given) into the batch's tables.

    One head per blob, in order; a file that could not be read, or that made the
    parser stumble, is a report with only its ``file.unreadable`` finding. ``history``
    (``transforms.evidence.History``): last year's reports, for the documents parsed again.
    ``known``: the office registry's names and aliases (``Warehouse.registry_names``), passed
    once per batch, for bureaus the title does not name.
    """
    from flows.parallel import ParseItem, parse_chunk

    items = [ParseItem(b.data, b.file.name, b.file.path, report_id_of(b), b.sha256, b.error, b.error_code)
             for b in blobs]
    if pool is not None and history is None:
        return pool.parse(items, parser_version, run_id, known)
    return parse_chunk(items, parser_version, run_id, history, known)


def report_id_of(blob: FileBlob) -> str:
    """Content identifies a report; a file with no readable content is identified by its path."""
    if blob.sha256 is not None:
        return report_id_for(blob.sha256)
    return report_id_for(content_sha256(f"unreadable:{blob.file.path}".encode()))


def loaded_contents(known: dict[str, tuple[str | None, str | None]]) -> set[tuple[str, str]]:
    """``(content_sha256, parser_version)`` pairs already in the warehouse, whatever path they came from."""
    return {(sha, version) for sha, version in known.values() if sha is not None and version is not None}


def is_unchanged(blob: FileBlob, loaded: set[tuple[str, str]], parser_version: str) -> bool:
    """These bytes are already loaded by this parser version: nothing new to learn from them.

    Keyed by content rather than path so a file copied or moved to another name
    is not parsed again (the report id is the content, so loading it again would
    only move the report between paths).
    """
    return blob.sha256 is not None and (blob.sha256, parser_version) in loaded


def select_fresh(
    blobs: Iterable[FileBlob],
    loaded: set[tuple[str, str]],
    parser_version: str,
    seen_ids: set[str],
) -> tuple[list[FileBlob], int, list[FileBlob]]:
    """Blobs to parse, how many were unchanged since the last load, and the second copies of bytes seen this run.

    Both checks need only the bytes, so they happen before parsing: an unchanged
    file (same content and parser version already loaded — the cache key) and a
    second copy of the same bytes under another name cost a read, not a parse. The
    copies' names are recorded against their one report (``Warehouse.record_files``).
    """
    fresh: list[FileBlob] = []
    copies: list[FileBlob] = []
    unchanged = 0
    for blob in blobs:
        if is_unchanged(blob, loaded, parser_version):
            unchanged += 1
            continue
        rid = report_id_of(blob)
        if rid in seen_ids:
            copies.append(blob)
            continue
        seen_ids.add(rid)
        fresh.append(blob)
    return fresh, unchanged, copies


def file_names(blobs: Iterable[FileBlob]) -> list[tuple[str, str, str]]:
    """``(report_id, source_path, content_sha256)`` of every blob with content: what ``record_files`` keeps."""
    return [(report_id_of(b), b.file.path, b.sha256) for b in blobs if b.sha256 is not None]


def select_reports(
    parsed: ParsedChunk,
    *,
    years: Iterable[int] | None = None,
    bureaus: Iterable[str] | None = None,
) -> tuple[dict[str, pa.Table], int]:
    """The batch's tables cut to the reports of the wanted years and bureaus, and how many were dropped.

    ``years`` are the reporting years wanted, ``bureaus`` the exact bureau names wanted
    (None: any). Second copies of the same bytes never get here: ``select_fresh`` keeps
    them from being parsed, so a batch's report ids are distinct.
    """
    wanted_years = set(years or ())
    wanted_bureaus = {b.strip() for b in bureaus} if bureaus else None
    keep = [h.report_id for h in parsed.heads
            if (not wanted_years or h.year in wanted_years)
            and (wanted_bureaus is None or (h.bureau or "").strip() in wanted_bureaus)]
    filtered = len(parsed.heads) - len(keep)
    if not filtered:
        return parsed.tables, 0
    wanted = pa.array(keep, pa.string())
    return {name: t.filter(pc.is_in(t["report_id"], value_set=wanted)) for name, t in parsed.tables.items()}, filtered


@task(name="validate-batch", cache_policy=NO_CACHE)
def validate_tables(tables: dict[str, pa.Table], warehouse: Any = None, rules_config: str | None = None,
                    run_id: str | None = None, docs_dir: str | None = None, cross_report: bool = True) -> Any:
    """The rulebook on one batch, against the warehouse's history: findings by report_id,
    a per-rule summary, and the batch's Data Docs page (``expectations.check_batch``).

    The ingest flow passes ``cross_report=False`` and checks the cross-report rules once
    after all its batches are loaded (``recheck_cross_report``), so load order never matters.
    """
    from expectations.batch import check_batch

    return check_batch(tables, warehouse=warehouse, config=rules_config, run_id=run_id, docs_dir=docs_dir,
                       cross_report=cross_report)


@task(name="recheck-cross-report", cache_policy=NO_CACHE)
def recheck_tables(warehouse: Any, years: list[int | None], rules_config: str | None = None,
                   run_id: str | None = None, docs_dir: str | None = None) -> Any:
    """The cross-report rules on every current report the run's years can affect, against the complete warehouse."""
    from expectations.batch import recheck_cross_report

    return recheck_cross_report(warehouse, set(years), config=rules_config, run_id=run_id, docs_dir=docs_dir)


@task(name="load-batch", cache_policy=NO_CACHE)
def load_tables(warehouse: Any, tables: dict[str, pa.Table]) -> Any:
    """Replace the batch's reports in the warehouse; returns the warehouse's ``LoadResult``."""
    return warehouse.load(tables)


@task(name="write-parquet-mirror", cache_policy=NO_CACHE)
def mirror_years(warehouse: Any, years: list[int | None], root: str) -> Any:
    """Rewrite the Parquet mirror for the years this run touched and every year left stale (a crashed run)."""
    from warehouse.parquet import heal_mirror

    return heal_mirror(warehouse, root, years)
