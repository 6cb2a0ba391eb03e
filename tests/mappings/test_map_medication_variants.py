"""One drug, every way a real order codes it: RxNorm IN, SCD, SBD, brand or ingredient text only,
and Medication references (contained, urn:uuid in the draft-orders Bundle, relative, absolute).

Each variant must give the same ingredient, and the product variants the strength and release form
that dose checks need."""

from __future__ import annotations

import pytest

from fhir_mappings.code_tables import medications as table
from fhir_mappings.facts import Skipped
from fhir_mappings.medications import draft_orders, product_strength, read_medication

from .builders import ATC, RXNORM, UCUM, med_request

TABLET = {"value": 1, "unit": "tablet", "system": UCUM, "code": "{tbl}"}
ONCE_DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


def _order(medication: dict, dose: dict = TABLET, **fields) -> dict:
    res = med_request("o", code=None, dose=dose, timing=ONCE_DAILY, status="draft", **fields)
    res.update(medication)
    return res


def _cc(*codings: tuple[str, str, str], text: str | None = None) -> dict:
    out: dict = {"coding": [{"system": s, "code": c, "display": d} for s, c, d in codings]}
    if text is not None:
        out["text"] = text
    return {"medicationCodeableConcept": out}


def _one(resource: dict, **kw):
    facts, skipped = read_medication(resource, **kw)
    assert len(facts) == 1, (facts, skipped)
    return facts[0], skipped


def test_scd_of_tofacitinib_11_mg_xr_gives_strength_and_release_from_the_product_row():
    """openFDA NDC 27241-270: tofacitinib 11 mg/1, TABLET, EXTENDED RELEASE, rxcui 1741046 only."""
    fact, skipped = _one(_order(_cc((RXNORM, "1741046", ""))))  # no display: the row alone must do it
    assert (fact.ingredient, fact.strength_mg, fact.release, fact.dose_mg, fact.daily_mg) == (
        "tofacitinib", 11, "extended-release", 11, 11)
    assert (fact.recognised_by, fact.code, skipped) == ("code", f"{RXNORM}|1741046", [])


@pytest.mark.parametrize(("coding", "ingredient", "strength", "release"), [
    pytest.param((RXNORM, "2047241", "baricitinib 2 MG Oral Tablet"), "baricitinib", 2, "immediate-release",
                 id="baricitinib-scd-display"),
    pytest.param((RXNORM, "2196894", "upadacitinib 15 MG 24HR Extended Release Oral Tablet [Rinvoq]"),
                 "upadacitinib", 15, "extended-release", id="upadacitinib-sbd-display"),
    pytest.param((RXNORM, "1357547", "Xeljanz 5 MG Oral Tablet"), "tofacitinib", 5, "immediate-release",
                 id="tofacitinib-sbd-display"),
])
def test_product_codes_read_strength_from_the_rxnorm_name(coding, ingredient, strength, release):
    fact, skipped = _one(_order(_cc(coding)))
    assert (fact.ingredient, fact.strength_mg, fact.release, fact.dose_mg, skipped) == (
        ingredient, strength, release, strength, [])


@pytest.mark.parametrize(("text", "ingredient", "strength", "release"), [
    ("Olumiant (baricitinib) 2 mg tablet", "baricitinib", 2, "immediate-release"),
    ("XELJANZ XR 11mg extended-release tablet", "tofacitinib", 11, "extended-release"),
    ("RINVOQ® 30 mg prolonged-release tablets", "upadacitinib", 30, "extended-release"),
    ("Jyseleca 200 mg film-coated tablets", "filgotinib", 200, "immediate-release"),
    ("filgotinib 100 MG", "filgotinib", 100, None),
])
def test_text_only_orders_are_recognised_by_name(text, ingredient, strength, release):
    fact, skipped = _one(_order({"medicationCodeableConcept": {"text": text}}))
    assert (fact.ingredient, fact.recognised_by, fact.code, fact.display) == (ingredient, "name", "", text)
    assert (fact.strength_mg, fact.release, fact.dose_mg) == (strength, release, strength)
    assert fact.evidence().note == "recognised by name"


def test_an_unknown_code_with_a_known_display_is_recognised_by_name():
    fact, _ = _one(_order(_cc(("http://example.org/local-formulary", "X1", "Probenecid 500 mg tab"))))
    assert (fact.ingredient, fact.recognised_by, fact.dose_mg) == ("probenecid", "name", 500)


@pytest.mark.parametrize("text", ["tofacitinibum", "Olumiantx", "pre-baricitinibX", "bari citinib"])
def test_names_match_whole_words_only(text):
    assert read_medication(_order({"medicationCodeableConcept": {"text": text}})) == ([], [])


def test_a_code_wins_over_a_name_in_the_text():
    fact, _ = _one(_order(_cc((ATC, "L04AF02", "baricitinib"), text="Xeljanz (mis-typed text)")))
    assert (fact.ingredient, fact.recognised_by) == ("baricitinib", "code")


