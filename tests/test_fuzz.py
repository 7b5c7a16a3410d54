"""Fuzz every reader and ``to_tables`` with mutated real documents: no input may raise.

Bounded for CI (a few seconds per carrier); ``benchmarks/bench_fuzz.py`` runs the same
mutations for as long as it is asked to and prints the counts.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_inputs import SEEDS, mutant
from transforms.parse import parse_bytes
from transforms.tables import ReportRow, content_sha256, report_id_for, to_tables


def parse_and_tabulate(data: bytes, name: str) -> dict:
    report = parse_bytes(data, name)
    sha = content_sha256(data)
    return to_tables([ReportRow(report, report_id_for(sha), f"/fuzz/{name}", "fuzz", "fuzz")])


@pytest.mark.parametrize("kind", sorted(SEEDS))
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), edits=st.integers(1, 40))
def test_mutated_documents_never_raise(kind: str, seed: int, edits: int) -> None:
    data, name = mutant(kind, seed, edits)
    tables = parse_and_tabulate(data, name)
    assert tables["reports"].num_rows == 1
    assert set(tables["reports"]["status"].to_pylist()) <= {"clean", "flagged", "quarantined"}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".txt", ".html", ".docx", ".xlsx", ".pdf", ".doc", ""]))
def test_arbitrary_bytes_never_raise(data: bytes, suffix: str) -> None:
    assert parse_and_tabulate(data, f"any{suffix}")["reports"].num_rows == 1
