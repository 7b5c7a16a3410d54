"""The city's own report: every number equals the SQL roll-up, coverage is exact, outputs open.

One generated region (32 bureaus of 福州市 × 2019-2023, mess levels 0-3 mixed, some
bureau-years never submitted, a registry CSV) is ingested once for the module; the
report for 2023 (layout 2021) and 2020 (layout 2019) is built from it. Numbers are
checked against queries written here, on the views and on the wide marts, not against
the report's own reading code. The browser test opens the HTML in headless Chromium
(tests/browser.py) and reads the numbers back from the DOM.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from browser import console_messages, dump_dom, print_to_pdf, require_chromium, run_chromium, screenshot

from gongkai.cityreport import CityReportFiles, build_city_report
from gongkai.cityreport.charts import ChartFontError, find_cjk_font, font_covers
from gongkai.cityreport.model import column_label
from gongkai.synth.region import RegionCorpus, generate_region
from transforms.spec import (
    APP_HEADER_LABEL,
    APP_ORG_COLUMN_KEYS,
    APP_ORG_GROUP_LABEL,
    REVIEW_CELLS,
    layout_for_year,
)
from warehouse import Warehouse
from warehouse.region_report import ADMITTED_STATUSES, RESOLUTION_COLUMNS, RegionNotFound, read_resolutions

REGION = "福州市"
N_BUREAUS = 32
YEARS = (2019, 2020, 2021, 2022, 2023)


@dataclass(frozen=True)
class Region:
    corpus: RegionCorpus
    data_dir: Path
    warehouse: Warehouse


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from flows.ingest import annual_ingest

    root = tmp_path_factory.mktemp("region")
    corpus = generate_region(root / "in", seed=11, region=REGION, n_bureaus=N_BUREAUS, years=YEARS)
    annual_ingest.fn(source=str(root / "in"), data_dir=str(root / "data"), registry=str(corpus.registry_csv))
    warehouse = Warehouse.open(data_dir=str(root / "data"))
    yield Region(corpus, root / "data", warehouse)
    warehouse.close()


@pytest.fixture(scope="module")
def report_2023(region: Region, tmp_path_factory: pytest.TempPathFactory) -> CityReportFiles:
    return build_city_report(region.warehouse, REGION, 2023, tmp_path_factory.mktemp("report2023"))


def q(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    return warehouse.query(sql).to_pylist()


def grid(files: CityReportFiles, key: str):
    grids = files.report.form_grids + files.report.analysis_grids + files.report.coverage_grids
    return next(g for g in grids if g.key == key)


# ---------------------------------------------------------------------------
# The corpus is what the tests need
# ---------------------------------------------------------------------------

def test_generated_region_has_mixed_statuses_and_missing_submissions(region: Region) -> None:
    rows = q(region.warehouse, f"SELECT status, COUNT(*) AS n FROM v_reports WHERE region = '{REGION}' "
                               "AND is_current GROUP BY status")
    statuses = {r["status"]: r["n"] for r in rows}
    assert statuses.get("quarantined", 0) > 0 and statuses.get("flagged", 0) > 0, statuses
    assert sum(statuses.values()) == len(region.corpus.paths)
    assert region.corpus.missing, "the generated region must leave some bureau-years out"
    assert len(region.corpus.bureaus) >= 30 and len(region.corpus.years) == 5


# ---------------------------------------------------------------------------
# Every number equals the SQL roll-up
# ---------------------------------------------------------------------------

def _rollup(warehouse: Warehouse, view: str, keys: tuple[str, ...], year: int, value: str = "count"):
    rows = q(warehouse, f"SELECT * FROM {view} WHERE region = '{REGION}' AND year = {year}")
    return {".".join(r[k] for k in keys): (r[value] if r[value] is not None else r.get("count")) for r in rows}


@pytest.mark.parametrize("year", [2023, 2020])
def test_form_tables_equal_the_region_rollup_views(region: Region, year: int, tmp_path: Path) -> None:
    files = build_city_report(region.warehouse, REGION, year, tmp_path, charts=False)
    layout = layout_for_year(year)
    apps = _rollup(region.warehouse, "v_region_year_applications", ("row_key", "column_key"), year)
    review = _rollup(region.warehouse, "v_region_year_review", ("group_key", "outcome_key"), year)
    disclosure = _rollup(region.warehouse, "v_region_year_disclosure", ("block_key", "item_key", "column_key"),
                         year, value="amount_wan_yuan")
    shown = {**grid(files, "二").values(), **grid(files, "三").values(), **grid(files, "四").values()}
    expected = {f"三.{k}": v for k, v in apps.items() if k.split(".")[0] in layout.app_row_keys}
    expected |= {f"四.{k}": v for k, v in review.items()} | {f"二.{k}": v for k, v in disclosure.items()}
    assert set(expected) <= set(shown)
    for key, value in expected.items():
        assert shown[key].value == value, key
    # The form's every cell is shown, in the year's layout: 25 (2021) or 23 (2019) rows × 7 columns.
    assert len([k for k in shown if k.startswith("三.")]) == len(layout.app_rows) * len(layout.app_columns)
    assert len([k for k in shown if k.startswith("四.")]) == 15


@pytest.mark.parametrize("year", [2023, 2021])
def test_rollup_views_equal_the_sum_of_admitted_bureau_reports(region: Region, year: int) -> None:
    """The views the report prints are the sums of the current, admitted reports (wide marts, summed here)."""
    wide = q(region.warehouse, f"SELECT * FROM v_applications_wide_all WHERE region = '{REGION}' AND year = {year} "
                               "AND is_current")
    admitted = [w for w in wide if w["status"] in ADMITTED_STATUSES]
    assert 0 < len(admitted) < len(wide) + 1
    apps = _rollup(region.warehouse, "v_region_year_applications", ("row_key", "column_key"), year)
    layout = layout_for_year(year)
    for row in layout.app_row_keys:
        for col in layout.app_column_keys:
            values = [w[f"{row}_{col}"] for w in admitted if w[f"{row}_{col}"] is not None]
            assert apps.get(f"{row}.{col}") == (sum(values) if values else None), (row, col)
    review_wide = q(region.warehouse, f"SELECT * FROM v_review_wide WHERE region = '{REGION}' AND year = {year} "
                                      "AND is_current")
    review = _rollup(region.warehouse, "v_region_year_review", ("group_key", "outcome_key"), year)
    for c in REVIEW_CELLS:
        values = [w[f"{c.group}_{c.outcome}"] for w in review_wide if w[f"{c.group}_{c.outcome}"] is not None]
        assert review.get(f"{c.group}.{c.outcome}") == (sum(values) if values else None)
    fees = q(region.warehouse, f"SELECT SUM(art20_8_fees_fee_amount_wan_yuan) AS s FROM v_disclosure_wide "
                               f"WHERE region = '{REGION}' AND year = {year} AND is_current")[0]["s"]
    disclosure = _rollup(region.warehouse, "v_region_year_disclosure", ("block_key", "item_key", "column_key"),
                         year, value="amount_wan_yuan")
    assert disclosure["art20_8.fees.fee_amount"] == fees


def test_trend_year_over_year_and_ranking_equal_the_views(region: Region, report_2023: CityReportFiles) -> None:
    summary = q(region.warehouse, f"SELECT * FROM v_region_year_summary WHERE region = '{REGION}'")
    trend = grid(report_2023, "趋势").values()
    assert {int(k.split(".")[1]) for k in trend} == set(YEARS)
    for row in summary:
        for col, value in row.items():
            if col not in ("region", "year", "n_aggregate_reports"):
                assert trend[f"趋势.{row['year']}.{col}"].value == value, (row["year"], col)
    yoy = q(region.warehouse, f"SELECT * FROM v_bureau_year_over_year WHERE region = '{REGION}' AND year = 2023")
    shown = grid(report_2023, "同比").values()
    assert len(yoy) == len(report_2023.report.data.coverage.included)
    for row in yoy:
        for col in ("new_received_total", "prev_new_received_total", "new_received_total_change",
                    "granted_total", "prev_granted_total", "carried_forward_total_change"):
            assert shown[f"同比.{row['bureau_id']}.{col}"].value == row[col]
    ranking = grid(report_2023, "排名").values()
    wide = q(region.warehouse, f"SELECT report_id, new_received_total, granted_total, results_total_total "
                               f"FROM v_applications_wide WHERE region = '{REGION}' AND year = 2023 AND is_current")
    for w in wide:
        assert ranking[f"排名.{w['report_id']}.new_received_total"].value == w["new_received_total"]
        share = ranking[f"排名.{w['report_id']}.granted_share"].value
        if w["results_total_total"]:
            assert abs(share - Decimal(w["granted_total"]) * 100 / w["results_total_total"]) <= Decimal("0.05")
        else:
            assert share is None
    order = [r[0].text for r in grid(report_2023, "排名").rows[1:]]
    assert order == [str(i) for i in range(1, len(wide) + 1)]
    counts = [ranking[f"排名.{w['report_id']}.new_received_total"].value for w in wide]
    ranked_counts = [c.value for row in grid(report_2023, "排名").rows[1:] for c in row
                     if c.key and c.key.endswith(".new_received_total")]
    assert ranked_counts == sorted(counts, reverse=True)


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------

def test_coverage_says_exactly_what_the_sum_covers(region: Region, report_2023: CityReportFiles) -> None:
    cov = report_2023.report.data.coverage
    summary = q(region.warehouse, f"SELECT n_reports FROM v_region_year_summary WHERE region = '{REGION}' "
                                  "AND year = 2023")[0]
    assert len(cov.included) == summary["n_reports"]
    assert {r["status"] for r in cov.included} <= set(ADMITTED_STATUSES)
    missing_truth = {b for b, y in region.corpus.missing if y == 2023}
    assert {m["bureau_name"] for m in cov.missing} == missing_truth
    held = q(region.warehouse, "SELECT r.report_id, r.bureau, r.n_errors FROM v_reports r WHERE r.region = "
                               f"'{REGION}' AND r.year = 2023 AND r.is_current AND r.status = 'quarantined'")
    assert {h.report_id for h in cov.held_back} == {r["report_id"] for r in held}
    for h in cov.held_back:
        n_errors = next(r["n_errors"] for r in held if r["report_id"] == h.report_id)
        assert len(h.errors) == n_errors and all(e["code"] for e in h.errors)
    # Every bureau of the registry is exactly one of: included, held back, missing.
    names = [r["bureau"] for r in cov.included] + [h.bureau for h in cov.held_back] + [m["bureau_name"] for m in cov.missing]
    assert sorted(names) == sorted(region.corpus.bureaus)
    assert cov.resolutions == ()  # the office decided nothing in this warehouse
    text = report_2023.markdown.read_text(encoding="utf-8")
    for h in cov.held_back:
        assert h.bureau in text and h.errors[0]["code"] in text
    for m in cov.missing:
        assert m["bureau_name"] in text


def test_the_offices_decisions_are_in_the_coverage(region: Region, tmp_path: Path) -> None:
    """Decisions recorded with ``gongkai resolve``'s storage show in the coverage: who decided what,
    for the region-year's current reports only."""
    from warehouse.resolutions import build, store

    with region.warehouse.engine.begin() as conn:
        conn.exec_driver_sql("CHECKPOINT")
    shutil.copy(region.data_dir / "gongkai.duckdb", tmp_path / "gongkai.duckdb")
    with Warehouse.open(data_dir=str(tmp_path)) as warehouse:
        def an_error(year: int) -> dict[str, Any]:
            return q(warehouse, f"SELECT r.report_id, f.code FROM v_reports r JOIN findings f USING (report_id) "
                                f"WHERE r.region = '{REGION}' AND r.year = {year} AND r.is_current "
                                "AND f.severity = 'error' ORDER BY r.report_id, f.code LIMIT 1")[0]

        now, before = an_error(2023), an_error(2022)
        with warehouse.engine.begin() as conn:
            store(conn, [build(conn, now["report_id"], "accept", by="张三", finding_code=now["code"],
                               note="发布方不一致，按原文接受"),
                         build(conn, before["report_id"], "accept", by="李四", finding_code=before["code"],
                               note="上年度的决定")])
        view_columns = set(warehouse.query("SELECT * FROM v_resolutions LIMIT 0").column_names)
        assert set(RESOLUTION_COLUMNS) <= view_columns  # the contract the report reads
        decisions = read_resolutions(warehouse, REGION, 2023)
        assert [d["decided_by"] for d in decisions] == ["张三"]
        assert decisions[0]["report_id"] == now["report_id"] and decisions[0]["kind"] == "accept"
        assert decisions[0]["finding_code"] == now["code"]
        files = build_city_report(warehouse, REGION, 2023, tmp_path / "out", charts=False)
        text = files.markdown.read_text(encoding="utf-8")
        assert "张三" in text and "李四" not in text and "按原文接受" in text


