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
``validate`` (the entry points).
"""

from expectations.config import RuleConfig, RuleOptions, apply_severities, gate, load_rule_config
from expectations.context import load_registry
from expectations.registry import all_rules, get_rule
from expectations.suites import suite_summary
from expectations.validate import domain_failures, identity_failures, validate_batch, validate_batch_with_results

__all__ = [
    "RuleConfig", "RuleOptions", "all_rules", "apply_severities", "domain_failures", "gate", "get_rule",
    "identity_failures", "load_registry", "load_rule_config", "suite_summary", "validate_batch",
    "validate_batch_with_results",
]
