"""The two real services end to end through the HTTP edge.

Expected responses are computed by calling the same pipeline directly (extract -> assess/check ->
cards), so these tests pin the wiring of the edge, not the clinical content owned by other packages.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import responses
from service_helpers import PATIENT_ID, bundle, domain_rating, patient, sjogren_condition


AS_OF = date(2025, 6, 1)
FHIR = "https://fhir.example.org/r4"
VIEW_KEYS = ("conditions", "observations", "essdaiFindings", "medicationRequests", "medicationStatements", "allergies",
             "immunizations")
ORDER_KEYS = ("conditions", "observations", "medicationRequests", "medicationStatements", "allergies", "immunizations")


@pytest.fixture
def real_client(make_app):
    from cds_service.services import REGISTRY

    return make_app(REGISTRY=REGISTRY).test_client()


def baricitinib_order(oid: str = "mr-bari") -> dict[str, Any]:
    from fhir_mappings.code_tables import medications

    code = next(c for c in medications.CODES if c.ingredient == "baricitinib" and c.mark == "V" and not c.prefix)
    return {"resourceType": "MedicationRequest", "id": oid, "status": "draft", "intent": "order",
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "medicationCodeableConcept": {"coding": [{"system": code.system, "code": code.code}]},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 4, "unit": "mg",
                                                                     "system": "http://unitsofmeasure.org",
                                                                     "code": "mg"}}]}]}


def other_order(oid: str = "mr-other") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": oid, "status": "draft", "intent": "order",
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "medicationCodeableConcept": {"text": "Artificial tears"}}


def ctx_for(instance: str, service: str) -> Any:
    import cards

    return cards.CardContext(hook_instance=instance, patient_id=PATIENT_ID, service_id=service, as_of=AS_OF)


def facts_of(resources: list[dict[str, Any]]) -> Any:
    import fhir_mappings

    return fhir_mappings.extract(resources, as_of=AS_OF, patient_id=PATIENT_ID)


def view_body(resources_by_key: dict[str, list[dict[str, Any]]], absent: tuple[str, ...] = ()) -> dict[str, Any]:
    prefetch: dict[str, Any] = {"patient": patient()}
    for key in VIEW_KEYS:
        if key not in absent:
            prefetch[key] = bundle(*resources_by_key.get(key, []))
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "prefetch": prefetch,
            "context": {"userId": "Practitioner/dr-1", "patientId": PATIENT_ID}}


def order_body(hook: str, drafts: list[dict[str, Any]], selections: list[str] | None = None,
               absent: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/dr-1", "patientId": PATIENT_ID, "draftOrders": {
        "resourceType": "Bundle", "type": "collection", "entry": [{"resource": d} for d in drafts]}}
    if hook == "order-select":
        context["selections"] = selections or [f"MedicationRequest/{d['id']}" for d in drafts]
    prefetch = {"patient": patient(), **{k: bundle() for k in ORDER_KEYS if k not in absent}}
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, "prefetch": prefetch, **extra}


def test_patient_without_sjogren_gets_no_cards(real_client):
    resp = real_client.post("/cds-services/essdai-activity", json=view_body({}))
    assert (resp.status_code, resp.get_json()) == (200, {"cards": []})


def test_eligible_patient_gets_essdai_and_readiness_cards(real_client):
    import cards
    import safety
    import scoring

    by_key = {"conditions": [sjogren_condition()],
              "essdaiFindings": [domain_rating("articular", 2), domain_rating("glandular", 2)]}
    body = view_body(by_key)
    resp = real_client.post("/cds-services/essdai-activity", json=body)
    facts = facts_of([patient(), *by_key["conditions"], *by_key["essdaiFindings"]])
    result = scoring.assess(facts).to_json()
    ctx = ctx_for(body["hookInstance"], "essdai-activity")
    expected = cards.essdai_cards(result, ctx=ctx)
    if result["eligibility"]["met"] is True:
        readiness = cards.readiness_card(safety.readiness(facts, "FDA"), ctx=ctx)
        expected += [readiness] if readiness else []
    assert resp.status_code == 200
    assert resp.get_json() == {"cards": expected}
    assert len(expected) >= 1


def test_unobtainable_scoring_data_gives_the_could_not_complete_card(real_client):
    import cards

    body = view_body({"conditions": [sjogren_condition()]}, absent=("observations",))
    resp = real_client.post("/cds-services/essdai-activity", json=body)
    expected = cards.unavailable_card("ESSDAI activity (unavailable: laboratory results and vital signs)",
                                      ctx=ctx_for(body["hookInstance"], "essdai-activity"))
    assert (resp.status_code, resp.get_json()) == (200, {"cards": [expected]})


def test_non_jak_order_gets_no_cards_and_no_fhir_calls(real_client):
    body = order_body("order-sign", [other_order()], absent=ORDER_KEYS, fhirServer=FHIR)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert len(rsps.calls) == 0
    assert (resp.status_code, resp.get_json()) == (200, {"cards": []})


def test_order_select_looks_only_at_the_selections(real_client):
    body = order_body("order-select", [baricitinib_order(), other_order()], selections=["MedicationRequest/mr-other"])
    resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
    assert (resp.status_code, resp.get_json()) == (200, {"cards": []})


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_jak_order_gets_the_safety_cards(real_client, hook):
    import cards
    import safety

    draft = baricitinib_order()
    body = order_body(hook, [draft])
    resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
    from cds_service.services import _draft_orders

    orders, _ = _draft_orders(body["context"]["draftOrders"])
    facts = facts_of([patient()])
    findings = [f for o in orders for f in safety.check_order(o, facts, "FDA")]
    expected = cards.safety_cards(findings, ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"),
                                  draft_orders={"MedicationRequest/mr-bari": draft})
    assert resp.status_code == 200
    assert resp.get_json() == {"cards": expected}
    assert expected  # a baricitinib order with no baseline labs is never silent


def test_jak_order_without_labs_says_the_check_could_not_be_completed(real_client):
    import cards

    body = order_body("order-sign", [baricitinib_order()], absent=("observations",))
    resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
    expected = cards.unavailable_card(
        "JAK-inhibitor safety check (unavailable: laboratory results and vital signs)",
        ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"))
    assert (resp.status_code, resp.get_json()) == (200, {"cards": [expected]})


def test_a_failing_safety_check_says_so_instead_of_500(real_client, monkeypatch):
    import cards
    import safety

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rule bug")

    monkeypatch.setattr(safety, "check_order", broken)
    body = order_body("order-sign", [baricitinib_order()])
    resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
    expected = cards.unavailable_card("JAK-inhibitor safety check (internal error)",
                                      ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"))
    assert (resp.status_code, resp.get_json()) == (200, {"cards": [expected]})


def test_draft_order_naming_a_server_medication_is_resolved_by_reading_it(real_client):
    import cards
    import safety
    from fhir_mappings.code_tables import medications

    from cds_service.services import _draft_orders

    code = next(c for c in medications.CODES if c.ingredient == "baricitinib" and c.mark == "V" and not c.prefix)
    medication = {"resourceType": "Medication", "id": "med-bari",
                  "code": {"coding": [{"system": code.system, "code": code.code}]}}
    draft = {k: v for k, v in baricitinib_order().items() if k != "medicationCodeableConcept"}
    draft["medicationReference"] = {"reference": "Medication/med-bari"}
    body = order_body("order-sign", [draft], fhirServer=FHIR)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, f"{FHIR}/Medication/med-bari", json=medication)
        resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert [c.request.url for c in rsps.calls] == [f"{FHIR}/Medication/med-bari"]
    resolved = dict(body["context"]["draftOrders"])
    resolved["entry"] = [*resolved["entry"], {"resource": medication}]
    orders, _ = _draft_orders(resolved)
    assert [o.ingredient for o in orders] == ["baricitinib"]
    findings = [f for o in orders for f in safety.check_order(o, facts_of([patient(), medication]), "FDA")]
    expected = cards.safety_cards(findings, ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"),
                                  draft_orders={"MedicationRequest/mr-bari": draft})
    assert resp.status_code == 200
    assert resp.get_json() == {"cards": expected} and expected


def test_a_page_cap_that_leaves_medications_unread_is_said_on_the_card(make_app):
    """A biologic on an unread MedicationRequest page would be missed: the clinician is told."""
    import cards
    from cds_service.services import REGISTRY

    client = make_app(REGISTRY=REGISTRY, FHIR_PAGE_CAP=2).test_client()
    body = order_body("order-sign", [baricitinib_order()], absent=("medicationRequests",), fhirServer=FHIR)
    page = {"resourceType": "Bundle", "type": "searchset",
            "link": [{"relation": "next", "url": f"{FHIR}/MedicationRequest?patient={PATIENT_ID}&_offset=1"}]}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, f"{FHIR}/MedicationRequest", json=page)
        resp = client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert len(rsps.calls) == 2  # the first page and one `next`: FHIR_PAGE_CAP = 2
    assert resp.status_code == 200
    expected = cards.unavailable_card(
        "JAK-inhibitor safety check on all data", ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"),
        reason="some pages of medication orders were not read (page cap, or a next link off the FHIR server)")
    got = resp.get_json()["cards"]
    assert got[-1] == expected
    assert len(got) > 1  # the findings on what was read are still shown


UNIDENTIFIED_REASON = ("the drug of 1 draft order could not be identified: its medication was not found in the "
                       "order, not read from the FHIR server (another server is never asked), or not in a readable "
                       "form, so it was not checked")


@pytest.mark.parametrize(("reference", "status"), [
    pytest.param("https://fhir.other-hospital.example/r4/Medication/med-bari", None, id="another-host-not-fetched"),
    pytest.param("Medication/med-gone", 404, id="not-on-the-server"),
])
def test_a_draft_whose_medication_cannot_be_read_says_the_drug_was_not_identified(real_client, reference, status):
    """Never a silent "no problem found" on order-sign: the unread drug may be a JAK inhibitor (issue 11)."""
    import cards

    draft = {k: v for k, v in baricitinib_order().items() if k != "medicationCodeableConcept"}
    draft["medicationReference"] = {"reference": reference}
    body = order_body("order-sign", [draft], fhirServer=FHIR)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, f"{FHIR}/Medication/med-gone", status=404,
                 json={"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]})
        resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert [c.request.url for c in rsps.calls] == ([f"{FHIR}/Medication/med-gone"] if status else [])
    expected = cards.unavailable_card("JAK-inhibitor safety check (drug not identified)",
                                      ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"),
                                      reason=UNIDENTIFIED_REASON)
    assert (resp.status_code, resp.get_json()) == (200, {"cards": [expected]})
    assert expected["summary"] == "Could not complete JAK-inhibitor safety check (drug not identified)."


def test_an_unidentified_draft_beside_a_jak_order_is_said_after_its_cards(real_client):
    import cards
    import safety

    from cds_service.services import _draft_orders

    other = {k: v for k, v in other_order().items() if k != "medicationCodeableConcept"}
    other["medicationReference"] = {"reference": "https://fhir.other-hospital.example/r4/Medication/m-1"}
    body = order_body("order-sign", [baricitinib_order(), other], fhirServer=FHIR)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert len(rsps.calls) == 0
    ctx = ctx_for(body["hookInstance"], "jak-inhibitor-safety")
    orders, _ = _draft_orders(body["context"]["draftOrders"])
    findings = [f for o in orders for f in safety.check_order(o, facts_of([patient()]), "FDA")]
    expected = [*cards.safety_cards(findings, ctx=ctx, draft_orders={"MedicationRequest/mr-bari": baricitinib_order()}),
                cards.unavailable_card("JAK-inhibitor safety check (drug not identified)", ctx=ctx,
                                       reason=UNIDENTIFIED_REASON)]
    assert resp.status_code == 200
    assert resp.get_json() == {"cards": expected} and len(expected) > 1


@pytest.mark.parametrize("medication", [
    pytest.param({"medicationReference": {"reference": "#m1"}}, id="contained-reference-without-the-medication"),
    pytest.param({"medicationReference": {"reference": 123}}, id="reference-not-a-string"),
    pytest.param({"medicationReference": "Medication/med-bari"}, id="reference-not-an-object"),
    pytest.param({"medicationCodeableConcept": "baricitinib 2 mg"}, id="concept-not-an-object"),
    pytest.param({"medicationReference": {"display": "study drug 4 mg"}}, id="display-naming-no-known-drug"),
])
def test_a_draft_whose_medication_is_unknown_or_malformed_is_never_silent(real_client, medication):
    """A draft the pre-check cannot place (nothing to fetch, nothing recognised) still gets the card: silence on
    order-sign reads as "no problem found" (issue 11, reviewer's finding)."""
    import cards

    draft = {k: v for k, v in baricitinib_order().items() if k != "medicationCodeableConcept"} | medication
    body = order_body("order-sign", [draft], fhirServer=FHIR)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert len(rsps.calls) == 0
    expected = cards.unavailable_card("JAK-inhibitor safety check (drug not identified)",
                                      ctx=ctx_for(body["hookInstance"], "jak-inhibitor-safety"),
                                      reason=UNIDENTIFIED_REASON)
    assert (resp.status_code, resp.get_json()) == (200, {"cards": [expected]})


@pytest.mark.parametrize("reference", [
    pytest.param({"display": "Olumiant 2 mg tablet"}, id="display-only"),
    pytest.param({"reference": "#gone", "display": "Olumiant 2 mg tablet"}, id="unresolved-with-display"),
])
def test_a_reference_that_cannot_be_followed_is_tried_by_its_display(real_client, reference):
    """"A drug it cannot identify by code it tries by name, and says it did": the display names baricitinib."""
    import cards
    import safety

    from cds_service.services import _draft_orders

    draft = {k: v for k, v in baricitinib_order().items() if k != "medicationCodeableConcept"}
    draft["medicationReference"] = reference
    body = order_body("order-sign", [draft], fhirServer=FHIR)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = real_client.post("/cds-services/jak-inhibitor-safety", json=body)
        assert len(rsps.calls) == 0
    orders, skipped = _draft_orders(body["context"]["draftOrders"])
    assert [(o.ingredient, o.recognised_by, o.strength_mg) for o in orders] == [("baricitinib", "name", 2.0)]
    assert skipped == []
    ctx = ctx_for(body["hookInstance"], "jak-inhibitor-safety")
    findings = [f for o in orders for f in safety.check_order(o, facts_of([patient()]), "FDA")]
    expected = list(cards.safety_cards(findings, ctx=ctx, draft_orders={"MedicationRequest/mr-bari": draft}))
    assert resp.status_code == 200 and resp.get_json() == {"cards": expected} and expected
    assert any("recognised by name" in c["detail"] for c in expected)
