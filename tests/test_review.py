"""The office's review pages (issue 11): offline, laid out from the spec, every shown value equal to
the warehouse's, decisions shown and offered to a resubmission; checked as HTML and in headless Chromium."""

from __future__ import annotations

import html
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from flows.ingest import annual_ingest
from gongkai.cli import main
from flows.settings import default_warehouse_url
from review.cells import STATES, candidate_readings, cell_state
from transforms.spec import LAYOUTS
from transforms.splitting import Piece, describe_candidates

from browser import load, require_chromium, screenshot

REPO = Path(__file__).resolve().parent.parent
FILES = ("002_pingtan_2019.txt", "004_pingtan_2021.txt", "008_pingtan_gaj_2021.txt")
_TAG = re.compile(r"<(td|tr)\b([^>]*)>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def _open(data: Path):
    from warehouse.store import Warehouse

    return Warehouse.open(url=default_warehouse_url(data))


def _q(data, sql: str) -> list[dict]:
    """Rows of ``sql`` on an open warehouse, or on the one under a data folder (opened for the query)."""
    if not isinstance(data, Path):
        return data.query(sql).to_pylist()
    with _open(data) as wh:
        return wh.query(sql).to_pylist()


def _tags(text: str, tag: str, cls: str | None = None) -> list[dict[str, str]]:
    out = []
    for name, attrs in _TAG.findall(text):
        if name != tag:
            continue
        a = {k: html.unescape(v) for k, v in _ATTR.findall(attrs)}
        if cls is None or cls in a.get("class", "").split():
            out.append(a)
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """Three samples ingested, 008's inconsistency accepted and one 004 cell set; the site written by the ingest."""
    root = tmp_path_factory.mktemp("review")
    landing = root / "landing"
    landing.mkdir()
    for name in FILES:
        shutil.copy(REPO / "samples" / "real" / name, landing / name)
    data = root / "data"
    summary = annual_ingest.fn(source=str(landing), data_dir=str(data))
    assert summary.review_index == str(data / "review" / "index.html")
    ids = {r["name"]: r["report_id"] for r in _q(data, "SELECT report_id, regexp_extract(source_path, '[^/]+$') AS name "
                                                       "FROM reports")}
    assert main(["resolve", "accept", ids[FILES[2]], "--finding", "identity.I1", "--note", "acknowledged",
                 "--data-dir", str(data)]) == 0
    assert main(["resolve", "set", ids[FILES[1]], "--section", "二", "--row", "normative_docs", "--column", "issued",
                 "--value", "69", "--note", "reading 1", "--data-dir", str(data)]) == 0
    return landing, data, ids


def _warehouse_cells(data, report_id: str) -> dict[tuple[str, str, str], tuple[str, str | None]]:
    out = {}
    for section, view, r, c in (("二", "v_disclosure_cells", "item_key", "column_key"),
                                ("三", "v_application_cells", "row_key", "column_key"),
                                ("四", "v_review_cells", "group_key", "outcome_key")):
        extra = ", amount_wan_yuan" if section == "二" else ""
        for row in _q(data, f"SELECT {r} AS r, {c} AS c, count{extra}, how FROM {view} "
                            f"WHERE report_id = '{report_id}'"):
            value = row["count"] if row["count"] is not None else row.get("amount_wan_yuan")
            shown = "" if value is None else (str(int(value)) if Decimal(value) == int(value)
                                              else format(Decimal(value).normalize(), "f"))
            out[(section, row["r"], row["c"])] = (shown, row["how"])
    return out


def _check_page_against_warehouse(text: str, data, report_id: str) -> list[dict[str, str]]:
    cells = _tags(text, "td", "cell")
    expected = _warehouse_cells(data, report_id)
    shown = {(c["data-section"], c["data-row"], c["data-column"]): c for c in cells}
    assert set(expected) <= set(shown)
    for key, (value, how) in expected.items():
        cell = shown[key]
        assert cell["data-value"] == value, (key, cell, value)
        if how == "resolved":
            assert cell["data-state"] == "resolved"
        elif value == "":
            assert cell["data-state"] == "null"
    return cells


def test_pages_work_offline(site) -> None:
    _, data, _ = site
    pages = list((data / "review").rglob("*.html"))
    assert len(pages) == 1 + len(FILES)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I), page
        assert "url(" not in text and "@import" not in text and "<link" not in text, page
        assert "<script src" not in text, page


