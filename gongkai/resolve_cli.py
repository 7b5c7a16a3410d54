"""``gongkai resolve``: record the office's decisions on a report version, list, export and import them.

    gongkai resolve set REPORT --section 四 --row litigation_direct --column total --value 12 --note "…"
    gongkai resolve set REPORT --section 二 --row normative_docs --values 69,3,665 --note "…"
    gongkai resolve accept REPORT --finding identity.I1 --note "publisher inconsistency acknowledged"
    gongkai resolve reject REPORT --note "asked the bureau for a corrected file"
    gongkai resolve list [--year Y] [--bureau B]
    gongkai resolve withdraw RESOLUTION_ID
    gongkai resolve --export decisions.json        # or .csv; --import FILE reads one back

REPORT is the report_id the review page shows (or 8+ hex digits of the file's SHA-256).
Each change re-grades the report (``warehouse.resolutions.regrade``), rewrites the
Parquet mirror of its year and of the resolutions, and prints the new status.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from flows.settings import resolve_settings


def _who(args: argparse.Namespace) -> str:
    return getattr(args, "by", None) or os.environ.get("USER") or getpass.getuser()


def _settings(args: argparse.Namespace) -> Any:
    return resolve_settings(data_dir=getattr(args, "data_dir", None), warehouse_url=getattr(args, "warehouse", None),
                            parquet_root=getattr(args, "parquet", None))


def _mirror(warehouse: Any, settings: Any, changed_years: set[int | None]) -> None:
    from warehouse.parquet import write_mirror
    from warehouse.resolutions import read_resolutions, write_parquet

    with warehouse.engine.connect() as conn:
        write_parquet(read_resolutions(conn), settings.parquet_root)
    if changed_years:
        write_mirror(warehouse, sorted(changed_years, key=lambda y: (y is not None, y or 0)), settings.parquet_root,
                     tables=("reports",))


def _refresh_pages(warehouse: Any, settings: Any, report_ids: set[str]) -> None:
    """Rewrite the review pages of the reports a decision touched, when the site is there."""
    out = Path(settings.data_dir) / "review"
    if report_ids and (out / "index.html").exists():
        from review import write_site

        write_site(warehouse, out, None, report_ids)


def _years(warehouse: Any, report_ids: list[str]) -> set[int | None]:
    if not report_ids:
        return set()
    ids = ", ".join("'" + r.replace("'", "''") + "'" for r in report_ids)
    return set(warehouse.query(f"SELECT DISTINCT year FROM reports WHERE report_id IN ({ids})")["year"].to_pylist())


def _report_status(warehouse: Any, report_id: str) -> str:
    rows = warehouse.query(f"SELECT bureau, year, status FROM reports WHERE report_id = '{report_id}'").to_pylist()
    if not rows:
        return "(not loaded)"
    r = rows[0]
    return f"{r['bureau'] or '?'} {r['year'] or '?'}: status {r['status']}"


def cmd_resolve(args: argparse.Namespace) -> int:
    from warehouse.resolutions import (
        ResolutionError,
        build,
        dumps,
        file_format,
        format_value,
        loads,
        read_resolutions,
        store,
        withdraw,
    )
    from warehouse.store import Warehouse

    action = getattr(args, "action", None)
    if action is None and not (args.export or args.import_file):
        print("error: say what to do: set, accept, reject, list, withdraw, --export FILE or --import FILE",
              file=sys.stderr)
        return 1
    settings = _settings(args)
    from contextlib import ExitStack

    from warehouse.locks import writer_lock

    stack = ExitStack()
    if action not in (None, "list") or args.import_file:  # a decision is a write: one writer at a time
        stack.enter_context(writer_lock(settings.warehouse_url, label="gongkai resolve",
                                        on_wait=lambda msg: print(msg, file=sys.stderr)))
    warehouse = stack.enter_context(Warehouse.open(url=settings.warehouse_url, data_dir=str(settings.data_dir)))
    try:
        if args.export:
            with warehouse.engine.connect() as conn:
                decisions = read_resolutions(conn)
            Path(args.export).write_text(dumps(decisions, file_format(args.export)), encoding="utf-8")
            print(f"{len(decisions)} resolution(s) written to {args.export}")
            return 0
        if args.import_file:
            path = Path(args.import_file)
            decisions = loads(path.read_text(encoding="utf-8"), file_format(path), str(path))
            with warehouse.engine.begin() as conn:
                changed = store(conn, decisions)
            _mirror(warehouse, settings, _years(warehouse, list(changed)))
            _refresh_pages(warehouse, settings, set(changed))
            print(f"{len(decisions)} resolution(s) imported from {path}; {len(changed)} report status(es) changed")
            for rid in sorted(changed):
                print(f"  {rid} {_report_status(warehouse, rid)}")
            return 0
        if action == "list":
            from gongkai.cli import _print, render

            where = []
            if args.year is not None:
                where.append(f"year = {int(args.year)}")
            if args.bureau:
                where.append("bureau LIKE '%" + args.bureau.replace("'", "''") + "%'")
            sql = ("SELECT bureau, year, report_id, kind, finding_code, section, row_key, column_key, value, note, "
                   "decided_by, decided_at, report_status, is_current, resolution_id FROM v_resolutions"
                   + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY year, bureau, decided_at")
            table = warehouse.query(sql)
            i = table.schema.get_field_index("value")
            values = [format_value(v) if v is not None else None for v in table["value"].to_pylist()]
            import pyarrow as pa

            table = table.set_column(i, "value", pa.array(values, pa.string()))
            _print(render(table, args.format))
            return 0
        with warehouse.engine.begin() as conn:
            if action == "withdraw":
                changed = withdraw(conn, args.resolution_id)
                made = []
                report_id = None
            else:
                made = _build(conn, args, build)
                changed = store(conn, made)
                report_id = made[0].report_id
        _mirror(warehouse, settings, _years(warehouse, list(changed)))
        _refresh_pages(warehouse, settings, set(changed) | ({report_id} if report_id else set()))
        for r in made:
            print(f"recorded {r.resolution_id}: {r.describe()} on {r.report_id} by {r.decided_by}")
        if action == "withdraw":
            print(f"withdrew {args.resolution_id}")
        for rid in sorted(changed):
            print(f"{rid} {_report_status(warehouse, rid)} (was graded differently before)")
        if report_id and report_id not in changed:
            print(f"{report_id} {_report_status(warehouse, report_id)}")
        return 0
    except ResolutionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.close()


def _build(conn: Any, args: argparse.Namespace, build: Any) -> list[Any]:
    from warehouse.resolutions import ResolutionError, unread_cells

    who = _who(args)
    if args.action == "set":
        if args.values is not None:
            if args.column:
                raise ResolutionError("give --column with --value, or --values for the row's unread cells")
            from warehouse.resolutions import find_report, layout_cells
            from transforms.spec import LAYOUTS

            report = find_report(conn, args.report)
            layout = LAYOUTS.get(report["layout"] or "")
            if layout is None:
                raise ResolutionError(f"{args.report}: layout unknown, no cell to set")
            unread = unread_cells(conn, report["report_id"])
            cells = [c for c in layout_cells(layout).values()
                     if c.section == args.section and c.row_key == args.row
                     and (c.section, c.row_key, c.column_key) in unread]
            values = [v.strip() for v in args.values.replace("·", ",").split(",") if v.strip()]
            if len(values) != len(cells):
                raise ResolutionError(f"{args.section}/{args.row} has {len(cells)} unread cell(s) "
                                      f"({', '.join(c.column_key for c in cells) or 'none'}); got {len(values)} value(s)")
            return [build(conn, args.report, "set_value", by=who, note=args.note, section=args.section,
                          row_key=args.row, column_key=c.column_key, value=v) for c, v in zip(cells, values)]
        return [build(conn, args.report, "set_value", by=who, note=args.note, section=args.section,
                      row_key=args.row, column_key=args.column, value=args.value)]
    if args.action == "accept":
        return [build(conn, args.report, "accept", by=who, note=args.note, finding_code=args.finding,
                      section=args.section, row_key=args.row, column_key=args.column)]
    return [build(conn, args.report, "reject", by=who, note=args.note)]


def _where_flags(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--section", choices=("二", "三", "四"), required=required, help="section of the form")
    p.add_argument("--row", metavar="KEY", help="row key (section 三 row, section 四 group, section 二 item)")
    p.add_argument("--column", metavar="KEY", help="column key (applicant column, outcome, section 二 column)")


def _common(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's unset flag must not overwrite the same flag given before it.
    p.add_argument("--by", default=argparse.SUPPRESS, metavar="NAME", help="who decides (default: $USER)")
    p.add_argument("--warehouse", default=argparse.SUPPRESS, metavar="URL", help="SQLAlchemy URL of the warehouse")
    p.add_argument("--data-dir", default=argparse.SUPPRESS, metavar="DIR", help="where local data lives")
    p.add_argument("--parquet", default=argparse.SUPPRESS, metavar="ROOT", help="root of the Parquet mirror")


def add_parser(sub: Any) -> None:
    """Register ``gongkai resolve`` on the main parser's subcommands."""
    p = sub.add_parser(
        "resolve", help="record the office's decision on a report: a cell's value, a finding accepted, a rejection",
        description="Record a decision on one report version (its bytes): set the value of a cell the parser "
                    "could not read, accept the report as published despite a named finding, or reject it until "
                    "a corrected file arrives. The report is re-graded at once (status 'resolved' when every "
                    "error is settled). --export/--import FILE (.json or .csv) keep decisions in version control.")
    p.add_argument("--export", metavar="FILE", help="write every resolution to FILE (.json or .csv)")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="read resolutions from FILE (.json or .csv)")
    _common(p)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    s = actions.add_parser("set", help="set the value of an unread cell (from the candidates, or typed)")
    s.add_argument("report", metavar="REPORT", help="report_id (or 8+ hex digits of the SHA-256)")
    _where_flags(s, True)
    s.add_argument("--value", help="the value (万元 for money cells)")
    s.add_argument("--values", help="values for the row's unread cells, in the form's column order (e.g. 69,3,665)")
    s.add_argument("--note", required=True, help="where the value comes from")
    _common(s)
    a = actions.add_parser("accept", help="accept the report as published despite a finding")
    a.add_argument("report", metavar="REPORT")
    a.add_argument("--finding", required=True, metavar="CODE", help="finding code, e.g. identity.I1")
    _where_flags(a, False)
    a.add_argument("--note", required=True, help="why it is accepted")
    _common(a)
    r = actions.add_parser("reject", help="hold the report back until the bureau sends a corrected file")
    r.add_argument("report", metavar="REPORT")
    r.add_argument("--note", required=True, help="what was asked of the bureau")
    _common(r)
    lst = actions.add_parser("list", help="list the decisions")
    lst.add_argument("--year", type=int)
    lst.add_argument("--bureau", help="bureaus whose name contains this")
    lst.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _common(lst)
    w = actions.add_parser("withdraw", help="remove one decision (the report is re-graded)")
    w.add_argument("resolution_id", metavar="RESOLUTION_ID")
    _common(w)
    p.set_defaults(func=cmd_resolve)


