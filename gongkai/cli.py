"""The ``gongkai`` command: parse one report, ingest a folder, query and list findings.

Commands follow an analyst's work — look at one file (``parse``), load a
folder (``ingest``), ask questions (``query``, ``findings``), or try it all on
the bundled samples (``demo``). Result tables share one set of output formats
(aligned text, CSV, JSON), always UTF-8 with Chinese unescaped.

Heavy imports (Prefect, pyarrow, the warehouse) happen inside the commands, so
``gongkai --help`` is instant and Prefect's local defaults can be set before
Prefect is first imported.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.settings import resolve_settings

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlalchemy import TextClause

FORMATS = ("table", "csv", "json")
SEVERITIES = ("error", "warning", "info")
_MAX_CELL = 60

# Where ``gongkai demo`` finds its documents: the repository's bundled samples.
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
#: The office's bureau registry for the bundled samples (bureau, region, parent, level, …):
#: what lets the demo sum 平潭综合实验区's bureaus into the city's own report.
DEMO_REGISTRY = Path(__file__).resolve().parent.parent / "docs" / "demo_registry.csv"
DEMO_REGION, DEMO_YEAR = "平潭综合实验区", 2021

DEMO_SQL = """\
SELECT bureau, year, layout, status, is_current, new_received_total
FROM v_applications_wide_all
ORDER BY year, bureau, version_no"""

# Why the gate holds each current report back: its error findings, by rule.
DEMO_QUARANTINE_SQL = """\
SELECT bureau, year, COUNT(code) AS errors, STRING_AGG(DISTINCT code, ', ' ORDER BY code) AS rules
FROM v_quarantine
GROUP BY bureau, year
ORDER BY year, bureau"""

DEMO_RESOLVED_SQL = """\
SELECT bureau, year, status, new_received_total, granted_total
FROM v_applications_wide
WHERE is_current
ORDER BY year, bureau"""

DEMO_COUNTED_SQL = """\
SELECT (SELECT COUNT(*) FROM v_applications_wide WHERE is_current) AS counted,
       (SELECT COUNT(*) FROM v_reports WHERE is_current) AS current"""

EXAMPLES = """\
examples:
  gongkai demo                                   # ingest samples/ into ./data, show one row per report
  gongkai parse samples/real/002_pingtan_2019.txt --json
  gongkai ingest reports/ --year 2023            # only files changed since the last run are parsed
  gongkai ingest s3://landing/2024/ --runner dask --dask-address tcp://10.0.0.5:8786
  gongkai rerun --year 2023 --bureau 平潭综合实验区公安局 --force   # that report only
  gongkai backfill --from 2019 --to 2022 --source 's3://landing/{year}/'
  gongkai serve                                  # the deployments of prefect.yaml (schedules, manual runs)
  gongkai query "SELECT bureau, year, status FROM reports" --format csv
  gongkai findings --severity error --bureau 平潭

