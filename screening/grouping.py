"""STAND-IN for 16a's screening.grouping (same signature); replaced when main has it."""

from __future__ import annotations

from fhir_mappings.primitives import subject_reference


def patient_of(resource: dict) -> str | None:
    if resource.get("resourceType") == "Patient":
        rid = resource.get("id")
        return rid if isinstance(rid, str) else None
    ref = subject_reference(resource)
    if ref and ref.startswith("Patient/"):
        return ref[len("Patient/"):]
    return None
