"""patient-view never goes quiet on a stored order whose drug cannot be identified (issue 11 "never silent").

A current MedicationRequest naming its drug by a Medication that is on another host (never fetched, never
read as ours even when our server has the same id) leaves the JAK-inhibitor checks undecided: it may be a
JAK inhibitor (then monitoring applies, not the "before starting" list) or a co-medication. The JAK card
shown says so in one "Not checked" line; when no JAK card is shown, one warning card does. An order that
is not current (stopped, expired) is no gap: nothing is said.

Expected responses are computed through the same pipeline (extract -> assess/readiness/monitoring -> cards).
"""

from __future__ import annotations

import uuid
from typing import Any

from datetime import date

import pytest
import responses
from service_helpers import PATIENT_ID, bundle, domain_rating, patient, sjogren_condition

AS_OF = date(2025, 6, 1)
FHIR = "https://fhir.example.org/r4"
OTHER = "https://fhir.other-hospital.example/r4"
VIEW_KEYS = ("conditions", "observations", "essdaiFindings", "medicationRequests", "medicationStatements", "allergies",
             "immunizations")
CORE = ("could not be identified: its medication was not found in the record, not read from the FHIR server "
        "(another server is never asked), or not in a readable form")
READINESS_LINE = (f"The drug of 1 current medication (an order of 10 Jan 2025) {CORE}. This list does not take "
                  "it into account: if it is a JAK inhibitor, the on-treatment monitoring applies instead; if it is a "
                  "co-medication, its contraindications and interactions were not checked.")


@pytest.fixture
def real_client(make_app):
    from cds_service.services import REGISTRY

    return make_app(REGISTRY=REGISTRY).test_client()


def _baricitinib() -> dict[str, Any]:
    """Medication/med-7 of our server: baricitinib (the id the other host uses too)."""
    from fhir_mappings.code_tables import medications

    code = next(c for c in medications.CODES if c.ingredient == "baricitinib" and c.mark == "V" and not c.prefix)
    return {"resourceType": "Medication", "id": "med-7",
            "code": {"coding": [{"system": code.system, "code": code.code}]}}


def _stored_order(reference: str, oid: str = "mr-stored", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": oid, "status": "active", "intent": "order",
            "subject": {"reference": f"Patient/{PATIENT_ID}"}, "authoredOn": "2025-01-10",
            "medicationReference": {"reference": reference},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "mg"}}]}], **fields}


def _view(real_client, by_key: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, Any], Any]:
    prefetch: dict[str, Any] = {"patient": patient(), **{k: bundle(*by_key.get(k, [])) for k in VIEW_KEYS}}
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "prefetch": prefetch, "fhirServer": FHIR,
            "context": {"userId": "Practitioner/dr-1", "patientId": PATIENT_ID}}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = real_client.post("/cds-services/essdai-activity", json=body)
        assert len(rsps.calls) == 0  # everything was prefetched; a Medication on another host is never read
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return body, resp.get_json()


def _expected(body: dict[str, Any], by_key: dict[str, list[dict[str, Any]]]) -> tuple[Any, list[dict], Any]:
    """(facts, the ESSDAI cards, card context) computed directly, as the service does."""
    import cards
    import fhir_mappings
    import scoring

    resources = [patient(), *(r for rs in by_key.values() for r in rs)]
    facts = fhir_mappings.extract(resources, as_of=AS_OF, patient_id=PATIENT_ID, fhir_base=FHIR)
    ctx = cards.CardContext(hook_instance=body["hookInstance"], patient_id=PATIENT_ID, service_id="essdai-activity",
                            as_of=AS_OF)
    return facts, list(cards.essdai_cards(scoring.assess(facts).to_json(), ctx=ctx)), ctx


ELIGIBLE = {"conditions": [sjogren_condition()], "essdaiFindings": [domain_rating("articular", 2), domain_rating("glandular", 2)]}


