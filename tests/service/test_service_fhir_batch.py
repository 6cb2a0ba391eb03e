"""FHIR client, batch: several first reads in one `POST [base]` Bundle of type `batch` (FHIR R4 http.html
"batch/transaction"), each entry's status mapped as a GET's would be, and a server that does not do batch
read key by key (remembered for BATCH_RETRY_S). Faults the real test server will not produce: `responses`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from fhir_access.client import (
    BATCH_RETRY_S,
    Deadline,
    FhirAuthError,
    FhirBadResponse,
    FhirClient,
    FhirConnectTimeout,
    FhirNotAllowed,
    FhirNotFound,
    FhirSettings,
    FhirUnavailable,
)

BASE = "https://fhir.example.org/r4"
TOKEN = "very-secret-access-token"
READS = ["Patient/p1", "Condition?patient=p1&_count=100"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fhir_client(clock) -> Iterator[FhirClient]:
    client = FhirClient(FhirSettings(allowlist=(BASE,), max_bytes=10_000, page_cap=3, read_timeout=1.0), clock=clock)
    yield client
    client.close()


def bound(client: FhirClient, seconds: float = 2.0):  # noqa: ANN201
    return client.bind(BASE, TOKEN, Deadline(seconds))


def answer(*entries: dict[str, Any], kind: str = "batch-response") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def entry(status: str, resource: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"response": {"status": status}, **({"resource": resource} if resource is not None else {})}


PATIENT = {"resourceType": "Patient", "id": "p1"}
SEARCHSET = {"resourceType": "Bundle", "type": "searchset", "entry": []}


def test_one_post_to_the_base_with_the_gets_as_entries(fhir_client, rsps):
    rsps.add(responses.POST, BASE, json=answer(entry("200 OK", PATIENT), entry("200", SEARCHSET)),
             content_type="application/fhir+json")
    fhir = bound(fhir_client)
    assert fhir.batch(READS) == [PATIENT, SEARCHSET]
    assert fhir.calls == 1
    request = rsps.calls[0].request
    assert (request.method, request.url) == ("POST", BASE)
    assert request.headers["Content-Type"] == "application/fhir+json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": "Patient/p1"}},
        {"request": {"method": "GET", "url": "Condition?patient=p1&_count=100"}}]}


@pytest.mark.parametrize(("status", "error"), [
    ("404 Not Found", FhirNotFound), ("410", FhirNotFound), ("401 Unauthorized", FhirAuthError),
    ("403", FhirAuthError), ("500 Internal Server Error", FhirUnavailable), ("429", FhirUnavailable),
    ("400 Bad Request", FhirBadResponse), ("OK", FhirBadResponse), ("", FhirBadResponse), ("2000", FhirBadResponse),
])
def test_each_entry_status_is_mapped_as_a_get_would_be(fhir_client, rsps, status, error):
    outcome = {"resourceType": "OperationOutcome", "issue": []}
    rsps.add(responses.POST, BASE, json=answer(entry(status, outcome), entry("200 OK", SEARCHSET)),
             content_type="application/fhir+json")
    first, second = bound(fhir_client).batch(READS)
    assert type(first) is error
    assert second == SEARCHSET


@pytest.mark.parametrize("bad", [entry("200 OK"), entry("200 OK", {"id": "x"}), {"resource": PATIENT}, "text", None])
def test_an_entry_without_a_status_or_a_resource_is_a_bad_response(fhir_client, rsps, bad):
    rsps.add(responses.POST, BASE, json=answer(bad, entry("200 OK", SEARCHSET)), content_type="application/fhir+json")
    first, second = bound(fhir_client).batch(READS)
    assert isinstance(first, FhirBadResponse) and second == SEARCHSET


REFUSALS = {
    "403": {"status": 403, "json": {"resourceType": "OperationOutcome"}},
    "404": {"status": 404, "json": {"resourceType": "OperationOutcome"}},
    "405": {"status": 405, "body": ""},
    "422": {"status": 422, "json": {"resourceType": "OperationOutcome"}},
    "501": {"status": 501, "body": ""},
    "html-200": {"status": 200, "body": "<html>login</html>", "content_type": "text/html"},
    "not-json": {"status": 200, "body": "{oops", "content_type": "application/fhir+json"},
    "operation-outcome-200": {"status": 200, "json": {"resourceType": "OperationOutcome"},
                              "content_type": "application/fhir+json"},
    "searchset-not-batch-response": {"status": 200, "json": answer(entry("200", PATIENT), entry("200", SEARCHSET),
                                                                   kind="searchset")},
    "fewer-entries": {"status": 200, "json": answer(entry("200", PATIENT))},
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_server_that_does_not_do_batch_is_not_asked_again_for_a_while(fhir_client, rsps, refusal, clock):
    rsps.add(responses.POST, BASE, **{"content_type": "application/fhir+json", **REFUSALS[refusal]})
    assert bound(fhir_client).batch(READS) is None
    assert fhir_client.batch_allowed(BASE) is False
    fhir = bound(fhir_client)
    assert fhir.batch(READS) is None and fhir.calls == 0  # not asked again
    assert len(rsps.calls) == 1
    clock.now += BATCH_RETRY_S - 1
    assert fhir_client.batch_allowed(BASE) is False
    clock.now += 1
    assert fhir_client.batch_allowed(BASE) is True


@pytest.mark.parametrize("spelling", ["HTTPS://FHIR.example.org/r4", "https://fhir.example.org:443/r4",
                                      "https://fhir.example.org/r4/"])
def test_a_refusal_holds_for_the_server_however_its_base_is_spelled(fhir_client, spelling):
    fhir_client.note_batch_refused(BASE, "HTTP 405")
    assert fhir_client.batch_allowed(spelling) is False
    assert fhir_client.batch_allowed("https://fhir.example.org/r4b") is True


@pytest.mark.parametrize(("refusal", "logged"), [
    ("405", "HTTP 405"), ("html-200", "response is not FHIR JSON"), ("not-json", "response is not valid JSON"),
    ("operation-outcome-200", "not a batch-response of as many entries"),
])
def test_the_log_says_why_batch_was_left(fhir_client, rsps, caplog, refusal, logged):
    caplog.set_level("INFO", logger="essdai_cds.fhir")
    rsps.add(responses.POST, BASE, **{"content_type": "application/fhir+json", **REFUSALS[refusal]})
    bound(fhir_client).batch(READS)
    assert [r.getMessage() for r in caplog.records] == [
        f"FHIR server did not answer a batch ({logged}): reading key by key for 600 s"]


def test_an_answer_over_the_cap_is_read_key_by_key_but_batch_stays_on(fhir_client, rsps):
    # the cap scales with the entries: 2 entries may answer up to 2 x max_bytes in all
    big = {"resourceType": "Bundle", "type": "batch-response", "entry": [], "pad": "x" * 20_100}
    rsps.add(responses.POST, BASE, json=big, content_type="application/fhir+json")
    assert bound(fhir_client).batch(READS) is None
    assert fhir_client.batch_allowed(BASE) is True


def test_an_entry_over_one_gets_size_cap_is_too_large_as_its_get_would_be(fhir_client, rsps):
    # 10,100 bytes as compact JSON against the 10,000-byte cap of one GET; the batch (2 x 10,000) fits
    big = {**SEARCHSET, "pad": "y" * (10_100 - len(json.dumps({**SEARCHSET, "pad": ""}, separators=(",", ":"))))}
    assert len(json.dumps(big, separators=(",", ":"))) == 10_100
    rsps.add(responses.POST, BASE, json=answer(entry("200", PATIENT), entry("200", big)),
             content_type="application/fhir+json")
    first, second = bound(fhir_client).batch(READS)
    assert first == PATIENT
    assert type(second) is FhirBadResponse and str(second) == "response too large"
    assert fhir_client.batch_allowed(BASE) is True


def test_an_entry_nested_deeper_than_json_can_be_written_back_is_a_bad_response_not_an_error(fhir_client, rsps):
    # 300 levels: read (orjson reads 1,024) but not writable to measure (255); it is that key's failure, not a 500
    deep = '{"resourceType":"Bundle","type":"searchset","x":' + "[" * 300 + "]" * 300 + "}"
    body = '{"resourceType":"Bundle","type":"batch-response","entry":[' \
           '{"response":{"status":"200"},"resource":{"resourceType":"Patient","id":"p1"}},' \
           '{"response":{"status":"200"},"resource":' + deep + "}]}"
    rsps.add(responses.POST, BASE, body=body, content_type="application/fhir+json")
    first, second = bound(fhir_client).batch(READS)
    assert first == PATIENT
    assert type(second) is FhirBadResponse and str(second) == "batch entry nested too deeply"


@pytest.mark.parametrize("status", ["405 Method Not Allowed", "501 Not Implemented"])
def test_a_batch_whose_entry_is_not_done_inside_one_is_read_key_by_key(fhir_client, rsps, status, caplog):
    # the server takes the POST but not that read in a batch: its GET may work, so every key is read by GET
    caplog.set_level("INFO", logger="essdai_cds.fhir")
    rsps.add(responses.POST, BASE, json=answer(entry("200", PATIENT), entry(status)),
             content_type="application/fhir+json")
    assert bound(fhir_client).batch(READS) is None
    assert fhir_client.batch_allowed(BASE) is False
    assert [r.getMessage() for r in caplog.records] == [
        "FHIR server did not answer a batch (an entry answered 405 or 501): reading key by key for 600 s"]


def test_the_size_cap_and_the_read_timeout_scale_with_the_entries(fhir_client, rsps):
    fits = answer(entry("200", {**PATIENT, "pad": "x" * 9_000}), entry("200", {**SEARCHSET, "pad": "y" * 9_000}))
    rsps.add(responses.POST, BASE, json=fits, content_type="application/fhir+json")
    assert [a["resourceType"] for a in bound(fhir_client, seconds=10).batch(READS)] == ["Patient", "Bundle"]
    assert rsps.calls[0].request.req_kwargs["timeout"] == (0.5, 2.0)


def test_an_unreachable_server_is_raised_and_batch_stays_on(fhir_client, rsps):
    rsps.add(responses.POST, BASE, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(FhirUnavailable):
        bound(fhir_client).batch(READS)
    assert fhir_client.batch_allowed(BASE) is True


def test_a_batch_that_timed_out_is_raised_and_the_server_is_read_key_by_key_for_a_while(fhir_client, rsps):
    # its entries are done one after another: one slow search held them all; key by key the others get through
    rsps.add(responses.POST, BASE, body=requests.exceptions.ReadTimeout())
    with pytest.raises(FhirUnavailable, match="timed out"):
        bound(fhir_client).batch(READS)
    assert fhir_client.batch_allowed(BASE) is False


@pytest.mark.parametrize(("spent", "remembered"), [(0.0, True), (1.5, True), (1.51, False), (1.9, False)])
def test_a_timeout_late_in_a_call_is_raised_but_not_blamed_on_the_server(fhir_client, rsps, spent, remembered):
    # a 2 s call, 1 s GET read timeout: a batch sent with less than 0.5 s left (an earlier stage, a wait for a
    # fetch thread) had too little time for its timeout to say anything of the server
    rsps.add(responses.POST, BASE, body=requests.exceptions.ReadTimeout())
    call_clock = Clock()
    deadline = Deadline(2.0, clock=call_clock)
    call_clock.now += spent
    with pytest.raises(FhirUnavailable, match="timed out"):
        fhir_client.bind(BASE, TOKEN, deadline).batch(READS)
    assert rsps.calls[0].request.req_kwargs["timeout"][1] == pytest.approx(min(2.0, 2.0 - spent))
    assert fhir_client.batch_allowed(BASE) is (not remembered)


def test_no_connection_in_time_is_raised_and_batch_stays_on(fhir_client, rsps):
    # the network or the host, which every GET meets as well: nothing to learn about batch
    rsps.add(responses.POST, BASE, body=requests.exceptions.ConnectTimeout())
    with pytest.raises(FhirConnectTimeout, match="timed out"):
        bound(fhir_client).batch(READS)
    assert fhir_client.batch_allowed(BASE) is True


@pytest.mark.parametrize(("status", "error"), [(401, FhirAuthError), (500, FhirUnavailable), (503, FhirUnavailable),
                                               (429, FhirUnavailable)])
def test_a_failure_each_get_would_meet_is_raised(fhir_client, rsps, status, error):
    rsps.add(responses.POST, BASE, status=status, json={"resourceType": "OperationOutcome"},
             content_type="application/fhir+json")
    with pytest.raises(error):
        bound(fhir_client).batch(READS)
    assert fhir_client.batch_allowed(BASE) is True


def test_an_exhausted_budget_makes_no_request_and_is_not_the_servers_fault(fhir_client, rsps):
    with pytest.raises(FhirUnavailable):
        bound(fhir_client, seconds=0).batch(READS)
    assert len(rsps.calls) == 0
    assert fhir_client.batch_allowed(BASE) is True


@pytest.mark.parametrize("relative", ["../admin/Patient/p1", "https://evil.example/Patient/p1", "Patient/../x"])
def test_only_relative_urls_go_in_a_batch(fhir_client, rsps, relative):
    with pytest.raises(FhirNotAllowed):
        bound(fhir_client).batch(["Patient/p1", relative])
    assert len(rsps.calls) == 0


def test_batch_off_makes_no_request(rsps):
    client = FhirClient(FhirSettings(allowlist=(BASE,), batch=False))
    try:
        assert client.batch_allowed(BASE) is False
        assert bound(client).batch(READS) is None
        assert len(rsps.calls) == 0
    finally:
        client.close()
