"""Helpers for the HTTP-edge tests: constants, a stub registry, JWT minting, FHIR JSON builders.

The stub services record the `HookCall` they get, so tests can assert exactly what the prefetch
stage gathered without depending on fhir_mappings / scoring / safety / cards.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt

from fhir_access.registry import HookCall, PrefetchKey, Registry

BASE = "https://cds.example.org"
FHIR = "https://fhir.example.org/r4"
ISS_FILE = "https://ehr.example.org"  # issuer whose JWKS is a file
ISS_URL = "https://idp.example.org"  # issuer whose JWKS is served over https (responses)
JWKS_URL = "https://idp.example.org/.well-known/jwks.json"
EC_KID = "ec-key-1"
RSA_KID = "rsa-key-1"
PATIENT_ID = "pt-42"
OBS_TEMPLATE = "Observation?patient={{context.patientId}}&code=http://loinc.org|718-7"


class Recorder:
    """Handlers append the HookCall they receive."""

    def __init__(self) -> None:
        self.calls: list[HookCall] = []

    @property
    def last(self) -> HookCall:
        return self.calls[-1]


def stub_card(call: HookCall) -> dict[str, Any]:
    # None / "" / [] members must be dropped by the edge before the response leaves
    return {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, call.hook_instance)), "summary": "stub card",
            "indicator": "info", "detail": "", "source": {"label": "stub", "url": None}, "links": []}


def build_registry(recorder: Recorder) -> Registry:
    registry = Registry()

    def record(call: HookCall) -> list[dict[str, Any]]:
        recorder.calls.append(call)
        return [stub_card(call)]

    registry.service(
        id="test-view", hooks="patient-view", title="Test view", description="Stub patient-view service.",
        usage_requirements="Nothing.",
        prefetch={"patient": PrefetchKey("Patient/{{context.patientId}}", label="patient"),
                  "observations": PrefetchKey(OBS_TEMPLATE, label="haemoglobin results"),
                  "notes": PrefetchKey("DocumentReference?patient={{context.patientId}}", required=False)},
    )(record)
    registry.service(
        id="test-order", hooks=("order-select", "order-sign"), title="Test order",
        description="Stub order service.", prefetch={"patient": PrefetchKey("Patient/{{context.patientId}}")},
        relevant=lambda hook, ctx: not ctx.get("skipMe"),
    )(record)

    def boom(call: HookCall) -> list[dict[str, Any]]:
        raise RuntimeError(f"secret detail Patient/{call.patient_id}")

    registry.service(id="test-boom", hooks="patient-view", title="Boom", description="Always fails.")(boom)
    return registry


def meds_registry(recorder: Recorder) -> Registry:
    """One patient-view service `meds` reading the Patient and the MedicationRequests (no card)."""
    registry = Registry()
    registry.service(id="meds", hooks="patient-view", title="Meds", description="Meds.",
                     prefetch={"patient": PrefetchKey("Patient/{{context.patientId}}"),
                               "meds": PrefetchKey("MedicationRequest?patient={{context.patientId}}")},
                     )(lambda call: recorder.calls.append(call) or [])
    return registry


def public_jwk(private_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algo = jwt.algorithms.ECAlgorithm if alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
    jwk = json.loads(algo.to_jwk(private_key.public_key()))
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk


def mint(private_key: Any, *, aud: str, kid: str = EC_KID, alg: str = "ES384", iss: str = ISS_FILE,
         headers: dict[str, Any] | None = None, drop: tuple[str, ...] = (), **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": iss, "aud": aud, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4()), **claims}
    for name in drop:
        payload.pop(name, None)
    header = {"kid": kid, "typ": "JWT", **(headers or {})}
    header = {k: v for k, v in header.items() if v is not None}
    return jwt.encode(payload, private_key, algorithm=alg, headers=header)


def hook_body(hook: str = "patient-view", *, prefetch: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/dr-1", "patientId": PATIENT_ID}
    if hook in ("order-select", "order-sign"):
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "MedicationRequest", "id": "mr-1", "status": "draft"}}]}
    if hook == "order-select":
        context["selections"] = ["MedicationRequest/mr-1"]
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context}
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body


def patient(pid: str = PATIENT_ID) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": "1970-01-01"}


def obs(oid: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
            "subject": {"reference": f"Patient/{PATIENT_ID}"}}


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    if not resources:
        del b["entry"]
        b["total"] = 0
    if next_url:
        b["link"] = [{"relation": "self", "url": f"{FHIR}/Observation?page=1"}, {"relation": "next", "url": next_url}]
    return b


def outcome(text: str = "prefetch failed") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception",
                                                          "diagnostics": text}]}


def sjogren_condition() -> dict[str, Any]:
    from fhir_mappings.code_tables import conditions

    row = next(r for r in conditions.ROWS if "sjogren" in r.concepts and r.match == "exact")
    return {"resourceType": "Condition", "id": "c-sjs", "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "code": {"coding": [{"system": row.system, "code": row.code}]}, "recordedDate": "2020-01-01"}


def domain_rating(domain: str, level: int) -> dict[str, Any]:
    from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM

    return {"resourceType": "Observation", "id": f"rating-{domain}", "status": "final",
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "effectiveDateTime": "2025-05-20",
            "code": {"coding": [{"system": DEFAULT_SYSTEM, "code": domain}]}, "valueInteger": level}
