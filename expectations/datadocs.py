"""A static Data Docs page for one validation run, readable offline.

GE's own site builder was measured (GE 1.24, ``build_data_docs`` on a filesystem
site: 0.2 s, 4 MB of assets) but its pages load Bootstrap, jQuery and logos from
CDNs, so they render broken without a network, and they speak English in GE terms.
This writes one self-contained ``index.html`` (inline CSS, no scripts, no external
links) in Chinese from the run record — every rule with its code, severity, engine
(the GE expectation and kwargs, or pandas), instances checked, failures, findings
and examples — plus ``results.json`` with the same data for machines.

    findings, run = validate_batch_with_results(tables, ...)
    write_data_docs(run, data_dir / "datadocs" / run_id)   # -> .../index.html
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from expectations.results import ValidationRun

_CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right}
.error{color:#b00020;font-weight:bold}.warning{color:#a15c00;font-weight:bold}.info{color:#555}.off{color:#999}
.ok{color:#1b7a1b}.bad{color:#b00020}.skip{color:#999}
details{margin:.2em 0}summary{cursor:pointer}code{font-size:.85em;background:#f6f6f6;padding:0 .2em}
"""

_STATUS_WORD = {"clean": "通过", "flagged": "有警告", "quarantined": "隔离（有错误）"}
_SEV_WORD = {"error": "错误", "warning": "警告", "info": "提示", "off": "关闭"}


def _e(v: object) -> str:
    return escape("" if v is None else str(v))


def _rule_rows(run: ValidationRun) -> str:
    out = []
    for r in run.rules:
        if r.skipped:
            verdict = f'<span class="skip">未运行：{_e(r.skipped)}</span>'
        elif r.success:
            verdict = '<span class="ok">通过</span>'
        else:
            verdict = f'<span class="bad">{r.failed} 处不符</span>'
        engine = (f"GE <code>{_e(r.expectation)}</code>" + (f"<br><code>{_e(json.dumps(r.kwargs, ensure_ascii=False))}</code>"
                                                           if r.kwargs else "")) if r.engine == "ge" else "pandas"
        examples = ""
        if r.examples:
            items = "".join(f"<li><code>{_e(x['report_id'])}</code> {_e(x.get('source'))}：{_e(x['message'])}</li>"
                            for x in r.examples)
            examples = f"<details><summary>示例（{len(r.examples)}）</summary><ul>{items}</ul></details>"
        out.append(
            f"<tr><td><code>{_e(r.rule)}</code></td><td><code>{_e(r.code)}</code></td>"
            f'<td class="{_e(r.severity)}">{_e(_SEV_WORD.get(r.severity, r.severity))}</td>'
            f"<td>{_e(r.description)}{examples}</td><td>{engine}</td>"
            f'<td class="num">{"" if r.evaluated is None else r.evaluated}</td><td class="num">{r.findings}</td>'
            f"<td>{verdict}</td></tr>"
        )
    return "".join(out)


def _report_rows(run: ValidationRun) -> str:
    rows = [(rid, info) for rid, info in run.reports.items() if info["status"] != "clean" or info["infos"]]
    order = {"quarantined": 0, "flagged": 1, "clean": 2}
    rows.sort(key=lambda x: (order.get(x[1]["status"], 3), x[0]))
    return "".join(
        f"<tr><td><code>{_e(rid)}</code></td><td>{_e(info.get('source'))}</td>"
        f"<td>{_e(_STATUS_WORD.get(info['status'], info['status']))}</td>"
        f'<td class="num">{info["errors"]}</td><td class="num">{info["warnings"]}</td><td class="num">{info["infos"]}</td></tr>'
        for rid, info in rows
    )


