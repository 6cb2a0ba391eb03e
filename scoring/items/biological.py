"""Biological domain (max 2): IgG (high, or a recent fall below 5 g/L), complement, cryoglobulins,
monoclonal component (latest in the labs window; IgG history over `windows.history`)."""

from __future__ import annotations

from datetime import timedelta

from fhir_mappings.facts import Measurement, PatientFacts
from scoring.items.base import PRESUMED, ItemResult, bounded, decided, unknown, window_note, with_threshold
from scoring.thresholds import IGG_FALL, IGG_LEVEL

LOW_INTERPRETATIONS = frozenset({"L", "LL"})
NOT_LOW_INTERPRETATIONS = frozenset({"N", "H", "HH"})


def igg(facts: PatientFacts) -> ItemResult:
    name = "biological.igg"
    hyper = facts.conditions_of("hypergammaglobulinaemia")
    hyper_evidence = tuple(c.evidence(PRESUMED) for c in hyper)
    m = facts.latest("igg")
    if m is None or m.value is None:
        if hyper:  # documented, level unknown: at least 1, up to 2
            return bounded(name, 1, 2, hyper_evidence, "IgG not measured in the labs window")
        return unknown(name, 2, window_note(facts, "igg"))
    lo, hi = IGG_LEVEL.levels_for(m.value, m.comparator)
    fall_lo, fall_hi = IGG_FALL.levels_for(m.value, m.comparator)
    evidence = (with_threshold(m.evidence(PRESUMED if hi > 0 else None), IGG_LEVEL, m),)
    if fall_hi:  # the value is, or may be, below 5 g/L
        fall = _recent_fall(facts, m)
        if fall is None:
            note = "IgG < 5 g/L with no earlier value within 12 months: recent fall not known"
            return bounded(name, lo, 2, (m.evidence(),) + hyper_evidence, note)
        if fall is not False:
            evidence = (m.evidence(f"recent fall below 5 g/L; {PRESUMED}"), fall.evidence("earlier value"))
            return bounded(name, fall_lo or lo, 2, evidence)
    if hyper and hi < 1:  # IgG < 16 but hypergammaglobulinaemia otherwise documented (§1.13)
        return decided(name, 1, evidence + hyper_evidence)
    return bounded(name, lo, hi, evidence)


def _recent_fall(facts: PatientFacts, latest: Measurement) -> Measurement | bool | None:
    """An earlier value >= 5 g/L within the history window; False if all earlier values are lower; None if none."""
    start = facts.as_of - timedelta(days=facts.windows.history)
    earlier = [x for x in facts.series("igg") if x is not latest and x.date >= start and x.value is not None]
    if not earlier:
        return None
    for x in earlier:
        if IGG_FALL.levels_for(x.value or 0.0, x.comparator) == (0, 0):
            return x
    return False


def _is_low(m: Measurement) -> bool | None:
    """Below the laboratory's reference range (or flagged L/LL); None when it cannot be told."""
    if m.interpretation in LOW_INTERPRETATIONS:
        return True
    if m.value is not None and m.ref_low is not None:
        if m.comparator in ("<", "<="):
            return True if m.value <= m.ref_low else None
        if m.comparator in (">", ">="):
            return False if m.value >= m.ref_low else None
        return m.value < m.ref_low
    if m.interpretation in NOT_LOW_INTERPRETATIONS:
        return False
    return None


def complement(facts: PatientFacts) -> ItemResult:
    """Low C3, C4 or CH50 -> 1. Assessed when any is low, or C3 and C4 are both known not low."""
    name = "biological.complement"
    found = {a: facts.latest(a) for a in ("c3", "c4", "ch50")}
    status = {a: (_is_low(m) if m is not None else None) for a, m in found.items()}
    low = [found[a] for a, s in status.items() if s is True]
    if low:
        return decided(name, 1, tuple(m.evidence(f"below reference range; {PRESUMED}") for m in low if m))
    known = tuple(m.evidence() for a, m in found.items() if m is not None and status[a] is False)
    if status["c3"] is False and status["c4"] is False:
        return decided(name, 0, known)
    missing = [a for a in ("c3", "c4") if status[a] is None]
    return bounded(name, 0, 1, known, f"{' and '.join(missing)} not evaluable (missing, or no reference range)")


def cryoglobulins(facts: PatientFacts) -> ItemResult:
    """Positive (or a cryocrit > 0, a choice) -> 2; negative -> 0; an active cryoglobulinaemia Condition -> 2."""
    name = "biological.cryoglobulins"
    m = facts.latest("cryoglobulins")
    present = None
    if m is not None:
        present = m.positive if m.positive is not None else (m.value > 0 if m.value is not None else None)
    if present is not None and m is not None:
        return decided(name, 2 if present else 0, (m.evidence(PRESUMED if present else None),))
    if conditions := facts.conditions_of("cryoglobulinaemia"):
        return decided(name, 2, tuple(c.evidence(PRESUMED) for c in conditions))
    return unknown(name, 2, window_note(facts, "cryoglobulins"))


def monoclonal_component(facts: PatientFacts) -> ItemResult:
    """Present (value > 0 or positive) -> 1; absent -> 0; an active monoclonal gammopathy Condition -> 1."""
    name = "biological.monoclonal-component"
    m = facts.latest("monoclonal-component")
    present = None
    if m is not None:
        present = m.positive if m.positive is not None else (m.value > 0 if m.value is not None else None)
    if present is not None and m is not None:
        return decided(name, 1 if present else 0, (m.evidence(PRESUMED if present else None),))
    if conditions := facts.conditions_of("monoclonal-gammopathy"):
        return decided(name, 1, tuple(c.evidence(PRESUMED) for c in conditions))
    return unknown(name, 1, window_note(facts, "monoclonal-component"))


ITEMS = (igg, complement, cryoglobulins, monoclonal_component)
