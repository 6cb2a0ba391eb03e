"""AllergyIntolerance -> AllergyFact and Immunization -> ImmunizationFact, alone and through extract."""

from datetime import date
from typing import Any

import pytest

from fhir_mappings import extract
from fhir_mappings.allergies import read_allergy
from fhir_mappings.code_tables import vaccines
from fhir_mappings.facts import AllergyFact, ImmunizationFact, Skipped
from fhir_mappings.immunizations import read_immunization

from .builders import ATC, RXNORM, SCT, concept, patient

CVX = "http://hl7.org/fhir/sid/cvx"
AS_OF = date(2026, 11, 25)
CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def allergy(aid: str, code: str = "2047232", *, system: str = RXNORM, clinical: str | None = "active",
            verification: str | None = "confirmed", pid: str = "p1", **extra: Any) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "AllergyIntolerance", "id": aid, "patient": {"reference": f"Patient/{pid}"},
                           "code": concept(system, code, "Baricitinib"), **extra}
    if clinical is not None:
        res["clinicalStatus"] = concept(CLINICAL, clinical)
    if verification is not None:
        res["verificationStatus"] = concept(VERIFICATION, verification)
    return res


def immunization(iid: str, code: str = "121", *, system: str = CVX, status: str = "completed",
                 when: str | None = "2026-11-11", pid: str = "p1", **extra: Any) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Immunization", "id": iid, "status": status,
                           "patient": {"reference": f"Patient/{pid}"}, "vaccineCode": concept(system, code), **extra}
    if when is not None:
        res["occurrenceDateTime"] = when
    return res


# --- AllergyIntolerance ---------------------------------------------------------------------------------------
def test_allergy_coded_with_rxnorm_becomes_a_fact():
    facts, skipped = read_allergy(allergy("a1", criticality="high", recordedDate="2024-03-01T10:00:00Z"))
    assert skipped == []
    assert facts == [AllergyFact(
        ingredient="baricitinib", classes=frozenset({"jak-inhibitor"}), code=f"{RXNORM}|2047232",
        display="Baricitinib", reference="AllergyIntolerance/a1", clinical_status="active",
        verification="confirmed", criticality="high", recorded=date(2024, 3, 1))]
    assert facts[0].evidence().to_json() == {
        "reference": "AllergyIntolerance/a1", "display": "Baricitinib", "value": "active", "date": "2024-03-01",
        "code": f"{RXNORM}|2047232", "note": "criticality high; verification confirmed"}


@pytest.mark.parametrize(
    ("system", "code", "ingredient"),
    [(RXNORM, "1357536", "tofacitinib"), (ATC, "L04AF03", "upadacitinib"), (ATC, "L04AF04", "filgotinib")],
)
def test_allergy_codes_go_through_the_medication_table(system, code, ingredient):
    [fact], _ = read_allergy(allergy("a1", code, system=system))
    assert fact.ingredient == ingredient


@pytest.mark.parametrize(
    ("system", "code"),
    [(SCT, "387207008"), (RXNORM, "999999"), ("http://example.org/local", "2047232")],
    ids=["snomed-substance-not-matched", "unknown-rxnorm", "other-system"],
)
def test_unknown_allergy_codes_are_ignored_silently(system, code):
    assert read_allergy(allergy("a1", code, system=system)) == ([], [])


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_or_entered_in_error_allergy_is_dropped_and_reported(verification):
    assert read_allergy(allergy("a1", verification=verification)) == (
        [], [Skipped("AllergyIntolerance/a1", f"verificationStatus {verification!r}")])


@pytest.mark.parametrize(
    ("clinical", "verification"),
    [("active", "unconfirmed"), ("inactive", "confirmed"), ("resolved", "confirmed"), (None, None)],
)
def test_clinical_status_is_kept_as_received(clinical, verification):
    [fact], skipped = read_allergy(allergy("a1", clinical=clinical, verification=verification))
    assert (fact.clinical_status, fact.verification, fact.current, skipped) == (
        clinical, verification, clinical not in ("inactive", "resolved"), [])


def test_unknown_clinical_status_is_reported_not_guessed():
    assert read_allergy(allergy("a1", clinical="dormant")) == (
        [], [Skipped("AllergyIntolerance/a1", "clinicalStatus 'dormant' not recognised")])


def test_malformed_allergy_is_reported_not_raised():
    facts, skipped = read_allergy({"resourceType": "AllergyIntolerance", "id": "x", "code": {"coding": "nope"}})
    assert facts == [] and [s.reference for s in skipped] == ["AllergyIntolerance/x"]


