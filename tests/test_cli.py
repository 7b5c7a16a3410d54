"""The ``gongkai`` command: help everywhere, README coverage, output formats, a fresh-machine ingest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gongkai import cli
from gongkai.cli import build_parser, display_width, main

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "samples" / "real" / "002_pingtan_2019.txt"


def _subcommands() -> dict[str, object]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return dict(action.choices)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def loaded_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding the bundled samples, loaded once for the query tests."""
    from flows.ingest import annual_ingest

    data = tmp_path_factory.mktemp("cli") / "data"
    annual_ingest.fn(source=str(REPO_ROOT / "samples"), data_dir=str(data))
    return data


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    helps = {c.dest: c.help for c in action._choices_actions}
    assert set(helps) == set(_subcommands())
    assert {"parse", "ingest", "query", "findings", "demo", "synth"} <= set(helps)
    for name, sub in _subcommands().items():
        assert helps[name], f"{name} has no one-line help"
        assert sub.description, f"{name} has no description"
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert f"gongkai {name}" in capsys.readouterr().out


def test_every_command_is_in_the_readme() -> None:
    readme = REPO_ROOT / "README.md"
    assert readme.exists(), "README.md is missing"
    text = readme.read_text(encoding="utf-8")
    missing = [name for name in _subcommands() if f"gongkai {name}" not in text]
    assert not missing, f"README.md does not show: {', '.join('gongkai ' + m for m in missing)}"


def test_parse_json_prints_exactly_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "parse", str(SAMPLE), "--json")
    obj = json.loads(out)  # raises on anything but exactly one JSON document
    assert isinstance(obj, dict)
    assert "平潭" in out and "\\u" not in out  # Chinese is not escaped


def test_parse_summary(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "parse", str(SAMPLE))
    assert "002_pingtan_2019.txt" in out and "2019" in out and "findings:" in out


def test_parse_missing_file_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(REPO_ROOT / "no-such-file.txt")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_ingest_missing_source_fails_before_starting_prefect(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "data")]) == 1
    assert "source not found" in capsys.readouterr().err


def test_query_prints_an_aligned_table(loaded_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "query", "SELECT bureau, year, status FROM reports ORDER BY year, bureau",
               "--data-dir", str(loaded_data))
    lines = out.rstrip("\n").split("\n")
    assert lines[0].split() == ["bureau", "year", "status"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[-1].endswith("rows)")
    assert any("平潭" in line for line in lines)


def test_query_csv_and_json(loaded_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT COUNT(*) AS n FROM reports"
    csv_out = _run(capsys, "query", sql, "--format", "csv", "--data-dir", str(loaded_data))
    json_out = _run(capsys, "query", sql, "--format", "json", "--data-dir", str(loaded_data))
    n = json.loads(json_out)[0]["n"]
    assert n > 0 and csv_out.split() == ["n", str(n)]


def test_findings_filters(loaded_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(_run(capsys, "findings", "--format", "json", "--data-dir", str(loaded_data)))
    assert rows, "the bundled samples have findings"
    errors = json.loads(_run(capsys, "findings", "--severity", "error", "--format", "json",
                             "--data-dir", str(loaded_data)))
    assert all(r["severity"] == "error" for r in errors)
    year = rows[0]["year"]
    if year is not None:
        of_year = json.loads(_run(capsys, "findings", "--year", str(year), "--format", "json",
                                  "--data-dir", str(loaded_data)))
        assert of_year and all(r["year"] == year for r in of_year)
    table = _run(capsys, "findings", "--bureau", "平潭", "--limit", "3", "--data-dir", str(loaded_data))
    assert table.splitlines()[0].split()[:3] == ["bureau", "year", "severity"]


def test_bad_sql_is_an_error_not_a_traceback(loaded_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT * FROM no_such_table", "--data-dir", str(loaded_data)]) == 1
    assert "error:" in capsys.readouterr().err


def test_text_table_aligns_chinese() -> None:
    import pyarrow as pa

    text = cli.format_table(pa.table({"单位": ["平潭综合实验区", "abc"], "n": [1, 23]}))
    body = text.splitlines()[:-1]
    assert len({display_width(line) for line in body}) == 1


@pytest.mark.prefect
def test_ingest_command_runs_the_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    out = _run(capsys, "ingest", str(src), "--data-dir", str(tmp_path / "data"), "--year", "2019")
    assert "1 report(s) loaded" in out
    assert f"duckdb:///{tmp_path}/data/gongkai.duckdb" in out and str(tmp_path / "data" / "parquet") in out


@pytest.mark.prefect
def test_demo_ingests_the_samples_and_shows_a_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "demo", "--data-dir", str(tmp_path / "data"))
    assert "report(s) loaded" in out and "Warehouse: duckdb:///" in out
    header = [line for line in out.splitlines() if line.startswith("bureau")]
    assert header and "new_received_total" in header[0] and "rules" in header[1]
    assert "平潭综合实验区" in out
    # every bundled sample is quarantined: shown with its reasons, counted by no analyst view
    assert "identity.I1" in out and "table.truncated" in out
    assert re.search(r"count 0 of the 6 current report\(s\)", out), out[-600:]
    # then the office settles 004's ambiguous cells and accepts 008's inconsistency: both are counted
    assert "resolve accept" in out and "--finding identity.I1" in out and "resolve set" in out
    assert re.search(r"now count 2 of the 6 current report\(s\)", out), out[-600:]
    assert (tmp_path / "data" / "review" / "index.html").is_file() and "Review pages:" in out
    # and sums 平潭综合实验区's admitted reports into the city's own report
    report = tmp_path / "data" / "report" / "平潭综合实验区-2021"
    assert "gongkai report --region 平潭综合实验区 --year 2021" in out
    assert re.search(r"2 report\(s\) summed, \d+ missing, 0 held back, 2 decision\(s\)", out) or \
        re.search(r"2 report\(s\) summed", out), out[-800:]
    assert all((report / name).is_file() for name in ("report.html", "report.xlsx", "report.md"))


def test_ingest_from_a_fresh_prefect_home(fresh_prefect_ingest) -> None:
    """What a new user runs: no Prefect server, no profile — Prefect starts its own ephemeral server.

    The command itself runs in the background from the start of the session (see conftest).
    """
    fresh, proc = fresh_prefect_ingest
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1 report(s) loaded" in proc.stdout
    assert f"duckdb:///{fresh.workdir}/data/gongkai.duckdb" in proc.stdout
    assert (fresh.workdir / "prefect-home").is_dir()
    assert (fresh.workdir / "data" / "parquet" / "reports").is_dir()
