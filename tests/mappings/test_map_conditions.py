"""Condition JSON -> ConditionFact: code tables, verification and clinical status, abatement."""

from datetime import date

import pytest

from fhir_mappings.code_tables import conditions as table
from fhir_mappings.conditions import read_condition
from fhir_mappings.facts import ConditionFact, Skipped

from .builders import ICD, SCT, condition

AS_OF = date(2026, 11, 25)


def concepts(*args, **kw):
    facts, skipped = read_condition(condition("c", *args, **kw), as_of=AS_OF)
    assert skipped == []
    return {f.concept: f.status for f in facts}


# --- code table: ICD-10-CM exact / prefix / range / pattern, with or without the dot ---------------------------
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("M35.00", {"sjogren"}, id="M35.00"),
        pytest.param("M3500", {"sjogren"}, id="M3500-no-dot"),
        pytest.param("m35.00", {"sjogren"}, id="lower-case"),
        pytest.param("M35.0", {"sjogren"}, id="M35.0-pre-FY2023"),
        pytest.param("M35.02", {"sjogren", "ild"}, id="M35.02-lung"),
        pytest.param("M35.03", {"sjogren", "myositis-diagnosis"}, id="M35.03-myopathy-not-proof"),
        pytest.param("M35.04", {"sjogren", "tubulo-interstitial-nephritis"}, id="M35.04-not-rta"),
        pytest.param("M35.05", {"sjogren", "arthritis"}, id="M35.05"),
        pytest.param("M35.06", {"sjogren", "peripheral-neuropathy"}, id="M35.06"),
        pytest.param("M35.07", {"sjogren", "cns-involvement"}, id="M35.07-cns-involvement"),
        pytest.param("M35.0A", {"sjogren", "glomerulonephritis"}, id="M35.0A"),
        pytest.param("M35.0B", {"sjogren", "vasculitis-unstated-site"}, id="M35.0B"),
        pytest.param("M35.1", set(), id="M35.1-not-sjogren"),
        pytest.param("C88.40", {"lymphoma", "malignancy"}, id="C88.40"),
        pytest.param("C83.01", {"lymphoma", "malignancy"}, id="C83.01-site-not-remission"),
        pytest.param("C85.9A", {"lymphoma", "malignancy"}, id="C85.9A"),
        pytest.param("C50.911", {"malignancy"}, id="breast-cancer-range"),
        pytest.param("C44.91", {"nmsc"}, id="C44-excluded-from-malignancy"),
        pytest.param("Z85.3", {"malignancy-history"}, id="Z85.3"),
        pytest.param("Z85.828", set(), id="Z85.828-excluded"),
        pytest.param("J84.10", {"ild"}, id="J84.10"),
        pytest.param("N05.2", {"glomerulonephritis", "membranous-gn"}, id="N05.2-membranous"),
        pytest.param("N04.3", {"glomerulonephritis", "proliferative-gn"}, id="N04.3-proliferative"),
        pytest.param("N03.9", {"glomerulonephritis"}, id="N03.9"),
        pytest.param("D59.11", {"aiha"}, id="D59.11"),
        pytest.param("D59.1", {"aiha"}, id="D59.1-pre-FY2021"),
        pytest.param("D50.9", {"iron-deficiency-anaemia"}, id="D50.9"),
        pytest.param("A41.9", {"infection", "intercurrent-infection"}, id="sepsis"),
        pytest.param("J18.9", {"infection", "intercurrent-infection"}, id="pneumonia"),
        pytest.param("A15.0", {"active-tb", "intercurrent-infection"}, id="active-tb"),
        pytest.param("R76.11", {"latent-tb"}, id="latent-tb"),
        pytest.param("B18.1", {"hepatitis-b"}, id="chronic-hbv"),
        pytest.param("I26.99", {"vte"}, id="pe"),
        pytest.param("I21.4", {"ascvd"}, id="mi"),
        pytest.param("E11.9", {"diabetes", "cv-risk-factor"}, id="t2dm"),
        pytest.param("O09.90", {"pregnancy"}, id="pregnancy-range"),
        pytest.param("O9A.111", {"pregnancy"}, id="O9A-top-of-range"),
        pytest.param("K57.30", {"diverticular-disease"}, id="diverticulosis"),
        pytest.param("K63.1", {"diverticular-disease", "gi-perforation"}, id="gi-perforation"),
        pytest.param("N18.5", {"ckd-severe"}, id="ckd5"),
        pytest.param("K74.60", {"severe-hepatic-impairment"}, id="cirrhosis"),
        pytest.param("F17.210", {"tobacco"}, id="tobacco"),
        pytest.param("A87.2", {"intercurrent-infection"}, id="A87.2-an-infection-not-lymphocytic-meningitis"),
    ],
)
def test_icd10cm_codes_map_to_concepts(code, expected):
    assert {c for row in table.match(ICD, code) for c in row.concepts} == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("83901003", {"sjogren"}, id="sjogren"),
        pytest.param("233703007", {"ild"}, id="ild"),
        pytest.param("190815001", {"cryoglobulinaemia"}, id="cryo-vasculitis"),
        pytest.param("47000000", {"transverse-myelitis"}, id="tm"),
        pytest.param("1234567", set(), id="unlisted-descendant-not-expanded"),
    ],
)
def test_snomed_codes_map_exactly(code, expected):
    assert {c for row in table.match(SCT, code) for c in row.concepts} == expected


