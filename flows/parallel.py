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

Each worker parses under a budget (``transforms.readers.limits``): a wall-clock alarm
per file (``file.too_slow``), an address-space limit per worker (a ``MemoryError``
becomes ``file.too_large``) and a CPU-time limit per file as the backstop for code
that never returns to Python. A worker that dies anyway (killed by the kernel, or
by that backstop) breaks only its chunk: the chunk's files are parsed again one at
a time in a fresh pool, and the file that kills its worker a second time becomes a
finding. Workers die with the flow (``PR_SET_PDEATHSIG``), never outliving a killed run.

Nothing here imports Prefect, so worker processes start quickly.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pyarrow as pa

from flows.lifetime import die_with_parent
from transforms.evidence import History
from transforms.findings import make_finding
from transforms.readers.limits import LIMITS, TOO_LARGE, TOO_SLOW, Limits
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
    read_error_code: str = "file.unreadable"  # or file.not_regular: a FIFO, socket, device, symlink loop


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


def unreadable_report(name: str, sha256: str | None, message: str, code: str = "file.unreadable") -> ParsedReport:
    """An empty report that carries only the reason its file could not be read or parsed."""
    carrier = PurePosixPath(name).suffix.lower().lstrip(".") or "unknown"
    report = ParsedReport(source=name, carrier=carrier, sha256=sha256)
    report.add(make_finding(code, message, found=name, report=name))
    return report


class FileTimeout(BaseException):
    """Raised by the per-file alarm. A ``BaseException`` so no reader's ``except Exception`` can swallow it."""


class _WorkerBudget:
    """What a parse worker applies to each file (set once per worker by ``_init_worker``)."""

    limits: Limits | None = None
    parser: str | None = None  # "module:function" standing in for transforms.parse.parse_bytes (tests)


def _init_worker(limits: Limits, parser: str | None = None, flow_pid: int | None = None) -> None:
    """Runs once in each worker: address-space limit, death with the flow, the per-file budget."""
    _WorkerBudget.limits = limits
    _WorkerBudget.parser = parser
    die_with_parent()  # the fork server dies: so does the worker
    if flow_pid is not None:
        threading.Thread(target=_watch_flow, args=(flow_pid,), name="gongkai-watch-flow", daemon=True).start()
    import transforms.parse  # noqa: F401 - imported before any file's clock starts
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = limits.worker_memory_bytes
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, ValueError, OSError):  # not Linux, or not allowed: the other budgets still hold
        pass


def _watch_flow(flow_pid: int, every: float = 1.0) -> None:
    """End this worker, and the fork server that started it, once the flow process is gone (e.g. ``kill -9``).

    The worker's parent is multiprocessing's fork server, which outlives a killed flow;
    polling the flow's pid is what ties the worker to the flow itself.
    """
    while True:
        time.sleep(every)
        try:
            os.kill(flow_pid, 0)
            continue
        except ProcessLookupError:
            pass
        except OSError:
            continue
        server = os.getppid()
        try:
            with open(f"/proc/{server}/cmdline", "rb") as fh:
                if b"multiprocessing.forkserver" in fh.read():
                    os.kill(server, signal.SIGKILL)
        except OSError:
            pass
        os._exit(1)


@contextmanager
def _file_budget(limits: Limits | None) -> Iterator[None]:
    """Within a worker's main thread: an alarm after ``seconds_per_file`` and a CPU-time backstop at three times it."""
    if limits is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    import resource

    def _alarm(signum: int, frame: object) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, _alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    used = resource.getrusage(resource.RUSAGE_SELF)
    backstop = int(used.ru_utime + used.ru_stime + 3 * limits.seconds_per_file) + 1
    if hard == resource.RLIM_INFINITY or backstop < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (backstop, hard))
    signal.setitimer(signal.ITIMER_REAL, limits.seconds_per_file)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def over_budget_report(name: str, sha256: str | None, code: str, message: str) -> ParsedReport:
    """An empty report carrying only the budget it exceeded (``file.too_large`` / ``file.too_slow``)."""
    carrier = PurePosixPath(name).suffix.lower().lstrip(".") or "unknown"
    report = ParsedReport(source=name, carrier=carrier, sha256=sha256)
    report.add(make_finding(code, message, found=name, report=name))
    return report


