"""Prefetch over a FHIR batch: the searches a call fetches go in one `POST [base]`, each entry's outcome is
the key's (as its own GET's would be), `next` pages and reads (the Patient) are GETs, and a server without
batch is read key by key.

The stub `test-view` service has three keys: patient (read), observations (search), notes (optional search).
Each case states the exact FHIR calls (by `responses` and the access log's `fhirCalls`) and what the handler
received. The real FHIR server's batch is in tests/e2e/test_fhir_batch_real_server.py.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import responses
from service_helpers import FHIR, PATIENT_ID, bundle, hook_body, meds_registry, obs, outcome, patient

TOKEN = "fhir-access-token-7f3a"
PATIENT_READ = f"Patient/{PATIENT_ID}"
OBS_SEARCH = f"Observation?patient={PATIENT_ID}&code=http://loinc.org|718-7"
NOTES_SEARCH = f"DocumentReference?patient={PATIENT_ID}"
FHIR_JSON = "application/fhir+json"
ANY_GET = re.compile(rf"{re.escape(FHIR)}/.*")

Entry = tuple[str, dict[str, Any] | None]  # (response.status, resource)


def batch_server(answers: Callable[[str], Entry]) -> Callable[[Any], Any]:
    """A server that does batch: each entry's request.url -> (status, resource) by `answers`."""
    def respond(request: Any) -> tuple[int, dict[str, str], str]:
        sent = json.loads(request.body)
        assert sent["resourceType"] == "Bundle" and sent["type"] == "batch"
        entries = []
        for e in sent["entry"]:
            assert e["request"]["method"] == "GET"
            status, resource = answers(e["request"]["url"])
            entries.append({"response": {"status": status}, **({"resource": resource} if resource else {})})
        return 200, {"Content-Type": FHIR_JSON}, json.dumps({"resourceType": "Bundle", "type": "batch-response",
                                                               "entry": entries})
    return respond


def chart(url: str) -> Entry:
    if url == PATIENT_READ:
        return "200 OK", patient()
    if url == OBS_SEARCH:
        return "200 OK", bundle(obs("o-1"))
    return "200 OK", bundle()


def post(client: Any, prefetch: dict[str, Any] | None = None) -> Any:
    body = hook_body(prefetch=prefetch or {}, fhirServer=FHIR, fhirAuthorization={
        "access_token": TOKEN, "token_type": "Bearer", "expires_in": 30, "scope": "patient/*.read",
        "subject": "essdai-cds", "patient": PATIENT_ID})
    return client.post("/cds-services/test-view", json=body)


def fhir_calls(caplog: pytest.LogCaptureFixture) -> int:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "essdai_cds.access"]
    return lines[-1]["fhirCalls"]


def sent_urls(call: Any) -> list[str]:
    return [e["request"]["url"] for e in json.loads(call.request.body)["entry"]]


def serve(rsps: responses.RequestsMock, answers: Callable[[str], Entry] = chart) -> None:
    """The batch answered by `answers`, and the Patient read as a GET."""
    rsps.add_callback(responses.POST, FHIR, callback=batch_server(answers))
    rsps.add(responses.GET, f"{FHIR}/{PATIENT_READ}", json=patient())


def test_nothing_prefetched_the_searches_go_in_one_batch_beside_the_patient_read(client, recorder, caplog):
    caplog.set_level("INFO", logger="essdai_cds.access")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps)
        resp = post(client)
        calls = list(rsps.calls)
    assert resp.status_code == 200
    assert sorted((c.request.method, c.request.url) for c in calls) == [("GET", f"{FHIR}/{PATIENT_READ}"),
                                                                          ("POST", FHIR)]
    assert [sent_urls(c) for c in calls if c.request.method == "POST"] == [[OBS_SEARCH, NOTES_SEARCH]]
    assert {c.request.headers["Authorization"] for c in calls} == {f"Bearer {TOKEN}"}
    assert fhir_calls(caplog) == 2
    call = recorder.last
    assert ([r["id"] for r in call.by_key["patient"]], [r["id"] for r in call.by_key["observations"]]) == \
        ([PATIENT_ID], ["o-1"])
    assert (call.unavailable, call.partial) == ((), ())


