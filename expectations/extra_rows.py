"""The ``extra_rows`` and ``extra_columns`` tables: what a bureau added to its tables (subtotals).

``ParsedReport.extra_rows`` keeps them as printed; the standard tables do not (they
are not part of the layout). The subtotal rule reads them from these tables, which
``transforms.tables.to_tables`` builds with the others and the warehouse keeps beside
the facts.
"""

from __future__ import annotations

import pyarrow as pa

from transforms.tables import SCHEMAS, ReportRow, to_tables

EXTRA_ROWS_SCHEMA = SCHEMAS["extra_rows"]
EXTRA_COLUMNS_SCHEMA = SCHEMAS["extra_columns"]


def extra_rows_table(rows: list[ReportRow]) -> pa.Table:
    """Just the extra_rows table of a batch (``to_tables`` builds it with the others)."""
    return to_tables(rows)["extra_rows"]


def extra_columns_table(rows: list[ReportRow]) -> pa.Table:
    """Just the extra_columns table of a batch (``to_tables`` builds it with the others)."""
    return to_tables(rows)["extra_columns"]
