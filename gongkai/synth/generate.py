"""Truth, then mess, then text: one synthetic report at a time, reproducible by seed.

Each report draws from its own ``random.Random`` seeded by (seed, index, purpose),
so report 17 is the same whether 20 or 2000 reports are generated, and a carrier
added later does not shift the numbers of the others. Every carrier of a report
shows the same truth (as the real 030 sample comes in five carriers).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from gongkai.synth.evidence import add_statements, draw_previous
from gongkai.synth.mess import MessPlan, decide_blanks, draw_plan, draw_title_layout, draw_variants, inject_errors
from gongkai.synth.model import Doc, build_doc
from gongkai.synth.names import Bureau
from gongkai.synth.render_html import render_html
from gongkai.synth.render_txt import render_run_together, render_txt
from gongkai.synth.truth import ReportTruth, draw_truth

CARRIERS: tuple[str, ...] = ("txt", "html", "docx", "xlsx", "pdf", "md")
MAX_MESS = 3


def report_rng(seed: int, index: int, purpose: str) -> random.Random:
    # str seeds hash with SHA-512 in CPython's random: stable across runs and platforms
    return random.Random(f"gongkai-synth:{seed}:{index}:{purpose}")


def make_report(seed: int, index: int, mess: int, bureau: Bureau | None = None,
                year: int | None = None) -> tuple[ReportTruth, MessPlan, Doc]:
    rng = report_rng(seed, index, "truth")
    truth = draw_truth(rng, index, bureau, year)
    truth.mess = mess
    plan = draw_plan(rng, mess, truth)
    draw_title_layout(report_rng(seed, index, "title"), plan)
    draw_variants(report_rng(seed, index, "variants"), plan, truth)
    if mess >= 3:
        inject_errors(rng, truth)
    blanks = decide_blanks(rng, truth, plan)
    doc = build_doc(rng, truth, plan, blanks)
    ev = report_rng(seed, index, "evidence")  # its own stream: tables, mess and text above stay as they were
    add_statements(ev, truth, doc)
    draw_previous(ev, truth)
    truth.features = plan.features()
    return truth, plan, doc


def _txt(doc: Doc, truth: ReportTruth, plan: MessPlan, rng: random.Random) -> bytes:
    if plan.run_together:
        return render_run_together(doc, rng, truth.publication_date)
    return render_txt(doc, rng)


def _html(doc: Doc, truth: ReportTruth, plan: MessPlan, rng: random.Random) -> bytes:
    return render_html(doc, rng)


def _md(doc: Doc, truth: ReportTruth, plan: MessPlan, rng: random.Random) -> bytes:
    from gongkai.synth.render_md import render_md

    return render_md(doc, rng, plan.level)


def _office(carrier: str) -> Callable[[Doc, ReportTruth, MessPlan, random.Random], bytes]:
    def render(doc: Doc, truth: ReportTruth, plan: MessPlan, rng: random.Random) -> bytes:
        from gongkai.synth import render_office  # python-docx / reportlab only when asked for

        return render_office.RENDERERS[carrier](doc, rng)
    return render


RENDERERS: dict[str, Callable[[Doc, ReportTruth, MessPlan, random.Random], bytes]] = {
    "txt": _txt, "html": _html, "docx": _office("docx"), "xlsx": _office("xlsx"), "pdf": _office("pdf"),
    "md": _md,
}


def render_report(seed: int, index: int, mess: int, carrier: str) -> tuple[bytes, dict]:
    """One carrier of one report, and its truth JSON object."""
    if carrier not in RENDERERS:
        raise ValueError(f"unknown carrier {carrier!r}; known: {', '.join(CARRIERS)}")
    truth, plan, doc = make_report(seed, index, mess)
    data = RENDERERS[carrier](doc, truth, plan, report_rng(seed, index, f"render:{carrier}"))
    out = truth.to_json(carrier)
    if carrier != "txt":
        out["features"] = dict(out["features"], run_together=False)
    return data, out


def generate(n: int, out_dir: Path, seed: int, carriers: tuple[str, ...] = ("txt", "html"), mess: int = 0) -> list[Path]:
    """Write n reports in each carrier to out_dir with a ``.truth.json`` beside each; returns the documents."""
    if not 0 <= mess <= MAX_MESS:
        raise ValueError(f"mess level must be 0..{MAX_MESS}, got {mess}")
    unknown = [c for c in carriers if c not in RENDERERS]
    if unknown:
        raise ValueError(f"unknown carrier(s) {', '.join(unknown)}; known: {', '.join(CARRIERS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index in range(n):
        truth, plan, doc = make_report(seed, index, mess)
        for carrier in carriers:
            data = RENDERERS[carrier](doc, truth, plan, report_rng(seed, index, f"render:{carrier}"))
            stem = f"s{seed}_{index:05d}_{carrier}"
            path = out_dir / f"{stem}.{carrier}"
            path.write_bytes(data)
            truth_obj = truth.to_json(carrier)
            if carrier != "txt":
                truth_obj["features"] = dict(truth_obj["features"], run_together=False)
            (out_dir / f"{stem}.truth.json").write_text(
                json.dumps(truth_obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            paths.append(path)
    return paths
