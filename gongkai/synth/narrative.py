"""Prose for sections 一, 五 and 六, and the intro paragraph with the statistics period.

Real narratives quote numbers (全年主动公开政府信息2645条, 收到申请70件) and use
the same （一）…（六） sub-numbering as the tables, which is exactly what a
section splitter or a row matcher can trip over; the synthetic prose does both.
"""

from __future__ import annotations

import random
from decimal import Decimal

from gongkai.synth.truth import ReportTruth

_OPENINGS = (
    "{year}年，{short}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，坚持“以公开为常态、不公开为例外”原则，扎实推进政务公开工作。",
    "{year}年，在上级政务公开办的指导下，{short}结合工作实际，进一步加强主动公开力度，做好依申请公开工作，不断增强政府信息公开实效。",
    "{year}年，{short}围绕中心工作，聚焦企业和群众关注关切，不断拓展重点领域信息公开的广度与深度，强化政策发布解读服务。",
)
_SUBS = (
    ("主动公开情况", "全年主动公开政府信息{posted}条，其中政策文件{docs}条，主要通过政府网站、政务新媒体等渠道进行公开。"),
    ("依申请公开情况", "全年共收到政府信息公开申请{new}件，上年结转{co}件，办结{done}件，结转下年度继续办理{cf}件，均在法定期限内答复。"),
    ("政府信息管理情况", "落实政府信息发布审核制度，认真做好政府信息保密审查，严把政治关、法律关、政策关。"),
    ("平台建设情况", "不断优化政府网站栏目设置，规范政务新媒体运维，及时更新信息。"),
    ("监督保障情况", "将政务公开工作纳入年度绩效考核，组织业务培训{train}次，强化监督检查。"),
)
_PROBLEMS = (
    "{year}年，{short}政府信息公开工作取得了一定成效，但仍存在政策解读形式较为单一、公开内容不够全面等问题。",
    "下一步，将进一步丰富政策解读形式，加强业务培训，提升政府信息公开的规范性、及时性和准确性。",
    "一是加强组织领导，明确专人负责；二是完善工作制度，规范公开流程；三是拓宽公开渠道，提升公开实效。",
)


def short_name(bureau: str) -> str:
    if bureau.endswith("人民政府") or bureau.endswith("办公室"):
        return "本机关"
    return "我局" if bureau.endswith("局") else "我单位"


def intro(truth: ReportTruth) -> str:
    y = truth.year
    return (
        f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，{truth.bureau.name}编制了本报告。"
        "本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
        "如对本报告有任何疑问，请与本机关办公室联系。"
    )


def overview(rng: random.Random, truth: ReportTruth) -> list[str]:
    """Section 一: an opening paragraph and a few （一）… sub-paragraphs quoting numbers."""
    apps = truth.applications
    total = truth.layout.app_column_keys.index("total")
    nums = {
        "year": truth.year, "short": short_name(truth.bureau.name),
        "posted": rng.randint(20, 3000), "docs": rng.randint(0, 60), "train": rng.randint(1, 6),
        "new": apps["new_received"][total], "co": apps["carried_over"][total],
        "done": apps["results_total"][total], "cf": apps["carried_forward"][total],
    }
    paras = [rng.choice(_OPENINGS).format(**nums)]
    numerals = "一二三四五六"
    subs = list(_SUBS[:2]) + rng.sample(list(_SUBS[2:]), rng.randint(0, 3))
    for i, (head, body) in enumerate(subs):
        paras.append(f"（{numerals[i]}）{head}。{body.format(**nums)}")
    return paras


def problems(rng: random.Random, truth: ReportTruth) -> list[str]:
    nums = {"year": truth.year, "short": short_name(truth.bureau.name)}
    return [p.format(**nums) for p in rng.sample(list(_PROBLEMS), rng.randint(1, 3))]


def other_matters(rng: random.Random, truth: ReportTruth) -> list[str]:
    """Section 六; since 2021 it must state the 信息处理费 charged (国办函〔2020〕109号)."""
    if truth.layout.id == "2019":
        return [rng.choice(("无。", "本年度无其他需要报告的事项。"))]
    if rng.random() < 0.75:
        fee = "本年度未收取信息处理费。"
    else:
        yuan = Decimal(rng.randint(1, 400) * 10)
        fee = f"本年度依据《政府信息公开信息处理费管理办法》收取信息处理费{yuan}元。"
    extra = rng.choice(("", "本年度无其他需要报告的事项。", f"{truth.year}年度政务公开工作要点落实情况已在门户网站公开。"))
    return [fee + extra]


def between_tables(rng: random.Random, truth: ReportTruth) -> str:
    """A remark a clerk puts between two tables (mess level 2)."""
    total = truth.layout.app_column_keys.index("total")
    return rng.choice((
        "注：以上数据由本机关政务公开工作领导小组办公室汇总。",
        f"本年度共收到政府信息公开申请{truth.applications['new_received'][total]}件，已全部按时答复。",
        "（表格数据截至统计期末）",
    ))
