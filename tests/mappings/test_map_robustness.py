"""Property tests: malformed FHIR JSON never makes a public fhir_mappings function raise
(other than InputError from the input readers)."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings import InputError, draft_orders, extract, parse_input
from fhir_mappings.facts import PatientFacts

from .builders import ATC, component, concept, condition, med_request, obs, qty

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, width=32)
    | st.sampled_from(["", "final", "active", "mg", "10*9/L", "%", "2026-11-20", "#m", "Patient/p1", "731-0",
                       "http://loinc.org", "http://unitsofmeasure.org", "refuted", "BID"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["value", "unit", "code", "system", "coding", "reference", "low", "high", "start", "end",
                         "resource", "entry", "resourceType", "id", "repeat", "period", "periodUnit", "frequency"]),
        inner, max_size=4),
    max_leaves=12,
)

BASES = [
    obs("o", "731-0", 0.4, "10*9/L", referenceRange=[{"low": qty(1, "10*9/L")}],
        component=[component("98130-8", 80, "%")], interpretation=[concept("x", "H")]),
    obs("q", "5195-3", valueCodeableConcept=concept("http://snomed.info/sct", "10828004")),
    obs("f", "synovitis-count", system="http://essdai-cds.org/fhir/CodeSystem/essdai", valueInteger=2),
    condition("c", "M35.02", abatementDateTime="2026-01-01"),
    med_request("m", code="L04AF02", system=ATC, dose=qty(2, "mg"), timing={"repeat": {"frequency": 1, "period": 1,
                                                                                         "periodUnit": "d"}}),
]
FIELDS = ["code", "status", "valueQuantity", "valueCodeableConcept", "valueString", "valueInteger", "component",
          "referenceRange", "interpretation", "effectiveDateTime", "effectivePeriod", "subject", "clinicalStatus",
          "verificationStatus", "abatementDateTime", "abatementPeriod", "medicationCodeableConcept",
          "medicationReference", "dosageInstruction", "contained", "dataAbsentReason", "id"]


@st.composite
def damaged(draw):
    base = dict(draw(st.sampled_from(BASES)))
    for key in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True)):
        base[key] = draw(JSON)
    return base


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(damaged(), min_size=1, max_size=4))
def test_extract_never_raises_on_damaged_resources(resources):
    facts = extract(resources, as_of=date(2026, 11, 25), patient_id="p1")
    assert isinstance(facts, PatientFacts)


@settings(max_examples=200, deadline=None)
@given(JSON | st.lists(damaged(), max_size=3).map(lambda rs: {"resourceType": "Bundle",
                                                                "entry": [{"resource": r} for r in rs]}))
def test_draft_orders_never_raise(bundle):
    facts, skipped = draft_orders(bundle)
    assert isinstance(facts, list) and isinstance(skipped, list)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_parse_input_raises_only_input_error(data):
    try:
        out = parse_input(data)
    except InputError:
        return
    assert all(isinstance(r, dict) and isinstance(r.get("resourceType"), str) for r in out)


def test_deeply_nested_json_is_an_input_error():
    with pytest.raises(InputError) as err:
        parse_input("[" * 100_000 + "]" * 100_000)
    assert str(err.value) == "input: JSON nested too deeply"
