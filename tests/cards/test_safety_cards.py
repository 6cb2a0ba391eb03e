"""JAK-inhibitor safety cards: one card per warning/critical finding, one merged reminders card,
suggestions as validated FHIR actions (update with the complete draft, create, delete)."""

import copy
import json
import logging
import uuid
from dataclasses import replace

import pytest

from card_helpers import (ALC_EVIDENCE, EGFR_EVIDENCE, Indicator, SafetyFinding, Source, Suggestion, actions,
                          empty_paths, validate_r4b)
from cards import safety_cards
from cards.ids import CARD_NAMESPACE

UCUM = "http://unitsofmeasure.org"

DRAFT = {
    "resourceType": "MedicationRequest",
    "id": "103",
    "status": "draft",
    "intent": "order",
    "subject": {"reference": "Patient/pt-42"},
    "encounter": {"reference": "Encounter/enc-901"},
    "authoredOn": "2024-05-10",
    "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                              "code": "2047232", "display": "baricitinib 2 MG Oral Tablet"}]},
    "note": [{"text": "start after CBC"}],
    "dispenseRequest": {"quantity": {"value": 30, "unit": "tablet"}},
    "dosageInstruction": [{
        "sequence": 1,
        "text": "2 mg by mouth twice daily",
        "route": {"text": "oral"},
        "timing": {"code": {"text": "BID"},
                   "repeat": {"frequency": 2, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00", "20:00:00"],
                              "boundsPeriod": {"start": "2024-05-11"}}},
        "doseAndRate": [{"type": {"text": "ordered"},
                         "doseQuantity": {"value": 2, "unit": "mg", "system": UCUM, "code": "mg"}}],
    }],
}
DRAFTS = {"MedicationRequest/103": DRAFT}
FDA_SOURCE = Source("Olumiant (baricitinib) US prescribing information", "Dosage and Administration",
                    "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=example")


def alc_critical(**kw):
    return replace(_ALC, **kw)


_ALC = SafetyFinding(
    rule="R02", drug="baricitinib", indicator=Indicator.CRITICAL, status="fired",
    summary="ALC 350/mm³ is below the baricitinib start threshold of 500/mm³; do not initiate",
    message="ALC 350/mm³ on 2024-05-02 is below 500/mm³. Do not initiate; recheck CBC.",
    evidence=(ALC_EVIDENCE,), source=FDA_SOURCE, mark="V", confirmed=True,
    override_reasons=(("chronic-pss-cytopenia", "Value is chronic / disease-related (pSS cytopenia)"),
                      ("benefit-outweighs-risk", "Benefit outweighs risk - documented")),
    suggestion=Suggestion("cancel-order", "Cancel the baricitinib order"),
    order_reference="MedicationRequest/103")


def egfr_dose(**kw):
    values = dict(
        rule="R06", drug="baricitinib", indicator=Indicator.WARNING, status="fired",
        summary="eGFR is 45 mL/min/1.73 m², so the FDA label reduces baricitinib to 1 mg once daily",
        message="eGFR 45 mL/min/1.73m² on 2024-05-03 (30 to <60): reduce baricitinib to 1 mg once daily.",
        evidence=(EGFR_EVIDENCE,), source=FDA_SOURCE, mark="R", confirmed=False,
        suggestion=Suggestion("dose-change", "Change to baricitinib 1 mg once daily", dose_mg=1, doses_per_day=1),
        order_reference="MedicationRequest/103")
    values.update(kw)
    return SafetyFinding(**values)


def missing_tb(**kw):
    return replace(SafetyFinding(
        rule="R11", drug="baricitinib", indicator=Indicator.WARNING, status="missing-data",
        summary="No TB screening (IGRA) in the last 12 months", message="No IGRA or TST result in the last 12 months.",
        source=FDA_SOURCE, mark="P", confirmed=False,
        suggestion=Suggestion("order-test", "Order IGRA (TB)", loinc=(("71773-6", "IGRA"),))), **kw)


def off_label():
    return SafetyFinding(rule="R00", drug="baricitinib", indicator=Indicator.INFO, status="fired",
                         summary="No JAK inhibitor is licensed for Sjögren's, so the FDA RA label rows for baricitinib are applied",
                         message="No JAK inhibitor is licensed for Sjögren's; RA label rows applied.",
                         source=Source("Bai 2022 pilot; Bai 2023 RCT protocol", "Results"), mark="V")


