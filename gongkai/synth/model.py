"""A carrier-neutral document: paragraphs and span tables, built once from the spec.

Every renderer (txt, html, docx, xlsx, pdf) draws the same ``Doc``, so the five
carriers of one report carry the same text and the same numbers — as the five
carriers of real report 030 do. Row lists, labels and column order are read from
``transforms.spec``; nothing here types a row label. Tables use HTML semantics:
each row lists only the cells that start in it, with rowspan/colspan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from gongkai.synth import mess, narrative
from gongkai.synth.mess import MessPlan
from gongkai.synth.truth import ReportTruth
from transforms.spec import REVIEW_CELLS, REVIEW_GROUP_KEYS, Layout

NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS_HEADER = "申请人情况"
ORGS_HEADER = "法人或其他组织"
SUBTOTAL = "小计"
LABEL_COLS = 3  # section 三: group · subgroup · row label


@dataclass
class Cell:
    text: str  # "\n" marks a line break inside the cell (<br/> in HTML)
    rowspan: int = 1
    colspan: int = 1
    role: str = "value"  # value | label | header | note


@dataclass
class Table:
    section: str  # 二 / 三 / 四
    rows: list[list[Cell]]
    ncols: int
    header_rows: int = 0


@dataclass
class Para:
    text: str
    role: str = "body"  # title | meta | heading | body | page | signature


Block = Para | Table


@dataclass
class Doc:
    title: str
    blocks: list[Block] = field(default_factory=list)
    sections: dict[str, list[Block]] = field(default_factory=dict)  # section number -> its blocks (xlsx sheets)


def grid(table: Table) -> list[list[tuple[Cell, bool, bool] | None]]:
    """Expand spans: each position holds (cell, is_origin_row, is_origin_col) or None if unfilled."""
    nrows = len(table.rows)
    out: list[list[tuple[Cell, bool, bool] | None]] = [[None] * table.ncols for _ in range(nrows)]
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while c < table.ncols and out[r][c] is not None:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if r + dr < nrows and c + dc < table.ncols:
                        out[r + dr][c + dc] = (cell, dr == 0, dc == 0)
            c += cell.colspan
    return out


# ---------------------------------------------------------------- builder

@dataclass
class _Ctx:
    rng: random.Random
    truth: ReportTruth
    plan: MessPlan
    blanks: set[tuple[Any, ...]]

    def num(self, cid: tuple[Any, ...], *, money: bool = False) -> str:
        value = mess.value_of(self.truth, cid)
        return mess.fmt_number(self.rng, self.plan, value, money=money, blank=cid in self.blanks)

    def derived(self, value: int) -> str:
        """A subtotal the bureau added: printed in the bureau's style, not part of the truth."""
        return mess.fmt_number(self.rng, self.plan, value, money=False, blank=value == 0 and self.plan.blank_share == 1.0)


def title_text(truth: ReportTruth, plan: MessPlan) -> str:
    if plan.title_style == "spaced":
        return f"{truth.bureau.name} {truth.title_year} 年政府信息公开工作年度报告"
    if plan.title_style == "年度":
        return f"{truth.bureau.name}{truth.title_year}年度政府信息公开工作年度报告"
    return f"{truth.bureau.name}{truth.title_year}年政府信息公开工作年度报告"


_HEADING_VARIANTS = {
    "一": "概述",
    "四": "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
    "五": "政府信息公开工作存在的主要问题及改进情况",
}


def heading(number: str, label: str, plan: MessPlan) -> Para:
    if plan.heading_variants and number in _HEADING_VARIANTS:
        label = _HEADING_VARIANTS[number]
    if number == "四" and plan.review_heading:
        label = plan.review_heading
    return Para(f"{number}、{label}", "heading")