settings: GONGKAI_DATA_DIR (./data), GONGKAI_WAREHOUSE_URL (duckdb:///DATA_DIR/gongkai.duckdb),
GONGKAI_PARQUET_ROOT (DATA_DIR/parquet); command-line flags win over them."""

# Prefect settings for a local, quiet, one-off run. Only defaults: anything the
# user (or a deployment's worker) set in the environment wins. Quiet means the
# console shows warnings only; the loggers stay at INFO, so a run's log still
# reaches the Prefect server (the UI) in full.
CONSOLE_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"
PREFECT_LOCAL_DEFAULTS = {
    CONSOLE_LEVEL: "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "DO_NOT_TRACK": "1",
}


# ---------------------------------------------------------------------------
# Output: aligned text, CSV, JSON.
# ---------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide and full-width (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\r", " ").replace("\n", " ")
    if display_width(text) <= _MAX_CELL:
        return text
    out, width = [], 0
    for ch in text:
        width += display_width(ch)
        if width > _MAX_CELL - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def rich_text(columns: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], title: str | None = None) -> str:
    """An aligned text table rendered by rich (wide characters count two columns).

    ``columns``: (header, right-aligned). Cells are plain text, never rich markup, so a
    ``[error]`` in a message stays as printed. No colours and no wrapping: the output is
    the same on a terminal, in a pipe and in a test; trailing blanks are stripped.
    """
    from rich.box import Box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # no borders; the header underlined with dashes, a gap between columns (plain ASCII, as before)
    dashes = Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)
    table = Table(box=dashes, show_edge=False, pad_edge=False, padding=(0, 1), header_style=None,
                  title=title, title_justify="left", title_style=None)
    for header, right in columns:
        table.add_column(Text(header), justify="right" if right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    buf = io.StringIO()
    Console(file=buf, width=100_000, color_system=None, highlight=False, emoji=False).print(table)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())


def format_table(table: pa.Table) -> str:
    """An aligned text table, numbers right-aligned, with a row count footer."""
    import pyarrow as pa

    right = [pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
             for t in table.schema.types]
    rows = [[_cell_text(v) for v in row.values()] for row in table.to_pylist()]
    text = rich_text(list(zip(table.column_names, right, strict=True)), rows)
    return text + f"\n({table.num_rows} row{'' if table.num_rows == 1 else 's'})"


def format_debug(report: Any) -> str:
    """``gongkai parse --debug``: what the matcher saw (``transforms.debug``) as aligned tables."""
    from transforms.debug import debug_view

    view = debug_view(report)
    parts = ["\n".join(f"{key:<10}{value}" for key, value in view.summary), ""]
    parts.append(rich_text([("sec", False), ("status", False), ("matched", False), ("printed label", False),
                            ("raw values", False), ("where", False)], view.rows))
    if view.findings:
        parts += ["", rich_text([("severity", False), ("code", False), ("message", False)], view.findings)]
    return "\n".join(parts)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return str(value)


def to_json(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, indent=indent)


def format_csv(table: pa.Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow(["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in row.values()])
    return buf.getvalue().rstrip("\n")


def render(table: pa.Table, fmt: str) -> str:
    """``table`` in one of ``FORMATS``."""
    if fmt == "csv":
        return format_csv(table)
    if fmt == "json":
        return to_json(table.to_pylist())
    return format_table(table)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


# ---------------------------------------------------------------------------
# Commands.
# ---------------------------------------------------------------------------

class ReadOnlyRefused(Exception):
    """Exit status 2: the user's statement would have written to the warehouse."""


def _open_warehouse(args: argparse.Namespace) -> Any:
    """The warehouse for a read command (query, findings, reports, review pages): read-only, never created.

    A ``--data-dir`` that does not exist is an error here, not a new empty warehouse.
    """
    from warehouse.store import Warehouse

    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None and not Path(data_dir).is_dir():
        raise FileNotFoundError(f"--data-dir {data_dir} does not exist (nothing has been ingested there)")
    settings = resolve_settings(data_dir=data_dir, warehouse_url=getattr(args, "warehouse", None))
    return Warehouse.open_readonly(url=settings.warehouse_url, data_dir=str(settings.data_dir),
                                   on_wait=lambda line: print(line, file=sys.stderr))


def _query(args: argparse.Namespace, sql: str | TextClause) -> pa.Table:
    from warehouse.errors import ReadOnlyError

    warehouse = _open_warehouse(args)
    try:
        return warehouse.query(sql)
    except ReadOnlyError as exc:
        raise ReadOnlyRefused(str(exc)) from None
    finally:
        warehouse.close()


def _check_one(report: Any, source_path: str) -> list:
    """What the ingest's rulebook finds in this report alone (``expectations.one_report``):
    the same findings as a batch of one, without loading Great Expectations or pandas."""
    from expectations.one_report import check_report

    return check_report(report, source_path)


def cmd_synth(args: argparse.Namespace) -> int:
    from gongkai.synth.cli import main as synth_main

    return synth_main([])


def cmd_parse(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 1
    from transforms.parse import parse_file
    from transforms.records import report_status

    report = parse_file(path)
    if not args.no_checks:
        report.findings.extend(_check_one(report, str(path)))
    if args.debug:
        _print(format_debug(report))
        return 0
    if args.json:
        from transforms.serialize import report_to_json

        _print(to_json(report_to_json(report)))
        return 0
    counts = {sev: sum(f.severity == sev for f in report.findings) for sev in SEVERITIES}
    # Without the checks the status is unknown: parser findings alone can say "clean" of a report
    # the ingest quarantines.
    status = "not checked (--no-checks)" if args.no_checks else report_status(report.findings)
    _print(f"{path.name}: {report.bureau or '?'} {report.year or '?'}年, layout {report.layout or '?'}, "
           f"carrier {report.carrier}, status {status}")
    _print(f"  sections: {' '.join(report.sections_found) or '-'}; "
           f"application rows: {len(report.applications)}; disclosure cells: {len(report.active_disclosure)}")
    _print("  findings: " + ", ".join(f"{n} {sev}" for sev, n in counts.items()))
    shown = [f for f in report.findings if f.severity != "info"][:10]
    for f in shown:
        where = f.location.describe()
        _print(f"  [{f.severity}] {f.code}: {f.message}" + (f" — {where}" if where else ""))
    hidden = len(report.findings) - len(shown)
    if hidden:
        _print(f"  … {hidden} more (use --json for all)")
    return 0


def _ephemeral_quiet() -> Any:
    """Heartbeats off for a run on Prefect's ephemeral server (gone when the command exits)."""
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    # Heartbeats let a server notice a crashed run; a run on its own ephemeral server,
    # gone when the command exits, has no one to notice, and each one delays the exit.
    ephemeral = not PREFECT_API_URL.value()
    return temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}) if ephemeral else nullcontext()