def lipids_info():
    return SafetyFinding(rule="R26", drug="baricitinib", indicator=Indicator.INFO, status="missing-data",
                         summary="Lipids due about 12 weeks after starting baricitinib",
                         message="No lipid panel since the start on 2024-01-10.", source=FDA_SOURCE, mark="V",
                         suggestion=Suggestion("order-test", "Order lipid panel", loinc=(("24331-1", "Lipid panel"),)))


def cbc_info():
    return SafetyFinding(rule="R27", drug="baricitinib", indicator=Indicator.INFO, status="missing-data",
                         summary="CBC due", message="No CBC in 3 months.", source=FDA_SOURCE, mark="P", confirmed=False,
                         suggestion=Suggestion("order-test", "Order CBC with differential",
                                               loinc=(("58410-2", "CBC panel"),)))


def by_rule(cards):
    return {c["extension"]["essdai-cds"]["findings"][0]["rule"]: c for c in cards}


# --- one card per finding, reminders merged -----------------------------------------------------

def test_one_card_per_warning_or_critical_finding_and_one_merged_info_card(ctx):
    cards = safety_cards([off_label(), egfr_dose(), lipids_info(), alc_critical(), missing_tb()], ctx=ctx,
                         draft_orders=DRAFTS)
    assert [(c["indicator"], c["summary"]) for c in cards] == [
        ("critical", "ALC 350/mm³ is below the baricitinib start threshold of 500/mm³; do not initiate."),
        ("warning", "eGFR is 45 mL/min/1.73 m², so the FDA label reduces baricitinib to 1 mg once daily."),
        ("warning", "No TB screening (IGRA) in the last 12 months."),
        ("info", "2 monitoring and counselling reminders apply (R00, R26)."),
    ]
    merged = cards[-1]
    assert [f["rule"] for f in merged["extension"]["essdai-cds"]["findings"]] == ["R00", "R26"]
    assert "**R00** (baricitinib, FDA label rows): No JAK inhibitor is licensed for Sjögren's; RA label rows applied." in merged["detail"]
    assert "**R26** (baricitinib, FDA label rows), missing data: No lipid panel since the start on 2024-01-10." in merged["detail"]
    assert merged["source"]["label"] == "JAK-inhibitor safety rules R00, R26"


def test_a_single_reminder_card_reads_as_that_reminder(ctx):
    [card] = safety_cards([off_label()], ctx=ctx, draft_orders=DRAFTS)
    assert (card["indicator"], card["summary"]) == ("info", "No JAK inhibitor is licensed for Sjögren's, so the FDA RA label rows for baricitinib are applied.")
    assert card["source"]["label"] == "JAK-inhibitor safety rules R00"


def test_merged_card_with_several_test_orders_lets_the_clinician_take_any(ctx):
    (card,) = safety_cards([lipids_info(), cbc_info()], ctx=ctx, draft_orders={})
    assert card["selectionBehavior"] == "any"
    assert [s["label"] for s in card["suggestions"]] == ["Order lipid panel", "Order CBC with differential"]


def test_no_findings_no_cards(ctx):
    assert safety_cards([], ctx=ctx, draft_orders={}) == []


def test_unknown_indicator_or_status_is_skipped_and_logged(ctx, caplog):
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        cards = safety_cards([alc_critical(status="maybe"), missing_tb(indicator="urgent")], ctx=ctx,
                             draft_orders=DRAFTS)
    assert cards == []
    assert "finding of rule R02 skipped: indicator 'critical', status 'maybe'" in caplog.text
    assert "finding of rule R11 skipped: indicator 'urgent', status 'missing-data'" in caplog.text


# --- card content -------------------------------------------------------------------------------

def test_detail_has_rule_message_evidence_table_mark_and_source(ctx):
    card = safety_cards([alc_critical()], ctx=ctx, draft_orders=DRAFTS)[0]
    assert card["detail"] == (
        "**R02** (baricitinib, FDA label rows): ALC 350/mm³ on 2024-05-02 is below 500/mm³. Do not initiate; recheck CBC.\n"
        "\n"
        "| Evidence | Result | Date |\n"
        "|---|---|---|\n"
        "| ALC | 350 /uL | 2 May 2024 |\n"
        "\n"
        "Threshold confidence: [V].\n"
        "\n"
        "_Source: [Olumiant (baricitinib) US prescribing information]"
        "(https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=example), Dosage and Administration_"
    )


