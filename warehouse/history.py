"""Bureau links and report versions in the database: read, recompute, write back what changed.

``warehouse.versions`` decides (pure functions); this module applies the decisions
inside the caller's transaction. Loads, registry loads and the schema upgrade all
end here, so the version columns always follow the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from warehouse.schema import bureau_aliases, bureaus, report_tables
from warehouse.versions import (
    VersionInput,
    VersionState,
    compute_versions,
    normalize_name,
    resolve_bureau,
    version_key,
)

reports = report_tables["reports"]

#: The ``reports`` columns this module owns (the warehouse's, not ``transforms``').
LINK_COLUMNS = ("bureau_id", "version_key")
STATE_COLUMNS = ("version_no", "is_current", "superseded_at", "superseded_by")
_META_COLUMNS = ("report_id", "year", "bureau", "source_path", "loaded_at", "load_seq", "accepted_at",
                 *LINK_COLUMNS, *STATE_COLUMNS)


@dataclass
class BureauMaps:
    """Normalized name -> bureau_id, for the bureaus' own names and for their aliases."""

    names: dict[str, str]
    aliases: dict[str, str]
    has_registry: bool  # an office registry was loaded: unknown names stay unresolved

    def resolve(self, name: str | None) -> str | None:
        return resolve_bureau(name, self.names, self.aliases)


def read_bureau_maps(conn: Connection) -> BureauMaps:
    names: dict[str, str] = {}
    registered = False
    # .all(): one fetch for the whole registry; iterating the result fetches row by row
    # (a national registry is ~10^5 bureaus, read on every load)
    for bureau_id, name, is_registered in conn.execute(
            select(bureaus.c.bureau_id, bureaus.c.name, bureaus.c.is_registered)).all():
        key = normalize_name(name)
        if key is not None:
            names[key] = bureau_id
        registered = registered or bool(is_registered)
    rows = conn.execute(select(bureau_aliases.c.alias, bureau_aliases.c.bureau_id)).all()
    aliases = {normalize_name(a): b for a, b in rows}
    return BureauMaps(names, {k: v for k, v in aliases.items() if k is not None}, registered)


def link_bureaus(conn: Connection, maps: BureauMaps, names: Iterable[str | None],
                 insert: Callable[[list[dict[str, Any]]], Any] | None = None) -> dict[str | None, str | None]:
    """``bureau_id`` per printed name; without a registry, unseen names become bureaus (name only).

    ``insert`` writes the new bureaus' rows (the backend's bulk insert: a batch of a
    first year can name a thousand bureaus never seen, and row-by-row inserts then cost
    more than loading the batch's facts); by default an executemany.
    """
    links: dict[str | None, str | None] = {}
    new_rows: list[dict[str, Any]] = []
    for name in names:
        if name in links:
            continue
        bureau_id = maps.resolve(name)
        key = normalize_name(name)
        if bureau_id is None and key is not None and not maps.has_registry:
            bureau_id = key
            maps.names[key] = key
            new_rows.append({"bureau_id": key, "name": key, "region": None, "parent_bureau_id": None,
                             "level": None, "sector": None, "is_registered": False})
        links[name] = bureau_id
    if new_rows:
        if insert is None:
            conn.execute(bureaus.insert(), new_rows)
        else:
            insert(new_rows)
    return links


_IN_CHUNK = 1000  # values per IN (...) list


