"""The warehouse: SQL tables, bulk loads, analyst views and a Parquet mirror.

``transforms`` hands over Arrow tables (``transforms.tables.to_tables``); this
package stores them. Start with ``Warehouse.open()`` (a DuckDB file under
``data/``) or pass a ``postgresql+psycopg://`` URL; after each ``load`` pass the
returned years to ``write_mirror`` to keep the Parquet files in step.
"""

from warehouse.parquet import read_mirror, rebuild_mirror, write_mirror
from warehouse.store import BatchError, LoadResult, SchemaVersionError, Warehouse, WarehouseError

__all__ = [
    "BatchError",
    "LoadResult",
    "SchemaVersionError",
    "Warehouse",
    "WarehouseError",
    "read_mirror",
    "rebuild_mirror",
    "write_mirror",
]