def cmd_review(args: argparse.Namespace) -> int:
    from review import write_site
    from warehouse.store import Warehouse

    settings = _settings(args)
    out = Path(args.out) if args.out else Path(settings.data_dir) / "review"
    warehouse = Warehouse.open_readonly(url=settings.warehouse_url, data_dir=str(settings.data_dir))
    try:
        result = write_site(warehouse, out, [args.year] if args.year is not None else None)
    finally:
        warehouse.close()
    print(f"Review pages: {result.index} ({result.reports} bureau-year(s), {result.missing} missing submission(s), "
          f"{result.pages} report page(s)); open it in a browser, it works offline")
    return 0


def add_review_parser(sub: Any) -> None:
    """Register ``gongkai review``."""
    p = sub.add_parser(
        "review", help="write the office's review pages (index of bureau-years, one page per report version)",
        description="Write a static site (works from file://, offline) for checking reports: an index of every "
                    "bureau-year with its status and error counts, and one page per report version laid out as "
                    "the State Council prints the form, every cell with its value, state, raw text, findings and "
                    "candidate readings, and the gongkai resolve command for each problem.")
    p.add_argument("--year", type=int, help="only this reporting year (default: every year)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: DATA_DIR/review)")
    p.add_argument("--warehouse", metavar="URL", help="SQLAlchemy URL of the warehouse")
    p.add_argument("--data-dir", metavar="DIR", help="where local data lives (default: ./data)")
    p.set_defaults(func=cmd_review)


