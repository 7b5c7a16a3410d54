"""Per-file budgets: hostile files become ``file.too_large`` / ``file.too_slow`` findings, the rest of the batch loads.

The dispatch checks (sizes, zip directory, DTDs, tag count, page count) hold in any
process; the time and memory budgets are the parse pool workers' (``flows.parallel``),
tested with a stand-in parser that misbehaves on cue (``tests/worker_stand_in.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import hostile
from flows.parallel import ParseItem, ParsePool, parse_chunk
from transforms.parse import parse_bytes
from transforms.readers.limits import Limits
from transforms.tables import content_sha256, report_id_for

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "real" / "008_pingtan_gaj_2021.txt"


def _item(name: str, data: bytes) -> ParseItem:
    sha = content_sha256(data + name.encode())
    return ParseItem(data, name, f"/landing/{name}", report_id_for(sha), sha)


def _codes(chunk, name: str) -> set[str]:
    rid = next(h.report_id for h in chunk.heads if h.name == name)
    return {r["code"] for r in chunk.tables["findings"].to_pylist() if r["report_id"] == rid}


@pytest.mark.parametrize("name, make", [
    ("bomb.docx", hostile.zip_bomb),
    ("laughs.docx", hostile.billion_laughs),
    ("huge.html", hostile.oversized_html),
    ("tags.html", hostile.tag_flood_html),
    ("pages.pdf", hostile.many_page_pdf),
])
def test_hostile_file_is_too_large_without_being_read(name: str, make) -> None:
    data = make()
    start = time.process_time()
    report = parse_bytes(data, name)
    assert [f.code for f in report.findings] == ["file.too_large"], report.findings
    assert time.process_time() - start < 5  # seen from the directory / header, never inflated or parsed


def test_limits_are_generous_for_real_reports() -> None:
    for path in sorted((REPO / "samples" / "real").glob("030_*.*")):
        if path.suffix == ".json":
            continue
        codes = {f.code for f in parse_bytes(path.read_bytes(), path.name).findings}
        assert not codes & {"file.too_large", "file.too_slow"}, (path.name, codes)


def test_run_together_digits_are_bounded() -> None:
    start = time.process_time()
    report = parse_bytes(hostile.run_together_digits(400), "digits.txt")
    assert time.process_time() - start < 20
    assert {"cell.split_impossible", "cell.split_ambiguous"} & {f.code for f in report.findings}


def test_numbers_no_column_holds_are_findings_on_their_cells(tmp_path: Path) -> None:
    from gongkai.synth.cli import main as synth

    synth(["--n", "1", "--out", str(tmp_path), "--seed", "3", "--carriers", "txt"])
    template = next(tmp_path.glob("*.txt")).read_text(encoding="utf-8")
    files = hostile.oversized_numbers(template)
    chunk = parse_chunk([_item(n, d) for n, d in files.items()] + [_item("ok.txt", template.encode())], "v", "run")
    for name in files:
        assert "cell.out_of_range" in _codes(chunk, name), name
    assert "cell.out_of_range" not in _codes(chunk, "ok.txt")
    statuses = dict(zip(chunk.tables["reports"]["source_path"].to_pylist(), chunk.tables["reports"]["status"].to_pylist()))
    assert statuses["/landing/count_21_digits.txt"] == "quarantined"
    facts = chunk.tables["application_facts"].to_pylist()
    assert any(r["raw_text"] == "123456789012345678901" and r["count"] is None for r in facts)


def test_worker_budgets_isolate_slow_hungry_and_killing_files() -> None:
    """Each misbehaving file is a finding; the real sample beside them parses as usual."""
    items = [_item(n, b"x" * 10) for n in ("spin-forever.txt", "eat-memory.txt", "kill-worker.txt")]
    items.append(_item("good.txt", SAMPLE.read_bytes()))
    limits = Limits(seconds_per_file=3.0, worker_memory_bytes=900 * 2**20)
    with ParsePool(2, min_batch=1, limits=limits, parser="worker_stand_in:parse_bytes") as pool:
        chunk = pool.parse(items, "v", "run")
    assert [h.name for h in chunk.heads] == [i.name for i in items]
    assert "file.too_slow" in _codes(chunk, "spin-forever.txt")
    assert "file.too_large" in _codes(chunk, "eat-memory.txt")
    assert _codes(chunk, "kill-worker.txt") & {"file.too_large", "file.too_slow"}
    good = _codes(chunk, "good.txt")
    assert not good & {"file.too_large", "file.too_slow", "file.unreadable"}
    bureaus = dict(zip(chunk.tables["reports"]["source_path"].to_pylist(), chunk.tables["reports"]["bureau"].to_pylist()))
    assert bureaus["/landing/good.txt"] == "平潭综合实验区公安局"
