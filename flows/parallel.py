"""Parsing on every core: a process pool the parse task hands its batch to.

Parsing is CPU-bound Python, so threads do not help (the GIL) and a batch parsed
in the flow's own process uses one core. ``ParsePool`` cuts a batch into chunks
and parses them in worker processes; the flow keeps reading, validating and
loading in its own process meanwhile (see ``flows.ingest``), so on a 2-core
machine both cores work.

The pool starts lazily (first large batch) and only for batches big enough to
repay it: a worker process costs about a second to start and import the
parser, a report a few milliseconds to parse. Small runs (tests, a rerun of one
bureau) never start it. Under a Dask task runner the pool is not used: Dask's
workers are the processes.

Nothing here imports Prefect, so worker processes start quickly.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath

import pyarrow as pa

from transforms.evidence import History
from transforms.findings import make_finding
from transforms.report import ParsedReport
from transforms.tables import SCHEMAS, ReportRow, to_tables

# Fewer documents than this in a batch are parsed in the calling process.
MIN_POOL_BATCH = 64
# Chunks per worker: small enough to balance slow files, large enough to keep pickling cheap.
CHUNKS_PER_WORKER = 4


@dataclass
class ParseItem:
    """One document for a worker: its bytes (None when it could not be read, and why) and its identity."""

    data: bytes | None
    name: str  # as the parser reports it: relative to the source
    source_path: str
    report_id: str
    sha256: str | None
    read_error: str | None = None


@dataclass
class ParsedHead:
    """What the flow keeps of one parsed document; its content is in the batch's tables."""

    report_id: str
    name: str
    bureau: str | None
    year: int | None
    seconds: float
    wants_history: bool = False  # ambiguous cells last year's report of the bureau could settle


@dataclass
class ParsedChunk:
    """Parsed documents as the warehouse's tables (``transforms.tables.SCHEMAS``) plus a head per document.

    Workers send tables, not ``ParsedReport`` objects: unpickling a report's few hundred
    cell objects (and their Decimals) cost the flow's single process more than
    validating it; Arrow tables cross the process boundary as buffers.
    """

    heads: list[ParsedHead]
    tables: dict[str, pa.Table]


def unreadable_report(name: str, sha256: str | None, message: str) -> ParsedReport:
    """An empty report that carries only the reason its file could not be read or parsed."""
    carrier = PurePosixPath(name).suffix.lower().lstrip(".") or "unknown"
    report = ParsedReport(source=name, carrier=carrier, sha256=sha256)
    report.add(make_finding("file.unreadable", message, found=name, report=name))
    return report


def parse_one(item: ParseItem, history: History | None = None) -> tuple[ParsedReport, float]:
    """Parse one document; an exception from the parser becomes the report's finding, never raised."""
    import transforms.parse as parse  # looked up at call time, so tests can replace parse_bytes

    start = time.perf_counter()
    if item.data is None:
        return unreadable_report(item.name, item.sha256, f"文件无法读取：{item.read_error}"), 0.0
    try:
        report = parse.parse_bytes(item.data, item.name, history=history) if history else \
            parse.parse_bytes(item.data, item.name)
    except Exception as exc:  # noqa: BLE001 - parse_bytes should not raise; if it does, isolate the file
        report = unreadable_report(item.name, item.sha256, f"解析文件时出现意外错误：{type(exc).__name__}: {exc}")
    if report.sha256 is None:
        report.sha256 = item.sha256
    report.trace = []  # the matcher's debug trace is for `gongkai parse --debug`; not loaded, not shipped
    return report, time.perf_counter() - start


def parse_chunk(items: list[ParseItem], parser_version: str, run_id: str, history: History | None = None) -> ParsedChunk:
    rows, heads = [], []
    for item in items:
        report, seconds = parse_one(item, history)
        rows.append(ReportRow(report, item.report_id, item.source_path, parser_version, run_id))
        wants = bool(getattr(report.evidence, "wants_last_year", False))
        heads.append(ParsedHead(item.report_id, item.name, report.bureau, report.year, seconds, wants))
    return ParsedChunk(heads, to_tables(rows))


def replace_reports(chunk: ParsedChunk, again: ParsedChunk) -> ParsedChunk:
    """``chunk`` with the reports of ``again`` (the same files parsed again) in place of their first parse."""
    import pyarrow.compute as pc

    ids = pa.array([h.report_id for h in again.heads], pa.string())
    tables = {}
    for name in SCHEMAS:
        kept = chunk.tables[name].filter(pc.invert(pc.is_in(chunk.tables[name].column("report_id"), value_set=ids)))
        tables[name] = pa.concat_tables([kept, again.tables[name]])
    new = {h.report_id: h for h in again.heads}
    return ParsedChunk([new.get(h.report_id, h) for h in chunk.heads], tables)


def concat_chunks(chunks: list[ParsedChunk]) -> ParsedChunk:
    if len(chunks) == 1:
        return chunks[0]
    return ParsedChunk([h for c in chunks for h in c.heads],
                       {name: pa.concat_tables([c.tables[name] for c in chunks]) if chunks else
                        SCHEMAS[name].empty_table() for name in SCHEMAS})


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    # The flow process runs Prefect's threads; forking it could copy a held lock.
    # A fork server forks from a clean, single-threaded process instead.
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


class ParsePool:
    """Parse batches across ``workers`` processes; with one worker, parse in this process."""

    def __init__(self, workers: int | None = None, min_batch: int = MIN_POOL_BATCH) -> None:
        self.workers = default_workers() if workers is None else max(1, workers)
        self.min_batch = min_batch
        self._executor: Executor | None = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def parse(self, items: list[ParseItem], parser_version: str, run_id: str) -> ParsedChunk:
        """The documents' tables and heads, in the order of ``items``."""
        if self.workers <= 1 or len(items) < self.min_batch:
            return parse_chunk(items, parser_version, run_id)
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        size = max(1, math.ceil(len(items) / (self.workers * CHUNKS_PER_WORKER)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        n = len(chunks)
        return concat_chunks(list(self._executor.map(parse_chunk, chunks, [parser_version] * n, [run_id] * n)))
