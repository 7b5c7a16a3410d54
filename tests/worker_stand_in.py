"""A stand-in parser for the parse pool's workers (``ParsePool(parser="tests.worker_stand_in:parse_bytes")``).

Files whose names say so misbehave the way hostile files do inside a worker: run
forever, exhaust memory, or kill the process outright. Every other file is parsed
for real.
"""

from __future__ import annotations

import os
import time

from transforms.parse import parse_bytes as real_parse_bytes
from transforms.report import ParsedReport


def parse_bytes(data: bytes, name: str) -> ParsedReport:
    if "spin-forever" in name:
        while True:
            time.sleep(0.01)
    if "eat-memory" in name:
        hog = []
        while True:
            hog.append(bytearray(16 << 20))
    if "kill-worker" in name:
        os._exit(9)
    return real_parse_bytes(data, name)
