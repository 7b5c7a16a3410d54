"""A generated region: one registry of bureaus, their reports over several years, some never sent.

The city's own report (``gongkai report``) sums a region's bureau reports of a year and
says what the sum covers. Testing it needs what a real office has: a registry CSV
listing every bureau that must publish, several years of reports from the same
bureaus (for the trend and the year-over-year comparison), a mix of clean, flagged and
quarantined submissions (mess levels 0-3 drawn per report), and bureau-years that were
never submitted (``v_missing_submissions``). Deterministic by seed, like ``generate``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gongkai.synth.generate import MAX_MESS, RENDERERS, make_report, report_rng
from gongkai.synth.names import DEPARTMENTS, PLACES, TOWNS, Bureau

REGISTRY_HEADER: tuple[str, ...] = ("bureau", "region", "parent", "level", "sector", "aliases")


@dataclass(frozen=True)
class RegionCorpus:
    """What ``generate_region`` wrote and what it deliberately left out."""

    region: str
    registry_csv: Path
    bureaus: tuple[str, ...]
    years: tuple[int, ...]
    paths: tuple[Path, ...]
    missing: tuple[tuple[str, int], ...]  # (bureau, year) never written
    mess: dict[tuple[str, int], int]  # mess level of each written report


def _city_of(region: str) -> tuple[str, tuple[str, ...]]:
    for cities in PLACES.values():
        if region in cities:
            return region, cities[region]
    raise ValueError(f"unknown city {region!r}; known: {', '.join(c for cs in PLACES.values() for c in cs)}")


def region_bureau_names(region: str, n: int) -> tuple[str, ...]:
    """``n`` distinct publisher names of a real city: its departments, then its counties' and towns'."""
    city, counties = _city_of(region)
    names = [f"{city}{d}" for d in DEPARTMENTS]
    names += [f"{city}{c}{d}" for c in counties for d in DEPARTMENTS]
    names += [f"{c}{t}人民政府" for c in counties for t in TOWNS]
    if n > len(names):
        raise ValueError(f"{region} has only {len(names)} bureau names; asked for {n}")
    return tuple(names[:n])


def generate_region(out_dir: Path, seed: int, *, region: str = "福州市", n_bureaus: int = 32,
                    years: Sequence[int] = (2019, 2020, 2021, 2022, 2023), missing_share: float = 0.06,
                    mess_weights: Sequence[float] = (0.45, 0.25, 0.15, 0.15),
                    carriers: Sequence[str] = ("txt", "html")) -> RegionCorpus:
    """Write the region's reports (one carrier each) and its registry CSV into ``out_dir``.

    Every bureau is a department (no registry parent), so no report already sums others:
    the region's roll-up counts each application once.
    """
    if len(mess_weights) != MAX_MESS + 1:
        raise ValueError(f"mess_weights needs {MAX_MESS + 1} weights, got {len(mess_weights)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = region_bureau_names(region, n_bureaus)
    rng = random.Random(f"gongkai-region:{seed}:{region}")
    paths: list[Path] = []
    missing: list[tuple[str, int]] = []
    mess_of: dict[tuple[str, int], int] = {}
    index = 0
    for year in years:
        for name in names:
            index += 1
            if rng.random() < missing_share:
                missing.append((name, year))
                continue
            mess = rng.choices(range(MAX_MESS + 1), weights=mess_weights)[0]
            carrier = rng.choice(tuple(carriers))
            bureau = Bureau(name, region, "city_dept")
            truth, plan, doc = make_report(seed, index, mess, bureau=bureau, year=year)
            data = RENDERERS[carrier](doc, truth, plan, report_rng(seed, index, f"render:{carrier}"))
            path = out_dir / f"r{seed}_{year}_{index:05d}.{carrier}"
            path.write_bytes(data)
            paths.append(path)
            mess_of[(name, year)] = mess
    registry = out_dir.parent / f"{out_dir.name}.registry.csv"
    with registry.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(REGISTRY_HEADER)
        for name in names:
            writer.writerow((name, region, "", "部门", "", ""))
    return RegionCorpus(region, registry, names, tuple(years), tuple(paths), tuple(missing), mess_of)
