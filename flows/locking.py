"""The write slot of a run: a Prefect global concurrency limit named for the warehouse, then its writer lock.

``warehouse.locks.writer_lock`` is what guarantees one writer at a time — it holds
across processes whatever Prefect server each run talks to (a CLI run has its own
ephemeral one). Inside a flow run the Prefect limit comes first, so a run that waits
shows as waiting on a named limit in the UI (Concurrency → Global), and
``prefect gcl inspect gongkai-writer-…`` tells who holds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from sqlalchemy.engine import make_url

from warehouse.locks import writer_lock
from warehouse.urls import mask_url


def limit_name(url: str) -> str:
    """``gongkai-writer-<database name>-<hash of the URL without credentials>``: one per warehouse."""
    parsed = make_url(url)
    bare = parsed._replace(username=None, password=None).render_as_string(hide_password=True)
    base = (parsed.database or parsed.get_backend_name()).replace("\\", "/").rsplit("/", 1)[-1]
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in base)[:40]
    return f"gongkai-writer-{safe}-{hashlib.sha256(bare.encode()).hexdigest()[:10]}"


@contextmanager
def write_slot(url: str, *, label: str, timeout: float, log: Any) -> Iterator[None]:
    """Hold the warehouse for writing for the ``with`` block; waits (and logs what for) if another run has it."""
    from prefect.context import FlowRunContext

    with ExitStack() as stack:
        if FlowRunContext.get() is not None:
            stack.enter_context(_prefect_limit(limit_name(url), url, timeout, log))
        stack.enter_context(writer_lock(url, label=label, timeout=timeout, on_wait=log.warning))
        yield


@contextmanager
def _prefect_limit(name: str, url: str, timeout: float, log: Any) -> Iterator[None]:
    from prefect.client.orchestration import get_client
    from prefect.concurrency.sync import concurrency

    try:
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(name, 1)
            current = client.read_global_concurrency_limit_by_name(name)
    except Exception as exc:  # noqa: BLE001 - the writer lock below still serializes runs
        log.warning("could not set up the Prefect concurrency limit %s (%s); relying on the warehouse's "
                    "writer lock alone", name, type(exc).__name__)
        yield
        return
    if current.active_slots >= current.limit:
        log.warning("waiting up to %.0f s for the Prefect concurrency limit %s: another run is writing %s",
                    timeout, name, mask_url(url))
    with concurrency(name, occupy=1, timeout_seconds=timeout, strict=True):
        yield
