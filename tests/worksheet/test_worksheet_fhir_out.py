"""What a save writes (exact resources) and how the transaction POST fails, said in words."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest
import requests
import responses

import scoring
from fhir_access.client import FhirClient, FhirSettings
from worksheet.controls import Entry, with_entries
from worksheet.fhir_out import (InvalidResource, SaveFailed, effective, finding_observation,
                                            post_transaction, transaction, validate)
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM, DOMAINS
from fhir_mappings.facts import Finding, PatientFacts

TODAY = date(2026, 5, 4)
NOW = datetime(2026, 5, 4, 9, 30, 5, tzinfo=timezone.utc)
FHIR = "https://fhir.example.org/r4"
CAT = "http://terminology.hl7.org/CodeSystem/observation-category"


def _obs(code: str, display: str, category: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "category": [{"coding": [{"system": CAT, "code": category}]}],
        "code": {"coding": [{"system": DEFAULT_SYSTEM, "code": code, "display": display}], "text": display},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-05-04T09:30:05+00:00", "issued": "2026-05-04T09:30:05+00:00",
        **value,
    }


@pytest.mark.parametrize(("entry", "expected"), [
    (Entry("synovitis-count", 3), _obs("synovitis-count", "Synovitis count (28-joint count)", "exam",
                                       {"valueInteger": 3})),
    (Entry("parotid-size-cm", 2.5, "cm"), _obs("parotid-size-cm", "Parotid enlargement", "exam",
                                               {"valueQuantity": {"value": 2.5, "unit": "cm",
                                                                  "system": "http://unitsofmeasure.org",
                                                                  "code": "cm"}})),
    (Entry("splenomegaly", False), _obs("splenomegaly", "Splenomegaly (clinical or imaging)", "exam",
                                        {"valueBoolean": False})),
    (Entry("cns-feature", "seizures"), _obs("cns-feature", "Central nervous system involvement", "exam",
                                            {"valueString": "seizures"})),
    (Entry("glandular", 1), _obs("glandular", "ESSDAI glandular domain activity level (clinician rating)", "exam",
                                 {"valueInteger": 1})),
    (Entry("esspri-fatigue", 6.0), _obs("esspri-fatigue", "ESSPRI fatigue (0-10)", "survey", {"valueInteger": 6})),
    (Entry("esspri-pain", 6.5), _obs("esspri-pain", "ESSPRI limb pain (0-10)", "survey",
                                     {"valueQuantity": {"value": 6.5}})),
])
def test_one_observation_per_entry_with_the_value_type_of_its_code(entry: Entry, expected: dict[str, Any]) -> None:
    iso = NOW.isoformat(timespec="seconds")
    resource = finding_observation(entry, patient_id="p1", codesystem=DEFAULT_SYSTEM, when=iso, issued=iso)
    assert resource == expected
    validate(resource)


def test_effective_is_now_on_the_assessment_day_else_that_day() -> None:
    assert effective(TODAY, NOW) == "2026-05-04T09:30:05+00:00"
    assert effective(date(2026, 5, 1), NOW) == "2026-05-01"


def _rated(levels: dict[str, int]) -> PatientFacts:
    return PatientFacts("p1", TODAY, findings=tuple(
        Finding(d, lvl, date(2026, 4, 20), f"Observation/r-{d}") for d, lvl in levels.items()))


def test_determined_assessment_adds_the_total_with_12_components_derived_from_evidence_and_entries() -> None:
    facts = _rated({d: 0 for d in DOMAINS if d != "glandular"})
    entries = [Entry("parotid-size-cm", 2.0, "cm"), Entry("submandibular-lacrimal-swelling", "none")]
    result = scoring.assess(with_entries(facts, entries)).to_json()
    bundle, with_total = transaction(entries, result, patient_id="p1", codesystem=DEFAULT_SYSTEM, as_of=TODAY,
                                     now=NOW)
    assert with_total is True
    assert [e["request"] for e in bundle["entry"]] == [{"method": "POST", "url": "Observation"}] * 3
    total = bundle["entry"][2]["resource"]
    assert total["code"]["coding"][0]["code"] == "essdai-total"
    assert total["valueInteger"] == 2  # glandular 1 x weight 2
    assert total["effectiveDateTime"] == "2026-05-04"
    assert [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in total["component"]] == [
        (d, 1 if d == "glandular" else 0) for d in DOMAINS]
    new_findings = [e["fullUrl"] for e in bundle["entry"][:2]]
    assert [r["reference"] for r in total["derivedFrom"]] == [
        *(f"Observation/r-{d}" for d in DOMAINS if d != "glandular"), *new_findings]


def test_undetermined_assessment_writes_only_the_entries() -> None:
    facts = _rated({d: 0 for d in DOMAINS if d not in ("glandular", "biological")})
    entries = [Entry("parotid-size-cm", 2.0, "cm")]
    result = scoring.assess(with_entries(facts, entries)).to_json()
    bundle, with_total = transaction(entries, result, patient_id="p1", codesystem=DEFAULT_SYSTEM, as_of=TODAY)
    assert with_total is False
    assert [e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]] == ["parotid-size-cm"]


def test_a_resource_that_does_not_validate_is_never_sent() -> None:
    broken = _obs("synovitis-count", "x", "exam", {"valueInteger": "three"})
    with pytest.raises(InvalidResource):
        validate(broken)


# --- POST failures ------------------------------------------------------------------------------------
def _client() -> FhirClient:
    return FhirClient(FhirSettings(allowlist=(FHIR,)))


def _bundle() -> dict[str, Any]:
    entries = [Entry("synovitis-count", 3)]
    facts = _rated({})
    result = scoring.assess(with_entries(facts, entries)).to_json()
    return transaction(entries, result, patient_id="p1", codesystem=DEFAULT_SYSTEM, as_of=TODAY)[0]


OUTCOME = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid",
                                                          "diagnostics": "Observation.subject: unknown patient\nmore"}]}


@pytest.mark.parametrize(("status", "body", "reason", "maybe"), [
    (401, None, "the FHIR server refused the authorisation (401): it may have expired or may not allow "
                "writing Observations", False),
    (403, OUTCOME, "the FHIR server refused the authorisation (403): it may have expired or may not allow "
                   "writing Observations", False),
    (422, OUTCOME, "the FHIR server answered 422: Observation.subject: unknown patient", False),
    (500, None, "the FHIR server answered 500", False),
    (200, {"resourceType": "OperationOutcome"}, "the FHIR server's answer was not a transaction-response Bundle; "
     "the chart may or may not have been updated — check it before saving again", True),
    (200, {"resourceType": "Bundle", "type": "transaction-response", "entry": [{"response": {"status": "400"}}]},
     "the FHIR server confirmed 0 of 1 resources", True),
])
@responses.activate
def test_refused_transaction_says_why(status: int, body: Any, reason: str, maybe: bool) -> None:
    responses.add(responses.POST, f"{FHIR}/", json=body, status=status, content_type="application/fhir+json")
    with pytest.raises(SaveFailed) as err:
        post_transaction(_client(), FHIR, "tok", _bundle(), timeout=2)
    assert (err.value.reason, err.value.maybe_written) == (reason, maybe)
    assert responses.calls[0].request.headers["Authorization"] == "Bearer tok"


@responses.activate
def test_timeout_may_have_written() -> None:
    responses.add(responses.POST, f"{FHIR}/", body=requests.ReadTimeout())
    with pytest.raises(SaveFailed) as err:
        post_transaction(_client(), FHIR, None, _bundle(), timeout=2)
    assert err.value.maybe_written is True
    assert err.value.reason.startswith("the FHIR server did not answer in time")


@responses.activate
def test_accepted_transaction_counts_the_created_resources() -> None:
    responses.add(responses.POST, f"{FHIR}/", status=200, content_type="application/fhir+json",
                  json={"resourceType": "Bundle", "type": "transaction-response",
                        "entry": [{"response": {"status": "201 Created", "location": "Observation/1/_history/1"}}]})
    assert post_transaction(_client(), FHIR, None, _bundle(), timeout=2) == 1
    assert "Authorization" not in responses.calls[0].request.headers


def test_server_outside_the_allowlist_is_never_called() -> None:
    with pytest.raises(SaveFailed, match="not allowed"):
        post_transaction(_client(), "https://elsewhere.example.org/fhir", "tok", _bundle(), timeout=2)
