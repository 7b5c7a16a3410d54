"""The one wait loop behind the DuckDB file, its readers and the writer lock."""

from __future__ import annotations

import pytest

from warehouse.errors import WarehouseBusyError
from warehouse.waiting import Held, Wording, literal, wait_for

WORDS = Wording(waiting="waiting for {holder}", gave_up="{holder} kept it {s:.0f} s", got="got it after {s:.1f} s")


def test_tells_once_polls_and_says_when_it_got_it() -> None:
    tries: list[int] = []
    said: list[str] = []

    def attempt() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise Held("pid 42")
        return "open"

    assert wait_for(attempt, WORDS, timeout=5, poll=0.001, on_wait=said.append) == "open"
    assert len(tries) == 3
    assert said[0] == "waiting for pid 42" and said[1].startswith("got it after ") and len(said) == 2


def test_no_wait_no_words() -> None:
    said: list[str] = []
    assert wait_for(lambda: 7, WORDS, timeout=0, poll=0.001, on_wait=said.append) == 7
    assert said == []


def test_gives_up_naming_the_holder() -> None:
    def attempt() -> None:
        raise Held("pid 7 (annual-ingest)")

    with pytest.raises(WarehouseBusyError, match=r"^pid 7 \(annual-ingest\) kept it 0 s$"):
        wait_for(attempt, WORDS, timeout=0.01, poll=0.002)


def test_other_errors_are_not_waited_for() -> None:
    def attempt() -> None:
        raise PermissionError("denied")

    with pytest.raises(PermissionError):
        wait_for(attempt, WORDS, timeout=5, poll=0.001)


def test_a_path_with_braces_stays_as_written() -> None:
    words = Wording(waiting=f"waiting for {literal('/data/{x}/db')} ({{holder}})", gave_up="", got="")
    said: list[str] = []
    n = iter(range(2))

    def attempt() -> None:
        if next(n) == 0:
            raise Held("pid 1")

    wait_for(attempt, words, timeout=5, poll=0.001, on_wait=said.append)
    assert said[0] == "waiting for /data/{x}/db (pid 1)"
