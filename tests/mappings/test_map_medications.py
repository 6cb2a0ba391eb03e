"""MedicationRequest / MedicationStatement -> MedicationFact; draft orders; medication code table."""

from datetime import date

import pytest

from fhir_mappings.code_tables import medications as table
from fhir_mappings.facts import MedicationFact, Skipped
from fhir_mappings.medications import draft_orders, read_medication

from .builders import ATC, RXNORM, UCUM, concept, med_request, qty

GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"


def read(resource, **kw):
    return read_medication(resource, **kw)


# --- code table -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("system", "code", "ingredient", "classes"),
    [
        pytest.param(RXNORM, "2047232", "baricitinib", {"jak-inhibitor"}, id="baricitinib-IN"),
        pytest.param(RXNORM, "2205472", "baricitinib", {"jak-inhibitor"}, id="baricitinib-product"),
        pytest.param(RXNORM, "1357536", "tofacitinib", {"jak-inhibitor"}, id="tofacitinib-IN"),
        pytest.param(RXNORM, "2590051", "upadacitinib", {"jak-inhibitor"}, id="upadacitinib-product"),
        pytest.param(ATC, "L04AF04", "filgotinib", {"jak-inhibitor"}, id="filgotinib-2024"),
        pytest.param(ATC, "L04AA37", "baricitinib", {"jak-inhibitor"}, id="baricitinib-pre-2024"),
        pytest.param(ATC, "L04AF05", "jak-inhibitor-other", {"jak-inhibitor"}, id="itacitinib-class"),
        pytest.param(ATC, "M04AB01", "probenecid", {"oat3-inhibitor-strong"}, id="probenecid"),
        pytest.param(ATC, "J02AC01", "fluconazole", {"cyp3a4-cyp2c19-inhibitor"}, id="fluconazole"),
        pytest.param(ATC, "J02AB02", "ketoconazole", {"cyp3a4-inhibitor-strong"}, id="ketoconazole"),
        pytest.param(ATC, "J04AB02", "rifampicin", {"cyp3a4-inducer-strong", "ltbi-treatment"}, id="rifampicin"),
        pytest.param(ATC, "L01FA01", "rituximab", {"biologic-dmard"}, id="rituximab"),
        pytest.param(ATC, "L04AG04", "belimumab", {"biologic-dmard"}, id="belimumab"),
        pytest.param(ATC, "L04AB04", "tnf-inhibitor", {"biologic-dmard"}, id="adalimumab-class"),
        pytest.param(ATC, "L04AX01", "azathioprine", {"potent-immunosuppressant", "cytopenia-causing-drug"},
                     id="azathioprine"),
        pytest.param(ATC, "L01AA01", "cyclophosphamide", {"potent-immunosuppressant", "cytopenia-causing-drug"},
                     id="cyclophosphamide"),
        pytest.param(ATC, "L04AX03", "methotrexate", {"cytopenia-causing-drug"}, id="methotrexate"),
        pytest.param(ATC, "M01AE01", "nsaid", {"nsaid"}, id="ibuprofen-class"),
        pytest.param(ATC, "H02AB06", "prednisolone", {"corticosteroid"}, id="prednisolone"),
        pytest.param(ATC, "H02AB13", "systemic-corticosteroid", {"corticosteroid"}, id="deflazacort-class"),
        pytest.param(ATC, "N02AA01", "opioid", {"opioid"}, id="morphine-class"),
        pytest.param(ATC, "G03AA07", "combined-hormonal-contraceptive", {"hormonal-vte-risk"}, id="chc"),
        pytest.param(ATC, "J04AC01", "isoniazid", {"ltbi-treatment"}, id="isoniazid"),
        pytest.param(ATC, "J05AF10", "entecavir", {"hbv-antiviral"}, id="entecavir"),
        pytest.param(ATC, "A10BA02", "antidiabetic", {"antidiabetic"}, id="metformin-class"),
        pytest.param(RXNORM, "8698", "probenecid", {"oat3-inhibitor-strong"}, id="probenecid-rxnorm-in"),
        pytest.param(RXNORM, "198152", "probenecid", {"oat3-inhibitor-strong"}, id="probenecid-500-scd"),
        pytest.param(RXNORM, "1741046", "tofacitinib", {"jak-inhibitor"}, id="tofacitinib-11-xr-scd"),
        pytest.param(RXNORM, "3008", "ciclosporin", {"potent-immunosuppressant"}, id="cyclosporine-rxnorm-in"),
    ],
)
def test_medication_codes(system, code, ingredient, classes):
    row = table.match(system, code)
    assert row is not None and row.ingredient == ingredient
    assert table.INGREDIENTS[ingredient].classes == classes