def build_active(ctx: _Ctx) -> list[Block]:
    """Section 二: one table for all blocks (030) or one per block (seed)."""
    layout, plan = ctx.truth.layout, ctx.plan
    width = 1 + max(len(b.columns) for b in layout.blocks)
    tables: list[Block] = []
    rows: list[list[Cell]] = []
    for bi, block in enumerate(layout.blocks):
        ncols = width if plan.section2_tables == "one" else 1 + len(block.columns)
        spans = [1] * len(block.columns)
        spans[-1] += ncols - 1 - len(block.columns)
        head = [Cell("信息内容", role="header")]
        for col, span in zip(block.columns, spans):
            label = mess.column_label(col.label, col.key, plan)
            if col.kind == "money" and "万元" not in label and ctx.rng.random() < 0.6:
                label += "（单位：万元）"
            head.append(Cell(label, colspan=span, role="header"))
        rows += [[Cell(block.label, colspan=ncols, role="header")], head]
        for item in block.items:
            row = [Cell(mess.item_label(item.label, item.key, layout.id, plan), role="label")]
            for col, span in zip(block.columns, spans):
                row.append(Cell(ctx.num(("二", block.key, item.key, col.key), money=col.kind == "money"), colspan=span))
            rows.append(row)
        if plan.section2_tables == "per_block":
            tables.append(Table("二", rows, ncols))
            rows = []
            if plan.narrative_between and bi == 1:
                tables.append(Para(narrative.between_tables(ctx.rng, ctx.truth)))
    if rows:
        tables.append(Table("二", rows, width))
    return tables


@dataclass
class _LRow:
    """A logical section 三 row before spans: outer/inner are the merged group labels."""

    outer: str | None
    inner: str | None
    label: str
    values: list[str]


def _app_header(ctx: _Ctx, nvalues: int) -> list[list[Cell]]:
    layout, plan = ctx.truth.layout, ctx.plan
    labels = {c.key: c.label for c in layout.app_columns}
    orgs = [c.key for c in layout.app_columns if c.key not in ("natural_person", "total")]
    note = Cell(NOTE if plan.note_in_header else "", rowspan=3, colspan=LABEL_COLS, role="note")
    split = ctx.rng.random() < 0.5  # "商业\n企业" as the narrow columns of 030 print it
    org_cells = [Cell(_break2(labels[k]) if split and len(labels[k]) == 4 else labels[k], role="header") for k in orgs]
    if plan.subtotal_column:
        org_cells.append(Cell(SUBTOTAL, role="header"))
    n_orgs = len(org_cells)
    if plan.header_template == "A":
        return [
            [note, Cell(APPLICANTS_HEADER, colspan=nvalues, role="header")],
            [Cell(labels["natural_person"], rowspan=2, role="header"), Cell(ORGS_HEADER, colspan=n_orgs, role="header"),
             Cell(labels["total"], rowspan=2, role="header")],
            org_cells,
        ]
    return [
        [note, Cell(APPLICANTS_HEADER, colspan=nvalues - 1, role="header"), Cell(labels["total"], rowspan=3, role="header")],
        [Cell(labels["natural_person"], rowspan=2, role="header"), Cell(ORGS_HEADER, colspan=n_orgs, role="header")],
        org_cells,
    ]


def _break2(label: str) -> str:
    return label[:2] + "\n" + label[2:]


def _app_values(ctx: _Ctx, row_key: str) -> list[str]:
    layout = ctx.truth.layout
    cols = layout.app_column_keys
    vals = [ctx.num(("三", row_key, ci)) for ci in range(len(cols))]
    if ctx.plan.subtotal_column:
        published = ctx.truth.applications[row_key]
        org_sum = sum(published[ci] for ci, c in enumerate(cols) if c not in ("natural_person", "total"))
        vals.insert(len(cols) - 1, ctx.derived(org_sum))
    return vals


def _subtotal_values(ctx: _Ctx, members: list[str]) -> list[str]:
    apps = ctx.truth.applications
    cols = ctx.truth.layout.app_column_keys
    sums = [sum(apps[m][ci] for m in members) for ci in range(len(cols))]
    vals = [ctx.derived(v) for v in sums]
    if ctx.plan.subtotal_column:
        vals.insert(len(cols) - 1, ctx.derived(sum(v for ci, v in enumerate(sums) if cols[ci] not in ("natural_person", "total"))))
    return vals


