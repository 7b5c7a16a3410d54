"""Test-wide setup: an isolated, quiet Prefect, and one real Prefect server for the whole session.

Prefect reads its settings from the environment, so they are set here, before
anything imports Prefect: a throwaway PREFECT_HOME (tests never touch the
developer's profile or database), no telemetry, and a generous startup timeout
for the test server's first migration. Flow heartbeats are switched off because
each one costs a flow call about a second.

Only tests marked ``prefect`` start the server (``prefect_test_harness``, ~14 s,
once per session); everything else runs task and flow bodies through ``.fn``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_PREFECT_HOME = tempfile.mkdtemp(prefix="gongkai-test-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ.update({
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_HOME": _PREFECT_HOME,
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS": "2",
})
os.environ.pop("PREFECT_API_URL", None)  # never talk to a developer's real server
for _var in ("GONGKAI_DATA_DIR", "GONGKAI_WAREHOUSE_URL", "GONGKAI_PARQUET_ROOT"):
    os.environ.pop(_var, None)  # tests say where their data goes

import pytest  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

# No per-example deadline: a 2-core CI machine shared with other jobs makes the default
# 200 ms flaky, and these properties are about results, not speed (benchmarks/ time things).
_hypothesis_settings.register_profile("gongkai", deadline=None)
_hypothesis_settings.load_profile("gongkai")

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO_ROOT / "samples"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the session, shared by every test marked ``prefect``."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        with prefect_test_harness(server_startup_timeout=120):
            yield


@pytest.fixture(autouse=True)
def _prefect_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """Marking a test ``prefect`` is enough to run it against the session's server."""
    if request.node.get_closest_marker("prefect") is not None:
        request.getfixturevalue("prefect_harness")


@pytest.fixture
def samples_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled samples, so tests can add, change or remove files."""
    target = tmp_path / "samples"
    shutil.copytree(SAMPLES_DIR, target)
    return target


# -- `gongkai ingest` on a machine that has never run Prefect -------------------
#
# The honest check that a new user's first ingest works is a separate process with
# an empty PREFECT_HOME and no server, which then migrates a fresh database and
# starts Prefect's ephemeral server: ~15 s, mostly waiting. It is started in the
# background as soon as collection finds a test asking for it, and that test is
# moved to the end, so the wait overlaps the rest of the suite instead of adding to it.

FRESH_INGEST_FIXTURE = "fresh_prefect_ingest"
FRESH_INGEST_SAMPLE = SAMPLES_DIR / "real" / "002_pingtan_2019.txt"


@dataclass
class FreshIngest:
    workdir: Path
    process: subprocess.Popen[str]


def _start_fresh_ingest() -> FreshIngest:
    workdir = Path(tempfile.mkdtemp(prefix="gongkai-test-fresh-"))
    source = workdir / "in"
    source.mkdir()
    shutil.copy(FRESH_INGEST_SAMPLE, source)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))}
    env["PREFECT_HOME"] = str(workdir / "prefect-home")
    process = subprocess.Popen(
        [sys.executable, "-m", "gongkai", "ingest", str(source), "--data-dir", str(workdir / "data")],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return FreshIngest(workdir, process)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check the background ingest last, so the whole suite runs while it works."""
    items.sort(key=lambda item: FRESH_INGEST_FIXTURE in getattr(item, "fixturenames", ()))


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(FRESH_INGEST_FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
        session.config.stash[_FRESH_KEY] = _start_fresh_ingest()


def pytest_unconfigure(config: pytest.Config) -> None:
    fresh = config.stash.get(_FRESH_KEY, None)
    if fresh is not None:
        if fresh.process.poll() is None:
            fresh.process.kill()
            fresh.process.communicate()
        shutil.rmtree(fresh.workdir, ignore_errors=True)


_FRESH_KEY = pytest.StashKey[FreshIngest]()


@pytest.fixture
def fresh_prefect_ingest(request: pytest.FixtureRequest) -> tuple[FreshIngest, subprocess.CompletedProcess[str]]:
    """The finished background ``gongkai ingest`` run from an empty PREFECT_HOME."""
    fresh = request.config.stash.get(_FRESH_KEY, None) or _start_fresh_ingest()
    request.config.stash[_FRESH_KEY] = fresh
    try:
        out, err = fresh.process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        fresh.process.kill()
        out, err = fresh.process.communicate()
    return fresh, subprocess.CompletedProcess(fresh.process.args, fresh.process.returncode, out, err)
