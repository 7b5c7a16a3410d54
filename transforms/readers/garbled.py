"""Garbled text layers: text a reader got out of a file that is not the text the file shows.

A PDF whose fonts carry no Unicode mapping (no ToUnicode table, GBK bytes shown
through a Western font) gives mojibake: ``ÕþÎñÐÅÏ¢¹«¿ª`` for 政府信息公开, private-use
characters, replacement characters or ``(cid:123)`` for every glyph. Text pasted
through the wrong code page does the same in any carrier. Such text must never be
parsed as a report — a digit in it is as likely a glyph code as a number — so the
dispatcher checks every carrier's text here and the report is quarantined with
``file.garbled_text``, saying what to send instead.

The test is generic, on character classes only: among the text's letters
(ideographs, Latin letters, and the classes below), the share that are mojibake
signs — replacement characters, private-use characters, Latin-1/Latin-Extended
letters (the "soup" GBK bytes become when read as Latin-1), C0/C1 control
characters and ``(cid:N)`` placeholders — and the share of CJK ideographs. A real
report is overwhelmingly ideographs; a short text is not judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.document import Document, Table

MIN_LETTERS = 40  # fewer letters than this: too little to judge (file.no_text covers empty files)
BAD_SHARE = 0.25  # mojibake signs among the letters at or above which the text is garbled
CJK_SHARE = 0.5  # ... unless ideographs still make up at least this share
_CID = re.compile(r"\(cid:\d+\)")

WHAT_TO_SEND: dict[str, str] = {
    "pdf": "请提交原始 Word（.docx）文件，或在导出 PDF 时选择“嵌入字体”（使文字可复制）后重新提交",
    "docx": "请检查文档所用字体和编码，或另存为 PDF（嵌入字体）后重新提交",
    "xlsx": "请检查表格所用字体和编码，或另存为 PDF（嵌入字体）后重新提交",
}
DEFAULT_ADVICE = "请按 UTF-8 或 GB18030 编码重新保存，或提交原始 Word（.docx）、PDF 文件"


@dataclass(frozen=True)
class TextProfile:
    letters: int
    cjk: int
    replacement: int
    private_use: int
    latin_soup: int
    control: int
    cid: int

    @property
    def bad(self) -> int:
        return self.replacement + self.private_use + self.latin_soup + self.control + self.cid

    def describe(self) -> str:
        parts = [f"汉字占{100 * self.cjk / self.letters:.0f}%"]
        for n, what in ((self.latin_soup, "西文乱码字符"), (self.replacement, "替换字符�"),
                        (self.private_use, "私用区字符"), (self.cid, "(cid:N)字形编号"), (self.control, "控制字符")):
            if n:
                parts.append(f"{what}{n}个")
        return "，".join(parts)


_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_PUA = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
# Latin-1 supplement and Latin Extended letters: GBK bytes read as Latin-1 (¢¹«¿ª ÕþÎñ); not · × ÷
_SOUP = re.compile("[\u00a1-\u00b6\u00b8-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f]")
_ASCII_LETTER = re.compile("[A-Za-z]")
MAX_CHARS = 50_000  # the first 50,000 characters decide (≈ 5 ms); counting more only costs time


def profile(text: str) -> TextProfile:
    """Counts per character class (regex counts: this runs on every file of every carrier)."""
    text = text[:MAX_CHARS]
    cid = len(_CID.findall(text))
    if cid:
        text = _CID.sub("", text)
    cjk = len(_CJK.findall(text))
    repl = text.count("\ufffd")
    pua = len(_PUA.findall(text))
    soup = len(_SOUP.findall(text))
    ctrl = len(_CONTROL.findall(text))
    letters = len(_ASCII_LETTER.findall(text)) + cjk + repl + pua + soup + ctrl + cid
    return TextProfile(letters, cjk, repl, pua, soup, ctrl, cid)


def is_garbled(p: TextProfile) -> bool:
    if p.letters < MIN_LETTERS:
        return False
    return p.bad >= BAD_SHARE * p.letters and p.cjk < CJK_SHARE * p.letters


def document_text(doc: Document) -> str:
    parts: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Table):
            for row in block.rows:
                parts.extend(c.text for c in row if not c.is_span_copy)
        else:
            parts.append(block.text)
    return "\n".join(parts)


def garbled_problem(doc: Document) -> tuple[str, str] | None:
    """("file.garbled_text", message naming what to send instead) when the text is mojibake, else None."""
    p = profile(document_text(doc))
    if not is_garbled(p):
        return None
    advice = WHAT_TO_SEND.get(doc.carrier, DEFAULT_ADVICE)
    return ("file.garbled_text",
            f"{doc.source}: 读出的文字是乱码（{p.describe()}），可能是字体没有文字编码表或编码错误，未作为报告读取；{advice}。")