def test_index_counts_equal_the_warehouse(site) -> None:
    _, data, ids = site
    text = (data / "review" / "index.html").read_text(encoding="utf-8")
    rows = {r["data-report"]: r for r in _tags(text, "tr") if "data-report" in r}
    reports = _q(data, "SELECT report_id, bureau, status, n_errors FROM reports WHERE is_current")
    assert set(rows) == {r["report_id"] for r in reports}
    body = text.split("<tbody>", 1)[1]
    for r in reports:
        assert rows[r["report_id"]]["data-status"] == r["status"]
        assert rows[r["report_id"]]["data-bureau"] == r["bureau"]
        row_html = body.split(f'data-report="{r["report_id"]}"', 1)[1].split("</tr>", 1)[0]
        assert f'<td class="num errors">{r["n_errors"]}</td>' in row_html
    # bureau names, never bare ids, as link text
    assert not re.search(r">[0-9a-f]{20}<", body)
    assert {r["status"] for r in reports} >= {"resolved", "quarantined"}


def test_report_page_is_the_form_with_warehouse_values(site) -> None:
    _, data, ids = site
    with _open(data) as wh:
        _check_pages(data, wh, ids)


def _check_pages(data: Path, wh, ids: dict[str, str]) -> None:
    for name, rid in ids.items():
        text = (data / "review" / "reports" / f"{rid}.html").read_text(encoding="utf-8")
        _check_page_against_warehouse(text, wh, rid)
        (rep,) = _q(wh, f"SELECT layout, n_errors, status FROM reports WHERE report_id = '{rid}'")
        layout = LAYOUTS[rep["layout"]]
        # section 三 rows in the spec's order, labels from the spec
        assert [r["data-row"] for r in _tags(text, "tr") if "data-row" in r] == list(layout.app_row_keys)
        for row in layout.app_rows:
            assert html.escape(row.label) in text
        assert f'<b class="n-errors">{rep["n_errors"]}</b>' in text
    page_004 = (data / "review" / "reports" / f"{ids[FILES[1]]}.html").read_text(encoding="utf-8")
    states = {c["data-state"] for c in _tags(page_004, "td", "cell")}
    # 二 制发 set by the office, 废止/现行有效 still unread, 四 read by the document's habit, 三 split
    assert {"resolved", "null", "evidence", "recovered"} <= states
    assert "gongkai resolve set " + ids[FILES[1]] + " --section 二 --row normative_docs --values 69,3,665" \
        in html.unescape(page_004)
    assert "可能的读法：6 / 69 / 693 / 6936" in html.unescape(page_004)  # candidate readings of an ambiguous cell
    page_008 = (data / "review" / "reports" / f"{ids[FILES[2]]}.html").read_text(encoding="utf-8")
    assert {c["data-state"] for c in _tags(page_008, "td", "cell")} >= {"failed_identity", "printed"}
    assert "按原文接受 identity.I1" in page_008 and "acknowledged" in page_008


