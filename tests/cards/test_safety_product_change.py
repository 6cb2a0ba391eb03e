"""A dose change on an extended-release order changes the product, and two cards never offer the same
update (issue 11, label rows). Tofacitinib 11 mg XR ordered by its RxNorm SCD (1741046), patient on
fluconazole (R23: 5 mg once daily) with CrCl 44 mL/min (R06 FDA: 5 mg once daily)."""

from __future__ import annotations

import fhir_mappings
import safety
from cards import safety_cards
from tests.safety.safety_factories import finding, meas, med, patient

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DRAFT = {"resourceType": "MedicationRequest", "id": "xr", "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/pt-42"},
         "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1741046",
                                                   "display": "tofacitinib 11 MG 24HR Extended Release Oral Tablet"}]},
         "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet",
                                                                  "system": "http://unitsofmeasure.org",
                                                                  "code": "{tbl}"}}]}]}


def _cards(ctx, *items, labs=None):
    [order], _ = fhir_mappings.draft_orders({"resourceType": "Bundle", "entry": [{"resource": DRAFT}]})
    findings = safety.check_order(order, patient(*items, labs=labs), "FDA")
    return findings, safety_cards(findings, ctx=ctx, draft_orders={"MedicationRequest/xr": DRAFT})


def test_xr_dose_change_orders_the_coded_5_mg_immediate_release_tablet(ctx):
    """jak-safety-rules.md §5.8 R23 [V]: "Strong CYP3A4 inhibitor, or fluconazole-type -> 5 mg once daily
    (XR 11 mg -> IR 5 mg QD)". An 11 mg extended-release tablet cannot give 5 mg: the product changes."""
    findings, cards = _cards(ctx, med("fluconazole", "cyp3a4-cyp2c19-inhibitor"))
    [r23] = [f for f in findings if f.rule == "R23"]
    assert r23.suggestion.product == (RXNORM, "1357541", "tofacitinib 5 MG Oral Tablet")
    assert r23.suggestion.label == "Change to tofacitinib 5 MG Oral Tablet, once daily"
    [action] = [a for c in cards for s in c.get("suggestions", []) for a in s["actions"] if a["type"] == "update"]
    resource = action["resource"]
    assert resource["medicationCodeableConcept"] == {
        "coding": [{"system": RXNORM, "code": "1357541", "display": "tofacitinib 5 MG Oral Tablet"}],
        "text": "tofacitinib 5 MG Oral Tablet"}
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 5
    assert resource["dosageInstruction"][0]["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d"}
    assert "product changed to tofacitinib 5 MG Oral Tablet" in action["description"]


def test_two_cards_never_offer_the_same_update(ctx):
    findings, cards = _cards(ctx, med("fluconazole", "cyp3a4-cyp2c19-inhibitor"),
                            labs={"creatinine": meas("creatinine", 1.6), "weight": meas("weight", 60)})  # CrCl 44
    assert {f.rule for f in findings if f.suggestion is not None and str(f.suggestion.kind) == "dose-change"} >= {
        "R06"}
    updates = [c for c in cards for s in c.get("suggestions", []) for a in s["actions"] if a["type"] == "update"]
    assert len(updates) == 1
    others = [c for c in cards if c not in updates and "The same change is offered on the" in c["detail"]]
    assert len(others) == 1


def test_child_pugh_b_on_the_xr_order_changes_the_product_to_the_5_mg_tablet(ctx):
    """XELJANZ USPI 2.3 Table 1: "Moderate HI (Child-Pugh B) | 5 mg once daily | XELJANZ tablets 5 mg once
    daily" -- the XR column names the immediate-release tablets, so the 11 mg XR order becomes the coded
    5 mg tablet once daily (R07), offered on one card only."""
    findings, cards = _cards(ctx, finding("child-pugh-class", "B"))
    [r07] = [f for f in findings if f.rule == "R07"]
    assert r07.suggestion.product == (RXNORM, "1357541", "tofacitinib 5 MG Oral Tablet")
    assert r07.suggestion.label == "Change to tofacitinib 5 MG Oral Tablet, once daily"
    updates = [a for c in cards for s in c.get("suggestions", []) for a in s["actions"] if a["type"] == "update"]
    assert len(updates) == 1
    assert updates[0]["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "1357541"