def test_one_search_left_is_a_plain_get(client, recorder):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps)
        rsps.add(responses.GET, f"{FHIR}/{NOTES_SEARCH}", json=bundle())
        resp = post(client, {"observations": bundle()})
        calls = sorted((c.request.method, c.request.url) for c in rsps.calls)
    assert resp.status_code == 200
    assert calls == [("GET", f"{FHIR}/{NOTES_SEARCH}"), ("GET", f"{FHIR}/{PATIENT_READ}")]


# (id, answer of the observation search's entry, observations received, unavailable)
ENTRY_CASES = [
    ("404-is-a-failure", ("404", outcome()), [], ("observations",)),
    ("500-only-that-key", ("500 Internal Server Error", outcome()), [], ("observations",)),
    ("401", ("401", outcome()), [], ("observations",)),
    ("operation-outcome", ("200 OK", outcome()), [], ("observations",)),
    ("of-operation-outcomes", ("200 OK", bundle(outcome(), outcome())), [], ("observations",)),
    ("of-another-type", ("200 OK", bundle(patient())), [], ("observations",)),
    ("no-status", ("", bundle(obs("o-1"))), [], ("observations",)),
    ("no-resource", ("200 OK", None), [], ("observations",)),
    ("empty-is-no-data", ("200 OK", bundle()), [], ()),
    ("found", ("200", bundle(obs("o-1"), obs("o-2"))), ["o-1", "o-2"], ()),
]


@pytest.mark.parametrize(("obs_answer", "observations", "unavailable"),
                         [pytest.param(*case[1:], id=case[0]) for case in ENTRY_CASES])
def test_each_entry_is_the_outcome_of_its_key(client, recorder, obs_answer, observations, unavailable):
    def answers(url: str) -> Entry:
        return obs_answer if url == OBS_SEARCH else chart(url)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, answers)
        resp = post(client, {"patient": patient()})
        assert [c.request.method for c in rsps.calls] == ["POST"]  # no GET after a batch that answered
    assert resp.status_code == 200
    assert [r["id"] for r in recorder.last.by_key["observations"]] == observations
    assert recorder.last.unavailable == unavailable
    assert recorder.last.by_key["notes"] == ()


def page_url(n: int, host: str = FHIR) -> str:
    return f"{host}/Observation?patient={PATIENT_ID}&_page={n}"


def paged_chart(next_host: str = FHIR) -> Callable[[str], Entry]:
    def answers(url: str) -> Entry:
        if url == OBS_SEARCH:
            return "200 OK", bundle(obs("o-p1"), next_url=page_url(2, next_host))
        return chart(url)
    return answers


def serve_pages(rsps: responses.RequestsMock, pages: int) -> None:
    for n in range(2, pages + 1):
        rsps.add(responses.GET, page_url(n), json=bundle(obs(f"o-p{n}"), next_url=page_url(n + 1) if n < pages else None))


def test_next_pages_of_a_batch_entry_are_followed_with_gets(client, recorder, caplog):
    caplog.set_level("INFO", logger="essdai_cds.access")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, paged_chart())
        serve_pages(rsps, pages=3)
        resp = post(client, {"patient": patient()})
        calls = [(c.request.method, c.request.url) for c in rsps.calls]
    assert resp.status_code == 200
    assert calls == [("POST", FHIR), ("GET", page_url(2)), ("GET", page_url(3))]
    assert fhir_calls(caplog) == 3
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-p1", "o-p2", "o-p3"]
    assert recorder.last.partial == ()


def test_the_page_cap_counts_the_batch_entry_as_the_first_page(make_app, recorder):
    client = make_app(FHIR_PAGE_CAP=2).test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, paged_chart())
        serve_pages(rsps, pages=5)
        resp = post(client, {"patient": patient()})
        assert len(rsps.calls) == 2
    assert resp.status_code == 200
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-p1", "o-p2"]
    assert recorder.last.partial == ("observations",)


def test_a_next_link_to_another_host_is_not_followed(client, recorder):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, paged_chart("https://evil.example.net/r4"))
        evil = rsps.add(responses.GET, re.compile(r"https://evil\.example\.net/.*"), json=bundle())
        resp = post(client, {"patient": patient()})
        assert len(rsps.calls) == 1 and evil.call_count == 0
    assert resp.status_code == 200
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-p1"]
    assert recorder.last.partial == ("observations",)


