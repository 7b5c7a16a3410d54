"""Importing Great Expectations before the first batch needs it, without waiting for it.

The import costs ~4 s of CPU once per process (it pulls in scipy and pandas). An
ingest starts it on a thread when it hands its first batch to the parse workers: the
flow process would otherwise only wait for that parse, and the first validation then
finds the import done (or waits on the import lock for what is left). Light on
purpose: importing this module imports nothing heavy, so a run with nothing new pays
nothing.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Sequence

#: What a batch validation imports first: GE itself, then the rulebook's entry points.
VALIDATION_MODULES = ("great_expectations", "expectations.validate")


def import_in_background(modules: Sequence[str] = VALIDATION_MODULES) -> threading.Thread | None:
    """Import ``modules`` in order on a daemon thread; None when the first is imported already."""
    if modules[0] in sys.modules:
        return None
    thread = threading.Thread(target=_import_all, args=(tuple(modules),), name="gongkai-import", daemon=True)
    thread.start()
    return thread


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the validation that needs it raises it again, where it is reported
            return
