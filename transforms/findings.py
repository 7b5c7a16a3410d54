"""The catalogue of finding codes: stable ids, default severities, what each means.

Codes are part of the warehouse contract (analysts filter on them), so they never
change meaning. Messages are written for the office clerk, in Chinese, and name
the section, row and column involved.
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.report import Finding, Location, Severity


@dataclass(frozen=True)
class FindingType:
    code: str
    severity: Severity
    title: str  # one line, Chinese, what kind of problem this is


_TYPES = (
    # reading the file
    FindingType("file.empty", "error", "文件为空"),
    FindingType("file.unreadable", "error", "文件无法读取或已损坏"),
    FindingType("file.unsupported_format", "error", "不支持的文件格式"),
    FindingType("file.encoding_guessed", "info", "文件编码为自动识别"),
    FindingType("file.decode_errors", "warning", "文件含有无法解码的字符"),
    FindingType("file.deep_nesting", "warning", "网页标签嵌套过深，已去掉排版标签后读取"),
    FindingType("file.no_text", "error", "文件中没有可读取的文字"),
    FindingType("file.no_text_pages", "warning", "部分页面没有文字层（可能是扫描件），这些页面未读取"),
    FindingType("file.unmapped_glyphs", "warning", "PDF 中有无法对应到文字的字形，部分文字可能缺失"),
    FindingType("file.too_large", "error", "文件过大，未读取"),
    FindingType("file.garbled_text", "error", "读出的文字是乱码（字体无文字编码表或编码错误），未作为报告读取"),
    FindingType("file.too_slow", "error", "文件读取超过时间上限，未读取"),
    FindingType("file.not_regular", "error", "不是普通文件（管道、套接字、设备或循环链接），未读取"),
    FindingType("file.traditional_script", "info", "文件为繁体字，已转换为简体后识别"),
    # metadata
    FindingType("meta.bureau_missing", "warning", "未能识别报告单位（标题、首页、落款、文件名均无）"),
    FindingType("meta.year_missing", "warning", "未能识别报告年度"),
    FindingType("meta.year_conflict", "warning", "报告年度在不同位置不一致"),
    FindingType("meta.layout_undetermined", "warning", "无法从内容判断报告所用格式"),
    FindingType("meta.layout_year_mismatch", "warning", "报告所用格式与报告年度规定的格式不一致"),
    # structure
    FindingType("section.missing", "error", "缺少规定的部分"),
    FindingType("section.narrative_missing", "warning", "缺少规定的文字部分"),
    FindingType("table.truncated", "error", "表格不完整（被截断）"),
    FindingType("table.row_missing", "error", "表格缺少规定的行"),
    FindingType("table.block_missing", "error", "第二部分缺少规定的表格"),
    FindingType("table.item_missing", "error", "第二部分表格缺少规定的项目"),
    FindingType("table.row_too_few_cells", "error", "表格行的数字少于规定的列数"),
    FindingType("table.row_too_many_cells", "error", "表格行的数字多于规定的列数"),
    FindingType("table.extra_row", "info", "表格中有格式之外的行（如小计），已原样保留"),
    FindingType("table.row_duplicate", "warning", "同一行在表格中出现了两次"),
    FindingType("table.row_continued", "info", "表格行跨页断开（行名与数字分在两页），已合并为一行；页码和重复的表头不计入"),
    FindingType("table.rows_by_order", "info", "数字与行名被转换工具分开排列，已按行的顺序对应（数字行数、每行列数、行名顺序均相符）"),
    # cells
    FindingType("cell.not_numeric", "error", "单元格内容不是数字"),
    FindingType("cell.not_integer", "error", "件数不是整数"),
    FindingType("cell.negative", "error", "件数或金额为负数"),
    FindingType("cell.blank", "info", "单元格为空（按0计）"),
    FindingType("cell.out_of_range", "error", "数字超出数据仓库可存的范围，按原文保留，数值记为空"),
    FindingType("cell.split_ambiguous", "error", "数字粘连，有多种拆分方式，无法确定"),
    FindingType("cell.split_impossible", "error", "数字粘连，且没有任何拆分能满足勾稽关系"),
    FindingType("cell.split_recovered", "info", "数字粘连，已依据勾稽关系唯一拆分"),
    FindingType("cell.split_by_evidence", "info", "数字粘连，已依据表格之外的证据（正文所述数字、上年报告）唯一拆分"),
    FindingType("cell.split_by_habit", "warning", "数字粘连，已依据本表一律填写0的习惯（不含消失的空白单元格）拆分"),
    FindingType("cell.evidence_conflict", "warning", "数字粘连，表格之外的证据相互矛盾，未采用"),
    FindingType("cell.from_other_carrier", "info", "本文件无法确定的单元格，取自同一报告的另一文件（单位、年度、格式相同，数字一致）"),
    FindingType("table.group_row_only", "info", "（六）其他处理只印了一行且全部为0，其下三项按0读取"),
    FindingType("table.all_blank", "warning", "表头完整但整行没有任何数字，按全部留空（0）读取"),
    FindingType("cell.subrows_unknown", "warning", "（六）其他处理只印了一行，其下三项无法确定"),
    # identities (published numbers that do not add up; kept as published)
    FindingType("identity.I1", "error", "勾稽关系不符：本年新收 + 上年结转 ≠ 办理结果总计 + 结转下年度"),
    FindingType("identity.I2", "error", "勾稽关系不符：（七）总计 ≠ 各项办理结果之和"),
    FindingType("identity.I3", "error", "勾稽关系不符：总计 ≠ 各类申请人之和"),
    FindingType("identity.I4", "error", "勾稽关系不符：行政复议/诉讼总计 ≠ 各项结果之和"),
    FindingType("domain.negative", "error", "只有“本年增/减”可以为负数"),
    FindingType("domain.not_integer", "error", "件数必须为整数"),
    # the rulebook (expectations/): identities across reports, completeness, text, history
    FindingType("identity.I5", "warning", "跨年度不符：本年“上年结转”≠ 上一年度报告的“结转下年度”"),
    FindingType("identity.I6", "warning", "跨年度不符：上年现行有效 + 本年制发 − 本年废止 ≠ 本年现行有效"),
    FindingType("identity.I7", "warning", "汇总不符：汇总报告的数字 ≠ 所辖各单位报告之和"),
    FindingType("identity.subtotal", "warning", "小计不符：单位自加的小计行 ≠ 其所含各行之和"),
    FindingType("rollup.cannot_check", "info", "所辖单位报告不全，暂无法核对汇总数"),
    FindingType("completeness.blank_cells", "info", "表格中有空白单元格（按0计）"),
    FindingType("completeness.cells_missing", "error", "表格缺少规定的单元格"),
    FindingType("meta.year_narrative", "warning", "正文所述年度与报告年度不一致"),
    FindingType("meta.bureau_unknown", "warning", "报告单位不在单位名录中"),
    FindingType("text.new_received", "warning", "正文所述收到申请件数与第三部分表格不一致"),
    FindingType("text.granted", "warning", "正文所述予以公开件数与第三部分表格不一致"),
    FindingType("text.review_total", "warning", "正文所述行政复议件数与第四部分表格不一致"),
    FindingType("text.litigation_total", "warning", "正文所述行政诉讼件数与第四部分表格不一致"),
    FindingType("text.info_fee", "info", "第六部分所述信息处理费多于第二部分行政事业性收费金额"),
    FindingType("duplicate.conflict", "warning", "同一单位同一年度有两份数字不同的报告"),
    FindingType("plausibility.jump", "warning", "与上一年度相比变化异常大"),
    FindingType("plausibility.zero", "warning", "往年数量较大，本年为0"),
    FindingType("plausibility.zero_peers", "warning", "本年为0，但同年同级单位普遍较大"),
)

FINDING_TYPES: dict[str, FindingType] = {t.code: t for t in _TYPES}


def finding_type(code: str) -> FindingType:
    try:
        return FINDING_TYPES[code]
    except KeyError:
        raise KeyError(f"unknown finding code {code!r}; known: {', '.join(sorted(FINDING_TYPES))}") from None


def make_finding(
    code: str,
    message: str,
    location: Location | None = None,
    *,
    expected: str | None = None,
    found: str | None = None,
    report: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of a catalogued type; the severity defaults to the type's."""
    ftype = finding_type(code)
    return Finding(
        code=code,
        severity=severity or ftype.severity,
        message=message,
        location=location or Location(),
        expected=expected,
        found=found,
        report=report,
    )


