"""FHIR resources carried by card suggestions, each validated with fhir.resources R4B before use.

A resource that does not validate is never emitted: the builder logs why and returns None, and the
card goes out without that suggestion.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest

from cards.context import CardContext
from cards.text import format_value
from fhir_mappings.code_tables.essdai_codesystem import CODES

log = logging.getLogger("essdai_cds.cards")

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
# HL7 observation-category CodeSystem, code "survey" (FHIR R4 core terminology) [V].
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

_MODELS = {"Observation": Observation, "MedicationRequest": MedicationRequest, "ServiceRequest": ServiceRequest}


def is_valid(resource: dict[str, Any]) -> bool:
    """True when `resource` validates as its R4B resource type; logs the failure (no PHI) otherwise."""
    model = _MODELS.get(resource.get("resourceType", ""))
    if model is None:
        log.error("no R4B model registered for %r; suggestion dropped", resource.get("resourceType"))
        return False
    try:
        model.model_validate(resource)
    except Exception as exc:  # pydantic ValidationError and fhir.resources' own errors alike
        log.error("%s failed R4B validation, suggestion dropped: %s", resource["resourceType"],
                  type(exc).__name__ + ": " + str(exc).splitlines()[0])
        return False
    return True


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


# --- ESSDAI total -------------------------------------------------------------------------------

def essdai_observation(score: int, levels: dict[str, int], evidence_refs: Iterable[str],
                       *, ctx: CardContext) -> dict[str, Any] | None:
    """The Observation that records a determined ESSDAI: valueInteger total, one component per
    domain (valueInteger level), derivedFrom the Observations it rests on."""
    derived = list(dict.fromkeys(r for r in evidence_refs if isinstance(r, str) and r.startswith("Observation/")))
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {"coding": [_coding(ctx.codesystem, "essdai-total", CODES["essdai-total"].display)],
                 "text": "ESSDAI"},
        "subject": {"reference": f"Patient/{ctx.patient_id}"},
        "effectiveDateTime": ctx.as_of.isoformat(),
        "valueInteger": score,
        "derivedFrom": [{"reference": r} for r in derived],
        "component": [
            {"code": {"coding": [_coding(ctx.codesystem, domain, CODES[domain].display if domain in CODES else None)]},
             "valueInteger": level}
            for domain, level in levels.items()
        ],
    }
    if not derived:
        del resource["derivedFrom"]
    return resource if is_valid(resource) else None


# --- dose change on a draft MedicationRequest ----------------------------------------------------

def _timing_repeat(doses_per_day: float) -> dict[str, Any] | None:
    """frequency/period/periodUnit for a daily rate: 2 -> 2 per 1 d; 0.5 -> 1 per 2 d; else None."""
    if doses_per_day <= 0:
        return None
    if float(doses_per_day).is_integer():
        return {"frequency": int(doses_per_day), "period": 1, "periodUnit": "d"}
    every = 1 / doses_per_day
    if abs(every - round(every)) < 1e-9:
        return {"frequency": 1, "period": int(round(every)), "periodUnit": "d"}
    return None


def dose_text(dose_mg: float, doses_per_day: float | None) -> str:
    """"1 mg once daily", "5 mg twice daily", "100 mg every 2 days"."""
    dose = f"{format_value(float(dose_mg))} mg"
    if doses_per_day is None:
        return dose
    named = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
    if float(doses_per_day).is_integer():
        return f"{dose} {named.get(int(doses_per_day), f'{int(doses_per_day)} times daily')}"
    repeat = _timing_repeat(doses_per_day)
    return f"{dose} every {repeat['period']} days" if repeat else f"{dose}, {format_value(doses_per_day)} doses a day"


# Members of Timing.repeat that pin the old frequency and would contradict the new one.
_STALE_REPEAT = ("frequencyMax", "periodMax", "timeOfDay", "when", "offset", "dayOfWeek")


def updated_medication_request(draft: dict[str, Any], dose_mg: float, doses_per_day: float | None,
                               *, reference: str | None, ctx: CardContext,
                               product: tuple[str, str, str] | None = None) -> tuple[dict[str, Any], list[str]] | None:
    """The COMPLETE draft MedicationRequest with its dose replaced, and notes on what else changed.

    Everything else in the draft is kept. Required members a sandbox draft may lack are filled
    (intent "order", status "draft", subject = the patient in context) and named in the notes, so the
    action description can say so. Returns None if the result does not validate.
    """
    if not isinstance(draft, dict) or draft.get("resourceType", "MedicationRequest") != "MedicationRequest":
        log.error("draft order is not a MedicationRequest; dose-change suggestion dropped")
        return None
    resource = copy.deepcopy(draft)
    resource["resourceType"] = "MedicationRequest"
    notes: list[str] = []
    if not resource.get("id") and reference and "/" in reference:
        resource["id"] = reference.rsplit("/", 1)[1]
    if not resource.get("intent"):
        resource["intent"] = "order"
        notes.append('intent set to "order" (missing in the draft)')
    if not resource.get("status"):
        resource["status"] = "draft"
        notes.append('status set to "draft" (missing in the draft)')
    if not resource.get("subject"):
        resource["subject"] = {"reference": f"Patient/{ctx.patient_id}"}
        notes.append("subject set to the patient in context (missing in the draft)")

    repeat_new = _timing_repeat(doses_per_day) if doses_per_day is not None else None
    if doses_per_day is not None and repeat_new is None:
        log.error("dose-change suggestion with %r doses a day cannot be written as a Timing; dropped", doses_per_day)
        return None

    dosages = resource.get("dosageInstruction")
    dosage = copy.deepcopy(dosages[0]) if isinstance(dosages, list) and dosages and isinstance(dosages[0], dict) else {}
    if isinstance(dosages, list) and len(dosages) > 1:
        notes.append(f"{len(dosages) - 1} further dosage instruction(s) removed")

    rates = dosage.get("doseAndRate")
    rate = dict(rates[0]) if isinstance(rates, list) and rates and isinstance(rates[0], dict) else {}
    rate.pop("doseRange", None)  # dose[x]: one choice only
    rate["doseQuantity"] = {"value": dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}
    dosage["doseAndRate"] = [rate] + (rates[1:] if isinstance(rates, list) else [])

    if repeat_new is not None:
        timing = dict(dosage.get("timing") or {})
        repeat = {k: v for k, v in dict(timing.get("repeat") or {}).items() if k not in _STALE_REPEAT}
        repeat.update(repeat_new)
        timing["repeat"] = repeat
        timing.pop("code", None)  # e.g. BID would contradict the new frequency
        dosage["timing"] = timing
    dosage["text"] = dose_text(dose_mg, doses_per_day)
    resource["dosageInstruction"] = [dosage]
    if product is not None:  # the dose needs another product (e.g. an extended-release tablet -> 5 mg tablet)
        system, code, display = product
        resource.pop("medicationReference", None)
        resource["medicationCodeableConcept"] = {"coding": [_coding(system, code, display)], "text": display}
        notes.append(f"product changed to {display}")
    return (resource, notes) if is_valid(resource) else None


# --- proposed test -------------------------------------------------------------------------------

def proposed_service_request(loinc: Iterable[tuple[str, str]], label: str, *, ctx: CardContext) -> dict[str, Any] | None:
    """A draft ServiceRequest (intent proposal) for the LOINC codes a finding names."""
    codings = []
    for pair in loinc or ():
        try:
            code, display = pair
        except (TypeError, ValueError):
            continue
        if code:
            codings.append(_coding(LOINC, str(code), str(display) if display else None))
    if not codings:
        log.error("order-test suggestion without LOINC codes; dropped")
        return None
    resource = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "code": {"coding": codings, "text": label},
        "subject": {"reference": f"Patient/{ctx.patient_id}"},
    }
    return resource if is_valid(resource) else None
