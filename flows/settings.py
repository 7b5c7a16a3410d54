"""Where gongkai keeps its data: one settings object, resolved when asked for.

Every entry point (CLI, flow, deployment) resolves settings the same way — an
explicit value wins, then the ``GONGKAI_*`` environment variable, then a default
derived from the data directory — and does it at call time, never at import
time, so tests and deployments can change the environment between runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "GONGKAI_DATA_DIR"
ENV_WAREHOUSE_URL = "GONGKAI_WAREHOUSE_URL"
ENV_PARQUET_ROOT = "GONGKAI_PARQUET_ROOT"
DEFAULT_DATA_DIR = "data"


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one run."""

    data_dir: Path
    warehouse_url: str
    parquet_root: str


def default_warehouse_url(data_dir: Path | str) -> str:
    """A DuckDB file inside the data directory: the local, zero-setup warehouse."""
    return f"duckdb:///{Path(data_dir).as_posix()}/gongkai.duckdb"


def resolve_settings(
    data_dir: str | os.PathLike[str] | None = None,
    warehouse_url: str | None = None,
    parquet_root: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Explicit argument, then environment variable, then default (derived from ``data_dir``)."""
    env = os.environ if env is None else env
    resolved_dir = Path(data_dir if data_dir is not None else env.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR)
    url = warehouse_url or env.get(ENV_WAREHOUSE_URL) or default_warehouse_url(resolved_dir)
    root = parquet_root if parquet_root is not None else env.get(ENV_PARQUET_ROOT) or str(resolved_dir / "parquet")
    return Settings(data_dir=resolved_dir, warehouse_url=url, parquet_root=str(root))
