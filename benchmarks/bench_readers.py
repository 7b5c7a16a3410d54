"""Time the DOCX, XLSX and PDF readers against each carrier's read floor, on the 030 report and a generated corpus.

    .venv/bin/python benchmarks/bench_readers.py [-n 20] [--synth 25] [--mess 0,3]

For each carrier it prints the reader's time per report next to the *read
floor* — the least any reader must do to get at the text: unzip and parse the
XML with lxml and touch every text node (DOCX: each ``w:t`` of
``word/document.xml``; XLSX: each value and string of the sheets and
``sharedStrings.xml``), or for PDF open the file with pypdfium2 and take every
character with its box — and the ratio of the two. Times are CPU seconds of
this process (``time.process_time``; the machine may be shared, wall time is
printed beside it) as the median of N warm runs for the 030 report, and the
mean over the corpus for generated reports. PDF also gets pages/s, and every
carrier the count of files its fast path handed to the slow library
(pdfplumber, openpyxl). The 030 rows check the section 三/四 numbers read from
the cells against ``030_….expected.json``.

The alternatives the readers were chosen against follow (python-docx's object
layer, the openpyxl and pdfplumber paths, pdfplumber's word extraction alone),
so the choice can be re-checked.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from transforms.document import Document, Table
from transforms.readers import docx, pdf, pdf_objects, xlsx, xlsx_parts

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real"
STEM = "030_pingtan_zrz_2023_page"
READERS: dict[str, Callable[[bytes, str], Document]] = {"docx": docx.read, "xlsx": xlsx.read, "pdf": pdf.read}
BLANKS = " \t\r\n\u00a0\u3000"


# ---------------------------------------------------------------- read floors

W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
S_TEXT = ("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}v",
          "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t")


def floor_docx(data: bytes) -> None:
    """Unzip, parse word/document.xml, touch every w:t."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    for t in root.iter(W_T):
        t.text


