"""pipeline: the resources a result relies on are validated with fhir.resources R4B; an
invalid one is dropped, reported, and the result derived again without it."""

from datetime import date

import pipeline
from fhir_mappings.facts import Windows

AS_OF = date(2026, 11, 25)
SYSTEM = "http://essdai-cds.org/fhir/CodeSystem/essdai"


def _patient():
    return {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-01"}


def _lymphocytes(oid: str, value: float, day: str, **extra):
    obs = {"resourceType": "Observation", "id": oid, "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "731-0"}]},
           "subject": {"reference": "Patient/p1"}, "effectiveDateTime": f"{day}T08:00:00Z",
           "valueQuantity": {"value": value, "unit": "10*3/uL", "system": "http://unitsofmeasure.org",
                             "code": "10*3/uL"}}
    obs.update(extra)
    return obs


def _run(resources):
    return pipeline.assess(resources, as_of=AS_OF, patient_id="p1", windows=Windows(), codesystem=SYSTEM)


def _hem_evidence(result):
    return [(e["reference"], e["value"]) for e in result["essdai"]["domains"]["hematological"]["evidence"]]


def test_valid_evidence_is_used_and_nothing_is_reported():
    _facts, result = _run([_patient(), _lymphocytes("new", 0.4, "2026-11-20"), _lymphocytes("old", 0.9, "2026-11-01")])
    assert _hem_evidence(result) == [("Observation/new", 400.0)]
    assert not any("invalid FHIR" in w for w in result["warnings"])


def test_invalid_evidence_is_dropped_reported_and_the_next_value_used():
    # `issued` must be an instant: the mapping can read the value, the R4B model rejects the resource
    bad = _lymphocytes("new", 0.4, "2026-11-20", issued="not-a-date")
    facts, result = _run([_patient(), bad, _lymphocytes("old", 0.9, "2026-11-01")])
    assert _hem_evidence(result) == [("Observation/old", 900.0)]
    assert [s.reference for s in facts.skipped] == ["Observation/new"]
    assert facts.skipped[0].reason.startswith("invalid FHIR R4B Observation: issued")
    assert any("Observation/new" in w and "invalid FHIR R4B" in w for w in result["warnings"])


def test_evidence_with_a_non_string_id_is_validated_dropped_and_the_next_value_used():
    # a malformed id (a number) still names the resource in evidence: it must be checked, not skipped
    bad = _lymphocytes("new", 0.4, "2026-11-20")
    bad["id"] = 5
    facts, result = _run([_patient(), bad, _lymphocytes("old", 0.9, "2026-11-01")])
    assert _hem_evidence(result) == [("Observation/old", 900.0)]
    assert [s.reference for s in facts.skipped] == ["Observation/5"]
    assert facts.skipped[0].reason.startswith("invalid FHIR R4B Observation: id")


def test_evidence_references_walks_nested_results():
    result = {"a": {"evidence": [{"reference": "Observation/1"}, {"display": "no ref"}]},
              "b": [{"c": {"evidence": [{"reference": "Condition/2"}]}}], "evidence": "not a list"}
    assert sorted(pipeline.evidence_references(result)) == ["Condition/2", "Observation/1"]
