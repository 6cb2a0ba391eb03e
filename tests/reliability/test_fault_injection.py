"""Fault injection on the FHIR client (`responses`), through the real services end to end.

Every case runs twice: key by key (a server without batch, or FHIR_BATCH=false) and over a FHIR batch, where
the fault is the batch request's own answer. A batch failure that each GET would meet as well (network,
401, 429, 5xx) ends there; any other (403, 404, not FHIR JSON, not a batch-response, too large) is read again
key by key, which then meets the same fault: the answer to the EHR is the same either way.

For every way a FHIR server can fail, the exact HTTP answer of the service:
- nothing prefetched, so the Patient read itself fails -> 412 with a fixed OperationOutcome;
- the Patient prefetched, every search fails -> 200 with the one card saying what could not be checked
  (JAK-inhibitor safety on order-sign, ESSDAI activity on patient-view).
Each call also stays inside the hook's time budget and logs nothing that holds PHI or a token.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses
from reliability_helpers import (
    FHIR,
    PATIENT_ID,
    PHI_MARKERS,
    SECRET_MARKERS,
    bundle,
    expected_safety,
    leaks,
    log_text,
    operation_outcome,
    order_body,
    patient,
    patient_412,
    safety_unavailable,
    sjogren_condition,
    view_body,
    view_unavailable,
)

BUDGET_S = 1.0
SLACK_S = 0.5  # Flask test client, scoring and a shared 2-core machine
ANY_FHIR_URL = re.compile(rf"{re.escape(FHIR)}/.*")
FHIR_JSON = "application/fhir+json"
BIG = 50 * 1024 * 1024


def _is_read(url: str) -> bool:
    return "?" not in url


def _wrong_type(request: Any) -> tuple[int, dict[str, str], str]:
    """A read answers a Bundle; a search answers a Bundle of Patients (not what was searched)."""
    if _is_read(request.url):
        return 200, {"Content-Type": FHIR_JSON}, json.dumps(bundle(patient()))
    return 200, {"Content-Type": FHIR_JSON}, json.dumps(bundle(patient("someone-else"), patient("a-third")))


def _add(status: int | None = None, *, body: Any = None, content_type: str = FHIR_JSON,
         callback: Callable[[Any], Any] | None = None) -> Callable[[responses.RequestsMock], None]:
    """The fault on every GET under the base, and on the batch (`POST [base]`)."""
    def register(rsps: responses.RequestsMock) -> None:
        for method, url in ((responses.GET, ANY_FHIR_URL), (responses.POST, FHIR)):
            if callback is not None:
                rsps.add_callback(method, url, callback=callback)
            elif isinstance(body, Exception):
                rsps.add(method, url, body=body)
            else:
                text = body if isinstance(body, (str, bytes)) else json.dumps(body)
                rsps.add(method, url, status=status or 200, body=text, content_type=content_type)
    return register


TRUNCATED = json.dumps(bundle(sjogren_condition()))[:-7]
FAULTS = {
    "connection-refused": _add(body=requests.exceptions.ConnectionError("[Errno 111] Connection refused")),
    "connect-timeout": _add(body=requests.exceptions.ConnectTimeout()),
    "read-timeout": _add(body=requests.exceptions.ReadTimeout()),
    "401": _add(401, body=operation_outcome("token expired")),
    "403": _add(403, body=operation_outcome("insufficient scope")),
    "404": _add(404, body=operation_outcome("no such endpoint")),
    "429": _add(429, body=operation_outcome("slow down")),
    "500": _add(500, body=operation_outcome()),
    "503": _add(503, body="<html><body>Service Unavailable</body></html>", content_type="text/html"),
    "html-200": _add(200, body="<!doctype html><html><body>Login</body></html>", content_type="text/html"),
    "html-labelled-json": _add(200, body="<html><body>proxy error</body></html>"),
    "truncated-json": _add(200, body=TRUNCATED),
    "json-array": _add(200, body="[]"),
    "wrong-resource-type": _add(callback=_wrong_type),
    "operation-outcome-200": _add(200, body=operation_outcome("search failed")),
    "bundle-of-operation-outcomes": _add(200, body=bundle(operation_outcome(), operation_outcome())),
    "50-MB-bundle": _add(200, body=b'{"resourceType":"Bundle","entry":[' + b" " * BIG + b"]}"),
}


# faults of a batch that end it (each GET would meet them too); the others are read again key by key
BATCH_ENDS = {"connection-refused", "connect-timeout", "read-timeout", "401", "429", "500", "503"}


@pytest.fixture(params=["key-by-key", "batch"])
def faulty_app(request, make_app):
    return make_app(HOOK_BUDGET_S=BUDGET_S, FHIR_CONNECT_TIMEOUT_S=0.5, FHIR_READ_TIMEOUT_S=0.5,
                    FHIR_BATCH=request.param == "batch")


def _batched(app: Any) -> bool:
    return app.config["FHIR_BATCH"]


def _expected_calls(app: Any, fault: str, searches: int, reads: int = 0) -> int:
    """The FHIR calls of one hook call whose fetched keys all meet `fault` (reads are GETs beside the batch)."""
    if not _batched(app):
        return reads + searches
    return reads + (1 if fault in BATCH_ENDS else 1 + searches)


def _entries(call: Any) -> list[str]:
    return [e["request"]["url"] for e in json.loads(call.request.body)["entry"]]


def _call(app: Any, fault: str, service: str, body: dict[str, Any],
          caplog: pytest.LogCaptureFixture) -> tuple[Any, float, list[Any]]:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        FAULTS[fault](rsps)
        started = time.monotonic()
        resp = client.post(f"/cds-services/{service}", json=body)
        elapsed = time.monotonic() - started
        calls = list(rsps.calls)
    return resp, elapsed, calls


def _assert_quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    text = log_text(caplog.records)
    assert leaks(text, PHI_MARKERS + SECRET_MARKERS) == []


@pytest.mark.parametrize("fault", list(FAULTS))
def test_patient_read_fails_412(faulty_app, caplog, fault):
    body = view_body()  # nothing prefetched: the service must read the Patient itself
    resp, elapsed, calls = _call(faulty_app, fault, "essdai-activity", body, caplog)
    assert (resp.status_code, resp.get_json()) == (412, patient_412())
    assert elapsed < BUDGET_S + SLACK_S
    # the Patient read is a GET (beside the batch of the seven searches, when batch is on)
    assert [c.request.method for c in calls if c.request.url == f"{FHIR}/Patient/{PATIENT_ID}"] == ["GET"]
    batches = [_entries(c) for c in calls if c.request.method == "POST"]
    assert len(batches) == _batched(faulty_app) and all(len(b) == 7 for b in batches)
    assert len(calls) == _expected_calls(faulty_app, fault, searches=7, reads=1)
    _assert_quiet_logs(caplog)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_searches_fail_safety_card_says_what_could_not_be_checked(faulty_app, caplog, fault):
    body = order_body("order-sign", prefetch={"patient": patient()})
    resp, elapsed, calls = _call(faulty_app, fault, "jak-inhibitor-safety", body, caplog)
    assert (resp.status_code, resp.get_json()) == (200, safety_unavailable(body))
    assert elapsed < BUDGET_S + SLACK_S
    # conditions, observations, medication orders and statements, allergies, immunizations: no retries
    assert len(calls) == _expected_calls(faulty_app, fault, searches=6)
    _assert_quiet_logs(caplog)


@pytest.mark.parametrize("fault", ["connection-refused", "read-timeout", "403", "404", "503", "truncated-json",
                                   "wrong-resource-type", "operation-outcome-200", "50-MB-bundle"])
def test_searches_fail_essdai_card_says_what_could_not_be_checked(faulty_app, caplog, fault):
    body = view_body(prefetch={"patient": patient()})
    resp, elapsed, _ = _call(faulty_app, fault, "essdai-activity", body, caplog)
    assert (resp.status_code, resp.get_json()) == (200, view_unavailable(body))
    assert elapsed < BUDGET_S + SLACK_S
    _assert_quiet_logs(caplog)


def _search_answer(next_url: Callable[[str], str]) -> Callable[[Any], Any]:
    """Searches: Conditions hold the Sjögren's diagnosis, every other type is empty; each page links `next`."""
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        rtype = request.url.removeprefix(FHIR + "/").split("?")[0]
        found = [sjogren_condition()] if rtype == "Condition" else []
        return 200, {"Content-Type": FHIR_JSON}, json.dumps(bundle(*found, next_url=next_url(request.url)))
    return answer