@pytest.mark.parametrize(
    ("system", "code"),
    [
        pytest.param(RXNORM, "8699", id="rxnorm-code-not-listed"),
        pytest.param(ATC, "M01AX05", id="glucosamine-not-an-nsaid"),
        pytest.param(ATC, "P01BA02", id="hydroxychloroquine-not-flagged"),
        pytest.param("http://snomed.info/sct", "L04AF02", id="atc-code-in-another-system"),
    ],
)
def test_unlisted_medication_codes_do_not_match(system, code):
    assert table.match(system, code) is None


def test_every_medication_row_has_a_mark_and_a_source():
    assert all(c.mark in {"V", "S", "R", "G", "P"} and c.source for c in table.CODES)


# --- MedicationRequest -----------------------------------------------------------------------------------------------------
def test_medication_request_fields():
    mr = med_request("m1", dose=qty(2, "mg"), timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                     authoredOn="2026-11-01T09:00:00Z", intent="order")
    mr["dosageInstruction"][0]["text"] = "2 mg once daily"
    facts, skipped = read(mr)
    assert skipped == []
    assert facts == [MedicationFact(
        ingredient="baricitinib", classes=frozenset({"jak-inhibitor"}), code=f"{RXNORM}|2047232",
        display="baricitinib", reference="MedicationRequest/m1", resource_type="MedicationRequest",
        status="active", start=date(2026, 11, 1), dose_mg=2.0, doses_per_day=1.0, dose_text="2 mg once daily",
        intent="order",
    )]
    assert facts[0].daily_mg == 2.0


@pytest.mark.parametrize(
    ("dose", "timing", "dose_mg", "per_day"),
    [
        pytest.param(qty(2, "mg"), {"code": {"coding": [{"system": GTS, "code": "QD"}]}}, 2.0, 1.0, id="2mg-QD"),
        pytest.param(qty(5, "mg"), {"code": {"coding": [{"system": GTS, "code": "BID"}]}}, 5.0, 2.0, id="5mg-BID"),
        pytest.param(qty(5, "mg"), {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}, 5.0, 2.0,
                     id="5mg-2-per-day"),
        pytest.param(qty(5, "mg"), {"repeat": {"period": 12, "periodUnit": "h"}}, 5.0, 2.0, id="q12h"),
        pytest.param(qty(11, "mg"), None, 11.0, None, id="11mg-no-timing"),
        pytest.param(qty(15, "mg"), {"repeat": {"when": ["MORN"]}}, 15.0, 1.0, id="when-morning"),
        pytest.param(qty(0.2, "g"), {"code": {"coding": [{"code": "TID"}]}}, 200.0, 3.0, id="grams-TID"),
        pytest.param(qty(500, "ug"), None, 0.5, None, id="micrograms"),
        pytest.param({"value": 4, "unit": "mg"}, None, 4.0, None, id="unit-text-only"),
        pytest.param({"value": 250, "unit": "mcg"}, None, 0.25, None, id="mcg"),
        pytest.param(qty(10, "mg"), {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}}, 10.0,
                     pytest.approx(1 / 7), id="weekly"),
        pytest.param(None, {"code": {"coding": [{"system": GTS, "code": "BID"}]}}, None, 2.0, id="no-dose"),
    ],
)
def test_dose_parsing(dose, timing, dose_mg, per_day):
    facts, skipped = read(med_request("m", dose=dose, timing=timing))
    assert skipped == []
    assert (facts[0].dose_mg, facts[0].doses_per_day) == (dose_mg, per_day)


