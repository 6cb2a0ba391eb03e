"""The EHR-like client against a stub CDS service (in this file) and the real FHIR server.

The stub verifies every JWT with the client's JWKS (ES384, exact `aud`) and records what it got,
so these tests pin the client's side of the contract independently of the real service.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from flask import Flask, abort, request
from werkzeug.serving import make_server

from essdai_cds.cli import main as cli_main
from essdai_devtools.ehr_client import (
    EhrClient,
    EhrKey,
    JwksServer,
    is_search,
    render_template,
    with_count,
)

pytestmark = pytest.mark.integration  # the stub's FHIR side is the real sekmet server

ISSUER = "https://ehr.stub-test.invalid"
TODAY = date(2026, 5, 20)
PV_PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code=http://loinc.org|731-0,http://loinc.org|718-7"
                    "&_count=50",
    "practitioner": "Practitioner/{{userPractitionerId}}",  # not on the server: 404, key omitted
    "encounter": "Encounter/{{context.encounterId}}",  # no encounterId in context: skipped
    "recent": "Observation?patient={{context.patientId}}&date=ge{{today() - 90 days}}",
}


STUB_SUGGESTION = "11111111-1111-4111-8111-111111111111"
STUB_REASON = {"system": "urn:stub:override-reason", "code": "stub-reason", "display": "Stub reason"}


class Stub:
    def __init__(self, key: EhrKey) -> None:
        self.jwks = jwt.PyJWKSet.from_dict(key.jwks())
        self.seen: list[dict[str, Any]] = []
        self.app = Flask("stub-cds")
        self.base = ""

        def verify() -> dict[str, Any]:
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                header = jwt.get_unverified_header(token)
                signing_key = next(k for k in self.jwks.keys if k.key_id == header["kid"])
                claims = jwt.decode(token, signing_key.key, algorithms=["ES384"], audience=self.base + request.path,
                                    issuer=ISSUER, options={"require": ["exp", "iat", "jti", "iss", "aud"]})
            except Exception:  # noqa: BLE001 - any failure is a 401, like the real service
                abort(401)
            return {"header": header, "claims": claims}

        @self.app.get("/cds-services")
        def discovery():
            self.seen.append({"path": request.path, **verify()})
            return {"services": [
                {"id": "stub-pv", "hook": "patient-view", "description": "stub", "prefetch": PV_PREFETCH},
                {"id": "stub-select", "hook": "order-select", "description": "stub",
                 "prefetch": {"patient": "Patient/{{context.patientId}}"}},
                {"id": "stub-sign", "hook": "order-sign", "description": "stub"},
            ]}

        @self.app.post("/cds-services/<sid>")
        def hook(sid: str):
            self.seen.append({"path": request.path, "body": request.get_json(), **verify()})
            return {"cards": [{"uuid": f"00000000-0000-4000-8000-00000000000{len(self.seen) % 10}",
                               "summary": f"stub {sid}", "indicator": "info", "source": {"label": "stub"},
                               "suggestions": [{"uuid": STUB_SUGGESTION, "label": "stub suggestion"}],
                               "overrideReasons": [STUB_REASON]}]}

        @self.app.post("/cds-services/<sid>/feedback")
        def feedback(sid: str):
            self.seen.append({"path": request.path, "body": request.get_json(), **verify()})
            return {}


@pytest.fixture(scope="module")
def stub(ehr_key: EhrKey) -> Iterator[Stub]:
    s = Stub(ehr_key)
    server = make_server("127.0.0.1", 0, s.app, threaded=True)
    s.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield s
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture()
def client(stub: Stub, fhir_server, cohort, ehr_key: EhrKey) -> EhrClient:
    stub.seen.clear()
    return EhrClient(stub.base, fhir_server.base_url, ISSUER, ehr_key, fhir_token=fhir_server.token,
                     page_size=3, today=TODAY)


def last_body(stub: Stub) -> dict[str, Any]:
    return stub.seen[-1]["body"]


# --- pure helpers ---------------------------------------------------------------------------------

CTX = {"patientId": "p1", "userId": "Practitioner/dr-1", "selections": ["MedicationRequest/x"]}


@pytest.mark.parametrize(
    ("template", "rendered"),
    [
        ("Patient/{{context.patientId}}", "Patient/p1"),
        ("Observation?patient={{ context.patientId }}&code=a|b", "Observation?patient=p1&code=a|b"),
        ("Practitioner/{{userPractitionerId}}", "Practitioner/dr-1"),
        ("PractitionerRole/{{userPractitionerRoleId}}", None),  # the user is a Practitioner
        ("Encounter/{{context.encounterId}}", None),  # not in context
        ("MedicationRequest/{{context.selections}}", None),  # not a primitive
        ("Observation?date=ge{{today() - 90 days}}", "Observation?date=ge2026-02-19"),
        ("Observation?date=le{{today()}}", "Observation?date=le2026-05-20"),
        ("Observation?x={{context.draftOrders.MedicationRequest.id}}", None),  # not a 2.0 token
    ],
)
def test_render_template(template: str, rendered: str | None) -> None:
    assert render_template(template, CTX, TODAY) == rendered


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Observation?patient=p1", "Observation?patient=p1&_count=3"),
        ("Observation?patient=p1&_count=50&code=a|b", "Observation?patient=p1&code=a|b&_count=3"),
    ],
)
def test_with_count(query: str, expected: str) -> None:
    assert with_count(query, 3) == expected


@pytest.mark.parametrize(("query", "search"), [("Patient/p1", False), ("Observation?patient=p1", True),
                                               ("Condition", True)])
def test_is_search(query: str, search: bool) -> None:
    assert is_search(query) is search


def test_jwt_header_and_claims(ehr_key: EhrKey) -> None:
    token = ehr_key.sign(issuer=ISSUER, audience="https://cds.example/cds-services/x")
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"], header["kid"]) == ("ES384", "JWT", ehr_key.kid)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "https://cds.example/cds-services/x" and claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 300 and len(claims["jti"]) == 36


def test_key_round_trip_and_jwks_server(tmp_path: Path, ehr_key: EhrKey) -> None:
    ehr_key.write_pem(tmp_path / "k.pem")
    again = EhrKey.from_pem(tmp_path / "k.pem")
    assert again.kid == ehr_key.kid and again.jwks() == ehr_key.jwks()
    with JwksServer(ehr_key) as url:
        assert url.startswith("http://127.0.0.1:")
        jwks = requests.get(url, timeout=5).json()
    assert jwks["keys"][0]["kid"] == ehr_key.kid and jwks["keys"][0]["crv"] == "P-384"
    assert "d" not in jwks["keys"][0]  # public only


def test_rs384_key_signs_tokens_its_jwks_verifies(tmp_path: Path) -> None:
    key = EhrKey.generate("RS384")
    token = key.sign(issuer=ISSUER, audience="https://cds.example/cds-services/x")
    jwk = key.jwks()["keys"][0]
    assert (jwk["kty"], jwk["alg"], jwk["kid"], "d" in jwk) == ("RSA", "RS384", key.kid, False)
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["RS384"], audience="https://cds.example/cds-services/x")
    assert (jwt.get_unverified_header(token)["alg"], claims["iss"]) == ("RS384", ISSUER)
    key.write_pem(tmp_path / "r.pem")
    assert EhrKey.from_pem(tmp_path / "r.pem").alg == "RS384"
    with pytest.raises(ValueError):
        EhrKey.generate("HS256")


# --- against the stub ---------------------------------------------------------------------------

def test_discovery_and_every_request_are_signed_for_their_endpoint(client: EhrClient, stub: Stub) -> None:
    client.patient_view("sjd-rated-5")
    client.feedback("stub-pv", "00000000-0000-4000-8000-000000000001", override_reason={
        "system": "http://example.org/override", "code": "x", "display": "X"})
    paths = [s["path"] for s in stub.seen]
    assert paths == ["/cds-services", "/cds-services/stub-pv", "/cds-services/stub-pv/feedback"]
    assert [s["claims"]["aud"] for s in stub.seen] == [stub.base + p for p in paths]
    assert len({s["claims"]["jti"] for s in stub.seen}) == 3


def test_full_mode_prefetch(client: EhrClient, stub: Stub, fhir_server, cohort) -> None:
    cards = client.patient_view("large-labs")
    assert [c["summary"] for c in cards["cards"]] == ["stub stub-pv"]
    body = last_body(stub)
    assert body["hook"] == "patient-view" and body["fhirServer"] == fhir_server.base_url
    assert body["context"] == {"userId": "Practitioner/devtools-rheumatologist", "patientId": "large-labs"}
    assert body["fhirAuthorization"] == {
        "access_token": fhir_server.token, "token_type": "Bearer", "expires_in": 300,
        "scope": body["fhirAuthorization"]["scope"], "subject": "essdai-cds", "patient": "large-labs"}
    prefetch = body["prefetch"]
    assert sorted(prefetch) == ["conditions", "observations", "patient", "recent"]  # 404 and unresolved omitted
    assert prefetch["patient"]["id"] == "large-labs"
    obs = prefetch["observations"]
    assert not any(link["relation"] == "next" for link in obs.get("link", []))
    assert len(obs["entry"]) == obs["total"] > 200  # pages of 50: every page followed and merged
    assert len({e["resource"]["id"] for e in obs["entry"]}) == obs["total"]


def test_none_mode_sends_no_prefetch(client: EhrClient, stub: Stub) -> None:
    client.patient_view("sjd-rated-5", mode="none")
    assert "prefetch" not in last_body(stub)


def test_partial_mode_sends_every_other_key(client: EhrClient, stub: Stub) -> None:
    client.patient_view("sjd-rated-5", mode="partial")
    # sorted keys: conditions, encounter, observations, patient, practitioner, recent -> every other one
    assert sorted(last_body(stub)["prefetch"]) == ["conditions", "observations"]


def test_operation_outcome_mode(client: EhrClient, stub: Stub) -> None:
    client.patient_view("sjd-rated-5", mode="operation-outcome")
    prefetch = last_body(stub)["prefetch"]
    assert prefetch["conditions"]["resourceType"] == "OperationOutcome"
    assert prefetch["observations"]["resourceType"] == "Bundle"


def test_paginated_mode_sends_the_first_page_with_next(client: EhrClient, stub: Stub) -> None:
    client.patient_view("large-labs", mode="paginated")
    obs = last_body(stub)["prefetch"]["observations"]
    assert len(obs["entry"]) == 3 and obs["total"] > 3
    nxt = next(link["url"] for link in obs["link"] if link["relation"] == "next")
    assert nxt.startswith(client.fhir_base) and "_count=3" in nxt


def test_order_hooks_context(client: EhrClient, stub: Stub) -> None:
    client.order_select("jak-clean")
    ctx = last_body(stub)["context"]
    assert ctx["selections"] == ["MedicationRequest/draft-baricitinib-jak-clean"]
    draft = ctx["draftOrders"]["entry"][0]["resource"]
    assert ctx["draftOrders"]["type"] == "collection"
    assert (draft["status"], draft["intent"], draft["subject"]) == ("draft", "order", {"reference": "Patient/jak-clean"})
    assert draft["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 2
    assert last_body(stub)["prefetch"]["patient"]["id"] == "jak-clean"
    client.order_sign("jak-clean")
    body = last_body(stub)
    assert "selections" not in body["context"] and body["hook"] == "order-sign"
    assert "prefetch" not in body  # the stub's order-sign service declares none


def test_feedback_body(client: EhrClient, stub: Stub) -> None:
    resp = client.feedback("stub-pv", "card-1", "accepted", accepted_suggestions=("sug-1",))
    assert resp.status_code == 200
    item = last_body(stub)["feedback"][0]
    assert (item["card"], item["outcome"], item["acceptedSuggestions"]) == ("card-1", "accepted", [{"id": "sug-1"}])
    assert item["outcomeTimestamp"].endswith("Z")


def test_untrusted_key_is_refused(stub: Stub, fhir_server) -> None:
    stranger = EhrClient(stub.base, fhir_server.base_url, ISSUER, EhrKey.generate())
    assert stranger.get_discovery().status_code == 401


def test_cli_call(tmp_path: Path, stub: Stub, fhir_server, cohort, ehr_key: EhrKey, capsys) -> None:
    ehr_key.write_pem(tmp_path / "ehr.pem")
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"resourceType": "MedicationRequest", "id": "o-1", "status": "draft",
                                 "intent": "order", "subject": {"reference": "Patient/jak-clean"}}))
    rc = cli_main(["call", "--service-url", stub.base, "--fhir", fhir_server.base_url, "--patient", "jak-clean",
                   "--hook", "order-select", "--order", str(order), "--key", str(tmp_path / "ehr.pem"),
                   "--issuer", ISSUER, "--fhir-token", fhir_server.token, "--jwks-out", str(tmp_path / "jwks.json")])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["cards"][0]["summary"] == "stub stub-select"
    assert last_body(stub)["context"]["selections"] == ["MedicationRequest/o-1"]
    assert json.loads((tmp_path / "jwks.json").read_text())["keys"][0]["kid"] == ehr_key.kid


@pytest.mark.parametrize(("outcome", "fields"), [
    ("accepted", {"acceptedSuggestions": [{"id": STUB_SUGGESTION}]}),
    ("overridden", {"overrideReason": {"reason": STUB_REASON}}),
])
def test_cli_call_feedback_posts_one_item_per_card(tmp_path: Path, stub: Stub, ehr_key: EhrKey, capsys,
                                                   outcome: str, fields: dict[str, Any]) -> None:
    """`essdai-cds call ... --feedback OUTCOME`: the hook's response on stdout, then the feedback of a
    clinician acting on each card (no FHIR call in mode none: the FHIR URL is never contacted)."""
    ehr_key.write_pem(tmp_path / "ehr.pem")
    stub.seen.clear()
    rc = cli_main(["call", "--service-url", stub.base, "--fhir", "http://127.0.0.1:9/fhir", "--patient", "p1",
                   "--mode", "none", "--key", str(tmp_path / "ehr.pem"), "--issuer", ISSUER, "--feedback", outcome])
    captured = capsys.readouterr()
    card = json.loads(captured.out)["cards"][0]
    assert rc == 0
    assert [s["path"] for s in stub.seen] == ["/cds-services", "/cds-services/stub-pv",
                                              "/cds-services/stub-pv/feedback"]
    item = stub.seen[-1]["body"]["feedback"]
    assert [{k: v for k, v in i.items() if k != "outcomeTimestamp"} for i in item] == [
        {"card": card["uuid"], "outcome": outcome, **fields}]
    assert captured.err == f"feedback stub-pv card {card['uuid']}: {outcome} -> HTTP 200 {{}}\n"


def test_accepted_feedback_skips_a_card_without_suggestions(capsys) -> None:
    """An accepted outcome must name its suggestions (CDS Hooks 2.0; the service answers 400 otherwise)."""
    from essdai_devtools.ehr_client import post_feedback

    class Client:
        last_responses = {"svc": {"cards": [{"uuid": "c-1", "suggestions": []},
                                            {"uuid": "c-2", "suggestions": [{"uuid": "s-1", "label": "x"}]}]}}
        sent: list[tuple[str, str, str, tuple[str, ...]]] = []

        def feedback(self, service_id, card_uuid, outcome, *, accepted_suggestions=()):
            self.sent.append((service_id, card_uuid, outcome, accepted_suggestions))
            return type("R", (), {"status_code": 200, "text": '{"stored":1,"duplicates":0}'})()

    client = Client()
    assert post_feedback(client, "accepted") is True  # type: ignore[arg-type]
    assert client.sent == [("svc", "c-2", "accepted", ("s-1",))]
    assert capsys.readouterr().err == ("feedback svc card c-1: not sent (no suggestion to accept)\n"
                                       'feedback svc card c-2: accepted -> HTTP 200 {"stored":1,"duplicates":0}\n')