# --- Immunization ---------------------------------------------------------------------------------------------
def test_completed_live_zoster_vaccine_becomes_a_fact():
    assert read_immunization(immunization("i1")) == ([ImmunizationFact(
        vaccine="zoster-live", live=True, code=f"{CVX}|121", display="Zoster vaccine, live",
        reference="Immunization/i1", status="completed", date=date(2026, 11, 11))], [])


@pytest.mark.parametrize(
    ("code", "vaccine", "live"),
    [("03", "mmr", True), ("3", "mmr", True), ("21", "varicella", True), ("183", "yellow-fever", True),
     ("149", "laiv", True), ("19", "bcg", True), ("187", "zoster-recombinant", False)],
)
def test_cvx_table(code, vaccine, live):
    [fact], _ = read_immunization(immunization("i1", code))
    assert (fact.vaccine, fact.live) == (vaccine, live)


def test_cvx_table_keeps_its_marks():
    marks = {v.code: v.mark for v in vaccines.VACCINES}
    assert marks.pop("187") == "V"
    assert set(marks.values()) == {"R"}


@pytest.mark.parametrize(
    ("code", "system"), [("140", CVX), ("121", SCT), ("", CVX)], ids=["influenza-not-listed", "not-cvx", "empty"])
def test_unknown_vaccine_codes_are_ignored_silently(code, system):
    assert read_immunization(immunization("i1", code, system=system)) == ([], [])


@pytest.mark.parametrize("status", ["not-done", "entered-in-error"])
def test_only_completed_immunizations_are_kept(status):
    assert read_immunization(immunization("i1", status=status)) == (
        [], [Skipped("Immunization/i1", f"status {status!r}")])


@pytest.mark.parametrize(
    ("fields", "shown"), [({"occurrenceString": "childhood"}, "'childhood'"), ({}, "None")])
def test_immunization_without_a_full_date_is_reported(fields, shown):
    assert read_immunization(immunization("i1", when=None, **fields)) == (
        [], [Skipped("Immunization/i1", f"occurrence {shown} is not a full date")])


def test_partial_date_is_reported():
    assert read_immunization(immunization("i1", when="2026-11"))[1] == [
        Skipped("Immunization/i1", "occurrence '2026-11' is not a full date")]


# --- through extract ------------------------------------------------------------------------------------------
def test_extract_reads_allergies_and_immunizations_of_the_patient_only():
    resources = [
        patient("p1", birthDate="1970-01-01"), patient("p2"),
        allergy("a1"), allergy("a2", verification="refuted"), allergy("a3", pid="p2"), allergy("a4", "387207008",
                                                                                              system=SCT),
        immunization("i1", when="2026-10-01"), immunization("i2", "187", when="2026-11-01"),
        immunization("i3", "140"), immunization("i4", status="not-done"), immunization("i5", pid="p2"),
        immunization("i1", when="2026-10-01"),  # the same resource twice (prefetch + search): read once
    ]
    facts = extract(resources, as_of=AS_OF, patient_id="p1")
    assert [a.reference for a in facts.allergies] == ["AllergyIntolerance/a1"]
    assert [(i.reference, i.vaccine) for i in facts.immunizations] == [
        ("Immunization/i2", "zoster-recombinant"), ("Immunization/i1", "zoster-live")]
    assert facts.immunization_records == 4  # i1..i4: every Immunization of p1, known code or not
    assert {s.reference: s.reason for s in facts.skipped} == {
        "AllergyIntolerance/a2": "verificationStatus 'refuted'", "Immunization/i4": "status 'not-done'"}
    assert facts.allergies_to("baricitinib") == facts.allergies
    assert [i.reference for i in facts.immunizations_within(28, live=True)] == []
    assert [i.reference for i in facts.immunizations_within(55, live=True)] == ["Immunization/i1"]
    assert [i.reference for i in facts.immunizations_of("zoster-recombinant")] == ["Immunization/i2"]


def test_extract_without_allergies_or_immunizations_keeps_the_defaults():
    facts = extract([patient("p1")], as_of=AS_OF, patient_id="p1")
    assert (facts.allergies, facts.immunizations, facts.immunization_records) == ((), (), 0)


def test_future_immunization_is_not_counted_before_it_happens():
    facts = extract([patient("p1"), immunization("i1", when="2026-12-01")], as_of=AS_OF, patient_id="p1")
    assert facts.immunizations_of() == () and facts.immunizations_within(400) == ()
