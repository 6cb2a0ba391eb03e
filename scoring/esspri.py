"""ESSPRI: mean of the latest dryness, fatigue and pain ratings (0-10) in the clinician window [S5];
PASS = ESSPRI < 5 [S4]. Null unless all three items are present and valid.

`esspri_change(baseline, current)`: the change between two ESSPRI values and whether it is a minimal
clinically important improvement (MCII: a fall of >= 1 point or >= 15 % of baseline, S4). Pure, so the
course-over-time module (issue 13) and any edge can use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import finding_evidence, number
from scoring.thresholds import ESSPRI_ITEM_MAX, ESSPRI_ITEM_MIN, ESSPRI_MCII_PCT, ESSPRI_MCII_POINTS, ESSPRI_PASS

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


@dataclass(frozen=True)
class EsspriChange:
    baseline: float
    current: float
    delta: float  # current - baseline, 2 decimals (negative = improvement)
    percent: float | None  # delta as % of baseline, 1 decimal; None when the baseline is 0
    mcii: bool

    def to_json(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "current": self.current, "delta": self.delta, "percent": self.percent,
                "mcii": self.mcii}


def esspri_mcii_at(baseline: float) -> float:
    """The ESSPRI at or below which a visit meets the MCII against this baseline (a chart's line): the
    smaller of the two falls esspri_change accepts, 1 point or 15 % [S4]."""
    return round(baseline - min(ESSPRI_MCII_POINTS.value, baseline * ESSPRI_MCII_PCT.value / 100), 2)


def esspri_change(baseline: float, current: float) -> EsspriChange:
    """MCII = fall >= 1 point or >= 15 % of baseline [S4]; either is enough. Raises ValueError outside 0-10."""
    for v in (baseline, current):
        if isinstance(v, bool) or not ESSPRI_ITEM_MIN <= v <= ESSPRI_ITEM_MAX:
            raise ValueError(f"ESSPRI {v!r} is not a score 0-10")
    fall = round(baseline - current, 6)
    percent = round(-fall * 100 / baseline, 1) if baseline else None
    mcii = fall >= ESSPRI_MCII_POINTS.value or (baseline > 0 and fall * 100 / baseline >= ESSPRI_MCII_PCT.value - 1e-9)
    return EsspriChange(baseline, current, round(current - baseline, 2), percent, bool(mcii and fall > 0))
