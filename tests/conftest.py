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
import tempfile
from collections.abc import Iterator
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
