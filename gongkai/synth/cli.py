"""``gongkai synth --n N --out DIR --seed S [--carriers txt,html] [--mess LEVEL]``.

Self-contained (its own argparse parser) so the main ``gongkai`` CLI can hand it
``argv`` unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser(prog: str = "gongkai synth") -> argparse.ArgumentParser:
    from gongkai.synth.generate import CARRIERS, MAX_MESS

    p = argparse.ArgumentParser(
        prog=prog,
        description="Write deterministic synthetic annual reports with a .truth.json beside each file.",
    )
    p.add_argument("--n", type=int, required=True, help="number of reports (each is written in every carrier)")
    p.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    p.add_argument("--seed", type=int, required=True, help="same seed, same bytes")
    p.add_argument("--carriers", default="txt,html",
                   help=f"comma-separated carriers out of {','.join(CARRIERS)} (default: txt,html)")
    p.add_argument("--mess", type=int, default=0, choices=range(MAX_MESS + 1),
                   help="0 clean; 1 cell formatting; 2 labels and structure; 3 run-together text and publisher errors")
    p.add_argument("--region", metavar="CITY",
                   help="write a region instead: --n bureaus of this city (e.g. 福州市) × --years, one carrier "
                        "per report, mess levels 0-3 mixed, ~6%% of bureau-years missing, and the registry CSV "
                        "beside OUT (for `gongkai ingest --registry` and `gongkai report`)")
    p.add_argument("--years", default="2019-2023", help="with --region: reporting years FIRST-LAST (default 2019-2023)")
    return p


def missing_libraries(carriers: tuple[str, ...]) -> dict[str, str]:
    """carrier → PyPI distribution it needs and that is not installed (the ``synth`` extra's)."""
    import importlib.util

    from gongkai.synth.render_office import LIBRARIES

    return {c: LIBRARIES[c][1] for c in carriers if c in LIBRARIES and importlib.util.find_spec(LIBRARIES[c][0]) is None}


def main(argv: list[str] | None = None) -> int:
    from gongkai.synth.generate import CARRIERS, generate

    args = build_parser().parse_args(argv)
    carriers = tuple(c.strip() for c in args.carriers.split(",") if c.strip())
    unknown = [c for c in carriers if c not in CARRIERS]
    if unknown or not carriers:
        print(f"gongkai synth: unknown carrier(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(CARRIERS)}",
              file=sys.stderr)
        return 2
    if args.n < 0:
        print("gongkai synth: --n must be >= 0", file=sys.stderr)
        return 2
    missing = missing_libraries(carriers)
    if missing:
        print(f"gongkai synth: the {', '.join(missing)} carrier(s) need {', '.join(sorted(set(missing.values())))}, "
              "which the generator's extra installs: pip install 'gongkai[synth]' (txt and html need nothing more)",
              file=sys.stderr)
        return 2
    if args.region:
        from gongkai.synth.region import generate_region

        first, _, last = args.years.partition("-")
        try:
            years = tuple(range(int(first), int(last or first) + 1))
            corpus = generate_region(args.out, args.seed, region=args.region, n_bureaus=args.n, years=years,
                                     carriers=carriers)
        except ValueError as exc:
            print(f"gongkai synth: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {len(corpus.paths)} reports of {len(corpus.bureaus)} bureaus × {len(years)} years "
              f"({len(corpus.missing)} bureau-years left missing) to {args.out}; registry: {corpus.registry_csv}")
        return 0
    paths = generate(args.n, args.out, args.seed, carriers, args.mess)
    print(f"wrote {len(paths)} files ({args.n} reports × {len(carriers)} carriers, mess {args.mess}) to {args.out}")
    return 0
