"""read_input / parse_input / patients_in: Bundles, NDJSON, single resources, arrays, bad input."""

import io
import json
import sys

import pytest

from fhir_mappings import InputError, patients_in, read_input
from fhir_mappings.bundles import parse_input, resources_from

from .builders import obs, patient

P = patient("p1")
O1 = obs("o1", "731-0", 0.4, "10*9/L")
O2 = obs("o2", "718-7", 11.0, "g/dL")


def bundle(*resources, type_="searchset"):
    return {"resourceType": "Bundle", "type": type_, "entry": [{"resource": r} for r in resources]}


@pytest.mark.parametrize("type_", ["searchset", "collection", "transaction", "batch", "document"])
def test_bundle_of_any_type(tmp_path, type_):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle(P, O1, O2, type_=type_)))
    assert read_input(str(path)) == [P, O1, O2]


def test_bundle_without_type_and_entries_without_resource():
    data = {"resourceType": "Bundle", "entry": [{"resource": O1}, {"request": {"method": "DELETE", "url": "X/1"}},
                                                {"response": {"status": "201"}}]}
    assert parse_input(json.dumps(data)) == [O1]


def test_nested_bundles_are_flattened():
    assert parse_input(json.dumps(bundle(P, bundle(O1, bundle(O2))))) == [P, O1, O2]


def test_ndjson(tmp_path):
    path = tmp_path / "r.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in (P, O1, O2)) + "\n\n")
    assert read_input(path) == [P, O1, O2]


def test_single_resource_and_array():
    assert parse_input(json.dumps(O1)) == [O1]
    assert parse_input(json.dumps([P, bundle(O1)])) == [P, O1]


def test_file_objects_binary_and_text_and_bom():
    raw = json.dumps(bundle(O1)).encode()
    assert read_input(io.BytesIO(raw)) == [O1]
    assert read_input(io.StringIO(raw.decode())) == [O1]
    assert read_input(io.BytesIO(b"\xef\xbb\xbf" + raw)) == [O1]


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(O1).encode())))
    assert read_input("-") == [O1]


def test_transaction_bundle_with_urn_uuid_references_is_made_readable():
    uuid_p, uuid_o = "urn:uuid:1f0c6f5e-0000-4000-8000-000000000001", "urn:uuid:1f0c6f5e-0000-4000-8000-000000000002"
    pat = {"resourceType": "Patient"}
    o = {"resourceType": "Observation", "status": "final", "subject": {"reference": uuid_p}}
    report = {"resourceType": "DiagnosticReport", "id": "r", "subject": {"reference": uuid_p},
              "result": [{"reference": uuid_o}]}
    data = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": uuid_p, "resource": pat, "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": uuid_o, "resource": o, "request": {"method": "POST", "url": "Observation"}},
        {"fullUrl": "urn:uuid:1f0c6f5e-0000-4000-8000-000000000003", "resource": report}]}
    got = resources_from(data)
    assert got[0] == {"resourceType": "Patient", "id": "1f0c6f5e-0000-4000-8000-000000000001"}
    assert got[1]["subject"] == {"reference": "Patient/1f0c6f5e-0000-4000-8000-000000000001"}
    assert got[2]["result"] == [{"reference": "Observation/1f0c6f5e-0000-4000-8000-000000000002"}]
    assert o["subject"] == {"reference": uuid_p}, "input dicts are not modified"
    assert patients_in(got) == ["1f0c6f5e-0000-4000-8000-000000000001"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "input: empty input", id="empty"),
        pytest.param(b"   \n", "input: empty input", id="blank"),
        pytest.param(b"<Bundle/>", "input: not JSON (Expecting value at line 1)", id="xml"),
        pytest.param(b'{"a": 1}', "input: not a FHIR resource (no resourceType)", id="json-not-fhir"),
        pytest.param(b"42", "input: not a FHIR resource, Bundle or array", id="number"),
        pytest.param(b'[{"resourceType": "Patient"}, 3]', "input: item 1 is not a FHIR resource (no resourceType)",
                     id="array-with-junk"),
        pytest.param(b'{"resourceType": "Patient"}\n{oops}\n',
                     "input: line 2 is not JSON (Expecting property name enclosed in double quotes)", id="bad-ndjson"),
        pytest.param(b'{"resourceType": "Patient"}\n{"id": 1}\n',
                     "input: NDJSON item 2 is not a FHIR resource (no resourceType)", id="ndjson-not-fhir"),
        pytest.param(b"\xff\xfe\x00", "input: not UTF-8 text", id="binary"),
    ],
)
def test_bad_input_raises_input_error_with_one_line(data, message):
    with pytest.raises(InputError) as err:
        parse_input(data)
    assert str(err.value) == message
    assert "\n" not in str(err.value) and isinstance(err.value, ValueError)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        read_input(tmp_path / "nope.json")
    assert str(err.value) == f"cannot read {tmp_path / 'nope.json'}: No such file or directory"


def test_patients_in_lists_patient_resources_then_referenced_patients():
    res = [obs("a", "731-0", patient="p9"), patient("p2"), P, obs("b", "731-0", patient="p2"),
           {"resourceType": "MedicationRequest", "subject": {"reference": "https://x/fhir/Patient/p3"}}]
    assert patients_in(res) == ["p2", "p1", "p9", "p3"]
