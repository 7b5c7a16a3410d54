"""One writer at a time: a lock per warehouse, held by an ingest for its whole run.

Two runs writing one warehouse at once would interleave their batches (and on DuckDB
the second could not even open the file). So every writing run takes the warehouse's
writer lock first; a second run waits for it — telling what it waits for — and then
proceeds, or gives up after its wait with a one-line ``WarehouseBusyError``.

- DuckDB file: an ``flock`` on ``<file>.writer.lock`` beside the database, whose
  content names the holder (pid, host, what it runs, since when). The kernel drops
  the lock when the holder exits, however it exits.
- PostgreSQL: a session advisory lock keyed by database and schema, on a connection
  named ``gongkai writer: <what it runs>`` so ``pg_stat_activity`` shows the holder.
- Other databases and in-memory DuckDB: no lock (nothing else can reach them, or we
  cannot tell).

Readers take no lock: they read the last committed state (see ``Warehouse.open_readonly``).
Inside Prefect, ``flows.locking`` adds a global concurrency limit named for the
warehouse on top of this lock, so the wait also shows in the UI.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from warehouse.backends import backend_for
from warehouse.urls import mask_url, with_password
from warehouse.waiting import Held, OnWait, Wording, literal, wait_for

ENV_WRITER_WAIT = "GONGKAI_WRITER_WAIT_SECONDS"
# An annual ingest of a whole country takes hours; a second run queued behind it waits that long.
DEFAULT_WRITER_WAIT_SECONDS = 6 * 3600.0
_POLL_SECONDS = 0.5
# Advisory locks take two int4 keys: this one says "gongkai writer", the other names the warehouse.
_PG_LOCK_CLASS = 0x676B  # "gk"


def writer_wait_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How long a writing run waits for another one: ``GONGKAI_WRITER_WAIT_SECONDS``, else 6 h."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_WRITER_WAIT)
    if not value:
        return DEFAULT_WRITER_WAIT_SECONDS
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{ENV_WRITER_WAIT}={value!r} is not a number of seconds") from None


def lock_path(url: str | URL) -> Path | None:
    """The lock file beside a DuckDB database file; None when the warehouse is not a local file."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "duckdb" or not database or database == ":memory:" \
            or database.startswith(("md:", "motherduck:")):
        return None
    return Path(database).expanduser().with_name(Path(database).name + ".writer.lock")


@contextmanager
def writer_lock(url: str, *, label: str = "", timeout: float | None = None,
                on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock for the ``with`` block, waiting up to ``timeout`` seconds for it."""
    timeout = writer_wait_seconds() if timeout is None else timeout
    path = lock_path(url)
    if path is not None:
        with _file_lock(path, label, timeout, on_wait):
            yield
    elif backend_for(url).name == "postgresql":
        with _advisory_lock(url, label, timeout, on_wait):
            yield
    else:
        yield


def _holder_text(info: Mapping[str, Any]) -> str:
    return (f"pid {info.get('pid', '?')} on {info.get('host', '?')}, {info.get('label') or 'a gongkai run'}, "
            f"since {info.get('since', '?')}")


@contextmanager
def _file_lock(path: Path, label: str, timeout: float, on_wait: OnWait | None) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    def take() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Held(_read_holder(path)) from None

    try:
        where = literal(str(path))
        wait_for(take, Wording(
            waiting=f"waiting up to {timeout:.0f} s for the warehouse writer lock {where}: "
                    "another run is writing ({holder})",
            gave_up=("another run is writing the warehouse ({holder}); gave up after {s:.0f} s "
                     f"(lock {where}; wait longer with {ENV_WRITER_WAIT})"),
            got=f"got the warehouse writer lock {where} after {{s:.1f}} s"),
            timeout=timeout, poll=_POLL_SECONDS, on_wait=on_wait)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "label": label,
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        return _holder_text(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return "holder unknown"


def _pg_key(conn: Any) -> int:
    where = conn.execute(text("SELECT current_database() || '.' || current_schema()")).scalar_one()
    return int.from_bytes(hashlib.sha256(f"gongkai-writer:{where}".encode()).digest()[:4], "big", signed=True)


@contextmanager
def _advisory_lock(url: str, label: str, timeout: float, on_wait: OnWait | None) -> Iterator[None]:
    name = f"gongkai writer: {label}"[:63]
    engine = create_engine(with_password(url), poolclass=NullPool, connect_args={"application_name": name})
    try:
        with engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            key = _pg_key(conn)

            def take() -> None:
                if conn.execute(text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": _PG_LOCK_CLASS, "k": key}
                                ).scalar_one():
                    return
                holder = conn.execute(text(
                    "SELECT a.pid, a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.classid = :c AND l.objid = :k"), {"c": _PG_LOCK_CLASS, "k": key & 0xFFFFFFFF}).first()
                raise Held(f"pid {holder.pid} ({holder.application_name or 'unnamed'}), since {holder.backend_start}"
                           if holder else "holder unknown")

            where = literal(mask_url(url))
            wait_for(take, Wording(
                waiting=f"waiting up to {timeout:.0f} s for the writer lock of {where}: another run "
                        "is writing ({holder})",
                gave_up=(f"another run is writing the warehouse {where} ({{holder}}); gave up after "
                         f"{{s:.0f}} s (wait longer with {ENV_WRITER_WAIT})"),
                got=f"got the writer lock of {where} after {{s:.1f}} s"),
                timeout=timeout, poll=_POLL_SECONDS, on_wait=on_wait)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": _PG_LOCK_CLASS, "k": key})
    finally:
        engine.dispose()
