"""The office's decisions about a report version, kept beside the published numbers, never over them.

A *resolution* is one decision a clerk took on one report version (its
``content_sha256``):

* ``set_value`` — the value of a cell the parser could not read (run-together
  digits with several readings, a word in a number cell), read off the page or
  picked from the candidate readings, with a note;
* ``accept`` — the report is admitted as published despite a named finding
  ("publisher inconsistency acknowledged"), optionally narrowed to a section,
  row and column;
* ``reject`` — the report stays held back until the bureau sends a corrected file.

The gate re-grades with them (``regrade``): a quarantined report whose every error
finding is resolved gets status ``resolved`` and enters the analysts' views; a
rejected report is ``quarantined`` whatever its findings. Facts are never
updated: the views put a ``set_value`` where the published cell is NULL and mark
it ``how = 'resolved'``. Decisions hang off the content hash, so they survive a
``--force`` rerun and a parser upgrade of the same bytes; a resubmission (new
bytes) does not inherit them — the review page offers them as suggestions.

Cells are addressed with the spec's keys: ``section`` 二 / 三 / 四 (as findings
name sections), ``row_key`` the section 三 row, section 四 group or section 二
item, ``column_key`` the applicant column, section 四 outcome or section 二 column.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, Integer, Numeric, Table, Text, select

from transforms.spec import LAYOUTS, REVIEW_CELLS, Layout
from transforms.tables import AMOUNT_TYPE, status_of
from warehouse.schema import metadata, report_tables

KINDS = ("set_value", "accept", "reject")
RESOLVED = "resolved"
QUARANTINED = "quarantined"

#: Sections a resolution can address, as findings name them, and the fact table each lives in.
CELL_SECTIONS = {"二": "disclosure_facts", "三": "application_facts", "四": "review_facts"}

#: Finding codes about cells the parser could not read: setting those cells' values resolves them.
#: Anything else (a broken identity, a missing section) needs an ``accept``.
VALUE_FINDINGS_PREFIX = "cell."
VALUE_FINDINGS = frozenset({"table.row_too_few_cells", "table.row_too_many_cells"})

resolutions = Table(
    "resolutions",
    metadata,
    Column("resolution_id", Text, primary_key=True),
    Column("report_id", Text, nullable=False),  # the version decided on (first 20 hex of content_sha256)
    Column("content_sha256", Text, nullable=False),  # what the decision applies to: these exact bytes
    Column("bureau", Text),  # as printed, kept so a resubmission can be offered the old decisions
    Column("year", Integer, autoincrement=False),
    Column("kind", Text, nullable=False),  # set_value | accept | reject
    Column("finding_code", Text),  # accept: the finding accepted
    Column("section", Text),  # 二 | 三 | 四
    Column("row_key", Text),
    Column("column_key", Text),
    Column("value", Numeric(AMOUNT_TYPE.precision, AMOUNT_TYPE.scale, asdecimal=True)),  # set_value
    Column("note", Text),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)
Index("ix_resolutions_content_sha256", resolutions.c.content_sha256)

FIELDS: tuple[str, ...] = tuple(c.name for c in resolutions.columns)


class ResolutionError(ValueError):
    """A decision that cannot be recorded (unknown report, cell or finding; bad value). Terminal."""


@dataclass(frozen=True)
class Resolution:
    """One decision, as stored and as exported."""

    resolution_id: str
    report_id: str
    content_sha256: str
    bureau: str | None
    year: int | None
    kind: str
    finding_code: str | None = None
    section: str | None = None
    row_key: str | None = None
    column_key: str | None = None
    value: Decimal | None = None
    note: str | None = None
    decided_by: str = ""
    decided_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def as_record(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        where = "/".join(p for p in (self.section, self.row_key, self.column_key) if p)
        if self.kind == "set_value":
            return f"set {where} = {format_value(self.value)}"
        if self.kind == "accept":
            return f"accept {self.finding_code}" + (f" at {where}" if where else "")
        return "reject (awaiting a corrected file)"


def format_value(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    d = Decimal(value)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def new_id() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------
# Cells and findings in spec keys
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CellSpec:
    """A cell of the standard form a resolution can address."""

    section: str
    row_key: str
    column_key: str
    kind: str  # count | delta | money


def _layout_cells(layout: Layout) -> dict[tuple[str, str, str], CellSpec]:
    """Every addressable cell of an edition, keyed by (section, row_key, column_key)."""
    cells: dict[tuple[str, str, str], CellSpec] = {}
    for block in layout.blocks:
        for item in block.items:
            for col in block.columns:
                cells[("二", item.key, col.key)] = CellSpec("二", item.key, col.key, col.kind)
    for row in layout.app_rows:
        for col in layout.app_columns:
            cells[("三", row.key, col.key)] = CellSpec("三", row.key, col.key, "count")
    for c in layout.review_cells:
        cells[("四", c.group, c.outcome)] = CellSpec("四", c.group, c.outcome, "count")
    return cells


_LAYOUT_CELLS: dict[int, tuple[Layout, object]] = {}


def layout_cells(layout: Layout):  # noqa: ANN201 - same type as _layout_cells
    """``_layout_cells``, computed once per layout (layouts are frozen; hashing one is slow, so by identity)."""
    hit = _LAYOUT_CELLS.get(id(layout))
    if hit is None or hit[0] is not layout:
        hit = _LAYOUT_CELLS[id(layout)] = (layout, _layout_cells(layout))
    return hit[1]


def _label_maps(layout: Layout) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Per section: (row label -> row key, column label -> column key), from the spec's labels and aliases."""
    rows2: dict[str, str] = {}
    cols2: dict[str, str] = {}
    for block in layout.blocks:
        for item in block.items:
            for label in (item.label, *item.aliases):
                rows2.setdefault(label, item.key)
        for col in block.columns:
            for label in (col.label, *col.aliases):
                cols2.setdefault(label, col.key)
    rows3 = {r.label: r.key for r in layout.app_rows}
    cols3 = {c.label: c.key for c in layout.app_columns}
    rows4 = {c.group_label: c.group for c in REVIEW_CELLS}
    cols4 = {c.outcome_label: c.outcome for c in REVIEW_CELLS}
    cols4.update({f"{c.group_label}·{c.outcome_label}": c.outcome for c in REVIEW_CELLS})
    return {"二": (rows2, cols2), "三": (rows3, cols3), "四": (rows4, cols4)}


