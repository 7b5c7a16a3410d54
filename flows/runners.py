"""Where a flow's tasks run: Prefect's default thread pool (with the parse pool) or a Dask cluster.

The flow is the same either way; only its task runner changes. Under Dask the
parse tasks of several batches run at once on Dask's worker processes (local
ones started for the run, or an existing cluster's), while the flow process
reads, validates and loads.
"""

from __future__ import annotations

from typing import Any

RUNNERS = ("default", "dask")


def task_runner_for(runner: str = "default", dask_address: str | None = None, workers: int | None = None,
                    processes: bool = True) -> Any:
    """A Prefect task runner, or None for the flow's default.

    ``dask`` with an address connects to that scheduler (``tcp://host:8786``);
    without, it starts a local cluster of ``workers`` single-threaded worker
    processes (threads when ``processes`` is False: quicker to start, one core).
    """
    if runner not in RUNNERS:
        raise ValueError(f"unknown runner {runner!r}; known: {', '.join(RUNNERS)}")
    if runner == "default":
        if dask_address:
            raise ValueError("--dask-address needs --runner dask")
        return None
    from prefect_dask import DaskTaskRunner

    from flows.parallel import default_workers

    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers or default_workers(), "threads_per_worker": 1,
                                          "processes": processes, "dashboard_address": None})


def with_runner(flow: Any, runner: str = "default", dask_address: str | None = None, workers: int | None = None,
                processes: bool = True) -> Any:
    """``flow`` with the chosen task runner."""
    task_runner = task_runner_for(runner, dask_address, workers, processes)
    return flow if task_runner is None else flow.with_options(task_runner=task_runner)