def test_combination_product_names_both_ingredients_and_no_single_strength():
    facts, _ = read_medication(_order({"medicationCodeableConcept": {
        "text": "probenecid 500 mg / colchicine 0.5 mg tablet"}}, dose={"value": 500, "unit": "mg"}))
    assert [(f.ingredient, f.strength_mg) for f in facts] == [("probenecid", None)]
    assert product_strength(["probenecid 500 mg / colchicine 0.5 mg tablet"]) == (None, None)


def test_strength_per_ml_is_not_a_tablet_strength():
    assert product_strength(["tofacitinib 1 mg/mL oral solution"]) == (None, None)


MEDICATION = {"resourceType": "Medication", "id": "med-bari",
              "code": {"coding": [{"system": RXNORM, "code": "2047232", "display": "baricitinib"}]}}


def test_urn_uuid_medication_reference_in_the_draft_orders_bundle():
    order = _order({"medicationReference": {"reference": "urn:uuid:6f1c0c2e-0000-4000-8000-000000000001"}},
                   dose={"value": 2, "unit": "mg"})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:6f1c0c2e-0000-4000-8000-000000000001", "resource": {**MEDICATION, "id": None}},
        {"fullUrl": "urn:uuid:6f1c0c2e-0000-4000-8000-000000000002", "resource": order}]}
    facts, skipped = draft_orders(bundle)
    assert [(f.ingredient, f.dose_mg, f.recognised_by) for f in facts] == [("baricitinib", 2, "code")]
    assert skipped == []


@pytest.mark.parametrize("reference", ["Medication/med-bari", "https://ehr.example/fhir/Medication/med-bari",
                                       "Medication/med-bari/_history/2"])
def test_relative_and_absolute_references_resolve_to_a_fetched_medication(reference):
    """An absolute reference resolves under the FHIR base the order came from (fhir_base)."""
    fact, _ = _one(_order({"medicationReference": {"reference": reference}}, dose={"value": 2, "unit": "mg"}),
                   medications={"Medication/med-bari": MEDICATION}, fhir_base="https://ehr.example/fhir")
    assert fact.ingredient == "baricitinib"


def test_contained_medication_named_only_by_text():
    order = _order({"medicationReference": {"reference": "#m1"}},
                   contained=[{"resourceType": "Medication", "id": "m1", "code": {"text": "Rinvoq 15 mg ER tablet"}}])
    fact, _ = _one(order)
    assert (fact.ingredient, fact.recognised_by, fact.strength_mg, fact.release) == (
        "upadacitinib", "name", 15, "extended-release")


def test_unresolvable_reference_is_reported():
    assert read_medication(_order({"medicationReference": {"reference": "urn:uuid:nowhere"}})) == (
        [], [Skipped("MedicationRequest/o", "medicationReference 'urn:uuid:nowhere' could not be resolved")])


def test_every_product_and_name_row_names_a_known_ingredient_and_a_source():
    from fhir_mappings.code_tables import medication_products as products

    assert all(p.ingredient in table.INGREDIENTS and p.source for p in products.PRODUCTS)
    assert all(i in table.INGREDIENTS and src for i, src in products.NAMES.values())
    assert all(c.source for c in table.CODES)
    unverified = [c.code for c in table.CODES if c.mark == "R" and c.system == RXNORM]
    assert unverified and all("[UNVERIFIED]" in c.source or "[R]" in c.source or "jak-safety" in c.source
                              for c in table.CODES if c.mark == "R" and c.system == RXNORM)


@pytest.mark.parametrize(("text", "ingredient", "classes"), [
    ("Humira (adalimumab) 40 mg/0.4 mL pen", "tnf-inhibitor", {"biologic-dmard"}),
    ("tocilizumab 162 mg syringe", "interleukin-inhibitor", {"biologic-dmard"}),
    ("Estradiol 1 mg tablet", "estrogen", {"hormonal-vte-risk"}),
    ("levonorgestrel/ethinyl estradiol 0.15/0.03 mg", "combined-hormonal-contraceptive", {"hormonal-vte-risk"}),
    ("Metformin 500 mg tablet", "metformin", {"antidiabetic"}),
    ("insulin glargine 100 units/mL", "antidiabetic", {"antidiabetic"}),
    ("Cyclosporine 100 mg capsule", "ciclosporin", {"potent-immunosuppressant"}),
    ("prednisolone 5 mg", "prednisolone", {"corticosteroid"}),
    ("abrocitinib 100 mg", "jak-inhibitor-other", {"jak-inhibitor"}),
])
def test_co_medications_named_only_by_text(text, ingredient, classes):
    statement = {"resourceType": "MedicationStatement", "id": "s", "status": "active",
                 "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": text}}
    fact, _ = _one(statement)
    assert (fact.ingredient, set(fact.classes), fact.recognised_by) == (ingredient, classes, "name")