def test_other_systems_never_match():
    assert table.match("http://hl7.org/fhir/sid/icd-10", "M35.0") == ()
    assert table.match(None, "M35.0") == ()


def test_every_row_has_a_mark_and_a_source():
    assert all(row.mark in {"V", "P", "G", "R", "UNVERIFIED"} and row.source for row in table.ROWS)


# --- verification and clinical status -----------------------------------------------------------------------------------
@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_and_entered_in_error_are_dropped_and_reported(verification):
    facts, skipped = read_condition(condition("c", "M35.00", verification=verification), as_of=AS_OF)
    assert facts == [] and skipped == [Skipped("Condition/c", f"verificationStatus {verification!r}")]


@pytest.mark.parametrize("verification", ["confirmed", "provisional", "differential", "unconfirmed", None])
def test_other_verification_statuses_are_kept_and_recorded(verification):
    facts, _ = read_condition(condition("c", "M35.00", verification=verification), as_of=AS_OF)
    assert [(f.concept, f.verification) for f in facts] == [("sjogren", verification)]


@pytest.mark.parametrize(
    ("clinical", "status"),
    [
        ("active", "active"), ("recurrence", "active"), ("relapse", "active"),
        ("remission", "remission"), ("inactive", "inactive"), ("resolved", "inactive"), (None, "active"),
    ],
)
def test_clinical_status(clinical, status):
    assert concepts("M35.00", clinical=clinical) == {"sjogren": status}


def test_unknown_clinical_status_is_reported_not_guessed():
    facts, skipped = read_condition(condition("c", "M35.00", clinical="dormant"), as_of=AS_OF)
    assert facts == [] and skipped == [Skipped("Condition/c", "clinicalStatus 'dormant' not recognised")]


@pytest.mark.parametrize(
    ("abatement", "status"),
    [
        pytest.param({"abatementDateTime": "2026-11-24"}, "inactive", id="abated-before-as-of"),
        pytest.param({"abatementDateTime": "2026-11-25T10:00:00Z"}, "inactive", id="abated-on-as-of"),
        pytest.param({"abatementDateTime": "2026-11-26"}, "active", id="abates-after-as-of"),
        pytest.param({"abatementPeriod": {"start": "2026-01-01", "end": "2026-02-01"}}, "inactive", id="period"),
        pytest.param({"abatementString": "in childhood"}, "inactive", id="string-date-unknown"),
        pytest.param({}, "active", id="not-abated"),
    ],
)
def test_abatement_ends_an_active_condition(abatement, status):
    assert concepts("J84.10", **abatement) == {"ild": status}


def test_abatement_date_is_recorded():
    facts, _ = read_condition(condition("c", "J84.10", abatementDateTime="2026-11-24"), as_of=AS_OF)
    assert facts[0].abated == date(2026, 11, 24)


