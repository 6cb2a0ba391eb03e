"""extract(): one patient's PatientFacts from mixed FHIR resources."""

from datetime import date

import pytest

from fhir_mappings import InputError, extract
from fhir_mappings.facts import Skipped, Windows

from .builders import ATC, PROJECT, condition, med_request, obs, patient, qty

AS_OF = date(2026, 11, 25)


def test_everything_for_one_patient():
    mr = med_request("m1", code=None, dose=qty(2, "mg"))
    mr["medicationReference"] = {"reference": "Medication/olu"}
    resources = [
        patient("p1", birthDate="1961-11-26", gender="female"),
        obs("l1", "731-0", 0.4, "10*9/L", when="2026-11-01T08:00:00Z"),
        obs("l2", "731-0", 0.9, "10*9/L", when="2026-11-20T08:00:00Z"),
        obs("f1", "synovitis-count", system=PROJECT, valueInteger=3),
        condition("c1", "M35.02"),
        mr,
        {"resourceType": "Medication", "id": "olu", "code": {"coding": [{"system": ATC, "code": "L04AF02"}]}},
    ]
    facts = extract(resources, as_of=AS_OF, patient_id="p1", windows=Windows(labs=60))
    assert (facts.patient_id, facts.as_of, facts.birth_date, facts.gender) == ("p1", AS_OF, date(1961, 11, 26), "female")
    assert facts.age_years() == 64
    assert [m.reference for m in facts.measurements] == ["Observation/l2", "Observation/l1"]
    assert facts.latest("lymphocytes").value == 900.0
    assert [(f.code, f.value) for f in facts.findings] == [("synovitis-count", 3)]
    assert [c.concept for c in facts.conditions] == ["sjogren", "ild"]
    assert [(m.ingredient, m.dose_mg) for m in facts.medications] == [("baricitinib", 2.0)]
    assert facts.skipped == () and facts.windows == Windows(labs=60)


def test_other_patients_are_left_out_and_subjectless_resources_kept():
    resources = [patient("p1"), patient("p2"), obs("a", "731-0", 0.4, "10*9/L", patient="p2"),
                 obs("b", "731-0", 0.5, "10*9/L", patient=None),
                 obs("c", "731-0", 0.6, "10*9/L", subject={"reference": "https://ehr/fhir/Patient/p1/_history/2"})]
    facts = extract(resources, as_of=AS_OF, patient_id="p1")
    assert [m.reference for m in facts.measurements] == ["Observation/b", "Observation/c"]


def test_single_patient_is_found_without_patient_id():
    assert extract([obs("a", "731-0", 0.4, "10*9/L", patient="p7")], as_of=AS_OF).patient_id == "p7"


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        pytest.param([], "no patient in the input: pass patient_id", id="none"),
        pytest.param([patient("a"), patient("b")], "2 patients in the input (a, b): pass patient_id", id="several"),
    ],
)
def test_patient_id_is_needed_when_not_exactly_one_patient(resources, message):
    with pytest.raises(InputError) as err:
        extract(resources, as_of=AS_OF)
    assert str(err.value) == message


def test_duplicate_resources_are_read_once():
    o = obs("a", "731-0", 0.4, "10*9/L")
    assert len(extract([o, dict(o)], as_of=AS_OF, patient_id="p1").measurements) == 1


def test_skipped_collects_only_relevant_problems():
    resources = [
        obs("bad-unit", "731-0", 0.4, "mg/furlong"),
        obs("prelim", "718-7", 11, "g/dL", status="preliminary"),
        condition("refuted", "M35.00", verification="refuted"),
        obs("noise", "2345-7", 99, "mg/furlong", status="preliminary"),  # glucose: irrelevant, not reported
        condition("asthma", "J45.909", verification="refuted"),  # irrelevant, not reported
        patient("p1", birthDate="1961"),
    ]
    facts = extract(resources, as_of=AS_OF, patient_id="p1")
    assert facts.skipped == (
        Skipped("Observation/bad-unit", "unknown unit 'mg/furlong' for lymphocytes"),
        Skipped("Observation/prelim", "status 'preliminary'"),
        Skipped("Condition/refuted", "verificationStatus 'refuted'"),
        Skipped("Patient/p1", "birthDate '1961' is not a full date"),
    )
    assert facts.birth_date is None


def test_percent_times_wbc_inside_one_diagnostic_report():
    report = {"resourceType": "DiagnosticReport", "id": "cbc", "subject": {"reference": "Patient/p1"},
              "result": [{"reference": "Observation/w"}, {"reference": "Observation/pct"}]}
    resources = [obs("w", "6690-2", 4.0, "10*3/uL", when="2026-11-20T08:00:00Z"),
                 obs("pct", "736-9", 10, "%", when="2026-11-20T08:02:00Z"), report]
    facts = extract(resources, as_of=AS_OF, patient_id="p1")
    assert facts.latest("lymphocytes").value == pytest.approx(400.0)
    assert facts.latest("lymphocytes").derived == "10 % x WBC 4.0 10*3/uL (Observation/w)"


def test_medications_passed_in_resolve_references():
    mr = med_request("m1", code=None)
    mr["medicationReference"] = {"reference": "Medication/x"}
    med = {"resourceType": "Medication", "id": "x", "code": {"coding": [{"system": ATC, "code": "L04AF03"}]}}
    assert extract([mr], as_of=AS_OF, patient_id="p1").medications == ()
    facts = extract([mr], as_of=AS_OF, patient_id="p1", medications=[med])
    assert [m.ingredient for m in facts.medications] == ["upadacitinib"]


def test_many_irrelevant_observations_cost_no_skipped_entries():
    noise = [obs(f"n{i}", "2345-7", 90 + i % 10, "mg/dL", status="preliminary" if i % 2 else "final")
             for i in range(5000)]
    facts = extract([patient("p1"), *noise], as_of=AS_OF, patient_id="p1")
    assert (facts.measurements, facts.skipped) == ((), ())


def test_validate_reports_structurally_invalid_resources():
    bad = obs("bad", "731-0", 0.4, "10*9/L", valueString=7)
    good = obs("good", "731-0", 0.4, "10*9/L")
    facts = extract([good, bad], as_of=AS_OF, patient_id="p1", validate=True)
    assert [m.reference for m in facts.measurements] == ["Observation/good"]
    assert [s.reference for s in facts.skipped] == ["Observation/bad"]
    assert facts.skipped[0].reason.startswith("invalid FHIR R4B: ")


def test_non_dict_items_are_ignored():
    assert extract([None, "x", obs("a", "731-0", 0.4, "10*9/L")], as_of=AS_OF, patient_id="p1").measurements[0].value == 400.0