def test_the_pages_of_a_prefetched_bundle_are_read_beside_the_batch(make_app, recorder):
    from fhir_access.registry import PrefetchKey, Registry

    registry = Registry()
    registry.service(id="three", hooks="patient-view", title="Three", description="Three searches.",
                     prefetch={"patient": PrefetchKey("Patient/{{context.patientId}}"),
                               "observations": PrefetchKey("Observation?patient={{context.patientId}}"),
                               "conditions": PrefetchKey("Condition?patient={{context.patientId}}"),
                               "notes": PrefetchKey("DocumentReference?patient={{context.patientId}}")},
                     )(lambda call: recorder.calls.append(call) or [])
    client = make_app(REGISTRY=registry).test_client()
    prefetched = bundle(obs("o-p1"), next_url=page_url(2))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps)
        serve_pages(rsps, pages=2)
        resp = client.post("/cds-services/three", json=hook_body(
            prefetch={"patient": patient(), "observations": prefetched}, fhirServer=FHIR))
        calls = sorted((c.request.method, c.request.url) for c in rsps.calls)
        batch_urls = [sent_urls(c) for c in rsps.calls if c.request.method == "POST"]
    assert resp.status_code == 200
    assert calls == [("GET", page_url(2)), ("POST", FHIR)]
    assert batch_urls == [[f"Condition?patient={PATIENT_ID}", NOTES_SEARCH]]
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-p1", "o-p2"]


def key_by_key(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.GET, f"{FHIR}/{PATIENT_READ}", json=patient())
    rsps.add(responses.GET, re.compile(rf"{re.escape(FHIR)}/Observation\?.*"), json=bundle(obs("o-1")))
    rsps.add(responses.GET, re.compile(rf"{re.escape(FHIR)}/DocumentReference\?.*"), json=bundle())


def test_a_server_without_batch_is_read_key_by_key_and_not_asked_again(client, recorder, caplog):
    caplog.set_level("INFO")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, FHIR, status=405, body="")
        key_by_key(rsps)
        first = post(client)
        first_calls = sorted((c.request.method, c.request.url.split("?")[0]) for c in rsps.calls)
        first_count = fhir_calls(caplog)
        second = post(client)
        second_calls = sorted((c.request.method, c.request.url.split("?")[0]) for c in rsps.calls[len(first_calls):])
    assert (first.status_code, second.status_code) == (200, 200)
    gets = [("GET", f"{FHIR}/DocumentReference"), ("GET", f"{FHIR}/Observation"), ("GET", f"{FHIR}/{PATIENT_READ}")]
    assert first_calls == sorted(gets + [("POST", FHIR)])
    assert first_count == 4
    assert second_calls == gets  # remembered: no batch for BATCH_RETRY_S
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-1"]
    refusals = [r.getMessage() for r in caplog.records if "batch" in r.getMessage()]
    assert refusals == ["FHIR server did not answer a batch (HTTP 405): reading key by key for 600 s"]


@pytest.mark.parametrize("fault", ["401", "503", "connection-refused"])
def test_a_batch_that_fails_as_each_get_would_is_not_repeated_key_by_key(client, recorder, fault):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        if fault == "connection-refused":
            import requests

            rsps.add(responses.POST, FHIR, body=requests.exceptions.ConnectionError("[Errno 111] refused"))
        else:
            rsps.add(responses.POST, FHIR, status=int(fault), json=outcome(), content_type=FHIR_JSON)
        key_by_key(rsps)
        resp = post(client, {"patient": patient()})
        calls = [(c.request.method, c.request.url) for c in rsps.calls]
    assert calls == [("POST", FHIR)]
    assert resp.status_code == 200
    assert recorder.last.unavailable == ("observations",)  # notes is optional: not reported


def test_batch_off_reads_key_by_key(make_app, recorder):
    client = make_app(FHIR_BATCH=False).test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        key_by_key(rsps)
        resp = post(client)
        methods = {c.request.method for c in rsps.calls}
        count = len(rsps.calls)
    assert resp.status_code == 200
    assert (methods, count) == ({"GET"}, 3)


