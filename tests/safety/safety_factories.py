"""Builders for PatientFacts used by the safety tests (plain dataclasses, no FHIR)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from fhir_mappings.facts import AllergyFact, ConditionFact, Finding, ImmunizationFact, Measurement, MedicationFact, \
    PatientFacts
from safety import check_order
from safety.lookups import UNITS

AS_OF = date(2025, 11, 20)
_counter = itertools.count(1)


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def meas(analyte: str, value: float | None = None, *, days_ago: int = 3, unit: str | None = None,
         positive: bool | None = None, coding: str | None = None, ref_high: float | None = None,
         comparator: str | None = None, interpretation: str | None = None, ref: str | None = None) -> Measurement:
    return Measurement(
        analyte=analyte,
        date=ago(days_ago),
        reference=ref or f"Observation/{analyte}-{next(_counter)}",
        code=f"http://loinc.org|test-{analyte}",
        display=analyte,
        value=value,
        unit=unit if unit is not None else (UNITS.get(analyte) if value is not None else None),
        comparator=comparator,
        positive=positive,
        coding=coding,
        ref_high=ref_high,
        interpretation=interpretation,
    )


def cond(concept: str, status: str = "active", *, days_ago: int | None = 400, ref: str | None = None,
         display: str | None = None) -> ConditionFact:
    return ConditionFact(
        concept=concept,
        code=f"http://snomed.info/sct|test-{concept}",
        display=display or concept.replace("-", " ").capitalize(),
        reference=ref or f"Condition/{concept}-{next(_counter)}",
        status=status,
        onset=ago(days_ago) if days_ago is not None else None,
    )


def med(ingredient: str, *classes: str, status: str = "active", start_days_ago: int | None = 100,
        dose_mg: float | None = None, doses_per_day: float | None = None, ref: str | None = None,
        end_days_ago: int | None = None) -> MedicationFact:
    return MedicationFact(
        ingredient=ingredient,
        classes=frozenset(classes),
        code=f"http://www.nlm.nih.gov/research/umls/rxnorm|test-{ingredient}",
        display=ingredient.capitalize(),
        reference=ref or f"MedicationRequest/{ingredient}-{next(_counter)}",
        resource_type="MedicationRequest",
        status=status,
        start=ago(start_days_ago) if start_days_ago is not None else None,
        end=ago(end_days_ago) if end_days_ago is not None else None,
        dose_mg=dose_mg,
        doses_per_day=doses_per_day,
    )


DEFAULT_DOSE = {"baricitinib": {"FDA": (2, 1), "EMA": (4, 1)}, "tofacitinib": {"FDA": (5, 2), "EMA": (5, 2)},
                "upadacitinib": {"FDA": (15, 1), "EMA": (15, 1)}, "filgotinib": {"FDA": (200, 1), "EMA": (200, 1)}}


USUAL = object()  # "the usual label dose of the jurisdiction"


def order(drug: str, dose_mg: float | None | object = USUAL, doses_per_day: float | None | object = USUAL, *,
          jurisdiction: str = "FDA", classes: tuple[str, ...] = ("jak-inhibitor",)) -> MedicationFact:
    """A draft order; without a dose, the usual label dose of the jurisdiction (None = not stated)."""
    usual = DEFAULT_DOSE.get(drug, {}).get(jurisdiction, (None, None))
    dose_mg = usual[0] if dose_mg is USUAL else dose_mg
    doses_per_day = usual[1] if doses_per_day is USUAL else doses_per_day
    return MedicationFact(
        ingredient=drug,
        classes=frozenset(classes),
        code=f"http://www.nlm.nih.gov/research/umls/rxnorm|test-{drug}",
        display=drug.capitalize(),
        reference="MedicationRequest/draft-1",
        resource_type="MedicationRequest",
        status="draft",
        intent="order",
        dose_mg=dose_mg,  # type: ignore[arg-type]
        doses_per_day=doses_per_day,  # type: ignore[arg-type]
    )


def baseline(**overrides: Measurement | None) -> dict[str, Measurement | None]:
    """Recent, normal baseline results: with them no 'missing data' rule fires."""
    items: dict[str, Measurement | None] = {
        "lymphocytes": meas("lymphocytes", 1500),
        "neutrophils": meas("neutrophils", 3000),
        "hemoglobin": meas("hemoglobin", 13),
        "egfr": meas("egfr", 95),
        "creatinine": meas("creatinine", 0.8),
        "weight": meas("weight", 70),
        "alt": meas("alt", 20, ref_high=40),
        "ast": meas("ast", 22, ref_high=40),
        "igra": meas("igra", positive=False),
        "hbsag": meas("hbsag", positive=False),
        "anti-hbc": meas("anti-hbc", positive=False),
        "anti-hbs": meas("anti-hbs", positive=True),
        "hcv-ab": meas("hcv-ab", positive=False),
        "lipid-panel": meas("lipid-panel", positive=None, coding="done"),
    }
    items.update(overrides)
    return items


def patient(*items: object, labs: dict[str, Measurement | None] | None = None, birth: date | None = date(1970, 1, 1),
            gender: str | None = "male", clean: bool = True, immunization_records: int | None = None) -> PatientFacts:
    """Facts for one patient: `items` are Measurements, ConditionFacts, MedicationFacts and Findings; with
    `clean` the normal baseline (overridable through `labs`) is added. AllergyFacts and
    ImmunizationFacts may be items too; `immunization_records` defaults to the number of the latter."""
    measurements = [m for m in items if isinstance(m, Measurement)]
    if clean:
        measurements += [m for m in baseline(**(labs or {})).values() if m is not None]
    return PatientFacts(
        patient_id="p1",
        as_of=AS_OF,
        birth_date=birth,
        gender=gender,
        measurements=tuple(measurements),
        conditions=tuple(c for c in items if isinstance(c, ConditionFact)),
        medications=tuple(m for m in items if isinstance(m, MedicationFact)),
        allergies=tuple(a for a in items if isinstance(a, AllergyFact)),
        immunizations=tuple(i for i in items if isinstance(i, ImmunizationFact)),
        findings=tuple(f for f in items if isinstance(f, Finding)),
        immunization_records=sum(isinstance(i, ImmunizationFact) for i in items)
        if immunization_records is None else immunization_records,
    )


def allergy(ingredient: str = "baricitinib", clinical_status: str | None = "active", *,
            criticality: str | None = "high", ref: str | None = None) -> AllergyFact:
    return AllergyFact(
        ingredient=ingredient,
        classes=frozenset({"jak-inhibitor"}),
        code=f"http://www.nlm.nih.gov/research/umls/rxnorm|test-{ingredient}",
        display=ingredient.capitalize(),
        reference=ref or f"AllergyIntolerance/{ingredient}-{next(_counter)}",
        clinical_status=clinical_status,
        verification="confirmed",
        criticality=criticality,
        recorded=ago(500),
    )


LIVE_VACCINES = {"zoster-live", "mmr", "varicella", "yellow-fever"}


def vaccine(name: str = "zoster-live", *, days_ago: int = 14, ref: str | None = None) -> ImmunizationFact:
    return ImmunizationFact(
        vaccine=name,
        live=name in LIVE_VACCINES,
        code=f"http://hl7.org/fhir/sid/cvx|test-{name}",
        display=name.replace("-", " ").capitalize(),
        reference=ref or f"Immunization/{name}-{next(_counter)}",
        status="completed",
        date=ago(days_ago),
    )


def finding(code: str, value: int | float | bool | str, *, days_ago: int = 10) -> Finding:
    """A clinician finding in the project CodeSystem (e.g. "child-pugh-class", "B")."""
    return Finding(code, value, ago(days_ago), f"Observation/{code}-{next(_counter)}")


def born_aged(years: int) -> date:
    """A birth date giving exactly `years` on AS_OF (birthday a day before)."""
    return date(AS_OF.year - years, AS_OF.month, AS_OF.day - 1)


def by_rule(findings, rule_id: str):
    return [f for f in findings if f.rule == rule_id]


def rule_findings(rule_id: str, *items: object, drug: str = "baricitinib", jur: str = "FDA",
                  dose: tuple[object, object] = (USUAL, USUAL), labs: dict[str, Measurement | None] | None = None,
                  **kw: object) -> list:
    """`rule_id`'s findings for a draft order of `drug` (the usual label dose unless `dose`) on a patient
    built from `items` (`labs`, `kw`: as `patient`)."""
    draft = order(drug, *dose, jurisdiction=jur)
    return by_rule(check_order(draft, patient(*items, labs=labs, **kw), jur), rule_id)