_LABELS: dict[str, dict[str, tuple[dict[str, str], dict[str, str]]]] = {k: _label_maps(v) for k, v in LAYOUTS.items()}


def finding_keys(layout_id: str | None, section: str | None, row_label: str | None,
                 column_label: str | None) -> tuple[str | None, str | None]:
    """The (row_key, column_key) a finding's printed location names, None where it names none (or no cell)."""
    maps = _LABELS.get(layout_id or "", {}).get(section or "")
    if maps is None:
        return None, None
    rows, cols = maps
    return (rows.get(row_label) if row_label else None), (cols.get(column_label) if column_label else None)


@dataclass(frozen=True)
class ErrorFinding:
    code: str
    section: str | None
    row_key: str | None
    column_key: str | None
    has_row: bool = False  # the finding names a row (even one with no key, e.g. a block)
    has_column: bool = False


def resolves(finding: ErrorFinding, decisions: Sequence[Resolution],
             unread: set[tuple[str, str, str]]) -> bool:
    """True when ``decisions`` settle ``finding``: an accept naming it, or values for every unread cell it covers.

    An accept matches on the finding's code and on whatever section/row/column it
    narrows to. A finding about unread cells (``cell.*``, a row with too few or too
    many numbers) is settled when each unread cell under its location has a value;
    such a finding with no unread cell under it is not settled by values.
    """
    for r in decisions:
        if r.kind != "accept" or r.finding_code != finding.code:
            continue
        if r.section is not None and r.section != finding.section:
            continue
        if r.row_key is not None and r.row_key != finding.row_key:
            continue
        if r.column_key is not None and r.column_key != finding.column_key:
            continue
        return True
    if not (finding.code.startswith(VALUE_FINDINGS_PREFIX) or finding.code in VALUE_FINDINGS):
        return False
    if finding.has_row and finding.row_key is None:
        return False
    covered = {c for c in unread
               if c[0] == finding.section
               and (finding.row_key is None or c[1] == finding.row_key)
               and (finding.column_key is None or c[2] == finding.column_key)}
    if not covered:
        return False
    set_cells = {(r.section, r.row_key, r.column_key) for r in decisions if r.kind == "set_value"}
    return covered <= set_cells


