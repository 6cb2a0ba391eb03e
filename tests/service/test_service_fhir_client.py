"""FHIR client: allowlist, status mapping, redirects refused, content and size checks, time budget, no token in logs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests
import responses

from fhir_access.client import (
    Deadline,
    FhirAuthError,
    FhirBadResponse,
    FhirClient,
    FhirNotAllowed,
    FhirNotFound,
    FhirSettings,
    FhirUnavailable,
    error_for_status,
)

BASE = "https://fhir.example.org/r4"
TOKEN = "very-secret-access-token"


@pytest.fixture
def fhir_client() -> Iterator[FhirClient]:
    client = FhirClient(FhirSettings(allowlist=(BASE, "http://127.0.0.1:18090/fhir"), max_bytes=10_000,
                                     page_cap=3, connect_timeout=0.5, read_timeout=1.0))
    yield client
    client.close()


def bound(client: FhirClient, seconds: float = 2.0, token: str | None = TOKEN):  # noqa: ANN201
    return client.bind(BASE, token, Deadline(seconds))


@pytest.mark.parametrize(("base", "allowed"), [
    pytest.param(BASE, True, id="allowlisted"),
    pytest.param(BASE + "/", True, id="trailing-slash"),
    pytest.param("HTTPS://FHIR.example.org/r4", True, id="case-insensitive-host"),
    pytest.param("https://fhir.example.org/r4/sub", False, id="sub-path"),
    pytest.param("https://fhir.example.org", False, id="parent-path"),
    pytest.param("https://fhir.example.org:8443/r4", False, id="other-port"),
    pytest.param("http://fhir.example.org/r4", False, id="http"),
    pytest.param("https://user:pw@fhir.example.org/r4", False, id="credentials"),
    pytest.param("https://fhir.example.org.evil.net/r4", False, id="suffix-host"),
    pytest.param("http://127.0.0.1:18090/fhir", False, id="loopback-http-without-insecure-flag"),
])
def test_allowlist(fhir_client, base, allowed):
    assert fhir_client.allowed_base(base) is allowed
    if not allowed:
        with pytest.raises(FhirNotAllowed):
            fhir_client.bind(base, TOKEN, Deadline(1))


def test_loopback_http_only_with_insecure_flag():
    client = FhirClient(FhirSettings(allowlist=("http://127.0.0.1:18090/fhir", "http://10.0.0.5/fhir"),
                                     allow_insecure=True))
    try:
        assert client.allowed_base("http://127.0.0.1:18090/fhir") is True
        assert client.allowed_base("http://10.0.0.5/fhir") is False  # never http off loopback
    finally:
        client.close()


@pytest.mark.parametrize(("status", "error"), [
    (200, None), (201, None),
    (301, FhirBadResponse), (302, FhirBadResponse), (307, FhirBadResponse),
    (400, FhirBadResponse), (401, FhirAuthError), (403, FhirAuthError), (404, FhirNotFound), (410, FhirNotFound),
    (408, FhirUnavailable), (422, FhirBadResponse), (429, FhirUnavailable), (500, FhirUnavailable),
    (503, FhirUnavailable),
])
def test_status_mapping(status, error):
    assert error_for_status(status) is error


def test_read_sends_token_accept_and_timeouts(fhir_client, rsps):
    rsps.add(responses.GET, f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"},
             content_type="application/fhir+json; charset=utf-8")
    fhir = bound(fhir_client)
    assert fhir.read("Patient/p1") == {"resourceType": "Patient", "id": "p1"}
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/fhir+json"
    connect, read = request.req_kwargs["timeout"]
    assert connect == 0.5 and read == 1.0
    assert fhir.calls == 1


def test_timeouts_are_clipped_to_the_remaining_budget(fhir_client, rsps):
    rsps.add(responses.GET, f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    bound(fhir_client, seconds=0.2).read("Patient/p1")
    connect, read = rsps.calls[0].request.req_kwargs["timeout"]
    assert 0 < connect <= 0.2 and 0 < read <= 0.2


def test_no_token_no_authorization_header(fhir_client, rsps):
    rsps.add(responses.GET, f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    bound(fhir_client, token=None).read("Patient/p1")
    assert "Authorization" not in rsps.calls[0].request.headers


def test_redirect_is_refused_and_not_followed(fhir_client, rsps):
    rsps.add(responses.GET, f"{BASE}/Patient/p1", status=302, headers={"Location": "https://evil.example.net/x"})
    with pytest.raises(FhirBadResponse) as exc:
        bound(fhir_client).read("Patient/p1")
    assert exc.value.status == 302
    assert [c.request.url for c in rsps.calls] == [f"{BASE}/Patient/p1"]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    pytest.param({"body": "<html>", "content_type": "text/html"}, FhirBadResponse, "response is not FHIR JSON",
                 id="html"),
    pytest.param({"body": "{not json", "content_type": "application/fhir+json"}, FhirBadResponse,
                 "response is not valid JSON", id="invalid-json"),
    pytest.param({"body": "[1]", "content_type": "application/json"}, FhirBadResponse,
                 "response is not a JSON object", id="json-array"),
    pytest.param({"body": '{"a": 1}', "content_type": "application/json"}, FhirBadResponse,
                 "response is not a FHIR resource", id="no-resourceType"),
    pytest.param({"body": json.dumps({"resourceType": "Patient", "pad": "x" * 20_000}),
                  "content_type": "application/json"}, FhirBadResponse, "response too large", id="too-large"),
    pytest.param({"body": requests.exceptions.ConnectTimeout()}, FhirUnavailable, "FHIR server timed out",
                 id="connect-timeout"),
    pytest.param({"body": requests.exceptions.ReadTimeout()}, FhirUnavailable, "FHIR server timed out",
                 id="read-timeout"),
    pytest.param({"body": requests.exceptions.ConnectionError()}, FhirUnavailable, "FHIR server unreachable",
                 id="connection-error"),
    pytest.param({"status": 503, "json": {"resourceType": "OperationOutcome"}}, FhirUnavailable,
                 "FHIR server answered 503", id="503"),
    pytest.param({"json": {"resourceType": "OperationOutcome", "issue": []}}, FhirBadResponse,
                 "FHIR server returned an OperationOutcome", id="200-operation-outcome"),
])
def test_bad_answers_raise_the_mapped_error(fhir_client, rsps, kwargs, error, message):
    rsps.add(responses.GET, f"{BASE}/Patient/p1", **kwargs)
    with pytest.raises(error) as exc:
        bound(fhir_client).read("Patient/p1")
    assert str(exc.value) == message


@pytest.mark.parametrize("relative", ["https://evil.example.net/Patient/1", "/Patient/1", "Patient/../../x",
                                      "patient/1", "../Patient/1"])
def test_only_relative_fhir_urls(fhir_client, rsps, relative):
    with pytest.raises(FhirNotAllowed):
        bound(fhir_client).get(relative)
    assert len(rsps.calls) == 0


def test_search_follows_next_on_the_same_base_up_to_the_page_cap(fhir_client, rsps):
    def page(n: int, nxt: str | None) -> dict:
        b = {"resourceType": "Bundle", "type": "searchset",
             "entry": [{"resource": {"resourceType": "Observation", "id": f"o{n}"}}]}
        if nxt:
            b["link"] = [{"relation": "next", "url": nxt}]
        return b

    rsps.add(responses.GET, f"{BASE}/Observation?patient=p1", json=page(1, f"{BASE}/Observation?p=2"))
    rsps.add(responses.GET, f"{BASE}/Observation?p=2", json=page(2, f"{BASE}/Observation?p=3"))
    rsps.add(responses.GET, f"{BASE}/Observation?p=3", json=page(3, f"{BASE}/Observation?p=4"))
    result = bound(fhir_client).search("Observation?patient=p1")
    assert [r["id"] for r in result.resources] == ["o1", "o2", "o3"]
    assert result.partial is True  # page 4 was left unread: cap 3
    assert len(rsps.calls) == 3


def test_search_does_not_follow_next_to_another_host(fhir_client, rsps):
    rsps.add(responses.GET, f"{BASE}/Observation?patient=p1", json={
        "resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation", "id": "o1"}}],
        "link": [{"relation": "next", "url": "https://evil.example.net/r4/Observation?p=2"}]})
    result = bound(fhir_client).search("Observation?patient=p1")
    assert ([r["id"] for r in result.resources], result.partial, len(rsps.calls)) == (["o1"], True, 1)


def test_search_of_only_operation_outcomes_is_an_error(fhir_client, rsps):
    rsps.add(responses.GET, f"{BASE}/Observation?patient=p1", json={
        "resourceType": "Bundle", "entry": [{"resource": {"resourceType": "OperationOutcome", "issue": []}}]})
    with pytest.raises(FhirBadResponse):
        bound(fhir_client).search("Observation?patient=p1")


def test_exhausted_budget_makes_no_request(fhir_client, rsps):
    fhir = bound(fhir_client, seconds=0.0)
    with pytest.raises(FhirUnavailable, match="time budget exhausted"):
        fhir.read("Patient/p1")
    assert len(rsps.calls) == 0


def test_parallel_fetches_share_one_budget(fhir_client, rsps):
    def slow(request):  # noqa: ANN001
        time.sleep(0.6)
        return 200, {"Content-Type": "application/fhir+json"}, json.dumps({"resourceType": "Patient", "id": "p"})

    rsps.add_callback(responses.GET, f"{BASE}/Patient/slow1", callback=slow)
    rsps.add_callback(responses.GET, f"{BASE}/Patient/slow2", callback=slow)
    rsps.add(responses.GET, f"{BASE}/Patient/fast", json={"resourceType": "Patient", "id": "fast"})
    fhir = bound(fhir_client, seconds=0.25)
    started = time.monotonic()
    results = fhir_client.run_parallel({
        "a": lambda: fhir.read("Patient/slow1"), "b": lambda: fhir.read("Patient/slow2"),
        "c": lambda: fhir.read("Patient/fast")}, fhir.deadline)
    elapsed = time.monotonic() - started
    time.sleep(0.5)  # let the abandoned callbacks finish while the mock is active
    assert elapsed < 0.5  # the two 0.6 s fetches ran in parallel and were abandoned at the 0.25 s budget
    assert isinstance(results["a"], FhirUnavailable) and isinstance(results["b"], FhirUnavailable)
    assert results["c"] == {"resourceType": "Patient", "id": "fast"}


def test_token_never_in_logs_errors_or_reprs(fhir_client, rsps, caplog):
    caplog.set_level("DEBUG", logger="essdai_cds.fhir")
    rsps.add(responses.GET, f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    rsps.add(responses.GET, f"{BASE}/Patient/p2", status=401, json={"resourceType": "OperationOutcome"})
    fhir = bound(fhir_client)
    fhir.read("Patient/p1")
    with pytest.raises(FhirAuthError) as exc:
        fhir.read("Patient/p2")
    assert TOKEN not in caplog.text
    assert "p1" not in caplog.text and "p2" not in caplog.text  # no ids (queries carry patient ids) either
    assert "fhir GET Patient -> 200" in caplog.text
    assert TOKEN not in str(exc.value) and TOKEN not in repr(exc.value)
    assert TOKEN not in repr(fhir)
