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

Healing: the mirror records what it last exported in ``<root>/_gongkai_mirror.json``,
one fingerprint of the warehouse's rows per year (``Warehouse.year_fingerprints``),
written after all of that year's tables are swapped in. ``heal_mirror`` re-exports
every year whose fingerprint differs or is missing, and drops years the warehouse no
longer has, so a run killed between its load and its mirror write — or in the middle
of the write — is repaired by the next run even when that run finds nothing new.
Rows are written in a defined order (every column, ascending), so identical warehouse
contents give byte-identical files.
"""

from __future__ import annotations

import json
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
MANIFEST = "_gongkai_mirror.json"  # what the mirror last exported: fingerprint per year
_MANIFEST_VERSION = 1


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
        preserve_order=True,  # rows in the warehouse's defined order: identical input, identical bytes
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


def _year_key(year: Year) -> str:
    return "null" if year is None else str(int(year))


def _key_year(key: str) -> Year:
    return None if key == "null" else int(key)


def read_manifest(root: str) -> dict[Year, str]:
    """The fingerprint per year the mirror last finished exporting ({} when there is no mirror, or no record)."""
    fs, base = filesystem_for(root)
    path = f"{base}/{MANIFEST}"
    if not _exists(fs, path):
        return {}
    try:
        with fs.open_input_stream(path) as fh:
            data = json.loads(fh.read().decode("utf-8"))
        return {_key_year(k): str(v) for k, v in data.get("years", {}).items()}
    except (ValueError, OSError, AttributeError):  # a torn or foreign file: treat every year as stale
        return {}


def _write_manifest(fs: pafs.FileSystem, base: str, years: dict[Year, str]) -> None:
    """Replace the manifest in one rename (a reader sees the old one or the new one)."""
    fs.create_dir(base, recursive=True)
    body = json.dumps({"version": _MANIFEST_VERSION,
                       "years": {_year_key(y): fp for y, fp in sorted(years.items(), key=lambda kv: _year_key(kv[0]))}},
                      sort_keys=True, indent=1).encode("utf-8")
    staging = f"{base}/.staging-{uuid.uuid4().hex}.json"
    with fs.open_output_stream(staging) as fh:
        fh.write(body)
    fs.move(staging, f"{base}/{MANIFEST}")


def write_mirror(
    warehouse: Warehouse,
    years: Iterable[Year],
    root: str,
    tables: Sequence[str] = REPORT_TABLES,
) -> dict[str, dict[Year, int]]:
    """Rewrite the partitions of ``years`` from the warehouse; returns rows written per table and year.

    A year with no rows left in a table has its partition removed. Each year's
    fingerprint goes into the manifest once all its tables are written (only when
    every report table is written: a partial export must stay stale).
    """
    fs, base = filesystem_for(root)
    years = list(dict.fromkeys(years))
    written: dict[str, dict[Year, int]] = {name: {} for name in tables}
    whole = set(tables) == set(REPORT_TABLES)
    fingerprints = warehouse.year_fingerprints() if whole else {}
    manifest = read_manifest(root) if whole else {}
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
        if whole:
            if year in fingerprints:
                manifest[year] = fingerprints[year]
            else:
                manifest.pop(year, None)
            _write_manifest(fs, base, manifest)
    return written


def _partition_years(fs: pafs.FileSystem, base: str) -> set[Year]:
    """Years that have a partition directory in any table of the mirror."""
    found: set[Year] = set()
    for name in REPORT_TABLES:
        table_dir = f"{base}/{name}"
        if not _exists(fs, table_dir):
            continue
        for info in fs.get_file_info(pafs.FileSelector(table_dir)):
            if info.type == pafs.FileType.Directory and info.base_name.startswith(f"{PARTITION_COLUMN}="):
                value = info.base_name.split("=", 1)[1]
                found.add(None if value == "__HIVE_DEFAULT_PARTITION__" else int(value))
    return found


def stale_years(warehouse: Warehouse, root: str) -> list[Year]:
    """Years whose mirror differs from the warehouse: changed or never finished, and years the warehouse lost."""
    fs, base = filesystem_for(root)
    current = warehouse.year_fingerprints()
    manifest = read_manifest(root)
    stale = {y for y, fp in current.items() if manifest.get(y) != fp}
    stale |= (set(manifest) | _partition_years(fs, base)) - set(current)
    return sorted(stale, key=lambda y: (y is not None, y or 0))


def heal_mirror(warehouse: Warehouse, root: str, years: Iterable[Year] = ()) -> dict[str, dict[Year, int]]:
    """Rewrite ``years`` (those a run touched) and every stale year (see ``stale_years``)."""
    wanted = set(years) | set(stale_years(warehouse, root))
    return write_mirror(warehouse, sorted(wanted, key=lambda y: (y is not None, y or 0)), root)


def rebuild_mirror(warehouse: Warehouse, root: str) -> dict[str, dict[Year, int]]:
    """Rewrite every year in the warehouse and drop partitions of years it no longer has."""
    fs, base = filesystem_for(root)
    years = set(warehouse.years()) | set(warehouse.year_fingerprints())
    stale = _partition_years(fs, base) | set(read_manifest(root))
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
