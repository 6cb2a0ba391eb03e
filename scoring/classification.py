"""2016 ACR/EULAR classification criteria for primary Sjögren's [S6]: weighted sum >= 4.

Findings and anti-SSA results of any date (before the assessment date) count. score = points reached,
max = points still reachable; an exclusion diagnosis makes `met` false with a warning.

Entry criterion (S6; essdai-rules §4.2): at least one ocular or oral dryness symptom (finding
`sicca-symptoms`, any date) or suspicion of SjD from the ESSDAI questionnaire (at least one domain with
a positive item: a domain whose certain level is >= 1). Shown as "met" / "not met" / "unknown": not met
needs sicca-symptoms false and every ESSDAI domain decided at 0. The criteria apply only to patients
who meet it, so "not met" makes `met` false (with a warning); "unknown" leaves `met` as the items say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from fhir_mappings.facts import ConditionFact, Evidence, Finding, PatientFacts
from scoring.items.base import finding_evidence, number
from scoring.tables import OPS
from scoring.thresholds import ANTI_SSA_POINTS, CLASSIFICATION_ITEMS, CLASSIFICATION_MET

# prior diagnoses that exclude classification; hepatitis C must be active (PCR-confirmed) per S6
EXCLUSIONS_ANY_STATUS = ("head-neck-radiation", "hiv", "sarcoidosis", "amyloidosis", "gvhd", "igg4-disease")
EXCLUSIONS_ACTIVE = ("hepatitis-c",)


@dataclass(frozen=True)
class Classification:
    score: int
    max: int
    met: bool | None
    evidence: tuple[Evidence, ...] = ()
    exclusions: tuple[ConditionFact, ...] = ()
    entry: str = "unknown"  # "met" | "not met" | "unknown"

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "max": self.max, "met": self.met, "entry_criterion": self.entry}


def entry_criterion(facts: PatientFacts, essdai_levels: Mapping[str, tuple[int, int]]) -> tuple[str, list[Evidence]]:
    """"met" / "not met" / "unknown" from sicca symptoms and the ESSDAI domains' (lo, hi) ranges."""
    sicca = _latest_any_date(facts, "sicca-symptoms")
    if sicca is not None and sicca.value is True:
        return "met", [finding_evidence(sicca)]
    active = sorted(d for d, (lo, _) in essdai_levels.items() if lo >= 1)
    if active:
        return "met", []
    all_zero = bool(essdai_levels) and all(hi == 0 for _, hi in essdai_levels.values())
    if sicca is not None and sicca.value is False and all_zero:
        return "not met", [finding_evidence(sicca)]
    return "unknown", []


def _latest_any_date(facts: PatientFacts, code: str) -> Finding | None:
    found = [f for f in facts.findings if f.code == code and f.date <= facts.as_of]
    return max(found, key=lambda f: f.date) if found else None


def _threshold_item(facts: PatientFacts, tests: tuple[tuple[str, str, float], ...], points: int,
                    warnings: list[str]) -> tuple[int, int, list[Evidence]]:
    """(reached, reachable, evidence) for one item, met when any of its tests is; reachable while any
    test is unknown."""
    reachable = False
    for code, op, limit in tests:
        f = _latest_any_date(facts, code)
        v = number(f.value) if f is not None else None
        if f is not None and v is None:
            warnings.append(f"ignored {f.reference}: {code} value {f.value!r} is not a number")
        if f is None or v is None:
            reachable = True
            continue
        if OPS[op](v, limit):
            return points, points, [finding_evidence(f)]
    return 0, points if reachable else 0, []


def classification(facts: PatientFacts, essdai_levels: Mapping[str, tuple[int, int]] | None = None
                   ) -> tuple[Classification, list[str]]:
    """The weighted sum and the entry criterion; `essdai_levels`: domain -> (lo, hi) of this assessment."""
    warnings: list[str] = []
    score = maximum = 0
    evidence: list[Evidence] = []
    for points, tests in CLASSIFICATION_ITEMS.values():
        got, can, ev = _threshold_item(facts, tests, points, warnings)
        score, maximum, evidence = score + got, maximum + can, evidence + ev
    ssa_points = int(ANTI_SSA_POINTS.value)
    ssa = [m for m in facts.series("anti-ssa") if m.positive is not None]
    positive = [m for m in ssa if m.positive]
    if positive:
        score, maximum = score + ssa_points, maximum + ssa_points
        evidence.append(positive[0].evidence())
    elif not ssa:
        maximum += ssa_points
    exclusions = facts.conditions_of(*EXCLUSIONS_ANY_STATUS, status=None) + facts.conditions_of(*EXCLUSIONS_ACTIVE)
    met: bool | None
    if exclusions:
        met = False
        names = ", ".join(sorted({c.concept for c in exclusions}))
        warnings.append(f"2016 ACR/EULAR classification not applicable: exclusion diagnosis ({names})")
    elif score >= CLASSIFICATION_MET.value:
        met = True
    elif maximum < CLASSIFICATION_MET.value:
        met = False
    else:
        met = None
    entry, entry_evidence = entry_criterion(facts, essdai_levels or {})
    if entry == "not met" and met is not False:
        met = False
        warnings.append("2016 ACR/EULAR classification not applicable: entry criterion not met "
                        "(no dryness symptom and no ESSDAI activity)")
    return Classification(score, maximum, met, tuple(evidence + entry_evidence), exclusions, entry), warnings
