"""Shared shape of the nervous-system domains: clinician feature findings (one Observation per feature;
"none" asserts no involvement), with Conditions as a fallback when no feature finding exists."""

from __future__ import annotations

from typing import Callable

from fhir_mappings.facts import ConditionFact, Finding, PatientFacts
from scoring.items.base import PRESUMED, ItemResult, bad_value, bounded, decided, finding_evidence, silent, unknown

# feature -> (lo, hi), or a grader that reads further findings (e.g. motor power)
Grade = tuple[int, int] | Callable[[PatientFacts], tuple[int, int]]


def feature_findings(facts: PatientFacts, code: str, allowed: dict[str, Grade]) -> tuple[
        list[Finding], Finding | None, list[str]]:
    """Features recorded on or after the newest 'none' (in the clinician window), that 'none', warnings."""
    found = facts.findings_of(code)
    warnings = [bad_value(f, f"one of {sorted(allowed)}") for f in found if f.value not in allowed]
    valid = [f for f in found if f.value in allowed]
    nones = [f for f in valid if f.value == "none"]
    newest_none = nones[0] if nones else None
    features = [f for f in valid if f.value != "none" and (newest_none is None or f.date >= newest_none.date)]
    return features, newest_none, warnings


def feature_item(facts: PatientFacts, name: str, code: str, grades: dict[str, Grade], max_level: int) -> ItemResult:
    features, none, warnings = feature_findings(facts, code, grades)
    warning = "; ".join(warnings) or None
    if not features:
        if none is not None:
            return decided(name, 0, (finding_evidence(none),), warning=warning)
        return unknown(name, max_level, f"no {code} finding", warning)
    ranges = []
    for f in features:
        grade = grades[str(f.value)]
        ranges.append(grade(facts) if callable(grade) else grade)
    lo, hi = max(r[0] for r in ranges), max(r[1] for r in ranges)
    return bounded(name, lo, max(lo, hi), tuple(finding_evidence(f, PRESUMED) for f in features), warning=warning)


def condition_item(facts: PatientFacts, name: str, code: str, grades: dict[str, tuple[int, int]]) -> ItemResult:
    """Active Conditions as lower bounds; superseded by any clinician feature finding in the window."""
    if facts.findings_of(code):
        return silent(name, f"{code} findings supersede Conditions")
    conditions: list[ConditionFact] = list(facts.conditions_of(*grades))
    if not conditions:
        return silent(name)
    lo = max(grades[c.concept][0] for c in conditions)
    hi = max(grades[c.concept][1] for c in conditions)
    notes = {c.concept: ("diagnosis code only, grade not documented: a clinician should rate the domain; "
                         if grades[c.concept][0] != grades[c.concept][1] else "") + PRESUMED
             for c in conditions}
    return bounded(name, lo, max(lo, hi), tuple(c.evidence(notes[c.concept]) for c in conditions))