@pytest.mark.parametrize(("confirmed", "shown"), [(False, True), (True, False)])
def test_not_confirmed_sentence_iff_threshold_unconfirmed(ctx, confirmed, shown):
    card = safety_cards([egfr_dose(confirmed=confirmed)], ctx=ctx, draft_orders=DRAFTS)[0]
    assert ("Threshold not confirmed against the label ([R]/[P])" in card["detail"]) is shown


def test_source_label_url_and_topic(ctx):
    card = safety_cards([alc_critical()], ctx=ctx, draft_orders=DRAFTS)[0]
    assert card["source"] == {
        "label": "JAK-inhibitor safety rule R02 — Olumiant (baricitinib) US prescribing information",
        "url": "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=example",
        "topic": {"system": "http://essdai-cds.org/fhir/CodeSystem/card-topic", "code": "medication-safety",
                  "display": "Medication safety"},
    }


def test_override_reasons_are_the_findings_then_the_generic_ones_each_with_display(ctx):
    card = safety_cards([alc_critical()], ctx=ctx, draft_orders=DRAFTS)[0]
    system = "http://essdai-cds.org/fhir/CodeSystem/override-reason"
    assert card["overrideReasons"] == [
        {"system": system, "code": "chronic-pss-cytopenia", "display": "Value is chronic / disease-related (pSS cytopenia)"},
        {"system": system, "code": "benefit-outweighs-risk", "display": "Benefit outweighs risk - documented"},
        {"system": system, "code": "result-outside-ehr", "display": "Result available outside EHR"},
    ]


def test_generic_override_reasons_match_safety_model():
    from safety import model

    from cards.codings import SAFETY_OVERRIDE_REASONS

    assert set(model.STANDARD_OVERRIDES) <= set(SAFETY_OVERRIDE_REASONS)


def test_extension_carries_the_finding_json(ctx):
    card = safety_cards([alc_critical()], ctx=ctx, draft_orders=DRAFTS)[0]
    assert card["extension"] == {"essdai-cds": {"findings": [alc_critical().to_json()]}}


def test_uuids_deterministic_from_hook_instance_rule_and_order(ctx):
    first = safety_cards([alc_critical(), egfr_dose()], ctx=ctx, draft_orders=DRAFTS)
    again = safety_cards([alc_critical(), egfr_dose()], ctx=ctx, draft_orders=DRAFTS)
    assert [c["uuid"] for c in first] == [c["uuid"] for c in again]
    assert first[0]["uuid"] == str(uuid.uuid5(CARD_NAMESPACE, f"{ctx.hook_instance}:R02:MedicationRequest/103"))
    assert [s["uuid"] for c in first for s in c["suggestions"]] == [s["uuid"] for c in again for s in c["suggestions"]]
    other = safety_cards([alc_critical()], ctx=replace(ctx, hook_instance="other"), draft_orders=DRAFTS)
    assert other[0]["uuid"] != first[0]["uuid"]


def test_fhir_sourced_text_is_escaped(ctx):
    evil = replace(ALC_EVIDENCE, display="ALC <b>bold</b> | *x*", reference="Observation/a_b", code="urn:x|alc")
    card = safety_cards([alc_critical(evidence=(evil,))],
                        ctx=ctx, draft_orders=DRAFTS)[0]
    assert "| ALC \\<b\\>bold\\</b\\> \\| \\*x\\* | 350 /uL | 2 May 2024 |" in card["detail"]


# --- suggestions --------------------------------------------------------------------------------

