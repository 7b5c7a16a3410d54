"""Time every carrier's reader and whole parse against the carrier's read floor, on the 030 report and a generated corpus.

    .venv/bin/python benchmarks/bench_readers.py [-n 20] [--synth 25] [--mess 0,1,2,3] [--carriers txt,html,docx,xlsx,pdf,md]
                                                 [--no-alternatives]

One run prints, per carrier and mess level of the generated corpus: the
reader's time per report (``transforms.readers``: bytes → Document), the whole
parse's (``transforms.parse.parse_bytes``: reader, layout, extraction,
identities, findings), the *read floor* — the least any reader must do to get
at the text: decode txt/md; parse the HTML with lxml; for DOCX/XLSX unzip,
parse the XML with lxml and touch every text node (DOCX: each ``w:t`` of
``word/document.xml``; XLSX: each value and string of the sheets and
``sharedStrings.xml``); for PDF open the file with pypdfium2 and take every
character with its box — and the ratios reader/floor and parse/floor. PDF also
gets pages/s (of the reader), and PDF/XLSX the count of files their fast path
handed to the slow library (pdfplumber, openpyxl). Times are CPU seconds of
this process (``time.process_time``: the machine may be shared; the load
average is printed), the mean over the corpus. For the 030 report the median of
N warm runs of the DOCX/XLSX/PDF readers, with the section 三/四 numbers read
from the cells checked against ``030_….expected.json``.

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
from transforms.readers import docx, get_reader, pdf, pdf_objects, xlsx, xlsx_parts

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


def floor_text(data: bytes) -> None:
    """Decode the bytes (txt and Markdown: what is left is text)."""
    data.decode("utf-8", errors="replace")


def floor_html(data: bytes) -> None:
    """Parse the page with lxml."""
    import lxml.html

    lxml.html.document_fromstring(data)


FLOORS: dict[str, Callable[[bytes], None]] = {"txt": floor_text, "md": floor_text, "html": floor_html,
                                              "docx": floor_docx, "xlsx": floor_xlsx, "pdf": floor_pdf}


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
CORPUS_HEADER = (f"{'carrier':8} {'mess':>4} {'read ms':>8} {'parse ms':>9} {'floor ms':>9} {'read/floor':>10} "
                 f"{'parse/floor':>11} {'pages/s':>8} {'fallbacks':>10}")


def row(label: str, cpu: float, wall: float, floor: float, pages_per_s: float | None, fell: str, check: str = "") -> str:
    pages = f"{pages_per_s:8.1f}" if pages_per_s else f"{'–':>8}"
    return f"{label:30} {cpu:8.2f} {wall:8.2f} {floor:9.2f} {cpu / floor:6.1f} {pages} {fell:>10}  {check}"


def corpus_row(carrier: str, mess: int, blobs: list[bytes]) -> str:
    """Reader, whole parse and floor, CPU ms per report over the blobs; pages/s and hand-overs where they apply."""
    from transforms.parse import parse_bytes

    read = get_reader(carrier)
    name = f"x.{carrier}"
    before = fallbacks(carrier)
    read_ms, _ = corpus_time(lambda blob: read(blob, name), blobs)
    after = fallbacks(carrier)
    parse_ms, _ = corpus_time(lambda blob: parse_bytes(blob, name), blobs)
    floor_ms, _ = corpus_time(FLOORS[carrier], blobs)
    fell = "–" if after["fast"] < 0 else f"{after['fallback'] - before['fallback']}/{len(blobs) + 1}"
    pps = f"{pdf_pages(blobs) / len(blobs) / read_ms * 1000:8.1f}" if carrier == "pdf" else f"{'–':>8}"
    return (f"{carrier:8} {mess:4d} {read_ms:8.2f} {parse_ms:9.2f} {floor_ms:9.2f} {read_ms / floor_ms:10.1f} "
            f"{parse_ms / floor_ms:11.1f} {pps} {fell:>10}")


def main() -> None:
    from gongkai.synth import CARRIERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="timed runs per reader on the 030 report (default 20)")
    parser.add_argument("--synth", type=int, default=25, help="generated reports per carrier and mess level (0: skip)")
    parser.add_argument("--mess", default="0,1,2,3", help="mess levels of the generated corpus (default 0,1,2,3)")
    parser.add_argument("--carriers", default=",".join(CARRIERS), help="carriers of the generated corpus (default all)")
    parser.add_argument("--no-alternatives", action="store_true", help="skip timing the libraries not used")
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
        carriers = [c for c in args.carriers.split(",") if c]
        print(f"\ngenerated corpus: {args.synth} reports per carrier and mess level (seed 1), CPU ms per report (mean)")
        print(CORPUS_HEADER)
        with tempfile.TemporaryDirectory(prefix="gongkai-bench-readers-") as tmp:
            for carrier in carriers:
                for mess in levels:
                    paths = generate(args.synth, Path(tmp) / f"{carrier}{mess}", 1, (carrier,), mess)
                    print(corpus_row(carrier, mess, [p.read_bytes() for p in paths]), flush=True)

    if not args.no_alternatives:
        print("\nalternatives (not used, or used only as fallback):")
        for label, (cpu, wall) in alternatives(args.n, data):
            print(f"{label:30} {cpu:8.2f} {wall:8.2f}")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
