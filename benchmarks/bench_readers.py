"""Time the DOCX, XLSX and PDF readers on the 030 report and check them against its expected numbers.

    .venv/bin/python benchmarks/bench_readers.py [-n 20]

Prints, per carrier, ms per report (median of N warm runs), pages/s (for DOCX
and XLSX the page count of the same report's PDF, so the rates compare), and
whether the section 三/四 numbers read from the cells match
``030_….expected.json``. Then the alternatives the readers were chosen against
(python-docx's object layer, pypdfium2's text layer, pdfplumber without table
finding), where those libraries are installed, so the choice can be re-checked.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from transforms.document import Document, Table
from transforms.readers import docx, pdf, xlsx

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "real"
STEM = "030_pingtan_zrz_2023_page"
READERS: dict[str, Callable[[bytes, str], Document]] = {"docx": docx.read, "xlsx": xlsx.read, "pdf": pdf.read}
BLANKS = " \t\r\n\u00a0\u3000"


def timed(fn: Callable[[], object], n: int) -> float:
    """Median milliseconds of n warm calls (one untimed call first: imports, caches)."""
    fn()
    runs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


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


def alternatives(n: int, pdf_bytes: bytes, docx_bytes: bytes, pages: int) -> list[tuple[str, float, int]]:
    out: list[tuple[str, float, int]] = []
    try:
        import docx as python_docx  # python-docx

        def walk_python_docx() -> None:
            d = python_docx.Document(io.BytesIO(docx_bytes))
            [c.text for t in d.tables for r in t.rows for c in r.cells]
            [p.text for p in d.paragraphs]

        out.append(("python-docx tables+paragraphs", timed(walk_python_docx, n), pages))
    except ImportError:
        pass
    try:
        import pypdfium2

        def pdfium_text() -> None:
            doc = pypdfium2.PdfDocument(pdf_bytes)
            for page in doc:
                tp = page.get_textpage()
                tp.get_text_range()
                for i in range(tp.count_chars()):
                    tp.get_charbox(i)

        out.append(("pypdfium2 text+char boxes", timed(pdfium_text, n), pages))
    except ImportError:
        pass
    import pdfplumber

    def plumber_words() -> None:
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as doc:
            for page in doc.pages:
                page.extract_words()

    out.append(("pdfplumber words only", timed(plumber_words, n), pages))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="timed runs per reader (default 20)")
    args = parser.parse_args()
    expected = json.loads((SAMPLES / f"{STEM}.expected.json").read_text(encoding="utf-8"))
    data = {c: (SAMPLES / f"{STEM}.{c}").read_bytes() for c in READERS}
    pdf_pages = pdf.read(data["pdf"], f"{STEM}.pdf").pages or 1

    print(f"030 report, {pdf_pages} PDF pages, median of {args.n} warm runs")
    print(f"{'reader':32} {'ms/report':>10} {'pages/s':>9}  {'blocks':>6}  check")
    for carrier, read in READERS.items():
        name = f"{STEM}.{carrier}"
        ms = timed(lambda read=read, blob=data[carrier], name=name: read(blob, name), args.n)
        doc = read(data[carrier], name)
        print(f"{carrier + '.read':32} {ms:10.1f} {pdf_pages / ms * 1000:9.1f}  {len(doc.blocks):6}  {score(doc, expected)}")
    print("alternatives (not used):")
    for label, ms, pages in alternatives(args.n, data["pdf"], data["docx"], pdf_pages):
        print(f"{label:32} {ms:10.1f} {pages / ms * 1000:9.1f}")


if __name__ == "__main__":
    main()
