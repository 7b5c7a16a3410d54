"""How long the office's review site takes for a year of N reports (issue 11: < 30 s with the city
report for 10,000).

Run on demand (not a test):

    .venv/bin/python benchmarks/bench_review.py [--n 10000] [--templates 60] [--seed 7]

Parses ``--templates`` synthetic reports (txt, mess levels 0-3 in equal parts, both
layouts), checks them as an ingest does, and replicates their tables to N reports
of one year (new ids, contents and bureau names; findings, blanks, unread cells
and recovered cells kept), loads them into a fresh DuckDB warehouse in batches of
1,000 (not timed), records a few decisions, then times ``write_site`` for that
year: the index and N report pages. Prints wall and CPU seconds, pages/s and the
site's size, with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

YEAR = 2021


def _templates(n: int, seed: int, work: Path) -> dict[str, pa.Table]:
    from expectations.validate import validate_batch
    from gongkai.synth.generate import render_report
    from transforms.parse import PARSER_VERSION, parse_file
    from transforms.tables import ReportRow, report_id_for, to_tables, with_findings

    rows = []
    for i in range(n):
        data, _ = render_report(seed, i, i % 4, "txt")
        path = work / f"t{i:04d}.txt"
        path.write_bytes(data)
        report = parse_file(path)
        rows.append(ReportRow(report, report_id_for(report.sha256), str(path), PARSER_VERSION, "bench"))
    tables = to_tables(rows)
    return with_findings(tables, validate_batch(tables))


def _replicate(templates: dict[str, pa.Table], start: int, count: int) -> dict[str, pa.Table]:
    """``count`` reports numbered from ``start``, each a copy of a template with its own id, bytes and bureau."""
    reports = templates["reports"]
    template_ids = reports["report_id"].to_pylist()
    pick = [i % len(template_ids) for i in range(start, start + count)]
    shas = [hashlib.sha256(f"bench-{i}".encode()).hexdigest() for i in range(start, start + count)]
    new_ids = [s[:20] for s in shas]
    out: dict[str, pa.Table] = {}
    rep = reports.take(pa.array(pick))
    for name, values in (("report_id", new_ids), ("content_sha256", shas),
                         ("bureau", [f"基准市第{i:05d}局" for i in range(start, start + count)]),
                         ("year", [YEAR] * count),
                         ("source_path", [f"/bench/{i:05d}.txt" for i in range(start, start + count)])):
        j = rep.schema.get_field_index(name)
        rep = rep.set_column(j, rep.schema.field(j), pa.array(values, rep.schema.field(j).type))
    out["reports"] = rep
    for name, table in templates.items():
        if name == "reports":
            continue
        slices = {tid: table.filter(pc.equal(table["report_id"], tid)) for tid in template_ids}
        parts = []
        for k, t in enumerate(pick):
            part = slices[template_ids[t]]
            if part.num_rows == 0:
                continue
            j = part.schema.get_field_index("report_id")
            part = part.set_column(j, part.schema.field(j), pa.array([new_ids[k]] * part.num_rows, pa.string()))
            j = part.schema.get_field_index("year")
            part = part.set_column(j, part.schema.field(j), pa.array([YEAR] * part.num_rows, part.schema.field(j).type))
            parts.append(part)
        out[name] = pa.concat_tables(parts) if parts else table.schema.empty_table()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--templates", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from review import write_site
    from warehouse import Warehouse
    from warehouse.resolutions import build, store

    with tempfile.TemporaryDirectory(prefix="gongkai-bench-review-") as tmp:
        work = Path(tmp)
        (work / "t").mkdir()
        templates = _templates(args.templates, args.seed, work / "t")
        warehouse = Warehouse.open(data_dir=str(work / "data"))
        for start in range(0, args.n, 1000):
            warehouse.load(_replicate(templates, start, min(1000, args.n - start)))
        quarantined = warehouse.query("SELECT r.report_id FROM reports r JOIN findings f USING (report_id) "
                                      "WHERE f.code = 'identity.I1' LIMIT 50")["report_id"].to_pylist()
        with warehouse.engine.begin() as conn:
            store(conn, [build(conn, rid, "accept", by="bench", finding_code="identity.I1", note="bench")
                         for rid in dict.fromkeys(quarantined)])
        load1 = os.getloadavg()[0]
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        result = write_site(warehouse, work / "review", [YEAR])
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        size = sum(p.stat().st_size for p in (work / "review").rglob("*.html"))
        warehouse.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"review site for {args.n} reports of {YEAR} ({args.templates} templates, mess 0-3): "
          f"{result.pages} pages + index in {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"({result.pages / wall:.0f} pages/s); {size / 1e6:.0f} MB of HTML; peak RSS {rss:.0f} MB; "
          f"load average {load1:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
