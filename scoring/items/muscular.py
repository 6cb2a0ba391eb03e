"""Muscular domain (max 3): CK and weakness, gated by EMG/biopsy-proven myositis.

Proven myositis (finding `myositis-proven` true: EMG or biopsy) is the gate: gate false -> 0; gate
unknown with a raised CK or weakness -> open up to that level. A myositis diagnosis code (M35.03,
M60.9, M33.2x, SNOMED 26889001) is not that proof (S1: "myositis proven by abnormal EMG or biopsy"):
it opens the domain and is kept as evidence that a clinician must rate it. Weakness from another cause
(finding `weakness-other-cause`, steroid myopathy in the exclusions table) excludes the muscular findings.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import (PRESUMED, ItemResult, bad_value, bounded, decided, exclude, finding_evidence,
                                finding_flag, latest_finding, number, silent, unknown, with_derived_threshold)
from scoring.other_causes import other_causes
from scoring.thresholds import CK_ULN_LEVEL, MUSCLE_POWER_LEVEL

NOT_PROOF = "myositis diagnosis code is not EMG/biopsy proof: a clinician should rate the muscular domain"


def myositis_gate(facts: PatientFacts) -> tuple[bool | None, tuple[Evidence, ...]]:
    f = latest_finding(facts, "myositis-proven")
    if f is not None and isinstance(f.value, bool):
        return f.value, (finding_evidence(f),)
    return None, _diagnoses(facts)


def _diagnoses(facts: PatientFacts) -> tuple[Evidence, ...]:
    return tuple(c.evidence(NOT_PROOF) for c in facts.conditions_of("myositis-diagnosis"))


def _causes(facts: PatientFacts, name: str) -> tuple[Evidence, ...]:
    causes = list(other_causes(facts, name, facts.windows.clinician, flag="weakness-other-cause"))
    if (f := finding_flag(facts, "weakness-other-cause")) is not None:
        causes.append(finding_evidence(f, "documented other cause"))
    return tuple(causes)


def _gated(facts: PatientFacts, name: str, lo: int, hi: int, evidence: tuple[Evidence, ...],
           warning: str | None = None) -> ItemResult:
    if hi == 0:
        return decided(name, 0, evidence, warning=warning)
    proven, gate_evidence = myositis_gate(facts)
    if proven is False:
        return decided(name, 0, evidence + gate_evidence, "myositis not proven: does not score", warning)
    if proven is None:
        result = bounded(name, 0, hi, evidence + gate_evidence, "scores only with EMG/biopsy-proven myositis",
                         warning)
    else:
        marked = tuple(replace(e, note="; ".join(n for n in (e.note, PRESUMED) if n)) for e in evidence)
        result = bounded(name, lo, hi, marked + gate_evidence, warning=warning)
    return exclude(result, _causes(facts, name), "weakness not due to Sjögren's")


def ck(facts: PatientFacts) -> ItemResult:
    """CK / ULN (reference range high of the same Observation); H/HH without a range -> at least 1."""
    name = "muscular.ck"
    m = facts.latest("ck")
    if m is None or (m.value is None and m.interpretation is None):
        proven, gate_evidence = myositis_gate(facts)
        if proven is False:
            return decided(name, 0, gate_evidence, "myositis not proven: does not score")
        return unknown(name, 3, "no CK within the labs window")
    if m.value is not None and m.ref_high:
        ratio = m.value / m.ref_high
        lo, hi = CK_ULN_LEVEL.levels_for(ratio, m.comparator)
        shown = with_derived_threshold(m.evidence(f"{ratio:.2f} x ULN"), CK_ULN_LEVEL, ratio, "x ULN", m.comparator)
        return _gated(facts, name, lo, hi, (shown,))
    if m.interpretation in ("H", "HH"):
        return _gated(facts, name, 1, 3, (m.evidence("raised; no reference range to grade it"),))
    if m.interpretation in ("N", "L", "LL"):
        return decided(name, 0, (m.evidence(),))
    return _gated(facts, name, 0, 3, (m.evidence("no reference range: not evaluable"),))


def weakness(facts: PatientFacts) -> ItemResult:
    """Lowest MRC power: 5 = no weakness; 4 -> 2; <= 3 -> 3."""
    name = "muscular.weakness"
    f = latest_finding(facts, "muscle-power-min")
    if f is None:
        proven, gate_evidence = myositis_gate(facts)
        if proven is False:
            return decided(name, 0, gate_evidence, "myositis not proven: does not score")
        return unknown(name, 3, "no muscle-power-min finding")
    v = number(f.value)
    if v is None or not 0 <= v <= 5:
        return unknown(name, 3, warning=bad_value(f, "an MRC grade 0-5"))
    level = MUSCLE_POWER_LEVEL.level(v)
    return _gated(facts, name, level, level, (finding_evidence(f),))


def diagnosis(facts: PatientFacts) -> ItemResult:
    """A myositis diagnosis without EMG/biopsy proof: the domain is open 0-3 and needs a clinician."""
    name = "muscular.diagnosis"
    evidence = _diagnoses(facts)
    if not evidence or latest_finding(facts, "myositis-proven") is not None:
        return silent(name)
    return bounded(name, 0, 3, evidence, NOT_PROOF)


ITEMS = (ck, weakness, diagnosis)