def test_dose_in_tablets_of_an_ingredient_code_is_not_guessed():
    facts, skipped = read(med_request("m", dose={"value": 1, "unit": "tablet"}))
    assert facts[0].dose_mg is None
    assert skipped == [Skipped("MedicationRequest/m",
                               "dose in 'tablet' but the product's strength is not known; dose not read")]


def test_dose_in_a_non_mass_non_count_unit_is_reported():
    facts, skipped = read(med_request("m", dose={"value": 1, "unit": "mL"}))
    assert facts[0].dose_mg is None
    assert skipped == [Skipped("MedicationRequest/m", "dose unit 'mL' is not a mass; dose not read")]


def test_unknown_drug_is_ignored_silently():
    assert read(med_request("m", code="999999")) == ([], [])


def test_entered_in_error_is_reported():
    assert read(med_request("m", status="entered-in-error")) == (
        [], [Skipped("MedicationRequest/m", "status 'entered-in-error'")])


# --- medicationReference -------------------------------------------------------------------------------------------------------
def _ref_request(ref):
    mr = med_request("m", code=None, dose=qty(4, "mg"))
    mr["medicationReference"] = {"reference": ref}
    return mr


def test_medication_reference_to_contained_medication():
    mr = _ref_request("#med")
    mr["contained"] = [{"resourceType": "Medication", "id": "med", "code": concept(ATC, "L04AF02")}]
    facts, skipped = read(mr)
    assert skipped == [] and [(f.ingredient, f.code, f.dose_mg) for f in facts] == [
        ("baricitinib", f"{ATC}|L04AF02", 4.0)]


@pytest.mark.parametrize("ref", ["Medication/olu", "https://ehr.example/fhir/Medication/olu"])
def test_medication_reference_to_a_bundled_medication(ref):
    meds = {"Medication/olu": {"resourceType": "Medication", "id": "olu", "code": concept(RXNORM, "2047247")}}
    facts, skipped = read(_ref_request(ref), medications=meds, fhir_base="https://ehr.example/fhir")
    assert skipped == [] and [f.ingredient for f in facts] == ["baricitinib"]


def test_medication_ingredients_are_used_when_the_product_code_is_unknown():
    meds = {"Medication/x": {"resourceType": "Medication", "id": "x", "code": concept(RXNORM, "1111111"),
                             "ingredient": [{"itemCodeableConcept": concept(ATC, "L04AX01")},
                                            {"itemCodeableConcept": concept(ATC, "H02AB06")}]}}
    facts, _ = read(_ref_request("Medication/x"), medications=meds)
    assert [f.ingredient for f in facts] == ["azathioprine", "prednisolone"]


@pytest.mark.parametrize("ref", ["Medication/missing", "#missing"])
def test_unresolvable_medication_reference_is_skipped(ref):
    assert read(_ref_request(ref)) == (
        [], [Skipped("MedicationRequest/m", f"medicationReference {ref!r} could not be resolved")])


# --- MedicationStatement ----------------------------------------------------------------------------------------------------------
def test_medication_statement_period_and_dosage():
    ms = {"resourceType": "MedicationStatement", "id": "s", "status": "active", "subject": {"reference": "Patient/p1"},
          "medicationCodeableConcept": concept(ATC, "M01AE01"),
          "effectivePeriod": {"start": "2026-01-01", "end": "2026-12-31"},
          "dosage": [{"doseAndRate": [{"doseQuantity": qty(400, "mg")}],
                      "timing": {"code": {"coding": [{"system": GTS, "code": "TID"}]}}}]}
    (fact,), skipped = read(ms)
    assert skipped == []
    assert (fact.ingredient, fact.resource_type, fact.status, fact.start, fact.end, fact.daily_mg, fact.intent) == (
        "nsaid", "MedicationStatement", "active", date(2026, 1, 1), date(2026, 12, 31), 1200.0, None)


