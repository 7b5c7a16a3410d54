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
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.expression import Executable

from warehouse.waiting import Held, OnWait, Wording, literal, wait_for

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
    # ``create_engine`` keyword arguments for a URL, opened for writing or read-only (False/True).
    engine_options: Callable[[URL, bool], dict[str, Any]] = field(default=lambda url, read_only: {})
    # Called before the engine is created (e.g. make the directory a database file lives in).
    prepare_url: Callable[[URL], None] = field(default=lambda url: None)
    # Why the database cannot be opened read-only as it stands (e.g. no file there), or None.
    missing_database: Callable[[URL], str | None] = field(default=lambda url: None)
    # Hooks an engine up after creation: (engine, read_only, seconds to wait for a busy database, on_wait).
    attach: Callable[[Engine, bool, float, OnWait | None], None] = field(
        default=lambda engine, read_only, wait, on_wait: None)
    # The user's statement was refused because the connection is read-only: a one-line reason, else None.
    read_only_refusal: Callable[[BaseException], str | None] = field(default=lambda exc: None)
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


def _duckdb_file(url: URL) -> Path | None:
    """The database file of a DuckDB URL; None for in-memory and MotherDuck databases."""
    database = url.database
    if not database or database == ":memory:" or database.startswith(("md:", "motherduck:")):
        return None
    return Path(database).expanduser()


def _duckdb_prepare_url(url: URL) -> None:
    # DuckDB creates the file but not its directory; ``data/`` may not exist on a fresh checkout.
    path = _duckdb_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _duckdb_missing(url: URL) -> str | None:
    path = _duckdb_file(url)
    if path is not None and not path.is_file():
        return f"no warehouse at {path} (nothing has been ingested there; check --data-dir / --warehouse)"
    return None


# A read-only session cannot reach outside its database: no ATTACH, COPY, read_csv('/etc/passwd'),
# INSTALL/LOAD, and locked so that a statement cannot SET these back.
DUCKDB_READ_ONLY_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def _duckdb_engine_options(url: URL, read_only: bool) -> dict[str, Any]:
    if read_only:
        return {"connect_args": {"read_only": True, "config": dict(DUCKDB_READ_ONLY_CONFIG)}}
    return {}


def is_duckdb_lock_conflict(exc: BaseException) -> bool:
    """DuckDB's error when another process holds the file in a conflicting mode."""
    return "Could not set lock on file" in str(exc)


# Between attempts to open a file another process holds: short, since loads and queries are short.
_LOCK_POLL_SECONDS = 0.05


def readers_path(database: Path) -> Path:
    """Beside a DuckDB file: readers hold a shared flock on it while they use (or wait for) the file."""
    return database.with_name(database.name + ".readers")


def _announce_reader(path: Path) -> int | None:
    """A shared flock on the readers file, so the writer lets this reader in before its next open.

    None when the file cannot be opened (a read-only directory and no writer made it yet).
    """
    import fcntl

    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:  # a writer is looking for readers this instant
            time.sleep(_LOCK_POLL_SECONDS / 5)


def _wait_for_readers(path: Path, started: float, wait: float, on_wait: OnWait | None, database: str) -> None:
    """Before the writer opens the file: let every reader that is waiting or reading finish first.

    Without this a writer that reopens right after each batch would find the file free
    before a polling reader does, and starve it for the whole ingest.
    """
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def no_reader() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Held("readers") from None
        fcntl.flock(fd, fcntl.LOCK_UN)

    try:
        wait_for(no_reader, Wording(
            waiting=f"waiting up to {wait:.0f} s for readers of {literal(database)} to finish",
            gave_up=f"readers kept the warehouse {literal(database)} for {{s:.0f}} s (a long query?); try again later",
            got=f"readers of {literal(database)} done after {{s:.1f}} s"),
            timeout=wait, poll=_LOCK_POLL_SECONDS, on_wait=on_wait, started=started)
    finally:
        os.close(fd)


