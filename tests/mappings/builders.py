"""Tiny FHIR JSON builders for the fhir_mappings tests (plain dicts, R4 shapes)."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
PROJECT = "http://essdai-cds.org/fhir/CodeSystem/essdai"
WHEN = "2026-11-20T08:00:00Z"


def qty(value: Any, unit: str | None = None, *, ucum: bool = True, **extra: Any) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value}
    if unit is not None:
        q["unit"] = unit
        if ucum:
            q["system"] = UCUM
            q["code"] = unit
    q.update(extra)
    return q


def obs(oid: str, code: str, value: Any = None, unit: str | None = None, *, system: str = LOINC,
        when: str | None = WHEN, status: str = "final", patient: str | None = "p1", display: str | None = None,
        **fields: Any) -> dict[str, Any]:
    """An Observation; `value` with `unit` becomes valueQuantity (UCUM), other value[x] via fields."""
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    res: dict[str, Any] = {"resourceType": "Observation", "id": oid, "status": status, "code": {"coding": [coding]}}
    if patient is not None:
        res["subject"] = {"reference": f"Patient/{patient}"}
    if when is not None:
        res["effectiveDateTime"] = when
    if value is not None:
        res["valueQuantity"] = qty(value, unit)
    res.update(fields)
    return res


def component(code: str, value: Any = None, unit: str | None = None, **fields: Any) -> dict[str, Any]:
    comp: dict[str, Any] = {"code": {"coding": [{"system": LOINC, "code": code}]}}
    if value is not None:
        comp["valueQuantity"] = qty(value, unit)
    comp.update(fields)
    return comp


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def condition(cid: str, code: str, *, system: str = ICD, clinical: str | None = "active",
              verification: str | None = "confirmed", patient: str = "p1", **fields: Any) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{patient}"},
                           "code": concept(system, code)}
    if clinical is not None:
        res["clinicalStatus"] = concept("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical)
    if verification is not None:
        res["verificationStatus"] = concept("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                            verification)
    res.update(fields)
    return res


def med_request(mid: str, *, code: str | None = "2047232", system: str = RXNORM, status: str = "active",
                patient: str | None = "p1", dose: dict[str, Any] | None = None, timing: dict[str, Any] | None = None,
                **fields: Any) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "MedicationRequest", "id": mid, "status": status, "intent": "order"}
    if patient is not None:
        res["subject"] = {"reference": f"Patient/{patient}"}
    if code is not None:
        res["medicationCodeableConcept"] = concept(system, code)
    dosage: dict[str, Any] = {}
    if dose is not None:
        dosage["doseAndRate"] = [{"doseQuantity": dose}]
    if timing is not None:
        dosage["timing"] = timing
    if dosage:
        res["dosageInstruction"] = [dosage]
    res.update(fields)
    return res


def patient(pid: str = "p1", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, **fields}