def test_an_unidentified_current_order_is_said_on_the_readiness_card(real_client):
    """The order names Medication/med-7 of another host; our med-7 (baricitinib, in the prefetch) is not it."""
    import cards
    import safety
    import scoring

    by_key = {**ELIGIBLE, "medicationRequests": [_stored_order(f"{OTHER}/Medication/med-7"), _baricitinib()]}
    body, got = _view(real_client, by_key)
    facts, expected, ctx = _expected(body, by_key)
    assert scoring.assess(facts).to_json()["eligibility"]["met"] is True and facts.medications == ()
    readiness = cards.readiness_card(safety.readiness(facts, "FDA"), ctx=ctx, not_checked=[READINESS_LINE])
    assert got == {"cards": [*expected, readiness]}
    assert readiness["summary"].startswith("Before starting a JAK inhibitor")
    assert f"**Not checked:**\n\n- {READINESS_LINE}" in readiness["detail"]
    assert READINESS_LINE not in (cards.readiness_card(safety.readiness(facts, "FDA"), ctx=ctx) or {})["detail"]


def test_the_same_id_on_our_server_is_the_drug_the_patient_is_on(real_client):
    """Our base + med-7: baricitinib is identified, so the patient gets the monitoring card and no line."""
    import cards
    import safety

    by_key = {**ELIGIBLE, "medicationRequests": [_stored_order(f"{FHIR}/Medication/med-7"), _baricitinib()]}
    body, got = _view(real_client, by_key)
    facts, expected, ctx = _expected(body, by_key)
    assert [m.ingredient for m in facts.medications_of("jak-inhibitor")] == ["baricitinib"]
    monitoring = cards.monitoring_card(safety.monitoring(facts, "FDA"), ctx=ctx)
    assert monitoring is not None and monitoring["summary"].startswith("On baricitinib")
    assert got == {"cards": [*expected, monitoring]}
    assert "Not checked" not in str(got) and "drug not identified" not in str(got)


def test_an_unidentified_second_order_is_said_on_the_monitoring_card(real_client):
    """On baricitinib (identified on our server) and a second current order naming another host's Medication."""
    import cards
    import safety

    by_key = {**ELIGIBLE, "medicationRequests": [_stored_order(f"{FHIR}/Medication/med-7"), _baricitinib(),
                                                 _stored_order(f"{OTHER}/Medication/med-8", oid="mr-other")]}
    body, got = _view(real_client, by_key)
    facts, expected, ctx = _expected(body, by_key)
    line = (f"The drug of 1 current medication (an order of 10 Jan 2025) {CORE}. These checks do not take it "
            "into account: if it is another JAK inhibitor, its monitoring is not listed here.")
    monitoring = cards.monitoring_card(safety.monitoring(facts, "FDA"), ctx=ctx, not_checked=[line])
    assert monitoring["summary"].startswith("On baricitinib")
    assert got == {"cards": [*expected, monitoring]}
    assert f"**Not checked:**\n\n- {line}" in monitoring["detail"]


def test_without_a_jak_card_one_warning_card_says_the_drug_is_unknown(real_client):
    """Not eligible and on no known JAK inhibitor: no JAK card to carry the line, so a warning card does
    (the unknown drug may be a JAK inhibitor whose monitoring is due)."""
    import cards
    import scoring

    by_key = {"conditions": [sjogren_condition()], "medicationRequests": [_stored_order(f"{OTHER}/Medication/med-7")]}
    body, got = _view(real_client, by_key)
    facts, expected, ctx = _expected(body, by_key)
    assert scoring.assess(facts).to_json()["eligibility"]["met"] is not True
    warning = cards.unavailable_card(
        "JAK-inhibitor checks (drug not identified)", ctx=ctx,
        reason=f"the drug of 1 current medication (an order of 10 Jan 2025) {CORE}, so it was not checked")
    assert got == {"cards": [*expected, warning]}
    assert (warning["indicator"], warning["summary"]) == (
        "warning", "Could not complete JAK-inhibitor checks (drug not identified).")


@pytest.mark.parametrize("fields", [
    pytest.param({"status": "stopped"}, id="stopped"),
    pytest.param({"intent": "proposal"}, id="proposal"),
    pytest.param({"dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                                              "boundsPeriod": {"end": "2025-01-10"}}}}]},
                 id="ended"),
])
def test_an_unidentified_order_that_is_not_current_leaves_no_gap(real_client, fields):
    import cards
    import safety

    by_key = {**ELIGIBLE, "medicationRequests": [_stored_order(f"{OTHER}/Medication/med-7", **fields)]}
    body, got = _view(real_client, by_key)
    facts, expected, ctx = _expected(body, by_key)
    readiness = cards.readiness_card(safety.readiness(facts, "FDA"), ctx=ctx)
    assert got == {"cards": [*expected, readiness]}
    assert "Not checked" not in readiness["detail"]

