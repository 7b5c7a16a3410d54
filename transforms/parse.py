"""Bytes in, standard tables and findings out: the whole transform layer in one call.

``parse_bytes`` never raises for bad data: an empty, corrupt, encrypted or foreign
file comes back as a report with a finding saying why, so one bad file never stops
a batch. Only a broken spec or a bug raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from transforms.continued_rows import join_continued_rows
from transforms.document import Document
from transforms.evidence import HABIT_TRUSTED, Evidence, History, bureau_key, shows_printed_zeros
from transforms.extract_applications import extract_applications
from transforms.extract_disclosure import extract_disclosure
from transforms.extract_review import extract_review, review_table_in
from transforms.findings import FINDING_TYPES, make_finding
from transforms.labels import norm_label
from transforms.metadata import detect_layout, find_bureau, find_period_year, find_title, prescribed_layout
from transforms.readers import BudgetExceeded, UnsupportedFormat, read_document, sniff_carrier
from transforms.readers.limits import LIMITS
from transforms.report import Location, ParsedReport
from transforms.script import document_text, is_traditional, simplify_document
from transforms.sections import RowUnit, flatten, split_sections, units_text
from transforms.spec import SECTIONS
from transforms.records import content_sha256
from transforms.statements import statements

# Bump when a change to readers or extraction can change what a file parses to:
# reruns re-parse files whose stored parser version is older.
PARSER_VERSION = "0.5.0"

# A report is tens of kilobytes; a PDF with images a few megabytes. Anything far larger
# is not a report (or is hostile) and is quarantined unread rather than stalling a batch.
# Every budget lives in ``transforms.readers.limits``.
MAX_BYTES = LIMITS.max_bytes


def parse_file(path: str | Path, history: History | None = None, known: Mapping[str, str] | None = None) -> ParsedReport:
    path = Path(path)
    return parse_bytes(path.read_bytes(), str(path), history=history, known=known)


def parse_bytes(data: bytes, name: str, max_bytes: int = MAX_BYTES, history: History | None = None,
                use_habit: bool | None = None, known: Mapping[str, str] | None = None) -> ParsedReport:
    """``history``: last year's reports of the bureaus this file may be from, keyed by
    (``bureau_key(bureau)``, year) — evidence for run-together digits (``transforms.evidence``).
    ``use_habit``: override ``HABIT_TRUSTED`` (benchmarks measure the habit with it on).
    ``known``: the office registry's names and aliases (``metadata.registry_key(name)`` -> name),
    for the bureau when the title does not carry it (``metadata.find_bureau``)."""
    report = ParsedReport(source=name, carrier="unknown", sha256=content_sha256(data))
    if len(data) > max_bytes:
        report.add(make_finding(
            "file.too_large", f"文件“{Path(name).name}”有{len(data) / 1048576:.1f} MB，超过上限{max_bytes / 1048576:.0f} MB，未读取。",
            Location(source=name), expected=str(max_bytes), found=str(len(data)),
        ))
        return report
    if not data.strip():
        report.add(make_finding("file.empty", f"文件“{Path(name).name}”是空的（{len(data)}字节），没有可读取的内容。",
                                Location(source=name)))
        return report
    try:
        report.carrier = sniff_carrier(data, name)
        doc = read_document(data, name)
    except UnsupportedFormat as exc:
        report.add(make_finding("file.unsupported_format", str(exc), Location(source=name)))
        return report
    except BudgetExceeded as exc:  # over a size/page/expansion budget: not read at all
        report.add(make_finding(exc.code, str(exc), Location(source=name),
                                expected=None if exc.limit is None else str(exc.limit),
                                found=None if exc.found is None else str(exc.found)))
        return report
    except Exception as exc:  # a corrupt or hostile file is a finding, not a crash
        report.add(make_finding("file.unreadable", f"文件“{Path(name).name}”无法读取：{exc}", Location(source=name),
                                found=type(exc).__name__))
        return report
    return parse_document(doc, report, history, use_habit, known)


def _evidence(report: ParsedReport, history: History | None, use_habit: bool | None) -> Evidence:
    """What outside the tables may choose between readings: the narratives' statements, last year's report."""
    texts = [report.narratives[k] for k in ("overview", "other") if k in report.narratives]
    last = None
    if history and report.year is not None:
        last = history.get((bureau_key(report.bureau) or "", report.year - 1))
    return Evidence(tuple(statements(texts, report.year)), last,
                    HABIT_TRUSTED if use_habit is None else use_habit)


def parse_document(doc: Document, report: ParsedReport | None = None, history: History | None = None,
                   use_habit: bool | None = None, known: Mapping[str, str] | None = None) -> ParsedReport:
    report = report or ParsedReport(source=doc.source, carrier=doc.carrier)
    doc = join_continued_rows(doc)
    report.carrier = doc.carrier
    report.encoding = doc.encoding
    for code, message in doc.reader_problems:
        if code not in FINDING_TYPES:  # a reader's new problem must not stop the batch
            message = f"[{code}] {message}"
            code = "file.unreadable" if code.startswith("file.no") else "file.decode_errors"
        report.add(make_finding(code, message, Location(source=doc.source)))
    if not doc.blocks:
        if not any(code in ("file.no_text", "file.garbled_text") for code, _ in doc.reader_problems):
            report.add(make_finding("file.no_text", f"文件“{Path(doc.source).name}”中没有可读取的文字。", Location(source=doc.source)))
        return report
    if is_traditional(document_text(doc)):
        doc = simplify_document(doc)
        report.add(make_finding("file.traditional_script", "文件为繁体字，已用 OpenCC 转换为简体后识别（数字未改动）。", Location()))

    title, title_bureau, title_year = find_title(doc)
    report.title = title
    bureau, _ = find_bureau(doc, title_bureau, known)
    report.bureau = bureau
    all_units = flatten(doc)
    full_text = units_text(all_units)
    period_year = find_period_year(full_text)
    report.year = period_year or title_year
    if bureau is None:
        report.add(make_finding("meta.bureau_missing", "未能识别报告单位名称：标题、首页、落款和文件名中都没有像机关名称的文字。", Location()))
    if report.year is None:
        report.add(make_finding("meta.year_missing", "未能识别报告年度：没有找到统计期限，标题中也没有年份。", Location()))
    elif period_year and title_year and period_year != title_year:
        report.add(make_finding(
            "meta.year_conflict", f"统计期限为{period_year}年，但标题写的是{title_year}年；按统计期限取{period_year}年。",
            Location(), expected=str(period_year), found=str(title_year),
        ))

    layout, votes = detect_layout(norm_label(full_text))
    prescribed = prescribed_layout(report.year)
    if layout is None:
        layout = prescribed
        if layout is not None:
            report.add(make_finding(
                "meta.layout_undetermined",
                f"无法从表格内容判断所用格式，按报告年度{report.year}年规定的{layout.id}版格式读取。", Location(),
            ))
        else:
            # no table was read: not a report this office can admit (a cover letter, a notice, a news
            # page in the landing folder) until a person looks; an error, so it is held back
            report.add(make_finding("meta.layout_undetermined", "无法判断报告所用格式（表格和年度都不足以判断），"
                                    "第二、三、四部分的表格均未读取；请确认这是否是政府信息公开工作年度报告。",
                                    Location(), severity="error"))
    elif prescribed is not None and prescribed.id != layout.id:
        report.add(make_finding(
            "meta.layout_year_mismatch",
            f"{report.year}年度报告应使用{prescribed.id}版格式，但本报告使用的是{layout.id}版格式。",
            Location(), expected=prescribed.id, found=layout.id,
        ))
    report.layout = layout.id if layout else None

    sections = split_sections(doc)
    report.sections_found = [s.key for s in SECTIONS if sections.found(s.key)]
    for spec in SECTIONS:
        if spec.is_narrative:
            units = sections.units.get(spec.key)
            if units is None:
                report.add(make_finding(
                    "section.narrative_missing", f"报告缺少第{spec.number}部分“{spec.label}”。", Location(spec.number),
                ))
            else:
                report.narratives[spec.key] = units_text(units).strip()
    if layout is None:
        return report

    found_3 = sections.found("applications")
    units_3 = sections.units.get("applications") if found_3 else [u for u in all_units if isinstance(u, RowUnit)]
    evidence = _evidence(report, history, use_habit)
    report.evidence = evidence
    apps = extract_applications(units_3 or [], layout, report, evidence)
    if not report.applications and not found_3:
        report.add(make_finding("section.missing", "报告缺少第三部分“收到和处理政府信息公开申请情况”。", Location("三")))
    elif not report.applications:
        report.add(make_finding("table.truncated", "第三部分有标题，但没有找到申请情况表格的任何一行。", Location("三")))

    # Section 二: its own span, or (heading lost, e.g. a fragment) what precedes section 三.
    # the document's habit of printing its zeros, as section 三 shows it (sections 二 and 四 have few rows of their own)
    kinds = ("count",) * len(layout.app_columns)
    habit = shows_printed_zeros([(r.reading, kinds) for r in apps.rows.values()]) if apps.rows else (False, 0)
    found_2 = sections.found("active_disclosure")
    units_2 = sections.units.get("active_disclosure") if found_2 else sections.preamble
    extract_disclosure(units_2 or [], layout, report, found_2, apps.spaces_separate, evidence,
                       habit[1] if habit[0] else 0)
    if not found_2 and not report.active_disclosure:
        report.add(make_finding("section.missing", "报告缺少第二部分“主动公开政府信息情况”。", Location("二")))

    found_4 = sections.found("review_litigation")
    if found_4:
        separated = apps.spaces_separate if apps.spaces_separate is not None else True
        closed = sections.found("problems") or sections.found("other")
        extract_review(sections.units["review_litigation"], layout, report, separated, evidence, habit, closed)
        if report.review_litigation is None:  # a converter may have moved the table past heading 五
            moved = review_table_in(sections.units.get("problems", []))
            if moved:
                extract_review(moved, layout, report, separated, evidence, habit, closed)
        if report.review_litigation is None:
            report.add(make_finding("table.truncated", "第四部分有标题，但没有找到行政复议、行政诉讼的数字。", Location("四")))
    else:
        report.add(make_finding(
            "section.missing", "报告缺少第四部分“政府信息公开行政复议、行政诉讼情况”（15个数字均无）。", Location("四"),
        ))
    return report
