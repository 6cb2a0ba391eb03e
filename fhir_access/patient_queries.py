"""What one patient's assessment reads from a FHIR server: the prefetch templates (CDS Hooks 2.0 tokens)
the `essdai-activity` service declares and the worksheet gathers with, so both score the same facts.

Code lists come from `fhir_mappings.code_tables`; nothing clinical is decided here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from configuration import codesystem_url
from fhir_access.registry import PrefetchKey

LOINC = "http://loinc.org"
OBSERVATION_PAGE_SIZE = 100  # per page; FHIR_PAGE_CAP pages at most
# The project's own findings, one page for years of visits: 21 quarterly visits (5 years) are ~115 findings,
# which at 100 a page cost a second, sequential round trip (the worksheet's first render waits on it). 500 stay
# far below FHIR_MAX_BYTES even if every one were an ESSDAI total with its 12 components (~3.3 KB each).
FINDINGS_PAGE_SIZE = 500
PAGE_SIZE = 100

# prefetch keys each check needs; if one is unavailable the check says it could not be completed
SCORING_KEYS = ("conditions", "observations", "essdaiFindings")
MEDICATION_KEYS = ("medicationRequests", "medicationStatements")
SAFETY_KEYS = ("conditions", "observations", "medicationRequests", "medicationStatements")
# read by the JAK-inhibitor safety rules only (R01, R14, R15); scoring (the worksheet) never needs them
SAFETY_ONLY_KEYS = ("allergies", "immunizations")


@functools.lru_cache(maxsize=1)
def observation_codes() -> tuple[str, ...]:
    """`system|code` tokens of every analyte of `fhir_mappings.code_tables.loinc`, sorted."""
    from fhir_mappings.code_tables import loinc

    return tuple(sorted({f"{LOINC}|{code}" for code in loinc.codes_for(*loinc.ANALYTES)}))


def observations_template(config: Mapping[str, Any]) -> str:
    codes = observation_codes()
    code_param = f"&code={','.join(codes)}" if codes else ""
    return f"Observation?patient={{{{context.patientId}}}}{code_param}&_sort=-date&_count={OBSERVATION_PAGE_SIZE}"


def findings_template(config: Mapping[str, Any]) -> str:
    # `system|` matches any code of the project CodeSystem (FHIR token search)
    return (f"Observation?patient={{{{context.patientId}}}}&code={codesystem_url(config)}|"
            f"&_sort=-date&_count={FINDINGS_PAGE_SIZE}")


PATIENT = PrefetchKey("Patient/{{context.patientId}}", required=True, label="patient record")
CONDITIONS = PrefetchKey(f"Condition?patient={{{{context.patientId}}}}&_count={PAGE_SIZE}", required=True,
                         label="conditions")
OBSERVATIONS = PrefetchKey(observations_template, required=True, label="laboratory results and vital signs")
FINDINGS = PrefetchKey(findings_template, required=True, label="clinician-entered ESSDAI findings")
MED_REQUESTS = PrefetchKey(f"MedicationRequest?patient={{{{context.patientId}}}}&_count={PAGE_SIZE}",
                           required=True, label="medication orders")
MED_STATEMENTS = PrefetchKey(f"MedicationStatement?patient={{{{context.patientId}}}}&_count={PAGE_SIZE}",
                             required=True, label="medication statements")
# optional (jak-safety-rules §4 prefetch): without them R01 / R14 (vaccine part) / R15 say nothing,
# the rest of the call goes on
ALLERGIES = PrefetchKey(f"AllergyIntolerance?patient={{{{context.patientId}}}}&_count={PAGE_SIZE}",
                        required=False, label="allergies")
IMMUNIZATIONS = PrefetchKey(f"Immunization?patient={{{{context.patientId}}}}&_count={PAGE_SIZE}",
                            required=False, label="immunizations")

# everything a patient-view assessment reads (ESSDAI card + JAK-inhibitor readiness/monitoring)
PATIENT_VIEW_PREFETCH: dict[str, PrefetchKey] = {
    "patient": PATIENT, "conditions": CONDITIONS, "observations": OBSERVATIONS,
    "essdaiFindings": FINDINGS, "medicationRequests": MED_REQUESTS,
    "medicationStatements": MED_STATEMENTS, "allergies": ALLERGIES, "immunizations": IMMUNIZATIONS,
}
