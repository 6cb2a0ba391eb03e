"""Prefetch matrix (contract §1.3): what the client sent x whether we may call its FHIR server.

Each case states the exact HTTP status, the FHIR calls made (counted by `responses` and by the access
log's `fhirCalls`), and what the handler received.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import responses
from service_helpers import FHIR, PATIENT_ID, bundle, hook_body, meds_registry, obs, outcome, patient

ABSENT = object()
OBS_URL = re.compile(rf"{re.escape(FHIR)}/Observation\?.*")
PATIENT_URL = f"{FHIR}/Patient/{PATIENT_ID}"
TOKEN = "fhir-access-token-7f3a"


def access(kind: str) -> dict[str, Any]:
    if kind == "none":
        return {}
    if kind == "server":
        return {"fhirServer": FHIR}
    return {"fhirServer": FHIR, "fhirAuthorization": {
        "access_token": TOKEN, "token_type": "Bearer", "expires_in": 30,
        "scope": "patient/Observation.read patient/Patient.read", "subject": "essdai-cds", "patient": PATIENT_ID}}


def page_url(n: int, host: str = FHIR) -> str:
    return f"{host}/Observation?patient={PATIENT_ID}&_page={n}"


def serve_pages(rsps: responses.RequestsMock, pages: int = 3) -> None:
    """Pages 2..pages of a paginated Observation search (page 1 is the prefetched Bundle)."""
    for n in range(2, pages + 1):
        nxt = page_url(n + 1) if n < pages else None
        rsps.add(responses.GET, page_url(n), json=bundle(obs(f"o-p{n}"), next_url=nxt))


SERVER = {
    "none": lambda rsps: None,
    "search-ok": lambda rsps: rsps.add(responses.GET, OBS_URL, json=bundle(obs("o-srv"))),
    "search-empty": lambda rsps: rsps.add(responses.GET, OBS_URL, json=bundle()),
    "search-500": lambda rsps: rsps.add(responses.GET, OBS_URL, status=500, json=outcome()),
    "search-oo": lambda rsps: rsps.add(responses.GET, OBS_URL, json=outcome("still failing")),
    "pages": serve_pages,
}

PAGINATED = bundle(obs("o-p1"), next_url=page_url(2))
FOREIGN_NEXT = bundle(obs("o-p1"), next_url=page_url(2, host="https://evil.example.net/r4"))

# (id, observations value received, access, FHIR server behaviour, state, observation ids, calls, partial)
OBSERVATION_CASES = [
    ("absent-no-server", ABSENT, "none", "none", "unavailable", [], 0, False),
    ("absent-server-open", ABSENT, "server", "search-ok", "ok", ["o-srv"], 1, False),
    ("absent-server-token", ABSENT, "token", "search-ok", "ok", ["o-srv"], 1, False),
    ("absent-server-empty", ABSENT, "token", "search-empty", "no-data", [], 1, False),
    ("absent-server-500", ABSENT, "token", "search-500", "unavailable", [], 1, False),
    ("null-no-server", None, "none", "none", "no-data", [], 0, False),
    ("null-server", None, "token", "search-ok", "no-data", [], 0, False),
    ("empty-bundle-no-server", bundle(), "none", "none", "no-data", [], 0, False),
    ("empty-bundle-server", bundle(), "token", "search-ok", "no-data", [], 0, False),
    ("bundle-server-not-requeried", bundle(obs("o-pf")), "token", "search-ok", "ok", ["o-pf"], 0, False),
    ("oo-no-server", outcome(), "none", "none", "unavailable", [], 0, False),
    ("oo-server-requery", outcome(), "token", "search-ok", "ok", ["o-srv"], 1, False),
    ("oo-server-requery-fails", outcome(), "token", "search-500", "unavailable", [], 1, False),
    ("oo-server-requery-oo-again", outcome(), "token", "search-oo", "unavailable", [], 1, False),
    ("oo-entries-no-server", bundle(outcome()), "none", "none", "unavailable", [], 0, False),
    ("oo-entries-server-requery", bundle(outcome(), outcome()), "server", "search-ok", "ok", ["o-srv"], 1, False),
    ("not-an-object-requery", "oops", "token", "search-ok", "ok", ["o-srv"], 1, False),
    ("paginated-no-server", PAGINATED, "none", "none", "ok", ["o-p1"], 0, True),
    ("paginated-server-follows", PAGINATED, "token", "pages", "ok", ["o-p1", "o-p2", "o-p3"], 2, False),
    ("paginated-open-server-follows", PAGINATED, "server", "pages", "ok", ["o-p1", "o-p2", "o-p3"], 2, False),
    ("paginated-foreign-next", FOREIGN_NEXT, "token", "pages", "ok", ["o-p1"], 0, True),
]


def post(client: Any, prefetch: dict[str, Any], acc: str) -> Any:
    body = hook_body(prefetch=prefetch, **access(acc))
    return client.post("/cds-services/test-view", json=body)


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "essdai_cds.access"]


@pytest.mark.parametrize(("received", "acc", "server", "state", "ids", "calls", "partial"),
                         [pytest.param(*case[1:], id=case[0]) for case in OBSERVATION_CASES])
def test_observation_prefetch_matrix(client, recorder, caplog, received, acc, server, state, ids, calls, partial):
    caplog.set_level("INFO", logger="essdai_cds.access")
    prefetch: dict[str, Any] = {"patient": patient(), "notes": None}
    if received is not ABSENT:
        prefetch["observations"] = received
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        SERVER[server](rsps)
        resp = post(client, prefetch, acc)
        made = list(rsps.calls)

    assert resp.status_code == 200
    assert resp.get_json()["cards"][0]["summary"] == "stub card"
    call = recorder.last
    assert [r["id"] for r in call.by_key["observations"]] == ids
    assert call.unavailable == (("observations",) if state == "unavailable" else ())
    assert ("observations" in call.partial) is partial
    assert len(made) == calls
    assert access_lines(caplog)[-1]["fhirCalls"] == calls
    for c in made:  # the bearer token goes to the FHIR server exactly when the client gave one
        assert c.request.headers.get("Authorization") == (f"Bearer {TOKEN}" if acc == "token" else None)


def test_page_cap_stops_following_and_marks_partial(make_app, recorder):
    client = make_app(FHIR_PAGE_CAP=2).test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_pages(rsps, pages=5)
        resp = post(client, {"patient": patient(), "observations": PAGINATED, "notes": None}, "token")
        assert len(rsps.calls) == 1
    assert resp.status_code == 200
    assert [r["id"] for r in recorder.last.by_key["observations"]] == ["o-p1", "o-p2"]
    assert recorder.last.partial == ("observations",)


# (id, patient value received, access, FHIR answer for Patient/pt-42, expected status, calls)
PATIENT_CASES = [
    ("absent-no-server", ABSENT, "none", None, 412, 0),
    ("null", None, "token", 200, 412, 0),
    ("absent-server-read", ABSENT, "token", 200, 200, 1),
    ("absent-server-404", ABSENT, "token", 404, 412, 1),
    ("absent-server-500", ABSENT, "token", 500, 412, 1),
    ("absent-server-401", ABSENT, "token", 401, 412, 1),
    ("oo-no-server", outcome(), "none", None, 412, 0),
    ("oo-server-requery", outcome(), "server", 200, 200, 1),
    ("wrong-patient-requery", patient("someone-else"), "token", 200, 200, 1),
    ("wrong-patient-no-server", patient("someone-else"), "none", None, 412, 0),
    ("prefetched", patient(), "none", None, 200, 0),
]


@pytest.mark.parametrize(("received", "acc", "fhir_status", "status", "calls"),
                         [pytest.param(*case[1:], id=case[0]) for case in PATIENT_CASES])
def test_patient_prefetch_matrix(client, recorder, received, acc, fhir_status, status, calls):
    prefetch: dict[str, Any] = {"observations": bundle(), "notes": None}
    if received is not ABSENT:
        prefetch["patient"] = received
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        if fhir_status == 200:
            rsps.add(responses.GET, PATIENT_URL, json=patient())
        elif fhir_status is not None:
            rsps.add(responses.GET, PATIENT_URL, status=fhir_status, json=outcome())
        resp = post(client, prefetch, acc)
        assert len(rsps.calls) == calls
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == "application/json"
    if status == 412:
        assert resp.get_json() == {"resourceType": "OperationOutcome", "issue": [{
            "severity": "error", "code": "not-found",
            "diagnostics": "required prefetch 'patient' (the patient) could not be obtained"}]}
        assert recorder.calls == []
    else:
        assert [r["id"] for r in recorder.last.by_key["patient"]] == [PATIENT_ID]


def test_optional_key_unavailable_is_not_reported(client, recorder):
    resp = post(client, {"patient": patient(), "observations": bundle()}, "none")
    assert resp.status_code == 200
    assert recorder.last.unavailable == ()
    assert recorder.last.labels(["observations", "notes"]) == ["haemoglobin results", "notes"]


def test_fhir_server_not_allowlisted_is_never_called(client, recorder):
    body = hook_body(prefetch={"observations": bundle()}, fhirServer="https://other.example.org/fhir",
                     fhirAuthorization=access("token")["fhirAuthorization"])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = client.post("/cds-services/test-view", json=body)
        assert len(rsps.calls) == 0
    assert resp.status_code == 412


def test_unknown_prefetch_keys_are_ignored(client, recorder):
    resp = post(client, {"patient": patient(), "observations": bundle(obs("o1")), "notes": None,
                         "somethingElse": bundle(obs("x"))}, "none")
    assert resp.status_code == 200
    assert [r["id"] for r in recorder.last.resources] == [PATIENT_ID, "o1"]


def test_resources_deduplicated_across_keys(client, recorder):
    resp = post(client, {"patient": patient(), "observations": bundle(obs("o1"), obs("o1")),
                         "notes": bundle(obs("o1"))}, "none")
    assert resp.status_code == 200
    assert [r["id"] for r in recorder.last.resources] == [PATIENT_ID, "o1"]


def test_template_rendering_uses_context_tokens(make_app, recorder):
    client = make_app(FHIR_BATCH=False).test_client()  # key by key: each URL on the wire (batch entries: *_batch.py)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, PATIENT_URL, json=patient())
        rsps.add(responses.GET, OBS_URL, json=bundle())
        rsps.add(responses.GET, re.compile(rf"{re.escape(FHIR)}/DocumentReference\?.*"), json=bundle())
        resp = post(client, {}, "token")
        urls = sorted(c.request.url for c in rsps.calls)
    assert resp.status_code == 200
    assert urls == [f"{FHIR}/DocumentReference?patient={PATIENT_ID}",
                    f"{FHIR}/Observation?patient={PATIENT_ID}&code=http://loinc.org%7C718-7",
                    PATIENT_URL]


def test_medication_references_not_in_the_data_are_read(make_app, recorder):
    client = make_app(REGISTRY=meds_registry(recorder)).test_client()
    mrs = bundle(
        {"resourceType": "MedicationRequest", "id": "mr-1", "medicationReference": {"reference": "Medication/m-1"}},
        {"resourceType": "MedicationRequest", "id": "mr-2", "medicationReference": {"reference": "Medication/m-2"}},
        {"resourceType": "MedicationRequest", "id": "mr-3", "medicationReference": {"reference": "#contained"}},
        {"resourceType": "MedicationRequest", "id": "mr-4",
         "medicationReference": {"reference": "https://evil.example.net/Medication/m-9"}},
        {"resourceType": "Medication", "id": "m-2"},
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, f"{FHIR}/Medication/m-1", json={"resourceType": "Medication", "id": "m-1"})
        resp = client.post("/cds-services/meds", json=hook_body(prefetch={"patient": patient(), "meds": mrs},
                                                                **access("token")))
        assert [c.request.url for c in rsps.calls] == [f"{FHIR}/Medication/m-1"]
    assert resp.status_code == 200
    assert resp.get_json() == {"cards": []}
    meds = [r["id"] for r in recorder.last.resources if r["resourceType"] == "Medication"]
    assert meds == ["m-2", "m-1"]


def test_time_budget_bounds_the_whole_call(make_app, recorder):
    import time

    # key by key (a slow batch: test_service_prefetch_batch.py)
    client = make_app(HOOK_BUDGET_S=0.3, FHIR_READ_TIMEOUT_S=5.0, FHIR_BATCH=False).test_client()

    def slow(request):  # noqa: ANN001
        time.sleep(1.0)
        return 200, {"Content-Type": "application/fhir+json"}, json.dumps(bundle())

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, OBS_URL, callback=slow)
        rsps.add_callback(responses.GET, re.compile(rf"{re.escape(FHIR)}/DocumentReference\?.*"), callback=slow)
        started = time.monotonic()
        resp = post(client, {"patient": patient()}, "token")
        elapsed = time.monotonic() - started
        time.sleep(0.8)  # let the abandoned fetches finish inside the mock before it is removed
    assert resp.status_code == 200
    assert elapsed < 0.8
    assert recorder.last.unavailable == ("observations",)
