"""The office's bureau registry CSV, read and checked before it touches the warehouse.

One row per bureau that must publish a report::

    bureau,region,parent,level,sector,aliases
    平潭综合实验区,平潭综合实验区,,区,综合,
    平潭综合实验区公安局,平潭综合实验区,平潭综合实验区,部门,公安,平潭县公安局

``bureau``, ``region``, ``parent`` and ``level`` are required columns (cells may be
empty except ``bureau``); ``sector``, ``aliases`` (former names, separated by ``;``
or ``；``) and ``bureau_id`` (a stable id; the name when absent) are optional.
``parent`` names another bureau of the file, by name or alias. Files are UTF-8
(a BOM is fine) or GB18030, as spreadsheets save them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec

from warehouse.errors import RegistryError
from warehouse.versions import normalize_name

REQUIRED_COLUMNS: tuple[str, ...] = ("bureau", "region", "parent", "level")
OPTIONAL_COLUMNS: tuple[str, ...] = ("sector", "aliases", "bureau_id")
_ALIAS_SEP = re.compile(r"[;；]")


@dataclass(frozen=True)
class Registry:
    bureaus: tuple[dict[str, Any], ...]  # rows of the ``bureaus`` table
    aliases: tuple[dict[str, Any], ...]  # rows of the ``bureau_aliases`` table


def read_registry_text(source: str | Path) -> str:
    """The CSV's text from a local path or any fsspec URL (``s3://``, ``https://``, ``memory://``)."""
    with fsspec.open(str(source), "rb") as f:
        data = f.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistryError(f"{source}: neither UTF-8 nor GB18030")


def _cell(row: dict[str, str | None], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def parse_registry(text: str, source: str = "registry") -> Registry:
    """Check and convert the CSV; every problem raises ``RegistryError`` naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegistryError(f"{source}: missing columns {missing}; the header has {header}")
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        known = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        raise RegistryError(f"{source}: unknown columns {unknown}; known: {known}")

    rows: list[tuple[int, dict[str, str | None]]] = []
    ids: dict[str, int] = {}  # normalized name or alias -> line, to find clashes
    owner: dict[str, str] = {}  # normalized name or alias -> bureau_id
    for line, raw in enumerate(reader, start=2):
        if not any((v or "").strip() for v in raw.values()):
            continue  # blank line
        name = _cell(raw, "bureau")
        if name is None:
            raise RegistryError(f"{source} line {line}: column 'bureau' is empty")
        bureau_id = _cell(raw, "bureau_id") or name
        for label in [name] + [a.strip() for a in _ALIAS_SEP.split(_cell(raw, "aliases") or "") if a.strip()]:
            key = normalize_name(label)
            assert key is not None
            if key in owner and owner[key] != bureau_id:
                raise RegistryError(f"{source} line {line}: name {label!r} already names another bureau "
                                    f"(line {ids[key]})")
            ids.setdefault(key, line)
            owner[key] = bureau_id
        rows.append((line, {**raw, "bureau": name, "bureau_id": bureau_id}))

    bureau_rows: list[dict[str, Any]] = []
    alias_rows: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    for line, raw in rows:
        bureau_id = raw["bureau_id"]
        assert bureau_id is not None
        if bureau_id in seen_ids:
            raise RegistryError(
                f"{source} line {line}: bureau {bureau_id!r} is listed twice (line {seen_ids[bureau_id]})")
        seen_ids[bureau_id] = line
        parent = _cell(raw, "parent")
        parent_id = None
        if parent is not None:
            parent_id = owner.get(normalize_name(parent) or "")
            if parent_id is None:
                raise RegistryError(f"{source} line {line}: parent {parent!r} is not a bureau of this registry")
        bureau_rows.append({
            "bureau_id": bureau_id, "name": raw["bureau"], "region": _cell(raw, "region"),
            "parent_bureau_id": parent_id, "level": _cell(raw, "level"), "sector": _cell(raw, "sector"),
            "is_registered": True,
        })
        for alias in _ALIAS_SEP.split(_cell(raw, "aliases") or ""):
            alias = alias.strip()
            if alias and normalize_name(alias) != normalize_name(raw["bureau"]):
                alias_rows.append({"alias": alias, "bureau_id": bureau_id})
    # The same alias twice for one bureau is harmless; keep it once.
    unique_aliases = {normalize_name(a["alias"]): a for a in alias_rows}
    return Registry(tuple(bureau_rows), tuple(unique_aliases.values()))
