"""The registered rules, one module per family; importing this package registers them in order.

Order is the rulebook's (and the findings') order: identities and domains of one
report, its subtotals and completeness, metadata, narrative versus tables, then
what needs other reports (cross-year, roll-up, duplicates, plausibility).
"""

from expectations.rulebook import (  # noqa: F401  (registration order)
    core,
    subtotals,
    completeness,
    metadata,
    text,
    crossyear,
    rollup,
    duplicates,
    plausibility,
)
