"""The review site's HTML: an index of bureau-years and one page per report version.

Pages are self-contained (inline CSS and a few lines of inline JavaScript, no
external reference of any kind) so they open from ``file://`` on an office machine
without a network; Chinese renders in the system's CJK font (Noto/WenQuanYi on
Linux, PingFang or YaHei elsewhere). Every table is laid out from
``transforms.spec`` — sections 二, 三 and 四 as the State Council prints them — and
every cell's state comes from ``review.cells.cell_state``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from html import escape
from pathlib import PurePosixPath
from typing import Any

from review.cells import (
    STATE_LABELS,
    STATES,
    CellKey,
    FindingView,
    candidates_by_cell,
    cell_state,
    distinct_values,
    finding_view,
    reading_cells,
)
from review.data import ReportData, SiteData
from transforms.spec import LAYOUTS, REVIEW_CELLS, Layout
from warehouse.resolutions import Resolution, format_value

STATUS_LABELS = {
    "clean": "通过", "flagged": "有警告", "quarantined": "隔离（有错误）", "resolved": "已处理（公开办认定）",
    "missing": "未报送",
}
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Serif CJK SC","WenQuanYi Zen Hei","WenQuanYi Micro Hei","PingFang SC",
"Microsoft YaHei","SimSun",sans-serif;margin:1.5em;color:#222;font-size:14px}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #bbb}
h3{font-size:1em;margin:1em 0 .3em}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #888;padding:.25em .45em;vertical-align:middle}
th{background:#f1f1f1;font-weight:normal}
table.form td.label{text-align:left}table.form td.cell{text-align:right;min-width:3.2em;position:relative}
table.list td,table.list th{border-color:#ccc;text-align:left}td.num{text-align:right}
.st-printed{background:#fff}.st-blank{background:#fafafa;color:#777}
.st-recovered{background:#e8f1fb}.st-evidence{background:#efe6fa}.st-resolved{background:#e3f5e1}
.st-null{background:#fde2e2}.st-failed_identity{background:#fff1cc}
.badge{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.85em;border:1px solid #999}
.b-clean{background:#e3f5e1}.b-flagged{background:#fff1cc}.b-quarantined{background:#fde2e2}
.b-resolved{background:#d7ecff}.b-missing{background:#eee;color:#666}
.error{color:#b00020}.warning{color:#9a5b00}.info{color:#555}
.fm{font-size:.75em;vertical-align:super;text-decoration:none;color:#b00020;margin-left:.1em}
.tip{display:none;position:absolute;z-index:5;left:0;top:100%;min-width:18em;max-width:32em;background:#fffffe;
border:1px solid #666;padding:.4em;text-align:left;font-size:.85em;box-shadow:2px 2px 4px #aaa;white-space:normal}
td.cell:hover .tip,td.cell:focus-within .tip{display:block}
code,pre{font-family:"Noto Sans Mono CJK SC","WenQuanYi Zen Hei Mono",monospace;font-size:.9em}
pre.cmd{background:#f6f6f6;border:1px solid #ddd;padding:.3em .5em;margin:.2em 0;white-space:pre-wrap;word-break:break-all}
.legend span{margin-right:.6em;padding:0 .3em;border:1px solid #ccc}
.meta td:first-child{color:#555;white-space:nowrap}.muted{color:#777}
.filters{margin:.6em 0}.filters label{margin-right:.8em}
@media print{.tip,.cmds,.filters{display:none}}
"""

INDEX_JS = """
(function(){
  function apply(){
    var q=document.getElementById('q').value.trim();
    var y=document.getElementById('year').value;
    var on={};document.querySelectorAll('input[name=status]').forEach(function(c){on[c.value]=c.checked;});
    var shown=0;
    document.querySelectorAll('#reports tbody tr').forEach(function(tr){
      var ok=on[tr.dataset.status]&&(!y||tr.dataset.year===y)&&(!q||tr.dataset.bureau.indexOf(q)>=0);
      tr.style.display=ok?'':'none';if(ok)shown++;
    });
    document.getElementById('shown').textContent=shown;
  }
  document.querySelectorAll('.filters input,.filters select').forEach(function(e){
    e.addEventListener('input',apply);e.addEventListener('change',apply);});
  apply();
})();
"""


