"""The warehouse's exceptions. All are terminal: retrying the same call cannot help."""

from __future__ import annotations


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked. Terminal: a retry will not help."""


class SchemaVersionError(WarehouseError):
    """The database was created by a newer (or unknown) schema version of gongkai."""


class BatchError(WarehouseError, ValueError):
    """The batch handed to ``load`` is malformed (unknown table, missing column, duplicate report)."""


class RegistryError(WarehouseError, ValueError):
    """The bureau registry CSV is malformed; the message names the line and column."""


class ReadOnlyError(WarehouseError):
    """A statement tried to write (or reach outside the database) through a read-only connection."""


class WarehouseBusyError(WarehouseError):
    """Another process held the warehouse (its file or its writer lock) for longer than we could wait."""


class MissingTablesError(WarehouseError):
    """Tables of the schema are missing: dropped by hand, or the database is not a gongkai warehouse."""
