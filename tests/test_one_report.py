"""``gongkai parse``'s one-report rulebook gives the ingest's findings, without the batch machinery.

The batch path (``validate_batch``: Great Expectations on pandas frames) is the
reference: on the bundled samples and on generated reports of every mess level the
one-report evaluator must return the same findings, in the same order, and so the
same status. And the parse command must not import what it no longer needs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from expectations.one_report import check_report
from expectations.registry import Rule, all_rules, register
from expectations.validate import validate_batch
from gongkai.synth import generate
from transforms.parse import PARSER_VERSION, parse_file
from transforms.records import report_status
from transforms.tables import ReportRow, report_id_for, to_tables

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (REPO_ROOT / "samples").rglob("*") if p.is_file() and not p.name.endswith(".json"))
# What a report alone can be checked against: everything but the rules that compare reports.
ONE_REPORT_RULES = [r.id for r in all_rules().values() if not (r.cross_report or r.needs)]


def _compare(paths: list[Path]) -> None:
    """One batch through GE (as the ingest validates), each report through the one-report path."""
    reports = [(p, parse_file(p)) for p in paths]
    rows = [ReportRow(rep, report_id_for(rep.sha256 or "0" * 64), str(p), PARSER_VERSION, "t") for p, rep in reports]
    batch = validate_batch(to_tables(rows), rules=ONE_REPORT_RULES)
    for (path, rep), row in zip(reports, rows, strict=True):
        one = check_report(rep, str(path))
        assert one == batch[row.report_id], path.name
        assert report_status(rep.findings + one) == report_status(rep.findings + batch[row.report_id])


def test_bundled_samples_same_findings() -> None:
    _compare(SAMPLES)


@pytest.mark.parametrize("mess", [0, 1, 2, 3])
def test_generated_reports_same_findings(tmp_path: Path, mess: int) -> None:
    paths = generate(n=12, out_dir=tmp_path, seed=130 + mess, carriers=("txt", "html"), mess=mess)
    assert len(paths) == 24
    _compare(paths)


def test_one_report_alone_matches_a_batch_of_one() -> None:
    """No rule is left out: the full rulebook on a batch of one (as ``parse`` did) agrees too."""
    path = REPO_ROOT / "samples" / "real" / "008_pingtan_gaj_2021.txt"
    rep = parse_file(path)
    rid = report_id_for(rep.sha256 or "0" * 64)
    batch = validate_batch(to_tables([ReportRow(rep, rid, str(path), PARSER_VERSION, "t")]))
    assert check_report(rep, str(path)) == batch[rid]
    assert {f.code for f in batch[rid]} >= {"identity.I1"}


def test_a_rule_must_say_what_it_does_for_one_report() -> None:
    with pytest.raises(ValueError, match="single"):
        register(Rule(id="test.nothing", code="identity.I1", engine="pandas", description="x", run=lambda inp: []))
    assert "test.nothing" not in all_rules()


# -- what the command imports ---------------------------------------------------

HEAVY = ("great_expectations", "pandas", "prefect", "pyarrow", "scipy")


def _imported(*argv: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "gongkai", *argv], capture_output=True,
                          text=True, cwd=REPO_ROOT, env=env, check=True)
    return {m.group(1).split(".")[0] for m in re.finditer(r"^import time:.*\|\s*(\S+)\s*$", proc.stderr, re.M)}


@pytest.mark.parametrize("argv", [
    ("parse", "--help"),
    ("parse", "samples/real/008_pingtan_gaj_2021.txt"),
    ("parse", "samples/real/030_pingtan_zrz_2023_page.html", "--json"),
])
def test_parse_does_not_import_the_batch_machinery(argv: tuple[str, ...]) -> None:
    imported = _imported(*argv)
    assert "gongkai" in imported and (argv[-1] == "--help" or "transforms" in imported)
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_no_checks_does_not_claim_clean(capsys: pytest.CaptureFixture[str]) -> None:
    from gongkai.cli import main

    assert main(["parse", "samples/real/008_pingtan_gaj_2021.txt", "--no-checks"]) == 0
    out = capsys.readouterr().out
    assert "status not checked" in out and "status clean" not in out
    assert main(["parse", "samples/real/008_pingtan_gaj_2021.txt"]) == 0
    assert "status quarantined" in capsys.readouterr().out
