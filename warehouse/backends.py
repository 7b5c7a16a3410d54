"""One entry per database: its engine settings, bulk-load path and result reader.

This is the only module that knows which database it talks to (STYLE.md §2, the way
dlt keeps one package per destination). Everything else asks ``backend_for(url)``
and reads the ``Capabilities`` it returns as data.

Why a bulk path per backend: ``DataFrame.to_sql`` / executemany moves ~10k rows/s
into DuckDB (~35-75k into PostgreSQL). DuckDB reads an Arrow table in place
(``INSERT ... SELECT`` from a registered view, ~0.7-1.2M rows/s) and PostgreSQL
ingests CSV written by Arrow's C++ writer through ``COPY`` (~200-400k rows/s with
its indexes, server-bound); see ``benchmarks/bench_load.py``. Both run inside the
caller's SQLAlchemy transaction, so a load stays one atomic replace.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Table
from sqlalchemy.engine import URL, make_url
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.expression import Executable

BulkPath = Literal["arrow_register", "copy_csv", "executemany"]

# Rows per chunk: bounds memory for COPY buffers and executemany parameter lists.
_CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, so callers branch on facts rather than on names."""

    bulk_path: BulkPath
    # More than one process may write at once (DuckDB locks its file to one process):
    # for flows deciding whether loads may run in parallel.
    concurrent_writers: bool
    # Whether the report_id/year secondary indexes pay for themselves. DuckDB prunes those
    # filters with its per-row-group min/max zone maps anyway, and its ART indexes made a
    # 1M-row load ~2.5x and a full reload ~4x slower (benchmarks/bench_load.py).
    secondary_indexes: bool


BulkInsert = Callable[[Connection, Table, pa.Table], int]
# A query is SQL text or a SQLAlchemy statement (compiled for the dialect, constants inlined).
Query = str | Executable
ReadArrow = Callable[[Connection, Query], pa.Table]


@dataclass(frozen=True)
class Backend:
    name: str  # the SQLAlchemy backend name the entry serves ("*" for the fallback)
    capabilities: Capabilities
    bulk_insert: BulkInsert
    read_arrow: ReadArrow
    engine_options: Mapping[str, Any] = field(default_factory=dict)
    # Called before the engine is created (e.g. make the directory a database file lives in).
    prepare_url: Callable[[URL], None] = field(default=lambda url: None)
    # Called first in every writing transaction that recomputes report versions, with the
    # table to guard: two concurrent loads must not both decide which version is current.
    serialize_writers: Callable[[Connection, Table], None] = field(default=lambda conn, table: None)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _sql_text(conn: Connection, query: Query) -> str:
    if isinstance(query, str):
        return query
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def _bound(conn: Connection, query: Query) -> tuple[str, Any]:
    """SQL in the driver's parameter style and its parameters, for a statement with bound
    parameters (``text(...).bindparams(...)``, e.g. the CLI's findings filter): values travel to
    the database as values, never spliced into the SQL. Core statements are rendered as before
    (their IN lists can exceed PostgreSQL's 65,535 parameters)."""
    if not isinstance(query, TextClause):
        return _sql_text(conn, query), None
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    if not compiled.params:
        return str(compiled), None
    if compiled.positiontup is not None:  # DuckDB: $1, $2, …
        return str(compiled), [compiled.params[name] for name in compiled.positiontup]
    return str(compiled), compiled.params  # psycopg: %(name)s


def _column_list(conn: Connection, data: pa.Table) -> str:
    return ", ".join(_quote(conn, c) for c in data.column_names)


def _rows_to_arrow(names: list[str], rows: list[tuple], types: list[pa.DataType | None]) -> pa.Table:
    """Build a table from DBAPI rows; ``None`` types are inferred from the values."""
    columns = list(zip(*rows)) if rows else [() for _ in names]
    arrays = []
    for values, typ in zip(columns, types):
        try:
            arrays.append(pa.array(list(values), type=typ))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. an int column holding a bigger value
            arrays.append(pa.array(list(values)))
    return pa.Table.from_arrays(arrays, names=names)


# ---------------------------------------------------------------------------
# DuckDB: Arrow in, Arrow out, no Python row loop either way.
# ---------------------------------------------------------------------------

def _duckdb_raw(conn: Connection) -> Any:
    # duckdb-engine's connection wrapper forwards register/execute to the DuckDB connection
    # that SQLAlchemy began the transaction on, so this insert is part of that transaction.
    return conn.connection.dbapi_connection


def _duckdb_prepare_url(url: URL) -> None:
    # DuckDB creates the file but not its directory; ``data/`` may not exist on a fresh checkout.
    database = url.database
    if database and database != ":memory:" and not database.startswith(("md:", "motherduck:")):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _duckdb_bulk_insert(conn: Connection, table: Table, data: pa.Table) -> int:
    raw = _duckdb_raw(conn)
    view = f"_gongkai_load_{uuid.uuid4().hex}"
    raw.register(view, data)
    try:
        cols = _column_list(conn, data)
        raw.execute(f"INSERT INTO {_quote(conn, table.name)} ({cols}) SELECT {cols} FROM {view}")
    finally:
        raw.unregister(view)
    return data.num_rows