def render_html(run: ValidationRun) -> str:
    statuses = run.statuses
    frames = "".join(
        f"<tr><td>{_e(kind)}</td><td class=\"num\">{info['rows']}</td><td class=\"num\">{info['expectations']}</td>"
        f"<td class=\"num\">{info['seconds']}</td></tr>"
        for kind, info in run.frames.items()
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>数据核查报告 {_e(run.run_id or run.started_at)}</title>
<style>{_CSS}</style></head><body>
<h1>政府信息公开年度报告 · 数据核查（Data Docs）</h1>
<p>运行 <code>{_e(run.run_id)}</code>，开始于 {_e(run.started_at)}，用时 {run.seconds} 秒；
共核查 {run.n_reports} 份报告：通过 {statuses.get('clean', 0)}，有警告 {statuses.get('flagged', 0)}，
隔离 {statuses.get('quarantined', 0)}。Great Expectations {_e(run.ge_version)}。</p>
<p>报告的数字一律按原文保留；下列“不符”是需要报告单位核对的地方，不会改动任何数字。</p>
<h2>规则</h2>
<table><tr><th>规则</th><th>发现代码</th><th>级别</th><th>核查内容</th><th>执行方式</th><th>核查实例数</th><th>发现数</th><th>结果</th></tr>
{_rule_rows(run)}</table>
<h2>GE 校验（每类数据框一次）</h2>
<table><tr><th>数据框</th><th>行数</th><th>期望数</th><th>秒</th></tr>{frames}</table>
<h2>报告（有发现的）</h2>
<p>状态计入解析阶段的发现（表格缺失、数字无法识别等）和本次核查的发现。</p>
<table><tr><th>报告</th><th>文件</th><th>状态</th><th>错误</th><th>警告</th><th>提示</th></tr>
{_report_rows(run)}</table>
</body></html>
"""


def write_data_docs(results: ValidationRun, out_dir: str | Path) -> Path:
    """Write ``index.html`` and ``results.json`` for one run into ``out_dir``; returns the index path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results.as_dict(), ensure_ascii=False, indent=1, default=str),
                                      encoding="utf-8")
    index = out / "index.html"
    index.write_text(render_html(results), encoding="utf-8")
    return index


def write_run_index(run_dir: str | Path) -> Path | None:
    """Write ``<run_dir>/index.html``: the run's batches side by side, each linking to its page.

    Built from the ``batch-*/results.json`` already written, so it can be redone at any
    time (a later run never touches this one's folder). None when no batch was checked.
    """
    root = Path(run_dir)
    batches = sorted(p for p in root.glob("batch-*/results.json"))
    if not batches:
        return None
    rows, totals = [], {"reports": 0, "clean": 0, "flagged": 0, "quarantined": 0, "findings": 0}
    by_rule: dict[tuple[str, str], int] = {}
    for path in batches:
        data = json.loads(path.read_text(encoding="utf-8"))
        statuses = {"clean": 0, "flagged": 0, "quarantined": 0}
        for r in data.get("reports", {}).values():
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        findings = sum(r.get("findings", 0) for r in data.get("rules", []))
        for r in data.get("rules", []):
            if r.get("findings"):
                key = (r["code"], r["severity"])
                by_rule[key] = by_rule.get(key, 0) + r["findings"]
        for k, v in (("reports", data.get("n_reports", 0)), ("findings", findings), *statuses.items()):
            totals[k] += v
        link = f"{path.parent.name}/index.html"
        rows.append(f'<tr><td><a href="{_e(link)}">{_e(path.parent.name)}</a></td>'
                    f'<td class="num">{data.get("n_reports", 0)}</td><td class="num">{statuses["clean"]}</td>'
                    f'<td class="num">{statuses["flagged"]}</td><td class="num">{statuses["quarantined"]}</td>'
                    f'<td class="num">{findings}</td><td class="num">{data.get("seconds", "")}</td></tr>')
    rules = "".join(
        f'<tr><td><code>{_e(code)}</code></td><td class="{_e(sev)}">{_e(_SEV_WORD.get(sev, sev))}</td>'
        f'<td class="num">{n}</td></tr>'
        for (code, sev), n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>数据核查报告 {_e(root.name)}</title>
<style>{_CSS}</style></head><body>
<h1>政府信息公开年度报告 · 数据核查（本次导入）</h1>
<p>导入运行 <code>{_e(root.name)}</code>：{len(batches)} 批，共 {totals['reports']} 份报告；
通过 {totals['clean']}，有警告 {totals['flagged']}，隔离 {totals['quarantined']}；核查发现 {totals['findings']} 处。</p>
<h2>各批</h2>
<table><tr><th>批次</th><th>报告</th><th>通过</th><th>有警告</th><th>隔离</th><th>核查发现</th><th>秒</th></tr>
{"".join(rows)}</table>
<h2>各规则发现数（全部批次）</h2>
<table><tr><th>发现代码</th><th>级别</th><th>发现数</th></tr>{rules}</table>
</body></html>
"""
    index = root / "index.html"
    index.write_text(html, encoding="utf-8")
    return index
