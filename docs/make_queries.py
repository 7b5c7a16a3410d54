"""Regenerate docs/queries.md: analyst questions, their SQL, and the SQL's output on the bundled samples.

    .venv/bin/python docs/make_queries.py

Parses every file under ``samples/`` (sorted, as the ingest flow discovers them),
checks them as an ingest does and loads them into a fresh in-memory DuckDB
warehouse as one batch; then a corrected resubmission of 008 as a second batch
(every bundled sample is quarantined, so without it the analysts' views would be
empty); then the illustrative registry ``tests/data/registry_sample.csv``; then runs
each question's SQL. ``tests/test_views.py`` checks that every query runs (on DuckDB and on
PostgreSQL) and that this file's output is current.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from transforms.parse import PARSER_VERSION, parse_file
from transforms.tables import ReportRow, report_id_for, to_tables, with_findings
from warehouse import Warehouse
from warehouse.docs import markdown_table

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
REGISTRY = REPO / "tests" / "data" / "registry_sample.csv"
#: 008 as its bureau would resubmit it: 3 applications, all closed, so identities 1-3 hold.
CORRECTED = REPO / "tests" / "data" / "008_pingtan_gaj_2021-corrected.txt"
TARGET = REPO / "docs" / "queries.md"
RUN_ID = "docs"


@dataclass(frozen=True)
class Question:
    title: str
    explanation: str
    sql: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        "How many applications did each bureau receive, and how were they handled?",
        "Current version of every bureau-year, straight from the wide section 三 view (the 总计 column). "
        "This is the office's question, so it reads `v_applications_wide_all`, which keeps quarantined "
        "reports with their status: the numbers are what the bureau published. Analysts' views "
        "(`v_applications_wide` and the roll-ups) leave quarantined reports out.",
        """SELECT bureau, year, status, new_received_total AS received, carried_over_total AS carried_over,
       granted_total AS granted, partially_granted_total AS partly,
       denied_state_secret_total + denied_prohibited_by_law_total + denied_three_safeties_total
         + denied_third_party_total + denied_internal_affairs_total + denied_process_info_total
         + denied_enforcement_file_total + denied_query_matter_total AS denied,
       unavailable_not_held_total + unavailable_needs_creation_total + unavailable_unclear_total AS unavailable,
       results_total_total AS handled, carried_forward_total AS carried_forward
FROM v_applications_wide_all
WHERE is_current
ORDER BY bureau, year""",
    ),
    Question(
        "What share of applications was granted in full?",
        "Granted (予以公开) over all results (（七）总计). `v_applications_wide` holds no quarantined "
        "report, so only the corrected 008 answers here.",
        """SELECT bureau, year, granted_total, results_total_total,
       ROUND(100.0 * granted_total / NULLIF(results_total_total, 0), 1) AS pct_granted
FROM v_applications_wide
WHERE is_current
ORDER BY pct_granted DESC NULLS LAST, bureau""",
    ),
    Question(
        "How did each bureau change since last year?",
        "The year-over-year mart pairs a bureau's current, non-quarantined report with last year's. "
        "None of the bundled bureaus has two consecutive usable years, so every `prev_` column is NULL here.",
        """SELECT bureau, year, new_received_total, prev_new_received_total, new_received_total_change,
       carried_over_total, prev_carried_forward_total, is_carry_over_consistent
FROM v_bureau_year_over_year
ORDER BY bureau, year""",
    ),
    Question(
        "What does the region total look like?",
        "Headline numbers summed over a region's current, non-quarantined reports. Region comes from the "
        "registry. Quarantined reports (both 平潭综合实验区 reports here) are left out of the sums until fixed.",
        """SELECT region, year, n_reports, new_received_total, granted_total, results_total_total,
       review_total, litigation_direct_total, art20_8_fees_fee_amount_wan_yuan AS fees_wan_yuan
FROM v_region_year_summary
ORDER BY region, year""",
    ),
    Question(
        "The region total in the standard rows, for the city's own report",
        "The long roll-up gives every row of the form for a region and year, ready to paste into the "
        "city's section 三 (here: the 总计 column for 平潭综合实验区, 2023).",
        """SELECT row_label, count, n_reports, n_blank
FROM v_region_year_applications
WHERE region = '平潭综合实验区' AND year = 2023 AND column_key = 'total'
ORDER BY row_ordinal""",
    ),
    Question(
        "Does a region's own report equal the sum of its departments? (identity 7)",
        "A region's or city's own report sums the bureaus under it (`v_reports.is_aggregate`), so the "
        "region roll-ups count it twice when both are usable. Set side by side with its departments' current "
        "reports: the identity can only be checked when every registered department reported. Both sides "
        "as published (`v_applications_wide_all`, quarantined reports included): a check, not a count.",
        """SELECT p.bureau, p.year, p.status, p.new_received_total AS own_report,
       SUM(c.new_received_total) AS departments_sum, COUNT(c.report_id) AS departments_reporting,
       (SELECT COUNT(*) FROM stg_bureaus d WHERE d.parent_bureau_id = pr.bureau_id) AS departments_registered
