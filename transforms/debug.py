"""``gongkai parse --debug``: what the matcher saw, row by row.

When a number comes out wrong or null, the first question is what the parser
thought the row was. This renders the sections it found and, for every table row,
the printed label, the spec row it matched, the raw values and how they read.
"""

from __future__ import annotations

from transforms.report import ParsedReport
from transforms.spec import SECTIONS


def explain(report: ParsedReport) -> str:
    lines = [
        f"file      {report.source}",
        f"carrier   {report.carrier}  encoding {report.encoding or '-'}",
        f"title     {report.title or '-'}",
        f"bureau    {report.bureau or '-'}   year {report.year or '-'}   layout {report.layout or '-'}",
        "sections  " + "  ".join(
            f"{s.number}{'✓' if s.key in report.sections_found else '✗'}" for s in SECTIONS
        ),
        "",
        f"{'sec':3} {'status':10} {'matched':34} {'printed label':40} raw values",
    ]
    for t in report.trace:
        lines.append(f"{t.section:3} {t.status:10} {str(t.matched)[:34]:34} {t.printed[:40]:40} {t.raw[:80]}   [{t.location}]")
    lines.append("")
    for f in report.findings:
        lines.append(f"{f.severity:7} {f.code:28} {f.message}")
    return "\n".join(lines)