def grade(n_errors: int, n_warnings: int, errors: Sequence[ErrorFinding], decisions: Sequence[Resolution],
          unread: set[tuple[str, str, str]]) -> str:
    """The gate with the office's decisions: clean / flagged / quarantined / resolved.

    A reject holds the report back whatever it holds; a quarantined report whose
    every error finding is settled (``resolves``) is ``resolved``.
    """
    base = status_of(n_errors, n_warnings)
    if any(r.kind == "reject" for r in decisions):
        return QUARANTINED
    if base == QUARANTINED and errors and all(resolves(f, decisions, unread) for f in errors):
        return RESOLVED
    return base


# ---------------------------------------------------------------------------
# Reading and writing
# ---------------------------------------------------------------------------

def _row_to_resolution(row: Mapping[str, Any]) -> Resolution:
    value = row.get("value")
    return Resolution(**{**{k: row.get(k) for k in FIELDS},
                         "value": None if value is None else Decimal(value)})


def read_resolutions(conn: Connection, shas: Iterable[str] | None = None) -> list[Resolution]:
    """Decisions on these contents (all when None), oldest first."""
    stmt = select(*resolutions.c).order_by(resolutions.c.decided_at, resolutions.c.resolution_id)
    if shas is not None:
        shas = sorted(set(shas))
        if not shas:
            return []
        out: list[Resolution] = []
        for i in range(0, len(shas), 1000):
            part = stmt.where(resolutions.c.content_sha256.in_(shas[i:i + 1000]))
            out.extend(_row_to_resolution(r._mapping) for r in conn.execute(part))
        return sorted(out, key=lambda r: (r.decided_at, r.resolution_id))
    return [_row_to_resolution(r._mapping) for r in conn.execute(stmt)]


def _report_meta(conn: Connection, report_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    reports = report_tables["reports"]
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(report_ids), 1000):
        rows = conn.execute(select(reports.c.report_id, reports.c.content_sha256, reports.c.layout,
                                   reports.c.status, reports.c.n_errors, reports.c.n_warnings, reports.c.bureau,
                                   reports.c.year)
                            .where(reports.c.report_id.in_(report_ids[i:i + 1000])))
        out.update({r.report_id: dict(r._mapping) for r in rows})
    return out


def error_findings(conn: Connection, report_id: str, layout_id: str | None) -> list[ErrorFinding]:
    f = report_tables["findings"]
    rows = conn.execute(select(f.c.code, f.c.section, f.c.row_label, f.c.column_label)
                        .where(f.c.report_id == report_id, f.c.severity == "error")).all()
    out = []
    for code, section, row_label, column_label in rows:
        row_key, column_key = finding_keys(layout_id, section, row_label, column_label)
        out.append(ErrorFinding(code, section, row_key, column_key, bool(row_label), bool(column_label)))
    return out


def unread_cells(conn: Connection, report_id: str) -> set[tuple[str, str, str]]:
    """Cells of the report that are present but NULL: what a ``set_value`` may fill."""
    a, r, d = (report_tables[n] for n in ("application_facts", "review_facts", "disclosure_facts"))
    out: set[tuple[str, str, str]] = set()
    out.update(("三", row, col) for row, col in conn.execute(
        select(a.c.row_key, a.c.column_key).where(a.c.report_id == report_id, a.c["count"].is_(None))))
    out.update(("四", g, o) for g, o in conn.execute(
        select(r.c.group_key, r.c.outcome_key).where(r.c.report_id == report_id, r.c["count"].is_(None))))
    out.update(("二", item, col) for item, col in conn.execute(
        select(d.c.item_key, d.c.column_key).where(d.c.report_id == report_id, d.c["count"].is_(None),
                                                   d.c.amount_wan_yuan.is_(None))))
    return out


