"""2016 ACR/EULAR classification criteria for primary Sjögren's [S6]: weighted sum >= 4.

Findings and anti-SSA results of any date (before the assessment date) count. score = points reached,
max = points still reachable; an exclusion diagnosis makes `met` false with a warning. The entry
criterion (sicca symptoms or ESSDAI suspicion) is not checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "max": self.max, "met": self.met}


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


def classification(facts: PatientFacts) -> tuple[Classification, list[str]]:
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
    return Classification(score, maximum, met, tuple(evidence), exclusions), warnings
