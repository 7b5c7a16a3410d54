"""The city's own annual report: the region's bureau reports summed into the standard form.

``build_city_report(warehouse, region, year, out_dir)`` reads the numbers from the
region roll-up views (``warehouse.region_report``), lays them out in the form of the
year (``model``), and writes ``report.html`` (print-ready, offline), ``report.xlsx``
(merged headers), ``report.md`` and the charts (``charts/*.svg``, ``*.png``).
``gongkai report --region R --year Y --out DIR`` is the command.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.cityreport.model import CityReport, build_model
from transforms.gc_pause import no_cyclic_gc
from warehouse.region_report import read_region_year
from warehouse.store import Warehouse


@dataclass(frozen=True)
class CityReportFiles:
    report: CityReport
    html: Path
    xlsx: Path
    markdown: Path
    charts: dict[str, tuple[Path, Path]]  # caption -> (svg, png)
    font: str | None  # the font file the charts' labels were drawn with
    chart_texts: tuple[str, ...]  # every string the charts draw (what the font must cover)
    seconds: dict[str, float] = field(default_factory=dict)  # by stage: query, layout, charts, html, xlsx, markdown


def build_city_report(warehouse: Warehouse, region: str, year: int, out_dir: Path,
                      charts: bool = True) -> CityReportFiles:
    from gongkai.cityreport.charts import ChartSet, render_charts
    from gongkai.cityreport.html import render_html
    from gongkai.cityreport.markdown import render_markdown
    from gongkai.cityreport.xlsx import write_xlsx

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    t = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal t
        now = time.perf_counter()
        seconds[stage] = now - t
        t = now

    # tables of thousands of bureaus are hundreds of thousands of acyclic objects: no cyclic GC while they
    # are built and written (the charts, matplotlib figures full of cycles, run with it)
    with no_cyclic_gc():
        data = read_region_year(warehouse, region, year)
        lap("query")
        report = build_model(data)
        lap("layout")
    chart_set = render_charts(report, out_dir) if charts else ChartSet()
    lap("charts")
    with no_cyclic_gc():
        html = out_dir / "report.html"
        html.write_text(render_html(report, chart_set.files), encoding="utf-8")
        lap("html")
        xlsx = write_xlsx(report, out_dir / "report.xlsx")
        lap("xlsx")
        md = out_dir / "report.md"
        md.write_text(render_markdown(report, chart_set.files), encoding="utf-8")
        lap("markdown")
    files = {caption: (out_dir / svg, out_dir / png) for caption, (svg, png) in chart_set.files.items()}
    return CityReportFiles(report, html, xlsx, md, files, chart_set.font.path if chart_set.font else None,
                           tuple(chart_set.texts), seconds)


__all__ = ["CityReportFiles", "build_city_report"]
