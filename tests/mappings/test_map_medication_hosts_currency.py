"""Issue 11 "never silent", two gaps of medication reading:

- an absolute `medicationReference` resolves only under the FHIR base the resources came from: the same
  "Medication/7" on another host is another drug, so it is unidentified (said on a card), never ours;
- "current" (facts.not_current) is as of the assessment date: a past end date (effectivePeriod.end, dosage
  boundsPeriod.end; never dispenseRequest.validityPeriod.end, the dispensing window) or a request that is not an
  order (intent proposal / plan / option) is no current co-medication, whatever its status.
"""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import extract, unidentified
from fhir_mappings.facts import NOT_ORDER_INTENTS, Skipped, not_current
from fhir_mappings.medications import draft_orders, local_medication, read_medication

from .builders import ATC, RXNORM, concept, med_request, patient, qty

AS_OF = date(2026, 11, 25)
OURS = "https://ehr.example/fhir"
OTHER = "https://other.example/fhir"
BARICITINIB = {"resourceType": "Medication", "id": "7", "code": concept(RXNORM, "2047232")}


def _by_reference(mid: str, reference: str, **fields) -> dict:
    mr = med_request(mid, code=None, dose=qty(2, "mg"), **fields)
    mr["medicationReference"] = {"reference": reference}
    return mr


# --- references: which host -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("reference", "base", "expected"), [
    pytest.param("Medication/7", None, "Medication/7", id="relative"),
    pytest.param("Medication/7/_history/3", None, "Medication/7", id="relative-versioned"),
    pytest.param(f"{OURS}/Medication/7", OURS, "Medication/7", id="absolute-on-our-base"),
    pytest.param(f"{OURS}/Medication/7", OURS + "/", "Medication/7", id="base-with-trailing-slash"),
    pytest.param(f"{OURS}/Medication/7/_history/3", OURS, "Medication/7", id="absolute-versioned"),
    pytest.param(f"{OTHER}/Medication/7", OURS, None, id="same-id-on-another-host"),
    pytest.param(f"{OURS}/Medication/7", None, None, id="absolute-without-a-base"),
    pytest.param(f"{OURS}-archive/Medication/7", OURS, None, id="a-base-that-only-starts-like-ours"),
    pytest.param(f"{OURS}/../other/Medication/7", OURS, None, id="dot-dot-out-of-the-base"),
    pytest.param(f"{OURS}/Substance/7", OURS, None, id="not-a-medication"),
    pytest.param("#med", OURS, None, id="contained-is-not-a-server-reference"),
])
def test_local_medication(reference: str, base: str | None, expected: str | None) -> None:
    assert local_medication(reference, base) == expected


def test_the_same_medication_id_on_two_hosts_is_ours_only_on_our_base() -> None:
    """Medication/7 of our server is baricitinib; Medication/7 of another server is unknown to us."""
    resources = [patient("p1"), BARICITINIB,
                 _by_reference("ours", f"{OURS}/Medication/7"), _by_reference("theirs", f"{OTHER}/Medication/7")]
    facts = extract(resources, as_of=AS_OF, patient_id="p1", fhir_base=OURS)
    assert [(m.reference, m.ingredient) for m in facts.medications] == [("MedicationRequest/ours", "baricitinib")]
    assert facts.skipped == (Skipped("MedicationRequest/theirs",
                                     f"medicationReference '{OTHER}/Medication/7' could not be resolved"),)
    assert [unidentified(s) for s in facts.skipped] == [True]


def test_without_a_base_an_absolute_reference_is_unidentified() -> None:
    facts = extract([patient("p1"), BARICITINIB, _by_reference("m", f"{OURS}/Medication/7")], as_of=AS_OF,
                    patient_id="p1")
    assert facts.medications == ()
    assert facts.skipped == (Skipped("MedicationRequest/m", f"medicationReference '{OURS}/Medication/7' could not be "
                                                           "resolved"),)


