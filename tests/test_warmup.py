"""Great Expectations is imported while the first batch parses, and never by a run that validates nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from expectations.warmup import VALIDATION_MODULES, import_in_background

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_warmup_imports_nothing_heavy() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import expectations.warmup"],
                          capture_output=True, text=True, cwd=REPO_ROOT, env=env, check=True)
    imported = {m.group(1).split(".")[0] for m in re.finditer(r"^import time:.*\|\s*(\S+)\s*$", proc.stderr, re.M)}
    assert "expectations" in imported
    assert not imported & {"great_expectations", "pandas", "scipy", "numpy"}


def test_imports_on_a_thread_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("colorsys", "wave"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    thread = import_in_background(("colorsys", "wave"))
    assert thread is not None and thread.daemon
    thread.join(10)
    assert "colorsys" in sys.modules and "wave" in sys.modules


def test_nothing_started_when_already_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, VALIDATION_MODULES[0], sys.modules.get(VALIDATION_MODULES[0], object()))
    assert import_in_background() is None


def test_a_missing_module_ends_the_thread_quietly() -> None:
    thread = import_in_background(("gongkai_no_such_module_xyz", "colorsys"))
    assert thread is not None
    thread.join(10)
    assert not thread.is_alive()