def regrade(conn: Connection, report_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Re-grade reports with their decisions; returns ``report_id -> status`` for every status changed.

    ``report_ids`` None: every report that has a decision or is currently ``resolved``.
    Cheap when nothing was decided: one query on the (small) resolutions table.
    """
    reports = report_tables["reports"]
    if report_ids is None:
        shas = set(conn.execute(select(resolutions.c.content_sha256).distinct()).scalars())
        ids = set(conn.execute(select(reports.c.report_id).where(reports.c.content_sha256.in_(sorted(shas))))
                  .scalars()) if shas else set()
        ids |= set(conn.execute(select(reports.c.report_id).where(reports.c.status == RESOLVED)).scalars())
    else:
        ids = set(report_ids)
    if not ids:
        return {}
    meta = _report_meta(conn, sorted(ids))
    decided: dict[str, list[Resolution]] = {}
    for r in read_resolutions(conn, {m["content_sha256"] for m in meta.values() if m["content_sha256"]}):
        decided.setdefault(r.content_sha256, []).append(r)
    changed: dict[str, str] = {}
    for rid, m in meta.items():
        decisions = decided.get(m["content_sha256"], [])
        if decisions:
            status = grade(m["n_errors"] or 0, m["n_warnings"] or 0, error_findings(conn, rid, m["layout"]),
                           decisions, unread_cells(conn, rid))
        else:
            status = status_of(m["n_errors"] or 0, m["n_warnings"] or 0)
        if status != m["status"]:
            conn.execute(reports.update().where(reports.c.report_id == rid).values(status=status))
            changed[rid] = status
    return changed


def graded_statuses(conn: Connection, reports: Any, findings: Any) -> dict[str, str]:
    """``report_id -> status`` with the office's decisions, for reports given as (not yet written)
    ``reports``/``findings`` tables; only reports with decisions on their bytes are in the result.

    The after-load cross-report check computes findings afresh: without this its status
    would be the bare gate, and a report the office resolved would read as changed
    (and quarantined) until ``regrade`` ran again.
    """
    ids = reports.column("report_id").to_pylist()
    shas = dict(zip(ids, reports.column("content_sha256").to_pylist()))
    decided: dict[str, list[Resolution]] = {}
    for r in read_resolutions(conn, {s for s in shas.values() if s}):
        decided.setdefault(r.content_sha256, []).append(r)
    if not decided:
        return {}
    layouts = dict(zip(ids, reports.column("layout").to_pylist()))
    n_err = dict(zip(ids, reports.column("n_errors").to_pylist()))
    n_warn = dict(zip(ids, reports.column("n_warnings").to_pylist()))
    errors: dict[str, list[ErrorFinding]] = {}
    cols = [findings.column(c).to_pylist() for c in ("report_id", "code", "severity", "section", "row_label",
                                                      "column_label")]
    for rid, code, severity, section, row_label, column_label in zip(*cols):
        if severity != "error" or rid not in shas:
            continue
        row_key, column_key = finding_keys(layouts.get(rid), section, row_label, column_label)
        errors.setdefault(rid, []).append(
            ErrorFinding(code, section, row_key, column_key, bool(row_label), bool(column_label)))
    return {rid: grade(n_err[rid] or 0, n_warn[rid] or 0, errors.get(rid, []), decided[sha], unread_cells(conn, rid))
            for rid, sha in shas.items() if sha in decided}


def parse_value(text: str | int | Decimal, kind: str, where: str) -> Decimal:
    """A typed value for a cell of ``kind``: counts are non-negative integers, deltas integers, money decimal."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise ResolutionError(f"{where}: {text!r} is not a number") from None
    if kind in ("count", "delta") and value != value.to_integral_value():
        raise ResolutionError(f"{where}: {text!r} must be a whole number")
    if kind == "count" and value < 0:
        raise ResolutionError(f"{where}: {text!r} must not be negative")
    return value


def find_report(conn: Connection, ref: str) -> dict[str, Any]:
    """The report a clerk names: its report_id, or a prefix (8+ hex digits) of its content SHA-256."""
    reports = report_tables["reports"]
    ref = ref.strip().lower()
    if len(ref) < 8:
        raise ResolutionError(f"report {ref!r}: give the report_id (20 hex digits) or 8+ digits of its SHA-256")
    rows = conn.execute(select(*reports.c).where(reports.c.content_sha256.like(ref[:20] + "%"))).all()
    rows = [r for r in rows if r.content_sha256.startswith(ref) or r.report_id == ref]
    if not rows:
        raise ResolutionError(f"no report {ref!r} in the warehouse")
    if len(rows) > 1:
        raise ResolutionError(f"{ref!r} names {len(rows)} reports; give more digits")
    return dict(rows[0]._mapping)


def build(conn: Connection, report_ref: str, kind: str, *, by: str, note: str | None = None,
          finding_code: str | None = None, section: str | None = None, row_key: str | None = None,
          column_key: str | None = None, value: str | int | Decimal | None = None) -> Resolution:
    """A checked decision on a loaded report (not yet stored): the cell exists, is unread, the finding is there."""
    if kind not in KINDS:
        raise ResolutionError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if not by:
        raise ResolutionError("say who decides (--by, or $USER)")
    report = find_report(conn, report_ref)
    rid, layout_id = report["report_id"], report["layout"]
    label = f"{report['bureau'] or '?'} {report['year'] or '?'} ({rid})"
    typed: Decimal | None = None
    if kind == "set_value":
        if layout_id not in LAYOUTS:
            raise ResolutionError(f"{label}: layout unknown, no cell to set")
        cell = layout_cells(LAYOUTS[layout_id]).get((section or "", row_key or "", column_key or ""))
        if cell is None:
            raise ResolutionError(f"{label}: no cell {section}/{row_key}/{column_key} in layout {layout_id} "
                                  f"(section 二/三/四, spec row and column keys)")
        if (section, row_key, column_key) not in unread_cells(conn, rid):
            raise ResolutionError(f"{label}: cell {section}/{row_key}/{column_key} was read from the document "
                                  f"(or is not in it); published numbers are not overridden — accept the finding "
                                  f"instead, or reject the report")
        if value is None:
            raise ResolutionError(f"{label}: set_value needs a value")
        typed = parse_value(value, cell.kind, f"{label} {section}/{row_key}/{column_key}")
        if not note:
            raise ResolutionError(f"{label}: say where the value comes from (--note)")
    elif kind == "accept":
        if not finding_code:
            raise ResolutionError(f"{label}: accept needs the finding code (--finding)")
        errors = [f for f in error_findings(conn, rid, layout_id) if f.code == finding_code]
        f = report_tables["findings"]
        any_code = conn.execute(select(f.c.code).where(f.c.report_id == rid, f.c.code == finding_code)
                                .limit(1)).first()
        if any_code is None:
            raise ResolutionError(f"{label}: no finding {finding_code!r} on this report")
        probe = Resolution("", rid, report["content_sha256"], None, None, "accept", finding_code, section,
                           row_key, column_key)
        if errors and not any(resolves(e, [probe], set()) for e in errors):
            raise ResolutionError(f"{label}: no {finding_code} finding at {section}/{row_key}/{column_key}")
    return Resolution(new_id(), rid, report["content_sha256"], report["bureau"], report["year"], kind,
                      finding_code if kind == "accept" else None, section, row_key, column_key, typed, note, by,
                      datetime.now(timezone.utc))


def store(conn: Connection, decisions: Sequence[Resolution]) -> dict[str, str]:
    """Insert decisions (a ``set_value`` replaces an earlier one for the same cell and content; the same
    ``resolution_id`` imported again replaces itself) and re-grade the reports concerned."""
    for r in decisions:
        conn.execute(resolutions.delete().where(resolutions.c.resolution_id == r.resolution_id))
        if r.kind == "set_value":
            conn.execute(resolutions.delete().where(
                resolutions.c.content_sha256 == r.content_sha256, resolutions.c.kind == "set_value",
                resolutions.c.section == r.section, resolutions.c.row_key == r.row_key,
                resolutions.c.column_key == r.column_key))
        conn.execute(resolutions.insert(), [r.as_record()])
    return regrade(conn, _ids_of(conn, {r.content_sha256 for r in decisions}))


def withdraw(conn: Connection, resolution_id: str) -> dict[str, str]:
    """Remove one decision and re-grade its report."""
    row = conn.execute(select(resolutions.c.content_sha256).where(resolutions.c.resolution_id == resolution_id)).first()
    if row is None:
        raise ResolutionError(f"no resolution {resolution_id!r}")
    conn.execute(resolutions.delete().where(resolutions.c.resolution_id == resolution_id))
    return regrade(conn, _ids_of(conn, {row.content_sha256}))


def _ids_of(conn: Connection, shas: set[str]) -> list[str]:
    reports = report_tables["reports"]
    if not shas:
        return []
    return list(conn.execute(select(reports.c.report_id).where(reports.c.content_sha256.in_(sorted(shas)))).scalars())


# ---------------------------------------------------------------------------
# Files: JSON or CSV, for review and version control
# ---------------------------------------------------------------------------

def _plain(r: Resolution) -> dict[str, Any]:
    rec = r.as_record()
    rec["value"] = None if r.value is None else format_value(r.value)
    rec["decided_at"] = r.decided_at.isoformat() if r.decided_at else None
    return rec


def dumps(decisions: Sequence[Resolution], fmt: str) -> str:
    rows = [_plain(r) for r in decisions]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def loads(text: str, fmt: str, source: str = "file") -> list[Resolution]:
    """Decisions from an export; every row is checked, errors name the row."""
    if fmt == "json":
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise ResolutionError(f"{source}: expected a JSON list of resolutions")
    else:
        rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
    out = []
    for i, row in enumerate(rows, start=1):
        where = f"{source} row {i}"
        missing = [k for k in ("resolution_id", "report_id", "content_sha256", "kind", "decided_by", "decided_at")
                   if not row.get(k)]
        if missing:
            raise ResolutionError(f"{where}: missing {', '.join(missing)}")
        if row["kind"] not in KINDS:
            raise ResolutionError(f"{where}: unknown kind {row['kind']!r}; known: {', '.join(KINDS)}")
        try:
            decided_at = datetime.fromisoformat(str(row["decided_at"]))
        except ValueError:
            raise ResolutionError(f"{where}: decided_at {row['decided_at']!r} is not an ISO time") from None
        if decided_at.tzinfo is None:
            decided_at = decided_at.replace(tzinfo=timezone.utc)
        value = row.get("value")
        out.append(Resolution(
            resolution_id=str(row["resolution_id"]), report_id=str(row["report_id"]),
            content_sha256=str(row["content_sha256"]), bureau=row.get("bureau"),
            year=None if row.get("year") in (None, "") else int(row["year"]), kind=row["kind"],
            finding_code=row.get("finding_code"), section=row.get("section"), row_key=row.get("row_key"),
            column_key=row.get("column_key"),
            value=None if value in (None, "") else parse_value(value, "money", where),
            note=row.get("note"), decided_by=str(row["decided_by"]), decided_at=decided_at))
    return out


def file_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix == ".csv":
        return "csv"
    raise ResolutionError(f"{path}: export/import files end in .json or .csv")


def write_parquet(decisions: Sequence[Resolution], root: str) -> str:
    """Mirror the whole (small) resolutions table to ``<root>/resolutions/part-0.parquet``; returns the path."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from warehouse.parquet import filesystem_for

    schema = pa.schema([
        ("resolution_id", pa.string()), ("report_id", pa.string()), ("content_sha256", pa.string()),
        ("bureau", pa.string()), ("year", pa.int32()), ("kind", pa.string()), ("finding_code", pa.string()),
        ("section", pa.string()), ("row_key", pa.string()), ("column_key", pa.string()),
        ("value", AMOUNT_TYPE), ("note", pa.string()), ("decided_by", pa.string()),
        ("decided_at", pa.timestamp("us", tz="UTC")),
    ])
    rows = [r.as_record() for r in decisions]
    for row in rows:
        if row["value"] is not None:
            row["value"] = Decimal(row["value"]).quantize(Decimal("0.00000001"))
    table = pa.Table.from_pylist(rows, schema=schema)
    fs, base = filesystem_for(root)
    fs.create_dir(f"{base}/resolutions", recursive=True)
    path = f"{base}/resolutions/part-0.parquet"
    pq.write_table(table, path, filesystem=fs)
    return path
