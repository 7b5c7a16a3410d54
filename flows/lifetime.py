"""Child processes that end with the flow that started them, even when it is killed with ``kill -9``.

A killed process runs no cleanup, so its children must be told by the kernel:
``prctl(PR_SET_PDEATHSIG, SIGKILL)`` in the child makes Linux kill it the moment
its parent dies. The parse pool's workers ask for it themselves
(``flows.parallel._init_worker``); the temporary Prefect server that a local CLI
run starts is a plain ``subprocess.Popen`` inside Prefect, so ``bind_prefect_server``
gives that one call a ``preexec_fn`` that asks for it. Elsewhere than Linux these are
no-ops, and children may outlive a killed run as before.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import types
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the calling process: be killed when the parent process dies (Linux; otherwise nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def popen_dying_with_parent(*args: Any, **kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen`` whose child is killed when this process dies."""
    if sys.platform.startswith("linux") and kwargs.get("preexec_fn") is None:
        kwargs["preexec_fn"] = die_with_parent
    return subprocess.Popen(*args, **kwargs)


def bind_prefect_server() -> bool:
    """Make the temporary Prefect server a local run starts die with this process; True if it could.

    With ``PREFECT_API_URL`` set no temporary server is started, so Prefect's server
    module (3 s of imports: the API app, its models and routes) is not loaded for nothing.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return False
    try:
        import prefect.server.api.server as server
    except ImportError:
        return False
    if getattr(server.subprocess, "_gongkai_bound", False):
        return True
    proxy = types.ModuleType("subprocess")
    proxy.__dict__.update(subprocess.__dict__)
    proxy.Popen = popen_dying_with_parent  # type: ignore[attr-defined]
    proxy._gongkai_bound = True  # type: ignore[attr-defined]
    server.subprocess = proxy  # only Prefect's server module sees the proxy
    return True