def test_draft_orders_resolve_an_absolute_reference_on_the_request_server_only() -> None:
    bundle = {"resourceType": "Bundle", "entry": [
        {"resource": BARICITINIB},
        {"resource": _by_reference("ours", f"{OURS}/Medication/7", status="draft")},
        {"resource": _by_reference("theirs", f"{OTHER}/Medication/7", status="draft")}]}
    facts, skipped = draft_orders(bundle, fhir_base=OURS)
    assert [(f.reference, f.ingredient) for f in facts] == [("MedicationRequest/ours", "baricitinib")]
    assert skipped == [Skipped("MedicationRequest/theirs",
                               f"medicationReference '{OTHER}/Medication/7' could not be resolved")]


def test_a_bundle_entry_whose_full_url_is_the_reference_resolves_on_any_host() -> None:
    """The Medication is in hand (the entry's fullUrl is exactly the reference): nothing is guessed."""
    bundle = {"resourceType": "Bundle", "entry": [
        {"fullUrl": f"{OTHER}/Medication/7", "resource": BARICITINIB},
        {"resource": _by_reference("o", f"{OTHER}/Medication/7", status="draft")}]}
    facts, skipped = draft_orders(bundle, fhir_base=OURS)
    assert ([f.ingredient for f in facts], skipped) == (["baricitinib"], [])


# --- current as of the assessment date --------------------------------------------------------------------------------
PROBENECID = concept(ATC, "M04AB01")


def _statement(sid: str, status: str = "active", **fields) -> dict:
    return {"resourceType": "MedicationStatement", "id": sid, "status": status, "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": PROBENECID, **fields}


def _probenecid_request(mid: str, **fields) -> dict:
    return med_request(mid, code="M04AB01", system=ATC, **fields)


@pytest.mark.parametrize(("resource", "end", "current"), [
    pytest.param(_statement("s", effectivePeriod={"start": "2026-01-01", "end": "2026-10-25"}), date(2026, 10, 25),
                 False, id="statement-ended-last-month"),
    pytest.param(_statement("s", effectivePeriod={"start": "2026-01-01", "end": "2026-11-25"}), date(2026, 11, 25),
                 True, id="statement-ending-today"),
    pytest.param(_statement("s", effectivePeriod={"start": "2026-01-01"}), None, True, id="statement-open"),
    pytest.param(_probenecid_request("m", timing={"repeat": {"boundsPeriod": {"end": "2026-11-24"}}}),
                 date(2026, 11, 24), False, id="request-bounds-ended-yesterday"),
    pytest.param(_probenecid_request("m", dispenseRequest={"validityPeriod": {"start": "2025-10-01",
                                                                              "end": "2026-10-01"}}),
                 None, True, id="request-validity-ended-the-supply-may-still-be-taken"),
    pytest.param(_probenecid_request("m", timing={"repeat": {"boundsPeriod": {"end": "2026-12-31"}}},
                                     dispenseRequest={"validityPeriod": {"end": "2026-10-01"}}),
                 date(2026, 12, 31), True, id="request-dosing-end-wins-over-validity"),
])
def test_a_past_end_date_is_not_current(resource: dict, end: date | None, current: bool) -> None:
    facts = extract([patient("p1"), resource], as_of=AS_OF, patient_id="p1")
    [fact] = facts.medications
    assert (fact.status, fact.end, fact.current_on(AS_OF)) == ("active", end, current)
    assert [m.reference for m in facts.medications_of("probenecid")] == ([fact.reference] if current else [])
    assert [m.reference for m in facts.medications_of("probenecid", active_only=False)] == [fact.reference]


@pytest.mark.parametrize(("intent", "current"), [
    ("proposal", False), ("plan", False), ("option", False),
    ("order", True), ("original-order", True), ("reflex-order", True), ("filler-order", True),
    ("instance-order", True), (None, True),
])
def test_a_proposal_or_a_plan_is_not_an_order(intent: str | None, current: bool) -> None:
    facts = extract([patient("p1"), _probenecid_request("m", intent=intent)], as_of=AS_OF, patient_id="p1")
    assert [m.reference for m in facts.medications_of("probenecid")] == (["MedicationRequest/m"] if current else [])
    assert (intent in NOT_ORDER_INTENTS) is not current