@lru_cache(maxsize=1 << 16)
def _esc(text: str) -> str:
    return escape(text)


def _e(v: object) -> str:
    if v is None:
        return ""
    return _esc(v if isinstance(v, str) else str(v))


@lru_cache(maxsize=4096)
def _cell_attrs(key: CellKey) -> str:
    s, r, c = (escape(k) for k in key)
    return f'id="c-{s}-{r}-{c}" data-section="{s}" data-row="{r}" data-column="{c}"'


#: States a cell with no finding or decision on it can have, shown with the browser's plain tooltip.
_PLAIN_STATES = frozenset({"printed", "blank", "recovered"})
#: The start of such a cell's tooltip (state labels hold no character HTML escapes).
_PLAIN_TITLES = {s: f"{STATE_LABELS[s]}：原文“" for s in ("printed", "blank", "recovered")}


def _num(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format_value(v)
    return str(v)


def _page(title: str, body: str, script: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{body}{js}</body></html>\n")


def report_href(report_id: str) -> str:
    return f"reports/{report_id}.html"


def _badge(status: str) -> str:
    return f'<span class="badge b-{_e(status)}">{_e(STATUS_LABELS.get(status, status))}</span>'


def _year_text(year: Any) -> str:
    return "年份不明" if year is None else f"{year}年"


# ---------------------------------------------------------------------------
# Index
# ---------------------------------------------------------------------------

def _is_rejected(data: ReportData) -> bool:
    return any(r.kind == "reject" for r in data.decisions)


def settled_errors(data: ReportData, views: Sequence[FindingView] | None = None) -> int:
    """Error findings the office's decisions settle (shown beside the error count, never subtracted)."""
    from warehouse.resolutions import ErrorFinding, resolves

    unread = {k for k, c in data.cells.items() if c.published is None}
    views = views if views is not None else _finding_views(data)
    n = 0
    for f in views:
        if f.severity != "error":
            continue
        ef = ErrorFinding(f.code, f.section, f.row_key, f.column_key, bool(f.row_label), bool(f.column_label))
        n += resolves(ef, data.decisions, unread)
    return n


def render_index(site: SiteData, title: str) -> str:
    current = [d for d in site.reports.values() if d.report["is_current"]]
    current.sort(key=lambda d: (d.report["year"] is None, d.report["year"] or 0, d.report["region"] or "",
                                d.report["bureau"] or "", d.report["source_path"] or ""))
    counts: dict[str, int] = {}
    keyed: list[tuple[tuple, str]] = []
    for d in current:
        r = d.report
        status = r["status"]
        counts[status] = counts.get(status, 0) + 1
        settled = settled_errors(d) if d.decisions else 0
        name = r["bureau"] or f"（单位不明：{PurePosixPath(r['source_path'] or '').name}）"
        note = ' <span class="badge b-quarantined">已退回，待更正</span>' if _is_rejected(d) else ""
        keyed.append(((r["year"] is None, r["year"] or 0, r["region"] or "", r["bureau"] or "", r["source_path"] or ""),
            f'<tr data-status="{_e(status)}" data-year="{_e(r["year"] or "")}" data-bureau="{_e(name)}" '
            f'data-report="{_e(r["report_id"])}">'
            f'<td><a href="{report_href(r["report_id"])}">{_e(name)}</a></td><td>{_e(r["region"] or "")}</td>'
            f'<td>{_e(_year_text(r["year"]))}</td><td>{_badge(status)}{note}</td>'
            f'<td class="num errors">{r["n_errors"]}</td><td class="num settled">{settled if settled else ""}</td>'
            f'<td class="num warnings">{r["n_warnings"]}</td><td class="num">{r["version_no"]}</td>'
            f'<td>{_e(r["carrier"])}</td></tr>'))
    for m in site.missing:
        counts["missing"] = counts.get("missing", 0) + 1
        keyed.append(((m["year"] is None, m["year"] or 0, m["region"] or "", m["bureau_name"] or "", ""),
            f'<tr data-status="missing" data-year="{_e(m["year"] or "")}" data-bureau="{_e(m["bureau_name"])}">'
            f'<td>{_e(m["bureau_name"])}</td><td>{_e(m["region"] or "")}</td><td>{_e(_year_text(m["year"]))}</td>'
            f'<td>{_badge("missing")}</td><td class="num"></td><td class="num"></td><td class="num"></td>'
            f'<td class="num">0</td><td></td></tr>'))
    rows = [html for _, html in sorted(keyed, key=lambda kv: kv[0])]
    statuses = ["quarantined", "resolved", "flagged", "clean", "missing"]
    boxes = "".join(f'<label><input type="checkbox" name="status" value="{s}" checked> {_badge(s)} '
                    f'<span class="count" data-status="{s}">{counts.get(s, 0)}</span></label>' for s in statuses)
    years = "".join(f'<option value="{_e(y if y is not None else "")}">{_e(_year_text(y))}</option>'
                    for y in site.years)
    body = f"""<h1>{_e(title)}</h1>
<p>每个单位每个年度一行（当前版本）；点击单位名称查看报告逐格核对页。错误数是报告的全部错误发现（解析与核查），
“已处理”是其中公开办已认定的数目；已处理的报告计入统计视图。</p>
<div class="filters">{boxes}<br>
<label>年度 <select id="year"><option value="">全部</option>{years}</select></label>
<label>单位 <input id="q" type="search" placeholder="单位名称"></label> 显示 <span id="shown">{len(rows)}</span> 行</div>
<table class="list" id="reports"><thead><tr><th>单位</th><th>地区</th><th>年度</th><th>状态</th><th>错误</th>
<th>已处理</th><th>警告</th><th>版本</th><th>载体</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table>
<p class="muted">状态：通过＝无错误无警告；有警告；隔离＝有错误，不计入统计；已处理＝全部错误已由公开办认定（gongkai resolve）；
未报送＝名册中的单位本年度没有报告。</p>"""
    return _page(title, body, INDEX_JS)


# ---------------------------------------------------------------------------
# One report version
# ---------------------------------------------------------------------------

def _finding_views(data: ReportData) -> list[FindingView]:
    layout = LAYOUTS.get(data.report["layout"] or "")
    unread = {k for k, c in data.cells.items() if c.published is None}
    return [finding_view(layout, data.report["layout"], f, unread) for f in data.findings]


_NEEDS_QUOTES = re.compile(r"[\s\"'$`\\;&|<>()]")


def _cmd(parts: Sequence[str]) -> str:
    """A shell command line (POSIX quoting where needed) the clerk can copy."""
    out = []
    for p in parts:
        if p == "" or _NEEDS_QUOTES.search(p):
            out.append('"' + p.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"')
        else:
            out.append(p)
    return " ".join(out)


def accept_command(report_id: str, f: FindingView) -> str:
    parts = ["gongkai", "resolve", "accept", report_id, "--finding", f.code]
    if f.section in ("二", "三", "四") and (f.row_key or f.column_key):
        parts += ["--section", f.section]
        if f.row_key:
            parts += ["--row", f.row_key]
        if f.column_key:
            parts += ["--column", f.column_key]
    return _cmd(parts + ["--note", "核对说明：已与报送单位确认，按原文接受"])


def value_commands(report_id: str, layout: Layout, f: FindingView, unread: set[CellKey]) -> list[tuple[str, str]]:
    """``(what, command)`` for setting the unread cells a finding covers: one per candidate reading, or per cell."""
    from review.cells import candidate_readings

    cells = [c for c in f.cells if c in unread]
    if not cells:
        return []
    out: list[tuple[str, str]] = []
    from warehouse.resolutions import layout_cells

    kinds = layout_cells(layout)
    # readings are in the printed unit (元 or 万元): a money cell is typed by hand, in 万元
    if f.code == "cell.split_ambiguous" and all(kinds[c].kind != "money" for c in cells):
        order = reading_cells(layout, f.section or "", f.row_key)
        for n, reading in enumerate(candidate_readings(f.message, len(order)), start=1):
            by_row: dict[str, list[str]] = {}
            for cell, value in zip(order, reading):
                if cell in unread:
                    by_row.setdefault(cell[1], []).append("0" if value is None else format_value(value))
            shown = " · ".join("空" if v is None else format_value(v) for v in reading)
            for row, values in by_row.items():
                out.append((f"读法{n}：{shown}", _cmd(["gongkai", "resolve", "set", report_id, "--section", f.section or "",
                                                    "--row", row, "--values", ",".join(values),
                                                    "--note", f"按读法{n}，已核对原件"])))
        if out:
            return out
    for c in cells:
        unit = "（万元）" if kinds[c].kind == "money" else ""
        out.append((cell_label(layout, *c) + unit, _cmd(["gongkai", "resolve", "set", report_id, "--section", c[0], "--row", c[1],
                                             "--column", c[2], "--value", "数值", "--note", "已核对原件"])))
    return out


class _Marks:
    """Per cell: the findings on it and whether one is a broken identity."""

    def __init__(self, views: Sequence[FindingView]) -> None:
        self.by_cell: dict[CellKey, list[FindingView]] = {}
        for f in views:
            for c in f.cells:
                self.by_cell.setdefault(c, []).append(f)

    def failed_identity(self, key: CellKey) -> bool:
        return any(f.is_identity and f.severity == "error" for f in self.by_cell.get(key, ()))


@lru_cache(maxsize=256)
def _plain_state(how: str | None, is_blank: bool | None, is_recovered: bool | None) -> str:
    """``cell_state`` of a read cell no finding marks and no decision concerns (most cells of a page)."""
    return cell_state(0, is_blank=is_blank, is_recovered=is_recovered, how=how)


def _cell_td(data: ReportData, key: CellKey, marks: _Marks, candidates: dict, decisions: dict[CellKey, Resolution],
             unit: str = "") -> str:
    cell = data.cells.get(key)
    if (cell is not None and cell.published is not None and cell.resolution_id is None
            and key not in marks.by_cell and key not in decisions and key not in candidates):
        # the common cell (no finding, decision or candidate on it): value, state, and the printed text as
        # the browser's own tooltip
        state = _plain_state(cell.how, cell.is_blank, cell.is_recovered)
        if state in _PLAIN_STATES:
            value, loc = cell.value, cell.source_location
            shown = str(value) if type(value) is int else _num(value)
            raw = cell.raw_text
            title = (f"{_PLAIN_TITLES[state]}{_esc(raw) if type(raw) is str else _e(f'{raw}')}”"
                     + (f"（{_esc(loc) if type(loc) is str else _e(loc)}）" if loc else ""))
            return (f'<td class="cell st-{state}" {_cell_attrs(key)} data-state="{state}" data-value="{shown}" '
                    f'title="{title}">{shown}</td>')
    findings = marks.by_cell.get(key, [])
    if cell is None:
        state, value, raw, loc = "absent", None, None, None
        label = "报告中没有此格"
    else:
        state = cell_state(cell.published, is_blank=cell.is_blank, is_recovered=cell.is_recovered,
                           resolved=cell.resolution_id is not None,
                           failed_identity=bool(findings) and marks.failed_identity(key), how=cell.how)
        value, raw, loc = cell.value, cell.raw_text, cell.source_location
        label = STATE_LABELS[state]
    shown = _num(value) if value is not None else ("" if state == "absent" else "?")
    d = decisions.get(key)
    if not findings and d is None and key not in candidates and state in ("printed", "blank", "recovered"):
        # the common cell: value, state, and the printed text as the browser's own tooltip
        title = f"{label}：原文“{raw}”" + (f"（{loc}）" if loc else "")
        return (f'<td class="cell st-{state}" {_cell_attrs(key)} data-state="{state}" data-value="{shown}" '
                f'title="{_e(title)}">{shown}</td>')
    fm = "".join(f'<a class="fm {_e(f.severity)}" href="#f{f.no}">{f.no + 1}</a>' for f in findings
                 if f.severity != "info")
    tip = [f"<b>{_e(label)}</b>"]
    if raw is not None:
        tip.append(f"原文：“{_e(raw)}”" + (f"（{_e(loc)}）" if loc else ""))
    if d is not None:
        tip.append(f"公开办认定：{_e(format_value(d.value))}{_e(unit)}（{_e(d.decided_by)}，{_e(_when(d))}：{_e(d.note)}）")
    for f in findings:
        exp = _expected_found(f.expected, f.found)
        exp = f"；{exp}" if exp else ""
        tip.append(f'<span class="{_e(f.severity)}">[{_e(f.code)}]</span> {_e(f.message)}{exp}')
    for _, order, readings in candidates.get(key, []):
        if key in order and readings:
            vals = distinct_values(readings, order.index(key))
            tip.append("可能的读法：" + " / ".join("空" if v is None else _e(format_value(v)) for v in vals))
    attrs = f'{_cell_attrs(key)} data-state="{state}" data-value="{_e(_num(value))}"'
    return (f'<td class="cell st-{state}" {attrs} tabindex="0"><span class="v">{_e(shown)}</span>{fm}'
            f'<div class="tip">{"<br>".join(tip)}</div></td>')


def _expected_found(expected: str | None, found: str | None) -> str:
    if expected is None and found is None:
        return ""
    if expected is None:
        return f"原文 {_e(found)}"
    return f"应为 {_e(expected)}，实为 {_e(found)}"


def cell_label(layout: Layout | None, section: str | None, row_key: str | None, column_key: str | None) -> str:
    """A cell in the form's words (第三部分 “（一）予以公开” × “自然人”), from the spec."""
    if layout is None or section not in ("二", "三", "四"):
        return " ".join(p for p in (section, row_key, column_key) if p)
    row = col = None
    if section == "三":
        row = next((r.label for r in layout.app_rows if r.key == row_key), row_key)
        col = next((c.label for c in layout.app_columns if c.key == column_key), column_key)
    elif section == "四":
        row = next((c.group_label for c in REVIEW_CELLS if c.group == row_key), row_key)
        col = next((c.outcome_label for c in REVIEW_CELLS if c.outcome == column_key), column_key)
    else:
        for block in layout.blocks:
            for item in block.items:
                if item.key == row_key:
                    row = f"{block.label} {item.label}"
                    col = next((c.label for c in block.columns if c.key == column_key), column_key)
        row = row or row_key
    return f"第{section}部分" + "".join(f"“{p}”" for p in (row, col) if p)


def _when(r: Resolution) -> str:
    return r.decided_at.strftime("%Y-%m-%d %H:%M") if r.decided_at else ""


def _section2(data: ReportData, layout: Layout, marks: _Marks, cands: dict, decided: dict) -> str:
    out = []
    for block in layout.blocks:
        head = "".join(f"<th>{_e(c.label)}</th>" for c in block.columns)
        rows = []
        for item in block.items:
            tds = "".join(_cell_td(data, ("二", item.key, c.key), marks, cands, decided,
                                   "万元" if c.kind == "money" else "") for c in block.columns)
            rows.append(f'<tr><td class="label">{_e(item.label)}</td>{tds}</tr>')
        out.append(f'<table class="form s2" data-block="{_e(block.key)}"><tr><th colspan="{len(block.columns) + 1}">'
                   f"{_e(block.label)}</th></tr><tr><th>信息内容</th>{head}</tr>{''.join(rows)}</table>")
    return "".join(out)


def _section3(data: ReportData, layout: Layout, marks: _Marks, cands: dict, decided: dict) -> str:
    cols = layout.app_columns
    persons, orgs, total = cols[0], cols[1:-1], cols[-1]
    groups = {g.key: g for g in layout.app_groups}
    head = (f'<tr><th colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>'
            f'<th colspan="{len(cols)}">申请人情况</th></tr>'
            f'<tr><th rowspan="2">{_e(persons.label)}</th><th colspan="{len(orgs)}">法人或其他组织</th>'
            f'<th rowspan="2">{_e(total.label)}</th></tr>'
            f'<tr>{"".join(f"<th>{_e(c.label)}</th>" for c in orgs)}</tr>')
    in_results = [r for r in layout.app_rows if r.group is not None]
    group_size: dict[str, int] = {}
    for r in in_results:
        if r.group != "results":
            group_size[r.group] = group_size.get(r.group, 0) + 1
    rows = []
    seen_results = False
    seen_groups: set[str] = set()
    for r in layout.app_rows:
        tds = "".join(_cell_td(data, ("三", r.key, c.key), marks, cands, decided) for c in cols)
        lead = ""
        if r.group is None:
            lead = f'<td class="label" colspan="3">{_e(r.label)}</td>'
        else:
            if not seen_results:
                seen_results = True
                lead += f'<td class="label" rowspan="{len(in_results)}">{_e(groups["results"].label)}</td>'
            if r.group == "results":
                lead += f'<td class="label" colspan="2">{_e(r.label)}</td>'
            else:
                if r.group not in seen_groups:
                    seen_groups.add(r.group)
                    lead += f'<td class="label" rowspan="{group_size[r.group]}">{_e(groups[r.group].label)}</td>'
                lead += f'<td class="label">{_e(r.label)}</td>'
        rows.append(f'<tr data-row="{_e(r.key)}">{lead}{tds}</tr>')
    return f'<table class="form s3">{head}{"".join(rows)}</table>'


def _section4(data: ReportData, marks: _Marks, cands: dict, decided: dict) -> str:
    groups: list[tuple[str, str, list]] = []
    for c in REVIEW_CELLS:
        if not groups or groups[-1][0] != c.group:
            groups.append((c.group, c.group_label, []))
        groups[-1][2].append(c)
    top: list[tuple[str, int, int]] = []  # (label, colspan, rowspan)
    second: list[tuple[str, int]] = []
    for _, label, cells in groups:
        head, _, sub = label.partition("·")
        if sub:
            if top and top[-1][0] == head:
                top[-1] = (head, top[-1][1] + len(cells), 1)
            else:
                top.append((head, len(cells), 1))
            second.append((sub, len(cells)))
        else:
            top.append((head, len(cells), 1))
    row1 = "".join(f'<th colspan="{n}" rowspan="{rs}">{_e(lbl)}</th>' for lbl, n, rs in top)
    # outcome labels of groups without a sub-heading sit in row 2 under their rowspan-2 heading
    row2 = []
    row3 = []
    for _, label, cells in groups:
        _, _, sub = label.partition("·")
        labels = "".join(f"<th>{_e(c.outcome_label)}</th>" for c in cells)
        if sub:
            row2.append(f'<th colspan="{len(cells)}">{_e(sub)}</th>')
            row3.append(labels)
        else:
            row2.append(labels.replace("<th>", '<th rowspan="2">'))
    tds = "".join(_cell_td(data, ("四", c.group, c.outcome), marks, cands, decided) for c in REVIEW_CELLS)
    return (f'<table class="form s4"><tr>{row1}</tr><tr>{"".join(row2)}</tr><tr>{"".join(row3)}</tr>'
            f"<tr>{tds}</tr></table>")


def _section_notes(views: Sequence[FindingView], section: str) -> str:
    general = [f for f in views if f.section == section and not f.cells and f.severity != "info"]
    if not general:
        return ""
    return "<ul>" + "".join(f'<li id="f{f.no}-s" class="{_e(f.severity)}">[{_e(f.code)}] {_e(f.message)}</li>'
                            for f in general) + "</ul>"


def _findings_table(data: ReportData, views: Sequence[FindingView], layout: Layout | None) -> str:
    rid = data.report_id
    unread = {k for k, c in data.cells.items() if c.published is None}
    from warehouse.resolutions import ErrorFinding, resolves

    rows = []
    order = {"error": 0, "warning": 1, "info": 2}
    for f in sorted(views, key=lambda f: (order.get(f.severity, 3), f.no)):
        where = " ".join(p for p in (f"第{f.section}部分" if f.section else "", f.row_label or "", f.column_label or "") if p)
        exp = _expected_found(f.expected, f.found)
        cmds = ""
        settled = ""
        if f.severity == "error":
            ef = ErrorFinding(f.code, f.section, f.row_key, f.column_key, bool(f.row_label), bool(f.column_label))
            if resolves(ef, data.decisions, unread):
                settled = '<br><span class="badge b-resolved">已认定</span>'
            lines = []
            if layout is not None:
                lines += [f'<div>{_e(what)}</div><pre class="cmd">{_e(c)}</pre>'
                          for what, c in value_commands(rid, layout, f, unread)]
            lines.append(f'<div>按原文接受此发现</div><pre class="cmd">{_e(accept_command(rid, f))}</pre>')
            cmds = f'<details class="cmds"><summary>处理命令</summary>{"".join(lines)}</details>'
        rows.append(f'<tr id="f{f.no}" data-code="{_e(f.code)}" data-severity="{_e(f.severity)}">'
                    f'<td class="num">{f.no + 1}</td><td class="{_e(f.severity)}">{_e(SEVERITY_LABELS.get(f.severity, f.severity))}'
                    f'{settled}</td><td><code>{_e(f.code)}</code></td><td>{_e(where)}</td><td>{exp}</td>'
                    f'<td>{_e(f.message)}{cmds}</td></tr>')
    return ('<table class="list findings"><tr><th>#</th><th>级别</th><th>规则</th><th>位置</th><th>核对</th><th>说明</th></tr>'
            + "".join(rows) + "</table>")


def _decisions(data: ReportData) -> str:
    out = []
    if data.decisions:
        layout = LAYOUTS.get(data.report["layout"] or "")
        items = "".join(f"<li>{_e(_decision_text(r, layout))}（{_e(r.decided_by)}，{_e(_when(r))}）：{_e(r.note)} "
                        f'<code class="muted">{_e(r.resolution_id)}</code></li>' for r in data.decisions)
        out.append(f"<h3>公开办对本版本的认定（已生效）</h3><ul class=\"decisions\">{items}</ul>")
    if data.suggestions:
        views = _finding_views(data)
        codes = {f.code for f in views}
        unread = {k for k, c in data.cells.items() if c.published is None}
        items = []
        for r in data.suggestions:
            applies = (r.kind == "reject" or (r.kind == "accept" and r.finding_code in codes)
                       or (r.kind == "set_value" and (r.section, r.row_key, r.column_key) in unread))
            cmd = _suggested_command(data.report_id, r)
            tail = (f'<pre class="cmd">{_e(cmd)}</pre>' if applies
                    else '<span class="muted">（本版本无此问题，不适用）</span>')
            items.append(f'<li class="suggestion" data-applies="{str(applies).lower()}">'
                         f'{_e(_decision_text(r, LAYOUTS.get(data.report["layout"] or "")))}'
                         f"（对版本 {_e(r.report_id)}，{_e(r.decided_by)}，{_e(_when(r))}）：{_e(r.note)}{tail}</li>")
        out.append("<h3>以前版本的认定（未自动沿用，可参考）</h3><p>新报送的版本不继承旧认定；核对后可用下列命令照样认定。</p>"
                   f"<ul class=\"suggestions\">{''.join(items)}</ul>")
    return "".join(out)


def _decision_text(r: Resolution, layout: Layout | None = None) -> str:
    where = cell_label(layout, r.section, r.row_key, r.column_key) if r.section else ""
    if r.kind == "set_value":
        return f"认定数值：{where} = {format_value(r.value)}"
    if r.kind == "accept":
        return f"按原文接受 {r.finding_code}" + (f"（{where}）" if where else "")
    return "退回，等待报送单位更正"


def _suggested_command(report_id: str, r: Resolution) -> str:
    if r.kind == "set_value":
        return _cmd(["gongkai", "resolve", "set", report_id, "--section", r.section or "", "--row", r.row_key or "",
                     "--column", r.column_key or "", "--value", format_value(r.value), "--note", r.note or ""])
    if r.kind == "accept":
        parts = ["gongkai", "resolve", "accept", report_id, "--finding", r.finding_code or ""]
        for flag, v in (("--section", r.section), ("--row", r.row_key), ("--column", r.column_key)):
            if v:
                parts += [flag, v]
        return _cmd(parts + ["--note", r.note or ""])
    return _cmd(["gongkai", "resolve", "reject", report_id, "--note", r.note or ""])


def _versions(data: ReportData) -> str:
    rows = []
    for v in data.versions:
        me = v["report_id"] == data.report_id
        name = PurePosixPath(v["source_path"] or "").name
        link = _e(name) if me else f'<a href="{_e(v["report_id"])}.html">{_e(name)}</a>'
        rows.append(f'<tr{" class=me" if me else ""}><td class="num">{v["version_no"]}</td><td>{link}</td>'
                    f'<td>{_e(v["carrier"])}</td><td>{_e(v["accepted_at"])}</td><td>{_badge(v["status"])}</td>'
                    f'<td>{"当前版本" if v["is_current"] else "已被替代"}</td><td class="num">{v["n_errors"]}</td></tr>')
    return ('<table class="list versions"><tr><th>版本</th><th>文件</th><th>载体</th><th>收到时间</th><th>状态</th>'
            '<th></th><th>错误</th></tr>' + "".join(rows) + "</table>")


def render_report(data: ReportData) -> str:
    r = data.report
    layout = LAYOUTS.get(r["layout"] or "")
    views = _finding_views(data)
    marks = _Marks(views)
    cands = candidates_by_cell(layout, views) if layout is not None else {}
    decided = {(d.section, d.row_key, d.column_key): d for d in data.decisions if d.kind == "set_value"}
    settled = settled_errors(data, views)
    title = f"{r['bureau'] or '单位不明'} {_year_text(r['year'])}政府信息公开工作年度报告"
    counts = {s: sum(f.severity == s for f in views) for s in ("error", "warning", "info")}
    meta = [
        ("状态", _badge(r["status"]) + (' <span class="badge b-quarantined">已退回，待更正</span>' if _is_rejected(data) else "")),
        ("发现", f'错误 <b class="n-errors">{r["n_errors"]}</b>（已认定 <span class="n-settled">{settled}</span>），'
                f'警告 <span class="n-warnings">{r["n_warnings"]}</span>，提示 {counts["info"]}'),
        ("格式", _e(f"{r['layout']}版（{layout.document}）") if layout else "未识别"),
        ("文件", f"<code>{_e(r['source_path'])}</code>"),
        ("载体", _e(f"{r['carrier']}（编码 {r['encoding']}）" if r["encoding"] else r["carrier"])),
        ("SHA-256", f"<code>{_e(r['content_sha256'])}</code>"),
        ("报告编号", f"<code>{_e(r['report_id'])}</code>（gongkai resolve 用）"),
        ("解析", _e(f"解析器 {r['parser_version']}，入库 {r['loaded_at']}")),
    ]
    if r.get("title"):
        meta.insert(0, ("标题", _e(r["title"])))
    meta_html = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in meta)
    legend = "".join(f'<span class="st-{s}">{_e(STATE_LABELS[s])}</span>' for s in STATES)
    reject_cmd = _cmd(["gongkai", "resolve", "reject", r["report_id"], "--note", "已通知报送单位更正，待重新报送"])
    sections = ""
    if layout is not None:
        sections = (f"<h2>二、主动公开政府信息情况</h2>{_section_notes(views, '二')}{_section2(data, layout, marks, cands, decided)}"
                    f"<h2>三、收到和处理政府信息公开申请情况</h2>{_section_notes(views, '三')}"
                    f"{_section3(data, layout, marks, cands, decided)}"
                    f"<h2>四、政府信息公开行政复议、行政诉讼情况</h2>{_section_notes(views, '四')}"
                    f"{_section4(data, marks, cands, decided)}")
    else:
        sections = "<p>未能识别报告格式，没有可显示的表格；见下列发现。</p>"
    body = f"""<p><a href="../index.html">← 全部报告</a></p>
<h1>{_e(title)}</h1>
<table class="list meta">{meta_html}</table>
<h2>版本</h2>{_versions(data)}
{_decisions(data)}
<p class="legend">单元格状态：{legend}（鼠标移到单元格上显示原文、发现和可能的读法）</p>
{sections}
<h2>发现（{r["n_errors"]} 个错误，{r["n_warnings"]} 个警告）</h2>
{_findings_table(data, views, layout)}
<details class="cmds"><summary>退回报告（等待更正文件）</summary><pre class="cmd">{_e(reject_cmd)}</pre></details>"""
    return _page(title, body)
