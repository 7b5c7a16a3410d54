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