def test_dose_change_updates_the_complete_draft_with_the_new_dose(ctx):
    card = safety_cards([egfr_dose()], ctx=ctx, draft_orders=copy.deepcopy(DRAFTS))[0]
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    assert suggestion["label"] == "Change to baricitinib 1 mg once daily"
    (action,) = suggestion["actions"]
    assert action["type"] == "update"
    assert action["description"] == "Change the draft baricitinib order to 1 mg once daily"
    expected = copy.deepcopy(DRAFT)
    expected["dosageInstruction"] = [{
        "sequence": 1,
        "text": "1 mg once daily",
        "route": {"text": "oral"},
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "boundsPeriod": {"start": "2024-05-11"}}},
        "doseAndRate": [{"type": {"text": "ordered"},
                         "doseQuantity": {"value": 1, "unit": "mg", "system": UCUM, "code": "mg"}}],
    }]
    assert action["resource"] == expected
    validate_r4b(action["resource"])


def test_dose_change_does_not_modify_the_callers_draft(ctx):
    drafts = copy.deepcopy(DRAFTS)
    safety_cards([egfr_dose()], ctx=ctx, draft_orders=drafts)
    assert drafts == DRAFTS


def test_sandbox_draft_without_intent_status_or_subject_is_completed_and_says_so(ctx):
    sandbox = {k: v for k, v in DRAFT.items() if k not in ("intent", "status", "subject")}
    card = safety_cards([egfr_dose()], ctx=ctx, draft_orders={"MedicationRequest/103": sandbox})[0]
    (action,) = actions(card)
    assert action["resource"]["intent"] == "order"
    assert action["resource"]["status"] == "draft"
    assert action["resource"]["subject"] == {"reference": "Patient/pt-42"}
    assert action["description"] == (
        'Change the draft baricitinib order to 1 mg once daily; intent set to "order" (missing in the draft); '
        'status set to "draft" (missing in the draft); subject set to the patient in context (missing in the draft)')
    validate_r4b(action["resource"])


@pytest.mark.parametrize(
    ("doses_per_day", "repeat", "text"),
    [(2, {"frequency": 2, "period": 1, "periodUnit": "d"}, "5 mg twice daily"),
     (0.5, {"frequency": 1, "period": 2, "periodUnit": "d"}, "5 mg every 2 days")],
)
def test_dose_change_timing(ctx, doses_per_day, repeat, text):
    finding = egfr_dose(suggestion=Suggestion("dose-change", "x", dose_mg=5, doses_per_day=doses_per_day))
    (action,) = actions(safety_cards([finding], ctx=ctx, draft_orders=DRAFTS)[0])
    dosage = action["resource"]["dosageInstruction"][0]
    assert dosage["timing"]["repeat"] == repeat | {"boundsPeriod": {"start": "2024-05-11"}}
    assert dosage["text"] == text


@pytest.mark.parametrize("key", ["MedicationRequest/103", "103"])
def test_draft_found_by_full_or_bare_reference(ctx, key):
    card = safety_cards([egfr_dose()], ctx=ctx, draft_orders={key: DRAFT})[0]
    assert actions(card)[0]["resource"]["id"] == "103"


def test_draft_found_in_a_draft_orders_bundle(ctx):
    bundle = {"resourceType": "Bundle", "entry": [{"resource": DRAFT}]}
    card = safety_cards([egfr_dose()], ctx=ctx, draft_orders=bundle)[0]
    assert actions(card)[0]["type"] == "update"


def test_dose_change_without_the_draft_is_not_offered_and_the_detail_says_so(ctx):
    card = safety_cards([egfr_dose()], ctx=ctx, draft_orders={})[0]
    assert "suggestions" not in card and "selectionBehavior" not in card
    assert card["detail"].endswith(
        "**Not offered as an action:**\n\n"
        "- Suggested dose: 1 mg once daily. The draft order was not available to update, so change it by hand.")


def test_dose_change_on_a_draft_that_cannot_validate_is_dropped_and_logged(ctx, caplog):
    broken = {k: v for k, v in DRAFT.items() if k != "medicationCodeableConcept"}  # medication[x] is required
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        card = safety_cards([egfr_dose()], ctx=ctx, draft_orders={"MedicationRequest/103": broken})[0]
    assert "suggestions" not in card
    assert "MedicationRequest failed R4B validation, suggestion dropped" in caplog.text
    assert "The updated order did not pass FHIR validation, so change it by hand." in card["detail"]


