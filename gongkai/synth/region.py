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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gongkai.synth.generate import MAX_MESS, RENDERERS, make_report, report_rng
from gongkai.synth.mess import MessPlan
from gongkai.synth.model import Doc
from gongkai.synth.names import DEPARTMENTS, PLACES, TOWNS, Bureau
from gongkai.synth.truth import ReportTruth

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


def _names_of_city(city: str, counties: tuple[str, ...]) -> list[str]:
    names = [f"{city}{d}" for d in DEPARTMENTS]
    names += [f"{city}{c}{d}" for c in counties for d in DEPARTMENTS]
    names += [f"{c}{t}人民政府" for c in counties for t in TOWNS]
    return names


def region_bureau_names(region: str, n: int) -> tuple[str, ...]:
    """``n`` distinct publisher names: a real city's departments, then its counties' and towns'.

    A region that is not one of the cities in ``names.PLACES`` (a benchmark's made-up
    region) draws on every city's names, so it can have thousands of bureaus.
    """
    cities = {city: counties for province in PLACES.values() for city, counties in province.items()}
    if region in cities:
        names = _names_of_city(region, cities[region])
    else:
        names = [name for city in sorted(cities) for name in _names_of_city(city, cities[city])]
    if n > len(names):
        raise ValueError(f"{region} has only {len(names)} bureau names; asked for {n}")
    return tuple(names[:n])


@dataclass(frozen=True)
class RegionReport:
    """One bureau-year of a generated region: its truth, mess plan and document model."""

    index: int
    bureau: str
    year: int
    mess: int
    truth: ReportTruth
    plan: MessPlan
    doc: Doc


def region_reports(seed: int, names: Sequence[str], region: str, years: Sequence[int], missing_share: float,
                   mess_weights: Sequence[float]) -> Iterator[RegionReport | tuple[str, int]]:
    """Each bureau-year in order: a ``RegionReport``, or ``(bureau, year)`` when it is never submitted."""
    if len(mess_weights) != MAX_MESS + 1:
        raise ValueError(f"mess_weights needs {MAX_MESS + 1} weights, got {len(mess_weights)}")
    rng = random.Random(f"gongkai-region:{seed}:{region}")
    index = 0
    for year in years:
        for name in names:
            index += 1
            if rng.random() < missing_share:
                yield (name, year)
                continue
            mess = rng.choices(range(MAX_MESS + 1), weights=mess_weights)[0]
            truth, plan, doc = make_report(seed, index, mess, bureau=Bureau(name, region, "city_dept"), year=year)
            yield RegionReport(index, name, year, mess, truth, plan, doc)


def write_registry(path: Path, region: str, names: Sequence[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(REGISTRY_HEADER)
        for name in names:
            writer.writerow((name, region, "", "部门", "", ""))
    return path


def generate_region(out_dir: Path, seed: int, *, region: str = "福州市", n_bureaus: int = 32,
                    years: Sequence[int] = (2019, 2020, 2021, 2022, 2023), missing_share: float = 0.06,
                    mess_weights: Sequence[float] = (0.45, 0.25, 0.15, 0.15),
                    carriers: Sequence[str] = ("txt", "html")) -> RegionCorpus:
    """Write the region's reports (one carrier each) into ``out_dir`` and its registry CSV beside it.

    Every bureau is a department (no registry parent), so no report already sums others:
    the region's roll-up counts each application once.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = region_bureau_names(region, n_bureaus)
    pick = random.Random(f"gongkai-region-carrier:{seed}:{region}")
    paths: list[Path] = []
    missing: list[tuple[str, int]] = []
    mess_of: dict[tuple[str, int], int] = {}
    for item in region_reports(seed, names, region, years, missing_share, mess_weights):
        if isinstance(item, tuple):
            missing.append(item)
            continue
        carrier = pick.choice(tuple(carriers))
        data = RENDERERS[carrier](item.doc, item.truth, item.plan, report_rng(seed, item.index, f"render:{carrier}"))
        path = out_dir / f"r{seed}_{item.year}_{item.index:05d}.{carrier}"
        path.write_bytes(data)
        paths.append(path)
        mess_of[(item.bureau, item.year)] = item.mess
    registry = write_registry(out_dir.parent / f"{out_dir.name}.registry.csv", region, names)
    return RegionCorpus(region, registry, names, tuple(years), tuple(paths), tuple(missing), mess_of)