def _logical_rows(ctx: _Ctx) -> list[tuple[str, _LRow]]:
    """(row key or '', logical row) in printed order, subtotal rows included."""
    layout, plan = ctx.truth.layout, ctx.plan
    groups = {g.key: g for g in layout.app_groups}
    outer = mess.group_label(groups["results"].label, "results", plan)
    out: list[tuple[str, _LRow]] = []
    rows = list(layout.app_rows)
    i = 0
    while i < len(rows):
        row = rows[i]
        label = mess.row_label(row.label, row.key, plan)
        if row.group is None:
            out.append((row.key, _LRow(None, None, label, _app_values(ctx, row.key))))
            i += 1
            continue
        if row.group == "results":
            out.append((row.key, _LRow(outer, None, label, _app_values(ctx, row.key))))
            i += 1
            continue
        members = [r for r in rows[i:] if r.group == row.group]
        glabel = mess.group_label(groups[row.group].label, row.group, plan)
        if row.group == "other" and plan.other_single_row:
            # the 2019 habit under the 2021 form: one （六）其他处理 row carrying the sum of its three sub-rows
            out.append(("", _LRow(outer, None, glabel, _subtotal_values(ctx, [m.key for m in members]))))
            i += len(members)
            continue
        if plan.subtotal_rows == "head":
            out.append(("", _LRow(outer, None, glabel, _subtotal_values(ctx, [m.key for m in members]))))
            for m in members:
                out.append((m.key, _LRow(outer, None, mess.row_label(m.label, m.key, plan), _app_values(ctx, m.key))))
        else:
            for m in members:
                out.append((m.key, _LRow(outer, glabel, mess.row_label(m.label, m.key, plan), _app_values(ctx, m.key))))
            if plan.subtotal_rows == "after":
                out.append(("", _LRow(outer, glabel, SUBTOTAL, _subtotal_values(ctx, [m.key for m in members]))))
        i += len(members)
    return out


def _lay_out(lrows: list[_LRow]) -> list[list[Cell]]:
    """Logical rows to span rows: equal consecutive group labels merge into one rowspan."""
    out: list[list[Cell]] = []
    open_outer: Cell | None = None
    open_inner: Cell | None = None
    prev: _LRow | None = None
    for lr in lrows:
        cells: list[Cell] = []
        if lr.outer is None:
            open_outer = open_inner = None
            cells.append(Cell(lr.label, colspan=LABEL_COLS, role="label"))
        else:
            if open_outer is not None and prev is not None and prev.outer == lr.outer:
                open_outer.rowspan += 1
            else:
                open_outer = Cell(lr.outer, role="label")
                cells.append(open_outer)
                open_inner = None
            if lr.inner is None:
                open_inner = None
                cells.append(Cell(lr.label, colspan=2, role="label"))
            else:
                if open_inner is not None and prev is not None and prev.inner == lr.inner:
                    open_inner.rowspan += 1
                else:
                    open_inner = Cell(lr.inner, role="label")
                    cells.append(open_inner)
                cells.append(Cell(lr.label, role="label"))
        cells.extend(Cell(v) for v in lr.values)
        out.append(cells)
        prev = lr
    return out


def build_applications(ctx: _Ctx) -> list[Block]:
    """Section 三, split in two tables with the header repeated when a page break falls inside it.

    With ``plan.row_split`` the row at the break is split across it: its label (and, for
    "numbers", its first numbers) closes the first table; the next table opens with a
    row of no label holding the rest, under the repeated header or straight after the break.
    """
    plan = ctx.plan
    nvalues = len(ctx.truth.layout.app_column_keys) + (1 if plan.subtotal_column else 0)
    ncols = LABEL_COLS + nvalues
    keyed = _logical_rows(ctx)
    parts: list[list[_LRow]] = [[]]
    for key, lr in keyed:
        parts[-1].append(lr)
        if plan.page_break_after and key == plan.page_break_after:
            if plan.row_split:
                kept = 0 if plan.row_split == "label" else ctx.rng.randint(1, len(lr.values) - 1)
                parts[-1][-1] = _LRow(lr.outer, lr.inner, lr.label, lr.values[:kept] + [""] * (len(lr.values) - kept))
                parts.append([_LRow(None, None, "", [""] * kept + lr.values[kept:])])
            else:
                parts.append([])
    blocks: list[Block] = []
    for pi, part in enumerate(p for p in parts if p):
        if pi:
            blocks.append(Para(f"- {ctx.rng.randint(2, 6)} -", "page"))
        header = _app_header(ctx, nvalues) if not (pi and plan.row_split and not plan.row_split_header) else []
        blocks.append(Table("三", header + _lay_out(part), ncols, header_rows=len(header)))
    return blocks