def test_order_test_creates_a_validated_draft_service_request(ctx):
    card = safety_cards([missing_tb()], ctx=ctx, draft_orders=DRAFTS)[0]
    (action,) = actions(card)
    assert action == {
        "type": "create",
        "description": "Create a proposed test order (draft ServiceRequest): IGRA (LOINC 71773-6)",
        "resource": {
            "resourceType": "ServiceRequest", "status": "draft", "intent": "proposal",
            "code": {"coding": [{"system": "http://loinc.org", "code": "71773-6", "display": "IGRA"}],
                     "text": "Order IGRA (TB)"},
            "subject": {"reference": "Patient/pt-42"},
        },
    }
    validate_r4b(action["resource"])


def test_cancel_order_is_a_delete_with_resource_id_and_no_resource(ctx):
    card = safety_cards([alc_critical()], ctx=ctx, draft_orders=DRAFTS)[0]
    assert card["suggestions"][0]["label"] == "Cancel the baricitinib order"
    assert actions(card) == [{"type": "delete", "description": "Remove the draft baricitinib order (MedicationRequest/103)",
                              "resourceId": "MedicationRequest/103"}]


def test_cancel_without_order_reference_is_not_offered(ctx):
    card = safety_cards([alc_critical(order_reference=None)],
                        ctx=ctx, draft_orders=DRAFTS)[0]
    assert "suggestions" not in card


# --- never a 500 --------------------------------------------------------------------------------

def test_a_card_that_cannot_be_rendered_still_reaches_the_clinician(ctx, monkeypatch, caplog):
    import cards.safety as module

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(module, "render", broken)
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        cards = safety_cards([alc_critical(), off_label()], ctx=ctx, draft_orders=DRAFTS)
    assert [(c["indicator"], c["summary"]) for c in cards] == [
        ("critical", "ALC 350/mm³ is below the baricitinib start threshold of 500/mm³; do not initiate."),
        ("info", "Monitoring and counselling reminders apply."),
    ]
    assert all(empty_paths(c) == [] for c in cards)
    assert "safety card for rule R02 could not be built; minimal card sent" in caplog.text


def test_a_finding_whose_to_json_fails_still_gets_its_card(ctx, caplog):
    class Odd(SafetyFinding):
        def to_json(self):
            raise ValueError("bad")

    odd = Odd(**{f: getattr(alc_critical(), f) for f in alc_critical().__dataclass_fields__})
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        (card,) = safety_cards([odd], ctx=ctx, draft_orders=DRAFTS)
    assert card["extension"] == {"essdai-cds": {"findings": [{"rule": "R02", "drug": "baricitinib"}]}}


ALL_FINDINGS = [alc_critical(), egfr_dose(), missing_tb(), off_label(), lipids_info(), cbc_info()]


def test_every_card_follows_the_contract(ctx):
    cards = safety_cards(ALL_FINDINGS, ctx=ctx, draft_orders=DRAFTS)
    assert empty_paths(cards) == []
    json.dumps(cards)
    assert len({c["uuid"] for c in cards}) == len(cards)
    for card in cards:
        assert len(card["summary"]) < 140
        assert ("selectionBehavior" in card) == ("suggestions" in card)
        assert all(r["display"] for r in card["overrideReasons"])
        for action in actions(card):
            if action["type"] == "delete":
                assert "resource" not in action and action["resourceId"]
            else:
                validate_r4b(action["resource"])


def test_uuids_stay_unique_when_a_rule_reports_twice_for_one_order(ctx):
    twice = [missing_tb(), missing_tb(suggestion=Suggestion("order-test", "Order HBsAg", loinc=(("5195-3", "HBsAg"),))),
             missing_tb()]
    cards = safety_cards(twice, ctx=ctx, draft_orders={})
    assert len({c["uuid"] for c in cards}) == 3
    assert len({s["uuid"] for c in cards for s in c["suggestions"]}) == 3


def test_the_summary_check_sees_every_safety_card_summary(ctx, summaries_are_sentences):
    """conftest's whole-sentence check spies on cards.safety: every safety card's summary passes through it."""
    cards = safety_cards([alc_critical(), egfr_dose(), missing_tb(), off_label(), lipids_info()], ctx=ctx,
                         draft_orders=DRAFTS)
    assert len(cards) == 4 and all(c["summary"] in summaries_are_sentences for c in cards)