def test_page_writers_write_the_same_pages(site, tmp_path: Path) -> None:
    """The pool of page-writing processes (a large year's default) writes byte for byte what this process writes."""
    from review import write_site

    _, data, _ = site
    with _open(data) as wh:
        serial = write_site(wh, tmp_path / "serial", workers=0, chunk=1)
        pooled = write_site(wh, tmp_path / "pooled", workers=2, chunk=1)
    assert (serial.workers, pooled.workers) == (0, 2) and pooled.pages == serial.pages == len(FILES)
    assert pooled.worker_cpu_seconds > 0  # some page went through a worker (the decided ones are written here)
    names = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*.html"))
    assert names == sorted(p.relative_to(tmp_path / "pooled") for p in (tmp_path / "pooled").rglob("*.html"))
    for name in names:
        assert (tmp_path / "pooled" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes(), name


def test_resubmission_is_offered_the_old_decisions(site, tmp_path: Path) -> None:
    landing, data, ids = site
    work = tmp_path / "data"
    shutil.copytree(data, work)
    path = landing.parent / "landing2"
    shutil.copytree(landing, path)
    gaj = path / FILES[2]
    gaj.write_bytes(gaj.read_bytes() + "\n（重新报送）\n".encode())
    annual_ingest.fn(source=str(path), data_dir=str(work))
    (new,) = _q(work, "SELECT report_id, status FROM reports WHERE is_current AND source_path LIKE '%008_%'")
    assert new["report_id"] != ids[FILES[2]] and new["status"] == "quarantined"
    text = html.unescape((work / "review" / "reports" / f"{new['report_id']}.html").read_text(encoding="utf-8"))
    assert "以前版本的认定" in text and 'data-applies="true"' in text
    assert f"gongkai resolve accept {new['report_id']} --finding identity.I1" in text
    assert "公开办对本版本的认定" not in text
    old = html.unescape((work / "review" / "reports" / f"{ids[FILES[2]]}.html").read_text(encoding="utf-8"))
    assert "已被替代" in old and f"{new['report_id']}.html" in old


def test_in_chromium(site, tmp_path: Path) -> None:
    require_chromium()
    _, data, ids = site
    index = data / "review" / "index.html"
    dom, errors = load(index)
    assert errors == []
    rows = [r for r in _tags(dom, "tr") if "data-report" in r]
    assert len(rows) == len(FILES)
    shown = re.search(r'<span id="shown">(\d+)</span>', dom)
    assert shown is not None and int(shown.group(1)) == len(_tags(dom, "tr")) - 1 - 0  # the script ran
    shots = tmp_path / "screenshots"
    screenshot(index, shots / "index.png")
    with _open(data) as wh:
        for name in FILES[1:]:  # 004: unread, recovered and office-set cells; 008: a failed identity
            page = data / "review" / "reports" / f"{ids[name]}.html"
            dom, errors = load(page)
            assert errors == []
            _check_page_against_warehouse(dom, wh, ids[name])
    screenshot(data / "review" / "reports" / f"{ids[FILES[1]]}.html", shots / "004_pingtan_2021.png", height=2600)
    assert len(list(shots.glob("*.png"))) == 2
    print(f"screenshots: {shots}")


def test_cell_state_is_one_function() -> None:
    assert cell_state(None) == "null"
    assert cell_state(None, resolved=True) == "resolved"
    assert cell_state(5, is_recovered=True) == "recovered"
    assert cell_state(0, is_blank=True) == "blank"
    assert cell_state(3, failed_identity=True, is_recovered=True) == "failed_identity"
    assert cell_state(3) == "printed"
    assert cell_state(3, how="split_by_narrative") == "evidence"
    assert cell_state(3, how="split_by_row_sum", is_recovered=False) == "recovered"
    assert cell_state(0, how="printed", is_blank=True) == "blank"
    assert set(STATES) >= {"null", "resolved", "recovered", "blank", "printed", "failed_identity", "evidence"}


def test_candidate_readings_read_back_what_the_splitter_wrote() -> None:
    def piece(v: str) -> Piece:
        return Piece(Decimal(v), "" if v == "0" else v, v == "0" and False)

    readings = [(piece("69"), piece("3"), piece("665")), (piece("6"), piece("93"), piece("665")),
                (Piece(Decimal(0), "", True), piece("693"), piece("665"))]
    text = f"第二部分…的数字“693665”连在一起，有多种拆分方式（可拆为{describe_candidates(readings)}），以下单元格无法确定"
    got = candidate_readings(text, 3)
    assert (Decimal(69), Decimal(3), Decimal(665)) in got and (None, Decimal(693), Decimal(665)) in got
    assert candidate_readings(text, 7) == []
    many = "（可拆为超过24种读法，其中不含空白单元格的有：8 · 9 · 8989；89 · 8 · 989），以下"
    assert candidate_readings(many, 3) == [(Decimal(8), Decimal(9), Decimal(8989)), (Decimal(89), Decimal(8), Decimal(989))]
