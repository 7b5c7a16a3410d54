"""Headless Chromium for tests: Debian's ``chromium``, no downloads, one throwaway profile per call.

Pages gongkai writes (the city report, the review site) must work in a real browser
from ``file://`` and offline. ``chromium`` runs with networking, sync and component
updates off and a private ``--user-data-dir``; ``load``/``dump_dom`` return the DOM after
its scripts ran, ``screenshot`` and ``print_to_pdf`` write files a person can look at,
and ``console_messages`` lists what the page logged (an uncaught error included). Tests
skip with a reason only when no chromium is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome")
BASE_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
)
TIMEOUT_S = 120


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium fonts-wqy-zenhei; .ci/run does)")
    return path


def run_chromium(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on a local page with a fresh profile; raises if it fails."""
    exe = require_chromium()
    with tempfile.TemporaryDirectory(prefix="gongkai-chromium-") as profile:
        result = subprocess.run(
            [exe, *BASE_FLAGS, f"--user-data-dir={profile}", *flags, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0:
        raise AssertionError(f"chromium exited {result.returncode} on {page}: {result.stderr[-2000:]}")
    return result


def load(page: Path, wait_ms: int = 500) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran, and the console errors Chromium logged meanwhile."""
    done = run_chromium(page, "--enable-logging=stderr", "--v=0", f"--virtual-time-budget={wait_ms}", "--dump-dom")
    if "<html" not in done.stdout:
        raise AssertionError(f"chromium could not render {page}:\n{done.stderr[-2000:]}")
    errors = [line for line in done.stderr.splitlines() if "CONSOLE" in line and "rror" in line]
    return done.stdout, errors


def dump_dom(page: Path, wait_ms: int = 500) -> str:
    """The page's DOM as serialised after its scripts ran (``--dump-dom``)."""
    return load(page, wait_ms)[0]


def console_messages(page: Path) -> list[str]:
    """Every console message the page logged while loading (Chromium logs them all, errors included,
    as ``INFO:CONSOLE``); pages without scripts should log none."""
    result = run_chromium(page, "--enable-logging=stderr", "--v=0", "--dump-dom")
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def screenshot(page: Path, out: Path, width: int = 1400, height: int = 2400) -> Path:
    """A PNG of the page, written where a person can look at it after the test."""
    out.parent.mkdir(parents=True, exist_ok=True)
    run_chromium(page, f"--screenshot={out.resolve()}", f"--window-size={width},{height}")
    assert out.exists() and out.stat().st_size > 0, f"chromium wrote no screenshot for {page}"
    return out


def print_to_pdf(page: Path, out: Path) -> Path:
    run_chromium(page, f"--print-to-pdf={out.resolve()}", "--no-pdf-header-footer")
    assert out.exists() and out.stat().st_size > 0, f"chromium wrote no PDF for {page}"
    return out
