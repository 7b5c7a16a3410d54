"""The settings now live in ``flows.settings`` (below the CLI, where the flows read them); this
name is kept so code written against ``gongkai.config`` goes on working."""

from flows.settings import (  # noqa: F401
    DEFAULT_DATA_DIR,
    ENV_DATA_DIR,
    ENV_PARQUET_ROOT,
    ENV_WAREHOUSE_URL,
    Settings,
    default_warehouse_url,
    resolve_settings,
)