FROM v_applications_wide_all p
JOIN v_reports pr ON pr.report_id = p.report_id AND pr.is_aggregate
LEFT JOIN v_reports cr ON cr.parent_bureau_id = pr.bureau_id AND cr.year = pr.year AND cr.is_current
LEFT JOIN v_applications_wide_all c ON c.report_id = cr.report_id
WHERE p.is_current
GROUP BY p.bureau, p.year, p.status, p.new_received_total, pr.bureau_id
ORDER BY p.bureau, p.year""",
    ),
    Question(
        "Which bureaus have not submitted?",
        "Registry bureaus against every reporting year any report covers.",
        """SELECT year, bureau_name, region, level
FROM v_missing_submissions
ORDER BY year, region, bureau_name""",
    ),
    Question(
        "Which reports are quarantined, and why?",
        "One row per error finding of a current, quarantined report (messages shortened here).",
        """SELECT bureau, year, code, section, row_label, SUBSTR(message, 1, 40) AS message
FROM v_quarantine
ORDER BY bureau, year, finding_no""",
    ),
    Question(
        "Which findings come up most?",
        "All findings of current versions, by rule and severity.",
        """SELECT severity, code, COUNT(*) AS n, COUNT(DISTINCT report_id) AS reports
FROM v_findings
WHERE is_current
GROUP BY severity, code
ORDER BY n DESC, code""",
    ),
    Question(
        "Which cells were left blank, and which could not be read?",
        "Blank and 0 are different facts: the long facts keep `is_blank` (a blank cell counts as 0 in sums; "
        "NULL: the carrier cannot tell). A cell with no value (`count` and amount NULL) could not be read "
        "with certainty, e.g. an ambiguous run-together number.",
        """SELECT r.bureau, r.year, f.section,
       SUM(CASE WHEN f.is_blank THEN 1 ELSE 0 END) AS blank_cells,
       SUM(CASE WHEN f.is_unread THEN 1 ELSE 0 END) AS unread_cells
FROM (SELECT report_id, '二' AS section, is_blank, count IS NULL AND amount_wan_yuan IS NULL AS is_unread
      FROM stg_disclosure_facts
      UNION ALL
      SELECT report_id, '三', is_blank, count IS NULL FROM stg_application_facts
      UNION ALL
      SELECT report_id, '四', is_blank, count IS NULL FROM stg_review_facts) f
JOIN v_reports r ON r.report_id = f.report_id
WHERE r.is_current
GROUP BY r.bureau, r.year, f.section
HAVING SUM(CASE WHEN f.is_blank OR f.is_unread THEN 1 ELSE 0 END) > 0
ORDER BY r.bureau, r.year, f.section""",
    ),
    Question(
        "How much did bureaus charge in information-processing fees?",
        "Section 二, 第二十条第（八）项 行政事业性收费, layout 2021 (万元).",
        """SELECT bureau, year, art20_8_fees_fee_amount_wan_yuan AS fees_wan_yuan
FROM v_disclosure_wide
WHERE is_current AND layout = '2021'
ORDER BY bureau, year""",
    ),
    Question(
        "How did administrative reviews and lawsuits end?",
        "Section 四: the three groups, upheld / corrected / other / pending / total.",
        """SELECT bureau, year, review_upheld, review_corrected, review_other, review_pending, review_total,
       litigation_direct_total, litigation_after_review_total
FROM v_review_wide
WHERE is_current
ORDER BY bureau, year""",
    ),
    Question(
        "How many licensing and penalty decisions were published?",
        "Section 二 wide: 第二十条第（五）项 行政许可 and 第（六）项 行政处罚.",
        """SELECT bureau, year, layout, art20_5_licensing_decisions, art20_6_penalty_decisions,
       art20_6_enforcement_decisions
FROM v_disclosure_wide
WHERE is_current
ORDER BY bureau, year""",
    ),
    Question(
        "Which bureau-years were submitted more than once, and which version counts?",
        "Every version is kept; the last accepted is current. The bundled 自然资源与生态环境局 report comes "
        "in four carriers (DOCX, HTML, PDF, XLSX), loaded in that order: four versions of one bureau-year.",
        """SELECT bureau, year, version_no, carrier, is_current, superseded_by
FROM v_reports
WHERE version_key IN (SELECT version_key FROM v_reports GROUP BY version_key HAVING COUNT(*) > 1)
ORDER BY bureau, year, version_no""",
    ),
    Question(
        "What did the office decide, and which reports did its decisions admit?",
        "`gongkai resolve` records decisions on one report version's bytes: here the office set the "
        "ambiguous run-together cells of 平潭综合实验区 2021 (sections 二 and 四) to the reading its "
        "published HTML table shows. Every error of that report is settled, so its status is `resolved` "
        "and the analysts' views count it.",
        """SELECT bureau, year, kind, section, row_key, column_key, value, decided_by, report_status
