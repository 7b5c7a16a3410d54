"""Deployments and manual reruns: prefect.yaml declares them, `gongkai serve` builds them, a rerun touches one report.

The rerun tests compare every warehouse row of every other report before and
after: a rerun of one bureau-year must leave them exactly as they were.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from flows.deployments import PREFECT_YAML, build_deployments, load_config
from flows.ingest import annual_ingest
from flows.settings import default_warehouse_url
from transforms.tables import REPORT_TABLES

REPO_ROOT = Path(__file__).resolve().parent.parent
RERUN_FILE = "real/008_pingtan_gaj_2021.txt"


def _rows_by_report(data_dir: Path) -> dict[str, dict[str, list[dict]]]:
    """Every row of every report table, grouped by report id (in a stable order)."""
    from warehouse.store import Warehouse

    wh = Warehouse.open(url=default_warehouse_url(data_dir))
    try:
        out: dict[str, dict[str, list[dict]]] = {}
        for table in REPORT_TABLES:
            data: pa.Table = wh.query(f"SELECT * FROM {table}")
            for row in sorted(data.to_pylist(), key=repr):
                out.setdefault(row["report_id"], {}).setdefault(table, []).append(row)
        return out
    finally:
        wh.close()


def _report_of(rows: dict[str, dict[str, list[dict]]], suffix: str) -> dict:
    (report,) = [r["reports"][0] for r in rows.values() if r["reports"][0]["source_path"].endswith(suffix)]
    return report


def test_prefect_yaml_declares_the_four_deployments() -> None:
    from prefect.client.schemas.schedules import CronSchedule

    config = {d["name"]: d for d in load_config()}
    assert set(config) == {"annual-ingest", "late-submissions", "rerun", "backfill"}
    annual = CronSchedule(cron=config["annual-ingest"]["schedules"][0]["cron"], timezone="Asia/Shanghai")
    assert annual.cron == "0 3 1 2 *"  # 1 February, after the 31 January deadline
    weekly = config["late-submissions"]["schedules"][0]
    assert weekly["timezone"] == "Asia/Shanghai" and weekly["cron"].split()[3] == "2-4"  # February–April
    assert {"years", "bureaus", "files", "force"} <= set(config["rerun"]["parameters"])
    assert {"year_from", "year_to"} <= set(config["backfill"]["parameters"])
    # every deployment's parameters are parameters of its flow
    deployments = {d.name: d for d in build_deployments()}
    assert {d.flow_name for d in deployments.values()} == {"annual-ingest", "annual-backfill"}
    for name, dep in deployments.items():
        assert set(config[name].get("parameters") or {}) <= set(dep._parameter_openapi_schema.properties), name
    assert [s.schedule.timezone for s in deployments["late-submissions"].schedules] == ["Asia/Shanghai"]
    assert yaml.safe_load(PREFECT_YAML.read_text())["deployments"][2]["entrypoint"] == "flows/ingest.py:annual_ingest"


def test_rerun_of_one_bureau_year_changes_only_that_report(samples_copy: Path, tmp_path: Path) -> None:
    """The rerun deployment's parameters, through the flow body: only the chosen report is re-read and reloaded."""
    data = tmp_path / "data"
    annual_ingest.fn(source=str(samples_copy), data_dir=str(data))
    before = _rows_by_report(data)
    target = _report_of(before, RERUN_FILE)

    summary = annual_ingest.fn(source=str(samples_copy), data_dir=str(data), years=[target["year"]],
                               bureaus=[target["bureau"]], force=True)
    assert summary.files_parsed == summary.reports_loaded >= 1
    assert summary.files_not_selected >= len(before) - 3  # the others were not even read
    after = _rows_by_report(data)
    assert set(after) == set(before)
    chosen = {rid for rid, rows in after.items()
              if (rows["reports"][0]["bureau"], rows["reports"][0]["year"]) == (target["bureau"], target["year"])}
    assert target["report_id"] in chosen
    for rid in set(before) - chosen:
        assert after[rid] == before[rid], rid
    assert after[target["report_id"]]["reports"][0]["run_id"] == summary.run_id


