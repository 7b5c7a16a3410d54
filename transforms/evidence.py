"""Evidence beyond a row's own digits that can choose between the readings of run-together text.

The table's own identities come first (``transforms.splitting``, ``resolve_by_columns``).
When a row still has several readings, this module holds them against what else the
report and the warehouse carry:

* **the narrative** — a number stated in words (本年度制发规范性文件8件, 共收到政府信息公开
  申请23件, 行政复议2件; read by ``transforms.statements``): a reading that agrees with
  every statement it touches beats those that do not;
* **last year's report** of the same bureau (passed in as data, ``LastYear``): identity 5,
  上年结转(N) = 结转下年度(N−1), and identity 6, 现行有效(N−1) + 制发(N) − 废止(N) = 现行有效(N);
* **the document's habit** (``printed_zeros``): a table whose every readable row prints its
  zeros makes readings that need vanished blank cells unlikely — used only when
  ``HABIT_TRUSTED`` (see the measurement there), and always with a warning.

A piece of evidence that agrees with no reading at all says nothing about the split (it
is the narrative, or last year's report, that disagrees with the table: the rulebook
reports that); pieces that each keep readings but none in common conflict: the row stays
unread and a finding lists the readings and the evidence. The parse stays pure: last
year's numbers come in as a mapping (``History``) the caller fills, e.g. the ingest flow
from ``Warehouse.history_tables``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from transforms.cells import RowReading, candidates_to_cells, narrow, printed_readings
from transforms.findings import make_finding
from transforms.report import Finding, Location
from transforms.splitting import Candidate, Readings, Token, describe_candidates, split_free
from transforms.statements import Statement

#: Whether a habit may decide a cell. Measured on the generator before it was trusted
#: (``benchmarks/bench_parse.py --habit on``: how often a habit-decided cell is wrong, per
#: mess level; the rule: above 1 % at any level, it stays off and such cells stay null).
#: Mess 3 txt, seeds 1 / 20240504 / 7 (200 / 400 / 400 reports): 43 / 147 / 198 cells
#: decided by the habit, 0 wrong (final code, seed 7, 600 reports: 334, 0 wrong); mess 0–2
#: never reach it (no run-together text).
HABIT_TRUSTED = True


@dataclass(frozen=True)
class LastYear:
    """What the bureau's report of the year before says, as far as identities 5 and 6 need it."""

    year: int
    source: str  # what a finding names: the file or report id of last year's report
    carried_forward: tuple[Decimal | None, ...] | None = None  # 结转下年度继续办理, section 三's 7 columns
    in_force: tuple[tuple[str, Decimal], ...] = ()  # (第二十条第（一）项 item key, 现行有效件数), layout 2021

    def in_force_of(self, item: str) -> Decimal | None:
        return dict(self.in_force).get(item)


#: (bureau key, year) -> that year's report; see ``bureau_key``.
History = Mapping[tuple[str, int], LastYear]


def bureau_key(name: str | None) -> str | None:
    """How a bureau name is matched across years: NFKC, no whitespace (as the warehouse's version key)."""
    if name is None:
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    return text or None


@dataclass
class Evidence:
    """Everything outside the table a parse may hold readings against."""

    statements: tuple[Statement, ...] = ()
    last_year: LastYear | None = None
    use_habit: bool = HABIT_TRUSTED
    decided: dict[str, int] = field(default_factory=dict)  # how -> cells decided (for benchmarks)
    wants_last_year: bool = False  # a row last year's report could settle is still ambiguous, and none was given

    def count(self, how: str, n: int) -> None:
        if n:
            self.decided[how] = self.decided.get(how, 0) + n


@dataclass(frozen=True)
class Check:
    """One piece of evidence a row's readings are held against."""

    how: str  # split_by_narrative | split_by_last_year
    words: str  # for the clerk: 正文“制发行政规范性文件8件”
    agrees: Callable[[tuple[Decimal, ...]], bool]
    # a statement other statements vouch for (``statements.corroborated_flow``): it may decide alone
    corroborated: bool = False


