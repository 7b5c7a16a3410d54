"""Run the generated suites on pandas frames with a quiet, throw-away GE context.

Great Expectations is imported here, inside functions, because importing it costs
about three seconds and most callers (CLI help, docs, suite_summary) never validate.
Each call gets a fresh ephemeral context: nothing is written to disk, nothing is
shared between batches, and no module-level GE state outlives the call.
GE's progress bars are switched off through the context config
(``progress_bars.globally = False``, the knob 1.24 reads in
``Validator._determine_progress_bars``) and its logging and deprecation warnings are
muted for the duration of the run.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from expectations.suites import FrameKind, build_suite, checks


class ExpectationRunError(RuntimeError):
    """GE could not evaluate a generated expectation (a frame/suite mismatch: a bug).

    Terminal: retrying the same batch gives the same error. Data problems never raise;
    they are failed rows, hence findings.
    """


def _raised(exception_info: dict | None) -> str | None:
    """The message of an exception GE caught while evaluating, if any.

    GE 1.24 reports either one flat dict or one dict per metric it failed to resolve.
    """
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
    return None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one generated expectation: which frame rows failed it."""

    check: str  # CheckSpec.name
    success: bool
    failed_index: tuple[int, ...]  # index labels of the validated frame
    evaluated: int  # rows GE looked at (after the row condition)
    expectation: str = ""  # GE expectation type, e.g. expect_column_pair_values_to_be_equal
    kwargs: tuple[tuple[str, object], ...] = ()  # the expectation's kwargs as GE recorded them
    unexpected_percent: float | None = None
    seconds: float = 0.0  # wall time of the whole validation of this frame kind


@contextmanager
def _quiet_gx() -> Iterator[None]:
    """Mute GE's INFO/WARNING chatter and its deprecation warnings; restore afterwards."""
    logger = logging.getLogger("great_expectations")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(previous)


def _slim(frame: pd.DataFrame, kind: FrameKind) -> pd.DataFrame:
    """Only the columns the suite reads; the index is kept so failures point into ``frame``.

    GE copies the frame (and re-applies the row condition) for every metric it
    computes; with a few narrow columns that copy is cheap. With every column it was
    two thirds of the run time.
    """
    needed: list[str] = []
    for check in checks(kind):
        for col in [*check.where, *(v for k, v in check.kwargs.items() if k.startswith("column"))]:
            if col not in needed:
                needed.append(col)
    return frame[needed]


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_suites(frames: dict[FrameKind, pd.DataFrame]) -> dict[FrameKind, list[CheckResult]]:
    """One GE validation per frame (not per report), result_format COMPLETE.

    Empty frames are not sent to GE (nothing to check, and GE's metrics on zero rows
    are noise); they get no results.
    """
    results: dict[FrameKind, list[CheckResult]] = {kind: [] for kind in frames}
    todo = {kind: frame for kind, frame in frames.items() if len(frame)}
    if not todo:
        return results
    with _quiet_gx():
        context = _context()
        source = context.data_sources.add_pandas("gongkai_batch")
        for kind, frame in todo.items():
            definition = source.add_dataframe_asset(kind).add_batch_definition_whole_dataframe("whole")
            only = set(frame["check"].astype(str).unique()) if kind in ("pairs", "bounds") else None
            suite = context.suites.add(build_suite(kind, only))
            batch = definition.get_batch(batch_parameters={"dataframe": _slim(frame, kind)})
            started = time.perf_counter()
            outcome = batch.validate(suite, result_format={"result_format": "COMPLETE"})
            seconds = time.perf_counter() - started
            for r in outcome.results:
                error = _raised(r.exception_info)
                if error is not None:
                    raise ExpectationRunError(f"expectation {r.expectation_config.meta.get('check')}: {error}")
                results[kind].append(
                    CheckResult(
                        check=r.expectation_config.meta["check"],
                        success=bool(r.success),
                        failed_index=tuple(int(i) for i in r.result.get("unexpected_index_list") or ()),
                        evaluated=int(r.result.get("element_count") or 0),
                        expectation=str(r.expectation_config.type),
                        kwargs=tuple((k, v) for k, v in r.expectation_config.kwargs.items()
                                     if k not in ("batch_id", "row_condition", "condition_parser")),
                        unexpected_percent=r.result.get("unexpected_percent"),
                        seconds=seconds,
                    )
                )
    return results
