"""The analysts' contract: staging views that rename and cast, marts that state their grain.

Two tiers, as in dbt's jaffle-shop (STYLE.md §1):

* ``stg_*`` — one per table, one row per table row, columns renamed or cast and
  nothing else. Marts read only these, so a table can change shape behind them.
* ``v_*`` — marts. Each says what one row is (its *grain*) and whether it covers
  every version or only *current, non-quarantined* ones (``is_current`` and
  ``status <> 'quarantined'``). Analyst marts never count a quarantined version;
  the office's marts (``v_reports``, ``v_submissions``, ``v_quarantine``,
  ``v_findings`` and the ``v_*_wide_all`` twins) show every status.

Every definition is a SQLAlchemy Core ``Select`` compiled per dialect with constants
inlined, so the same view runs on DuckDB, PostgreSQL (and, slowly, SQLite); no wide
column is typed by hand: section 三 columns are ``<row_key>_<column_key>``, section
四 ``<group_key>_<outcome_key>``, section 二 ``<block_key>_<item_key>_<column_key>``
(``_wan_yuan`` appended for money), all from ``transforms.spec``. Sums are cast back
to BIGINT / NUMERIC(24,8) so both databases return the same types.

``docs/views.md`` is generated from ``VIEWS`` (``warehouse.docs``), column by column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Numeric,
    Select,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    select,
    true,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause

from transforms.spec import LAYOUTS, REVIEW_CELLS
from transforms.tables import AMOUNT_TYPE
from warehouse.resolutions import resolutions
from warehouse.schema import bureau_aliases, bureaus, report_tables

QUARANTINED = "quarantined"
RESOLVED = "resolved"
#: Views of schema version 1 that no longer exist under that name (dropped on open).
LEGACY_VIEWS: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Column orders from the spec
# ---------------------------------------------------------------------------

def app_row_keys() -> tuple[str, ...]:
    """Row keys of every edition, each once, keeping every edition's own order.

    A key an edition adds is placed after its predecessor in that edition, so the
    2021 rows 其他处理 1-3 sit next to the 2019 row 其他处理, before 总计.
    """
    keys: list[str] = []
    for layout in LAYOUTS.values():
        previous: str | None = None
        for key in layout.app_row_keys:
            if key not in keys:
                keys.insert(keys.index(previous) + 1 if previous is not None else 0, key)
            previous = key
    return tuple(keys)


def app_column_keys() -> tuple[str, ...]:
    keys: list[str] = []
    for layout in LAYOUTS.values():
        keys.extend(k for k in layout.app_column_keys if k not in keys)
    return tuple(keys)


def app_row_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for layout in LAYOUTS.values():
        for row in layout.app_rows:
            labels.setdefault(row.key, row.label)
    return labels


def app_column_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for layout in LAYOUTS.values():
        for col in layout.app_columns:
            labels.setdefault(col.key, col.label)
    return labels


@dataclass(frozen=True)
class DisclosureCell:
    """One section 二 cell of some edition, as a wide column."""

    block: str
    item: str
    column: str
    is_money: bool
    label: str  # 第二十条第（五）项 · 行政许可 · 处理决定数量 (layouts: …)

    @property
    def name(self) -> str:
        return f"{self.block}_{self.item}_{self.column}" + ("_wan_yuan" if self.is_money else "")


def disclosure_cells() -> tuple[DisclosureCell, ...]:
    """Every (block, item, column) of every edition, each once, in declaration order."""
    cells: dict[tuple[str, str, str], DisclosureCell] = {}
    layouts: dict[tuple[str, str, str], list[str]] = {}
    for layout in LAYOUTS.values():
        for block in layout.blocks:
            for item in block.items:
                for col in block.columns:
                    key = (block.key, item.key, col.key)
                    layouts.setdefault(key, []).append(layout.id)
                    cells.setdefault(key, DisclosureCell(
                        block.key, item.key, col.key, col.kind == "money",
                        f"{block.label} · {item.label} · {col.label}"))
    return tuple(
        DisclosureCell(c.block, c.item, c.column, c.is_money, f"{c.label} (layout {', '.join(layouts[k])})")
        for k, c in cells.items()
    )


# ---------------------------------------------------------------------------
# The view registry and references between views
# ---------------------------------------------------------------------------

Tier = Literal["staging", "mart"]


@dataclass(frozen=True)
class View:
    name: str
    tier: Tier
    grain: str  # what one row is, as jaffle-shop marts state it
    description: str
    build: Callable[[], Select]
    # Descriptions of columns particular to this view (shared names live in COLUMN_DOCS).
    columns: Mapping[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, View] = {}

_BUREAU_KEY = {"bureau_id": "the bureau: the registry's id, or its name when the registry gives none"}


def ref(name: str) -> TableClause:
    """A view as a table to select from (by name, so the database keeps the layering)."""
    return _ref(name)


@lru_cache(maxsize=None)
def _ref(name: str) -> TableClause:
    built = _REGISTRY[name].build()
    return sql_table(name, *(sql_column(c.name, c.type) for c in built.selected_columns))


def _passthrough(table: Table, rename: Mapping[str, str] | None = None) -> Callable[[], Select]:
    rename = dict(rename or {})

    def build() -> Select:
        return select(*(c.label(rename.get(c.name, c.name)) for c in table.c))

    return build


def _current_clean(r: TableClause) -> ColumnElement[bool]:
    """The filter marts call *current, non-quarantined*."""
    return and_(r.c.is_current == true(), r.c.status != QUARANTINED)


def _bool(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return case((condition, true()), else_=false())


# ---------------------------------------------------------------------------
# Marts
# ---------------------------------------------------------------------------

_REPORT_KEYS = ("report_id", "year", "bureau", "bureau_id", "layout", "status", "is_current", "version_no")


def _report_key_columns(r: TableClause, b: TableClause) -> list[ColumnElement]:
    return [r.c[c] for c in _REPORT_KEYS[:4]] + [b.c.region] + [r.c[c] for c in _REPORT_KEYS[4:]]


def _wide(facts_name: str, cells: list[tuple[str, ColumnElement[bool], str]], *, with_quarantined: bool) -> Select:
    """One row per report version: report keys plus ``MAX(CASE WHEN <cell> THEN value END)`` per cell.

    The analysts' wide marts leave quarantined versions out (the gate's promise: a report
    with an error finding is kept but not counted); their ``*_all`` twins keep every
    status for the office reviewing what it holds back.
    """
    r, b, f = ref("stg_reports"), ref("stg_bureaus"), ref(facts_name)
    keys = _report_key_columns(r, b)
    values = [func.max(case((cond, f.c[value]))).label(name) for name, cond, value in cells]
    query = (
        select(*keys, *values)
        .select_from(r.outerjoin(b, b.c.bureau_id == r.c.bureau_id).outerjoin(f, f.c.report_id == r.c.report_id))
        .group_by(*keys)
    )
    return query if with_quarantined else query.where(r.c.status != QUARANTINED)


def reports_view() -> Select:
    r, b = ref("stg_reports"), ref("stg_bureaus")
    child = ref("stg_bureaus").alias("child")
    has_children = exists(select(child.c.bureau_id).where(child.c.parent_bureau_id == r.c.bureau_id))
    return select(
        *[c for c in r.c if c.name not in ("load_seq",)],
        b.c.bureau_name, b.c.region, b.c.parent_bureau_id, b.c.level, b.c.sector, b.c.is_registered,
        _bool(r.c.status == QUARANTINED).label("is_quarantined"),
        _bool(has_children).label("is_aggregate"),
    ).select_from(r.outerjoin(b, b.c.bureau_id == r.c.bureau_id))


def _money_column_keys() -> tuple[str, ...]:
    return tuple(sorted({c.column for c in disclosure_cells() if c.is_money}))


def _cells(facts_name: str, section: str, row_col: str, col_col: str, money: bool = False) -> Select:
    """One row per published cell, with the office's value where the cell was unread (``how = 'resolved'``).

    The published value always wins: a ``set_value`` only fills a NULL cell of the very
    bytes it was decided on (same ``content_sha256``). ``how`` says where the number
    comes from: the parser's ``how`` (``printed``, ``split_by_row_sum``, ``split_by_narrative``,
    … — ``recovered``/``printed`` for facts loaded before it recorded one), ``resolved``
    (the office's value), NULL (unread, nothing decided).
    """
    r, f, res = ref("stg_reports"), ref(facts_name), ref("stg_resolutions")
    unread = f.c["count"].is_(None)
    if money:
        unread = and_(unread, f.c.amount_wan_yuan.is_(None))
    applied = and_(unread, res.c.value.is_not(None))
    # the parser's own word for how it read the cell; facts loaded before schema 5 have none
    parsed_how = func.coalesce(f.c.how, case((f.c.is_recovered == true(), literal("recovered")),
                                             else_=literal("printed")))
    how = case((applied, literal(RESOLVED)), (unread, null()), else_=parsed_how)
    values: list[ColumnElement] = []
    if money:
        is_money = f.c.column_key.in_(_money_column_keys())
        values.append(case((and_(applied, ~is_money), cast(res.c.value, BigInteger)), else_=f.c["count"]).label("count"))
        values.append(case((and_(applied, is_money), cast(res.c.value, _amount_type())),
                           else_=f.c.amount_wan_yuan).label("amount_wan_yuan"))
    else:
        values.append(case((applied, cast(res.c.value, BigInteger)), else_=f.c["count"]).label("count"))
    keep = [c for c in f.c if c.name not in ("count", "amount_wan_yuan", "is_recovered", "how", "raw_text",
                                             "source_location")]
    return select(
        *keep, *values, f.c.is_recovered, how.label("how"), res.c.resolution_id, f.c.raw_text, f.c.source_location,
    ).select_from(
        f.join(r, r.c.report_id == f.c.report_id).outerjoin(res, and_(
            res.c.content_sha256 == r.c.content_sha256, res.c.kind == "set_value", res.c.section == section,
            res.c.row_key == f.c[row_col], res.c.column_key == f.c[col_col]))
    )


def _amount_type() -> Numeric:
    return Numeric(AMOUNT_TYPE.precision, AMOUNT_TYPE.scale)


def resolutions_view() -> Select:
    res, r = ref("stg_resolutions"), ref("stg_reports")
    return select(
        *res.c,
        _bool(r.c.report_id.is_not(None)).label("is_loaded"),
        func.coalesce(r.c.is_current, false()).label("is_current"),
        r.c.status.label("report_status"),
    ).select_from(res.outerjoin(r, r.c.content_sha256 == res.c.content_sha256))


def applications_wide(*, with_quarantined: bool = False) -> Select:
    a = ref("v_application_cells")
    return _wide("v_application_cells", [
        (f"{row}_{col}", and_(a.c.row_key == row, a.c.column_key == col), "count")
        for row in app_row_keys() for col in app_column_keys()
    ], with_quarantined=with_quarantined)


def review_wide(*, with_quarantined: bool = False) -> Select:
    f = ref("v_review_cells")
    return _wide("v_review_cells", [
        (f"{c.group}_{c.outcome}", and_(f.c.group_key == c.group, f.c.outcome_key == c.outcome), "count")
        for c in REVIEW_CELLS
    ], with_quarantined=with_quarantined)


def disclosure_wide(*, with_quarantined: bool = False) -> Select:
    f = ref("v_disclosure_cells")
    return _wide("v_disclosure_cells", [
        (c.name, and_(f.c.block_key == c.block, f.c.item_key == c.item, f.c.column_key == c.column),
         "amount_wan_yuan" if c.is_money else "count")
        for c in disclosure_cells()
    ], with_quarantined=with_quarantined)


def _label_case(key: ColumnElement, labels: Mapping[str, str]) -> ColumnElement:
    return case(*((key == k, literal(v)) for k, v in labels.items()))


def _ordinal_case(key: ColumnElement, keys: tuple[str, ...]) -> ColumnElement:
    return case(*((key == k, literal(i)) for i, k in enumerate(keys)))


def region_year_applications() -> Select:
    r, b, a = ref("stg_reports"), ref("stg_bureaus"), ref("v_application_cells")
    keys = [b.c.region, r.c.year, a.c.row_key, a.c.column_key]
    return (
        select(
            *keys,
            _label_case(a.c.row_key, app_row_labels()).label("row_label"),
            _label_case(a.c.column_key, app_column_labels()).label("column_label"),
            _ordinal_case(a.c.row_key, app_row_keys()).label("row_ordinal"),
            _ordinal_case(a.c.column_key, app_column_keys()).label("column_ordinal"),
            cast(func.sum(a.c["count"]), BigInteger).label("count"),
            func.count(a.c["count"]).label("n_reports"),
            cast(func.sum(case((a.c.is_blank == true(), 1), else_=0)), BigInteger).label("n_blank"),
            cast(func.sum(case((a.c.how == RESOLVED, 1), else_=0)), BigInteger).label("n_resolved"),
        )
        .select_from(r.join(a, a.c.report_id == r.c.report_id).outerjoin(b, b.c.bureau_id == r.c.bureau_id))
        .where(_current_clean(r), r.c.year.is_not(None))
        .group_by(*keys)
    )


def _region_year_rollup(facts_name: str, cell_keys: tuple[str, ...], *, with_amount: bool = False) -> Select:
    """Sum one cell mart's cells over the current, non-quarantined reports of a region and year.

    The cell marts carry the office's value where a cell was unread (``how = 'resolved'``), as
    ``v_region_year_applications`` does, so a resolved report is summed whole; ``n_resolved``
    says how many of the summed values are the office's. ``n_reports`` counts the reports
    with a value for the cell, so a reader of the sum (the city's own report) can say when
    it covers fewer reports than it admits.
    """
    r, b, f = ref("stg_reports"), ref("stg_bureaus"), ref(facts_name)
    keys = [b.c.region, r.c.year, *(f.c[k] for k in cell_keys)]
    sums = [cast(func.sum(f.c["count"]), BigInteger).label("count")]
    if with_amount:
        sums.append(cast(func.sum(f.c.amount_wan_yuan), Numeric(AMOUNT_TYPE.precision, AMOUNT_TYPE.scale))
                    .label("amount_wan_yuan"))
    value = func.coalesce(f.c["count"], f.c.amount_wan_yuan) if with_amount else f.c["count"]
    return (
        select(*keys, *sums, func.count(value).label("n_reports"),
               cast(func.sum(case((f.c.is_blank == true(), 1), else_=0)), BigInteger).label("n_blank"),
               cast(func.sum(case((f.c.how == RESOLVED, 1), else_=0)), BigInteger).label("n_resolved"))
        .select_from(r.join(f, f.c.report_id == r.c.report_id).outerjoin(b, b.c.bureau_id == r.c.bureau_id))
        .where(_current_clean(r), r.c.year.is_not(None))
        .group_by(*keys)
    )


def region_year_review() -> Select:
    return _region_year_rollup("v_review_cells", ("group_key", "outcome_key"))


def region_year_disclosure() -> Select:
    return _region_year_rollup("v_disclosure_cells", ("block_key", "item_key", "column_key"), with_amount=True)


#: Headline numbers of a region-year summary and a bureau's year-over-year: (wide view, column).
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("v_applications_wide", "new_received_total"),
    ("v_applications_wide", "carried_over_total"),
    ("v_applications_wide", "granted_total"),
    ("v_applications_wide", "partially_granted_total"),
    ("v_applications_wide", "results_total_total"),
    ("v_applications_wide", "carried_forward_total"),
    ("v_review_wide", "review_total"),
    ("v_review_wide", "litigation_direct_total"),
    ("v_review_wide", "litigation_after_review_total"),
    ("v_disclosure_wide", "art20_8_fees_fee_amount_wan_yuan"),
)


def region_year_summary() -> Select:
    wides = {name: ref(name) for name, _ in SUMMARY_COLUMNS}
    w = wides["v_applications_wide"]
    reports = ref("v_reports")
    joined = w.join(reports, reports.c.report_id == w.c.report_id)
    for name, view in wides.items():
        if view is not w:
            joined = joined.join(view, view.c.report_id == w.c.report_id)
    sums = []
    for name, col in SUMMARY_COLUMNS:
        typ = Numeric(AMOUNT_TYPE.precision, AMOUNT_TYPE.scale) if col.endswith("_wan_yuan") else BigInteger()
        sums.append(cast(func.sum(wides[name].c[col]), typ).label(col))
    return (
        select(w.c.region, w.c.year, func.count().label("n_reports"),
               cast(func.sum(case((reports.c.is_aggregate == true(), 1), else_=0)), BigInteger)
               .label("n_aggregate_reports"),
               *sums)
        .select_from(joined)
        .where(_current_clean(w), w.c.year.is_not(None))
        .group_by(w.c.region, w.c.year)
    )


YOY_COLUMNS: tuple[str, ...] = ("new_received_total", "granted_total", "results_total_total", "carried_forward_total")


def year_over_year() -> Select:
    w = ref("v_applications_wide")
    cols = [w.c[c] for c in ("bureau_id", "bureau", "region", "year", "report_id", "carried_over_total", *YOY_COLUMNS)]
    base = (select(*cols).where(_current_clean(w), w.c.bureau_id.is_not(None), w.c.year.is_not(None)))
    cur, prev = base.subquery("cur"), base.subquery("prev")
    changes = []
    for c in YOY_COLUMNS:
        changes += [cur.c[c], prev.c[c].label(f"prev_{c}"), (cur.c[c] - prev.c[c]).label(f"{c}_change")]
    consistent = case(
        (cur.c.carried_over_total.is_(None) | prev.c.carried_forward_total.is_(None), literal(None, Boolean)),
        (cur.c.carried_over_total == prev.c.carried_forward_total, true()),
        else_=false(),
    )
    return select(
        cur.c.bureau_id, cur.c.bureau, cur.c.region, cur.c.year, cur.c.report_id,
        prev.c.report_id.label("prev_report_id"), *changes,
        cur.c.carried_over_total, consistent.label("is_carry_over_consistent"),
    ).select_from(cur.outerjoin(prev, and_(prev.c.bureau_id == cur.c.bureau_id, prev.c.year == cur.c.year - 1)))


def _submissions(missing_only: bool) -> Select:
    r, b = ref("stg_reports"), ref("stg_bureaus")
    years = select(r.c.year).where(r.c.year.is_not(None)).distinct().subquery("years")
    got = (
        select(
            r.c.bureau_id, r.c.year, func.count().label("n_versions"),
            func.max(case((r.c.is_current == true(), r.c.report_id))).label("current_report_id"),
            func.max(case((r.c.is_current == true(), r.c.status))).label("current_status"),
        )
        .where(r.c.bureau_id.is_not(None), r.c.year.is_not(None))
        .group_by(r.c.bureau_id, r.c.year)
        .subquery("got")
    )
    head = [b.c.bureau_id, b.c.bureau_name, b.c.region, b.c.parent_bureau_id, b.c.level, b.c.sector,
            b.c.is_registered, years.c.year]
    source = b.join(years, true()).outerjoin(got, and_(got.c.bureau_id == b.c.bureau_id, got.c.year == years.c.year))
    if missing_only:
        return select(*head).select_from(source).where(got.c.n_versions.is_(None))
    return select(
        *head,
        func.coalesce(got.c.n_versions, 0).label("n_versions"),
        got.c.current_report_id, got.c.current_status,
        _bool(got.c.n_versions.is_not(None)).label("is_submitted"),
    ).select_from(source)


def findings_view() -> Select:
    r, f = ref("stg_reports"), ref("stg_findings")
    return select(
        f.c.report_id, f.c.year, r.c.bureau, r.c.bureau_id, r.c.layout, r.c.status, r.c.source_path,
        r.c.is_current, r.c.version_no,
        *[c for c in f.c if c.name not in ("report_id", "year")],
    ).select_from(f.join(r, r.c.report_id == f.c.report_id))


def quarantine_view() -> Select:
    r, f = ref("stg_reports"), ref("stg_findings")
    return select(
        r.c.report_id, r.c.year, r.c.bureau, r.c.bureau_id, r.c.source_path, r.c.version_no, r.c.n_errors,
        f.c.finding_no, f.c.code, f.c.message, f.c.section, f.c.row_label, f.c.column_label, f.c.source_location,
        f.c.expected, f.c.found,
    ).select_from(
        r.outerjoin(f, and_(f.c.report_id == r.c.report_id, f.c.severity == "error"))
    ).where(r.c.status == QUARANTINED, r.c.is_current == true())


_reports = report_tables["reports"]

VIEWS: tuple[View, ...] = (
    # -- staging: rename / cast only ----------------------------------------
    View("stg_reports", "staging", "one row per report version",
         "Every accepted parse, current or not, as stored: `bureau` is the name printed in the title.",
         _passthrough(_reports)),
    View("stg_bureaus", "staging", "one row per bureau",
         "The bureau registry (`name` renamed `bureau_name`, so it is not confused with the printed `bureau`).",
         _passthrough(bureaus, {"name": "bureau_name"}), columns=_BUREAU_KEY),
    View("stg_bureau_aliases", "staging", "one row per alias",
         "Former or informal names, each pointing at one bureau.", _passthrough(bureau_aliases),
         columns={"bureau_id": "the bureau the alias names"}),
    View("stg_application_facts", "staging", "one row per section 三 cell of a report version",
         "Section 三 in long form, as published.", _passthrough(report_tables["application_facts"])),
    View("stg_review_facts", "staging", "one row per section 四 cell of a report version",
         "Section 四 in long form, as published.", _passthrough(report_tables["review_facts"])),
    View("stg_disclosure_facts", "staging", "one row per section 二 cell of a report version",
         "Section 二 in long form, as published; money in 万元.", _passthrough(report_tables["disclosure_facts"])),
    View("stg_narratives", "staging", "one row per narrative section of a report version",
         "Sections 一, 五, 六 as text.", _passthrough(report_tables["narratives"])),
    View("stg_findings", "staging", "one row per finding of a report version",
         "What the parser and the checks found about each report version.", _passthrough(report_tables["findings"])),
    View("stg_resolutions", "staging", "one row per decision of the office",
         "The office's decisions (`gongkai resolve`), each on one report version's bytes.",
         _passthrough(resolutions)),
    # -- marts -----------------------------------------------------------------
    View("v_reports", "mart", "one row per report version (all versions, all statuses)",
         "Reports with their registry attributes. Filter `is_current` for the version analysts count.",
         reports_view),
    View("v_resolutions", "mart", "one row per decision of the office (all versions)",
         "Decisions on report versions: values set for unread cells, findings accepted as published, reports "
         "rejected. A decision applies to the exact bytes it was taken on (`content_sha256`): a rerun or a "
         "parser upgrade keeps it, a resubmission does not inherit it.", resolutions_view,
         columns={"is_loaded": "a report with these bytes is in the warehouse",
                  "is_current": "that report is the current version of its bureau-year",
                  "report_status": "status of that report (resolved when every error is settled)"}),
    View("v_application_cells", "mart", "one row per section 三 cell of a report version (all versions, all statuses)",
         "Section 三 in long form as published, with the office's value where a cell was unread "
         "(`how = 'resolved'`). The wide marts and roll-ups read this.",
         partial(_cells, "stg_application_facts", "三", "row_key", "column_key")),
    View("v_review_cells", "mart", "one row per section 四 cell of a report version (all versions, all statuses)",
         "Section 四 in long form as published, with the office's value where a cell was unread.",
         partial(_cells, "stg_review_facts", "四", "group_key", "outcome_key")),
    View("v_disclosure_cells", "mart", "one row per section 二 cell of a report version (all versions, all statuses)",
         "Section 二 in long form as published (money in 万元), with the office's value where a cell was unread.",
         partial(_cells, "stg_disclosure_facts", "二", "item_key", "column_key", money=True)),
    View("v_applications_wide", "mart", "one row per report version that is not quarantined (all versions)",
         "Section 三 pivoted: one column per row × applicant column of either edition. Quarantined "
         "versions are left out (see `v_applications_wide_all`); filter `is_current` for the version to "
         "count. NULL: the report has no such cell (another edition's row, or a table cut short); a blank "
         "cell is 0 (see `stg_application_facts.is_blank`).", applications_wide),
    View("v_review_wide", "mart", "one row per report version that is not quarantined (all versions)",
         "Section 四 pivoted: the 15 review and litigation numbers. Quarantined versions are left out "
         "(see `v_review_wide_all`).", review_wide),
    View("v_disclosure_wide", "mart", "one row per report version that is not quarantined (all versions)",
         "Section 二 pivoted: one column per block × item × column of either edition; money columns end in "
         "`_wan_yuan`. Quarantined versions are left out (see `v_disclosure_wide_all`).", disclosure_wide),
    View("v_applications_wide_all", "mart", "one row per report version (all versions, all statuses)",
         "`v_applications_wide` with quarantined versions kept: for the office reviewing what the gate "
         "holds back, not for counting.", partial(applications_wide, with_quarantined=True)),
    View("v_review_wide_all", "mart", "one row per report version (all versions, all statuses)",
         "`v_review_wide` with quarantined versions kept.", partial(review_wide, with_quarantined=True)),
    View("v_disclosure_wide_all", "mart", "one row per report version (all versions, all statuses)",
         "`v_disclosure_wide` with quarantined versions kept.", partial(disclosure_wide, with_quarantined=True)),
    View("v_region_year_applications", "mart",
         "one row per region × year × section 三 row × applicant column (current, non-quarantined versions only)",
         "Section 三 summed over the current, non-quarantined reports of a region and year. `region` comes from "
         "the registry (NULL: no registry, or bureau not in it). A city's own report (identity 7: the sum of "
         "its departments) is summed with its departments' when both are usable; `v_region_year_summary."
         "n_aggregate_reports` says when, and `v_reports.is_aggregate` lets a query leave such reports out.",
         region_year_applications,
         columns={"count": "sum of the cell over the reports", "n_reports": "reports that printed this cell",
                  "n_blank": "of those, reports that left it blank",
                  "n_resolved": "of those, reports whose cell was unread and carries the office's value "
                                "(`how = 'resolved'`)",
                  "row_label": "the row's label in the form (first edition declaring it)",
                  "column_label": "the applicant column's label", "row_ordinal": "sort order of the row",
                  "column_ordinal": "sort order of the column"}),
    View("v_region_year_review", "mart",
         "one row per region × year × section 四 cell (current, non-quarantined versions only)",
         "Section 四 summed like `v_region_year_applications`: what the city's own report prints.",
         region_year_review,
         columns={"count": "sum of the cell over the reports", "n_reports": "reports with a value for this cell",
                  "n_blank": "of those, reports that left it blank",
                  "n_resolved": "of those, reports whose cell was unread and carries the office's value (`how = 'resolved'`)"}),
    View("v_region_year_disclosure", "mart",
         "one row per region × year × section 二 block × item × column (current, non-quarantined versions only)",
         "Section 二 summed like `v_region_year_applications` (counts in `count`, money in `amount_wan_yuan`).",
         region_year_disclosure,
         columns={"count": "sum of the count cell over the reports (NULL for money cells)",
                  "amount_wan_yuan": "sum of the money cell over the reports, 万元 (NULL for counts)",
                  "n_reports": "reports with a value for this cell", "n_blank": "of those, reports that left it blank",
                  "n_resolved": "of those, reports whose cell was unread and carries the office's value (`how = 'resolved'`)"}),
    View("v_region_year_summary", "mart", "one row per region × year (current, non-quarantined versions only)",
         "Headline numbers summed over a region's current, non-quarantined reports of a year.",
         region_year_summary,
         columns={"n_reports": "current, non-quarantined reports summed",
                  "n_aggregate_reports": "of those, reports of a bureau with registry children (a city or county "
                                         "report that already sums its departments: counted twice if > 0)"}),
    View("v_bureau_year_over_year", "mart",
         "one row per bureau × year with a current, non-quarantined report",
         "This year's section 三 totals beside last year's (same bureau, year − 1, also current and "
         "non-quarantined; NULL when there is none), and identity 5: 上年结转 this year = 结转下年度 last year.",
         year_over_year,
         columns={"prev_report_id": "report_id of last year's current report (NULL: none usable)",
                  "is_carry_over_consistent": "identity 5: carried_over_total = prev_carried_forward_total "
                                              "(NULL: either missing)"}),
    View("v_submissions", "mart", "one row per bureau × reporting year present in the warehouse",
         "Who submitted what: every bureau of the registry (or, with no registry loaded, every bureau seen in "
         "a title) against every reporting year any report covers.",
         lambda: _submissions(False),
         columns={**_BUREAU_KEY,
                  "n_versions": "report versions received for this bureau-year (0: missing)",
                  "current_report_id": "the current version (NULL: none)",
                  "current_status": "clean / flagged / quarantined / resolved of the current version",
                  "is_submitted": "at least one version received"}),
    View("v_missing_submissions", "mart", "one row per bureau × reporting year with no report received",
         "`v_submissions` where nothing was received: the bureaus to chase.", lambda: _submissions(True),
         columns=_BUREAU_KEY),
    View("v_quarantine", "mart",
         "one row per error finding of a current, quarantined report (a quarantined report without an "
         "error finding still shows once)",
         "Why each current submission is held back; superseded versions are in `v_findings`.", quarantine_view),
    View("v_findings", "mart", "one row per finding (all versions)",
         "Findings with the bureau, layout, status, file and version of their report.", findings_view),
)

for _view in VIEWS:
    _REGISTRY[_view.name] = _view


# ---------------------------------------------------------------------------
# Column documentation shared by several views (per-view ``columns`` override)
# ---------------------------------------------------------------------------

COLUMN_DOCS: dict[str, str] = {
    "report_id": "the report version: first 20 hex digits of the file's SHA-256 (same bytes, same report)",
    "year": "reporting year the statistics cover (NULL: not found in the document)",
    "bureau": "publishing bureau as printed in the title (NULL: not found)",
    "bureau_id": "the registry bureau the printed name resolves to, by name or alias (NULL: unresolved)",
    "bureau_name": "the bureau's name in the registry",
    "region": "region of the bureau, from the registry",
    "parent_bureau_id": "the bureau this one reports under, from the registry",
    "level": "administrative level, from the registry",
    "sector": "sector, from the registry",
    "is_registered": "true: from the office's registry CSV; false: created from a report title",
    "alias": "a former or informal name of the bureau",
    "layout": "form edition the report follows: 2019 or 2021",
    "status": "clean / flagged (warnings) / quarantined (errors) / resolved (every error settled by the "
              "office's decisions, `v_resolutions`)",
    "title": "the report's title line",
    "source_path": "the file the report was read from",
    "content_sha256": "SHA-256 of the file's bytes",
    "carrier": "file type read: txt, html, docx, pdf, xlsx, md",
    "encoding": "text encoding detected",
    "parser_version": "version of the parser that read it",
    "run_id": "ingest run that loaded it (ingest_runs.run_id)",
    "n_errors": "error findings",
    "n_warnings": "warning findings",
    "n_blank_cells": "table cells the document left blank",
    "loaded_at": "when this version's rows were last (re)loaded",
    "version_key": "what versions are versions of: `bureau:<bureau_id>|year:<year>`, "
                   "`name:<printed name>|year:<year>` when unresolved, `path:<file>` when bureau or year is unknown",
    "version_no": "1, 2, ... in order of acceptance within version_key",
    "is_current": "the version analysts count: not superseded by a later version of the same key or file",
    "load_seq": "warehouse-wide order of first acceptance",
    "accepted_at": "when this content was first loaded",
    "superseded_at": "when the version that replaced it was accepted (NULL: current)",
    "superseded_by": "report_id of the version that replaced it (NULL: current)",
    "is_quarantined": "status = 'quarantined'",
    "is_aggregate": "the bureau is the registry parent of other bureaus: its report sums theirs (identity 7)",
    "row_key": "section 三 row (dim_app_row.row_key)",
    "column_key": "applicant column (dim_app_column.column_key) or section 二 column",
    "count": "the published number (a blank cell is 0; NULL: unreadable)",
    "is_blank": "the document left the cell blank (NULL: cannot tell)",
    "is_recovered": "the value was recovered from run-together text by the identities",
    "how": "how the value was read: printed, split_unique, split_by_row_sum, split_by_column_identity, "
           "split_by_narrative, split_by_last_year, split_by_habit, split_by_other_carrier, from_group_row; "
           "in the cell marts also "
           "resolved (the office's value for an unread cell) and, for facts loaded before schema 5, "
           "recovered/printed; NULL: unread, nothing decided",
    "raw_text": "the cell as printed",
    "source_location": "where in the file: line, or table/row/column",
    "group_key": "section 四 group: review, litigation_direct, litigation_after_review",
    "outcome_key": "section 四 outcome: upheld, corrected, other, pending, total",
    "block_key": "section 二 block: art20_1, art20_5, ... (第二十条第（X）项)",
    "item_key": "section 二 item (row of the block)",
    "amount_wan_yuan": "money in 万元 (NULL for counts)",
    "section_key": "narrative section: overview, problems, other",
    "text": "the section's text",
    "finding_no": "order of the finding within its report",
    "code": "finding rule id",
    "severity": "error / warning / info",
    "message": "what is wrong, in Chinese",
    "section": "section 一…六 the finding is about",
    "row_label": "row the finding is about",
    "column_label": "column the finding is about",
    "expected": "what the identity or rule expected",
    "found": "what the document says",
    "resolution_id": "the office's decision (v_resolutions); on a cell: the decision that gave its value",
    "kind": "set_value (a value for an unread cell) / accept (admitted despite the finding) / reject "
            "(held back until a corrected file)",
    "finding_code": "accept: the finding code accepted as published",
    "value": "set_value: the value the office read for the cell (万元 for money cells)",
    "note": "why: where the value comes from, or why the finding is accepted",
    "decided_by": "who decided",
    "decided_at": "when",
}


def view_column_docs(view: View) -> dict[str, str]:
    """Description of every column of a view; generated for pivot columns, KeyError if one is missing."""
    generated: dict[str, str] = {}
    rows, cols = app_row_labels(), app_column_labels()
    for row in app_row_keys():
        for col in app_column_keys():
            generated[f"{row}_{col}"] = f"三 {rows[row]} × {cols[col]}"
    for c in REVIEW_CELLS:
        generated[f"{c.group}_{c.outcome}"] = f"四 {c.group_label} · {c.outcome_label}"
    for d in disclosure_cells():
        generated[d.name] = f"二 {d.label}" + ("; 万元" if d.is_money else "")
    for c in YOY_COLUMNS:
        generated[f"prev_{c}"] = f"last year's `{c}`"
        generated[f"{c}_change"] = f"`{c}` − `prev_{c}`"
    if view.name == "v_region_year_summary":
        for _, c in SUMMARY_COLUMNS:
            generated[c] = f"sum of `{c}` ({generated[c]})"
    docs: dict[str, str] = {}
    for column in view.build().selected_columns:
        name = column.name
        text = view.columns.get(name) or COLUMN_DOCS.get(name) or generated.get(name)
        if not text:
            raise KeyError(f"view {view.name}: column {name!r} has no description")
        docs[name] = text
    return docs


# ---------------------------------------------------------------------------
# DDL
# ---------------------------------------------------------------------------

def view_sql(view: View, conn: Connection) -> str:
    """The view's SELECT compiled for this connection's dialect, constants inlined."""
    compiled = view.build().compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def drop_views(conn: Connection) -> None:
    """Drop every view gongkai creates (dependents first), including names of older versions."""
    quote = conn.dialect.identifier_preparer.quote
    for name in [v.name for v in reversed(VIEWS)] + list(LEGACY_VIEWS):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {quote(name)}")


def create_views(conn: Connection) -> None:
    """(Re)create every view in dependency order, so a spec change reaches the views on the next open."""
    drop_views(conn)
    quote = conn.dialect.identifier_preparer.quote
    for view in VIEWS:
        conn.exec_driver_sql(f"CREATE VIEW {quote(view.name)} AS {view_sql(view, conn)}")