def test_unknown_region_names_the_known_ones(region: Region, tmp_path: Path) -> None:
    with pytest.raises(RegionNotFound, match=f"known regions: {REGION}"):
        build_city_report(region.warehouse, "泉州市", 2023, tmp_path)


# ---------------------------------------------------------------------------
# XLSX, Markdown, charts
# ---------------------------------------------------------------------------

def test_xlsx_keeps_the_forms_merged_headers_and_numbers(report_2023: CityReportFiles) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    layout = layout_for_year(2023)
    wb = load_workbook(report_2023.xlsx)
    s3 = wb[next(n for n in wb.sheetnames if n.startswith("三"))]
    merged = {str(r) for r in s3.merged_cells.ranges}
    n_org = len(APP_ORG_COLUMN_KEYS)
    first_col = 4 + [c.key for c in layout.app_columns].index(APP_ORG_COLUMN_KEYS[0])
    org = f"{get_column_letter(first_col)}4:{get_column_letter(first_col + n_org - 1)}4"
    last = get_column_letter(3 + len(layout.app_columns))
    n_result_rows = sum(1 for r in layout.app_rows if r.group is not None)
    first_result = 6 + [r.group is not None for r in layout.app_rows].index(True)
    denied = [i for i, r in enumerate(layout.app_rows) if r.group == "denied"]
    assert {"A3:C5", f"D3:{last}3", org, "D4:D5", f"{last}4:{last}5", "A6:C6",
            f"A{first_result}:A{first_result + n_result_rows - 1}",
            f"B{6 + denied[0]}:B{6 + denied[-1]}"} <= merged
    assert s3["D3"].value == APP_HEADER_LABEL and s3[org.split(":")[0]].value == APP_ORG_GROUP_LABEL
    total = report_2023.report.data.applications[("new_received", "total")].value
    assert s3[f"{last}6"].value == total and s3["A6"].value == layout.app_rows[0].label
    s4 = wb[next(n for n in wb.sheetnames if n.startswith("四"))]
    assert {"A3:E3", "F3:O3", "F4:J4", "K4:O4", "A4:A5"} <= {str(r) for r in s4.merged_cells.ranges}
    s2 = wb[next(n for n in wb.sheetnames if n.startswith("二"))]
    assert any(str(r).startswith("A3:") for r in s2.merged_cells.ranges)  # the first block's label band


