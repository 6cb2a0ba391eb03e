"""Builders for PatientFacts in scoring tests (no FHIR here). Dates are days before AS_OF."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from fhir_mappings.facts import ConditionFact, Finding, Measurement, MedicationFact, PatientFacts, Skipped

AS_OF = date(2025, 6, 30)
_ids = itertools.count(1)

UNITS = {
    "temperature": "Cel", "weight": "kg", "neutrophils": "/uL", "lymphocytes": "/uL", "platelets": "/uL",
    "wbc": "/uL", "hemoglobin": "g/dL", "igg": "g/L", "c3": "mg/dL", "c4": "mg/dL", "ch50": "U/mL",
    "monoclonal-component": "g/dL", "ck": "U/L", "proteinuria-24h": "g/d", "upcr": "g/g",
    "egfr": "mL/min/{1.73_m2}", "dlco-pct": "%", "fvc-pct": "%", "nyha": None,
}


def day(days_ago: int) -> date:
    return AS_OF - timedelta(days=days_ago)


def lab(analyte: str, value: float | None = None, *, days_ago: int = 1, ref: str | None = None,
        comparator: str | None = None, ref_low: float | None = None, ref_high: float | None = None,
        interpretation: str | None = None, positive: bool | None = None) -> Measurement:
    return Measurement(
        analyte=analyte, date=day(days_ago), reference=ref or f"Observation/{analyte}-{next(_ids)}",
        code=f"http://loinc.org|{analyte}", display=analyte, value=value,
        unit=UNITS.get(analyte) if value is not None else None, comparator=comparator, positive=positive,
        ref_low=ref_low, ref_high=ref_high, interpretation=interpretation)


def finding(code: str, value: int | float | bool | str, *, days_ago: int = 1, ref: str | None = None) -> Finding:
    return Finding(code=code, value=value, date=day(days_ago), reference=ref or f"Observation/{code}-{next(_ids)}")


def condition(concept: str, status: str = "active", *, ref: str | None = None, days_ago: int = 100) -> ConditionFact:
    return ConditionFact(concept=concept, code=f"http://snomed.info/sct|{concept}", display=concept,
                         reference=ref or f"Condition/{concept}-{next(_ids)}", status=status, onset=day(days_ago))


def med(ingredient: str, *classes: str, status: str = "active", ref: str | None = None) -> MedicationFact:
    return MedicationFact(ingredient=ingredient, classes=frozenset(classes), code=f"rxnorm|{ingredient}",
                          display=ingredient, reference=ref or f"MedicationStatement/{ingredient}-{next(_ids)}",
                          resource_type="MedicationStatement", status=status, start=day(200))


def facts(*things: object, as_of: date = AS_OF, skipped: tuple[Skipped, ...] = ()) -> PatientFacts:
    return PatientFacts(
        patient_id="p1", as_of=as_of,
        measurements=tuple(t for t in things if isinstance(t, Measurement)),
        conditions=tuple(t for t in things if isinstance(t, ConditionFact)),
        medications=tuple(t for t in things if isinstance(t, MedicationFact)),
        findings=tuple(t for t in things if isinstance(t, Finding)),
        skipped=skipped)


def rng(result) -> tuple[int, int]:
    """(lower, upper) of an ItemResult or DomainResult."""
    if hasattr(result, "lo"):
        return result.lo, result.hi
    return result.level, result.max_level