@dataclass
class Settled:
    how: str | None
    used: list[Check]
    ignored: list[Check]  # evidence that agrees with no reading
    newly: list[int]  # cells that became certain
    conflict: list[tuple[Check, list[Candidate]]] = field(default_factory=list)


def _values(c: Candidate) -> tuple[Decimal, ...]:
    return tuple(p.value for p in c)


def settle(reading: RowReading, tests: list[Check], kinds: tuple[str, ...], location: str,
           money_unit: str = "万元") -> Settled | None:
    """Narrow an ambiguous row's readings to those every applicable test agrees with."""
    if reading.status != "ambiguous" or not tests or not reading.candidates:
        return None
    if not getattr(reading.candidates, "complete", True):
        return None
    cands = list(reading.candidates)
    vals = [_values(c) for c in cands]
    used: list[tuple[Check, set[int]]] = []
    ignored: list[Check] = []
    for t in tests:
        ok = {i for i, v in enumerate(vals) if t.agrees(v)}
        if not ok:
            ignored.append(t)
        elif len(ok) < len(cands):
            used.append((t, ok))
    if not used:
        return Settled(None, [], ignored, [])
    common = set.intersection(*(ok for _, ok in used))
    if not common:
        return Settled(None, [t for t, _ in used], ignored, [],
                       conflict=[(t, [cands[i] for i in sorted(ok)]) for t, ok in used])
    kept = [cands[i] for i in sorted(common)]
    if all(t.how == "split_by_narrative" and not t.corroborated for t, _ in used):
        # A statement alone may be the publisher's slip (a digit dropped: 58 for 587) that happens to
        # match a reading — measured on the generator, 2 wrong cells in ~200 so decided, even when it
        # had to leave one reading of the whole row: statements only choose among readings that other
        # evidence (last year's report) also allows, never alone.
        return Settled(None, [], ignored, [])
    alone = [t for t, ok in used if ok == common]
    how = (alone[0] if alone else used[0][0]).how
    newly = narrow(reading, kept, kinds, money_unit, location, how)
    return Settled(how, [t for t, _ in used], ignored, newly)


def settled_findings(s: Settled | None, *, section: str, where: str, row_label: str | None,
                     column_labels: list[str], raw: str, location: str) -> list[Finding]:
    """The finding that names the evidence which decided cells (info), or which conflicts (warning)."""
    if s is None:
        return []
    loc = Location(section, row_label, None, location)
    if s.conflict:
        parts = "；".join(f"{t.words}只符合{describe_candidates(c)}" for t, c in s.conflict)
        return [make_finding(
            "cell.evidence_conflict",
            f"第{section}部分{where}的数字“{raw}”连在一起，表格之外的证据相互矛盾：{parts}；均未采用。", loc, found=raw)]
    if not s.newly:
        return []
    cols = "、".join(column_labels[i] for i in s.newly if i < len(column_labels))
    words = "；".join(t.words for t in s.used)
    # a statement no other evidence confirms may be the publisher's slip: the row is flagged for a look
    alone = all(t.how == "split_by_narrative" and not t.corroborated for t in s.used)
    caution = "正文所述数字可能有误，且没有其他证据印证，请核对原件。" if alone else ""
    return [make_finding(
        "cell.split_by_evidence",
        f"第{section}部分{where}的数字“{raw}”连在一起，有多种拆分方式，依据{words}确定：{cols}。{caution}", loc,
        found=raw, severity="warning" if alone else None)]


# ---------------------------------------------------------------- the document's habit

