"""Read one patient's chart as the `essdai-activity` patient-view service does: the same prefetch
templates, gathered from the FHIR server with the same client, then `fhir_mappings.extract`.
The worksheet and the card therefore score the same facts. The keys only the safety rules read
(allergies, immunizations) are left out: the worksheet scores, it shows no safety card."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

import fhir_mappings
from configuration import as_of, codesystem_url, windows
from fhir_access.client import FHIR_KEY, Deadline, FhirClient
from fhir_access.gather import FhirAccess, gather
from fhir_access.patient_queries import PATIENT_VIEW_PREFETCH, SAFETY_ONLY_KEYS, SCORING_KEYS
from fhir_access.registry import ServiceSpec
from worksheet.errors import WorksheetProblem
from fhir_mappings.facts import PatientFacts

log = logging.getLogger("essdai_cds.worksheet")

SERVICE_ID, HOOK = "essdai-activity", "patient-view"


@dataclass(frozen=True)
class Chart:
    patient_id: str
    header: dict[str, str]  # name, birth date, gender: display only
    facts: PatientFacts
    missing: tuple[str, ...] = ()  # optional data that could not be read (labels)
    partial: tuple[str, ...] = ()  # data read only in part (page cap or time budget)


def _spec() -> ServiceSpec:
    """The patient-view service's reads, declared once in fhir_access.patient_queries, less the safety-only
    ones (two FHIR searches per page that nothing on it used)."""
    prefetch = {k: v for k, v in PATIENT_VIEW_PREFETCH.items() if k not in SAFETY_ONLY_KEYS}
    return ServiceSpec(id=SERVICE_ID, hook=HOOK, title="ESSDAI worksheet", description="", usage_requirements=None,
                       prefetch=prefetch, handler=lambda call: [])


def _name(patient: Mapping[str, Any] | None) -> str:
    names = patient.get("name") if isinstance(patient, dict) else None
    if not isinstance(names, list):
        return ""
    for name in names:
        if not isinstance(name, dict):
            continue
        if isinstance(name.get("text"), str):
            return name["text"]
        given = " ".join(g for g in name.get("given") or () if isinstance(g, str))
        family = name.get("family") if isinstance(name.get("family"), str) else ""
        if given or family:
            return f"{given} {family}".strip()
    return ""


def header_of(patient: Mapping[str, Any] | None) -> dict[str, str]:
    p = patient if isinstance(patient, dict) else {}
    return {"name": _name(p), "birth_date": str(p.get("birthDate") or ""), "gender": str(p.get("gender") or "")}


def read_chart(app: Flask, *, iss: str, token: str | None, patient_id: str, budget: float) -> Chart:
    """Gather and extract; WorksheetProblem when the data scoring needs cannot be read."""
    spec = _spec()
    client: FhirClient = app.extensions[FHIR_KEY]
    config = app.config
    gathered = gather(spec, context={"patientId": patient_id}, prefetch={}, access=FhirAccess(iss, token),
                      config=config, client=client, deadline=Deadline(budget))
    if gathered.fhir_note:
        raise WorksheetProblem("iss-not-allowed" if "allowlist" in gathered.fhir_note else "fhir-unavailable")
    results = gathered.results
    refused = [r for r in results.values() if "FhirAuthError" in r.reason]
    if refused:
        raise WorksheetProblem("session-expired" if token else "fhir-unavailable",
                               "The FHIR server refused access (401/403).")
    patient = results.get("patient")
    if patient is None or patient.state != "ok":
        raise WorksheetProblem("fhir-unavailable", f"Patient/{patient_id} could not be read from the FHIR server.")
    labels = {k: (spec.prefetch[k].label or k) for k in spec.prefetch}
    unavailable = [k for k, r in results.items() if r.state == "unavailable"]
    needed = [labels[k] for k in unavailable if k in SCORING_KEYS]
    if needed:
        raise WorksheetProblem("fhir-unavailable", "Could not read: " + ", ".join(needed) + ".")
    facts = fhir_mappings.extract(gathered.resources(), as_of=as_of(config), patient_id=patient_id,
                                  windows=windows(config), codesystem=codesystem_url(config), fhir_base=iss)
    return Chart(
        patient_id=patient_id,
        header=header_of(patient.resources[0]),
        facts=facts,
        missing=tuple(labels[k] for k in unavailable),
        partial=tuple(labels[k] for k, r in results.items() if r.partial),
    )