# --- lymphoma: active vs remission ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "clinical", "status"),
    [
        pytest.param("C88.40", "active", "active", id="MALT-not-in-remission"),
        pytest.param("C88.41", "active", "remission", id="MALT-in-remission-code"),
        pytest.param("C88.41", None, "remission", id="remission-code-no-status"),
        pytest.param("C88.4", "active", "active", id="MALT-parent"),
        pytest.param("C88.40", "remission", "remission", id="remission-by-clinical-status"),
        pytest.param("C83.01", "active", "active", id="MZL-site-code-is-not-remission"),
        pytest.param("C83.0A", "active", "remission", id="MZL-FY2025-remission"),
        pytest.param("C83.38", "active", "active", id="DLBCL"),
        pytest.param("C85.1A", "active", "remission", id="NHL-FY2025-remission"),
        pytest.param("C88.41", "resolved", "inactive", id="resolved-stays-inactive"),
    ],
)
def test_lymphoma_active_vs_remission(code, clinical, status):
    assert concepts(code, clinical=clinical)["lymphoma"] == status


def test_condition_fact_fields():
    cond = condition("c", "M35.02", onsetDateTime="2019-03-02", recordedDate="2019-04-01T10:00:00Z")
    cond["code"]["coding"][0]["display"] = "Sjogren syndrome with lung involvement"
    facts, _ = read_condition(cond, as_of=AS_OF)
    assert facts[0] == ConditionFact(
        concept="sjogren", code=f"{ICD}|M35.02", display="Sjogren syndrome with lung involvement",
        reference="Condition/c", status="active", onset=date(2019, 3, 2), recorded=date(2019, 4, 1),
        verification="confirmed",
    )
    assert [f.concept for f in facts] == ["sjogren", "ild"]


def test_snomed_and_icd_codings_of_one_condition_give_each_concept_once():
    cond = condition("c", "M35.00")
    cond["code"]["coding"].append({"system": SCT, "code": "83901003"})
    facts, _ = read_condition(cond, as_of=AS_OF)
    assert [f.concept for f in facts] == ["sjogren"]


def test_irrelevant_condition_is_ignored_silently():
    assert read_condition(condition("c", "J45.909", verification="refuted"), as_of=AS_OF) == ([], [])


def test_display_is_never_matched():
    cond = condition("c", "ZZZ")
    cond["code"]["coding"][0]["display"] = "Sjögren's syndrome"
    cond["code"]["text"] = "Sjögren's syndrome"
    assert read_condition(cond, as_of=AS_OF) == ([], [])


def test_malformed_condition_never_raises():
    cond = condition("c", "M35.00")
    cond["clinicalStatus"] = "active"
    facts, skipped = read_condition(cond, as_of=AS_OF)
    assert all(isinstance(s, Skipped) for s in skipped) and all(isinstance(f, ConditionFact) for f in facts)


BRIEFED_CONCEPTS = """sjogren lymphoma splenomegaly lymphadenopathy salivary-swelling salivary-stone arthritis osteoarthritis
erythema-multiforme cutaneous-vasculitis purpura scle cryoglobulinaemia ild glomerulonephritis membranous-gn
proliferative-gn renal-tubular-acidosis myositis-diagnosis steroid-myopathy peripheral-neuropathy trigeminal-neuralgia
mononeuritis-multiplex cidp cns-vasculitis transverse-myelitis optic-neuritis seizures lymphocytic-meningitis aiha itp
neutropenia lymphopenia iron-deficiency-anaemia b12-deficiency folate-deficiency monoclonal-gammopathy
hypergammaglobulinaemia infection head-neck-radiation hepatitis-c hiv sarcoidosis amyloidosis gvhd igg4-disease
active-tb latent-tb tb-history hepatitis-b herpes-zoster zoster-history vte thrombophilia ascvd cv-risk-factor
malignancy malignancy-history nmsc tobacco pregnancy lactation diverticular-disease ckd-severe
severe-hepatic-impairment diabetes chronic-infection""".split()


def test_every_concept_scoring_and_safety_rely_on_exists():
    missing = set(BRIEFED_CONCEPTS) - table.CONCEPTS
    assert missing == set()
    # concepts added beyond that list, each documented in the code table
    assert table.CONCEPTS - set(BRIEFED_CONCEPTS) == {
        "arthralgia", "tubulo-interstitial-nephritis", "gi-perforation", "peptic-ulcer",
        # issue 12: diagnosis codes that open a domain, and the other-cause exclusions table
        "cns-involvement", "intercurrent-infection", "vasculitis-unstated-site", "drug-induced-neutropenia",
        "infection-neutropenia", "drug-induced-aplasia", "drug-induced-anaemia", "other-neuropathy"}