@pytest.mark.parametrize(("status", "intent", "end", "why"), [
    ("active", "order", None, None),
    ("on-hold", None, date(2026, 11, 25), None),
    ("stopped", "order", None, "status 'stopped'"),
    ("active", "proposal", None, "intent 'proposal', not an order"),
    ("active", "order", date(2026, 11, 24), "ended 2026-11-24"),
])
def test_not_current_says_why(status: str, intent: str | None, end: date | None, why: str | None) -> None:
    assert not_current(status, intent, end, AS_OF) == why


# --- an unidentified drug leaves a gap only if the order is current ---------------------------------------------------
@pytest.mark.parametrize(("fields", "reason"), [
    pytest.param({}, "medicationReference 'Medication/gone' could not be resolved", id="current"),
    pytest.param({"status": "stopped"}, "drug not identified (medicationReference 'Medication/gone' could not be "
                                        "resolved), not current (status 'stopped')", id="stopped"),
    pytest.param({"intent": "plan"}, "drug not identified (medicationReference 'Medication/gone' could not be "
                                     "resolved), not current (intent 'plan', not an order)", id="plan"),
    pytest.param({"timing": {"repeat": {"boundsPeriod": {"end": "2026-01-31"}}}},
                 "drug not identified (medicationReference 'Medication/gone' could not be resolved), not current "
                 "(ended 2026-01-31)", id="ended"),
])
def test_an_unidentified_stored_order_is_a_gap_only_when_current(fields: dict, reason: str) -> None:
    order = _by_reference("m", "Medication/gone", **fields)
    facts = extract([patient("p1"), order], as_of=AS_OF, patient_id="p1")
    assert facts.skipped == (Skipped("MedicationRequest/m", reason),)
    assert unidentified(facts.skipped[0]) is (fields == {})


def test_a_draft_order_is_checked_whatever_its_status() -> None:
    """The order being signed is not "current" yet: an unknown drug in it is always said."""
    assert read_medication(_by_reference("d", "Medication/gone", status="draft"), draft=True, as_of=AS_OF) == (
        [], [Skipped("MedicationRequest/d", "medicationReference 'Medication/gone' could not be resolved")])


# --- a reference that cannot be followed: its display, tried by name; a medication of the wrong shape ---------------
@pytest.mark.parametrize(("medication", "found", "reason"), [
    pytest.param({"medicationReference": {"display": "Olumiant 2 mg tablet"}}, [("baricitinib", "name", 2.0)], None,
                 id="display-only"),
    pytest.param({"medicationReference": {"reference": "Medication/gone", "display": "Xeljanz XR 11 mg"}},
                 [("tofacitinib", "name", 11.0)], None, id="unresolved-with-display"),
    pytest.param({"medicationReference": {"reference": "#m1"}}, [], "medicationReference '#m1' could not be resolved",
                 id="contained-missing"),
    pytest.param({"medicationReference": {"display": "study drug"}}, [],
                 "medicationReference without a reference ('study drug')", id="display-naming-no-known-drug"),
    pytest.param({"medicationReference": {"reference": 7}}, [], "medicationReference 7 is not a reference string",
                 id="reference-not-a-string"),
    pytest.param({"medicationCodeableConcept": "baricitinib"}, [],
                 "medication not readable (medicationCodeableConcept is not an object)", id="concept-not-an-object"),
])
def test_an_unfollowed_reference_is_tried_by_name_and_an_unknown_one_is_unidentified(medication, found, reason):
    order = {**med_request("d", code=None, status="draft"), **medication}
    facts, skipped = read_medication(order, draft=True)
    assert [(f.ingredient, f.recognised_by, f.strength_mg) for f in facts] == found
    assert [(s.reason, unidentified(s)) for s in skipped] == ([(reason, True)] if reason else [])
