"""Carrier readers: bytes → ``Document``. One module per carrier, listed in ``READERS``.

The carrier is sniffed from the bytes first and the file name second, so a PDF
named ``.doc`` or an HTML page saved as ``.txt`` is still read by the right reader.
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from transforms.document import Document
from transforms.readers.garbled import garbled_problem
from transforms.readers.limits import LIMITS, BudgetExceeded, Limits, check_before_read

__all__ = ["READERS", "BudgetExceeded", "Limits", "UnsupportedFormat", "get_reader", "read_document", "sniff_carrier"]

Reader = Callable[[bytes, str], Document]

# carrier -> "module:function"; imported lazily so a missing optional library only
# affects its own carrier.
READERS: dict[str, str] = {
    "txt": "transforms.readers.txt:read",
    "html": "transforms.readers.html:read",
    "docx": "transforms.readers.docx:read",
    "xlsx": "transforms.readers.xlsx:read",
    "pdf": "transforms.readers.pdf:read",
    "md": "transforms.readers.markdown:read",
}

SUFFIX_CARRIERS: dict[str, str] = {
    ".txt": "txt", ".text": "txt", ".csv": "txt", ".tsv": "txt",
    ".md": "md", ".markdown": "md",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".mht": "html", ".mhtml": "html",
    ".docx": "docx", ".docm": "docx",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".pdf": "pdf",
}
# Formats we recognise but cannot read: the finding tells the bureau what to send instead.
LEGACY_SUFFIXES: dict[str, str] = {
    ".doc": "Word 97-2003 (.doc)", ".wps": "WPS 文字 (.wps)", ".et": "WPS 表格 (.et)",
    ".xls": "Excel 97-2003 (.xls)", ".dps": "WPS 演示 (.dps)", ".ppt": "PowerPoint (.ppt)",
    ".rtf": "RTF (.rtf)", ".ofd": "OFD (.ofd)",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(SUFFIX_CARRIERS)


class UnsupportedFormat(ValueError):
    """The bytes are a format gongkai does not read; the message says what to send instead."""


def sniff_carrier(data: bytes, name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    head = data[:2048]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return SUFFIX_CARRIERS.get(suffix, "docx" if suffix not in (".xlsx", ".xlsm") else "xlsx")
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise UnsupportedFormat(f"{name}: 这是一个压缩包（zip），不是 Word 或 Excel 文件；请提交 .docx、.xlsx、.pdf、.html 或 .txt")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        kind = LEGACY_SUFFIXES.get(suffix, "旧版 Office/WPS 二进制格式")
        raise UnsupportedFormat(f"{name}: {kind} 无法读取；请另存为 .docx、.xlsx 或 PDF 后重新提交")
    if suffix in LEGACY_SUFFIXES:
        raise UnsupportedFormat(f"{name}: {LEGACY_SUFFIXES[suffix]} 无法读取；请另存为 .docx、.xlsx 或 PDF 后重新提交")
    lowered = head.lower()
    if suffix in (".html", ".htm", ".xhtml", ".mht", ".mhtml") or b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    if suffix in (".md", ".markdown") or looks_like_markdown(data[:_MD_SNIFF]):
        return "md"
    if b"<table" in lowered:
        return "html"
    if suffix in SUFFIX_CARRIERS and SUFFIX_CARRIERS[suffix] in ("docx", "xlsx"):
        return SUFFIX_CARRIERS[suffix]  # a broken zip: let its reader say so
    if _looks_binary(head):
        raise UnsupportedFormat(f"{name}: 文件不是可识别的文本、网页、Word、Excel 或 PDF 文件")
    return "txt"


_MD_SNIFF = 65536
# A GFM table's delimiter row (|---|:---:|) or ATX headings: text a converter wrote as Markdown.
_MD_DELIMITER = re.compile(rb"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*\r?$", re.M)
_MD_HEADING = re.compile(rb"^#{1,6}[ \t]+\S", re.M)


def looks_like_markdown(head: bytes) -> bool:
    """Sniffing only (the reader parses with a real Markdown parser): a pipe table or two headings."""
    return bool(_MD_DELIMITER.search(head)) or len(_MD_HEADING.findall(head)) >= 2


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text
    nul = head.count(0)
    if nul and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4):
        return False  # UTF-16 text without BOM
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return nul > 0 or control > len(head) // 10


def get_reader(carrier: str) -> Reader:
    try:
        target = READERS[carrier]
    except KeyError:
        raise KeyError(f"unknown carrier {carrier!r}; known: {', '.join(READERS)}") from None
    module_name, func = target.split(":")
    module = importlib.import_module(module_name)
    return getattr(module, func)


def read_document(data: bytes, name: str, limits: Limits = LIMITS) -> Document:
    """Sniff, check the budgets (``limits``), read.

    Raises ValueError for bytes no reader can take: ``UnsupportedFormat``, or
    ``BudgetExceeded`` (its ``code`` is the finding) for a file over a budget.
    """
    carrier = sniff_carrier(data, name)
    check_before_read(data, name, carrier, limits)
    doc = get_reader(carrier)(data, name)
    garbled = garbled_problem(doc)
    if garbled is not None:  # mojibake is never parsed as a report: no blocks, the finding says why
        doc.blocks = []
        doc.reader_problems.append(garbled)
    return doc
