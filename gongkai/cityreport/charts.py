"""The city report's charts (matplotlib, PNG and SVG), labelled in Chinese with a system CJK font.

Four charts: how the year's applications were handled (the result rows of section 三,
by the form's groups), the five-year trend of new applications and of reviews and
litigation (years with data only), the bureaus ranked by applications received, and
each bureau's share of applications granted. Labels come from the spec, numbers from
the same ``RegionYear`` the tables print.

The font is a CJK font matplotlib can find (Debian's fonts-wqy-zenhei or fonts-noto-cjk);
without one the charts would show empty boxes (tofu), so ``find_cjk_font`` fails with
what to install instead. SVG text is written as paths (``svg.fonttype = path``), so the
SVG renders the same on a machine without the font.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.cityreport.model import CHART_TOP, CityReport, column_label, ranked_bureaus, share
from transforms.spec import Layout

#: Families tried first, in order; any other font whose glyphs cover Chinese text also does.
CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC",
    "AR PL UMing CN", "Droid Sans Fallback",
)
_PROBE = "政府信息公开申请数量予以部分不掌握复议诉讼年度"


class ChartFontError(RuntimeError):
    """No font with Chinese glyphs is available to matplotlib. Terminal: install one."""


@dataclass(frozen=True)
class CjkFont:
    name: str
    path: str
    weight: int | str = "normal"


@dataclass
class ChartSet:
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # caption -> (svg, png), relative to out dir
    font: CjkFont | None = None
    texts: list[str] = field(default_factory=list)  # every string drawn, for the glyph check


def font_covers(path: str, text: str) -> bool:
    """True when the font file has a glyph for every character of ``text``."""
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(path).get_charmap()
    return all(ord(ch) in charmap for ch in text if not ch.isspace())


def find_cjk_font() -> CjkFont:
    from matplotlib import font_manager

    fonts = font_manager.fontManager.ttflist
    ranked = sorted(fonts, key=lambda f: CJK_FAMILIES.index(f.name) if f.name in CJK_FAMILIES else len(CJK_FAMILIES))
    for entry in ranked:
        try:
            if font_covers(entry.fname, _PROBE):
                return CjkFont(entry.name, entry.fname, entry.weight)
        except (OSError, RuntimeError):
            continue
    raise ChartFontError(
        "no font with Chinese glyphs is available to matplotlib, so chart labels would print as boxes; "
        "install one (Debian: apt-get install fonts-wqy-zenhei, or fonts-noto-cjk) and clear matplotlib's "
        "font cache (rm -rf ~/.cache/matplotlib)")


def short_label(label: str) -> str:
    """A form label without its trailing explanation: （二）部分公开（区分处理的，…） -> （二）部分公开."""
    return re.sub(r"（[^（）]*）$", "", label) or label


def result_composition(layout: Layout, report: CityReport) -> list[tuple[str, int]]:
    """(label, applications) per result group of the form, from section 三's 总计 column."""
    groups = {g.key: g.label for g in layout.app_groups}
    out: dict[str, int] = {}
    for row in layout.app_rows:
        if not row.is_result:
            continue
        label = short_label(row.label) if row.group == "results" else groups[row.group]
        cell = report.data.applications.get((row.key, "total"))
        out[label] = out.get(label, 0) + (int(cell.value or 0) if cell is not None else 0)
    return list(out.items())


def _save(fig, out_dir: Path, name: str) -> tuple[str, str]:
    charts = out_dir / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    fig.savefig(charts / f"{name}.svg", format="svg", metadata={"Date": None})
    fig.savefig(charts / f"{name}.png", format="png", dpi=120)
    return f"charts/{name}.svg", f"charts/{name}.png"


def _texts(fig) -> Iterable[str]:
    from matplotlib.text import Text

    for artist in fig.findobj(Text):
        if artist.get_text():
            yield artist.get_text()


def render_charts(report: CityReport, out_dir: Path) -> ChartSet:
    font = find_cjk_font()
    # WenQuanYi declares weight 500 only: matplotlib would log a fallback for every label.
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return _render(report, out_dir, font)
    finally:
        log.setLevel(level)