def test_markdown_has_every_row_of_the_form(report_2023: CityReportFiles) -> None:
    layout = layout_for_year(2023)
    text = report_2023.markdown.read_text(encoding="utf-8")
    data = report_2023.report.data
    for row in layout.app_rows:
        line = next(line for line in text.splitlines() if line.startswith("| ") and row.label in line)
        cells = [c.strip().rstrip("*") for c in line.strip("|").split("|")][1:]
        expected = [data.applications[(row.key, c.key)].value for c in layout.app_columns]
        assert cells == [str(v) for v in expected], row.key


def test_charts_exist_as_png_and_svg_with_chinese_glyphs(report_2023: CityReportFiles) -> None:
    assert len(report_2023.charts) == 4
    for svg, png in report_2023.charts.values():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        body = svg.read_text(encoding="utf-8")
        assert body.lstrip().startswith("<?xml") and "<svg" in body
        assert "<text" not in body, "SVG text must be paths, so it renders without the font"
    font = find_cjk_font()
    assert report_2023.font == font.path
    texts = "".join(report_2023.chart_texts)
    chinese = "".join(ch for ch in texts if ord(ch) > 0x2E80)
    assert len(set(chinese)) > 30
    assert font_covers(font.path, "".join(ch for ch in texts if ord(ch) > 127))  # CJK, ·, ÷, full-width marks
    # ...and the check can fail: matplotlib's own DejaVu Sans has no Chinese glyphs (it would draw tofu).
    from matplotlib import font_manager
    assert not font_covers(font_manager.findfont("DejaVu Sans"), chinese)