def parse_one(item: ParseItem, history: History | None = None,
              known: Mapping[str, str] | None = None) -> tuple[ParsedReport, float]:
    """Parse one document; an exception from the parser becomes the report's finding, never raised.

    In a parse worker the file runs under its budget: past ``seconds_per_file`` it is
    a ``file.too_slow`` report, out of memory a ``file.too_large`` one.
    """
    start = time.perf_counter()
    if item.data is None:
        return unreadable_report(item.name, item.sha256, f"文件无法读取：{item.read_error}", item.read_error_code), 0.0
    limits = _WorkerBudget.limits
    parse_bytes = _parser()
    try:
        with _file_budget(limits):
            # only what is given: a stand-in parser (tests) takes just (data, name)
            extra = {k: v for k, v in (("history", history), ("known", known)) if v}
            report = parse_bytes(item.data, item.name, **extra)
    except FileTimeout:
        seconds = limits.seconds_per_file if limits else 0
        report = over_budget_report(item.name, item.sha256, TOO_SLOW,
                                    f"文件“{item.name}”解析超过{seconds:.0f}秒的上限，已停止，未读取。")
    except MemoryError:
        memory = (limits.worker_memory_bytes if limits else 0) / 2**20
        report = over_budget_report(item.name, item.sha256, TOO_LARGE,
                                    f"文件“{item.name}”解析所需内存超过{memory:.0f} MB的上限，已停止，未读取。")
    except Exception as exc:  # noqa: BLE001 - parse_bytes should not raise; if it does, isolate the file
        report = unreadable_report(item.name, item.sha256, f"解析文件时出现意外错误：{type(exc).__name__}: {exc}")
    if report.sha256 is None:
        report.sha256 = item.sha256
    report.trace = []  # the matcher's debug trace is for `gongkai parse --debug`; not loaded, not shipped
    return report, time.perf_counter() - start


def _parser() -> Any:
    """``transforms.parse.parse_bytes``, looked up at call time (tests replace it), or the worker's stand-in."""
    if _WorkerBudget.parser:
        import importlib

        module, func = _WorkerBudget.parser.split(":")
        return getattr(importlib.import_module(module), func)
    import transforms.parse as parse

    return parse.parse_bytes


def parse_chunk(items: list[ParseItem], parser_version: str, run_id: str, history: History | None = None,
                known: Mapping[str, str] | None = None) -> ParsedChunk:
    """``known``: the office registry's names and aliases (``transforms.metadata.registry_key`` -> name)."""
    rows, heads = [], []
    for item in items:
        report, seconds = parse_one(item, history, known)
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


def killed_worker_chunk(item: ParseItem, seconds: float, limits: Limits, parser_version: str,
                        run_id: str) -> ParsedChunk:
    """The chunk of a file whose parse killed its worker twice: slow if it used its time, else too large."""
    if seconds >= limits.seconds_per_file:
        code, why = TOO_SLOW, f"超过{limits.seconds_per_file:.0f}秒的时间上限"
    else:
        code, why = TOO_LARGE, f"超过内存上限（{limits.worker_memory_bytes / 2**20:.0f} MB）或使解析进程崩溃"
    report = over_budget_report(item.name, item.sha256, code, f"文件“{item.name}”解析时{why}，解析进程被终止，未读取。")
    row = ReportRow(report, item.report_id, item.source_path, parser_version, run_id)
    return ParsedChunk([ParsedHead(item.report_id, item.name, None, None, seconds)], to_tables([row]))


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
    """Parse batches across ``workers`` processes; with one worker, parse in this process.

    In this process only the budgets checked at dispatch hold (sizes, zip directory,
    page count); the time and memory budgets need a worker to enforce them.
    """

    def __init__(self, workers: int | None = None, min_batch: int = MIN_POOL_BATCH,
                 limits: Limits = LIMITS, parser: str | None = None) -> None:
        self.workers = default_workers() if workers is None else max(1, workers)
        self.min_batch = min_batch
        self.limits = limits
        self.parser = parser  # "module:function" for the workers to parse with instead of parse_bytes (tests)
        self._executor: Executor | None = None

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> Executor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                                 initializer=_init_worker,
                                                 initargs=(self.limits, self.parser, os.getpid()))
        return self._executor

    def _discard_pool(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def parse(self, items: list[ParseItem], parser_version: str, run_id: str,
              known: Mapping[str, str] | None = None) -> ParsedChunk:
        """The documents' tables and heads, in the order of ``items``.

        ``known`` (the registry's names) travels once with each chunk of the batch, not with each file.
        """
        if self.workers <= 1 or len(items) < self.min_batch:
            return parse_chunk(items, parser_version, run_id, None, known)
        size = max(1, math.ceil(len(items) / (self.workers * CHUNKS_PER_WORKER)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        executor = self._pool()
        futures = [executor.submit(parse_chunk, chunk, parser_version, run_id, None, known) for chunk in chunks]
        done: list[ParsedChunk | None] = []
        broken = False
        for future in futures:
            try:
                done.append(future.result())
            except BrokenProcessPool:
                broken = True
                done.append(None)
        if broken:  # a worker died: parse the lost chunks' files one by one to find who killed it
            self._discard_pool()
            done = [c if c is not None else self._one_by_one(chunk, parser_version, run_id, known)
                    for c, chunk in zip(done, chunks)]
        return concat_chunks([c for c in done if c is not None])

    def _one_by_one(self, items: list[ParseItem], parser_version: str, run_id: str,
                    known: Mapping[str, str] | None = None) -> ParsedChunk:
        parts = []
        for item in items:
            start = time.perf_counter()
            try:
                parts.append(self._pool().submit(parse_chunk, [item], parser_version, run_id, None, known).result())
            except BrokenProcessPool:
                self._discard_pool()
                parts.append(killed_worker_chunk(item, time.perf_counter() - start, self.limits,
                                                 parser_version, run_id))
        return concat_chunks(parts)
