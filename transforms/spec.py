"""The declarative layout spec: the one place that knows the State Council's forms.

Everything that needs a row list, a label, a unit or an identity reads it from
here: the matcher, the run-together splitter, the expectation-suite builder, the
warehouse DDL and the report renderer. Chinese labels are data; identifiers are
ASCII and chosen once, here.

Two editions are declared, ``2019`` (国办公开办函〔2019〕60号, reporting years
2019-2020) and ``2021`` (国办公开办函〔2021〕30号, reporting years 2021 on). A new
edition is a new ``Layout`` value, not a new ``if``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ValueKind = Literal["count", "delta", "money"]


class SpecError(ValueError):
    """A spec entry is malformed; the message gives its path. Terminal: never retried."""


@dataclass(frozen=True)
class SectionSpec:
    """One of the six numbered parts of a report."""

    number: str  # 一 … 六
    key: str
    label: str
    # Words one of which a heading must contain (after its number) to count as this section.
    heading_keywords: tuple[str, ...]
    is_narrative: bool


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    kind: ValueKind = "count"
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # distinctive substrings used by the matcher


@dataclass(frozen=True)
class ItemSpec:
    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlockSpec:
    """A small table of section 二, one per article item (第二十条第（X）项)."""

    key: str
    label: str
    article_item: str  # the （X） numeral, used to recognise the block header
    columns: tuple[ColumnSpec, ...]
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class RowSpec:
    """A row of the section 三 matrix.

    ``group`` names the result group the row belongs to (None outside the results);
    ``numbering`` is the ordinal printed before the label (``1`` for ``1.属于国家秘密``),
    used to tell a label's own number from the digits of the cells before it.
    """

    key: str
    label: str
    keywords: tuple[str, ...]
    group: str | None = None
    numbering: str | None = None
    is_result: bool = False
    # When True the label must match exactly after the numbering is removed (短 labels such as 其他).
    exact: bool = False


@dataclass(frozen=True)
class GroupSpec:
    """A merged group label of section 三 that carries no numbers of its own."""

    key: str
    label: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ReviewCell:
    index: int
    group: str
    group_label: str
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class Identity:
    """A linear identity ``sum(lhs) == sum(rhs)`` the published numbers should satisfy.

    ``over`` says what it is repeated for: every column of section 三 (rows named in
    lhs/rhs), every row of section 三 (columns named), or every group of section 四
    (outcomes named).
    """

    id: str
    over: Literal["app_columns", "app_rows", "review_groups"]
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Layout:
    id: str
    document: str
    reporting_years: tuple[int, int | None]
    sections: tuple[SectionSpec, ...]
    blocks: tuple[BlockSpec, ...]
    app_columns: tuple[ColumnSpec, ...]
    app_rows: tuple[RowSpec, ...]
    app_groups: tuple[GroupSpec, ...]
    review_cells: tuple[ReviewCell, ...]
    identities: tuple[Identity, ...]
    # Labels found only on this edition: evidence for detecting the layout of a document.
    marker_labels: tuple[str, ...] = field(default=())

    # -- derived views, computed from the declaration above -----------------
    @property
    def app_row_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.app_rows)

    @property
    def app_column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.app_columns)

    @property
    def result_row_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.app_rows if r.is_result)

    def row(self, key: str) -> RowSpec:
        for r in self.app_rows:
            if r.key == key:
                return r
        raise KeyError(f"layout {self.id}: no section 三 row {key!r}; known: {', '.join(self.app_row_keys)}")

    def block(self, key: str) -> BlockSpec:
        for b in self.blocks:
            if b.key == key:
                return b
        raise KeyError(f"layout {self.id}: no section 二 block {key!r}")

    def section(self, key: str) -> SectionSpec:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"layout {self.id}: no section {key!r}")

    def covers_year(self, year: int) -> bool:
        first, last = self.reporting_years
        return year >= first and (last is None or year <= last)


# ---------------------------------------------------------------------------
# Shared declarations
# ---------------------------------------------------------------------------

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("一", "overview", "总体情况", ("总体情况", "概述", "总体", "基本情况", "概况"), True),
    SectionSpec("二", "active_disclosure", "主动公开政府信息情况", ("主动公开",), False),
    SectionSpec("三", "applications", "收到和处理政府信息公开申请情况", ("收到和处理", "依申请公开", "公开申请情况", "申请情况"), False),
    SectionSpec("四", "review_litigation", "政府信息公开行政复议、行政诉讼情况", ("行政复议", "行政诉讼", "复议"), False),
    SectionSpec("五", "problems", "存在的主要问题及改进情况", ("存在的主要问题", "主要问题", "问题及改进", "改进情况", "存在问题"), True),
    SectionSpec("六", "other", "其他需要报告的事项", ("其他需要报告", "其他事项", "需要报告的事项"), True),
)

APP_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("natural_person", "自然人", keywords=("自然人",)),
    ColumnSpec("commercial", "商业企业", keywords=("商业企业", "商业")),
    ColumnSpec("research", "科研机构", keywords=("科研机构", "科研")),
    ColumnSpec("social_welfare", "社会公益组织", keywords=("社会公益组织", "公益")),
    ColumnSpec("legal_service", "法律服务机构", keywords=("法律服务机构", "法律服务")),
    ColumnSpec("other_org", "其他", keywords=("其他",)),
    ColumnSpec("total", "总计", keywords=("总计", "合计")),
)

# How the form prints the section 三 header above the applicant columns: the note in the
# top-left cell, the label spanning every applicant column, and the five organisation types
# grouped under one merged label. Printed headers only; the columns are APP_COLUMNS.
APP_HEADER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APP_HEADER_LABEL = "申请人情况"
APP_ORG_GROUP_LABEL = "法人或其他组织"
APP_ORG_COLUMN_KEYS: tuple[str, ...] = ("commercial", "research", "social_welfare", "legal_service", "other_org")
# Section 二 prints this over the item labels of each block; section 四 prints a review group
# label such as 行政诉讼·未经复议直接起诉 as two merged header levels, split at this mark.
BLOCK_ITEM_HEADER = "信息内容"
HEADER_LEVEL_MARK = "·"

APP_GROUPS_COMMON: tuple[GroupSpec, ...] = (
    GroupSpec("results", "三、本年度办理结果", ("办理结果",)),
    GroupSpec("denied", "（三）不予公开", ("不予公开", "不子公开")),
    GroupSpec("unavailable", "（四）无法提供", ("无法提供",)),
    GroupSpec("ignored", "（五）不予处理", ("不予处理",)),
)

_ROWS_HEAD: tuple[RowSpec, ...] = (
    RowSpec("new_received", "一、本年新收政府信息公开申请数量", ("本年新收", "新收政府信息公开申请", "新收"), numbering="一"),
    RowSpec("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转",), numbering="二"),
    RowSpec("granted", "（一）予以公开", ("予以公开",), group="results", numbering="一", is_result=True),
    RowSpec(
        "partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("部分公开",),
        group="results", numbering="二", is_result=True,
    ),
    RowSpec("denied_state_secret", "1.属于国家秘密", ("国家秘密",), group="denied", numbering="1", is_result=True),
    RowSpec("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", ("法律行政法规禁止", "法规禁止公开", "禁止公开"), group="denied", numbering="2", is_result=True),
    RowSpec("denied_three_safeties", "3.危及“三安全一稳定”", ("三安全一稳定", "三安全"), group="denied", numbering="3", is_result=True),
    RowSpec("denied_third_party", "4.保护第三方合法权益", ("第三方合法权益", "第三方"), group="denied", numbering="4", is_result=True),
    RowSpec("denied_internal_affairs", "5.属于三类内部事务信息", ("内部事务",), group="denied", numbering="5", is_result=True),
    RowSpec("denied_process_info", "6.属于四类过程性信息", ("过程性信息", "过程性"), group="denied", numbering="6", is_result=True),
    RowSpec("denied_enforcement_file", "7.属于行政执法案卷", ("执法案卷",), group="denied", numbering="7", is_result=True),
    RowSpec("denied_query_matter", "8.属于行政查询事项", ("行政查询",), group="denied", numbering="8", is_result=True),
    RowSpec("unavailable_not_held", "1.本机关不掌握相关政府信息", ("不掌握",), group="unavailable", numbering="1", is_result=True),
    RowSpec("unavailable_needs_creation", "2.没有现成信息需要另行制作", ("另行制作", "没有现成"), group="unavailable", numbering="2", is_result=True),
    RowSpec("unavailable_unclear", "3.补正后申请内容仍不明确", ("仍不明确", "补正后申请"), group="unavailable", numbering="3", is_result=True),
    RowSpec("ignored_petition", "1.信访举报投诉类申请", ("信访举报", "举报投诉", "信访"), group="ignored", numbering="1", is_result=True),
    RowSpec("ignored_repeat", "2.重复申请", ("重复申请",), group="ignored", numbering="2", is_result=True),
    RowSpec("ignored_publication", "3.要求提供公开出版物", ("公开出版物", "出版物"), group="ignored", numbering="3", is_result=True),
    RowSpec("ignored_mass_repeat", "4.无正当理由大量反复申请", ("大量反复",), group="ignored", numbering="4", is_result=True),
    RowSpec("ignored_confirm", "5.要求行政机关确认或重新出具已获取信息", ("重新出具", "确认或重新"), group="ignored", numbering="5", is_result=True),
)

_ROWS_TAIL: tuple[RowSpec, ...] = (
    RowSpec("results_total", "（七）总计", ("总计", "合计"), group="results", numbering="七"),
    RowSpec("carried_forward", "四、结转下年度继续办理", ("结转下年度", "下年度继续办理", "继续办理"), numbering="四"),
)

_REVIEW_GROUPS = (
    ("review", "行政复议"),
    ("litigation_direct", "行政诉讼·未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼·复议后起诉"),
)
_REVIEW_OUTCOMES = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
REVIEW_CELLS: tuple[ReviewCell, ...] = tuple(
    ReviewCell(gi * 5 + oi, g, gl, o, ol)
    for gi, (g, gl) in enumerate(_REVIEW_GROUPS)
    for oi, (o, ol) in enumerate(_REVIEW_OUTCOMES)
)
REVIEW_GROUP_KEYS: tuple[str, ...] = tuple(g for g, _ in _REVIEW_GROUPS)
REVIEW_OUTCOME_KEYS: tuple[str, ...] = tuple(o for o, _ in _REVIEW_OUTCOMES)

_APPLICANTS = tuple(c.key for c in APP_COLUMNS if c.key != "total")


def _identities(result_rows: tuple[str, ...]) -> tuple[Identity, ...]:
    return (
        Identity(
            "I1", "app_columns", ("new_received", "carried_over"), ("results_total", "carried_forward"),
            "本年新收 + 上年结转 = 办理结果总计 + 结转下年度（每一列）",
        ),
        Identity("I2", "app_columns", ("results_total",), result_rows, "（七）总计 = 各项办理结果之和（每一列）"),
        Identity("I3", "app_rows", ("total",), _APPLICANTS, "总计 = 自然人 + 五类法人或其他组织之和（每一行）"),
        Identity("I4", "review_groups", ("total",), ("upheld", "corrected", "other", "pending"), "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结（每一组）"),
    )


# ---------------------------------------------------------------------------
# Layout 2019
# ---------------------------------------------------------------------------

_COUNT_PREV = ColumnSpec("prev_year_items", "上一年项目数量", keywords=("上一年项目数量", "上一年", "上年项目"))
_DELTA = ColumnSpec("delta_items", "本年增/减", kind="delta", keywords=("增/减", "增减", "本年增"))
_DECISIONS_2019 = ColumnSpec("decisions", "处理决定数量", keywords=("处理决定数量", "处理决定"))

_ROWS_2019 = _ROWS_HEAD + (
    RowSpec("other", "（六）其他处理", ("其他处理",), group="results", numbering="六", is_result=True),
) + _ROWS_TAIL

LAYOUT_2019 = Layout(
    id="2019",
    document="国办公开办函〔2019〕60号",
    reporting_years=(2019, 2020),
    sections=SECTIONS,
    blocks=(
        BlockSpec(
            "art20_1", "第二十条第（一）项", "一",
            (
                ColumnSpec("new_made", "本年新制作数量", keywords=("新制作",)),
                ColumnSpec("new_published", "本年新公开数量", keywords=("新公开",)),
                ColumnSpec("published_total", "对外公开总数量", keywords=("对外公开总数", "公开总数")),
            ),
            (ItemSpec("rules", "规章"), ItemSpec("normative_docs", "规范性文件", ("行政规范性文件",))),
        ),
        BlockSpec(
            "art20_5", "第二十条第（五）项", "五",
            (_COUNT_PREV, _DELTA, _DECISIONS_2019),
            (ItemSpec("licensing", "行政许可"), ItemSpec("other_services", "其他对外管理服务事项", ("其他对外管理服务",))),
        ),
        BlockSpec(
            "art20_6", "第二十条第（六）项", "六",
            (_COUNT_PREV, _DELTA, _DECISIONS_2019),
            (ItemSpec("penalty", "行政处罚"), ItemSpec("enforcement", "行政强制")),
        ),
        BlockSpec(
            "art20_8", "第二十条第（八）项", "八",
            (_COUNT_PREV, _DELTA),
            (ItemSpec("fees", "行政事业性收费"),),
        ),
        BlockSpec(
            "art20_9", "第二十条第（九）项", "九",
            (
                ColumnSpec("procurement_items", "采购项目数量", keywords=("采购项目数量", "项目数量")),
                ColumnSpec("procurement_amount", "采购总金额", kind="money", keywords=("采购总金额", "总金额")),
            ),
            (ItemSpec("central_procurement", "政府集中采购", ("集中采购",)),),
        ),
    ),
    app_columns=APP_COLUMNS,
    app_rows=_ROWS_2019,
    app_groups=APP_GROUPS_COMMON,
    review_cells=REVIEW_CELLS,
    identities=_identities(tuple(r.key for r in _ROWS_2019 if r.is_result)),
    marker_labels=("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购项目数量", "采购总金额", "政府集中采购", "第二十条第（九）项"),
)

# ---------------------------------------------------------------------------
# Layout 2021
# ---------------------------------------------------------------------------

_DECISIONS_2021 = ColumnSpec("decisions", "本年处理决定数量", keywords=("处理决定数量", "处理决定"))

_ROWS_2021 = _ROWS_HEAD + (
    RowSpec(
        "other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ("逾期不补正", "不补正"), group="other", numbering="1", is_result=True,
    ),
    RowSpec(
        "other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ("缴纳费用", "收费通知"), group="other", numbering="2", is_result=True,
    ),
    RowSpec("other_other", "3.其他", ("其他",), group="other", numbering="3", is_result=True, exact=True),
) + _ROWS_TAIL

LAYOUT_2021 = Layout(
    id="2021",
    document="国办公开办函〔2021〕30号",
    reporting_years=(2021, None),
    sections=SECTIONS,
    blocks=(
        BlockSpec(
            "art20_1", "第二十条第（一）项", "一",
            (
                ColumnSpec("issued", "本年制发件数", keywords=("制发",)),
                ColumnSpec("repealed", "本年废止件数", aliases=("本年废纸件数",), keywords=("废止", "废纸")),
                ColumnSpec("in_force", "现行有效件数", keywords=("现行有效",)),
            ),
            (ItemSpec("rules", "规章"), ItemSpec("normative_docs", "行政规范性文件", ("规范性文件",))),
        ),
        BlockSpec(
            "art20_5", "第二十条第（五）项", "五",
            (_DECISIONS_2021,),
            (ItemSpec("licensing", "行政许可"),),
        ),
        BlockSpec(
            "art20_6", "第二十条第（六）项", "六",
            (_DECISIONS_2021,),
            (ItemSpec("penalty", "行政处罚"), ItemSpec("enforcement", "行政强制")),
        ),
        BlockSpec(
            "art20_8", "第二十条第（八）项", "八",
            (ColumnSpec("fee_amount", "本年收费金额（单位：万元）", kind="money", keywords=("收费金额",)),),
            (ItemSpec("fees", "行政事业性收费"),),
        ),
    ),
    app_columns=APP_COLUMNS,
    app_rows=_ROWS_2021,
    app_groups=APP_GROUPS_COMMON + (GroupSpec("other", "（六）其他处理", ("其他处理",)),),
    review_cells=REVIEW_CELLS,
    identities=_identities(tuple(r.key for r in _ROWS_2021 if r.is_result)),
    marker_labels=("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额", "逾期不补正", "缴纳费用", "收费通知"),
)

LAYOUTS: dict[str, Layout] = {"2019": LAYOUT_2019, "2021": LAYOUT_2021}


def layout_for_year(year: int) -> Layout:
    """The edition the State Council prescribes for a reporting year."""
    for layout in LAYOUTS.values():
        if layout.covers_year(year):
            return layout
    raise KeyError(f"no layout covers reporting year {year}; known: {', '.join(LAYOUTS)}")


def get_layout(layout_id: str) -> Layout:
    try:
        return LAYOUTS[layout_id]
    except KeyError:
        raise KeyError(f"unknown layout {layout_id!r}; known: {', '.join(LAYOUTS)}") from None


def validate_layout(layout: Layout) -> None:
    """Check the declaration once at import, naming the path of any bad entry."""
    path = f"LAYOUTS[{layout.id!r}]"
    seen: set[str] = set()
    for i, row in enumerate(layout.app_rows):
        if row.key in seen:
            raise SpecError(f"{path}.app_rows[{i}]: duplicate key {row.key!r}")
        seen.add(row.key)
        if not row.keywords:
            raise SpecError(f"{path}.app_rows[{i}] ({row.key}): no keywords")
        if row.group is not None and row.group not in {g.key for g in layout.app_groups}:
            raise SpecError(f"{path}.app_rows[{i}] ({row.key}): unknown group {row.group!r}")
    item_keys: set[str] = set()
    for bi, block in enumerate(layout.blocks):
        if not block.columns or not block.items:
            raise SpecError(f"{path}.blocks[{bi}] ({block.key}): needs columns and items")
        for ii, item in enumerate(block.items):
            if item.key in item_keys:
                raise SpecError(f"{path}.blocks[{bi}].items[{ii}]: item {item.key!r} appears in two blocks")
            item_keys.add(item.key)
    if len(layout.review_cells) != 15:
        raise SpecError(f"{path}.review_cells: expected 15 cells, got {len(layout.review_cells)}")
    unknown_org = [k for k in APP_ORG_COLUMN_KEYS if k not in layout.app_column_keys]
    if unknown_org:
        raise SpecError(f"APP_ORG_COLUMN_KEYS: {unknown_org} are not columns of {path}")
    if [c.key for c in layout.app_columns][-1] != "total":
        raise SpecError(f"{path}.app_columns: the last column must be 'total'")
    for ii, ident in enumerate(layout.identities):
        names = ident.lhs + ident.rhs
        universe = {
            "app_columns": set(layout.app_row_keys),
            "app_rows": set(layout.app_column_keys),
            "review_groups": set(REVIEW_OUTCOME_KEYS),
        }[ident.over]
        unknown = [n for n in names if n not in universe]
        if unknown:
            raise SpecError(f"{path}.identities[{ii}] ({ident.id}): unknown names {unknown}")


for _layout in LAYOUTS.values():
    validate_layout(_layout)
