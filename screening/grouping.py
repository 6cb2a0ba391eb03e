"""Which patient a resource belongs to, for grouping an export by patient.

Bulk Data NDJSON holds one resource type a file; a patient's resources are spread over all of them.
A resource belongs to the Patient it points at through its patient compartment link (`subject`,
`patient`, `beneficiary`; FHIR R4 Patient compartment) or, for a Patient, to itself. Medication
resources belong to no patient: they are joined by reference from the orders that use them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# members of the Patient compartment the rules read (R4 compartmentdefinition-patient), in the order tried
PATIENT_LINKS = ("subject", "patient", "beneficiary")
# "Patient/x", "https://fhir.example/r4/Patient/x", "Patient/x/_history/2"; ids per FHIR R4 id datatype
_PATIENT_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")
_URN_REF = re.compile(r"^urn:(?:uuid|oid):[A-Za-z0-9\-.:]{1,128}$")


def _patient_id(reference: Any) -> str | None:
    if not isinstance(reference, Mapping):
        return None
    ref = reference.get("reference")
    if not isinstance(ref, str):
        return None
    match = _PATIENT_REF.search(ref)
    if match:
        return match.group(1)
    if _URN_REF.match(ref) and reference.get("type") == "Patient":
        return ref  # a urn keeps its full form: only a Patient with that fullUrl can claim it
    return None


def patient_of(resource: Mapping[str, Any]) -> str | None:
    """The Patient id `resource` belongs to, or None (Medication, or no Patient link)."""
    rtype = resource.get("resourceType")
    if rtype == "Patient":
        rid = resource.get("id")
        return rid if isinstance(rid, str) and rid else None
    if rtype == "Medication":
        return None
    for link in PATIENT_LINKS:
        pid = _patient_id(resource.get(link))
        if pid is not None:
            return pid
    return None
