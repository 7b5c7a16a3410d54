"""Per-file budgets: how big, how deep and how long one document may be before it is not read.

A report is tens of kilobytes of text and a few hundred cells; a PDF with images a
few megabytes. A file far beyond that is not a report, or is hostile (a zip bomb, a
billion-laughs XML, a 2,000-page PDF), and reading it would hold its whole batch for
minutes and gigabytes. These budgets are checked twice:

* **at dispatch** (``check_before_read``, called by ``transforms.readers.read_document``
  before any reader runs), from what can be seen without inflating or parsing: the
  file size, the zip directory's declared part sizes (Python's ``zipfile`` never
  inflates a part past its declared size, so the directory is a bound, not a hint),
  DTDs in OOXML parts (Office never writes one; a DTD is how entity bombs start),
  the tag count of an HTML page, a PDF's page count from its page tree;
* **while parsing**, in the parse pool's worker processes (``flows.parallel``): a
  wall-clock alarm per file and an address-space limit per worker.

An exceeded budget raises ``BudgetExceeded`` with the finding code it becomes
(``file.too_large`` or ``file.too_slow``); ``transforms.parse.parse_bytes`` turns it into
that finding on the file's report, and the batch goes on.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The budgets, in one place. Generous for real reports by one or two orders of magnitude."""

    max_bytes: int = 64 * MB  # any file, as read from disk
    max_text_bytes: int = 16 * MB  # plain text and HTML (a report's page is ~100 KB)
    max_html_tags: int = 400_000  # '<' characters in an HTML page (a report has a few thousand)
    max_zip_parts: int = 5_000  # members of a .docx/.xlsx
    max_zip_part_bytes: int = 64 * MB  # one member, inflated, as the zip directory declares it
    max_zip_total_bytes: int = 256 * MB  # all members, inflated
    max_pdf_pages: int = 300  # a report is 5-30 pages
    seconds_per_file: float = 60.0  # wall clock per file in a parse worker
    worker_memory_bytes: int = 3 * 1024 * MB  # address space of one parse worker (RLIMIT_AS)


LIMITS = Limits()

TOO_LARGE = "file.too_large"
TOO_SLOW = "file.too_slow"


class BudgetExceeded(ValueError):
    """A file is over one of its budgets; ``code`` is the finding it becomes. Terminal: a retry reads the same bytes."""

    def __init__(self, code: str, message: str, *, limit: int | float | None = None,
                 found: int | float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.limit = limit
        self.found = found


def _too_large(name: str, what: str, found: int, limit: int, unit: str = "") -> BudgetExceeded:
    return BudgetExceeded(TOO_LARGE, f"{name}: {what}{_fmt(found, unit)}，超过上限{_fmt(limit, unit)}，未读取",
                          limit=limit, found=found)


def _fmt(n: int, unit: str) -> str:
    if unit == "B":
        return f"{n / MB:.1f} MB"
    return f"{n}{unit}"


def check_before_read(data: bytes, name: str, carrier: str, limits: Limits = LIMITS) -> None:
    """Raise ``BudgetExceeded`` if ``data`` (already sniffed as ``carrier``) is over a budget seen without parsing it."""
    if len(data) > limits.max_bytes:
        raise _too_large(name, "文件大小", len(data), limits.max_bytes, "B")
    if carrier in ("txt", "html") and len(data) > limits.max_text_bytes:
        raise _too_large(name, "文本/网页大小", len(data), limits.max_text_bytes, "B")
    if carrier == "html":
        tags = data.count(b"<")
        if tags > limits.max_html_tags:
            raise _too_large(name, "网页标签数", tags, limits.max_html_tags, "个")
    elif carrier in ("docx", "xlsx"):
        check_zip(data, name, limits)
    elif carrier == "pdf":
        pages = pdf_page_count(data)
        if pages is not None and pages > limits.max_pdf_pages:
            raise _too_large(name, "PDF 页数", pages, limits.max_pdf_pages, "页")


_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_BYTES = 4096  # a DTD sits before the root element, in the first bytes of a part


def check_zip(data: bytes, name: str, limits: Limits = LIMITS) -> None:
    """Declared part sizes from the zip directory, then each XML part's prolog for a DTD; nothing inflated in full."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: its reader says so
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_parts:
            raise _too_large(name, "压缩包内文件数", len(infos), limits.max_zip_parts, "个")
        total = 0
        for info in infos:
            if info.file_size > limits.max_zip_part_bytes:
                raise _too_large(name, f"其中“{info.filename[:80]}”解压后", info.file_size,
                                 limits.max_zip_part_bytes, "B")
            total += info.file_size
        if total > limits.max_zip_total_bytes:
            raise _too_large(name, "解压后总大小", total, limits.max_zip_total_bytes, "B")
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels")):
                continue
            try:
                with zf.open(info) as part:
                    head = part.read(_PROLOG_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                continue  # a broken or encrypted part: the reader reports it
            if _DTD.search(head):
                raise BudgetExceeded(
                    TOO_LARGE, f"{name}: 其中“{info.filename[:80]}”含有 XML 文档类型/实体声明（Office 文件从不使用，"
                               "可能展开为巨量数据），未读取")


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def pdf_page_count(data: bytes) -> int | None:
    """The page count the PDF's page tree declares, or the page objects visible in the bytes; None if neither is seen.

    The page tree is read with pdfminer without parsing any page; a file too broken
    for that falls back to counting ``/Type /Page`` objects (pages inside compressed
    object streams are invisible to that count, so the worker's time budget remains
    the backstop).
    """
    try:
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfparser import PDFParser
        from pdfminer.pdftypes import resolve1

        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        count = resolve1(resolve1(doc.catalog.get("Pages")).get("Count"))
        if isinstance(count, int) and count >= 0:
            return count
    except Exception:  # noqa: BLE001 - pdfminer raises many types for broken files; the reader reports them
        pass
    visible = len(_PAGE_OBJECT.findall(data))
    return visible or None
