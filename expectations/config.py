"""Severity overrides and thresholds: one small config the office edits, and the gate.

A rulebook config is TOML (or the same structure as JSON)::

    # gongkai-rules.toml
    [severities]            # finding code (or a family "prefix.*") -> error | warning | info | off
    "identity.I5" = "error"
    "plausibility.*" = "info"
    "text.info_fee" = "off"   # off: the finding is dropped

    [plausibility]          # RuleOptions fields
    jump_ratio = 10         # flag a year-over-year change by this factor or more …
    jump_min_abs = 50       # … when it also moves by at least this many
    zero_history_min = 50   # flag 0 where the bureau's recent years averaged at least this

``load_rule_config(path)`` reads it (``.toml`` or ``.json``) and validates every
entry, naming the bad one. ``apply_severities`` applies overrides to any findings
(parser findings included), and ``gate`` turns a report's findings into its status,
exactly like ``transforms.tables.report_status`` when there are no overrides.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from transforms.findings import FINDING_TYPES
from transforms.report import SEVERITIES, Finding

OFF = "off"
SEVERITY_CHOICES: tuple[str, ...] = (*SEVERITIES, OFF)


class RuleConfigError(ValueError):
    """A rulebook config entry is malformed; the message names it. Terminal: never retried."""


@dataclass(frozen=True)
class RuleOptions:
    """Thresholds of the plausibility rules (warnings, never errors by default)."""

    jump_ratio: float = 10.0
    jump_min_abs: float = 50.0
    zero_history_min: float = 50.0
    zero_history_years: int = 3
    zero_peer_min: float = 50.0  # flag 0 where the median of the bureau's peers is at least this …
    zero_peer_count: int = 5  # … and at least this many peers reported that year


@dataclass(frozen=True)
class RuleConfig:
    severities: dict[str, str] = field(default_factory=dict)
    options: RuleOptions = field(default_factory=RuleOptions)


def check_severities(severities: Mapping[str, str] | None, where: str = "severities") -> dict[str, str]:
    """Validate an override mapping: known codes (or ``family.*``), known severities."""
    out: dict[str, str] = {}
    families = {code.split(".")[0] for code in FINDING_TYPES}
    for code, sev in (severities or {}).items():
        if sev not in SEVERITY_CHOICES:
            raise RuleConfigError(f"{where}[{code!r}]: severity {sev!r} is not one of {', '.join(SEVERITY_CHOICES)}")
        if code.endswith(".*"):
            if code[:-2] not in families:
                raise RuleConfigError(f"{where}[{code!r}]: no finding family {code[:-2]!r}; known: {', '.join(sorted(families))}")
        elif code not in FINDING_TYPES:
            raise RuleConfigError(f"{where}[{code!r}]: unknown finding code; known: {', '.join(sorted(FINDING_TYPES))}")
        out[code] = sev
    return out


def load_rule_config(path: str | Path) -> RuleConfig:
    """Read a ``.toml`` or ``.json`` rulebook config (see the module doc for the format)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") from None
    unknown = set(data) - {"severities", "plausibility"}
    if unknown:
        raise RuleConfigError(f"{path}: unknown section(s) {sorted(unknown)}; known: severities, plausibility")
    severities = check_severities(data.get("severities"), f"{path}: severities")
    known = {f.name for f in fields(RuleOptions)}
    opts = data.get("plausibility", {})
    bad = set(opts) - known
    if bad:
        raise RuleConfigError(f"{path}: plausibility: unknown option(s) {sorted(bad)}; known: {', '.join(sorted(known))}")
    for name, value in opts.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise RuleConfigError(f"{path}: plausibility.{name}: expected a non-negative number, got {value!r}")
    return RuleConfig(severities, RuleOptions(**opts))


def severity_for(code: str, default: str, severities: Mapping[str, str] | None) -> str:
    """The override for ``code`` (exact code first, then its ``family.*``), else ``default``."""
    if not severities:
        return default
    if code in severities:
        return severities[code]
    return severities.get(code.split(".")[0] + ".*", default)


def apply_severities(findings: Iterable[Finding], severities: Mapping[str, str] | None) -> list[Finding]:
    """Findings with their severities overridden; those switched ``off`` are dropped."""
    out: list[Finding] = []
    for f in findings:
        sev = severity_for(f.code, f.severity, severities)
        if sev == OFF:
            continue
        out.append(f if sev == f.severity else replace(f, severity=sev))  # type: ignore[arg-type]
    return out


def gate(findings: Iterable[Finding], severities: Mapping[str, str] | None = None) -> str:
    """'quarantined' for any error, 'flagged' for any warning, else 'clean' (after overrides).

    Without overrides this is ``transforms.tables.report_status``; with them, the loaders
    should record ``gate(parser findings + validation findings, severities)``.
    """
    kept = apply_severities(findings, severities)
    if any(f.severity == "error" for f in kept):
        return "quarantined"
    if any(f.severity == "warning" for f in kept):
        return "flagged"
    return "clean"
