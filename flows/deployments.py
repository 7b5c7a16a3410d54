"""The deployments of ``prefect.yaml`` as objects ``gongkai serve`` can serve without a work pool.

``prefect.yaml`` stays the one place deployments are declared (names,
entrypoints, schedules, default parameters); ``prefect deploy`` reads it for a
worker-based setup, ``build_deployments`` reads it for ``prefect.serve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"


def load_config(path: str | Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The ``deployments`` entries of a prefect.yaml."""
    return list(yaml.safe_load(Path(path).read_text(encoding="utf-8"))["deployments"])


def build_deployments(path: str | Path = PREFECT_YAML, runner: str = "default", dask_address: str | None = None,
                      workers: int | None = None, names: list[str] | None = None) -> list[Any]:
    """``RunnerDeployment``s for the entries of ``path`` (all, or those in ``names``)."""
    from prefect.flows import load_flow_from_entrypoint
    from prefect.schedules import Cron

    from flows.runners import with_runner

    root = Path(path).resolve().parent
    out = []
    for entry in load_config(path):
        if names and entry["name"] not in names:
            continue
        file, func = entry["entrypoint"].rsplit(":", 1)
        flow = with_runner(load_flow_from_entrypoint(f"{root / file}:{func}"), runner, dask_address, workers)
        schedules = [Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True))
                     for s in entry.get("schedules") or []]
        out.append(flow.to_deployment(
            name=entry["name"], description=" ".join((entry.get("description") or "").split()) or None,
            tags=entry.get("tags"), parameters=entry.get("parameters") or {}, schedules=schedules or None))
    return out