def floor_xlsx(data: bytes) -> None:
    """Unzip, parse the sheets and sharedStrings.xml, touch every value and string."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for part in zf.namelist():
            if part == "xl/sharedStrings.xml" or (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                for el in etree.fromstring(zf.read(part)).iter(*S_TEXT):
                    el.text


def floor_pdf(data: bytes) -> None:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    for page in doc:
        tp = page.get_textpage()
        tp.get_text_range()
        for i in range(tp.count_chars()):
            tp.get_charbox(i)
        tp.close()
        page.close()
    doc.close()


FLOORS: dict[str, Callable[[bytes], None]] = {"docx": floor_docx, "xlsx": floor_xlsx, "pdf": floor_pdf}


# ---------------------------------------------------------------- timing

def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """Median (CPU ms, wall ms) of n warm calls (one untimed call first: imports, caches)."""
    fn()
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def corpus_time(fn: Callable[[bytes], object], blobs: list[bytes]) -> tuple[float, float]:
    """Mean (CPU ms, wall ms) per file over the corpus, after one warm-up call."""
    fn(blobs[0])
    c0, w0 = time.process_time(), time.perf_counter()
    for blob in blobs:
        fn(blob)
    return (time.process_time() - c0) * 1000 / len(blobs), (time.perf_counter() - w0) * 1000 / len(blobs)


def fallbacks(carrier: str) -> dict[str, int]:
    stats = {"pdf": pdf_objects.STATS, "xlsx": xlsx_parts.STATS}.get(carrier)
    return dict(stats) if stats is not None else {"fast": -1, "fallback": 0}


def pdf_pages(blobs: list[bytes]) -> int:
    import pypdfium2

    total = 0
    for blob in blobs:
        doc = pypdfium2.PdfDocument(blob)
        total += len(doc)
        doc.close()
    return total


# ---------------------------------------------------------------- 030 check

def row_numbers(doc: Document, label: str) -> list[int]:
    for block in doc.blocks:
        if not isinstance(block, Table):
            continue
        for row in block.rows:
            if any(label in c.text and not c.is_span_copy for c in row):
                seen, out = set(), []
                for c in row:
                    t = c.text.strip(BLANKS)
                    if c.origin not in seen and t.isdigit():
                        out.append(int(t))
                    seen.add(c.origin)
                return out
    return []


def score(doc: Document, expected: dict) -> str:
    """Compare a few rows read straight from the cells with the ground truth."""
    apps = expected["applications"]
    checks = {
        "new_received": row_numbers(doc, "本年新收") == apps["new_received"],
        "partially_granted": row_numbers(doc, "（二）部分公开") == apps["partially_granted"],
        "results_total": row_numbers(doc, "（七）总计") == apps["results_total"],
        "review_litigation": any(
            [int(c.text.strip(BLANKS)) for c in row if not c.is_span_copy and c.text.strip(BLANKS).isdigit()]
            == expected["review_litigation"]
            for b in doc.blocks if isinstance(b, Table) for row in b.rows),
    }
    failed = [k for k, ok in checks.items() if not ok]
    return "ok" if not failed else "MISMATCH " + ",".join(failed)


# ---------------------------------------------------------------- alternatives

def alternatives(n: int, data: dict[str, bytes]) -> list[tuple[str, tuple[float, float]]]:
    out: list[tuple[str, tuple[float, float]]] = []
    try:
        import docx as python_docx  # python-docx

        def walk_python_docx() -> None:
            d = python_docx.Document(io.BytesIO(data["docx"]))
            [c.text for t in d.tables for r in t.rows for c in r.cells]
            [p.text for p in d.paragraphs]

        out.append(("python-docx tables+paragraphs", timed(walk_python_docx, n)))
    except ImportError:
        pass
    out.append(("xlsx via openpyxl (slow path)", timed(lambda: xlsx.read_with_openpyxl(data["xlsx"], "x.xlsx"), n)))
    out.append(("pdf via pdfplumber (slow path)", timed(lambda: pdf.read_with_pdfplumber(data["pdf"], "x.pdf"), n)))
    import pdfplumber

    def plumber_words() -> None:
        with pdfplumber.open(io.BytesIO(data["pdf"])) as doc:
            for page in doc.pages:
                page.extract_words()

    out.append(("pdfplumber words only", timed(plumber_words, n)))
    return out


# ---------------------------------------------------------------- main

HEADER = f"{'reader':30} {'cpu ms':>8} {'wall ms':>8} {'floor ms':>9} {'ratio':>6} {'pages/s':>8} {'fallbacks':>10}  check"


def row(label: str, cpu: float, wall: float, floor: float, pages_per_s: float | None, fell: str, check: str = "") -> str:
    pages = f"{pages_per_s:8.1f}" if pages_per_s else f"{'–':>8}"
    return f"{label:30} {cpu:8.2f} {wall:8.2f} {floor:9.2f} {cpu / floor:6.1f} {pages} {fell:>10}  {check}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="timed runs per reader on the 030 report (default 20)")
    parser.add_argument("--synth", type=int, default=25, help="generated reports per carrier and mess level (0: skip)")
    parser.add_argument("--mess", default="0,3", help="mess levels of the generated corpus (default 0,3)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} CPUs; "
          "times are CPU ms per report (wall beside it)")
    expected = json.loads((SAMPLES / f"{STEM}.expected.json").read_text(encoding="utf-8"))
    data = {c: (SAMPLES / f"{STEM}.{c}").read_bytes() for c in READERS}
    pdf_pages_030 = pdf_pages([data["pdf"]])

    print(f"\n030 report ({pdf_pages_030} PDF pages), median of {args.n} warm runs")
    print(HEADER)
    for carrier, read in READERS.items():
        name = f"{STEM}.{carrier}"
        before = fallbacks(carrier)
        cpu, wall = timed(lambda read=read, blob=data[carrier], name=name: read(blob, name), args.n)
        after = fallbacks(carrier)
        floor, _ = timed(lambda carrier=carrier: FLOORS[carrier](data[carrier]), args.n)
        doc = read(data[carrier], name)
        fell = "–" if after["fast"] < 0 else f"{after['fallback'] - before['fallback']}/{args.n + 1}"
        pps = pdf_pages_030 / cpu * 1000 if carrier == "pdf" else None
        print(row(f"{carrier}.read", cpu, wall, floor, pps, fell, score(doc, expected)))

    if args.synth:
        from gongkai.synth import generate

        levels = [int(m) for m in args.mess.split(",") if m]
        print(f"\ngenerated corpus: {args.synth} reports per carrier and mess level {levels}, mean per report")
        print(HEADER)
        with tempfile.TemporaryDirectory(prefix="gongkai-bench-readers-") as tmp:
            for carrier, read in READERS.items():
                blobs = []
                for mess in levels:
                    paths = generate(args.synth, Path(tmp) / f"{carrier}{mess}", 1, (carrier,), mess)
                    blobs += [p.read_bytes() for p in paths]
                before = fallbacks(carrier)
                cpu, wall = corpus_time(lambda blob, read=read, carrier=carrier: read(blob, f"x.{carrier}"), blobs)
                after = fallbacks(carrier)
                floor, _ = corpus_time(FLOORS[carrier], blobs)
                fell = "–" if after["fast"] < 0 else f"{after['fallback'] - before['fallback']}/{len(blobs) + 1}"
                pps = pdf_pages(blobs) / len(blobs) / cpu * 1000 if carrier == "pdf" else None
                print(row(f"{carrier}.read", cpu, wall, floor, pps, fell))

    print("\nalternatives (not used, or used only as fallback):")
    for label, (cpu, wall) in alternatives(args.n, data):
        print(f"{label:30} {cpu:8.2f} {wall:8.2f}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
