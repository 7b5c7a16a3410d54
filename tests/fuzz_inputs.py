"""Byte mutations of real documents, shared by the CI fuzz test and ``benchmarks/bench_fuzz.py``.

A mutation is a list of edits applied to a seed document's bytes; for a zip carrier
(.docx/.xlsx) the edits may land inside one of its XML parts, re-zipped, so the
mutation reaches the XML reader instead of stopping at a broken zip.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent / "samples" / "real"
SEEDS: dict[str, Path] = {
    "txt": REAL / "008_pingtan_gaj_2021.txt",
    "txt-table": REAL / "002_pingtan_2019.txt",
    "html": REAL / "030_pingtan_zrz_2023_page.html",
    "docx": REAL / "030_pingtan_zrz_2023_page.docx",
    "xlsx": REAL / "030_pingtan_zrz_2023_page.xlsx",
    "pdf": REAL / "030_pingtan_zrz_2023_page.pdf",
}
INTERESTING = [b"0", b"9" * 25, b"1.123456789012345", b"\x00", b"\xff\xfe", b"<", b">", b"&", b"<!ENTITY a 'b'>",
               "，".encode(), "—".encode(), "总计".encode(), b"-", b"\t", b"\n", b"  ", b"%PDF-", b"PK\x03\x04"]


def seed_bytes(kind: str) -> tuple[bytes, str]:
    path = SEEDS[kind]
    return path.read_bytes(), path.name


def mutate(data: bytes, rng: random.Random, edits: int) -> bytes:
    """``edits`` random edits: flip, insert, delete, splice an interesting token, duplicate or cut a slice."""
    buf = bytearray(data)
    for _ in range(edits):
        if not buf:
            buf.extend(rng.choice(INTERESTING))
            continue
        i = rng.randrange(len(buf))
        op = rng.randrange(6)
        if op == 0:
            buf[i] = rng.randrange(256)
        elif op == 1:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del buf[i:i + rng.randint(1, 64)]
        elif op == 3:
            buf[i:i] = rng.choice(INTERESTING)
        elif op == 4:
            j = min(len(buf), i + rng.randint(1, 256))
            buf[i:i] = buf[i:j]
        else:
            del buf[i:]
    return bytes(buf)


def mutate_zip_part(data: bytes, rng: random.Random, edits: int) -> bytes:
    """The zip with one XML part mutated (and re-zipped); the raw bytes mutated if it is not a zip."""
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        infos = src.infolist()
    except zipfile.BadZipFile:
        return mutate(data, rng, edits)
    xml = [i for i in infos if i.filename.endswith((".xml", ".rels"))]
    target = rng.choice(xml).filename if xml else None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            body = src.read(info)
            if info.filename == target:
                body = mutate(body, rng, edits)
            dst.writestr(info.filename, body)
    return out.getvalue()


def mutant(kind: str, seed: int, edits: int) -> tuple[bytes, str]:
    data, name = seed_bytes(kind)
    rng = random.Random(f"{kind}:{seed}:{edits}")
    if kind in ("docx", "xlsx") and rng.random() < 0.7:
        return mutate_zip_part(data, rng, edits), name
    return mutate(data, rng, edits), name