class _ProgressBar:
    """A progress bar on stderr fed by the flow's progress log records; nothing at all when off.

    The flow reports ``(files done, files total)`` on the ``gongkai.progress``
    logger; this handler turns them into a rich progress bar. Off unless stderr is
    a terminal (pipes, CI logs and tests get no bar).
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self._handler: Any = None

    def __enter__(self) -> _ProgressBar:
        if not self.enabled:
            return self
        import logging

        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from flows.ingest import PROGRESS_LOGGER

        self._progress = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                                  TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task = self._progress.add_task("ingest", total=None)
        bar = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                done_total = getattr(record, "gongkai_progress", None)
                if done_total is not None:
                    bar.update(*done_total)

        self._handler = Handler()
        logger = logging.getLogger(PROGRESS_LOGGER)
        logger.addHandler(self._handler)
        logger.setLevel(logging.INFO)
        return self

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if not self.enabled:
            return
        import logging

        from flows.ingest import PROGRESS_LOGGER

        logging.getLogger(PROGRESS_LOGGER).removeHandler(self._handler)
        self._progress.stop()


def _progress_wanted(args: argparse.Namespace) -> bool:
    choice = getattr(args, "progress", None)
    return sys.stderr.isatty() if choice is None else bool(choice and sys.stderr.isatty())


def _run_flow(flow_name: str, args: argparse.Namespace | None = None, **params: Any) -> Any:
    """Run the ingest or backfill flow with the runner chosen on the command line, with a progress bar."""
    from flows.lifetime import bind_prefect_server
    from flows.runners import with_runner

    bind_prefect_server()  # a killed run takes its temporary Prefect server with it (Linux)
    if flow_name == "backfill":
        from flows.backfill import annual_backfill as flow_obj
    else:
        from flows.ingest import annual_ingest as flow_obj
    runner = getattr(args, "runner", "default") if args is not None else "default"
    flow_obj = with_runner(flow_obj, runner, getattr(args, "dask_address", None), getattr(args, "workers", None))
    if args is not None and getattr(args, "workers", None) is not None and flow_name != "backfill":
        params["workers"] = args.workers
    if args is not None and flow_name != "backfill":
        for flag in ("rules_config", "registry"):
            if getattr(args, flag, None):
                params[flag] = getattr(args, flag)
    import logging

    quiet = _ExpectedFailuresQuiet()
    loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in loggers:
        logger.addFilter(quiet)
    if params.get("warehouse_url"):  # the password goes by the environment, never in a flow parameter
        from warehouse.urls import strip_password

        params["warehouse_url"] = strip_password(params["warehouse_url"])
    try:
        with _ephemeral_quiet(), _ProgressBar(args is not None and _progress_wanted(args)):
            return flow_obj(**params)
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)


def _run_ingest(source: str, *, year: int | None = None, force: bool = False, warehouse_url: str | None = None,
                parquet_root: str | None = None, data_dir: str | None = None, batch_size: int | None = None,
                args: argparse.Namespace | None = None) -> Any:
    from flows.ingest import DEFAULT_BATCH_SIZE

    return _run_flow("ingest", args, source=source, year=year, force=force, warehouse_url=warehouse_url,
                     parquet_root=parquet_root, batch_size=batch_size or DEFAULT_BATCH_SIZE, data_dir=data_dir)


def _print_summary(summary: Any) -> None:
    s = summary
    _print(f"Ingested {s.source}: {s.files_seen} file(s) seen, {s.files_skipped} unchanged (skipped), "
           f"{s.files_parsed} parsed, {s.reports_loaded} report(s) loaded"
           + (f", {s.files_not_selected} of other bureaus/years not read" if getattr(s, "files_not_selected", 0)
              else "")
           + (f", {s.files_filtered} of another year/bureau" if s.files_filtered else "")
           + (f", {s.files_duplicate} duplicate(s)" if s.files_duplicate else "")
           + (f" in {s.elapsed_seconds:.1f} s" if getattr(s, "elapsed_seconds", 0) else ""))
    if s.reports_loaded:
        _print("Reports by status: " + ", ".join(f"{k} {v}" for k, v in sorted(s.reports_by_status.items())))
        _print("Findings by severity: " + ", ".join(f"{sev} {s.findings_by_severity.get(sev, 0)}"
                                                     for sev in SEVERITIES))
        by_rule = sorted(s.findings_by_code.items(), key=lambda kv: (-kv[1], kv[0]))
        if by_rule:
            _print("Findings by rule: " + ", ".join(f"{code} {n}" for code, n in by_rule))
        if getattr(s, "data_docs_index", None):
            _print(f"Data Docs: {s.data_docs_index} ({len(s.data_docs)} batch page(s) linked)")
        elif getattr(s, "data_docs", None):
            _print(f"Data Docs: {s.data_docs[0]}" + (f" (+{len(s.data_docs) - 1} more batches)" if len(s.data_docs) > 1 else ""))
    if getattr(s, "review_index", None):
        _print(f"Review pages: {s.review_index} (gongkai review rewrites them; gongkai resolve records decisions)")
    _print(f"Warehouse: {s.warehouse_url}")
    _print(f"Parquet:   {s.parquet_root}")


def cmd_ingest(args: argparse.Namespace) -> int:
    from flows.discover import source_exists

    if not source_exists(args.path):
        print(f"error: source not found: {args.path}", file=sys.stderr)
        return 1
    summary = _run_ingest(args.path, year=args.year, force=args.force, warehouse_url=args.warehouse,
                          parquet_root=args.parquet, data_dir=args.data_dir, batch_size=args.batch_size, args=args)
    _print_summary(summary)
    return 0


def cmd_rerun(args: argparse.Namespace) -> int:
    if not (args.year or args.bureau or args.file):
        print("error: say what to rerun: --year, --bureau and/or --file", file=sys.stderr)
        return 1
    if args.source is not None:
        from flows.discover import source_exists

        if not source_exists(args.source):
            print(f"error: source not found: {args.source}", file=sys.stderr)
            return 1
    if args.bureau and _unknown_bureaus(args) and args.source is None and not args.file:
        return 1
    from flows.ingest import DEFAULT_BATCH_SIZE

    summary = _run_flow("ingest", args, source=args.source, years=args.year or None, bureaus=args.bureau or None,
                        files=args.file or None, force=args.force, warehouse_url=args.warehouse,
                        parquet_root=args.parquet, data_dir=args.data_dir,
                        batch_size=args.batch_size or DEFAULT_BATCH_SIZE)
    _print_summary(summary)
    return 0


def _unknown_bureaus(args: argparse.Namespace) -> list[str]:
    """The ``--bureau`` names no loaded report has, each said with its near names; [] if the warehouse is new."""
    from warehouse.errors import WarehouseError

    try:
        names = _bureau_names(args)
    except (WarehouseError, FileNotFoundError):
        return []
    unknown = [b for b in args.bureau if b.strip() not in set(names)]
    for b in unknown:
        print(f"{'warning' if args.source or args.file else 'error'}: no report of bureau {b!r} in the warehouse"
              f"{_did_you_mean(b, names)}", file=sys.stderr)
    return unknown


def cmd_backfill(args: argparse.Namespace) -> int:
    from flows.ingest import DEFAULT_BATCH_SIZE

    if args.year_from > args.year_to:
        print(f"error: --from {args.year_from} is after --to {args.year_to}", file=sys.stderr)
        return 1

    summaries = _run_flow("backfill", args, source=args.source, year_from=args.year_from, year_to=args.year_to,
                          force=args.force, warehouse_url=args.warehouse, parquet_root=args.parquet,
                          data_dir=args.data_dir, batch_size=args.batch_size or DEFAULT_BATCH_SIZE)
    if not summaries:
        print(f"error: no source found for {args.year_from}–{args.year_to} under {args.source}", file=sys.stderr)
        return 1
    for summary in summaries:
        _print_summary(summary)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from prefect import serve

    from flows.deployments import PREFECT_YAML, build_deployments

    deployments = build_deployments(args.config or PREFECT_YAML, runner=args.runner, dask_address=args.dask_address,
                                    workers=args.workers, names=args.name or None)
    if not deployments:
        print("error: no deployment of that name in prefect.yaml", file=sys.stderr)
        return 1
    _print("Serving " + ", ".join(f"{d.flow_name}/{d.name}" for d in deployments) + " (Ctrl-C stops)")
    serve(*deployments)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    _print(render(_query(args, args.sql), args.format))
    return 0


def findings_sql(year: int | None = None, bureau: str | None = None, severity: str | None = None,
                 code: str | None = None, limit: int | None = None, all_versions: bool = False) -> TextClause:
    """The findings listing, one row per finding, worst first; current report versions unless ``all_versions``.

    The filters are bound parameters: a bureau name with a quote in it is a value, never SQL.
    """
    from sqlalchemy import bindparam, text

    where = [] if all_versions else ["r.is_current"]
    params: dict[str, Any] = {}
    if year is not None:
        where.append("f.year = :year")
        params["year"] = int(year)
    if bureau:
        where.append("r.bureau LIKE :bureau")
        params["bureau"] = "%" + bureau + "%"
    if severity:
        where.append("f.severity = :severity")
        params["severity"] = severity
    if code:
        where.append("f.code LIKE :code")
        params["code"] = code + "%"
    sql = ("SELECT r.bureau, f.year, f.severity, f.code, f.section, f.row_label, f.column_label, "
           "f.expected, f.found, f.message, r.source_path\n"
           "FROM findings f JOIN reports r ON r.report_id = f.report_id")
    if where:
        sql += "\nWHERE " + " AND ".join(where)
    sql += ("\nORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "
            "r.bureau, f.year, r.source_path, f.finding_no")
    if limit is not None:
        sql += "\nLIMIT :limit"
        params["limit"] = int(limit)
    return text(sql).bindparams(*(bindparam(name, value) for name, value in params.items()))


def cmd_findings(args: argparse.Namespace) -> int:
    sql = findings_sql(args.year, args.bureau, args.severity, args.code, args.limit, args.all_versions)
    result = _query(args, sql)
    if args.bureau and result.num_rows == 0:
        names = _bureau_names(args)
        if not any(args.bureau in name for name in names):
            print(f"error: no bureau name contains {args.bureau!r}{_did_you_mean(args.bureau, names)}",
                  file=sys.stderr)
            return 1
    _print(render(result, args.format))
    return 0


def _bureau_names(args: argparse.Namespace) -> list[str]:
    """Every bureau name the warehouse holds (read-only)."""
    rows = _query(args, "SELECT DISTINCT bureau FROM reports WHERE bureau IS NOT NULL").column("bureau")
    return sorted(rows.to_pylist())


def _did_you_mean(wanted: str, names: Sequence[str]) -> str:
    """``; did you mean: A, B?`` for the names closest to ``wanted`` (difflib), or nothing."""
    import difflib

    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.4)
    if not close:  # a short fragment against long names: rank by the longest run they share
        scored = sorted(((difflib.SequenceMatcher(None, wanted, n).find_longest_match().size, n) for n in names),
                        key=lambda sn: (-sn[0], sn[1]))
        close = [n for size, n in scored[:5] if size >= max(2, len(wanted) // 2)]
    return f"; did you mean: {', '.join(close)}?" if close else ""


def cmd_report(args: argparse.Namespace) -> int:
    from gongkai.cityreport import build_city_report
    from gongkai.cityreport.charts import ChartFontError

    warehouse = _open_warehouse(args)
    try:
        files = build_city_report(warehouse, args.region, args.year, Path(args.out), charts=not args.no_charts)
    except ChartFontError as exc:
        print(f"error: {exc} (or run with --no-charts)", file=sys.stderr)
        return 1
    finally:
        warehouse.close()
    cov = files.report.data.coverage
    _print(f"{files.report.title}: {len(cov.included)} report(s) summed, {len(cov.missing)} missing, "
           f"{len(cov.held_back)} held back, {len(cov.resolutions)} decision(s) of the office")
    for path in (files.html, files.xlsx, files.markdown):
        _print(f"  {path}")
    if files.charts:
        _print(f"  {len(files.charts)} chart(s) in {files.html.parent / 'charts'} (SVG and PNG; font {files.font})")
    return 0


def cmd_mirror(args: argparse.Namespace) -> int:
    """Bring the Parquet mirror up to date with the warehouse: stale years, or (``--rebuild``) every year."""
    from warehouse.parquet import heal_mirror, rebuild_mirror, stale_years
    from warehouse.store import Warehouse

    settings = resolve_settings(data_dir=args.data_dir, warehouse_url=args.warehouse, parquet_root=args.parquet)
    with Warehouse.open(url=settings.warehouse_url, data_dir=str(settings.data_dir)) as warehouse:
        if args.rebuild:
            written = rebuild_mirror(warehouse, settings.parquet_root)
        else:
            stale = stale_years(warehouse, settings.parquet_root)
            written = heal_mirror(warehouse, settings.parquet_root) if stale else {}
    years = sorted({y for per_year in written.values() for y in per_year}, key=lambda y: (y is not None, y or 0))
    if not years:
        _print(f"Parquet mirror {settings.parquet_root} is up to date")
    else:
        _print(f"Parquet mirror {settings.parquet_root}: rewrote year(s) "
               + ", ".join("unknown" if y is None else str(y) for y in years))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if not SAMPLES_DIR.is_dir():
        print(f"error: the bundled samples are not at {SAMPLES_DIR} (run from a clone of the repository)",
              file=sys.stderr)
        return 1
    settings = resolve_settings(data_dir=args.data_dir)
    _print(f"$ gongkai ingest {SAMPLES_DIR} --data-dir {settings.data_dir} --force")
    summary = _run_ingest(str(SAMPLES_DIR), data_dir=str(settings.data_dir), force=True)
    _print_summary(summary)
    _print("")
    args.warehouse = None  # resolved as the ingest resolved it (the summary's URL is masked)
    args.data_dir = str(settings.data_dir)
    for sql in (DEMO_SQL, DEMO_QUARANTINE_SQL):
        _print(f'$ gongkai query "{" ".join(sql.split())}" --data-dir {settings.data_dir}')
        _print(render(_query(args, sql), "table"))
        _print("")
    counted = _query(args, DEMO_COUNTED_SQL).to_pylist()[0]
    _print(f"Analysts' views (v_applications_wide, v_review_wide, v_disclosure_wide, the roll-ups) count "
           f"{counted['counted']} of the {counted['current']} current report(s): quarantined reports are kept "
           f"but not counted until the office settles their errors (gongkai resolve) or a corrected file arrives. "
           f"`gongkai findings --severity error` says why, cell by cell.")
    _print("")
    _print("The office reads the ambiguous cells off the bureau's page and accepts 008's inconsistency as published:")
    from gongkai.resolve_cli import run_demo_decisions

    run_demo_decisions(str(settings.data_dir), summary.warehouse_url, _print)
    _print("")
    _print(f'$ gongkai query "{" ".join(DEMO_RESOLVED_SQL.split())}" --data-dir {settings.data_dir}')
    _print(render(_query(args, DEMO_RESOLVED_SQL), "table"))
    counted = _query(args, DEMO_COUNTED_SQL).to_pylist()[0]
    _print(f"Analysts' views now count {counted['counted']} of the {counted['current']} current report(s) "
           f"(status resolved; cells the office set are marked how = 'resolved' in v_*_cells).")
    _print("")
    from warehouse.store import Warehouse

    with Warehouse.open(url=summary.warehouse_url, data_dir=str(settings.data_dir)) as warehouse:
        loaded = warehouse.load_registry(DEMO_REGISTRY)
    _print(f"The office's bureau registry ({DEMO_REGISTRY.name}, {loaded.bureaus} bureaus) says who belongs to "
           f"{DEMO_REGION}; the city's own report sums its admitted bureau reports:")
    out = Path(settings.data_dir) / "report" / f"{DEMO_REGION}-{DEMO_YEAR}"
    _print(f"$ gongkai report --region {DEMO_REGION} --year {DEMO_YEAR} --out {out} --data-dir {settings.data_dir}")
    main(["report", "--region", DEMO_REGION, "--year", str(DEMO_YEAR), "--out", str(out),
          "--data-dir", str(settings.data_dir)])
    _print("")
    _print(f"Review pages: {Path(settings.data_dir) / 'review' / 'index.html'} (open in a browser; "
           f"`gongkai review` rewrites them)")
    _print(f"City report: {out / 'report.html'} (print-ready), report.xlsx, report.md, charts/")
    return 0


# ---------------------------------------------------------------------------
# Argument parsing.
# ---------------------------------------------------------------------------

def _warehouse_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", metavar="URL",
                   help="SQLAlchemy URL of the warehouse (default: $GONGKAI_WAREHOUSE_URL, "
                        "else duckdb:///DATA_DIR/gongkai.duckdb)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="where local data lives (default: $GONGKAI_DATA_DIR, else ./data)")


def _batch_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help="documents per batch (one Prefect task per step per batch; default 1000)")


def _load_flags(p: argparse.ArgumentParser, rules: bool = True) -> None:
    """The flags every command that parses and loads reports shares."""
    p.add_argument("--force", action="store_true", help="re-parse files even if unchanged since the last load")
    p.add_argument("--parquet", metavar="ROOT",
                   help="root of the Parquet mirror (default: $GONGKAI_PARQUET_ROOT, else DATA_DIR/parquet)")
    _batch_flag(p)
    _runner_flags(p)
    if rules:
        _rules_flags(p)
    _verbose_flag(p)
    _warehouse_flags(p)


def _rules_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", dest="rules_config", metavar="FILE",
                   help="TOML/JSON of rule severities and options (see expectations/rules.example.toml)")
    p.add_argument("--registry", metavar="CSV",
                   help="the office's bureau registry (bureau,region,parent,level[,sector][,aliases]) to load first")


def _runner_flags(p: argparse.ArgumentParser, progress: bool = True) -> None:
    p.add_argument("--runner", choices=("default", "dask"), default="default",
                   help="where tasks run: 'default' (this process, parsing on every core) or 'dask' "
                        "(a local Dask cluster, or --dask-address)")
    p.add_argument("--dask-address", metavar="ADDR", help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--workers", type=int, metavar="N",
                   help="parsing processes (default: one per core; with --runner dask, local Dask workers)")
    if progress:
        p.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="show a progress bar (default: when stderr is a terminal)")
        p.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")


def _verbose_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show Prefect's run log (batches, counts) instead of warnings only")


def _format_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="output format: aligned text table (default), CSV or JSON; always UTF-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gongkai",
        description="Ingest, check and query China's government information-disclosure annual reports "
                    "(政府信息公开工作年度报告).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("parse", help="parse one report file and show what was read and what is wrong",
                       description="Parse one report (.txt, .html, .docx, .xlsx, .pdf) without touching the "
                                   "warehouse. Prints a short summary, or with --json the full standard tables "
                                   "and findings as one JSON object.")
    p.add_argument("file", metavar="FILE", help="the report file")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object (UTF-8, Chinese unescaped)")
    p.add_argument("--debug", action="store_true",
                   help="show what the matcher saw: sections found, every row's printed label, matched row and raw values")
    p.add_argument("--no-checks", action="store_true",
                   help="skip the rulebook (identities, domains, …): parser findings only, status not checked")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("ingest", help="parse, check and load a folder (or file, or fsspec URL) of reports",
                       description="Run the annual-ingest Prefect flow: discover documents under PATH, skip "
                                   "those unchanged since the last load, parse and check the rest, load them "
                                   "into the warehouse and refresh the Parquet mirror of the years touched.")
    p.add_argument("path", metavar="PATH", help="folder, file or fsspec URL (e.g. s3://bucket/reports/)")
    p.add_argument("--year", type=int, help="load only reports of this reporting year")
    _load_flags(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("rerun", help="re-ingest one bureau-year (or a few files) by hand; nothing else changes",
                       description="Run the annual-ingest flow on part of the data, as the 'annual-ingest/rerun' "
                                   "deployment does: the reports of the given years and bureaus (exact names), "
                                   "or the given files. Without --source it re-reads the files the warehouse "
                                   "holds for them; with --source it also looks there for new submissions. "
                                   "Reports of other bureaus and years are not touched.")
    p.add_argument("--year", type=int, action="append", metavar="Y", help="reporting year (repeatable)")
    p.add_argument("--bureau", action="append", metavar="B", help="bureau name, exactly as loaded (repeatable)")
    p.add_argument("--file", action="append", metavar="F",
                   help="a file to re-read: path or URL, or a name relative to --source (repeatable; globs ok)")
    p.add_argument("--source", metavar="PATH", help="landing folder or fsspec URL to look in for new files")
    _load_flags(p)
    p.set_defaults(func=cmd_rerun)

    p = sub.add_parser("backfill", help="ingest a range of past reporting years",
                       description="Run the annual-backfill flow: reporting years FROM..TO from SOURCE. Put "
                                   "{year} in SOURCE (e.g. s3://landing/{year}/) for one annual-ingest run per "
                                   "year's folder; otherwise one pass keeps the reports of those years.")
    p.add_argument("--from", dest="year_from", type=int, required=True, metavar="Y1", help="first reporting year")
    p.add_argument("--to", dest="year_to", type=int, required=True, metavar="Y2", help="last reporting year")
    p.add_argument("--source", required=True, metavar="PATH",
                   help="landing folder or fsspec URL, optionally with {year}")
    _load_flags(p, rules=False)
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser("serve", help="serve the deployments of prefect.yaml from this process (schedules, reruns)",
                       description="Serve the deployments declared in prefect.yaml (annual-ingest, "
                                   "late-submissions, rerun, backfill) with prefect.serve: their schedules run "
                                   "and manual runs ('prefect deployment run annual-ingest/rerun -p ...', or the "
                                   "UI's Run button) execute here. Needs a Prefect server (PREFECT_API_URL, or "
                                   "'prefect server start').")
    p.add_argument("--name", action="append", metavar="NAME", help="serve only this deployment (repeatable)")
    p.add_argument("--config", metavar="FILE", help="the prefect.yaml to read (default: the repository's)")
    _runner_flags(p, progress=False)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("query", help="run SQL against the warehouse and print the result",
                       description="Run one SQL statement against the warehouse (tables reports, "
                                   "application_facts, review_facts, disclosure_facts, narratives, findings, "
                                   "and the analyst views) and print the result.")
    p.add_argument("sql", metavar="SQL", help="the SQL statement")
    _format_flag(p)
    _warehouse_flags(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("findings", help="list findings from the warehouse, worst first",
                       description="List what the parser and the checks found, one row per finding, "
                                   "errors first.")
    p.add_argument("--year", type=int, help="only reports of this reporting year")
    p.add_argument("--bureau", help="only bureaus whose name contains this text")
    p.add_argument("--severity", choices=SEVERITIES, help="only findings of this severity")
    p.add_argument("--code", help="only finding codes starting with this (e.g. identity.)")
    p.add_argument("--limit", type=int, metavar="N", help="at most N rows")
    p.add_argument("--all-versions", action="store_true",
                   help="include reports superseded by a newer version of the same file or bureau-year")
    _format_flag(p)
    _warehouse_flags(p)
    p.set_defaults(func=cmd_findings)

    p = sub.add_parser("report", help="write the city's own annual report: a region's bureau reports summed",
                       description="Sum a region's current, admitted (clean / flagged / resolved) bureau reports "
                                   "of a year into the standard tables of that year's layout and write "
                                   "report.html (A4 landscape, offline), report.xlsx (merged headers), report.md "
                                   "and charts (SVG, PNG) into DIR, with the coverage: bureaus included, missing, "
                                   "held back and why, resolved and by whom.")
    p.add_argument("--region", required=True, help="the region, as the bureau registry names it")
    p.add_argument("--year", type=int, required=True, help="reporting year")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--no-charts", action="store_true", help="skip the charts (no CJK font needed)")
    _warehouse_flags(p)
    p.set_defaults(func=cmd_report)

    from gongkai.resolve_cli import add_parser as add_resolve_parser, add_review_parser

    add_review_parser(sub)
    add_resolve_parser(sub)

    p = sub.add_parser("mirror", help="bring the Parquet mirror up to date with the warehouse (--rebuild: all of it)",
                       description="Re-export to Parquet every year whose mirror differs from the warehouse "
                                   "(a run killed before or during its mirror write leaves such years; ingest "
                                   "heals them too). --rebuild rewrites every year and drops years the "
                                   "warehouse no longer has.")
    p.add_argument("--rebuild", action="store_true", help="rewrite every year, not only the stale ones")
    p.add_argument("--parquet", metavar="ROOT",
                   help="root of the Parquet mirror (default: $GONGKAI_PARQUET_ROOT, else DATA_DIR/parquet)")
    _warehouse_flags(p)
    p.set_defaults(func=cmd_mirror)

    p = sub.add_parser("demo", help="ingest the bundled samples/ and show an example query",
                       description="Ingest the repository's samples/ folder into the local DuckDB warehouse "
                                   "(./data unless --data-dir or $GONGKAI_DATA_DIR) and print one row per "
                                   "report: bureau, year, layout, status and new applications received; then "
                                   "record the office's decisions on two samples (gongkai resolve) so the "
                                   "analysts' views count them, and say where the review pages are.")
    p.add_argument("--data-dir", metavar="DIR", help="where to put the demo data (default: ./data)")
    _verbose_flag(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("synth", help="write synthetic reports (every carrier, mess levels) with their truth beside them",
                       description="Generate deterministic synthetic annual reports for tests and benchmarks: "
                                   "both layouts, realistic magnitudes, every carrier, mess levels 0-3, "
                                   "a .truth.json beside each file. Options: --n N --out DIR --seed S "
                                   "[--carriers txt,html,docx,xlsx,pdf] [--mess 0-3].")
    p.set_defaults(func=cmd_synth)
    return parser


def set_prefect_defaults(environ: Any = None, command: str | None = None) -> None:
    """Local, quiet Prefect runs unless told otherwise.

    With no ``PREFECT_API_URL`` Prefect starts its own ephemeral server for the
    run; the defaults keep it from chattering on the console, from phoning home,
    and give its first start (database migrations in a fresh PREFECT_HOME) time.
    ``serve`` is a service: its console shows the runs' INFO log too.
    """
    environ = os.environ if environ is None else environ
    if command == "serve":
        environ.setdefault(CONSOLE_LEVEL, "INFO")
    for key, value in PREFECT_LOCAL_DEFAULTS.items():
        environ.setdefault(key, value)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gongkai`` console script; returns the exit status."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            stream.reconfigure(encoding="utf-8")
    argv = list(sys.argv[1:] if argv is None else argv)
    set_prefect_defaults(command=argv[0] if argv else None)
    if argv[:1] == ["synth"]:  # the generator has its own parser (also `python -m gongkai.synth`)
        from gongkai.synth.cli import main as synth_main

        return synth_main(argv[1:])
    args = build_parser().parse_args(argv)
    if getattr(args, "verbose", False):
        os.environ[CONSOLE_LEVEL] = "INFO"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gongkai query ... | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ReadOnlyRefused as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (FileNotFoundError, NotADirectoryError, PermissionError, ValueError) as exc:
        from warehouse.urls import mask_text

        print(f"error: {mask_text(str(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:
        if _is_expected_error(exc):
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return 1
        raise


def _is_sql_error(exc: BaseException) -> bool:
    """Bad SQL from the user is their mistake to fix, not a traceback to read."""
    module = type(exc).__module__
    return module.startswith(("sqlalchemy", "duckdb", "_duckdb", "psycopg"))


def _is_expected_error(exc: BaseException) -> bool:
    """Failures a user can act on from one line: bad SQL, an unreachable database, a busy or broken
    warehouse, a Prefect concurrency limit that timed out. Anything else is a bug: a traceback."""
    from warehouse.errors import WarehouseError

    return (_is_sql_error(exc) or isinstance(exc, (WarehouseError, TimeoutError, ConnectionError))
            or type(exc).__name__ == "AcquireConcurrencySlotTimeoutError")


def _one_line(exc: BaseException) -> str:
    """The first line of an error, passwords masked (SQLAlchemy's errors add the SQL and a link below)."""
    from warehouse.urls import mask_text

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return mask_text(text)


class _ExpectedFailuresQuiet:
    """A logging filter: Prefect logs a failed flow's traceback before the CLI gets the error; for the
    failures ``_is_expected_error`` knows (lock timeout, unreachable database) the CLI's one line is enough.
    """

    def filter(self, record: Any) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or not (_is_expected_error(exc) or isinstance(exc, ValueError))


if __name__ == "__main__":
    raise SystemExit(main())