@pytest.mark.parametrize("patient_prefetched", [True, False])
def test_the_time_budget_bounds_a_slow_batch_and_it_never_costs_the_patient_read(make_app, recorder,
                                                                                   patient_prefetched):
    client = make_app(HOOK_BUDGET_S=0.3, FHIR_READ_TIMEOUT_S=5.0).test_client()

    def slow(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(1.0)
        return batch_server(chart)(request)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, FHIR, callback=slow)
        rsps.add(responses.GET, f"{FHIR}/{PATIENT_READ}", json=patient())
        started = time.monotonic()
        resp = post(client, {"patient": patient()} if patient_prefetched else {})
        elapsed = time.monotonic() - started
        time.sleep(0.8)  # let the abandoned batch finish inside the mock before it is removed
    assert resp.status_code == 200  # a card that says what could not be checked, not a 412
    assert elapsed < 0.8
    assert [r["id"] for r in recorder.last.by_key["patient"]] == [PATIENT_ID]
    assert recorder.last.unavailable == ("observations",)


def test_after_a_batch_that_timed_out_the_server_is_read_key_by_key(make_app, recorder):
    """One slow search held the whole batch; key by key the other searches get through."""
    from fhir_access.client import FHIR_KEY

    app = make_app(HOOK_BUDGET_S=0.3, FHIR_READ_TIMEOUT_S=5.0)
    client, fhir_client = app.test_client(), app.extensions[FHIR_KEY]

    def slow(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(1.0)
        return batch_server(chart)(request)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, FHIR, callback=slow)
        key_by_key(rsps)
        first = post(client, {"patient": patient()})
        first_unavailable = recorder.last.unavailable
        waited = time.monotonic() + 10  # the abandoned batch ends (out of budget) inside the mock, then is noted
        while fhir_client.batch_allowed(FHIR) and time.monotonic() < waited:
            time.sleep(0.05)
        second = post(client, {"patient": patient()})
        methods = [c.request.method for c in rsps.calls]
    assert (first.status_code, first_unavailable) == (200, ("observations",))
    assert second.status_code == 200
    assert methods == ["POST", "GET", "GET"]
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-1"]
    assert recorder.last.unavailable == ()


def test_medications_referenced_and_not_present_are_read_in_one_batch(make_app, recorder):
    client = make_app(REGISTRY=meds_registry(recorder)).test_client()
    mrs = bundle(*({"resourceType": "MedicationRequest", "id": f"mr-{n}",
                    "medicationReference": {"reference": f"Medication/m-{n}"}} for n in (1, 2, 3)))

    def answers(url: str) -> Entry:
        if url == "Medication/m-2":
            return "404 Not Found", outcome()
        return "200 OK", {"resourceType": "Medication", "id": url.split("/")[1]}

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, FHIR, callback=batch_server(answers))
        resp = client.post("/cds-services/meds", json=hook_body(prefetch={"patient": patient(), "meds": mrs},
                                                                fhirServer=FHIR))
        batches = [sent_urls(c) for c in rsps.calls]
    assert resp.status_code == 200
    assert batches == [["Medication/m-1", "Medication/m-2", "Medication/m-3"]]
    assert [r["id"] for r in recorder.last.resources if r["resourceType"] == "Medication"] == ["m-1", "m-3"]


def test_a_medication_reference_that_is_no_relative_url_is_left_out_of_the_batch(make_app, recorder):
    client = make_app(REGISTRY=meds_registry(recorder)).test_client()
    mrs = bundle(*({"resourceType": "MedicationRequest", "id": f"mr-{n}",
                    "medicationReference": {"reference": ref}} for n, ref in
                   enumerate(["Medication/m-1", "Medication/..", "Medication/m-3"])))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, FHIR, callback=batch_server(
            lambda url: ("200 OK", {"resourceType": "Medication", "id": url.split("/")[1]})))
        resp = client.post("/cds-services/meds", json=hook_body(prefetch={"patient": patient(), "meds": mrs},
                                                                fhirServer=FHIR))
        batches = [sent_urls(c) for c in rsps.calls]
    assert resp.status_code == 200
    assert batches == [["Medication/m-1", "Medication/m-3"]]
    assert [r["id"] for r in recorder.last.resources if r["resourceType"] == "Medication"] == ["m-1", "m-3"]


def test_no_url_or_token_in_the_logs(client, recorder, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="essdai_cds.fhir")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, FHIR, status=405, body="")
        key_by_key(rsps)
        post(client)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "fhir POST batch -> 405" in text
    assert PATIENT_ID not in text and TOKEN not in text and "example.org" not in text
