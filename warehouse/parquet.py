"""A Parquet mirror of the warehouse, hive-partitioned by year, for tools that read files.

Layout: ``<root>/<table>/year=<Y>/part-0.parquet`` (rows with an unknown year go to
``year=__HIVE_DEFAULT_PARTITION__``, pyarrow's null partition). Only the years a
load touched are rewritten, each from the warehouse's own rows, so the mirror
always equals the warehouse for those years rather than accumulating batches.

Readers never see a half-written partition: a partition is written in full under
a hidden staging directory ``<root>/<table>/.staging-<uuid>/`` (pyarrow and most
engines skip names starting with ``.`` or ``_``) and then swapped in with two
renames: old ``year=Y`` -> hidden ``.trash-<uuid>``, staged ``year=Y`` -> ``year=Y``.
On a local filesystem each rename is atomic, so a reader sees either the old
files or the new ones; between the two renames (microseconds) the year is briefly
absent, never partial or doubled. On object stores (``s3://`` via fsspec) a
"rename" is copy + delete and this guarantee is only as good as the store's.
The mirror assumes one writer at a time (the ingest flow); leftovers of a crashed
writer (hidden staging/trash directories) are removed by the next write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.fs as pafs
from fsspec.implementations.local import LocalFileSystem as FsspecLocal

from transforms.tables import REPORT_TABLES
from warehouse.schema import TABLE_SCHEMAS
from warehouse.store import Warehouse, Year

PARTITION_COLUMN = "year"


def _partitioning() -> Any:
    """Hive partitioning by year. ``pyarrow.dataset`` (which imports pandas, ~1 s) is loaded only
    when a mirror is written or read, not by every command that opens the warehouse."""
    import pyarrow.dataset as ds

    return ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.int32())]), flavor="hive")
_HIDDEN_PREFIXES = (".staging-", ".trash-")


def filesystem_for(root: str) -> tuple[pafs.FileSystem, str]:
    """A pyarrow filesystem and base path for a local path or any fsspec URL."""
    fs, path = fsspec.core.url_to_fs(root)
    if isinstance(fs, FsspecLocal):
        return pafs.LocalFileSystem(), path
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path.rstrip("/")


def _exists(fs: pafs.FileSystem, path: str) -> bool:
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def _remove_leftovers(fs: pafs.FileSystem, table_dir: str) -> None:
    if not _exists(fs, table_dir):
        return
    for info in fs.get_file_info(pafs.FileSelector(table_dir)):
        if info.type == pafs.FileType.Directory and info.base_name.startswith(_HIDDEN_PREFIXES):
            fs.delete_dir(info.path)


def _write_partition(fs: pafs.FileSystem, table_dir: str, data: pa.Table) -> str:
    """Write one year's rows of one table and swap the partition in; returns its path."""
    import pyarrow.dataset as ds

    staging = f"{table_dir}/.staging-{uuid.uuid4().hex}"
    ds.write_dataset(
        data,
        staging,
        format="parquet",
        partitioning=_partitioning(),
        filesystem=fs,
        basename_template="part-{i}.parquet",
        existing_data_behavior="delete_matching",
    )
    staged = [i for i in fs.get_file_info(pafs.FileSelector(staging)) if i.type == pafs.FileType.Directory]
    if len(staged) != 1:  # one year per call, so one partition directory
        raise RuntimeError(f"expected one partition under {staging}, found {[i.base_name for i in staged]}")
    target = f"{table_dir}/{staged[0].base_name}"
    trash = f"{table_dir}/.trash-{uuid.uuid4().hex}"
    if _exists(fs, target):
        fs.move(target, trash)
    fs.move(staged[0].path, target)
    for leftover in (trash, staging):
        if _exists(fs, leftover):
            fs.delete_dir(leftover)
    return target


def _partition_name(year: Year) -> str:
    return f"{PARTITION_COLUMN}={'__HIVE_DEFAULT_PARTITION__' if year is None else int(year)}"


def write_mirror(
    warehouse: Warehouse,
    years: Iterable[Year],
    root: str,
    tables: Sequence[str] = REPORT_TABLES,
) -> dict[str, dict[Year, int]]:
    """Rewrite the partitions of ``years`` from the warehouse; returns rows written per table and year.

    A year with no rows left in a table has its partition removed.
    """
    fs, base = filesystem_for(root)
    years = list(dict.fromkeys(years))
    written: dict[str, dict[Year, int]] = {name: {} for name in tables}
    for name in tables:
        _remove_leftovers(fs, f"{base}/{name}")
    for year in years:
        for name in tables:
            # one table of one year in memory at a time: a national year's facts are GBs as Arrow
            table_dir = f"{base}/{name}"
            data = warehouse.export_table(name, year)
            written[name][year] = data.num_rows
            if data.num_rows:
                fs.create_dir(table_dir, recursive=True)
                _write_partition(fs, table_dir, data)
            else:
                partition = f"{table_dir}/{_partition_name(year)}"
                if _exists(fs, partition):
                    fs.delete_dir(partition)
    return written


def rebuild_mirror(warehouse: Warehouse, root: str) -> dict[str, dict[Year, int]]:
    """Rewrite every year in the warehouse and drop partitions of years it no longer has."""
    fs, base = filesystem_for(root)
    years = set(warehouse.years())
    stale: set[Year] = set()
    for name in REPORT_TABLES:
        table_dir = f"{base}/{name}"
        if not _exists(fs, table_dir):
            continue
        for info in fs.get_file_info(pafs.FileSelector(table_dir)):
            if info.type == pafs.FileType.Directory and info.base_name.startswith(f"{PARTITION_COLUMN}="):
                value = info.base_name.split("=", 1)[1]
                stale.add(None if value == "__HIVE_DEFAULT_PARTITION__" else int(value))
    return write_mirror(warehouse, sorted(years | stale, key=lambda y: (y is not None, y or 0)), root)


def read_mirror(root: str, table: str) -> pa.Table:
    """One table of the mirror, all years, typed as ``warehouse.schema.TABLE_SCHEMAS``.

    ``reports`` carries the version columns: filter ``is_current`` for what the views call current.
    """
    if table not in TABLE_SCHEMAS:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(REPORT_TABLES)}")
    fs, base = filesystem_for(root)
    path = f"{base}/{table}"
    schema = TABLE_SCHEMAS[table]
    if not _exists(fs, path):
        return schema.empty_table()
    import pyarrow.dataset as ds

    dataset = ds.dataset(path, filesystem=fs, format="parquet", partitioning=_partitioning(), schema=schema)
    return dataset.to_table().select(schema.names)
