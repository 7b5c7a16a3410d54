"""Identities I1–I4 and cell domains: generated from the spec (``expectations.frames``/``suites``).

They are registered like every other rule so that one id selects them and Data Docs
lists them, but their instances are built by ``expectations.frames`` (coded numpy
sums over the whole batch) and their messages by ``expectations.messages``.
"""

from __future__ import annotations

from expectations.registry import Rule, register
from transforms.spec import LAYOUTS

_DESCRIPTIONS = {ident.id: ident.description for ident in LAYOUTS["2021"].identities}

for _id in ("I1", "I2", "I3", "I4"):
    register(Rule(
        id=f"identity.{_id}", code=f"identity.{_id}", engine="ge", frame="identities",
        expectation="ExpectColumnPairValuesToBeEqual", description=_DESCRIPTIONS[_id],
    ))

register(Rule(
    id="domain.negative", code="domain.negative", engine="ge", frame="domains",
    expectation="ExpectColumnValuesToBeBetween",
    description="件数、金额不能为负数（只有“本年增/减”可以为负数）",
))
