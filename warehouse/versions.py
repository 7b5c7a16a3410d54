"""Report versions: which accepted parses are versions of the same thing, and which one is current.

Pure functions over report metadata, so the rules can be read (and tested) apart
from SQL. The store reads the metadata of the reports a batch can affect (those
sharing a version key or a file path with it, plus what those share in turn: see
``warehouse.history.touched_meta``), adds the batch, calls ``compute_versions`` and
writes back whatever changed, all in one transaction.

The rules:

* A report's **version key** is its bureau-year: the resolved ``bureau_id`` (or,
  when the bureau is not in the registry, its printed name) and the reporting
  year. A report whose bureau or year is unknown is keyed by its file instead.
* Every content first accepted gets the next ``load_seq``; reloading the same
  content (same ``report_id``) keeps its ``load_seq`` and ``accepted_at``, so a
  rerun replaces a version in place and never reorders history.
* A version is **superseded** by the first version accepted after it that has the
  same key (a resubmission of the bureau-year) or the same ``source_path`` (the
  file was changed in place; even if the change moved it to another year, the
  old parse of that file is no longer what the file says).
* ``is_current`` = not superseded. So each key has at most one current version:
  exactly one, unless its newest version's file was since changed to say
  something else. ``version_no`` numbers a key's versions 1, 2, ... by ``load_seq``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

_SPACE = re.compile(r"\s+")


def normalize_name(name: str | None) -> str | None:
    """The form bureau names are matched in: NFKC (full-width to half-width), no whitespace."""
    if name is None:
        return None
    text = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    return text or None


def version_key(bureau_id: str | None, bureau: str | None, year: int | None, source_path: str | None,
                report_id: str) -> str:
    """What a report is a version of (see the module docstring)."""
    name = bureau_id if bureau_id is not None else normalize_name(bureau)
    if name is not None and year is not None:
        prefix = "bureau" if bureau_id is not None else "name"
        return f"{prefix}:{name}|year:{int(year)}"
    if source_path is not None:
        return f"path:{source_path}"
    return f"report:{report_id}"


@dataclass(frozen=True)
class VersionInput:
    report_id: str
    version_key: str
    source_path: str | None
    load_seq: int
    accepted_at: datetime | None


@dataclass(frozen=True)
class VersionState:
    version_no: int
    is_current: bool
    superseded_at: datetime | None
    superseded_by: str | None


def compute_versions(reports: Iterable[VersionInput]) -> dict[str, VersionState]:
    """The version columns of every report, from keys, paths and acceptance order alone."""
    ordered = sorted(reports, key=lambda r: (r.load_seq, r.report_id))
    version_no: dict[str, int] = {}
    per_key: dict[str, int] = {}
    for r in ordered:
        per_key[r.version_key] = per_key.get(r.version_key, 0) + 1
        version_no[r.report_id] = per_key[r.version_key]
    states: dict[str, VersionState] = {}
    next_by_key: dict[str, VersionInput] = {}
    next_by_path: dict[str, VersionInput] = {}
    for r in reversed(ordered):
        candidates = [c for c in (next_by_key.get(r.version_key),
                                  next_by_path.get(r.source_path) if r.source_path is not None else None)
                      if c is not None]
        successor = min(candidates, key=lambda c: (c.load_seq, c.report_id)) if candidates else None
        states[r.report_id] = VersionState(
            version_no=version_no[r.report_id],
            is_current=successor is None,
            superseded_at=successor.accepted_at if successor else None,
            superseded_by=successor.report_id if successor else None,
        )
        next_by_key[r.version_key] = r
        if r.source_path is not None:
            next_by_path[r.source_path] = r
    return states


def resolve_bureau(name: str | None, names: Mapping[str, str], aliases: Mapping[str, str]) -> str | None:
    """``bureau_id`` for a printed name: by the bureau's own name first, then by an alias.

    ``names`` and ``aliases`` map *normalized* names to bureau ids.
    """
    key = normalize_name(name)
    if key is None:
        return None
    return names.get(key) or aliases.get(key)
