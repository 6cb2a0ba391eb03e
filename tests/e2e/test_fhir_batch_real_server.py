"""The FHIR batch against the real test server (sekmet-fhir): the patient-view reads of every cohort chart,
gathered over one batch and key by key, give the same resources, states and gaps, in fewer calls.

The service and the worksheet read through this code path whenever a key is not prefetched (the e2e
suite's "none" mode and every worksheet page); this test pins that the batch changes how, not what.
"""

from __future__ import annotations

from typing import Any

import pytest

from configuration import defaults
from fhir_access.client import Deadline, FhirClient, FhirSettings
from fhir_access.gather import FhirAccess, Gathered, gather
from fhir_access.patient_queries import PATIENT_VIEW_PREFETCH
from fhir_access.registry import ServiceSpec
from essdai_devtools.synth import select_cases

pytestmark = pytest.mark.integration

SPEC = ServiceSpec(id="batch-check", hook="patient-view", title="batch check", description="",
                   usage_requirements=None, prefetch=dict(PATIENT_VIEW_PREFETCH), handler=lambda call: [])
SEARCHES = len(PATIENT_VIEW_PREFETCH) - 1  # all but the Patient read
# the designed cohort (tests/e2e/conftest.py loads it), less its 10,000-Observation records (sekmet takes ~20 s
# a page for their code-filtered search, twice here)
CHART_PATIENTS = [c.pid for c in select_cases(None, 10_000) if not c.large]


def _gather(fhir_server: Any, pid: str, *, batch: bool) -> Gathered:
    client = FhirClient(FhirSettings(allowlist=(fhir_server.base_url,), allow_insecure=True, batch=batch,
                                     connect_timeout=5.0, read_timeout=20.0))
    try:
        return gather(SPEC, context={"patientId": pid}, prefetch={},
                      access=FhirAccess(fhir_server.base_url, fhir_server.token), config=defaults(),
                      client=client, deadline=Deadline(60.0))
    finally:
        client.close()


def _read(gathered: Gathered) -> dict[str, Any]:
    keys = {key: (r.state, sorted(x["id"] for x in r.resources), r.partial, r.reason)
            for key, r in gathered.results.items()}
    return {"keys": keys, "medications": sorted(m["id"] for m in gathered.medications)}


@pytest.mark.parametrize("pid", CHART_PATIENTS)
def test_a_batch_reads_the_same_chart_as_key_by_key(fhir_server, cohort, pid):
    batched, by_key = _gather(fhir_server, pid, batch=True), _gather(fhir_server, pid, batch=False)
    assert _read(batched) == _read(by_key)
    assert all(r.state != "unavailable" for r in batched.results.values())
    wanted = _wanted_medications(by_key)
    # seven searches in one call; the Patient read and every next page as before; the Medications in one batch
    assert batched.fhir_calls == by_key.fhir_calls - (SEARCHES - 1) - max(0, wanted - 1)


def _wanted_medications(gathered: Gathered) -> int:
    """Medications referenced (`Medication/<id>`) and not among the resources: one read each, key by key."""
    resources = [r for res in gathered.results.values() for r in res.resources]
    present = {r.get("id") for r in resources if r.get("resourceType") == "Medication"}
    refs = {(r.get("medicationReference") or {}).get("reference") for r in resources}
    return len({ref for ref in refs if isinstance(ref, str) and ref.startswith("Medication/")
                and ref.removeprefix("Medication/") not in present})