def names_cell(finding: dict, section: str, rows: tuple[str, ...]) -> bool:
    """Whether a finding (``Finding.as_dict()`` form) is located on a cell of ``section`` in one of ``rows``.

    ``rows`` are the canonical labels the cell hangs off (its row; in section 二 its item
    and its block). A finding located on one of them names the cell; so does a finding on
    the section without a row whose message lists one of them (``table.truncated`` names
    the rows it lost). Section 四 has a single row: a finding on the section names it.
    This is the soundness rule made checkable: a null cell must sit on a row that
    carries an error or warning, and the clerk must be able to see which.
    """
    loc = finding.get("location") or {}
    if loc.get("section") != section:
        return False
    row = loc.get("row")
    if row is not None:
        return row in rows
    return not rows or any(r and r in (finding.get("message") or "") for r in rows)


def explains_null(findings: list[dict], section: str, rows: tuple[str, ...]) -> bool:
    """An error or warning names the cell, or an error says the whole file went unread."""
    for f in findings:
        severity = f.get("severity")
        if severity not in ("error", "warning"):
            continue
        loc = f.get("location") or {}
        if severity == "error" and loc.get("section") is None and loc.get("row") is None and (
            f.get("code", "").startswith("file.") or f.get("code") == "meta.layout_undetermined"
        ):
            return True
        if names_cell(f, section, rows):
            return True
    return False