def build_review(ctx: _Ctx) -> Table:
    """Section 四: two header rows of groups, one of outcomes, one of 15 numbers."""
    plan = ctx.plan
    groups = {}
    for cell in REVIEW_CELLS:
        groups.setdefault(cell.group, cell.group_label)
    review_label = mess.review_group_label(groups[REVIEW_GROUP_KEYS[0]], plan)
    lit_top = groups[REVIEW_GROUP_KEYS[1]].split("·")[0]
    lit_subs = [groups[g].split("·")[-1] for g in REVIEW_GROUP_KEYS[1:]]
    brk = ctx.rng.random() < 0.5
    outcomes = [(_break2(c.outcome_label) if brk and len(c.outcome_label) == 4 else c.outcome_label) for c in REVIEW_CELLS[:5]]
    rows = [
        [Cell(review_label, colspan=5, role="header"), Cell(lit_top, colspan=10, role="header")],
        [Cell(o, rowspan=2, role="header") for o in outcomes] + [Cell(s, colspan=5, role="header") for s in lit_subs],
        [Cell(o, role="header") for o in outcomes * 2],
        [Cell(ctx.num(("四", i))) for i in range(15)],
    ]
    return Table("四", rows, 15, header_rows=3)


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def build_doc(rng: random.Random, truth: ReportTruth, plan: MessPlan, blanks: set[tuple[Any, ...]]) -> Doc:
    """The whole report in reading order; narratives are stored into the truth as they are written."""
    ctx = _Ctx(rng, truth, plan, blanks)
    layout: Layout = truth.layout
    title = title_text(truth, plan)
    doc = Doc(title)
    if plan.title_layout == "split":
        # a long title broken over two lines, after the bureau or in the middle of the words
        cut = len(truth.bureau.name) if rng.random() < 0.5 else len(title) - rng.randint(4, 8)
        front: list[Block] = [Para(title[:cut].strip(), "title"), Para(title[cut:].strip(), "title")]
    elif plan.title_layout == "signature_only":
        front = []  # the page/file title (HTML <title>, a crawler's header) still names it
    else:
        front = [Para(title, "title")]
    if plan.level >= 2 or rng.random() < 0.3:
        front.append(Para(f"发布时间：{truth.publication_date}", "meta"))
    front.append(Para(narrative.intro(truth)))
    secs: dict[str, list[Block]] = {}
    spec = {s.number: s for s in layout.sections}
    over = narrative.overview(rng, truth)
    secs["一"] = [heading("一", spec["一"].label, plan)] + [Para(p) for p in over]
    secs["二"] = [heading("二", spec["二"].label, plan)] + build_active(ctx)
    secs["三"] = [heading("三", spec["三"].label, plan)] + build_applications(ctx)
    if plan.narrative_between:
        secs["三"].append(Para(narrative.between_tables(rng, truth)))
    secs["四"] = [heading("四", spec["四"].label, plan), build_review(ctx)]
    probs = narrative.problems(rng, truth)
    secs["五"] = [heading("五", spec["五"].label, plan)] + [Para(p) for p in probs]
    other = narrative.other_matters(rng, truth)
    secs["六"] = [heading("六", spec["六"].label, plan)] + [Para(p) for p in other]
    truth.narratives = {"overview": "\n".join(over), "problems": "\n".join(probs), "other": "\n".join(other)}
    if plan.signature:
        secs["六"] += [Para(truth.bureau.name, "signature"), Para(_cn_date(truth.publication_date), "signature")]
    doc.blocks = front + [b for n in "一二三四五六" for b in secs[n]]
    doc.sections = {"前言": front, **secs}
    return doc


