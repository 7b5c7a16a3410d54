"""Great Expectations suites generated from the layout spec, run once per batch.

``validate_batch(tables)`` takes the long tables of ``transforms.tables.to_tables``
and returns findings per report_id: identities I1–I4 of FORMAT.md (``identity.I*``)
and cell domains (``domain.negative``). ``suite_summary()`` lists the generated
expectations without importing Great Expectations.

Modules: ``rules`` (what to check, from the spec), ``frames`` (the pandas frames GE
validates), ``suites`` (the generated expectations), ``runner`` (a quiet ephemeral
GE context), ``messages`` (findings in the clerk's words), ``validate`` (the entry
points).
"""

from expectations.suites import suite_summary
from expectations.validate import domain_failures, identity_failures, validate_batch

__all__ = ["domain_failures", "identity_failures", "suite_summary", "validate_batch"]
