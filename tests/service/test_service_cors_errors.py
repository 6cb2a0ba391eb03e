"""CORS (contract §1.8) and error answers (§1.6): JSON everywhere, nothing echoed, no stack traces."""

from __future__ import annotations

import json
import uuid

import pytest
from service_helpers import PATIENT_ID, hook_body, patient

ORIGIN = "https://sandbox.example.org"
PATHS = ["/cds-services", "/cds-services/test-view", "/cds-services/test-view/feedback"]
PREFLIGHT_HEADERS = {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                     "Access-Control-Max-Age"}


@pytest.fixture
def cors_client(make_app):
    # auth on: preflights must pass without a JWT
    return make_app(CORS_ORIGINS=[ORIGIN], AUTH_ENABLED=True, TRUSTED_ISSUERS=[]).test_client()


@pytest.mark.parametrize("path", PATHS)
def test_preflight_from_allowlisted_origin(cors_client, path):
    resp = cors_client.open(path, method="OPTIONS", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert resp.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert resp.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert resp.get_data() == b""


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("origin", [None, "https://evil.example.net", "null"])
def test_preflight_from_other_origins_gets_no_cors_headers(cors_client, path, origin):
    headers = {"Access-Control-Request-Method": "POST"} | ({"Origin": origin} if origin else {})
    resp = cors_client.open(path, method="OPTIONS", headers=headers)
    assert resp.status_code == 204
    assert PREFLIGHT_HEADERS.isdisjoint(resp.headers.keys())
    assert resp.headers["Vary"] == "Origin"


def test_actual_requests_carry_cors_headers_on_get_and_post(make_app):
    client = make_app(CORS_ORIGINS=[ORIGIN]).test_client()
    get = client.get("/cds-services", headers={"Origin": ORIGIN})
    post = client.post("/cds-services/test-view", json=hook_body(prefetch={"patient": patient()}),
                       headers={"Origin": ORIGIN})
    fb = client.post("/cds-services/test-view/feedback", headers={"Origin": ORIGIN}, json={
        "card": "c", "outcome": "overridden", "outcomeTimestamp": "2025-06-01T10:00:00Z"})
    other = client.get("/cds-services", headers={"Origin": "https://evil.example.net"})
    assert [r.status_code for r in (get, post, fb, other)] == [200, 200, 200, 200]
    assert [r.headers.get("Access-Control-Allow-Origin") for r in (get, post, fb, other)] == [ORIGIN] * 3 + [None]


def test_401_is_readable_by_an_allowlisted_browser(cors_client):
    resp = cors_client.get("/cds-services", headers={"Origin": ORIGIN})
    assert resp.status_code == 401
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN


# --- errors ------------------------------------------------------------------------------------------------

def _without(path: str):  # noqa: ANN202
    def edit(body):  # noqa: ANN001, ANN202
        target = body
        *parents, leaf = path.split(".")
        for p in parents:
            target = target[p]
        del target[leaf]
        return body
    return edit


def _set(path: str, value):  # noqa: ANN001, ANN202
    def edit(body):  # noqa: ANN001, ANN202
        target = body
        *parents, leaf = path.split(".")
        for p in parents:
            target = target[p]
        target[leaf] = value
        return body
    return edit


# (case, hook, edit of a valid body, expected diagnostics)
BAD_BODIES = [
    ("no-hook", "patient-view", _without("hook"), "missing or invalid hook"),
    ("no-hookInstance", "patient-view", _without("hookInstance"), "missing or invalid hookInstance"),
    ("hookInstance-not-uuid", "patient-view", _set("hookInstance", "<script>x</script>"),
     "hookInstance must be a UUID"),
    ("no-context", "patient-view", _without("context"), "missing or invalid context"),
    ("context-not-object", "patient-view", _set("context", ["x"]), "missing or invalid context"),
    ("no-patientId", "patient-view", _without("context.patientId"), "missing or invalid context.patientId"),
    ("patientId-not-fhir-id", "patient-view", _set("context.patientId", "../../Patient?x=<b>"),
     "missing or invalid context.patientId"),
    ("order-sign-no-draftOrders", "order-sign", _without("context.draftOrders"),
     "missing or invalid context.draftOrders (a Bundle)"),
    ("order-select-no-selections", "order-select", _without("context.selections"),
     "missing or invalid context.selections"),
    ("auth-without-server", "patient-view", _set("fhirAuthorization", {
        "access_token": "t", "token_type": "Bearer", "expires_in": 30, "scope": "s", "subject": "x"}),
     "fhirAuthorization requires fhirServer"),
    ("auth-without-token", "patient-view", lambda b: b | {"fhirServer": "https://fhir.example.org/r4",
                                                          "fhirAuthorization": {"token_type": "Bearer"}},
     "missing or invalid fhirAuthorization.access_token"),
    ("prefetch-not-object", "patient-view", _set("prefetch", []), "prefetch must be an object"),
    ("extension-not-object", "patient-view", _set("extension", ["x"]), "extension must be an object"),
    ("order-hook-without-draftOrders", "patient-view", _set("hook", "order-sign"),
     "missing or invalid context.draftOrders (a Bundle)"),
]


@pytest.mark.parametrize(("hook", "edit", "diagnostics"), [pytest.param(*c[1:], id=c[0]) for c in BAD_BODIES])
def test_invalid_hook_requests_are_400(client, hook, edit, diagnostics):
    service = "test-view" if hook == "patient-view" else "test-order"
    body = edit(hook_body(hook, prefetch={"patient": patient()}))
    resp = client.post(f"/cds-services/{service}", json=body)
    assert resp.status_code == 400
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.get_json() == {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "invalid", "diagnostics": diagnostics}]}
    assert b"<script>" not in resp.get_data() and b"../" not in resp.get_data()