def _render(report: CityReport, out_dir: Path, font: CjkFont) -> ChartSet:
    import matplotlib
    from matplotlib.figure import Figure

    result = ChartSet(font=font)
    settings = {"font.family": [font.name], "font.weight": font.weight, "svg.fonttype": "path", "axes.unicode_minus": False,
                "svg.hashsalt": "gongkai-cityreport", "font.size": 9}
    ry = report.data
    with matplotlib.rc_context(settings):
        figures = []

        comp = result_composition(report.layout, report)
        fig = Figure(figsize=(8, 4.2))
        ax = fig.add_subplot()
        labels = [c[0] for c in comp][::-1]
        values = [c[1] for c in comp][::-1]
        bars = ax.barh(labels, values, color="#8c2d19")
        ax.bar_label(bars, labels=[str(v) for v in values], padding=2)
        ax.set_xlabel("申请件数（第三部分“总计”列）")
        ax.set_title(f"{ry.region}{ry.year}年 申请办理结果构成")
        figures.append((f"{ry.year}年申请办理结果构成", "composition", fig))

        years = sorted(ry.summary)
        fig = Figure(figsize=(8, 4.2))
        ax1, ax2 = fig.subplots(1, 2)
        new = [ry.summary[y]["new_received_total"] for y in years]
        ax1.plot(years, new, marker="o", color="#8c2d19", label=column_label("new_received_total"))
        ax1.set_title("本年新收政府信息公开申请数量")
        for col, color in (("review_total", "#1f4e79"), ("litigation_direct_total", "#6a8d2f"),
                           ("litigation_after_review_total", "#c77c0e")):
            ax2.plot(years, [ry.summary[y][col] for y in years], marker="o", color=color,
                     label=column_label(col).replace(" · 总计", ""))
        ax2.set_title("行政复议、行政诉讼（总计）")
        ax2.legend(fontsize=7)
        for ax in (ax1, ax2):
            ax.set_xticks(years, [f"{y}年" for y in years])
            ax.set_xlabel("年度")
        fig.suptitle(f"{ry.region} 近{len(years)}年趋势（有数据的年度）")
        fig.tight_layout()
        figures.append((f"近{len(years)}年趋势", "trend", fig))

        top = ranked_bureaus(ry)[:CHART_TOP]
        fig = Figure(figsize=(8, max(3.0, 0.22 * len(top) + 1.2)))
        ax = fig.add_subplot()
        names = [b["bureau"] or "—" for b in top][::-1]
        counts = [b["new_received_total"] or 0 for b in top][::-1]
        bars = ax.barh(names, counts, color="#1f4e79")
        ax.bar_label(bars, labels=[str(v) for v in counts], padding=2, fontsize=7)
        ax.set_xlabel("本年新收政府信息公开申请数量（总计）")
        ax.set_title(f"各部门收到申请数（前{len(top)}名）" if len(ry.bureaus) > len(top) else "各部门收到申请数")
        fig.tight_layout()
        figures.append(("各部门收到申请数", "bureaus_ranked", fig))

        shown = [b for b in top if b["results_total_total"]]
        fig = Figure(figsize=(8, max(3.0, 0.22 * len(shown) + 1.2)))
        ax = fig.add_subplot()
        names = [b["bureau"] or "—" for b in shown][::-1]
        granted = [float(share(b["granted_total"], b["results_total_total"]) or 0) for b in shown][::-1]
        partial = [float(share(b["partially_granted_total"], b["results_total_total"]) or 0) for b in shown][::-1]
        ax.barh(names, granted, color="#6a8d2f", label="予以公开")
        ax.barh(names, partial, left=granted, color="#c7d88c", label="部分公开")
        ax.set_xlim(0, 100)
        ax.set_xlabel("占办理结果总计的百分比 %")
        ax.set_title("各部门予以公开、部分公开占比")
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        figures.append(("各部门公开比例", "bureaus_granted_share", fig))

        for caption, name, fig in figures:
            result.texts.extend(_texts(fig))
            result.files[caption] = _save(fig, out_dir, name)
    return result
