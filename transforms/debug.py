"""``gongkai parse --debug``: what the matcher saw, row by row.

When a number comes out wrong or null, the first question is what the parser
thought the row was. This renders the sections it found and, for every table row,
the printed label, the spec row it matched, the raw values and how they read.
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.report import ParsedReport
from transforms.spec import SECTIONS


@dataclass(frozen=True)
class DebugView:
    """What the matcher saw, as data; the CLI lays it out (aligned for wide characters)."""

    summary: list[tuple[str, str]]  # (what, value): file, carrier, title, bureau/year/layout, sections
    rows: list[tuple[str, str, str, str, str, str]]  # section, status, matched row, printed label, raw, location
    findings: list[tuple[str, str, str]]  # severity, code, message


def debug_view(report: ParsedReport) -> DebugView:
    summary = [
        ("file", report.source),
        ("carrier", f"{report.carrier}  encoding {report.encoding or '-'}"),
        ("title", report.title or "-"),
        ("bureau", f"{report.bureau or '-'}   year {report.year or '-'}   layout {report.layout or '-'}"),
        ("sections", "  ".join(f"{s.number}{'✓' if s.key in report.sections_found else '✗'}" for s in SECTIONS)),
    ]
    rows = [(t.section, t.status, str(t.matched), t.printed[:40], t.raw[:80], t.location) for t in report.trace]
    findings = [(f.severity, f.code, f.message) for f in report.findings]
    return DebugView(summary, rows, findings)
