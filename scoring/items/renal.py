"""Renal domain (max 3): proteinuria, haematuria, eGFR, tubular acidosis, histology.

Proteinuria scores directly (presumed glomerular); a UPCR stands in for g/day when there is no 24-h
collection (g/g ~ g/day, an implementation choice said in the evidence). eGFR < 60 needs documented
glomerular involvement (-> 3) or tubular acidosis (-> 2); with neither it leaves the item open.
"""

from __future__ import annotations

from fhir_mappings.facts import ConditionFact, Evidence, Measurement, PatientFacts
from scoring.items.base import (PRESUMED, ItemResult, bad_value, bounded, decided, finding_evidence,
                                latest_finding, measured_range, silent, string_finding_item, unknown, with_threshold)
from scoring.thresholds import EGFR_FAILURE, GLOMERULAR_PROTEINURIA, PROTEINURIA_LEVEL

UPCR_NOTE = "UPCR (g/g) used as a g/day surrogate [implementation choice]"
HISTOLOGY_LEVEL = {  # C1 renal domain: rate from histology first
    "none": 0, "membranous-gn": 2, "interstitial-infiltrate": 2, "proliferative-gn": 3, "cryoglobulinaemic": 3,
}
TIN_NOTE = "tubulo-interstitial nephropathy: tubular acidosis or interstitial infiltrate not documented"
GN_CONCEPTS = ("glomerulonephritis", "membranous-gn", "proliferative-gn")


def _proteinuria_measurement(facts: PatientFacts) -> tuple[Measurement | None, str | None]:
    m = facts.latest("proteinuria-24h")
    if m is not None and m.value is not None:
        return m, None
    u = facts.latest("upcr")
    if u is not None and u.value is not None:
        return u, UPCR_NOTE
    return None, None


def _glomerular(facts: PatientFacts) -> tuple[bool, tuple[Evidence, ...]]:
    """Documented glomerular involvement: a GN Condition, or proteinuria certainly >= 0.5 g/d."""
    evidence = [c.evidence("glomerular involvement") for c in facts.conditions_of(*GN_CONCEPTS)]
    m, surrogate = _proteinuria_measurement(facts)
    if m is not None and m.value is not None:
        lo, _ = PROTEINURIA_LEVEL.levels_for(m.value, m.comparator)
        if lo >= PROTEINURIA_LEVEL.level(GLOMERULAR_PROTEINURIA.value):
            evidence.append(m.evidence("; ".join(n for n in (surrogate, "proteinuria >= 0.5 g/d") if n)))
    return bool(evidence), tuple(evidence)


def _rta(facts: PatientFacts) -> tuple[bool | None, tuple[Evidence, ...], str | None]:
    f = latest_finding(facts, "renal-tubular-acidosis")
    if f is not None:
        if isinstance(f.value, bool):
            return f.value, (finding_evidence(f),), None
        warning = bad_value(f, "true/false")
    else:
        warning = None
    conditions = facts.conditions_of("renal-tubular-acidosis")
    if conditions:
        return True, tuple(c.evidence() for c in conditions), warning
    return None, (), warning


def _renal_failure(facts: PatientFacts) -> tuple[tuple[int, int] | None, Measurement | None]:
    """(lo, hi) of 'eGFR < 60' as 0/1, or None without an eGFR."""
    m = facts.latest("egfr")
    if m is None:
        return None, None
    return measured_range(m, EGFR_FAILURE), m


def proteinuria(facts: PatientFacts) -> ItemResult:
    name = "renal.proteinuria"
    m, surrogate = _proteinuria_measurement(facts)
    if m is None:
        return unknown(name, 3, "no proteinuria-24h or UPCR within the labs window")
    lo, hi = PROTEINURIA_LEVEL.levels_for(m.value or 0.0, m.comparator)
    note = "; ".join(n for n in (surrogate, PRESUMED if hi > 0 else None) if n) or None
    return bounded(name, lo, hi, (with_threshold(m.evidence(note), PROTEINURIA_LEVEL, m),))


def haematuria(facts: PatientFacts) -> ItemResult:
    """A clinician 'haematuria (glomerular)' finding decides; a lab result scores 3 only with documented
    glomerular involvement (a positive dipstick alone may be non-glomerular), else it stays open."""
    name = "renal.haematuria"
    f = latest_finding(facts, "haematuria")
    if f is not None and isinstance(f.value, bool):
        return decided(name, 3 if f.value else 0, (finding_evidence(f),))
    warning = bad_value(f, "true/false") if f is not None else None
    m = facts.latest("haematuria")
    if m is None or m.positive is None:
        return unknown(name, 3, "no haematuria result", warning)
    if not m.positive:
        return decided(name, 0, (m.evidence(),), warning=warning)
    glomerular, g_evidence = _glomerular(facts)
    if glomerular:
        return decided(name, 3, (m.evidence(PRESUMED),) + g_evidence, warning=warning)
    return bounded(name, 0, 3, (m.evidence("glomerular origin not documented"),),
                   "haematuria without documented glomerular involvement", warning)