FROM v_resolutions
ORDER BY bureau, year, section, row_key, column_key""",
    ),
    Question(
        "Which cells carry the office's value rather than a printed one?",
        "The facts keep what was published (NULL for an unread cell); the cell marts put the office's value "
        "there and say so with `how = 'resolved'`.",
        """SELECT r.bureau, r.year, c.group_key, c.outcome_key, c.count, c.how
FROM v_review_cells c JOIN v_reports r ON r.report_id = c.report_id
WHERE c.how = 'resolved'
ORDER BY r.bureau, r.year, c.group_key, c.outcome_key""",
    ),
    Question(
        "Which reports could not be tied to a bureau-year?",
        "No bureau or no year found in the document: such reports are keyed by their file.",
        """SELECT source_path, bureau, year, status, version_key
FROM v_reports
WHERE bureau_id IS NULL OR year IS NULL
ORDER BY source_path""",
    ),
)


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and not p.name.endswith(".json"))


def sample_batches() -> list[dict[str, pa.Table]]:
    """The bundled samples as one batch and the corrected 008 as a second, each checked like an ingest."""
    from expectations.validate import validate_batch

    batches = []
    for paths in (sample_files(), [CORRECTED]):
        rows = []
        for path in paths:
            report = parse_file(path)
            rows.append(ReportRow(report, report_id_for(report.sha256), str(path.relative_to(REPO)),
                                  PARSER_VERSION, RUN_ID))
        # the same checks an ingest runs, so statuses and findings are what analysts would see
        tables = to_tables(rows)
        batches.append(with_findings(tables, validate_batch(tables)))
    return batches


#: The office's decisions on the samples (as ``gongkai demo`` takes them): 004's ambiguous rows, read
#: off its published HTML table. Ids and times are fixed so this file regenerates identically.
DECISIONS: tuple[tuple[str, str, str, str, str], ...] = tuple(
    ("004_pingtan_2021.txt", section, row, column, value)
    for section, row, columns, values in (
        ("二", "normative_docs", ("issued", "repealed", "in_force"), ("69", "3", "665")),
    )
    for column, value in zip(columns, values)
)


def record_decisions(warehouse: Warehouse) -> None:
    from datetime import datetime, timezone
    from decimal import Decimal

    from warehouse.resolutions import Resolution, store

    reports = warehouse.query("SELECT report_id, content_sha256, bureau, year, source_path FROM reports").to_pylist()
    made = []
    for i, (name, section, row, column, value) in enumerate(DECISIONS, start=1):
        (rep,) = [r for r in reports if r["source_path"].endswith("/" + name)]
        made.append(Resolution(f"docs-{i:04d}", rep["report_id"], rep["content_sha256"], rep["bureau"], rep["year"],
                               "set_value", None, section, row, column, Decimal(value),
                               "read off the published HTML table", "docs",
                               datetime(2022, 3, 1, tzinfo=timezone.utc)))
    with warehouse.engine.begin() as conn:
        store(conn, made)


def load_samples(warehouse: Warehouse, batches: list[dict[str, pa.Table]] | None = None) -> None:
    """Load ``batches`` (default: :func:`sample_batches`) in order, the illustrative registry, the decisions."""
    for tables in sample_batches() if batches is None else batches:
        warehouse.load(tables)
    warehouse.load_registry(REGISTRY)
    record_decisions(warehouse)


def queries_markdown(warehouse: Warehouse) -> str:
    lines = [
        "# Analyst questions, answered in SQL",
        "",
        "<!-- Generated by `python docs/make_queries.py`; do not edit by hand. -->",
        "",
        "Each question has its SQL and the SQL's output on the bundled samples: every file under "
        "`samples/` parsed, checked and loaded as one batch; then, as a second batch, "
        "`tests/data/008_pingtan_gaj_2021-corrected.txt`, 008 as its bureau would resubmit it (3 "
        "applications, all closed, so its tables add up; its narrative still says 1, a warning); then the "
        "illustrative registry "
        "`tests/data/registry_sample.csv` (its regions, levels, sectors, aliases and the bureau "
        "教育与体育局 are made up for the demo). The views are documented column by column in "
        "[views.md](views.md). Run any of these with `gongkai query \"SQL\"`; they run unchanged on "
        "DuckDB and PostgreSQL. Every bundled sample is quarantined (errors in what was published); the "
        "office then settled 平潭综合实验区 2021 (its ambiguous cells, read off the published table: "
        "`v_resolutions`), so the analysts' views (`v_applications_wide`, `v_review_wide`, "
        "`v_disclosure_wide`, the roll-ups and year-over-year) show the corrected 008 and that resolved "
        "report; the office's `v_*_wide_all` twins, `v_reports`, `v_quarantine` and `v_findings` show "
        "everything.",
        "",
    ]
    for n, q in enumerate(QUESTIONS, start=1):
        result = warehouse.query(q.sql)
        lines += [f"## {n}. {q.title}", "", q.explanation, "", "```sql", q.sql, "```", "",
                  markdown_table(result), ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    with Warehouse.open("duckdb:///:memory:") as warehouse:
        load_samples(warehouse)
        TARGET.write_text(queries_markdown(warehouse), encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