def test_hook_not_registered_for_the_id_is_400(client):
    body = hook_body("order-sign")
    resp = client.post("/cds-services/test-view", json=body)
    assert resp.status_code == 400
    assert resp.get_json()["issue"][0]["diagnostics"] == "hook is not registered for this service"


def test_same_id_routes_on_the_hook(client, recorder):
    for hook in ("order-select", "order-sign"):
        resp = client.post("/cds-services/test-order", json=hook_body(hook, prefetch={"patient": patient()}))
        assert resp.status_code == 200
        assert recorder.last.hook == hook


def test_relevance_filter_answers_empty_cards_without_fetching(client, recorder):
    body = hook_body("order-sign", fhirServer="https://fhir.example.org/r4")
    body["context"]["skipMe"] = True
    resp = client.post("/cds-services/test-order", json=body)
    assert (resp.status_code, resp.get_json()) == (200, {"cards": []})
    assert recorder.calls == []


def test_unknown_context_keys_are_ignored(client, recorder):
    body = hook_body(prefetch={"patient": patient()})
    body["context"]["futureField"] = {"anything": [1, 2]}
    body["extension"] = {"org.example.x": {"a": 1}}
    resp = client.post("/cds-services/test-view", json=body)
    assert resp.status_code == 200
    assert recorder.last.context["futureField"] == {"anything": [1, 2]}


def test_cards_lose_empty_members(client):
    resp = client.post("/cds-services/test-view", json=hook_body(prefetch={"patient": patient()}))
    card = resp.get_json()["cards"][0]
    assert card == {"uuid": card["uuid"], "summary": "stub card", "indicator": "info", "source": {"label": "stub"}}


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    pytest.param("POST", "/cds-services/test-view", {"data": "{not json", "content_type": "application/json"}, 400,
                 id="malformed-json"),
    pytest.param("POST", "/cds-services/test-view", {"data": "[1, 2]", "content_type": "application/json"}, 400,
                 id="json-array"),
    pytest.param("POST", "/cds-services/test-view", {"data": '{"hook": NaN}', "content_type": "application/json"},
                 400, id="json-nan"),
    pytest.param("POST", "/cds-services/test-view", {"data": b"\xff\xfe", "content_type": "application/json"}, 400,
                 id="not-utf8"),
    pytest.param("POST", "/cds-services/test-view", {"data": "hook=x", "content_type": "text/plain"}, 415,
                 id="not-json"),
    pytest.param("POST", "/cds-services/unknown-id", {"json": {}}, 404, id="unknown-service"),
    pytest.param("POST", "/cds-services/unknown-id/feedback", {"json": {}}, 404, id="unknown-service-feedback"),
    pytest.param("GET", "/no/such/path", {}, 404, id="unknown-path"),
    pytest.param("GET", "/cds-services/test-view", {}, 405, id="get-on-service"),
    pytest.param("DELETE", "/cds-services", {}, 405, id="delete-discovery"),
])
def test_errors_are_json(client, method, path, kwargs, status):
    resp = client.open(path, method=method, **kwargs)
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.get_json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"


def test_oversized_body_is_413_before_parsing(make_app, recorder):
    client = make_app(MAX_REQUEST_BYTES=2000).test_client()
    body = hook_body(prefetch={"patient": patient(), "observations": {"pad": "x" * 3000}})
    resp = client.post("/cds-services/test-view", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["issue"][0] == {"severity": "error", "code": "too-costly",
                                           "diagnostics": "request body too large"}
    assert recorder.calls == []
    small = client.post("/cds-services/test-view", json=hook_body(prefetch={"patient": patient()}))
    assert small.status_code == 200


def test_unexpected_exception_is_500_without_stack_trace(client, caplog):
    resp = client.post("/cds-services/test-boom", json=hook_body())
    assert resp.status_code == 500
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.get_json() == {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "exception", "diagnostics": "internal error"}]}
    text = resp.get_data(as_text=True)
    assert "Traceback" not in text and "secret" not in text and PATIENT_ID not in text
    assert any(r.exc_info for r in caplog.records if r.name == "essdai_cds.errors")  # the log keeps the trace


def test_healthz(client):
    resp = client.get("/healthz")
    assert (resp.status_code, resp.get_json()) == (200, {"status": "ok"})


def test_access_log_line_has_no_phi_or_tokens(client, caplog):
    caplog.set_level("INFO", logger="essdai_cds.access")
    instance = str(uuid.uuid4())
    body = hook_body(prefetch={"patient": patient(), "observations": None, "notes": None}, hookInstance=instance,
                     fhirServer="https://fhir.example.org/r4", fhirAuthorization={
                         "access_token": "tok-secret", "token_type": "Bearer", "expires_in": 30,
                         "scope": "patient/*.read", "subject": "essdai-cds", "patient": PATIENT_ID})
    client.post("/cds-services/test-view", json=body)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "essdai_cds.access"]
    assert lines == [{"method": "POST", "endpoint": "/cds-services/<service_id>", "service": "test-view",
                      "hook": "patient-view", "hookInstance": instance, "fhirCalls": 0, "cards": 1, "status": 200,
                      "duration_ms": lines[0]["duration_ms"]}]
    assert PATIENT_ID not in caplog.text and "tok-secret" not in caplog.text