def _duckdb_attach(engine: Engine, read_only: bool, wait: float, on_wait: OnWait | None) -> None:
    """Open the file with retries for up to ``wait`` seconds while another process holds it.

    The file admits one writing process or many reading ones. Readers announce
    themselves on ``readers_path`` while they wait for or hold the file; a writer waits
    for announced readers before each open. So a query during an ingest waits at most
    for the load in progress, and an ingest's next load waits for the queries running.
    Each side keeps the file until ``Warehouse.release``/``close`` (an open costs ~50 ms of CPU).
    """
    database = _duckdb_file(engine.url)
    if database is None:
        return
    readers = readers_path(database)
    mode = "read" if read_only else "write"

    @event.listens_for(engine, "do_connect")
    def _connect_waiting(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
        started = time.monotonic()
        marker = _announce_reader(readers) if read_only else None
        try:
            if not read_only:
                _wait_for_readers(readers, started, wait, on_wait, str(database))
            connection = _connect_retrying(dialect, cargs, cparams, started, wait, on_wait, mode, str(database))
        except BaseException:
            if marker is not None:
                os.close(marker)
            raise
        if marker is not None:
            conn_rec.info["gongkai_reader_fd"] = marker
        return connection

    @event.listens_for(engine, "close")
    def _forget_reader(dbapi_connection: Any, conn_rec: Any) -> None:
        marker = conn_rec.info.pop("gongkai_reader_fd", None)
        if marker is not None:
            os.close(marker)


def _connect_retrying(dialect: Any, cargs: Any, cparams: Any, started: float, wait: float,
                      on_wait: OnWait | None, mode: str, database: str) -> Any:
    def connect() -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            if not is_duckdb_lock_conflict(exc):
                raise
            raise Held(_holder(exc)) from None

    return wait_for(connect, Wording(
        waiting=f"waiting up to {wait:.0f} s to {mode} {literal(database)}: another process holds it ({{holder}})",
        gave_up=(f"the warehouse {literal(database)} is still busy after {{s:.0f}} s "
                 "(another process holds it: {holder}); try again later"),
        got=f"got {literal(database)} to {mode} after {{s:.1f}} s"),
        timeout=wait, poll=_LOCK_POLL_SECONDS, on_wait=on_wait, started=started)


def _holder(exc: BaseException) -> str:
    """The process DuckDB names in its lock error, e.g. 'PID 1234'."""
    found = re.search(r"PID \d+", str(exc))
    return found.group(0) if found else "lock held"


def _duckdb_refusal(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig)
    if (type(orig).__name__ == "PermissionException" or "read-only mode" in text
            or "configuration has been locked" in text or "disabled" in text and "configuration" in text):
        return text.splitlines()[0]
    return None


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
        # SQL text (an analyst's) goes through the extended protocol, which takes exactly one
        # statement: "SELECT 1; COMMIT; DELETE ..." is refused whole instead of run in part.
        sql, params = _bound(conn, query)
        cur.execute(sql, params, prepare=True if isinstance(query, str) else None)
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


def _postgres_engine_options(url: URL, read_only: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"pool_pre_ping": True}
    if read_only:
        # Every transaction of the session is read-only (and a statement cannot COMMIT its
        # way out of it: ``_postgres_read_arrow`` runs one statement at a time). Kept beside
        # any ``options`` the URL already carries (e.g. a search_path).
        given = url.query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        options["connect_args"] = {"options": f"{given} -c default_transaction_read_only=on".strip()}
    return options


def _postgres_attach(engine: Engine, read_only: bool, wait: float, on_wait: OnWait | None) -> None:
    if not read_only:
        return

    @event.listens_for(engine, "connect")
    def _read_only_session(dbapi_connection: Any, connection_record: Any) -> None:
        # psycopg then opens every transaction with BEGIN READ ONLY: a client-side setting no
        # statement can undo, where "SET default_transaction_read_only = off" could undo the
        # session default for the next statement on a pooled connection.
        dbapi_connection.read_only = True


def postgres_read_only_grants(role: str, schema: str = "public") -> list[str]:
    """The statements that give ``role`` read access to a warehouse in ``schema`` and nothing else.

    For analysts' logins (README, "Read-only querying"): SELECT on the tables and views,
    today's and future ones (run as the role that ingests), every session read-only, no
    right to create; without superuser or the ``pg_read_server_files`` /
    ``pg_write_server_files`` roles, ``COPY … TO 'file'`` and ``pg_read_file`` are refused too.
    """
    return [
        f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE',
        f'ALTER ROLE "{role}" SET default_transaction_read_only = on',
        f'REVOKE CREATE ON SCHEMA "{schema}" FROM "{role}"',
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT ON TABLES TO "{role}"',
    ]


# SQLSTATEs of a refused write: read_only_sql_transaction, insufficient_privilege.
_PG_REFUSED = {"25006", "42501"}


def _postgres_refusal(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None)
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    if state in _PG_REFUSED:
        return text
    if state == "42601" and "multiple commands" in text:
        return "one SQL statement at a time: " + text
    return None


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
    engine_options=_duckdb_engine_options,
    prepare_url=_duckdb_prepare_url,
    missing_database=_duckdb_missing,
    attach=_duckdb_attach,
    read_only_refusal=_duckdb_refusal,
)

POSTGRES = Backend(
    name="postgresql",
    capabilities=Capabilities(bulk_path="copy_csv", concurrent_writers=True, secondary_indexes=True),
    bulk_insert=_postgres_bulk_insert,
    read_arrow=_postgres_read_arrow,
    engine_options=_postgres_engine_options,
    serialize_writers=_postgres_serialize_writers,
    attach=_postgres_attach,
    read_only_refusal=_postgres_refusal,
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