def shows_printed_zeros(readings: list[tuple[RowReading, tuple[str, ...]]], shown_elsewhere: int = 0) -> tuple[bool, int]:
    """Whether a free-text table prints every cell (a 0 or a blank marker): (habit holds, such rows).

    Holds when at least one row prints a 0 or a marker (/, —) in every one of its cells, no
    row vanished whole, and every row that was read has a reading needing no vanished
    blank cell. A row whose digits can only be read with a vanished blank is a counter-example.
    ``shown_elsewhere``: such rows in another table of the same document (section 二's small
    tables rarely have an all-zero row; section 三 of the same document shows the habit) —
    a counter-example in this table still vetoes it.
    """
    zero_rows = shown_elsewhere
    for reading, kinds in readings:
        toks = reading.tokens
        if reading.status == "empty":
            continue
        if reading.token_count == 0 and reading.status == "recovered":
            return False, zero_rows  # a row of vanished blanks
        # a row of nothing but zeros and blank markers that accounts for every cell shows the habit
        if toks and all((t.explicit_blank and not t.text) or (not t.explicit_blank and set(t.text) <= {"0"})
                        for t in toks):
            shown = sum(1 if t.explicit_blank else len(t.text) for t in toks)
            # a row printing a 法人或其他组织 小计 column shows one cell more than the form has
            if shown == len(kinds) + (reading.subtotal_at is not None):
                zero_rows += 1
        if reading.free_blanks and reading.status in ("recovered", "ambiguous"):
            strict = printed_readings(reading, kinds)
            if strict is not None and not strict:
                return False, zero_rows
    return zero_rows >= 1, zero_rows


def settle_by_habit(reading: RowReading, kinds: tuple[str, ...], location: str, money_unit: str = "万元") -> list[int]:
    """Keep the readings that need no vanished blank cell; returns the cells that became certain.

    The readings without a vanished blank are a subset of all readings under the same sum, so
    when all were too many to list they are still exactly what is kept (if few enough to list).
    """
    if reading.status == "impossible":
        return _impossible_by_habit(reading, kinds, location, money_unit)
    if reading.status != "ambiguous":
        return []
    complete = getattr(reading.candidates, "complete", True)
    if complete and not reading.candidates:
        return []
    strict = printed_readings(reading, kinds)
    if not strict:
        return []
    spaced = _with_spaces_ignored(reading, kinds)
    if spaced is None:
        return []
    if complete:
        allowed = {_values(c) for c in strict}
        kept = [c for c in reading.candidates if _values(c) in allowed]
        if not kept or len(kept) == len(reading.candidates):
            return []
    else:
        kept = list(strict)
    kept += [c for c in spaced if _values(c) not in {_values(k) for k in kept}]
    return narrow(reading, kept, kinds, money_unit, location, "split_by_habit")


def _with_spaces_ignored(reading: RowReading, kinds: tuple[str, ...]) -> list[Candidate] | None:
    """The printed readings of the row were its spaces padding inside numbers ("2 94" for 294).

    A document whose spaces are cell borders (decided on section 三) may still pad a number
    with one; the habit says nothing about spaces, so where a space splits two runs of
    digits the readings with it ignored count too. [] when no space splits digits; None
    when those readings are too many to list.
    """
    toks = list(reading.tokens)
    if not any(not a.explicit_blank and not b.explicit_blank and not b.text.startswith("-")
               for a, b in zip(toks, toks[1:])):
        return []
    merged: list[Token] = []
    for tok in toks:
        if merged and not tok.explicit_blank and not merged[-1].explicit_blank and not tok.text.startswith("-"):
            prev = merged.pop()
            merged.append(Token(prev.text + tok.text, False, prev.raw + tok.raw))
        else:
            merged.append(tok)
    joined = RowReading(reading.cells, reading.status, tokens=tuple(merged), free_blanks=True,
                        subtotal_at=reading.subtotal_at, constraint=reading.constraint, group_shape=reading.group_shape)
    found = printed_readings(joined, kinds)
    return None if found is None else list(found)