# every search key of jak-inhibitor-safety had pages left unread: the clinician is told
UNREAD = ("some pages of conditions, laboratory results and vital signs, medication orders, medication statements "
          "were not read (page cap, or a next link off the FHIR server)")


def _serve(rsps: responses.RequestsMock, answer: Callable[[Any], Any]) -> None:
    """`answer` for each GET, and for each entry of a batch (answered as a `batch-response`)."""
    def batch(request: Any) -> tuple[int, dict[str, str], str]:
        entries = []
        for e in json.loads(request.body)["entry"]:
            status, _, text = answer(SimpleNamespace(url=f"{FHIR}/{e['request']['url']}"))
            entries.append({"response": {"status": str(status)}, "resource": json.loads(text)})
        return 200, {"Content-Type": FHIR_JSON}, json.dumps({"resourceType": "Bundle", "type": "batch-response",
                                                               "entry": entries})

    rsps.add_callback(responses.GET, ANY_FHIR_URL, callback=answer)
    rsps.add_callback(responses.POST, FHIR, callback=batch)


def test_next_links_that_loop_stop_at_the_page_cap(faulty_app, caplog):
    caplog.set_level(logging.DEBUG)
    body = order_body("order-sign", prefetch={"patient": patient()})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _serve(rsps, _search_answer(lambda url: url))  # next -> itself
        started = time.monotonic()
        resp = faulty_app.test_client().post("/cds-services/jak-inhibitor-safety", json=body)
        elapsed = time.monotonic() - started
        calls = len(rsps.calls)
    assert (resp.status_code, resp.get_json()) == (200, expected_safety(body, [patient(), sjogren_condition()], UNREAD))
    cap = faulty_app.config["FHIR_PAGE_CAP"]
    assert calls == (1 + 6 * (cap - 1) if _batched(faulty_app) else 6 * cap)  # a batch entry is a first page
    assert elapsed < BUDGET_S + SLACK_S
    _assert_quiet_logs(caplog)