def _duckdb_read_arrow(conn: Connection, query: Query) -> pa.Table:
    # Read fully: duckdb-engine cursors share one DuckDB connection, so a pending
    # result would be clobbered by the next statement.
    # (``sql()`` rather than ``execute()``: DuckDB builds Arrow straight from its relation.)
    sql, params = _bound(conn, query)
    relation = _duckdb_raw(conn).sql(sql, params=params)
    return relation.to_arrow_table() if relation is not None else pa.table({})


# ---------------------------------------------------------------------------
# PostgreSQL (psycopg 3): COPY ... FROM STDIN in CSV written by Arrow's C++ writer.
# ---------------------------------------------------------------------------

# Arrow's CSV writer quotes every string (so '' stays an empty string) and leaves
# nulls unquoted and empty, which is exactly PostgreSQL's CSV convention for NULL.
_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def _postgres_bulk_insert(conn: Connection, table: Table, data: pa.Table) -> int:
    raw = conn.connection.dbapi_connection
    target = conn.dialect.identifier_preparer.format_table(table)
    stmt = f"COPY {target} ({_column_list(conn, data)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cur, cur.copy(stmt) as copy:
        for batch in data.to_batches(max_chunksize=_CHUNK_ROWS):
            buf = io.BytesIO()
            pacsv.write_csv(batch, buf, write_options=_CSV_OPTIONS)
            copy.write(buf.getbuffer())
    return data.num_rows


def _postgres_serialize_writers(conn: Connection, table: Table) -> None:
    # SHARE ROW EXCLUSIVE conflicts with itself and with writes, not with plain reads:
    # readers keep reading the committed state while one load at a time decides versions.
    target = conn.dialect.identifier_preparer.format_table(table)
    conn.exec_driver_sql(f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE")


# Type OIDs psycopg reports in cursor.description, for typed (also empty) results.
_PG_OID_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    1043: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
_PG_NUMERIC = 1700


def _postgres_read_arrow(conn: Connection, query: Query) -> pa.Table:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        cur.execute(*_bound(conn, query))
        if cur.description is None:
            return pa.table({})
        names = [d.name for d in cur.description]
        types: list[pa.DataType | None] = []
        for d in cur.description:
            if d.type_code == _PG_NUMERIC and d.precision is not None:
                types.append(pa.decimal128(d.precision, d.scale or 0))
            else:
                types.append(_PG_OID_TYPES.get(d.type_code))
        rows = cur.fetchall()
    return _rows_to_arrow(names, rows, types)


# ---------------------------------------------------------------------------
# Anything else SQLAlchemy speaks: correct, portable, slow.
# ---------------------------------------------------------------------------

def _generic_bulk_insert(conn: Connection, table: Table, data: pa.Table) -> int:
    for batch in data.to_batches(max_chunksize=_CHUNK_ROWS):
        rows = batch.to_pylist()
        if rows:
            conn.execute(table.insert(), rows)
    return data.num_rows


def _generic_read_arrow(conn: Connection, query: Query) -> pa.Table:
    # A statement object keeps SQLAlchemy's type processing (Decimal, datetime) on drivers
    # such as sqlite that return plain floats and strings.
    result = conn.exec_driver_sql(query) if isinstance(query, str) else conn.execute(query)
    if not result.returns_rows:
        return pa.table({})
    names = list(result.keys())
    rows = [tuple(r) for r in result.fetchall()]
    return _rows_to_arrow(names, rows, [None] * len(names))


# ---------------------------------------------------------------------------
# The registry.
# ---------------------------------------------------------------------------

DUCKDB = Backend(
    name="duckdb",
    capabilities=Capabilities(bulk_path="arrow_register", concurrent_writers=False, secondary_indexes=False),
    bulk_insert=_duckdb_bulk_insert,
    read_arrow=_duckdb_read_arrow,
    prepare_url=_duckdb_prepare_url,
)

POSTGRES = Backend(
    name="postgresql",
    capabilities=Capabilities(bulk_path="copy_csv", concurrent_writers=True, secondary_indexes=True),
    bulk_insert=_postgres_bulk_insert,
    read_arrow=_postgres_read_arrow,
    engine_options={"pool_pre_ping": True},
    serialize_writers=_postgres_serialize_writers,
)

GENERIC = Backend(
    name="*",
    capabilities=Capabilities(bulk_path="executemany", concurrent_writers=False, secondary_indexes=True),
    bulk_insert=_generic_bulk_insert,
    read_arrow=_generic_read_arrow,
)

BACKENDS: dict[str, Backend] = {b.name: b for b in (DUCKDB, POSTGRES)}


def backend_for(url: str | URL) -> Backend:
    """The backend entry for a SQLAlchemy URL; unknown databases get the portable fallback.

    The PostgreSQL COPY path needs psycopg 3 (``postgresql+psycopg://``); other
    PostgreSQL drivers fall back to executemany rather than fail.
    """
    parsed = make_url(url)
    backend = BACKENDS.get(parsed.get_backend_name())
    if backend is POSTGRES and parsed.get_driver_name() != "psycopg":
        return GENERIC
    return backend or GENERIC


def capabilities_for_dialect(dialect_name: str) -> Capabilities:
    """Capabilities by SQLAlchemy dialect name, for code that only sees a dialect (DDL hooks)."""
    return BACKENDS.get(dialect_name, GENERIC).capabilities