# --- draft orders (CDS Hooks draftOrders) -------------------------------------------------------------------------------------------
def test_draft_orders_lenient_bundle_without_type_intent_or_dose():
    order = {"resourceType": "MedicationRequest", "id": "request-123", "status": "draft",
             "medicationCodeableConcept": concept(RXNORM, "2047232")}
    facts, skipped = draft_orders({"resourceType": "Bundle", "entry": [{"resource": order}]})
    assert skipped == []
    assert [(f.ingredient, f.reference, f.status, f.intent, f.dose_mg) for f in facts] == [
        ("baricitinib", "MedicationRequest/request-123", "draft", None, None)]


def test_draft_orders_without_status_are_drafts():
    order = {"resourceType": "MedicationRequest", "id": "r", "medicationCodeableConcept": concept(ATC, "L04AF01"),
             "dosageInstruction": [{"doseAndRate": [{"doseQuantity": qty(5, "mg", ucum=False)}],
                                    "timing": {"code": {"coding": [{"code": "BID"}]}}}]}
    facts, _ = draft_orders({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]})
    assert [(f.ingredient, f.status, f.dose_mg, f.doses_per_day) for f in facts] == [("tofacitinib", "draft", 5.0, 2.0)]


def test_draft_order_without_medication_is_reported():
    order = {"resourceType": "MedicationRequest", "id": "r"}
    assert draft_orders({"resourceType": "Bundle", "entry": [{"resource": order}]}) == (
        [], [Skipped("MedicationRequest/r", "no medication yet (draft order)")])


def test_draft_order_medication_in_the_same_bundle():
    order = {"resourceType": "MedicationRequest", "id": "r", "medicationReference": {"reference": "Medication/m"}}
    med = {"resourceType": "Medication", "id": "m", "code": concept(ATC, "L04AF03")}
    facts, skipped = draft_orders({"resourceType": "Bundle", "entry": [{"resource": order}, {"resource": med}]})
    assert skipped == [] and [f.ingredient for f in facts] == ["upadacitinib"]


def test_draft_orders_ignore_other_requests_and_unknown_drugs():
    other = {"resourceType": "ServiceRequest", "id": "s"}
    amoxicillin = {"resourceType": "MedicationRequest", "id": "a", "medicationCodeableConcept": concept(ATC, "J01CA04")}
    assert draft_orders({"resourceType": "Bundle", "entry": [{"resource": other}, {"resource": amoxicillin}]}) == ([], [])


@pytest.mark.parametrize(
    "bundle",
    [
        None,
        "not a bundle",
        [],
        {"resourceType": "Bundle"},
        {"resourceType": "Bundle", "entry": "x"},
        {"resourceType": "Bundle", "entry": [None, 3, {"resource": "x"}]},
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "MedicationRequest",
                                                           "medicationCodeableConcept": "baricitinib"}}]},
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "MedicationRequest", "id": "x",
                                                           "medicationCodeableConcept": concept(RXNORM, "2047232"),
                                                           "dosageInstruction": "2mg"}}]},
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "MedicationRequest", "id": "x",
                                                           "medicationReference": {"display": "Olumiant"}}}]},
    ],
)
def test_draft_orders_never_raise(bundle):
    facts, skipped = draft_orders(bundle)
    assert all(isinstance(f, MedicationFact) for f in facts) and all(isinstance(s, Skipped) for s in skipped)


def test_draft_orders_accepts_a_bare_medication_request():
    order = {"resourceType": "MedicationRequest", "id": "r", "medicationCodeableConcept": concept(ATC, "L04AF02")}
    assert [f.ingredient for f in draft_orders(order)[0]] == ["baricitinib"]


def test_ucum_system_constant_is_the_one_the_builders_use():
    assert UCUM == "http://unitsofmeasure.org"


def test_medication_without_code_uses_all_its_ingredients():
    meds = {"Medication/x": {"resourceType": "Medication", "id": "x",
                             "ingredient": [{"itemCodeableConcept": concept(ATC, "L04AX01")},
                                            {"itemCodeableConcept": concept(ATC, "H02AB06")}]}}
    facts, _ = read(_ref_request("Medication/x"), medications=meds)
    assert [f.ingredient for f in facts] == ["azathioprine", "prednisolone"]
