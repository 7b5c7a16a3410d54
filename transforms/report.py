"""The standard tables a report is turned into, and the findings that travel with them.

``ParsedReport`` is the hand-off between ``transforms`` and everything after it
(expectations, warehouse, CLI). Every cell keeps what the document said (raw text,
location, whether it was blank, whether its value was recovered from run-together
text) so that nothing is lost and every number can be traced back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Location:
    """Where in the report a finding or cell sits, in the clerk's terms plus the carrier's."""

    section: str | None = None  # 一 … 六
    row: str | None = None  # canonical row / item label
    column: str | None = None  # canonical column label
    source: str | None = None  # carrier location: "line 48", "table 2 row 5 col 3"

    def as_dict(self) -> dict[str, str | None]:
        return {"section": self.section, "row": self.row, "column": self.column, "source": self.source}

    def describe(self) -> str:
        parts = []
        if self.section:
            parts.append(f"第{self.section}部分")
        if self.row:
            parts.append(f"“{self.row}”行")
        if self.column:
            parts.append(f"“{self.column}”列")
        if self.source:
            parts.append(f"({self.source})")
        return " ".join(parts)


@dataclass(frozen=True)
class Finding:
    """Something wrong or notable about a report. Never raised; always kept."""

    code: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    expected: str | None = None
    found: str | None = None
    report: str | None = None  # source file, filled in when findings leave the report

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.as_dict(),
            "expected": self.expected,
            "found": self.found,
        }


#: How a cell's value was read, recorded per cell in the facts and the JSON (``how``):
#: printed — one printed token per cell (a blank marker or an empty cell too);
#: split_unique — run-together digits every reading of which gives this cell the same value;
#: split_by_row_sum — the row's own sum (section 三 总计, a section 四 group's 总计) left one reading;
#: split_by_column_identity — I1/I2 across the rows of section 三 left one reading;
#: split_by_narrative — a number the report states in words (section 一 …) left one reading;
#: split_by_last_year — last year's report of the bureau (I5, I6) left one reading;
#: split_by_habit — the readings without vanished blank cells agree, and the table prints its zeros (warning);
#: split_by_other_carrier — the same report in another carrier of the batch reads the cell with certainty;
#: from_group_row — a sub-row the form has but the document left out, known from its printed group row (all 0).
#: ``resolved`` is reserved for a value an office decided.
HOW: tuple[str, ...] = ("printed", "split_unique", "split_by_row_sum", "split_by_column_identity", "split_by_narrative",
                        "split_by_last_year", "split_by_habit", "split_by_other_carrier", "from_group_row",
                        "resolved")


@dataclass
class CellValue:
    """One number of a standard table as read from the document.

    ``value`` is None exactly when the cell could not be read with certainty.
    ``is_blank`` is True when the document left the cell empty (loaded as 0),
    False when it printed something, None when the carrier cannot tell
    (run-together text where the split allowed either).
    """

    value: Decimal | None
    raw: str
    is_blank: bool | None = False
    location: str = ""
    recovered: bool = False  # value came from splitting run-together text by the identities
    unit: str | None = None  # as printed (元, 万元, 件 …)
    how: str = "printed"  # how the value was read: one of ``HOW`` (meaningless while value is None)

    @property
    def as_int(self) -> int | None:
        return None if self.value is None else int(self.value)


@dataclass
class ActiveDisclosureCell:
    block: str  # block key (art20_1 …)
    item: str  # item key
    column: str  # column key
    cell: CellValue
    unit: str  # 件 for counts, 万元 for money (the value is normalised to it)


@dataclass
class ExtraRow:
    """A row the layout does not have (a subtotal, a repeated header) kept as printed."""

    section: str
    label: str
    cells: list[str]
    location: str


@dataclass
class ExtraColumnCell:
    """A cell of a column the layout does not have (a 法人或其他组织 小计 column), kept as printed."""

    section: str
    row_key: str  # the standard row the cell is printed in
    label: str  # the column's printed header
    raw: str
    location: str


@dataclass(frozen=True)
class TraceLine:
    """What the matcher saw for one row: printed label, what it matched, the raw values, how they read."""

    section: str
    printed: str
    matched: str | None
    raw: str
    status: str
    location: str


@dataclass
class ParsedReport:
    source: str
    carrier: str
    sha256: str | None = None
    encoding: str | None = None
    bureau: str | None = None
    year: int | None = None
    layout: str | None = None
    title: str | None = None
    applications: dict[str, list[CellValue]] = field(default_factory=dict)
    review_litigation: list[CellValue] | None = None
    active_disclosure: list[ActiveDisclosureCell] = field(default_factory=list)
    narratives: dict[str, str] = field(default_factory=dict)  # section key -> text
    extra_rows: list[ExtraRow] = field(default_factory=list)
    extra_columns: list[ExtraColumnCell] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sections_found: list[str] = field(default_factory=list)
    trace: list[TraceLine] = field(default_factory=list)  # for ``gongkai parse --debug``
    evidence: object | None = None  # the ``transforms.evidence.Evidence`` the parse used (counts per ``how``)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def max_severity(self) -> Severity | None:
        for sev in SEVERITIES:
            if any(f.severity == sev for f in self.findings):
                return sev
        return None