def test_no_cjk_font_fails_naming_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    latin = [f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    with pytest.raises(ChartFontError, match="fonts-wqy-zenhei"):
        find_cjk_font()


def test_column_labels_come_from_the_spec() -> None:
    layout = layout_for_year(2023)
    assert column_label("new_received_total") == f"{layout.app_rows[0].label} · {layout.app_columns[-1].label}"
    assert column_label("review_total").startswith(REVIEW_CELLS[0].group_label)


# ---------------------------------------------------------------------------
# A real browser
# ---------------------------------------------------------------------------

def _dom_values(dom: str) -> dict[str, str]:
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(dom)
    return {el.get("data-key"): el.text_content().strip() for el in tree.xpath("//*[@data-key]")}


def test_city_report_in_headless_chromium(region: Region, report_2023: CityReportFiles, tmp_path: Path) -> None:
    page = report_2023.html
    dom = dump_dom(page)
    shown = _dom_values(dom)
    layout = layout_for_year(2023)
    apps = _rollup(region.warehouse, "v_region_year_applications", ("row_key", "column_key"), 2023)
    review = _rollup(region.warehouse, "v_region_year_review", ("group_key", "outcome_key"), 2023)
    disclosure = _rollup(region.warehouse, "v_region_year_disclosure", ("block_key", "item_key", "column_key"),
                         2023, value="amount_wan_yuan")
    expected = {f"三.{k}": v for k, v in apps.items() if k.split(".")[0] in layout.app_row_keys}
    expected |= {f"四.{k}": v for k, v in review.items()} | {f"二.{k}": v for k, v in disclosure.items()}
    assert len(expected) == 25 * 7 + 15 + 10  # every cell of the 2021 form
    for key, value in expected.items():
        text = shown[key].rstrip("*")
        number = Decimal(text) if text != "—" else None
        assert number == (Decimal(value) if value is not None else None), key
    summary = q(region.warehouse, f"SELECT year, new_received_total FROM v_region_year_summary WHERE region = '{REGION}'")
    for row in summary:
        assert shown[f"趋势.{row['year']}.new_received_total"] == str(row["new_received_total"])
    # Chinese text survives the round trip, every chart the page shows is on disk, nothing logged.
    assert "收到和处理政府信息公开申请情况" in dom and APP_ORG_GROUP_LABEL in dom
    for src in re.findall(r'<img[^>]+src="([^"]+)"', dom):
        assert (page.parent / src).exists(), src
    assert console_messages(page) == []
    shot = screenshot(page, tmp_path / "city_report_2023.png")
    pdf = print_to_pdf(page, tmp_path / "city_report_2023.pdf")
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        first = doc.pages[0]
        assert first.width > first.height, "A4 landscape"
        assert abs(first.width - 842) < 3 and abs(first.height - 595) < 3
        assert "收到和处理政府信息公开申请情况" in "".join(p.extract_text() or "" for p in doc.pages)
    print(f"screenshot: {shot}\npdf: {pdf}")


# Loads the pages in iframes, eight at a time, and keeps each one's DOM, after its
# scripts ran, in a hidden <textarea>: one Chromium run for the whole site (a run per
# page would cost ~1 s each for ~150 pages).
_HARNESS = """<!doctype html><meta charset="utf-8"><body><div id="out"></div><span id="done"></span>
<script>
const pages = %s;
let started = 0, finished = 0;
function next() {
  if (started >= pages.length) return;
  const page = pages[started++];
  const frame = document.createElement("iframe");
  frame.onload = () => {
    const kept = document.createElement("textarea");
    kept.setAttribute("data-page", page);
    kept.hidden = true;  // 11 MB of text laid out would cost more than the pages
    kept.textContent = frame.contentDocument.documentElement.outerHTML;
    document.getElementById("out").appendChild(kept);
    frame.remove();
    finished += 1;
    if (finished === pages.length) document.getElementById("done").textContent = "done " + finished;
    next();
  };
  frame.src = page;
  document.body.appendChild(frame);
}
for (let k = 0; k < 8; k++) next();
</script>"""


def _region_cells(warehouse: Warehouse) -> dict[str, dict[tuple[str, str, str], str]]:
    """Every cell of the region's reports as the review pages must show it (value text), by report_id."""
    out: dict[str, dict[tuple[str, str, str], str]] = defaultdict(dict)
    for section, view, r, c in (("二", "v_disclosure_cells", "item_key", "column_key"),
                                ("三", "v_application_cells", "row_key", "column_key"),
                                ("四", "v_review_cells", "group_key", "outcome_key")):
        extra = ", amount_wan_yuan" if section == "二" else ""
        for row in q(warehouse, f"SELECT report_id, {r} AS r, {c} AS c, count{extra} FROM {view}"):
            value = row["count"] if row["count"] is not None else row.get("amount_wan_yuan")
            shown = "" if value is None else (str(int(value)) if Decimal(value) == int(value)
                                              else format(Decimal(value).normalize(), "f"))
            out[row["report_id"]][(section, row["r"], row["c"])] = shown
    return out


def test_review_site_of_the_region_in_chromium(region: Region, tmp_path: Path) -> None:
    """The review index and every report page of the generated region (≥ 30 bureaus, 5 years, mixed mess,
    missing submissions) in headless Chromium: no console error on any page, and every cell a page shows
    equals the warehouse's cell marts."""
    import html
    import json

    from review import write_site
    from test_review import _tags

    require_chromium()
    out = tmp_path / "review"
    result = write_site(region.warehouse, out)
    pages = sorted((out / "reports").glob("*.html"))
    assert result.pages == len(pages) >= 100 and result.missing > 0
    names = ["index.html", *(f"reports/{p.name}" for p in pages)]
    harness = out / "all-pages.html"
    harness.write_text(_HARNESS % json.dumps(names), encoding="utf-8")
    done = run_chromium(harness, "--enable-logging=stderr", "--v=0", "--allow-file-access-from-files",
                        "--virtual-time-budget=60000", "--dump-dom")
    errors = [line for line in done.stderr.splitlines() if "CONSOLE" in line and "rror" in line]
    assert errors == [], errors[:5]
    assert f'<span id="done">done {len(names)}</span>' in done.stdout
    kept = dict(re.findall(r'<textarea data-page="([^"]+)"[^>]*>(.*?)</textarea>', done.stdout, re.S))
    assert sorted(kept) == sorted(names)
    index = html.unescape(kept["index.html"])
    assert int(re.search(r'<span id="shown">(\d+)</span>', index).group(1)) > 0  # its script ran
    cells = _region_cells(region.warehouse)
    checked = 0
    for name in names[1:]:
        dom = html.unescape(kept[name])
        report_id = name.removeprefix("reports/").removesuffix(".html")
        shown = {(c["data-section"], c["data-row"], c["data-column"]): c["data-value"] for c in _tags(dom, "td", "cell")}
        expected = cells[report_id]
        assert expected and set(expected) <= set(shown), report_id
        for key, value in expected.items():
            assert shown[key] == value, (report_id, key, shown[key], value)
            checked += 1
    assert checked > 100 * 200


def test_report_command(region: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gongkai.cli import main

    # the command opens the warehouse read-only; DuckDB lets one process hold a file only one way,
    # so it runs on a copy while the module's fixture keeps the original open
    with region.warehouse.engine.begin() as conn:
        conn.exec_driver_sql("CHECKPOINT")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(region.data_dir / "gongkai.duckdb", data / "gongkai.duckdb")
    out = tmp_path / "out"
    assert main(["report", "--region", REGION, "--year", "2022", "--out", str(out), "--no-charts",
                 "--data-dir", str(data)]) == 0
    printed = capsys.readouterr().out
    assert "福州市2022年政府信息公开工作年度报告（汇总）" in printed
    assert all((out / name).exists() for name in ("report.html", "report.xlsx", "report.md"))
    assert main(["report", "--region", "无此市", "--year", "2022", "--out", str(out),
                 "--data-dir", str(data)]) == 1
    assert "known regions: 福州市" in capsys.readouterr().err


def test_counts_by_status_in_the_summary_match(report_2023: CityReportFiles) -> None:
    by_status: dict[str, int] = defaultdict(int)
    for r in report_2023.report.data.coverage.included:
        by_status[r["status"]] += 1
    first = report_2023.report.coverage_summary[0]
    for status, n in by_status.items():
        assert f"（{status}） {n} 份" in first


# ---------------------------------------------------------------------------
# What a reader of the sums must be told
# ---------------------------------------------------------------------------

def test_a_cell_summed_over_fewer_reports_is_starred_and_explained(region: Region, tmp_path: Path) -> None:
    from dataclasses import replace

    from gongkai.cityreport.model import build_model
    from warehouse.region_report import Sum, read_region_year

    data = read_region_year(region.warehouse, REGION, 2023)
    key = ("granted", "natural_person")
    short = Sum(data.applications[key].value, data.n_reports - 1)
    model = build_model(replace(data, applications={**data.applications, key: short}))
    cell = grid_of(model, "三").values()["三.granted.natural_person"]
    assert cell.partial and cell.text == f"{short.value}*"
    assert any("带 * 的数字只合计了部分报告" in n for n in model.notes)


def test_a_bureau_that_sums_others_is_named_as_counted_twice(region: Region, tmp_path: Path) -> None:
    import csv

    with region.warehouse.engine.begin() as conn:
        conn.exec_driver_sql("CHECKPOINT")
    shutil.copy(region.data_dir / "gongkai.duckdb", tmp_path / "gongkai.duckdb")
    rows = list(csv.DictReader(region.corpus.registry_csv.open(encoding="utf-8")))
    included = q(region.warehouse, f"SELECT bureau FROM v_reports WHERE region = '{REGION}' AND year = 2023 "
                                   "AND is_current AND status <> 'quarantined' ORDER BY bureau")
    parent = included[0]["bureau"]
    for r in [r for r in rows if r["bureau"] != parent][:3]:
        r["parent"] = parent
    registry = tmp_path / "registry.csv"
    with registry.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with Warehouse.open(data_dir=str(tmp_path)) as warehouse:
        warehouse.load_registry(registry)
        files = build_city_report(warehouse, REGION, 2023, tmp_path / "out", charts=False)
    warned = [n for n in files.report.notes if "重复计算" in n]
    assert len(warned) == 1 and parent in warned[0]
    assert [r["bureau"] for r in files.report.data.coverage.aggregates] == [parent]


def test_a_year_without_reports_says_so(region: Region, tmp_path: Path) -> None:
    files = build_city_report(region.warehouse, REGION, 2030, tmp_path, charts=False)
    assert files.report.data.n_reports == 0
    assert any("没有任何2030年度的报告" in n for n in files.report.notes)
    assert all(c.value is None for c in grid(files, "三").values().values())


def grid_of(report, key: str):
    return next(g for g in report.form_grids if g.key == key)


@pytest.mark.postgres
def test_the_same_numbers_on_postgresql(region: Region) -> None:
    """The reader is plain SQLAlchemy on the views: the region copied into PostgreSQL reads back the same."""
    from pg import postgres_schema

    from transforms.tables import REPORT_TABLES, SCHEMAS
    from warehouse.region_report import read_region_year

    with postgres_schema("city") as url, Warehouse.open(url) as pg:
        pg.load_registry(region.corpus.registry_csv)
        for year in YEARS:
            pg.load({name: region.warehouse.export_table(name, year).select(SCHEMAS[name].names)
                     for name in REPORT_TABLES})
        duck, other = read_region_year(region.warehouse, REGION, 2023), read_region_year(pg, REGION, 2023)
    assert duck.n_reports > 0
    assert other.applications == duck.applications
    assert other.review == duck.review and other.disclosure == duck.disclosure
    assert other.summary == duck.summary
    assert other.bureaus == duck.bureaus and other.year_over_year == duck.year_over_year

    def cov(ry: Any) -> tuple:
        c = ry.coverage
        return (sorted((r["report_id"], r["status"]) for r in c.included), [m["bureau_name"] for m in c.missing],
                sorted((h.report_id, tuple(e["code"] for e in h.errors)) for h in c.held_back), c.resolutions)
    assert cov(other) == cov(duck)
