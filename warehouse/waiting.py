"""Waiting for something another process holds: the DuckDB file, its readers, the writer lock.

Every such wait has the same shape: try, and while the other side holds it, tell the
caller once that we wait (and for whom), poll, give up with ``WarehouseBusyError``
naming the holder after the deadline, and say how long it took once we got it. One
loop, so the messages, the deadline and the polling cannot drift apart between waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from warehouse.errors import WarehouseBusyError

T = TypeVar("T")
#: Called with one line when a wait starts, and once when it ends.
OnWait = Callable[[str], None]


class Held(Exception):
    """Raised by an attempt when the other side holds what it wants; ``holder`` says who, if known."""

    def __init__(self, holder: str = "holder unknown") -> None:
        super().__init__(holder)
        self.holder = holder


@dataclass(frozen=True)
class Wording:
    """What the waiting caller hears; each gets the holder (and the seconds waited where it has ``{s}``)."""

    waiting: str  # once, on the first refusal: "{holder}" is filled in
    gave_up: str  # the WarehouseBusyError's message: "{holder}", "{s:.0f}"
    got: str  # once, when the wait ends: "{s:.1f}"


def literal(text: str) -> str:
    """``text`` (a path, a URL) safe inside a ``Wording`` template, braces and all."""
    return text.replace("{", "{{").replace("}", "}}")


def wait_for(attempt: Callable[[], T], wording: Wording, *, timeout: float, poll: float,
             on_wait: OnWait | None = None, started: float | None = None) -> T:
    """``attempt()`` until it returns instead of raising ``Held``; at most ``timeout`` s from ``started``."""
    started = time.monotonic() if started is None else started
    told = False
    while True:
        try:
            result = attempt()
        except Held as held:
            waited = time.monotonic() - started
            if waited >= timeout:
                raise WarehouseBusyError(wording.gave_up.format(holder=held.holder, s=waited)) from None
            if not told and on_wait is not None:
                on_wait(wording.waiting.format(holder=held.holder, s=waited))
                told = True
            time.sleep(poll)
            continue
        if told and on_wait is not None:
            on_wait(wording.got.format(s=time.monotonic() - started))
        return result
