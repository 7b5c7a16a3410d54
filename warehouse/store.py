"""The ``Warehouse``: open (and create or upgrade) the database, load batches atomically, read back.

A load is one transaction. Reports already present with the same ``report_id``
(the same content) are deleted and inserted again, so loading a batch twice
leaves one copy. A report with new content never deletes anything: it becomes a
new *version* of its bureau-year (or of its file, when the bureau or year is
unknown), the current one, and whatever it supersedes stays in the warehouse with
``is_current = false`` (see ``warehouse.versions`` for the rules). Readers see the
state before the load or after it, never half a report or two current versions.
The years whose rows changed are returned so the Parquet mirror rewrites only those.

Reports link to the bureau registry by name or alias (``bureau_id``, resolved at
load and again whenever ``load_registry`` replaces the registry). Without a
registry, every bureau named in a title becomes a registry entry of its own.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, true
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from transforms.tables import REPORT_TABLES, SCHEMAS
from warehouse.backends import Backend, OnWait, backend_for
from warehouse.errors import (
    BatchError,
    MissingTablesError,
    ReadOnlyError,
    RegistryError,
    SchemaVersionError,
    WarehouseError,
)
from warehouse.history import (
    as_input,
    link_bureaus,
    max_load_seq,
    read_bureau_maps,
    read_meta,
    relink_all,
    state_values,
    touched_meta,
    write_changes,
)
from warehouse.migrations import upgrade
from warehouse.resolutions import regrade
from warehouse.registry import parse_registry, read_registry_text
from warehouse.schema import (
    DIMENSION_TABLES,
    REPORT_VERSION_FIELDS,
    SCHEMA_VERSION,
    TABLE_SCHEMAS,
    bureau_aliases,
    bureaus,
    derived_objects,
    dimension_rows,
    ingest_runs,
    metadata,
    report_files,
    report_tables,
    schema_version,
)
from warehouse.fingerprint import code_fingerprint
from warehouse.urls import mask_url, with_password
from warehouse.versions import VersionInput, compute_versions, normalize_name, version_key
from warehouse.views import VIEWS, create_views, drop_views

__all__ = [
    "BatchError", "LoadResult", "MissingTablesError", "ReadOnlyError", "RegistryError", "RegistryResult",
    "SchemaVersionError", "Warehouse", "WarehouseError", "conform", "default_url",
]

DEFAULT_DB_FILE = "gongkai.duckdb"
# Bound the number of bind parameters per statement (IN lists of report ids).
_ID_CHUNK = 1000

Year = int | None


@dataclass(frozen=True)
class LoadResult:
    """What one ``load`` changed: the years to re-export and the row counts, per table."""

    report_ids: tuple[str, ...]  # reports in the batch
    replaced_report_ids: tuple[str, ...]  # reports that existed before (same content) and were replaced
    years: tuple[Year, ...]  # years of inserted, deleted or re-versioned rows (None = year unknown), None first
    rows_inserted: Mapping[str, int] = field(default_factory=dict)
    rows_deleted: Mapping[str, int] = field(default_factory=dict)
    # Reports of earlier loads this load made non-current (a resubmission or a changed file).
    superseded_report_ids: tuple[str, ...] = ()
    # Reports of the batch whose status the office's decisions changed (``warehouse.resolutions.regrade``).
    regraded: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistryResult:
    """What ``load_registry`` changed."""

    bureaus: int  # bureaus in the new registry
    aliases: int  # aliases in the new registry
    relinked_report_ids: tuple[str, ...]  # reports whose bureau link or version changed
    years: tuple[Year, ...]  # years to re-export to the Parquet mirror


def default_url(data_dir: str | Path = "data") -> str:
    return f"duckdb:///{Path(data_dir) / DEFAULT_DB_FILE}"


def _chunks(values: list[str], size: int = _ID_CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _sorted_years(years: Iterable[Year]) -> tuple[Year, ...]:
    return tuple(sorted(set(years), key=lambda y: (y is not None, y or 0)))


def missing_relations(conn: Connection, names: Iterable[str]) -> list[str]:
    """Which of these tables or views the database lacks (read from its catalog: writes nothing)."""
    inspector = inspect(conn)
    present = {n.lower() for n in inspector.get_table_names()} | {n.lower() for n in inspector.get_view_names()}
    return sorted(n for n in names if n.lower() not in present)


def conform(name: str, data: pa.Table | None) -> pa.Table:
    """A batch table in exactly the ``transforms`` column order and types (extra columns are an error)."""
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


# How long an engine waits for a DuckDB file another process holds (a batch load, a query):
# readers wait for one batch load, writers for an analyst's query.
READ_WAIT_SECONDS = 30.0
WRITE_WAIT_SECONDS = 600.0


# The columns ``link_bureaus`` writes for a bureau first met in a report title.
_BUREAU_ROWS = pa.schema([("bureau_id", pa.string()), ("name", pa.string()), ("region", pa.string()),
                          ("parent_bureau_id", pa.string()), ("level", pa.string()), ("sector", pa.string()),
                          ("is_registered", pa.bool_())])


class Warehouse:
    """A gongkai warehouse on one SQLAlchemy database. Create with ``Warehouse.open`` (to load)
    or ``Warehouse.open_readonly`` (to read: analysts' queries, reports, review pages)."""

    def __init__(self, engine: Engine, backend: Backend, read_only: bool = False) -> None:
        self.engine = engine
        self.backend = backend
        self.read_only = read_only
        # Makes an engine that keeps its connection between calls (for ``holding``); None: this one does.
        self._pooled: Callable[[], Engine] | None = None

    # -- lifecycle ------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, data_dir: str | Path = "data", *, read_only: bool = False,
             wait_seconds: float | None = None, on_wait: OnWait | None = None, keep_open: bool = True) -> Warehouse:
        """Connect for loading, creating directories, tables, dimensions and views on a new database.

        The default is a DuckDB file ``<data_dir>/gongkai.duckdb``: local first, no server.
        An existing warehouse is upgraded from an older schema version; one whose tables
        were dropped is an error (``MissingTablesError``), never silently recreated empty.
        ``read_only=True`` is ``open_readonly``. ``wait_seconds``: how long to wait for a
        DuckDB file another process holds (``on_wait`` hears about the wait).
        ``keep_open=False`` holds a connection only during each call: an ingest opens so,
        letting analysts read a DuckDB file between its batch loads (each call then
        reopens the file, ~50 ms of CPU); otherwise call ``release`` to let them in.
        """
        if read_only:
            return cls.open_readonly(url, data_dir, wait_seconds=wait_seconds, on_wait=on_wait, keep_open=keep_open)
        url = url or default_url(data_dir)
        backend = backend_for(url)
        backend.prepare_url(make_url(url))
        engine_wait = WRITE_WAIT_SECONDS if wait_seconds is None else wait_seconds
        engine = cls._engine(url, backend, False, engine_wait, on_wait, keep_open)
        warehouse = cls(engine, backend)
        warehouse._pooled = lambda: cls._engine(url, backend, False, engine_wait, on_wait)
        try:
            warehouse._create()
        except BaseException:
            engine.dispose()
            raise
        return warehouse

    @classmethod
    def open_readonly(cls, url: str | None = None, data_dir: str | Path = "data", *,
                      wait_seconds: float | None = None, on_wait: OnWait | None = None,
                      keep_open: bool = True) -> Warehouse:
        """Connect for reading only: never creates, upgrades or refreshes anything.

        DuckDB opens the file ``read_only`` with external access, extension loading and
        configuration changes off (no ATTACH, COPY, read_csv of other files, INSTALL);
        PostgreSQL sessions are ``default_transaction_read_only`` and take one statement
        at a time. A statement that would write raises ``ReadOnlyError``. A missing
        database, missing tables or views, or another schema version raise
        ``WarehouseError`` naming what to do. While an ingest loads a batch into a DuckDB
        file, opening waits for it (up to ``wait_seconds``, default ``READ_WAIT_SECONDS``).
        A reader holds a DuckDB file until ``close``/``release`` (and an ingest's next load
        waits for it): close it when done, or open with ``keep_open=False`` in a long-lived
        process so the file is held only during each query.
        """
        url = url or default_url(data_dir)
        backend = backend_for(url)
        missing = backend.missing_database(make_url(url))
        if missing:
            raise WarehouseError(missing)
        engine_wait = READ_WAIT_SECONDS if wait_seconds is None else wait_seconds
        engine = cls._engine(url, backend, True, engine_wait, on_wait, keep_open)
        warehouse = cls(engine, backend, read_only=True)
        warehouse._pooled = lambda: cls._engine(url, backend, True, engine_wait, on_wait)
        try:
            warehouse._check_readable()
        except BaseException:
            engine.dispose()
            raise
        return warehouse

    @staticmethod
    def _engine(url: str, backend: Backend, read_only: bool, wait: float, on_wait: OnWait | None,
                keep_open: bool = True) -> Engine:
        options = backend.engine_options(make_url(url), read_only)
        if not keep_open and make_url(url).database not in (None, "", ":memory:"):
            options["poolclass"] = NullPool
        engine = create_engine(with_password(url), **options)
        backend.attach(engine, read_only, wait, on_wait)
        return engine

    def _check_readable(self) -> None:
        """The schema this gongkai reads is all there; nothing is written to find out."""
        with self.engine.connect() as conn:
            absent = missing_relations(conn, [t.name for t in metadata.sorted_tables])
            if absent:
                raise MissingTablesError(
                    f"the warehouse {mask_url(self.engine.url)} lacks table(s) {', '.join(absent)}: "
                    "it is not a gongkai warehouse, or they were dropped (restore from a backup or the "
                    "Parquet mirror, or ingest into a new warehouse)")
            versions = conn.execute(select(schema_version.c.version)).scalars().all()
            if versions != [SCHEMA_VERSION]:
                raise SchemaVersionError(
                    f"the warehouse has schema version {versions}, this gongkai reads {SCHEMA_VERSION}: "
                    "run an ingest (or rerun) with this gongkai once to upgrade it")
            absent = missing_relations(conn, [v.name for v in VIEWS])
            if absent:
                raise MissingTablesError(f"the warehouse lacks view(s) {', '.join(absent)}: run an ingest "
                                         "(or rerun) once to recreate them")

    def _create(self) -> None:
        with self.engine.begin() as conn:
            present = set(metadata.tables) - set(missing_relations(conn, list(metadata.tables)))
            versions = (conn.execute(select(schema_version.c.version)).scalars().all()
                        if schema_version.name in present else [])
            if present and versions == [SCHEMA_VERSION] and present != set(metadata.tables):
                absent = sorted(set(metadata.tables) - present)
                raise MissingTablesError(
                    f"the warehouse {mask_url(self.engine.url)} lacks table(s) {', '.join(absent)}: they were "
                    "dropped or never made; not recreating them empty (restore them from a backup or the "
                    "Parquet mirror, or point at a new warehouse)")
            if present and not versions and present - {schema_version.name}:
                raise MissingTablesError(
                    f"the database {mask_url(self.engine.url)} has gongkai tables but no schema version: "
                    "not a warehouse this gongkai can upgrade; point at a new database")
            fingerprint = code_fingerprint(conn.dialect.name)
            if (versions == [SCHEMA_VERSION] and not missing_relations(conn, [v.name for v in VIEWS])
                    and conn.execute(select(derived_objects.c.fingerprint)).scalars().all() == [fingerprint]):
                return  # views and dimensions were made by this very code: nothing to refresh
            drop_views(conn)  # before any upgrade, so no view pins an old table shape
            # New database: every table. Older schema version: the tables later versions added.
            metadata.create_all(conn, checkfirst=True)
            if not versions:
                conn.execute(schema_version.insert(), {"version": SCHEMA_VERSION})
            elif len(versions) != 1:
                raise SchemaVersionError(f"table schema_version holds {versions}; expected one version")
            elif versions[0] != SCHEMA_VERSION:
                upgrade(conn, versions[0])
                conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
            # Dimensions are a pure function of the spec: refresh them so they never go stale.
            rows = dimension_rows()
            for table in DIMENSION_TABLES:
                conn.execute(table.delete())
                if rows[table.name]:
                    conn.execute(table.insert(), rows[table.name])
            create_views(conn)
            conn.execute(derived_objects.delete())
            conn.execute(derived_objects.insert(), {"fingerprint": fingerprint})

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def holding(self) -> Iterator[Warehouse]:
        """Keep one connection for the calls inside the block, on a warehouse opened ``keep_open=False``.

        For a run of many small calls (the Parquet mirror's exports: tables × years) that
        would otherwise reopen the database for each; the file is held for the block.
        """
        if self._pooled is None or not isinstance(self.engine.pool, NullPool):
            yield self
            return
        engine, original = self._pooled(), self.engine
        self.engine = engine
        try:
            yield self
        finally:
            self.engine = original
            engine.dispose()

    def release(self) -> None:
        """Close pooled connections until the next call needs one.

        On a DuckDB file this lets readers in: the file admits one writing process or
        many reading ones, so an ingest releases it after each batch's load and while it
        parses the next. The next call reopens it, waiting for readers if need be.
        """
        self.engine.dispose()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading --------------------------------------------------------------
    def load(self, tables: Mapping[str, pa.Table]) -> LoadResult:
        """Load a batch as new versions (or in-place replacements) in one transaction; see the module docstring.

        Within a batch, reports are accepted in row order: of two reports of one
        bureau-year in the same batch, the later row is current.
        """
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
        orphans = sorted(incoming - set(report_col.to_pylist()))
        if orphans:  # their reports row would be deleted and not replaced
            raise BatchError(f"rows for reports missing from table 'reports': {orphans[:5]}")

        reports = report_tables["reports"]
        years: set[Year] = set()
        deleted: dict[str, int] = {}
        inserted: dict[str, int] = {}
        with self.engine.begin() as conn:
            self.backend.serialize_writers(conn, reports)
            loaded_before = read_meta(conn, report_ids=incoming)  # the batch's reports already here
            new_rows = batch["reports"].select(["report_id", "year", "bureau", "source_path", "loaded_at"]).to_pylist()
            links = link_bureaus(conn, read_bureau_maps(conn), [r["bureau"] for r in new_rows],
                                 insert=lambda rows: self.backend.bulk_insert(
                                     conn, bureaus, pa.Table.from_pylist(rows, schema=_BUREAU_ROWS)))
            seq = max_load_seq(conn) + 1
            added: dict[str, dict[str, Any]] = {}
            for r in new_rows:
                old = loaded_before.get(r["report_id"])
                if old is not None and old["load_seq"] is not None:  # same content again: keep its place
                    load_seq, accepted_at = old["load_seq"], old["accepted_at"]
                else:
                    load_seq, accepted_at, seq = seq, r["loaded_at"], seq + 1
                bureau_id = links[r["bureau"]]
                added[r["report_id"]] = {
                    "bureau_id": bureau_id,
                    "version_key": version_key(bureau_id, r["bureau"], r["year"], r["source_path"], r["report_id"]),
                    "load_seq": load_seq, "accepted_at": accepted_at,
                }
            # Only the version groups (keys, file paths) the batch joins or leaves can change.
            keys = {a["version_key"] for a in added.values()} | {m["version_key"] for m in loaded_before.values()}
            paths = {r["source_path"] for r in new_rows} | {m["source_path"] for m in loaded_before.values()}
            meta, writable = touched_meta(conn, keys, paths)
            meta.update(loaded_before)
            others = {rid: m for rid, m in meta.items() if rid not in added}
            inputs = [as_input(m) for m in others.values()]
            inputs += [VersionInput(rid, a["version_key"], r["source_path"], a["load_seq"], a["accepted_at"])
                       for rid, a, r in ((r["report_id"], added[r["report_id"]], r) for r in new_rows)]
            states = compute_versions(inputs)

            replaced = sorted(incoming & set(meta))
            # Only reports already here have rows to replace (every load is one transaction, so
            # no facts exist without their report); a delete per table scans the whole table,
            # which made each load slower as the warehouse grew.
            doomed_ids = sorted(loaded_before)
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
            batch["reports"] = _with_version_columns(batch["reports"], added, states)
            for name, data in batch.items():
                inserted[name] = self.backend.bulk_insert(conn, report_tables[name], data) if data.num_rows else 0
                years.update(pc.unique(data["year"]).to_pylist())
            wanted = {rid: state_values(states[rid]) for rid in others if rid in writable}
            years |= write_changes(conn, others, wanted)
            # The gate with the office's decisions: they hang off the content, so a rerun keeps them.
            regraded = regrade(conn, sorted(incoming))
        superseded = sorted(rid for rid, m in others.items()
                            if rid in writable and m["is_current"] and not states[rid].is_current)
        return LoadResult(
            report_ids=tuple(sorted(incoming)),
            replaced_report_ids=tuple(replaced),
            years=_sorted_years(years),
            rows_inserted=inserted,
            rows_deleted=deleted,
            superseded_report_ids=tuple(superseded),
            regraded=regraded,
        )

    def load_registry(self, source: str | Path) -> RegistryResult:
        """Replace the bureau registry with the office's CSV (a path or fsspec URL); see ``warehouse.registry``.

        Every report is linked again (by name, then alias) in the same transaction, so a
        renamed bureau's old reports join its new ones and version history follows.
        Reports whose bureau is not in the registry keep ``bureau_id`` NULL.
        """
        registry = parse_registry(read_registry_text(source), str(source))
        reports = report_tables["reports"]
        with self.engine.begin() as conn:
            self.backend.serialize_writers(conn, reports)
            before = {rid: (m["bureau_id"], m["is_current"], m["version_no"]) for rid, m in read_meta(conn).items()}
            conn.execute(bureau_aliases.delete())
            conn.execute(bureaus.delete())
            if registry.bureaus:
                conn.execute(bureaus.insert(), list(registry.bureaus))
            if registry.aliases:
                conn.execute(bureau_aliases.insert(), list(registry.aliases))
            years = relink_all(conn)
            after = {rid: (m["bureau_id"], m["is_current"], m["version_no"]) for rid, m in read_meta(conn).items()}
        return RegistryResult(
            bureaus=len(registry.bureaus),
            aliases=len(registry.aliases),
            relinked_report_ids=tuple(sorted(rid for rid in after if after[rid] != before.get(rid))),
            years=_sorted_years(years),
        )

    # -- runs -----------------------------------------------------------------
    def start_run(self, source: str, parameters: Mapping[str, Any] | None = None) -> str:
        """Record the start of an ingest run; the id goes into every report row it loads.

        Runs of this host still marked ``running`` whose process is gone were killed
        (kill -9, a power cut): they are marked ``crashed`` first (``mark_crashed_runs``).
        """
        self.mark_crashed_runs()
        run_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(ingest_runs.insert(), {
                "run_id": run_id,
                "started_at": datetime.now(timezone.utc),
                "source": source,
                "status": "running",
                "parameters": json.dumps(dict(parameters or {}), ensure_ascii=False, sort_keys=True, default=str),
                "host": socket.gethostname(),
                "pid": os.getpid(),
            })
        return run_id

    def mark_crashed_runs(self) -> list[str]:
        """Mark ``crashed`` the runs of this host left ``running`` by a process that no longer exists.

        Runs of other hosts are left alone (their processes cannot be seen from here),
        as are runs recorded before hosts and pids were (schema version 4).
        """
        host = socket.gethostname()
        with self.engine.begin() as conn:
            rows = conn.execute(select(ingest_runs.c.run_id, ingest_runs.c.pid).where(
                ingest_runs.c.status == "running", ingest_runs.c.host == host, ingest_runs.c.pid.is_not(None))).all()
            dead = sorted(run_id for run_id, pid in rows if not _process_alive(int(pid)))
            for run_id in dead:
                conn.execute(ingest_runs.update().where(ingest_runs.c.run_id == run_id, ingest_runs.c.status == "running")
                             .values(status="crashed", finished_at=datetime.now(timezone.utc)))
        return dead

    def unsettled_years(self) -> list[Year]:
        """Years of the reports loaded by crashed or failed runs that no later run has settled yet."""
        reports = report_tables["reports"]
        unsettled = select(ingest_runs.c.run_id).where(ingest_runs.c.status.in_(("crashed", "failed")),
                                                       ingest_runs.c.settled_by.is_(None))
        with self.engine.connect() as conn:
            years = conn.execute(select(reports.c.year).distinct().where(reports.c.run_id.in_(unsettled))).scalars()
            return list(_sorted_years(years))

    def settle_runs(self, by_run_id: str) -> int:
        """Record that ``by_run_id`` re-checked and re-mirrored what every crashed or failed run left behind."""
        with self.engine.begin() as conn:
            result = conn.execute(ingest_runs.update().where(
                ingest_runs.c.status.in_(("crashed", "failed")), ingest_runs.c.settled_by.is_(None),
                ingest_runs.c.run_id != by_run_id).values(settled_by=by_run_id))
            return max(result.rowcount or 0, 0)

    def current_tables(self, years: Iterable[Year]) -> dict[str, pa.Table]:
        """The current reports of ``years`` with all their rows, typed as ``transforms.tables.SCHEMAS``.

        What the cross-report re-check reads: the complete state of those years after a run.
        """
        wanted = sorted({int(y) for y in years if y is not None})
        reports = report_tables["reports"]
        if not wanted:
            return {name: SCHEMAS[name].empty_table() for name in REPORT_TABLES}
        with self.engine.connect() as conn:
            stmt = select(*reports.c).where(reports.c.is_current, reports.c.year.in_(wanted)).order_by(reports.c.report_id)
            found = self.backend.read_arrow(conn, stmt).select(SCHEMAS["reports"].names).cast(SCHEMAS["reports"])
            ids = found.column("report_id").to_pylist()
            out = {"reports": found}
            for name in REPORT_TABLES:
                if name == "reports":
                    continue
                table = report_tables[name]
                keys = [table.c.report_id] + [c for c in table.c if c.name != "report_id"]
                pieces = [SCHEMAS[name].empty_table()]
                for chunk in _chunks(ids):
                    stmt = select(*table.c).where(table.c.report_id.in_(chunk)).order_by(
                        *(k.asc().nulls_first() for k in keys))
                    pieces.append(self.backend.read_arrow(conn, stmt).select(SCHEMAS[name].names).cast(SCHEMAS[name]))
                out[name] = pa.concat_tables(pieces)
        return {name: out[name] for name in REPORT_TABLES}

    def replace_findings(self, reports: pa.Table, findings: pa.Table) -> int:
        """Replace the findings and the gate (status, n_errors, n_warnings) of ``reports``' ids; facts untouched."""
        ids = reports.column("report_id").to_pylist()
        if not ids:
            return 0
        table = report_tables["findings"]
        rep = report_tables["reports"]
        findings = conform("findings", findings)
        with self.engine.begin() as conn:
            self.backend.serialize_writers(conn, rep)
            for chunk in _chunks(ids):
                conn.execute(table.delete().where(table.c.report_id.in_(chunk)))
            if findings.num_rows:
                self.backend.bulk_insert(conn, table, findings)
            for row in reports.select(["report_id", "status", "n_errors", "n_warnings"]).to_pylist():
                conn.execute(rep.update().where(rep.c.report_id == row["report_id"]).values(
                    status=row["status"], n_errors=row["n_errors"], n_warnings=row["n_warnings"]))
            # the office's decisions still stand on the same bytes: the gate takes them into account again
            regrade(conn, ids)
        return len(ids)

    def record_files(self, files: Iterable[tuple[str, str, str | None]], run_id: str | None) -> int:
        """Record ``(report_id, source_path, content_sha256)``: every name a report's bytes were seen under.

        Idempotent: a name already recorded for the report keeps its first run and time;
        returns how many names were new.
        """
        rows = {(rid, path): sha for rid, path, sha in files if rid and path}
        if not rows:
            return 0
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            self.backend.serialize_writers(conn, report_files)
            present: set[tuple[str, str]] = set()
            for chunk in _chunks(sorted({rid for rid, _ in rows})):
                present.update((r[0], r[1]) for r in conn.execute(
                    select(report_files.c.report_id, report_files.c.source_path)
                    .where(report_files.c.report_id.in_(chunk))))
            new = [{"report_id": rid, "source_path": path, "content_sha256": sha, "first_run_id": run_id,
                    "first_seen_at": now} for (rid, path), sha in sorted(rows.items()) if (rid, path) not in present]
            if new:
                conn.execute(report_files.insert(), new)
        return len(new)

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
        """``source_path -> (content_sha256, parser_version)`` so a rerun can skip unchanged files.

        A path with several versions (the file changed in place) maps to the one accepted last.
        """
        reports = report_tables["reports"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reports.c.source_path, reports.c.content_sha256, reports.c.parser_version)
                .where(reports.c.source_path.is_not(None))
                .order_by(reports.c.load_seq, reports.c.report_id)
            ).all()
        return {path: (sha, version) for path, sha, version in rows}

    def query(self, sql: str) -> pa.Table:
        """Run one SQL statement and return its whole result as an Arrow table.

        On a read-only warehouse a statement that would write (or reach files, other
        databases, extensions, or run a second statement) raises ``ReadOnlyError``.
        """
        try:
            with self.engine.connect() as conn:
                return self.backend.read_arrow(conn, sql)
        except Exception as exc:
            reason = self.backend.read_only_refusal(exc) if self.read_only else None
            if reason is None:
                raise
            raise ReadOnlyError(f"the warehouse is open read-only, statement refused: {reason}") from None

    def export_table(self, name: str, year: Year) -> pa.Table:
        """All rows of one report table for one year (None: rows whose year is unknown).

        Typed as ``warehouse.schema.TABLE_SCHEMAS``: ``transforms`` columns, plus the
        version columns on ``reports``, so the mirror can tell current from history.
        """
        if name not in report_tables:
            raise KeyError(f"unknown table {name!r}; known: {', '.join(REPORT_TABLES)}")
        table = report_tables[name]
        condition = table.c.year.is_(None) if year is None else table.c.year == int(year)
        # a total order (every column, the report first), so the same rows always come out the same way
        keys = [table.c.report_id] + [c for c in table.c if c.name != "report_id"]
        stmt = select(*table.c).where(condition).order_by(*(k.asc().nulls_first() for k in keys))
        with self.engine.connect() as conn:
            data = self.backend.read_arrow(conn, stmt)
        return data.select(TABLE_SCHEMAS[name].names).cast(TABLE_SCHEMAS[name])

    def history_tables(self, bureaus: Iterable[str], years: Iterable[int],
                       tables: Sequence[str] = ("reports", "application_facts", "review_facts", "disclosure_facts"),
                       ) -> dict[str, pa.Table]:
        """Current versions of the given bureaus' reports in the given years, with their facts.

        What the cross-year, roll-up and duplicate rules compare a batch against: only the
        bureaus and years a batch needs, so a national warehouse is never read whole.
        """
        bureaus = sorted({b for b in bureaus if b})
        years = sorted({int(y) for y in years if y is not None})
        reports = report_tables["reports"]
        out: dict[str, pa.Table] = {}
        if not bureaus or not years:
            return {name: TABLE_SCHEMAS[name].empty_table() for name in tables}
        ids: list[str] = []
        parts = []
        with self.engine.connect() as conn:
            for chunk in _chunks(bureaus):
                stmt = select(*reports.c).where(
                    reports.c.is_current, reports.c.bureau.in_(chunk), reports.c.year.in_(years)
                )
                parts.append(self.backend.read_arrow(conn, stmt))
        found = pa.concat_tables([p.select(TABLE_SCHEMAS["reports"].names).cast(TABLE_SCHEMAS["reports"]) for p in parts])
        ids = found.column("report_id").to_pylist()
        for name in tables:
            if name == "reports":
                out[name] = found
                continue
            table = report_tables[name]
            pieces = [TABLE_SCHEMAS[name].empty_table()]
            with self.engine.connect() as conn:
                for chunk in _chunks(ids):
                    stmt = select(*table.c).where(table.c.report_id.in_(chunk))
                    pieces.append(self.backend.read_arrow(conn, stmt).select(TABLE_SCHEMAS[name].names).cast(TABLE_SCHEMAS[name]))
            out[name] = pa.concat_tables(pieces)
        return out

    def has_registry(self) -> bool:
        """True once the office's registry is loaded (not only bureaus named in report titles)."""
        with self.engine.connect() as conn:
            return conn.execute(select(bureaus.c.bureau_id).where(bureaus.c.is_registered == true())
                                .limit(1)).first() is not None

    def registry_names(self) -> dict[str, str]:
        """The registry's names and aliases -> its bureau names, for the parser (empty without a registry).

        Keys are ``normalize_name``'s form (``transforms.metadata.registry_key``). Only
        registered bureaus: names the warehouse created from report titles are no registry.
        """
        with self.engine.connect() as conn:
            rows = conn.execute(select(bureaus.c.bureau_id, bureaus.c.name)
                                .where(bureaus.c.is_registered == true())).all()
            alias_rows = conn.execute(select(bureau_aliases.c.alias, bureau_aliases.c.bureau_id)).all()
        names = {bureau_id: name for bureau_id, name in rows}
        out: dict[str, str] = {}
        for alias, bureau_id in alias_rows:
            key = normalize_name(alias)
            if key is not None and bureau_id in names:
                out[key] = names[bureau_id]
        for name in names.values():  # a bureau's own name beats another's alias
            key = normalize_name(name)
            if key is not None:
                out[key] = name
        return out

    def registry_frame(self):
        """The bureau registry as a pandas frame (the ``bureaus`` table), for the roll-up rules."""
        bureaus = self.query("SELECT * FROM bureaus")
        return bureaus.to_pandas()

    def export_year(self, year: Year) -> dict[str, pa.Table]:
        """Every report table's rows for one year, typed as ``warehouse.schema.TABLE_SCHEMAS``."""
        return {name: self.export_table(name, year) for name in REPORT_TABLES}

    def year_fingerprints(self) -> dict[Year, str]:
        """A digest per year of what the Parquet mirror must hold for it (``warehouse.parquet``'s manifest).

        Covers every reports column that a load, a re-versioning or a re-check changes
        (ids, times, versions, status, counts) and each report table's row count for
        the year: facts are only ever replaced together with their report's row.
        """
        import hashlib

        reports = report_tables["reports"]
        digests: dict[Year, Any] = {}
        cols = [c for c in reports.c if c.name != "year"]
        with self.engine.connect() as conn:
            rows = conn.execute(select(reports.c.year, *cols).order_by(reports.c.report_id)).all()
            for row in rows:
                year = row[0]
                h = digests.get(year)
                if h is None:
                    h = digests[year] = hashlib.sha256()
                h.update(repr(tuple(row[1:])).encode("utf-8"))
            findings = report_tables["findings"]
            fcols = [findings.c.report_id, findings.c.finding_no, findings.c.code, findings.c.severity,
                     findings.c.expected, findings.c.found]
            for row in conn.execute(select(findings.c.year, *fcols).order_by(findings.c.report_id,
                                                                             findings.c.finding_no)):
                h = digests.get(row[0])
                if h is None:
                    h = digests[row[0]] = hashlib.sha256()
                h.update(repr(tuple(row[1:])).encode("utf-8"))
            for name, table in report_tables.items():
                counts = conn.execute(select(table.c.year, func.count()).group_by(table.c.year)).all()
                for year, n in sorted(counts, key=lambda c: (c[0] is not None, c[0] or 0)):
                    h = digests.get(year)
                    if h is None:
                        h = digests[year] = hashlib.sha256()
                    h.update(f"|{name}:{n}".encode())
        return {year: h.hexdigest() for year, h in digests.items()}

    def years(self) -> tuple[Year, ...]:
        """Every year present in any report table (to rebuild a whole mirror)."""
        found: set[Year] = set()
        with self.engine.connect() as conn:
            for table in report_tables.values():
                found.update(conn.execute(select(table.c.year).distinct()).scalars())
        return _sorted_years(found)


def _process_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (signal 0 probes without signalling)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True
    return True


def _with_version_columns(reports: pa.Table, added: Mapping[str, Mapping[str, Any]],
                          states: Mapping[str, Any]) -> pa.Table:
    """The batch's ``reports`` with the warehouse's columns appended, in ``TABLE_SCHEMAS`` order."""
    ids = reports["report_id"].to_pylist()
    values: dict[str, list[Any]] = {f.name: [] for f in REPORT_VERSION_FIELDS}
    for rid in ids:
        row = {**added[rid], **state_values(states[rid])}
        for name in values:
            values[name].append(row[name])
    for f in REPORT_VERSION_FIELDS:
        reports = reports.append_column(f, pa.array(values[f.name], type=f.type))
    return reports.select(TABLE_SCHEMAS["reports"].names)