def _impossible_by_habit(reading: RowReading, kinds: tuple[str, ...], location: str, money_unit: str) -> list[int]:
    """A row no split makes add up (the publisher's sum is off), read by its digits alone without vanished blanks.

    Without the habit such a row is taken only as printed (``cells.without_identity``);
    with it, a cut the cell count forces ("10" as 1 · 0 when every cell is printed) is read
    too. The broken sum stays the rulebook's error on the row.
    """
    if not reading.tokens or not reading.free_blanks or reading.subtotal_at is not None:
        return []
    strict = split_free(list(reading.tokens), kinds, False)
    if not getattr(strict, "complete", True) or not strict:
        return []
    probe = RowReading(reading.cells, reading.status, tokens=reading.tokens, free_blanks=True, constraint="none")
    spaced = _with_spaces_ignored(probe, kinds)
    if spaced is None:
        return []
    strict = Readings(list(strict) + [c for c in spaced if _values(c) not in {_values(k) for k in strict}])
    reading.candidates = strict
    reading.constraint = "none"
    reading.status = "recovered" if len(strict) == 1 else "ambiguous"
    reading.cells = candidates_to_cells(list(strict), kinds, money_unit, location, "split_by_habit")
    return [i for i, c in enumerate(reading.cells) if c.value is not None]


def habit_finding(newly: list[int], *, section: str, where: str, row_label: str | None, column_labels: list[str],
                  raw: str, location: str, zero_rows: int, table: str, broken: bool = False) -> list[Finding]:
    if not newly:
        return []
    cols = "、".join(column_labels[i] for i in newly if i < len(column_labels))
    why = "没有任何拆分能使其合计成立（发布的数字本身不符，见勾稽关系检查）" if broken else "有多种拆分方式"
    return [make_finding(
        "cell.split_by_habit",
        f"第{section}部分{where}的数字“{raw}”连在一起，{why}；{table}有{zero_rows}行每格都填写了0、没有一行留空，"
        f"按不含空白单元格的读法确定：{cols}。这只是本文件的习惯，请核对原件。",
        Location(section, row_label, None, location), found=raw)]


def history_from_tables(tables: Mapping[str, object]) -> dict[tuple[str, int], LastYear]:
    """``History`` from the warehouse's tables of last year's reports (``Warehouse.history_tables``).

    Only the cells identities 5 and 6 need: 结转下年度继续办理 per column, and the 2021
    layout's 现行有效件数 of 规章 and 行政规范性文件. An unreadable cell stays unknown (None).
    """
    from transforms.spec import LAYOUTS

    reports = tables["reports"]
    meta = {rid: (bureau_key(b), y, layout, path) for rid, b, y, layout, path in zip(
        reports.column("report_id").to_pylist(), reports.column("bureau").to_pylist(),
        reports.column("year").to_pylist(), reports.column("layout").to_pylist(),
        reports.column("source_path").to_pylist()) if b is not None and y is not None}
    cf: dict[str, dict[str, Decimal]] = {}
    apps = tables["application_facts"]
    for rid, row, col, count in zip(apps.column("report_id").to_pylist(), apps.column("row_key").to_pylist(),
                                    apps.column("column_key").to_pylist(), apps.column("count").to_pylist()):
        if row == "carried_forward" and count is not None:
            cf.setdefault(rid, {})[col] = Decimal(count)
    inf: dict[str, list[tuple[str, Decimal]]] = {}
    dis = tables["disclosure_facts"]
    for rid, block, item, col, count in zip(dis.column("report_id").to_pylist(), dis.column("block_key").to_pylist(),
                                            dis.column("item_key").to_pylist(), dis.column("column_key").to_pylist(),
                                            dis.column("count").to_pylist()):
        if block == "art20_1" and col == "in_force" and count is not None:
            inf.setdefault(rid, []).append((item, Decimal(count)))
    out: dict[tuple[str, int], LastYear] = {}
    for rid, (key, year, layout_id, path) in meta.items():
        layout = LAYOUTS.get(layout_id or "")
        columns = layout.app_column_keys if layout is not None else ()
        carried = tuple(cf.get(rid, {}).get(c) for c in columns) if rid in cf else None
        out[(key, int(year))] = LastYear(int(year), f"{year}年度报告 {path or rid}", carried,
                                         tuple(sorted(inf.get(rid, ()))))
    return out
