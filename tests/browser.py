"""Headless Chromium for tests: the DOM after scripts ran, and a screenshot, of a local page.

Debian's ``chromium`` (installed by ``.ci/run``, never downloaded at run time), run
once per call with a private profile and no network chatter. Tests that need it
call ``require_chromium()``, which skips with a reason only when the binary is
absent on a developer's machine.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio")
TIMEOUT_SECONDS = 90


def chromium_path() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium fonts-wqy-zenhei; .ci/run installs both)")
    return path


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    binary = require_chromium()
    with tempfile.TemporaryDirectory(prefix="gongkai-chromium-") as profile:
        return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)


def dump_dom(page: Path, wait_ms: int = 500) -> str:
    """The page's DOM as serialised after its scripts ran (``--dump-dom``)."""
    return load(page, wait_ms)[0]


def load(page: Path, wait_ms: int = 500) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran, and the console errors Chromium logged meanwhile."""
    done = _run(["--enable-logging=stderr", "--v=0", f"--virtual-time-budget={wait_ms}", "--dump-dom",
                 page.resolve().as_uri()])
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(f"chromium could not render {page}: exit {done.returncode}\n{done.stderr[-2000:]}")
    errors = [line for line in done.stderr.splitlines() if "CONSOLE" in line and "rror" in line]
    return done.stdout, errors


def screenshot(page: Path, png: Path, width: int = 1400, height: int = 1800) -> Path:
    """A PNG of the page (written where a person can look at it after the test)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    done = _run([f"--window-size={width},{height}", f"--screenshot={png}", page.resolve().as_uri()])
    if not png.exists() or png.stat().st_size == 0:
        raise AssertionError(f"chromium wrote no screenshot of {page}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return png
