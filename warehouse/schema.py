"""The warehouse's SQL tables, declared once and derived from what ``transforms`` produces.

The report tables mirror ``transforms.tables.SCHEMAS`` column for column: the Arrow
schema is the contract, this module only translates it to SQLAlchemy types, so a
column added in ``transforms`` appears here without anyone typing it twice. The
warehouse adds its own bookkeeping to ``reports`` (``REPORT_VERSION_FIELDS``: which
bureau a report resolves to and where it sits in that bureau-year's history);
``TABLE_SCHEMAS`` is the Arrow schema of every report table *as stored*, which the
Parquet mirror also uses. The bureau registry (``bureaus``, ``bureau_aliases``) is
the office's master list. The dimension tables are filled from
``transforms.spec.LAYOUTS`` (never from hand-typed row lists) so analysts can join
labels and ordinals onto the long fact tables.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from transforms.spec import LAYOUTS, REVIEW_CELLS
from transforms.tables import REPORT_TABLES, SCHEMAS
from warehouse.backends import capabilities_for_dialect

#: Bumped whenever a table or column changes shape. ``Warehouse.open`` upgrades an older
#: database in place (``warehouse.migrations``) and refuses a newer one.
#: 1: report tables, ingest runs, dimensions. 2: bureau registry, report versions.
#: 3: extra rows and columns. 4: the office's resolutions (``warehouse.resolutions``).
#: 5: ``how`` per cell in the three fact tables. 6: report_files (every name a report's bytes
#: were seen under), ingest_runs.host / pid (to tell a crashed run from a running one).
#: 7: derived_objects (the fingerprint of the code the views and dimensions were made by).
SCHEMA_VERSION = 7

# The natural key a report table's rows hang off; every report table carries both.
REPORT_KEY = "report_id"
YEAR = "year"

metadata = MetaData()


class SchemaTypeError(TypeError):
    """An Arrow type in ``transforms.tables.SCHEMAS`` has no SQL mapping. Terminal."""


def sql_type(arrow_type: pa.DataType) -> TypeEngine[Any]:
    """The one translation from Arrow to SQL types, so both sides cannot drift."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return Text()
    if pa.types.is_int32(arrow_type) or pa.types.is_int16(arrow_type) or pa.types.is_int8(arrow_type):
        return Integer()
    if pa.types.is_int64(arrow_type):
        return BigInteger()
    if pa.types.is_decimal(arrow_type):
        return Numeric(arrow_type.precision, arrow_type.scale, asdecimal=True)
    if pa.types.is_boolean(arrow_type):
        return Boolean()
    if pa.types.is_timestamp(arrow_type):
        return DateTime(timezone=arrow_type.tz is not None)
    raise SchemaTypeError(f"no SQL type for Arrow type {arrow_type}")


def _wants_secondary_indexes(ddl: Any, target: Any, bind: Any, *, dialect: Any, **kw: Any) -> bool:
    # Declared for every database, created only where the backend says they pay off.
    return capabilities_for_dialect(dialect.name).secondary_indexes


#: Columns the warehouse adds to ``reports`` (not produced by ``transforms``): the
#: resolved bureau and the report's place among the versions of its bureau-year.
REPORT_VERSION_FIELDS: tuple[pa.Field, ...] = (
    pa.field("bureau_id", pa.string()),  # bureaus.bureau_id the title's bureau resolves to (NULL: unresolved)
    # What versions are versions of: the bureau-year, or the file when bureau or year is unknown.
    pa.field("version_key", pa.string()),
    pa.field("version_no", pa.int32()),  # 1, 2, ... in order of acceptance within version_key
    pa.field("is_current", pa.bool_()),  # the version analysts see; at most one per version_key
    pa.field("load_seq", pa.int64()),  # warehouse-wide order in which contents were first accepted
    pa.field("accepted_at", pa.timestamp("us", tz="UTC")),  # when this content was first loaded
    pa.field("superseded_at", pa.timestamp("us", tz="UTC")),  # accepted_at of the version that replaced it
    pa.field("superseded_by", pa.string()),  # report_id of that version
)

#: Every report table's Arrow schema as stored: ``transforms`` columns, then the warehouse's own.
TABLE_SCHEMAS: dict[str, pa.Schema] = {
    name: (pa.schema(list(SCHEMAS[name]) + list(REPORT_VERSION_FIELDS)) if name == "reports" else SCHEMAS[name])
    for name in REPORT_TABLES
}


def _report_table(name: str, schema: pa.Schema) -> Table:
    columns = [
        Column(
            f.name,
            sql_type(f.type),
            primary_key=(name == "reports" and f.name == REPORT_KEY),
            # DuckDB compiles integer autoincrement keys to BIGSERIAL, which it lacks.
            autoincrement=False,
            nullable=not (name == "reports" and f.name == REPORT_KEY),
        )
        for f in schema
    ]
    table = Table(name, metadata, *columns)
    if name != "reports":  # the primary key already indexes reports.report_id
        Index(f"ix_{name}_{REPORT_KEY}", table.c[REPORT_KEY]).ddl_if(callable_=_wants_secondary_indexes)
    else:
        Index("ix_reports_version_key", table.c.version_key).ddl_if(callable_=_wants_secondary_indexes)
        Index("ix_reports_source_path", table.c.source_path).ddl_if(callable_=_wants_secondary_indexes)
    Index(f"ix_{name}_{YEAR}", table.c[YEAR]).ddl_if(callable_=_wants_secondary_indexes)
    return table


#: The tables one report's rows live in, in the order ``transforms.tables`` lists them.
report_tables: dict[str, Table] = {name: _report_table(name, TABLE_SCHEMAS[name]) for name in REPORT_TABLES}

