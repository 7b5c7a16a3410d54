"""The ``Warehouse``: open (and create) the database, load batches atomically, read back.

A load is an *atomic replace*: in one transaction every existing row of the
incoming reports (by ``report_id``) and of any report previously loaded from the
same ``source_path`` is deleted, then the batch is bulk-inserted through the
backend's fast path. Loading the same batch twice therefore leaves one copy, and
a file edited in place replaces its old report instead of sitting beside it. The
years whose rows changed are returned so the Parquet mirror rewrites only those.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import make_url

from transforms.tables import REPORT_TABLES, SCHEMAS
from warehouse.backends import Backend, backend_for
from warehouse.schema import (
    DIMENSION_TABLES,
    SCHEMA_VERSION,
    dimension_rows,
    ingest_runs,
    metadata,
    report_tables,
    schema_version,
)
from warehouse.views import create_views

DEFAULT_DB_FILE = "gongkai.duckdb"
# Bound the number of bind parameters per statement (IN lists of report ids).
_ID_CHUNK = 1000

Year = int | None


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked. Terminal: a retry will not help."""


class SchemaVersionError(WarehouseError):
    """The database was created by a different schema version of gongkai."""


class BatchError(WarehouseError, ValueError):
    """The batch handed to ``load`` is malformed (unknown table, missing column, duplicate report)."""


@dataclass(frozen=True)
class LoadResult:
    """What one ``load`` changed: the years to re-export and the row counts, per table."""

    report_ids: tuple[str, ...]  # reports in the batch
    replaced_report_ids: tuple[str, ...]  # reports that existed before and were deleted
    years: tuple[Year, ...]  # years of inserted or deleted rows (None = year unknown), None first
    rows_inserted: Mapping[str, int] = field(default_factory=dict)
    rows_deleted: Mapping[str, int] = field(default_factory=dict)


def default_url(data_dir: str | Path = "data") -> str:
    return f"duckdb:///{Path(data_dir) / DEFAULT_DB_FILE}"