def read_meta(conn: Connection, *, report_ids: Iterable[str] | None = None,
              version_keys: Iterable[str] | None = None,
              source_paths: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """The version-relevant columns of reports, by report_id: every report, or only those
    matching any of ``report_ids``, ``version_keys`` or ``source_paths`` when one is given.

    A load needs only the version groups it touches (see ``touched_meta``): reading
    every report's row made each load cost more as the warehouse grew.
    """
    stmt = select(*(reports.c[c] for c in _META_COLUMNS))
    if report_ids is None and version_keys is None and source_paths is None:
        return {row["report_id"]: dict(row) for row in conn.execute(stmt).mappings()}
    out: dict[str, dict[str, Any]] = {}
    for column, values in ((reports.c.report_id, report_ids), (reports.c.version_key, version_keys),
                           (reports.c.source_path, source_paths)):
        wanted = sorted({v for v in values or () if v is not None})
        for i in range(0, len(wanted), _IN_CHUNK):
            for row in conn.execute(stmt.where(column.in_(wanted[i:i + _IN_CHUNK]))).mappings():
                out[row["report_id"]] = dict(row)
    return out


def touched_meta(conn: Connection, keys: Iterable[str], paths: Iterable[str | None]
                 ) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """What a load must recompute, and what it may write back.

    A version's state depends only on the versions sharing its key or its file path
    (``compute_versions``). The reports sharing a key or path with the batch are the ones
    whose state can change (returned as ids to write); to compute them right, every
    report sharing *their* keys and paths is read too (returned as meta).
    """
    affected = read_meta(conn, version_keys=keys, source_paths=paths)
    context = read_meta(conn, version_keys={m["version_key"] for m in affected.values()},
                        source_paths={m["source_path"] for m in affected.values()})
    return {**context, **affected}, set(affected)


def max_load_seq(conn: Connection) -> int:
    return conn.execute(select(func.max(reports.c.load_seq))).scalar() or 0


def next_load_seq(meta: Mapping[str, Mapping[str, Any]]) -> int:
    return max((m["load_seq"] for m in meta.values() if m["load_seq"] is not None), default=0) + 1


def as_input(row: Mapping[str, Any]) -> VersionInput:
    return VersionInput(row["report_id"], row["version_key"], row["source_path"], row["load_seq"], row["accepted_at"])


def state_values(state: VersionState) -> dict[str, Any]:
    return {"version_no": state.version_no, "is_current": state.is_current,
            "superseded_at": state.superseded_at, "superseded_by": state.superseded_by}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)  # sqlite hands back naive timestamps
    return a == b


def write_changes(conn: Connection, meta: Mapping[str, Mapping[str, Any]],
                  wanted: Mapping[str, Mapping[str, Any]]) -> set[int | None]:
    """UPDATE the rows whose owned columns differ from ``wanted``; returns their years."""
    changed: list[dict[str, Any]] = []
    years: set[int | None] = set()
    for report_id, values in wanted.items():
        old = meta[report_id]
        if all(_same(old.get(c), v) for c, v in values.items()):
            continue
        changed.append({"p_report_id": report_id, **{f"p_{c}": v for c, v in values.items()}})
        years.add(old["year"])
    if not changed:
        return years
    columns = [c for c in changed[0] if c != "p_report_id"]
    stmt = (reports.update().where(reports.c.report_id == bindparam("p_report_id"))
            .values({c[2:]: bindparam(c) for c in columns}))
    # Same columns in every row (one executemany); fill any missing ones from the old row.
    for row in changed:
        for c in columns:
            row.setdefault(c, meta[row["p_report_id"]].get(c[2:]))
    conn.execute(stmt, changed)
    return years


def relink_all(conn: Connection) -> set[int | None]:
    """Re-resolve every report's bureau, re-key and re-version everything (registry load, upgrade).

    Reports without a ``load_seq`` (rows from schema version 1) get one in the order they
    were loaded, and their ``loaded_at`` as ``accepted_at``.
    """
    meta = read_meta(conn)
    maps = read_bureau_maps(conn)
    links = link_bureaus(conn, maps, sorted({m["bureau"] for m in meta.values() if m["bureau"] is not None}))
    seq = next_load_seq(meta)
    wanted: dict[str, dict[str, Any]] = {}
    unsequenced = sorted((m for m in meta.values() if m["load_seq"] is None),
                         key=lambda m: (m["loaded_at"] is None, m["loaded_at"] or 0, m["report_id"]))
    for m in unsequenced:
        wanted[m["report_id"]] = {"load_seq": seq, "accepted_at": m["accepted_at"] or m["loaded_at"]}
        seq += 1
    inputs = []
    for report_id, m in meta.items():
        bureau_id = links.get(m["bureau"])
        values = wanted.setdefault(report_id, {})
        values["bureau_id"] = bureau_id
        values["version_key"] = version_key(bureau_id, m["bureau"], m["year"], m["source_path"], report_id)
        inputs.append(VersionInput(report_id, values["version_key"], m["source_path"],
                                   values.get("load_seq", m["load_seq"]),
                                   values.get("accepted_at", m["accepted_at"])))
    for report_id, state in compute_versions(inputs).items():
        wanted[report_id].update(state_values(state))
    return write_changes(conn, meta, wanted)
