"""ESSPRI: mean of the latest dryness, fatigue and pain ratings (0-10) in the clinician window [S5];
PASS = ESSPRI < 5 [S4]. Null unless all three items are present and valid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import finding_evidence, number
from scoring.thresholds import ESSPRI_ITEM_MAX, ESSPRI_ITEM_MIN, ESSPRI_PASS

ITEM_CODES = ("esspri-dryness", "esspri-fatigue", "esspri-pain")


@dataclass(frozen=True)
class Esspri:
    score: float  # rounded to 2 decimals; PASS is judged on this value
    passed: bool
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "pass": self.passed}


def esspri(facts: PatientFacts) -> tuple[Esspri | None, list[str]]:
    values: list[float] = []
    evidence: list[Evidence] = []
    warnings: list[str] = []
    for code in ITEM_CODES:
        f = facts.latest_finding(code)
        if f is None:
            continue
        v = number(f.value)
        if v is None or not ESSPRI_ITEM_MIN <= v <= ESSPRI_ITEM_MAX:
            warnings.append(f"ignored {f.reference}: {code} value {f.value!r} is not a rating 0-10")
            continue
        values.append(v)
        evidence.append(finding_evidence(f))
    if len(values) < len(ITEM_CODES):
        return None, warnings
    score = round(sum(values) / len(values), 2)
    return Esspri(score, score < ESSPRI_PASS.value, tuple(evidence)), warnings
