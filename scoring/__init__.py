"""Pure ESSDAI / ClinESSDAI / ESSPRI scoring and 2016 ACR/EULAR classification from PatientFacts.

    scoring.applies(facts) -> bool
    scoring.assess(facts) -> Assessment        # Assessment.to_json(): the `essdai-cds score` object

No I/O; imports only the standard library and fhir_mappings' fact types and CodeSystem.
"""

from __future__ import annotations

from fhir_mappings.code_tables.essdai_codesystem import CODES
from fhir_mappings.facts import PatientFacts
from scoring.assessment import Assessment
from scoring.change import change
from scoring.classification import classification
from scoring.course import course, esspri_since_previous
from scoring.domains import CLINESSDAI_WEIGHTS, ESSDAI_WEIGHTS, InvalidLevel, validate_level
from scoring.essdai import deciding, eligibility, score_domains, total, undetermined
from scoring.esspri import esspri


def applies(facts: PatientFacts) -> bool:
    """An active Sjögren's Condition, or any finding coded in the project CodeSystem."""
    return bool(facts.conditions_of("sjogren")) or any(f.code in CODES for f in facts.findings)


def assess(facts: PatientFacts) -> Assessment:
    warnings = [f"skipped {s.reference}: {s.reason}" for s in facts.skipped]
    domains = score_domains(facts)
    for result in domains.values():
        warnings += result.warnings
    essdai_total = total(domains, ESSDAI_WEIGHTS)
    patient_reported, esspri_warnings = esspri(facts)
    delta, change_warnings = change(facts, essdai_total.score, essdai_total.max)
    classified, classification_warnings = classification(facts, {d: (r.lo, r.hi) for d, r in domains.items()})
    clinessdai_total = total(domains, CLINESSDAI_WEIGHTS)
    history, course_warnings = course(facts, essdai_total, clinessdai_total, patient_reported)
    warnings += esspri_warnings + change_warnings + classification_warnings + course_warnings
    warnings = list(dict.fromkeys(warnings))  # change and course report the same unusable total once
    return Assessment(
        patient_id=facts.patient_id,
        as_of=facts.as_of,
        domains=domains,
        essdai=essdai_total,
        clinessdai=clinessdai_total,
        undetermined=undetermined(domains),
        deciding=deciding(domains, ESSDAI_WEIGHTS),
        eligibility_met=eligibility(essdai_total.score, essdai_total.max),
        classification=classified,
        esspri=patient_reported,
        change=delta,
        course=history,
        esspri_change=esspri_since_previous(history),
        warnings=tuple(warnings),
    )


__all__ = ["Assessment", "InvalidLevel", "applies", "assess", "validate_level"]
