"""In-place upgrades from older schema versions, one step per version, inside ``open``'s transaction.

A step only adds (columns, tables, indexes) and backfills; it never drops data.
``Warehouse.open`` creates missing tables first (``metadata.create_all``), then runs
the steps from the version the database records up to ``SCHEMA_VERSION``, then
recreates the views, all in one transaction: a failed upgrade leaves the old
database as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Table

from warehouse.backends import capabilities_for_dialect
from warehouse.errors import SchemaVersionError
from warehouse.history import relink_all
from warehouse.schema import SCHEMA_VERSION, ingest_runs, report_tables

Step = Callable[[Connection], None]


def add_missing_columns(conn: Connection, table: Table) -> list[str]:
    """``ALTER TABLE ... ADD COLUMN`` for every declared column the database lacks (all nullable)."""
    preparer = conn.dialect.identifier_preparer
    # An empty SELECT rather than the inspector: duckdb-engine's inspector queries PostgreSQL catalogs.
    present = set(conn.exec_driver_sql(f"SELECT * FROM {preparer.format_table(table)} WHERE 1 = 0").keys())
    added = []
    for column in table.columns:
        if column.name in present:
            continue
        sql_type = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(
            f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {preparer.quote(column.name)} {sql_type}"
        )
        added.append(column.name)
    return added


def _v1_to_v2(conn: Connection) -> None:
    """Bureau registry and report versions.

    Adds the version columns to ``reports`` (the ``bureaus`` / ``bureau_aliases``
    tables already exist: ``create_all`` made them), creates bureaus from the titles
    of the reports already loaded, and backfills versions: reports are ordered by
    ``loaded_at``, so of several reports of one bureau-year the last loaded is current.
    """
    reports = report_tables["reports"]
    add_missing_columns(conn, reports)
    if capabilities_for_dialect(conn.dialect.name).secondary_indexes:
        for index in reports.indexes:
            index.create(conn, checkfirst=True)
    relink_all(conn)


def _v2_to_v3(conn: Connection) -> None:
    """``extra_rows`` and ``extra_columns`` (subtotals a bureau added, kept as printed).

    ``create_all`` has already made the two tables; reports loaded before simply have
    no rows in them until they are re-parsed (a parser-version bump re-parses them).
    """


def _v3_to_v4(conn: Connection) -> None:
    """``resolutions`` (the office's decisions, ``warehouse.resolutions``).

    ``create_all`` has already made the table; no report has a decision yet, so no
    status changes.
    """


def _v4_to_v5(conn: Connection) -> None:
    """``how`` on every fact: how the cell's value was read (printed, split by a sum, by evidence …).

    Facts loaded before keep ``how`` NULL until their report is re-parsed (the parser-version
    bump that came with it re-parses every file on the next run).
    """
    for name in ("application_facts", "review_facts", "disclosure_facts"):
        add_missing_columns(conn, report_tables[name])


def _v5_to_v6(conn: Connection) -> None:
    """``report_files`` (every name a report's bytes were seen under) and ``ingest_runs.host`` / ``pid``.

    ``create_all`` has made ``report_files``; it is backfilled with the path each loaded
    report came from. Runs recorded before have no host/pid and are never marked crashed.
    """
    add_missing_columns(conn, ingest_runs)
    conn.exec_driver_sql(
        "INSERT INTO report_files (report_id, source_path, content_sha256, first_run_id, first_seen_at) "
        "SELECT report_id, source_path, content_sha256, run_id, loaded_at FROM reports "
        "WHERE source_path IS NOT NULL"
    )


def _v6_to_v7(conn: Connection) -> None:
    """``derived_objects`` (the code fingerprint of the views and dimensions).

    ``create_all`` has made it empty, so this open recreates the views and records it.
    """


#: ``MIGRATIONS[n]`` upgrades a database from version n to n + 1.
MIGRATIONS: dict[int, Step] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7}


def upgrade(conn: Connection, found: int) -> list[int]:
    """Run the steps from ``found`` to ``SCHEMA_VERSION``; returns the versions passed through."""
    if found > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"database has schema version {found}, newer than this gongkai's {SCHEMA_VERSION}; "
            "upgrade gongkai or point at another database"
        )
    passed = []
    for version in range(found, SCHEMA_VERSION):
        step = MIGRATIONS.get(version)
        if step is None:
            raise SchemaVersionError(f"no upgrade from schema version {version}; point at a new database")
        step(conn)
        passed.append(version + 1)
    return passed
