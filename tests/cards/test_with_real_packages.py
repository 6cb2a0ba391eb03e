"""The cards fed by the real scoring and safety packages (skipped while those are not importable)."""

from datetime import date

import pytest

from card_helpers import actions, empty_paths, validate_r4b
from cards import essdai_cards, monitoring_card, readiness_card, safety_cards
from fhir_mappings.facts import ConditionFact, Finding, Measurement, MedicationFact, PatientFacts

AS_OF = date(2024, 5, 10)


def facts(**kw) -> PatientFacts:
    return PatientFacts(
        patient_id="pt-42", as_of=AS_OF, birth_date=date(1968, 4, 2), gender="female",
        conditions=(ConditionFact("sjogren", "http://snomed.info/sct|83901003", "Sjögren's syndrome", "Condition/c1",
                                  "active"),),
        measurements=(Measurement("lymphocytes", date(2024, 5, 2), "Observation/alc-1", "http://loinc.org|731-0",
                                  "Lymphocytes", value=350, unit="/uL"),
                      Measurement("neutrophils", date(2024, 5, 2), "Observation/n1", "http://loinc.org|751-8",
                                  "Neutrophils", value=1200, unit="/uL")),
        findings=(Finding("articular", 2, date(2024, 5, 1), "Observation/f1"),),
        **kw)


def check_contract(cards):
    assert empty_paths(cards) == []
    for card in cards:
        assert len(card["summary"]) < 140
        assert ("selectionBehavior" in card) == ("suggestions" in card)
        for action in actions(card):
            if action["type"] != "delete":
                validate_r4b(action["resource"])


def test_essdai_card_from_scoring(ctx):
    import scoring

    result = scoring.assess(facts()).to_json()
    (card,) = essdai_cards(result, ctx=ctx)
    check_contract([card])
    essdai = result["essdai"]
    rated = len(essdai["domains"]) - len(essdai["undetermined"])
    if essdai["score"] == essdai["max"]:
        assert card["summary"].startswith(f"ESSDAI is {essdai['score']}")
    elif result["eligibility"]["met"]:
        assert card["summary"].startswith(f"ESSDAI is at least {essdai['score']} (")
        assert card["summary"].endswith(f"{rated} of 12 domains rated), which meets the ≥5 threshold.")


def _safety():
    import safety

    return safety


def test_safety_cards_from_check_order(ctx):
    safety = _safety()
    order = MedicationFact(ingredient="baricitinib", classes=frozenset({"jak-inhibitor"}),
                           code="http://www.nlm.nih.gov/research/umls/rxnorm|2047232", display="baricitinib 2 MG",
                           reference="MedicationRequest/103", resource_type="MedicationRequest", status="draft",
                           dose_mg=4, doses_per_day=1, intent="order")
    draft = {"resourceType": "MedicationRequest", "id": "103", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/pt-42"},
             "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                       "code": "2047232"}]}}
    findings = safety.check_order(order, facts(medications=(order,)), "FDA")
    cards = safety_cards(findings, ctx=ctx, draft_orders={"MedicationRequest/103": draft})
    assert cards
    check_contract(cards)
    assert any(c["indicator"] == "critical" for c in cards)  # ALC 350/mm³


def test_readiness_and_monitoring_from_safety(ctx):
    safety = _safety()
    ready = readiness_card(safety.readiness(facts(), "FDA"), ctx=ctx)
    monitor = monitoring_card(safety.monitoring(facts(), "FDA"), ctx=ctx)
    check_contract([c for c in (ready, monitor) if c])