def test_rerun_without_source_reads_the_files_the_warehouse_holds(samples_copy: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    annual_ingest.fn(source=str(samples_copy), data_dir=str(data))
    before = _rows_by_report(data)
    target = _report_of(before, RERUN_FILE)
    summary = annual_ingest.fn(data_dir=str(data), years=[target["year"]], bureaus=[target["bureau"]], force=True)
    assert summary.files_seen == summary.reports_loaded == 1
    after = _rows_by_report(data)
    assert {rid: r for rid, r in after.items() if rid != target["report_id"]} == \
        {rid: r for rid, r in before.items() if rid != target["report_id"]}
    # same bytes, same name as the first ingest called it: the report's own rows are unchanged but its run
    redo = after[target["report_id"]]
    assert redo["findings"] == before[target["report_id"]]["findings"]
    assert redo["reports"][0]["run_id"] == summary.run_id
    with pytest.raises(ValueError, match="nothing to ingest"):
        annual_ingest.fn(data_dir=str(data))


def test_rerun_of_a_file_list(samples_copy: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    annual_ingest.fn(source=str(samples_copy), data_dir=str(data))
    summary = annual_ingest.fn(source=str(samples_copy), data_dir=str(data), files=["008_pingtan_gaj_2021.txt"],
                               force=True)
    assert summary.files_seen == summary.files_parsed == summary.reports_loaded == 1
    unchanged = annual_ingest.fn(data_dir=str(data), files=[str(samples_copy / RERUN_FILE)])
    assert unchanged.files_skipped == 1 and unchanged.files_parsed == 0


def test_backfill_runs_one_ingest_per_year_folder(tmp_path: Path) -> None:
    from flows.backfill import annual_backfill

    for year, name in ((2019, "002_pingtan_2019.txt"), (2021, "004_pingtan_2021.txt")):
        folder = tmp_path / "landing" / str(year)
        folder.mkdir(parents=True)
        (folder / name).write_bytes((REPO_ROOT / "samples/real" / name).read_bytes())
    summaries = annual_backfill.fn(source=str(tmp_path / "landing" / "{year}"), year_from=2019, year_to=2021,
                                   data_dir=str(tmp_path / "data"))
    assert [s.years for s in summaries] == [[2019], [2021]]  # 2020 has no folder: skipped
    one_pass = annual_backfill.fn(source=str(tmp_path / "landing"), year_from=2020, year_to=2021,
                                  data_dir=str(tmp_path / "data2"))
    assert [s.years for s in one_pass] == [[2021]] and one_pass[0].files_filtered == 1
    with pytest.raises(ValueError):
        annual_backfill.fn(source=str(tmp_path), year_from=2022, year_to=2021)


@pytest.mark.prefect
def test_cli_rerun_runs_the_flow_with_its_parameters(samples_copy: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`gongkai rerun --year Y --bureau B --force`: a real flow run, the same parameters as the deployment's."""
    from gongkai.cli import main

    data = tmp_path / "data"
    annual_ingest.fn(source=str(samples_copy), data_dir=str(data))
    before = _rows_by_report(data)
    target = _report_of(before, RERUN_FILE)
    assert main(["rerun", "--year", str(target["year"]), "--bureau", target["bureau"], "--force",
                 "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "1 parsed, 1 report(s) loaded" in out
    after = _rows_by_report(data)
    for rid in set(before) - {target["report_id"]}:
        assert after[rid] == before[rid]
    assert after[target["report_id"]]["reports"][0]["run_id"] != target["run_id"]


@pytest.mark.prefect
def test_manual_rerun_through_the_deployment(samples_copy: Path, tmp_path: Path) -> None:
    """`prefect deployment run 'annual-ingest/rerun' -p ...`: a flow run of the deployment, executed by a runner."""
    import asyncio
    import os
    import subprocess
    import sys

    from prefect.deployments import run_deployment
    from prefect.settings import get_current_settings

    data = tmp_path / "data"
    annual_ingest.fn(source=str(samples_copy), data_dir=str(data))
    before = _rows_by_report(data)
    target = _report_of(before, RERUN_FILE)
    (deployment,) = build_deployments(names=["rerun"])
    deployment.apply()
    flow_run = run_deployment("annual-ingest/rerun", timeout=0, parameters={
        "years": [target["year"]], "bureaus": [target["bureau"]], "force": True, "data_dir": str(data)})
    # what a worker or `gongkai serve` does with a scheduled run: execute it in a fresh process
    env = {**os.environ, **get_current_settings().to_environment_variables(exclude_unset=True),
           "PREFECT__FLOW_RUN_ID": str(flow_run.id)}
    done = subprocess.run([sys.executable, "-m", "prefect.engine"], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]

    from prefect import get_client

    async def state() -> str:
        async with get_client() as client:
            return (await client.read_flow_run(flow_run.id)).state.type.value

    assert asyncio.run(state()) == "COMPLETED"
    after = _rows_by_report(data)
    for rid in set(before) - {target["report_id"]}:
        assert after[rid] == before[rid]
    assert after[target["report_id"]]["reports"][0]["run_id"] != target["run_id"]
