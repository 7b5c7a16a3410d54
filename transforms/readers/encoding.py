"""Turning a carrier's bytes into text: detected, never assumed.

Bureaus send UTF-8 with or without BOM, GBK/GB18030 and UTF-16. BOMs decide first,
then strict UTF-8, then charset-normalizer's guess (restricted to the encodings
Chinese government documents actually use, so short texts are not read as cp1252).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CANDIDATES = ("gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    guessed: bool  # True when no BOM or strict UTF-8 decided it
    had_errors: bool  # undecodable bytes were replaced


def _lenient(data: bytes, encoding: str, guessed: bool) -> Decoded:
    """Decode with replacement characters where bytes are invalid, and say so."""
    try:
        return Decoded(data.decode(encoding), encoding, guessed, False)
    except UnicodeDecodeError:
        return Decoded(data.decode(encoding, errors="replace"), encoding, guessed, True)


def decoding_problem(decoded: Decoded) -> tuple[str, str]:
    """The reader problem for a text whose invalid bytes were replaced: nothing read from it is certain."""
    return ("file.decode_errors",
            f"文件按 {decoded.encoding} 读取时有 {decoded.text.count(chr(0xFFFD))} 处无法解码的字节，已替换为“\ufffd”；"
            "受影响的文字（单位名称、标签、数字）可能有误，请核对原件。")


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _lenient(data, enc, False)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False, False)
    except UnicodeDecodeError:
        pass
    if declared and declared.lower().replace("_", "-") in ("gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"):
        declared = "gb18030"  # the superset: GB2312-declared pages routinely hold GBK characters
    if declared:
        try:
            return Decoded(data.decode(declared), declared.lower(), False, False)
        except (UnicodeDecodeError, LookupError):
            pass
    # UTF-16 without BOM: many NULs at odd or even positions.
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return _lenient(data, "utf-16-le", True)
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return _lenient(data, "utf-16-be", True)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=list(_CANDIDATES)).best()
    except Exception:  # pragma: no cover - detector failure falls back below
        best = None
    if best is not None and best.encoding:
        return Decoded(str(best), best.encoding, True, False)
    try:
        return Decoded(data.decode("gb18030"), "gb18030", True, False)
    except UnicodeDecodeError:
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8", True, True)