# ---------------------------------------------------------------------------
# The bureau registry: the office's list of who must report (or, without one,
# the bureaus seen in report titles).
# ---------------------------------------------------------------------------

bureaus = Table(
    "bureaus",
    metadata,
    Column("bureau_id", Text, primary_key=True),  # the registry's id, or the bureau's name
    Column("name", Text, nullable=False, unique=True),
    Column("region", Text),
    Column("parent_bureau_id", Text),
    Column("level", Text),
    Column("sector", Text),
    # True: from the office's registry CSV; False: created from a report title (no registry loaded).
    Column("is_registered", Boolean, nullable=False),
)

bureau_aliases = Table(
    "bureau_aliases",
    metadata,
    Column("alias", Text, primary_key=True),  # a former or informal name, as titles print it
    Column("bureau_id", Text, nullable=False),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("run_id", Text, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("source", Text),
    Column("n_files", Integer, autoincrement=False),
    Column("n_reports", Integer, autoincrement=False),
    Column("n_errors", Integer, autoincrement=False),
    Column("n_warnings", Integer, autoincrement=False),
    Column("n_infos", Integer, autoincrement=False),
    Column("status", Text, nullable=False),  # running / finished / failed / crashed (killed; marked by a later run)
    Column("parameters", Text),  # JSON text: portable, and analysts can still read it
    Column("host", Text),  # where the run's process ran, and its pid: a later run marks it crashed
    Column("pid", Integer, autoincrement=False),  # when that process is gone and the run still says running
    # A crashed or failed run's reports may lack their cross-report re-check and mirror export;
    # the first later run that completes re-checks and re-exports its years and records itself here.
    Column("settled_by", Text),
)

# Every name a report's bytes were found under. ``reports.source_path`` is the path the
# report was loaded from; a second file with identical bytes is not parsed again (same
# content, same report) but its name is recorded here, against the same report_id.
report_files = Table(
    "report_files",
    metadata,
    Column("report_id", Text, primary_key=True),
    Column("source_path", Text, primary_key=True),
    Column("content_sha256", Text),
    Column("first_run_id", Text),  # the run that first saw these bytes under this name
    Column("first_seen_at", DateTime(timezone=True)),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

# One row: the fingerprint of the code that made the views and dimension tables
# (``warehouse.fingerprint``). An open whose code has the same fingerprint leaves
# them as they are instead of dropping and recompiling ~30 views (~0.5 s a command).
derived_objects = Table(
    "derived_objects",
    metadata,
    Column("fingerprint", Text, primary_key=True),
)

# ---------------------------------------------------------------------------
# Dimensions: labels and ordinals from the spec, joined onto the long facts.
# ---------------------------------------------------------------------------

dim_app_row = Table(
    "dim_app_row",
    metadata,
    Column("layout", Text, primary_key=True),
    Column("row_key", Text, primary_key=True),
    Column("label", Text, nullable=False),
    Column("ordinal", Integer, nullable=False, autoincrement=False),
    Column("group_key", Text),
    Column("is_result", Boolean, nullable=False),
)

dim_app_column = Table(
    "dim_app_column",
    metadata,
    Column("column_key", Text, primary_key=True),
    Column("label", Text, nullable=False),
    Column("ordinal", Integer, nullable=False, autoincrement=False),
)

dim_review_cell = Table(
    "dim_review_cell",
    metadata,
    Column("group_key", Text, primary_key=True),
    Column("outcome_key", Text, primary_key=True),
    Column("group_label", Text, nullable=False),
    Column("outcome_label", Text, nullable=False),
    Column("ordinal", Integer, nullable=False, autoincrement=False),
)

dim_disclosure = Table(
    "dim_disclosure",
    metadata,
    Column("layout", Text, primary_key=True),
    Column("block_key", Text, primary_key=True),
    Column("block_label", Text, nullable=False),
    Column("item_key", Text, primary_key=True),
    Column("item_label", Text, nullable=False),
    Column("column_key", Text, primary_key=True),
    Column("column_label", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("ordinal", Integer, nullable=False, autoincrement=False),
)

DIMENSION_TABLES: tuple[Table, ...] = (dim_app_row, dim_app_column, dim_review_cell, dim_disclosure)


def dimension_rows() -> dict[str, list[dict[str, Any]]]:
    """Every dimension row, generated from ``transforms.spec`` (the only place labels live)."""
    app_rows: list[dict[str, Any]] = []
    disclosure: list[dict[str, Any]] = []
    app_columns: dict[str, dict[str, Any]] = {}
    for layout in LAYOUTS.values():
        for ordinal, row in enumerate(layout.app_rows):
            app_rows.append({
                "layout": layout.id, "row_key": row.key, "label": row.label, "ordinal": ordinal,
                "group_key": row.group, "is_result": row.is_result,
            })
        for ordinal, column in enumerate(layout.app_columns):
            # The seven applicant columns are shared by both editions; the first declaration wins.
            app_columns.setdefault(column.key, {"column_key": column.key, "label": column.label, "ordinal": ordinal})
        ordinal = 0
        for block in layout.blocks:
            for item in block.items:
                for column in block.columns:
                    disclosure.append({
                        "layout": layout.id, "block_key": block.key, "block_label": block.label,
                        "item_key": item.key, "item_label": item.label,
                        "column_key": column.key, "column_label": column.label,
                        "kind": column.kind, "ordinal": ordinal,
                    })
                    ordinal += 1
    review = [
        {"group_key": c.group, "outcome_key": c.outcome, "group_label": c.group_label,
         "outcome_label": c.outcome_label, "ordinal": c.index}
        for c in REVIEW_CELLS
    ]
    return {
        dim_app_row.name: app_rows,
        dim_app_column.name: list(app_columns.values()),
        dim_review_cell.name: review,
        dim_disclosure.name: disclosure,
    }
