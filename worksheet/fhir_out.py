"""What a save writes: one transaction Bundle of Observations in the project CodeSystem, each validated
with fhir.resources (R4B) before anything is sent.

- one Observation per entered finding, whole-domain rating and ESSPRI item (value[x] per the code's
  value type: integer -> valueInteger, decimal -> valueQuantity in its UCUM unit (valueInteger when
  the code has no unit and the value is whole), boolean -> valueBoolean, string -> valueString);
- the ESSDAI total with one component per domain (`cards.fhir_actions.essdai_observation`, the
  shape the card's "record" suggestion uses), only when every domain is determined.

The POST goes through the service's FHIR client session (allowlist, no redirects, timeouts).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any

import orjson
import requests
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from cards.context import CardContext
from cards.fhir_actions import essdai_observation
from fhir_access.client import FHIR_JSON_TYPES, FhirAuthError, FhirClient, error_for_status
from worksheet.controls import Entry
from fhir_mappings.code_tables.essdai_codesystem import CODES, DOMAINS

log = logging.getLogger("essdai_cds.worksheet")

UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"  # FHIR R4 core [V]
RESPONSE_MAX_BYTES = 2_000_000


class InvalidResource(ValueError):
    """A resource we built does not validate: a bug; nothing is sent."""


class SaveFailed(Exception):
    """The FHIR server did not accept the transaction; `reason` is shown to the clinician."""

    def __init__(self, reason: str, *, maybe_written: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_written = maybe_written


def effective(as_of: date, now: datetime | None = None) -> str:
    """Now (with its offset) when the assessment date is today, else the assessment date itself."""
    now = now or datetime.now(timezone.utc)
    return now.isoformat(timespec="seconds") if now.date() == as_of else as_of.isoformat()


def _value(entry: Entry) -> dict[str, Any]:
    d = CODES[entry.code]
    v = entry.value
    if d.value_type == "boolean":
        return {"valueBoolean": bool(v)}
    if d.value_type == "string":
        return {"valueString": str(v)}
    if d.value_type == "integer":
        return {"valueInteger": int(v)}
    if d.unit is None and float(v).is_integer():
        return {"valueInteger": int(v)}
    quantity: dict[str, Any] = {"value": v}
    if d.unit:
        quantity.update(unit=d.unit, system=UCUM, code=d.unit)
    return {"valueQuantity": quantity}


def finding_observation(entry: Entry, *, patient_id: str, codesystem: str, when: str, issued: str) -> dict[str, Any]:
    d = CODES[entry.code]
    category = "survey" if d.group == "esspri" else "exam"
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": codesystem, "code": d.code, "display": d.display}], "text": d.display},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
        "issued": issued,
        **_value(entry),
    }


def total_observation(result: dict[str, Any], *, patient_id: str, codesystem: str,
                      as_of: date) -> dict[str, Any] | None:
    """The ESSDAI total of a determined assessment (`Assessment.to_json()`), else None; derivedFrom = the
    chart Observations its domains rest on."""
    essdai = result["essdai"]
    domains = essdai["domains"]
    if essdai["score"] != essdai["max"] or any(domains[d]["level"] is None for d in DOMAINS):
        return None
    ctx = CardContext(hook_instance="worksheet", patient_id=patient_id, service_id="worksheet", as_of=as_of,
                      codesystem=codesystem)
    evidence = [e["reference"] for d in DOMAINS for e in domains[d]["evidence"]]
    resource = essdai_observation(essdai["score"], {d: domains[d]["level"] for d in DOMAINS},
                                  evidence, ctx=ctx)
    if resource is None:
        raise InvalidResource("the ESSDAI total Observation does not validate")
    return resource


def validate(resource: dict[str, Any]) -> None:
    try:
        Observation.model_validate(resource)
    except Exception as exc:  # pydantic ValidationError and fhir.resources' own errors alike
        raise InvalidResource(f"Observation {resource.get('code', {}).get('text', '?')}: "
                              f"{str(exc).splitlines()[0]}") from None


def transaction(entries: Sequence[Entry], result: dict[str, Any], *, patient_id: str, codesystem: str,
                as_of: date, now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """(transaction Bundle, whether it records the ESSDAI total); every resource validated first."""
    now = now or datetime.now(timezone.utc)
    when, issued = effective(as_of, now), now.isoformat(timespec="seconds")
    full = [f"urn:uuid:{uuid.uuid4()}" for _ in entries]
    resources = [finding_observation(e, patient_id=patient_id, codesystem=codesystem, when=when, issued=issued)
                 for e in entries]
    total = total_observation(result, patient_id=patient_id, codesystem=codesystem, as_of=as_of)
    if total is not None:  # it also rests on the findings saved with it (urn:uuid, resolved by the server)
        derived = [r["reference"] for r in total.get("derivedFrom", [])] + full
        total["derivedFrom"] = [{"reference": r} for r in derived]
        total["issued"] = issued
        full.append(f"urn:uuid:{uuid.uuid4()}")
        resources.append(total)
    for resource in resources:
        validate(resource)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"fullUrl": url, "resource": r, "request": {"method": "POST", "url": "Observation"}}
                  for url, r in zip(full, resources, strict=True)],
    }
    try:
        Bundle.model_validate(bundle)
    except Exception as exc:  # noqa: BLE001 - same as above
        raise InvalidResource(f"transaction Bundle: {str(exc).splitlines()[0]}") from None
    return bundle, total is not None


def _diagnostics(body: Any) -> str:
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        for issue in body.get("issue") or ():
            text = issue.get("diagnostics") if isinstance(issue, dict) else None
            if isinstance(text, str) and text.strip():
                return text.strip().splitlines()[0][:200]
    return ""


def post_transaction(client: FhirClient, base: str, token: str | None, bundle: dict[str, Any],
                     timeout: float) -> int:
    """POST the Bundle to `base`; the number of resources created, else SaveFailed saying why."""
    if not client.allowed_base(base):
        raise SaveFailed("this FHIR server is not allowed (FHIR_ALLOWLIST)")
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        resp = client.session.post(base.rstrip("/") + "/", data=json.dumps(bundle), headers=headers,
                                   timeout=(client.settings.connect_timeout, timeout), allow_redirects=False)
    except requests.ConnectTimeout:
        raise SaveFailed("the FHIR server could not be reached (connection timed out)") from None
    except requests.Timeout:
        raise SaveFailed("the FHIR server did not answer in time; the chart may or may not have been "
                         "updated — check it before saving again", maybe_written=True) from None
    except requests.RequestException:
        raise SaveFailed("the FHIR server could not be reached") from None
    with resp:
        body: Any = None
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype in FHIR_JSON_TYPES and len(resp.content) <= RESPONSE_MAX_BYTES:
            try:
                body = orjson.loads(resp.content)  # depth-capped, unlike resp.json()
            except ValueError:
                body = None
        error = error_for_status(resp.status_code)
        if error is not None:
            why = _diagnostics(body)
            if error is FhirAuthError:
                raise SaveFailed(f"the FHIR server refused the authorisation ({resp.status_code}): it may have "
                                 "expired or may not allow writing Observations")
            raise SaveFailed(f"the FHIR server answered {resp.status_code}" + (f": {why}" if why else ""))
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise SaveFailed("the FHIR server's answer was not a transaction-response Bundle; the chart may or may "
                         "not have been updated — check it before saving again", maybe_written=True)
    statuses = [str((e.get("response") or {}).get("status", "")) for e in body.get("entry") or ()
                if isinstance(e, dict)]
    created = sum(1 for s in statuses if s[:1] == "2")
    if created != len(bundle["entry"]):
        raise SaveFailed(f"the FHIR server confirmed {created} of {len(bundle['entry'])} resources",
                         maybe_written=True)
    return created
