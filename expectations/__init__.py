"""The data-quality rulebook: Great Expectations suites and pandas rules, run once per batch.

``validate_batch(tables, *, history=None, registry=None, severities=None)`` takes the
long tables of ``transforms.tables.to_tables`` and returns findings per report_id;
``validate_batch_with_results`` also returns a ``ValidationRun`` (what each rule
checked) that ``write_data_docs`` renders as a static, offline site. ``gate`` turns
findings into a report status honouring severity overrides (``load_rule_config``).

Modules: ``registry`` (rules by stable id), ``rulebook/`` (one module per rule family),
``context`` (what rules read: batch, history, registry, thresholds), ``rules`` (spec
terms), ``frames`` (the identity/domain frames GE validates), ``suites`` (generated
expectations), ``runner`` (a quiet ephemeral GE context), ``messages`` (clerk's words
for identities and domains), ``config`` (severities, thresholds, gate), ``extra_rows``
(the subtotal rows table), ``results``/``datadocs`` (the run record and its site),
``validate`` (the entry points), ``one_report`` (the same rulebook for one report alone,
plain Python, for ``gongkai parse``).
"""

from typing import Any

# Names resolved on first use (PEP 562): importing ``expectations.one_report`` for
# ``gongkai parse`` must not pull in pandas and Great Expectations through this package.
_EXPORTS: dict[str, str] = {
    "RuleConfig": "expectations.config", "RuleOptions": "expectations.config",
    "apply_severities": "expectations.config", "gate": "expectations.config",
    "load_rule_config": "expectations.config", "load_registry": "expectations.context",
    "all_rules": "expectations.registry", "get_rule": "expectations.registry",
    "suite_summary": "expectations.suites", "domain_failures": "expectations.validate",
    "identity_failures": "expectations.validate", "validate_batch": "expectations.validate",
    "validate_batch_with_results": "expectations.validate",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'expectations' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