def _chunks(values: list[str], size: int = _ID_CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _sorted_years(years: Iterable[Year]) -> tuple[Year, ...]:
    return tuple(sorted(set(years), key=lambda y: (y is not None, y or 0)))


def conform(name: str, data: pa.Table | None) -> pa.Table:
    """A batch table in exactly the warehouse's column order and types (extra columns are an error)."""
    schema = SCHEMAS[name]
    if data is None:
        return schema.empty_table()
    missing = [n for n in schema.names if n not in data.column_names]
    extra = [n for n in data.column_names if n not in schema.names]
    if missing or extra:
        raise BatchError(f"table {name!r}: missing columns {missing}, unexpected columns {extra}")
    try:
        return data.select(schema.names).cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise BatchError(f"table {name!r} does not fit its schema: {exc}") from exc


class Warehouse:
    """A gongkai warehouse on one SQLAlchemy database. Create with ``Warehouse.open``."""

    def __init__(self, engine: Engine, backend: Backend) -> None:
        self.engine = engine
        self.backend = backend

    # -- lifecycle ------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, data_dir: str | Path = "data") -> Warehouse:
        """Connect, creating directories, tables, dimensions and views if missing (idempotent).

        The default is a DuckDB file ``<data_dir>/gongkai.duckdb``: local first, no server.
        """
        url = url or default_url(data_dir)
        backend = backend_for(url)
        backend.prepare_url(make_url(url))
        engine = create_engine(url, **backend.engine_options)
        warehouse = cls(engine, backend)
        try:
            warehouse._create()
        except BaseException:
            engine.dispose()
            raise
        return warehouse

    def _create(self) -> None:
        with self.engine.begin() as conn:
            metadata.create_all(conn, checkfirst=True)
            versions = conn.execute(select(schema_version.c.version)).scalars().all()
            if not versions:
                conn.execute(schema_version.insert(), {"version": SCHEMA_VERSION})
            elif versions != [SCHEMA_VERSION]:
                raise SchemaVersionError(
                    f"database has schema version {versions}, this gongkai needs {SCHEMA_VERSION}; "
                    "migrate it or point at a new database"
                )
            # Dimensions are a pure function of the spec: refresh them so they never go stale.
            rows = dimension_rows()
            for table in DIMENSION_TABLES:
                conn.execute(table.delete())
                if rows[table.name]:
                    conn.execute(table.insert(), rows[table.name])
            create_views(conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading --------------------------------------------------------------
    def load(self, tables: Mapping[str, pa.Table]) -> LoadResult:
        """Replace the batch's reports in one transaction; see the module docstring."""
        unknown = sorted(set(tables) - set(REPORT_TABLES))
        if unknown:
            raise BatchError(f"unknown tables {unknown}; known: {', '.join(REPORT_TABLES)}")
        batch = {name: conform(name, tables.get(name)) for name in REPORT_TABLES}

        report_col = batch["reports"]["report_id"]
        if report_col.null_count:
            raise BatchError("table 'reports': report_id must not be null")
        if pc.count_distinct(report_col).as_py() != len(report_col):
            dupes = sorted(rid for rid, n in Counter(report_col.to_pylist()).items() if n > 1)
            raise BatchError(f"table 'reports': report_id appears more than once: {dupes}")

        incoming: set[str] = set()
        for data in batch.values():
            incoming.update(v for v in pc.unique(data["report_id"]).to_pylist() if v is not None)
        paths = [p for p in pc.unique(batch["reports"]["source_path"]).to_pylist() if p is not None]

        reports = report_tables["reports"]
        years: set[Year] = set()
        deleted: dict[str, int] = {}
        inserted: dict[str, int] = {}
        with self.engine.begin() as conn:
            doomed = set(incoming)
            for chunk in _chunks(sorted(paths)):
                doomed.update(conn.execute(
                    select(reports.c.report_id).where(reports.c.source_path.in_(chunk))
                ).scalars())
            doomed_ids = sorted(doomed)
            replaced: list[str] = []
            for chunk in _chunks(doomed_ids):
                replaced.extend(conn.execute(
                    select(reports.c.report_id).where(reports.c.report_id.in_(chunk))
                ).scalars())
            for name, table in report_tables.items():
                deleted[name] = 0
                for chunk in _chunks(doomed_ids):
                    counts = conn.execute(
                        select(table.c.year, func.count()).where(table.c.report_id.in_(chunk)).group_by(table.c.year)
                    ).all()
                    if counts:
                        years.update(y for y, _ in counts)
                        deleted[name] += sum(n for _, n in counts)
                        conn.execute(table.delete().where(table.c.report_id.in_(chunk)))
            for name, data in batch.items():
                inserted[name] = self.backend.bulk_insert(conn, report_tables[name], data) if data.num_rows else 0
                years.update(pc.unique(data["year"]).to_pylist())
        return LoadResult(
            report_ids=tuple(sorted(incoming)),
            replaced_report_ids=tuple(sorted(replaced)),
            years=_sorted_years(years),
            rows_inserted=inserted,
            rows_deleted=deleted,
        )

    # -- runs -----------------------------------------------------------------
    def start_run(self, source: str, parameters: Mapping[str, Any] | None = None) -> str:
        """Record the start of an ingest run; the id goes into every report row it loads."""
        run_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(ingest_runs.insert(), {
                "run_id": run_id,
                "started_at": datetime.now(timezone.utc),
                "source": source,
                "status": "running",
                "parameters": json.dumps(dict(parameters or {}), ensure_ascii=False, sort_keys=True, default=str),
            })
        return run_id

    def finish_run(
        self,
        run_id: str,
        *,
        n_files: int = 0,
        n_reports: int = 0,
        n_errors: int = 0,
        n_warnings: int = 0,
        n_infos: int = 0,
        status: str = "finished",
    ) -> None:
        """Close a run with its counts; an unknown run id is a bug in the caller, so it raises."""
        with self.engine.begin() as conn:
            result = conn.execute(
                ingest_runs.update().where(ingest_runs.c.run_id == run_id).values(
                    finished_at=datetime.now(timezone.utc), n_files=n_files, n_reports=n_reports,
                    n_errors=n_errors, n_warnings=n_warnings, n_infos=n_infos, status=status,
                )
            )
            if result.rowcount == 0 or (
                result.rowcount < 0
                and conn.execute(select(func.count()).where(ingest_runs.c.run_id == run_id)).scalar() == 0
            ):
                raise KeyError(f"unknown run id {run_id!r}")

    # -- reading --------------------------------------------------------------
    def known_files(self) -> dict[str, tuple[str | None, str | None]]:
        """``source_path -> (content_sha256, parser_version)`` so a rerun can skip unchanged files."""
        reports = report_tables["reports"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reports.c.source_path, reports.c.content_sha256, reports.c.parser_version)
                .where(reports.c.source_path.is_not(None))
            ).all()
        return {path: (sha, version) for path, sha, version in rows}

    def query(self, sql: str) -> pa.Table:
        """Run one SQL statement and return its whole result as an Arrow table."""
        with self.engine.connect() as conn:
            return self.backend.read_arrow(conn, sql)

    def export_table(self, name: str, year: Year) -> pa.Table:
        """All rows of one report table for one year (None: rows whose year is unknown)."""
        if name not in report_tables:
            raise KeyError(f"unknown table {name!r}; known: {', '.join(REPORT_TABLES)}")
        table = report_tables[name]
        condition = table.c.year.is_(None) if year is None else table.c.year == int(year)
        stmt = select(*table.c).where(condition).order_by(table.c.report_id)
        with self.engine.connect() as conn:
            data = self.backend.read_arrow(conn, stmt)
        return data.select(SCHEMAS[name].names).cast(SCHEMAS[name])

    def export_year(self, year: Year) -> dict[str, pa.Table]:
        """Every report table's rows for one year, typed exactly as ``transforms.tables.SCHEMAS``."""
        return {name: self.export_table(name, year) for name in REPORT_TABLES}

    def years(self) -> tuple[Year, ...]:
        """Every year present in any report table (to rebuild a whole mirror)."""
        found: set[Year] = set()
        with self.engine.connect() as conn:
            for table in report_tables.values():
                found.update(conn.execute(select(table.c.year).distinct()).scalars())
        return _sorted_years(found)
