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

from transforms.report import ParsedReport

# Fewer documents than this in a batch are parsed in the calling process.
MIN_POOL_BATCH = 64
# Chunks per worker: small enough to balance slow files, large enough to keep pickling cheap.
CHUNKS_PER_WORKER = 4


@dataclass
class ParseOutcome:
    """What parsing one document gave: a report, or the exception text, and the seconds it took."""

    report: ParsedReport | None
    error: str | None
    seconds: float


def parse_one(data: bytes, name: str) -> ParseOutcome:
    """Parse one document; an exception from the parser is returned as text, never raised."""
    import transforms.parse as parse  # looked up at call time, so tests can replace parse_bytes

    start = time.perf_counter()
    try:
        report = parse.parse_bytes(data, name)
    except Exception as exc:  # noqa: BLE001 - parse_bytes should not raise; if it does, isolate the file
        return ParseOutcome(None, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    report.trace = []  # the matcher's debug trace is for `gongkai parse --debug`; not loaded, not shipped
    return ParseOutcome(report, None, time.perf_counter() - start)


def parse_chunk(items: list[tuple[bytes, str]]) -> list[ParseOutcome]:
    return [parse_one(data, name) for data, name in items]


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

    def parse(self, items: list[tuple[bytes, str]]) -> list[ParseOutcome]:
        """Outcomes in the order of ``items``."""
        if self.workers <= 1 or len(items) < self.min_batch:
            return parse_chunk(items)
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        size = max(1, math.ceil(len(items) / (self.workers * CHUNKS_PER_WORKER)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        out: list[ParseOutcome] = []
        for part in self._executor.map(parse_chunk, chunks):
            out.extend(part)
        return out
