"""The names safety reads (analytes, units, condition concepts, medication classes) exist in the
fhir_mappings code tables. safety may not import those tables (it reads facts only), so this test
is what keeps the two vocabularies from drifting apart."""

from __future__ import annotations


from safety.lookups import UNITS

from fhir_mappings import units
from fhir_mappings.code_tables import conditions, medications

ANALYTES = {"lymphocytes", "neutrophils", "hemoglobin", "egfr", "creatinine", "weight", "alt", "ast", "bilirubin",
            "cholesterol", "ldl", "hdl", "triglycerides", "lipid-panel", "hbsag", "anti-hbc", "anti-hbs", "hbv-dna",
            "hcv-ab", "hcv-rna", "igra", "pregnancy-status", "hcg", "smoking-status", "bmi"}
CONCEPTS = {"sjogren", "active-tb", "latent-tb", "hepatitis-b", "hepatitis-c", "herpes-zoster", "zoster-history",
            "vte", "thrombophilia", "ascvd", "cv-risk-factor", "malignancy", "malignancy-history", "nmsc", "lymphoma",
            "tobacco", "pregnancy", "lactation", "diverticular-disease", "severe-hepatic-impairment", "diabetes",
            "infection", "chronic-infection", "ild"}
CLASSES = {"jak-inhibitor", "oat3-inhibitor-strong", "cyp3a4-inhibitor-strong", "cyp3a4-cyp2c19-inhibitor",
           "cyp3a4-inducer-strong", "biologic-dmard", "potent-immunosuppressant", "nsaid", "corticosteroid", "opioid",
           "hormonal-vte-risk", "ltbi-treatment", "antidiabetic"}
INGREDIENTS = {"baricitinib", "tofacitinib", "upadacitinib", "filgotinib", "probenecid", "prednisone", "prednisolone"}


def test_analytes_exist_and_units_match_the_canonical_units():
    assert ANALYTES <= set(units.CANONICAL_UNIT)
    assert {a: u for a, u in UNITS.items() if units.CANONICAL_UNIT.get(a) != u} == {}


def test_condition_concepts_exist():
    assert CONCEPTS - set(conditions.CONCEPTS) == set()


def test_medication_classes_and_ingredients_exist():
    known = {c for i in medications.INGREDIENTS.values() for c in i.classes}
    assert CLASSES - known == set()
    assert INGREDIENTS - set(medications.INGREDIENTS) == set()