#: What the demo's clerk decides on the bundled samples, as `gongkai resolve` arguments
#: (file name, then the command's arguments after the report id). The values were read off
#: the bureau's published HTML page (004's table cells) and are among the readings the page
#: offers; 008's publisher counted one application both as handled and as carried forward.
DEMO_DECISIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("004_pingtan_2021.txt", ("set", "--section", "二", "--row", "normative_docs", "--values", "69,3,665",
                              "--note", "读法 69 · 3 · 665，已与平潭综合实验区网站公布的HTML原表核对")),
    ("008_pingtan_gaj_2021.txt", ("accept", "--finding", "identity.I1",
                                  "--note", "报送单位确认：1件申请既计入办结又计入结转，按原文公布")),
)


def run_demo_decisions(data_dir: str, warehouse_url: str, echo: Any = print) -> str | None:
    """The end of ``gongkai demo``: the clerk's decisions on two samples, then the review pages.

    Returns the review index written under ``data_dir/review``.
    """
    from gongkai.cli import main as gongkai_main

    for name, argv in DEMO_DECISIONS:
        from warehouse.store import Warehouse

        warehouse = Warehouse.open(url=warehouse_url, data_dir=data_dir)
        try:
            rows = warehouse.query(f"SELECT report_id FROM reports WHERE is_current AND source_path LIKE '%/{name}'")
        finally:
            warehouse.close()
        if rows.num_rows != 1:
            echo(f"(demo: {name} is not loaded; skipped)")
            continue
        rid = rows["report_id"][0].as_py()
        full = ["resolve", argv[0], rid, *argv[1:], "--by", "demo"]
        echo("$ gongkai " + " ".join(f'"{a}"' if " " in a or "，" in a else a for a in full))
        gongkai_main([*full, "--data-dir", data_dir, "--warehouse", warehouse_url])
    return None
