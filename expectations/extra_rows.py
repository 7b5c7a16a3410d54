"""The ``extra_rows`` and ``extra_columns`` tables: what a bureau added to its tables (subtotals).

``ParsedReport.extra_rows`` keeps them as printed; the standard tables do not (they
are not part of the layout). The subtotal rule reads them from this table, which the
flow adds to the batch tables (``tables["extra_rows"] = extra_rows_table(rows)``) and
the warehouse may keep beside the facts. Without it the subtotal rule has nothing to
check and yields nothing.
"""

from __future__ import annotations

import pyarrow as pa

from transforms.tables import ReportRow

EXTRA_ROWS_SCHEMA = pa.schema([
    ("report_id", pa.string()),
    ("year", pa.int32()),
    ("row_no", pa.int32()),  # order of the extra row within its report
    ("section", pa.string()),  # 三 …
    ("label", pa.string()),  # as printed (group label, "小计", …)
    ("cell_no", pa.int32()),  # position among the row's printed values, from 0
    ("raw_text", pa.string()),
    ("source_location", pa.string()),
])


def extra_rows_table(rows: list[ReportRow]) -> pa.Table:
    cols: dict[str, list] = {f.name: [] for f in EXTRA_ROWS_SCHEMA}
    for rr in rows:
        for row_no, extra in enumerate(rr.report.extra_rows):
            for cell_no, raw in enumerate(extra.cells):
                for name, v in zip(cols, (rr.report_id, rr.report.year, row_no, extra.section, extra.label,
                                          cell_no, raw, extra.location)):
                    cols[name].append(v)
    return pa.table(cols, schema=EXTRA_ROWS_SCHEMA)


# A 法人或其他组织 subtotal column: one row per printed cell, keyed by the standard row it sits in.
# The parser drops these cells today (transforms.extract_applications); to check them it should keep
# them on the report as ``extra_columns`` entries with attributes section, row_key, label, raw, location
# (proposed ``ExtraColumnCell``). Until it does, this table is empty and the rule has nothing to check.
EXTRA_COLUMNS_SCHEMA = pa.schema([
    ("report_id", pa.string()),
    ("year", pa.int32()),
    ("section", pa.string()),
    ("row_key", pa.string()),  # the section 三 row the cell is printed in
    ("label", pa.string()),  # the column's printed header (法人或其他组织 小计 …)
    ("raw_text", pa.string()),
    ("source_location", pa.string()),
])


def extra_columns_table(rows: list[ReportRow]) -> pa.Table:
    cols: dict[str, list] = {f.name: [] for f in EXTRA_COLUMNS_SCHEMA}
    for rr in rows:
        for cell in getattr(rr.report, "extra_columns", None) or []:
            for name, v in zip(cols, (rr.report_id, rr.report.year, cell.section, cell.row_key, cell.label,
                                      cell.raw, cell.location)):
                cols[name].append(v)
    return pa.table(cols, schema=EXTRA_COLUMNS_SCHEMA)
