"""Children end with a killed parent: parse workers and processes started through ``flows.lifetime``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

PARENT = """
import sys, time, threading
sys.path[:0] = [{repo!r}, {tests!r}]
from flows.lifetime import popen_dying_with_parent
from flows.parallel import ParseItem, ParsePool
child = popen_dying_with_parent([sys.executable, "-c", "import time; time.sleep(120)"])
pool = ParsePool(2, min_batch=1, parser="worker_stand_in:parse_bytes")
items = [ParseItem(b"x", f"spin-forever-{{i}}.txt", f"/x/{{i}}", f"r{{i}}", "s") for i in range(2)]
threading.Thread(target=pool.parse, args=(items, "v", "run"), daemon=True).start()
while pool._executor is None or len(pool._executor._processes) < 2:
    time.sleep(0.1)
print(" ".join(map(str, [child.pid, *pool._executor._processes])), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead; only its parent (gone) would reap it
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_die_with_a_killed_parent() -> None:
    code = PARENT.format(repo=str(REPO), tests=str(REPO / "tests"))
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 3 and all(_alive(p) for p in pids)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.2)
        assert not [p for p in pids if _alive(p)]
    finally:
        if parent.poll() is None:
            parent.kill()