def _egfr_evidence(m: Measurement, note: str | None = None) -> Evidence:
    """The eGFR with the renal-failure cut-off that decided it ("< 60")."""
    return with_threshold(m.evidence(note), EGFR_FAILURE, m)


def egfr(facts: PatientFacts) -> ItemResult:
    name = "renal.egfr"
    failure, m = _renal_failure(facts)
    if m is None:
        return unknown(name, 3, "no eGFR within the labs window")
    if failure is None:
        return unknown(name, 3, f"{m.reference} has no numeric value")
    if failure == (0, 0):
        return decided(name, 0, (_egfr_evidence(m),))
    glomerular, g_evidence = _glomerular(facts)
    rta, r_evidence, _ = _rta(facts)
    certain = failure == (1, 1)
    if glomerular:
        return bounded(name, 3 if certain else 0, 3, (_egfr_evidence(m, PRESUMED),) + g_evidence)
    if rta:
        return bounded(name, 2 if certain else 0, 2 if certain else 3, (_egfr_evidence(m, PRESUMED),) + r_evidence,
                       "renal failure with tubular acidosis")
    return bounded(name, 0, 3, (_egfr_evidence(m, "cause not documented"),),
                   "eGFR < 60 with no documented glomerular or tubular involvement")


def tubular_acidosis(facts: PatientFacts) -> ItemResult:
    """RTA without renal failure -> 1, with eGFR < 60 -> 2."""
    name = "renal.tubular-acidosis"
    rta, evidence, warning = _rta(facts)
    if rta is None:
        return unknown(name, 2, "no renal-tubular-acidosis finding", warning)
    if not rta:
        return decided(name, 0, evidence, warning=warning)
    failure, m = _renal_failure(facts)
    if failure is None or m is None:
        return bounded(name, 1, 2, evidence, "eGFR not known", warning)
    lo, hi = 1 + failure[0], 1 + failure[1]
    return bounded(name, lo, hi, evidence + (_egfr_evidence(m),), warning=warning)


def histology(facts: PatientFacts) -> ItemResult:
    """Biopsy finding or a GN Condition. Level 0 is defined by the labs (proteinuria, haematuria,
    acidosis), so a missing biopsy leaves nothing open."""
    name = "renal.histology"
    found = string_finding_item(facts, name, "renal-histology", HISTOLOGY_LEVEL)
    if found is not None:
        return found
    if c := facts.conditions_of("proliferative-gn"):
        return decided(name, 3, tuple(x.evidence() for x in c))
    if c := facts.conditions_of("membranous-gn"):
        return decided(name, 2, tuple(x.evidence() for x in c))
    if c := facts.conditions_of("glomerulonephritis"):
        return _unstated_gn(facts, name, c)
    if c := facts.conditions_of("tubulo-interstitial-nephritis"):  # tubular acidosis (1-2) or infiltrate (2)
        return bounded(name, 0, 2, tuple(x.evidence(TIN_NOTE) for x in c), TIN_NOTE)
    return silent(name)


def _unstated_gn(facts: PatientFacts, name: str, conditions: tuple[ConditionFact, ...]) -> ItemResult:
    """A GN of unstated type has no level of its own: the index grades glomerular involvement by
    proteinuria, haematuria and renal failure (C1 renal). Proteinuria certainly < 0.5 g/day with no
    haematuria is the definition of no activity; otherwise the other renal items grade it."""
    m, surrogate = _proteinuria_measurement(facts)
    haem = _haematuria_negative(facts)
    evidence = tuple(x.evidence("type not documented") for x in conditions)
    if m is not None and m.value is not None and PROTEINURIA_LEVEL.levels_for(m.value, m.comparator)[1] == 0 \
            and haem is not None:
        note = "glomerulonephritis with proteinuria < 0.5 g/day and no haematuria: no activity (C1 renal level 0)"
        return decided(name, 0, evidence + (m.evidence(surrogate), haem), note)
    if m is not None and m.value is not None:  # proteinuria grades it; haematuria / eGFR items do the rest
        return decided(name, 0, evidence, "type not documented: graded by proteinuria, haematuria and eGFR")
    return bounded(name, 0, 3, evidence, "type and grade not documented; no proteinuria within the labs window")


def _haematuria_negative(facts: PatientFacts) -> Evidence | None:
    f = latest_finding(facts, "haematuria")
    if f is not None and f.value is False:
        return finding_evidence(f)
    m = facts.latest("haematuria")
    if m is not None and m.positive is False and (f is None or f.value is not True):
        return m.evidence()
    return None


ITEMS = (proteinuria, haematuria, egfr, tubular_acidosis, histology)
