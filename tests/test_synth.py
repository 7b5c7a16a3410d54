"""The synthetic generator itself: deterministic, truthful, and able to draw every carrier.

The round trip through the parser lives in ``test_synth_roundtrip.py``; here we
only check the generator's promises, so a parser bug can never fail this file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai.synth import CARRIERS, generate, main, make_report, render_report
from gongkai.synth.truth import identity_failures
from transforms.spec import LAYOUTS, layout_for_year

MAGIC = {"pdf": b"%PDF", "docx": b"PK\x03\x04", "xlsx": b"PK\x03\x04"}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


@pytest.mark.parametrize("mess", [0, 3])
def test_same_seed_same_bytes(tmp_path: Path, mess: int) -> None:
    a = generate(4, tmp_path / "a", seed=11, carriers=CARRIERS, mess=mess)
    b = generate(4, tmp_path / "b", seed=11, carriers=CARRIERS, mess=mess)
    assert [p.name for p in a] == [p.name for p in b]
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert len(list((tmp_path / "a").glob("*.truth.json"))) == 4 * len(CARRIERS)


def test_other_seed_other_reports(tmp_path: Path) -> None:
    generate(3, tmp_path / "a", seed=1)
    generate(3, tmp_path / "b", seed=2)
    assert _tree(tmp_path / "a") != _tree(tmp_path / "b")


def test_report_does_not_depend_on_n_or_carriers() -> None:
    """Report i is drawn from its own rng: adding reports or carriers never shifts it."""
    alone, truth = render_report(5, 3, 2, "txt")
    generated = make_report(5, 3, 2)[0]
    assert truth["applications"] == generated.applications
    assert alone == render_report(5, 3, 2, "txt")[0]


@pytest.mark.parametrize("mess", [0, 1, 2])
def test_clean_truth_satisfies_identities(mess: int) -> None:
    for i in range(150):
        truth = make_report(17, i, mess)[0]
        assert truth.injected_errors == []
        assert identity_failures(truth.layout, truth.applications, truth.review) == [], i


def test_injected_errors_break_exactly_what_they_say() -> None:
    kinds: set[str] = set()
    with_errors = 0
    for i in range(300):
        truth = make_report(17, i, 3)[0]
        failures = identity_failures(truth.layout, truth.applications, truth.review)
        declared = [b for e in truth.injected_errors for b in e["breaks"]]
        assert sorted(map(json.dumps, failures)) == sorted(map(json.dumps, declared)), i
        for e in truth.injected_errors:
            assert e["breaks"], f"report {i}: {e['kind']} broke nothing"
            assert e["identity"] == sorted({b["identity"] for b in e["breaks"]})
            kinds.add(e["kind"])
        with_errors += bool(truth.injected_errors)
    assert kinds == {"total_drops_applicant", "result_row_not_summing",
                     "counted_handled_and_carried_forward", "review_total_wrong"}
    assert 60 < with_errors < 260


def test_truth_has_the_expected_json_shape() -> None:
    layouts = set()
    for i in range(60):
        _, truth = render_report(3, i, 1, "html")
        layout = LAYOUTS[truth["layout"]]
        layouts.add(layout.id)
        assert 2019 <= truth["year"] <= 2025
        assert layout_for_year(truth["year"]).id == layout.id
        assert list(truth["applications"]) == list(layout.app_row_keys)
        assert all(len(v) == 7 and all(isinstance(x, int) for x in v) for v in truth["applications"].values())
        assert len(truth["review_litigation"]) == 15
        expected_cells = [(b.label, it.label, c.label) for b in layout.blocks for it in b.items for c in b.columns]
        assert [(a["block"], a["item"], a["column"]) for a in truth["active_disclosure"]] == expected_cells
        assert truth["bureau"] and truth["region"] and truth["carrier"] == "html" and truth["mess"] == 1
    assert layouts == {"2019", "2021"}


def test_magnitudes_are_zero_heavy_with_a_long_tail() -> None:
    totals = [make_report(23, i, 0)[0].applications["new_received"][-1] for i in range(400)]
    assert sum(t <= 30 for t in totals) / len(totals) > 0.6
    assert max(totals) >= 600
    licensing = [v for i in range(400) for (b, it, c), v in make_report(23, i, 0)[0].active.items()
                 if it == "licensing" and c == "decisions"]
    assert max(licensing) > 50_000


def test_blank_cells_are_zeros_and_recorded() -> None:
    seen = 0
    for i in range(80):
        truth = make_report(9, i, 1)[0]
        for cell in truth.blank_cells:
            seen += 1
            if cell["section"] == "三":
                ci = truth.layout.app_column_keys.index(cell["column"])
                assert truth.applications[cell["row"]][ci] == 0
            elif cell["section"] == "四":
                assert truth.review[cell["index"]] == 0
            else:
                assert truth.active[(cell["block"], cell["item"], cell["column"])] == 0
    assert seen > 100


def test_narratives_and_period_sentence() -> None:
    for i in range(30):
        truth, _, doc = make_report(4, i, 0)
        text = "\n".join(getattr(b, "text", "") for b in doc.blocks)
        assert f"本报告所列数据的统计期限自{truth.year}年1月1日起至{truth.year}年12月31日止。" in text
        assert doc.title.startswith(truth.bureau.name)
        if truth.year >= 2021:
            assert "信息处理费" in truth.narratives["other"]


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("mess", [0, 3])
def test_every_carrier_renders(carrier: str, mess: int) -> None:
    from transforms.readers import sniff_carrier

    for i in range(2):
        data, truth = render_report(8, i, mess, carrier)
        assert data.startswith(MAGIC.get(carrier, b""))
        assert sniff_carrier(data, f"x.{carrier}") == carrier
        if carrier in ("txt", "html"):
            assert truth["bureau"] in data.decode("utf-8")


def test_html_has_spans_and_txt_has_tabs() -> None:
    html = render_report(1, 0, 0, "html")[0].decode()
    assert "rowspan=" in html and "colspan=" in html and "&nbsp;" in html
    txt = render_report(1, 0, 0, "txt")[0].decode()
    assert "\t" in txt and "第二十条第（一）项" in txt


def test_run_together_text_is_one_line_after_the_crawler_header() -> None:
    for i in range(40):
        data, truth = render_report(2, i, 3, "txt")
        if truth["features"]["run_together"]:
            head, body = data.decode().split("==================== 正文 ====================\n")
            assert head.startswith("标题: ")
            assert "\t" not in body and body.count("\n") == 1
            return
    pytest.fail("no run-together report among 40 at mess 3")


def test_pdf_text_layer_gives_the_chinese_back() -> None:
    import pypdfium2

    data, truth = render_report(6, 0, 0, "pdf")
    pdf = pypdfium2.PdfDocument(data)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert truth["bureau"] in text.replace("\r", "").replace("\n", "")
    assert "收到和处理政府信息公开申请情况" in text


def test_cli_writes_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--n", "2", "--out", str(tmp_path), "--seed", "4", "--carriers", "txt,xlsx", "--mess", "2"]) == 0
    assert len(list(tmp_path.glob("*.truth.json"))) == 4
    assert "wrote 4 files" in capsys.readouterr().out
    assert main(["--n", "1", "--out", str(tmp_path), "--seed", "4", "--carriers", "doc"]) == 2


def test_python_dash_m(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "gongkai.synth", "--n", "1", "--out", str(tmp_path), "--seed", "1"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".json", ".json", ".txt"]


def test_bytes_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    """Nothing may iterate a set or hash-ordered dict into the output: check across processes."""
    import os

    for h in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=h)
        subprocess.run([sys.executable, "-m", "gongkai.synth", "--n", "3", "--out", str(tmp_path / h), "--seed", "5",
                        "--carriers", "txt,html,xlsx", "--mess", "3"], check=True, env=env, capture_output=True)
    assert _tree(tmp_path / "1") == _tree(tmp_path / "2")
