"""What an ESSDAI item returns, and the small helpers every domain's items share.

An item reads PatientFacts and says which level it reaches. When the data decide it, `assessed` is
True and `max_level == level`. When they do not, `level` is what is already certain (a lower bound,
e.g. a lymphadenopathy Condition without a size) and `max_level` what the item could still reach.
Absence of a Condition or finding is never evidence of absence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from fhir_mappings.code_tables.essdai_codesystem import CODES
from fhir_mappings.facts import Evidence, Finding, Measurement, PatientFacts
from scoring.tables import ThresholdTable

PRESUMED = "attribution to Sjögren's presumed"


@dataclass(frozen=True)
class ItemResult:
    assessed: bool
    level: int  # decided level, or the certain lower bound when not assessed
    max_level: int  # highest level still reachable (== level when assessed)
    evidence: tuple[Evidence, ...] = ()
    note: str | None = None
    name: str = ""
    warning: str | None = None  # bad input that was ignored; surfaces in Assessment.warnings


Item = Callable[[PatientFacts], ItemResult]


def decided(name: str, level: int, evidence: tuple[Evidence, ...] = (), note: str | None = None,
            warning: str | None = None) -> ItemResult:
    return ItemResult(True, level, level, evidence, note, name, warning)


def bounded(name: str, lo: int, hi: int, evidence: tuple[Evidence, ...] = (), note: str | None = None,
            warning: str | None = None) -> ItemResult:
    """Decided when lo == hi, else open between lo and hi."""
    return ItemResult(lo == hi, lo, hi, evidence, note, name, warning)


def unknown(name: str, max_level: int, note: str | None = None, warning: str | None = None) -> ItemResult:
    return ItemResult(False, 0, max_level, (), note, name, warning)


def silent(name: str, note: str | None = None) -> ItemResult:
    """Nothing to say (e.g. no supporting Condition): contributes neither a level nor uncertainty."""
    return ItemResult(True, 0, 0, (), note, name)


def exclude(result: ItemResult, causes: tuple[Evidence, ...], why: str) -> ItemResult:
    """A documented other cause removes a feature the data show; items without data stay as they are."""
    if not causes or not result.evidence or result.max_level == 0:
        return result
    plain = tuple(_without_presumed(e) for e in result.evidence)
    return decided(result.name, 0, plain + causes, f"excluded: {why}", result.warning)


def _without_presumed(e: Evidence) -> Evidence:
    if e.note and PRESUMED in e.note:
        rest = "; ".join(p for p in e.note.split("; ") if p != PRESUMED) or None
        return replace(e, note=rest)
    return e


# --- findings ----------------------------------------------------------------------------------------
def display(code: str) -> str:
    spec = CODES.get(code)
    return spec.display if spec else code


def finding_evidence(f: Finding, note: str | None = None) -> Evidence:
    return f.evidence(display=display(f.code), note=note)


def latest_finding(facts: PatientFacts, code: str) -> Finding | None:
    return facts.latest_finding(code)


def number(value: object) -> float | None:
    """A numeric finding value, or None (bools and strings are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def bad_value(f: Finding, expected: str) -> str:
    return f"ignored {f.reference}: {f.code} value {f.value!r} is not {expected}"


def boolean_item(facts: PatientFacts, name: str, code: str, level: int) -> ItemResult | None:
    """A yes/no clinician finding: True -> level, False -> 0; None when there is no finding."""
    f = latest_finding(facts, code)
    if f is None:
        return None
    if not isinstance(f.value, bool):
        return unknown(name, level, warning=bad_value(f, "true/false"))
    if f.value:
        return decided(name, level, (finding_evidence(f),))
    return decided(name, 0, (finding_evidence(f),))


def finding_or_condition(facts: PatientFacts, name: str, code: str, level: int, *concepts: str) -> ItemResult:
    """A yes/no clinician finding decides; without one, an active Condition of `concepts` gives `level`;
    with neither the item is unknown (absence is never evidence of absence)."""
    found = boolean_item(facts, name, code, level)
    if found is not None:
        return found
    if conditions := facts.conditions_of(*concepts):
        return decided(name, level, tuple(c.evidence() for c in conditions))
    return unknown(name, level, f"no {code} finding")


def finding_flag(facts: PatientFacts, code: str) -> Finding | None:
    """The latest finding with this code if it is True (e.g. an exclusion flag)."""
    f = latest_finding(facts, code)
    return f if f is not None and f.value is True else None


def numeric_finding_item(facts: PatientFacts, name: str, code: str, table: ThresholdTable) -> ItemResult | None:
    f = latest_finding(facts, code)
    if f is None:
        return None
    v = number(f.value)
    if v is None:
        return unknown(name, table.max_level, warning=bad_value(f, "a number"))
    return decided(name, table.level(v), (finding_evidence(f),))


def string_finding_item(facts: PatientFacts, name: str, code: str, levels: dict[str, int]) -> ItemResult | None:
    f = latest_finding(facts, code)
    if f is None:
        return None
    if not isinstance(f.value, str) or f.value not in levels:
        return unknown(name, max(levels.values()), warning=bad_value(f, f"one of {sorted(levels)}"))
    return decided(name, levels[f.value], (finding_evidence(f),))


# --- measurements --------------------------------------------------------------------------------------
def measured_range(m: Measurement, table: ThresholdTable) -> tuple[int, int] | None:
    """(lo, hi) level of one numeric measurement, honouring its comparator; None if not numeric."""
    if m.value is None:
        return None
    return table.levels_for(m.value, m.comparator)


def lab_item(facts: PatientFacts, name: str, analyte: str, table: ThresholdTable,
             note_if_abnormal: str = PRESUMED) -> ItemResult | None:
    """The latest value of `analyte` in its window through `table`; None when there is no value."""
    m = facts.latest(analyte)
    if m is None:
        return None
    rng = measured_range(m, table)
    if rng is None:
        return unknown(name, table.max_level, note=f"{m.reference} has no numeric value")
    lo, hi = rng
    note = note_if_abnormal if hi > 0 else None
    comp = f"value {m.comparator}{m.value:g} spans levels {lo}-{hi}" if lo != hi else None
    return bounded(name, lo, hi, (with_threshold(m.evidence(note), table, m),), note=comp)


def with_threshold(e: Evidence, table: ThresholdTable, m: Measurement) -> Evidence:
    """`e` carrying the cut-off of `table` that decided `m`'s level (shown beside the value on cards)."""
    if m.value is None:
        return e
    return replace(e, threshold=table.deciding(m.value, m.comparator))


def with_derived_threshold(e: Evidence, table: ThresholdTable, value: float, unit: str,
                           comparator: str | None = None) -> Evidence:
    """`e` carrying the cut-off of `table` that decided a value derived from it (CK as a multiple of ULN,
    weight loss in %): the cut-off says its unit, which is not the unit of `e`'s own value."""
    cut = table.deciding(value, comparator)
    return replace(e, threshold=f"{cut} {unit}") if cut else e


def window_note(facts: PatientFacts, analyte: str) -> str:
    return f"no {analyte} within {facts.windows.for_analyte(analyte)} days"