def test_next_links_to_another_host_are_never_followed(faulty_app, caplog):
    caplog.set_level(logging.DEBUG)
    body = order_body("order-sign", prefetch={"patient": patient()})
    evil = "https://fhir.example.org.attacker.example/r4/Observation?page=2"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _serve(rsps, _search_answer(lambda url: evil))
        other = rsps.add(responses.GET, re.compile(r"https://fhir\.example\.org\.attacker\.example/.*"), json={})
        resp = faulty_app.test_client().post("/cds-services/jak-inhibitor-safety", json=body)
        urls = [c.request.url for c in rsps.calls]
    assert (resp.status_code, resp.get_json()) == (200, expected_safety(body, [patient(), sjogren_condition()], UNREAD))
    assert other.call_count == 0
    if _batched(faulty_app):
        assert urls == [FHIR]
    else:
        assert len(urls) == 6 and all(u.startswith(FHIR + "/") for u in urls)
    _assert_quiet_logs(caplog)


def test_the_bearer_token_goes_only_to_the_fhir_server(faulty_app, caplog):
    """The one place the access token may appear: the Authorization header of calls to fhirServer."""
    body = order_body("order-sign", prefetch={"patient": patient()})
    resp, _, calls = _call(faulty_app, "500", "jak-inhibitor-safety", body, caplog)
    assert resp.status_code == 200
    token = body["fhirAuthorization"]["access_token"]
    assert {c.request.headers["Authorization"] for c in calls} == {f"Bearer {token}"}
    assert token not in resp.get_data(as_text=True)
