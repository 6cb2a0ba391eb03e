"""Security checks: SSRF refused without a connection attempt, JWTs and access tokens kept out of logs and
the database, and development/demo settings refused with a non-loopback bind address."""

from __future__ import annotations

import argparse
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import pytest
import responses
from reliability_helpers import (
    counting_listener,
    FHIR,
    FHIR_TOKEN,
    PHI_MARKERS,
    leaks,
    log_text,
    order_body,
    patient,
    patient_412,
    safety_unavailable,
    sqlite_dump,
    view_body,
)

from cds_service.errors import operation_outcome
from essdai_cds.commands import serve
from configuration import ConfigError
from essdai_devtools.ehr_client import EhrKey
from essdai_devtools.service_process import ServiceProcess

ISSUER = "https://ehr.example.org"
JWKS_URL = "https://idp.example.org/.well-known/jwks.json"
BASE = "https://cds.example.org"


# --- SSRF: fhirServer ---------------------------------------------------------------------------------------

SSRF_SERVERS = [
    pytest.param("https://10.0.0.5/fhir", id="private-10"),
    pytest.param("https://192.168.1.20/r4", id="private-192.168"),
    pytest.param("https://172.16.0.9/r4", id="private-172.16"),
    pytest.param("http://169.254.169.254/latest/meta-data", id="cloud-metadata"),
    pytest.param("https://[fd00::1]/fhir", id="private-ipv6"),
    pytest.param("https://localhost/fhir", id="localhost"),
    pytest.param("https://fhir.example.org.attacker.example/r4", id="suffix-host"),
    pytest.param("https://attacker.example/r4?u=https://fhir.example.org/r4", id="allowlisted-in-query"),
    pytest.param("http://fhir.example.org/r4", id="downgrade-to-http"),
    pytest.param("https://fhir.example.org:8443/r4", id="other-port"),
]


@pytest.mark.parametrize("server", SSRF_SERVERS)
def test_fhir_server_not_allowlisted_is_never_contacted(client, caplog, server):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:  # any attempt would be recorded
        bare = client.post("/cds-services/essdai-activity", json=view_body(server=server))
        body = order_body("order-sign", prefetch={"patient": patient()}, server=server)
        with_patient = client.post("/cds-services/jak-inhibitor-safety", json=body)
        attempts = len(rsps.calls)
    assert attempts == 0
    assert (bare.status_code, bare.get_json()) == (412, patient_412())
    assert (with_patient.status_code, with_patient.get_json()) == (200, safety_unavailable(body))
    assert leaks(log_text(caplog.records), (FHIR_TOKEN, *PHI_MARKERS)) == []


@pytest.mark.parametrize("server", [
    pytest.param("https://fhir.example.org@attacker.example/r4", id="userinfo-trick"),
    pytest.param("https://fhir.example.org/r4/../../admin", id="dot-segments"),
    pytest.param("https://fhir.example.org/r4/%2e%2e/admin", id="encoded-dot-segments"),
])
def test_unusable_fhir_server_is_a_400_and_never_contacted(client, server):
    """Not merely "not allowlisted": a URL that fails the strict parse (configuration.urls) is a bad request."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        resp = client.post("/cds-services/essdai-activity", json=view_body(server=server))
        attempts = len(rsps.calls)
    assert (attempts, resp.status_code, resp.get_json()) == (
        0, 400, operation_outcome(400, "fhirServer must be an absolute http(s) URL"))


def test_loopback_fhir_server_not_allowlisted_gets_no_connection(make_app):
    """Even in development mode (http to loopback allowed) an unlisted loopback port is never dialled."""
    app = make_app(ALLOW_INSECURE_FHIR=True, FHIR_ALLOWLIST=[FHIR])
    with counting_listener() as (port, accepted):
        resp = app.test_client().post("/cds-services/essdai-activity",
                                      json=view_body(server=f"http://127.0.0.1:{port}/fhir"))
    assert (resp.status_code, resp.get_json(), accepted) == (412, patient_412(), [])


def test_medication_references_to_other_hosts_are_not_read(client):
    order = order_body("order-sign", prefetch={"patient": patient()})
    draft = order["context"]["draftOrders"]["entry"][0]["resource"]
    draft.pop("medicationCodeableConcept")
    draft["medicationReference"] = {"reference": "https://attacker.example/r4/Medication/m1"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(rf"{re.escape(FHIR)}/.*"),
                 json={"resourceType": "Bundle", "type": "searchset"})
        client.post("/cds-services/jak-inhibitor-safety", json=order)
        hosts = {c.request.url.split("/")[2] for c in rsps.calls}
    assert hosts <= {"fhir.example.org"}


# --- SSRF: jku and JWKS --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ehr_key() -> EhrKey:
    return EhrKey.generate()


def _auth_app(make_app: Any, tmp_path: Path, key: EhrKey, **issuer: Any) -> Any:
    entry = {"iss": ISSUER, **(issuer or {"jwks_file": str(key.write_jwks(tmp_path / "jwks.json"))})}
    return make_app(AUTH_ENABLED=True, TRUSTED_ISSUERS=[entry], PUBLIC_BASE_URL=BASE)


def _bearer(key: EhrKey, path: str, *, issuer: str = ISSUER, jku: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.sign(issuer=issuer, audience=BASE + path, jku=jku)}"}


@pytest.mark.parametrize("issuer", [ISSUER, "https://untrusted.example"], ids=["trusted-iss", "untrusted-iss"])
def test_foreign_jku_is_refused_and_never_fetched(make_app, tmp_path, ehr_key, issuer):
    app = _auth_app(make_app, tmp_path, ehr_key)
    with counting_listener() as (port, accepted):
        resp = app.test_client().get("/cds-services", headers=_bearer(
            ehr_key, "/cds-services", issuer=issuer, jku=f"http://127.0.0.1:{port}/jwks.json"))
    assert (resp.status_code, resp.get_json(), accepted) == (401, {"error": "unauthorized"}, [])


def test_jwks_redirect_to_another_host_is_not_followed(make_app, tmp_path, ehr_key):
    app = _auth_app(make_app, tmp_path, ehr_key, jwks_url=JWKS_URL)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, JWKS_URL, status=302, headers={"Location": "https://attacker.example/jwks.json"})
        elsewhere = rsps.add(responses.GET, "https://attacker.example/jwks.json", json=ehr_key.jwks())
        resp = app.test_client().get("/cds-services", headers=_bearer(ehr_key, "/cds-services"))
    assert (resp.status_code, resp.get_json()) == (401, {"error": "unauthorized"})
    assert elsewhere.call_count == 0


# --- secrets in logs and the database --------------------------------------------------------------------------

def test_jwts_and_access_tokens_never_reach_logs_or_the_database(make_app, tmp_path, ehr_key, caplog):
    caplog.set_level(logging.DEBUG)
    app = _auth_app(make_app, tmp_path, ehr_key)
    client = app.test_client()
    path = "/cds-services/jak-inhibitor-safety"
    sent: list[str] = []

    def bearer(p: str, **kw: Any) -> dict[str, str]:
        header = _bearer(ehr_key, p, **kw)
        sent.append(header["Authorization"].split(" ", 1)[1])
        return header

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(rf"{re.escape(FHIR)}/.*"), status=500, json={})
        body = order_body("order-sign", prefetch={"patient": patient()})
        ok = client.post(path, json=body, headers=bearer(path))
        replay = client.post(path, json=body, headers={"Authorization": f"Bearer {sent[-1]}"})
        wrong_aud = client.post(path, json=body, headers=bearer("/cds-services"))
        garbage = "eyJhbGciOiJFUzM4NCJ9.eyJzZWNyZXQiOiJ4In0.c2lnbmF0dXJl"
        sent.append(garbage)
        malformed = client.post(path, json=body, headers={"Authorization": f"Bearer {garbage}"})
        fb_path = "/cds-services/jak-inhibitor-safety/feedback"
        card = ok.get_json()["cards"][0]["uuid"]
        feedback = client.post(fb_path, headers=bearer(fb_path), json={"feedback": [{
            "card": card, "outcome": "overridden", "outcomeTimestamp": "2025-06-01T10:00:00Z",
            "overrideReason": {"userComment": "reviewed"}}]})
    assert [r.status_code for r in (ok, replay, wrong_aud, malformed, feedback)] == [200, 401, 401, 401, 200]
    secrets = [FHIR_TOKEN] + sent + [t.rsplit(".", 1)[1] for t in sent]  # whole JWTs and their signatures
    assert leaks(log_text(caplog.records), secrets) == []
    assert leaks(sqlite_dump(tmp_path / "cds.db"), secrets + [FHIR_TOKEN]) == []
    assert "jti-replayed" in log_text(caplog.records)  # the refusal is logged, by reason code only


# --- insecure settings and the bind address ---------------------------------------------------------------------

def _serve_args(**kw: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)  # every option at its default, then the test's values
    return argparse.Namespace(**{**vars(parser.parse_args([])), **kw})


@pytest.mark.parametrize(("host", "flags", "env", "refused"), [
    pytest.param("0.0.0.0", {"no_auth": True}, {}, True, id="no-auth-flag-any-address"),
    pytest.param("10.1.2.3", {}, {"ESSDAI_CDS_AUTH_ENABLED": "false"}, True, id="auth-off-by-env-private-ip"),
    pytest.param("0.0.0.0", {}, {"ESSDAI_CDS_WORKSHEET_OPEN_ACCESS": "true"}, True, id="open-worksheet-any-address"),
    pytest.param("::", {"no_auth": True}, {}, True, id="no-auth-ipv6-any"),
    pytest.param("127.0.0.1", {"no_auth": True}, {}, False, id="no-auth-loopback"),
    pytest.param("::1", {}, {"ESSDAI_CDS_AUTH_ENABLED": "false"}, False, id="auth-off-ipv6-loopback"),
    pytest.param("localhost", {}, {"ESSDAI_CDS_WORKSHEET_OPEN_ACCESS": "true"}, False, id="open-worksheet-localhost"),
    pytest.param("0.0.0.0", {}, {"ESSDAI_CDS_PUBLIC_BASE_URL": "https://cds.example.org"}, False,
                 id="secure-any-address"),
])
def test_development_settings_need_a_loopback_bind(host, flags, env, refused):
    args = _serve_args(host=host, **flags)
    if refused:
        with pytest.raises(ConfigError, match="only allowed with a loopback --host"):
            serve.environment(args, dict(env))
    else:
        serve.environment(args, dict(env))


def test_serve_command_exits_2_before_starting_anything(monkeypatch, capsys):
    monkeypatch.setenv("ESSDAI_CDS_AUTH_ENABLED", "false")
    assert serve.run(_serve_args(host="0.0.0.0")) == 2
    assert "only allowed with a loopback --host" in capsys.readouterr().err


def test_demo_and_devtools_service_refuse_a_public_address(tmp_path, capsys):
    from essdai_cds.cli import main

    assert main(["demo", "--host", "0.0.0.0", "--workdir", str(tmp_path / "demo")]) == 2
    assert "refusing to bind" in capsys.readouterr().err
    assert not (tmp_path / "demo").exists()  # refused before anything was started or written
    with pytest.raises(ValueError, match="loopback only"):
        ServiceProcess(tmp_path, trusted_issuers=[], fhir_allowlist=[], host="0.0.0.0")


def test_tokens_in_a_failed_request_are_not_echoed(client):
    """400 answers name the field, never its value (the body carries the FHIR token)."""
    body = view_body()
    body["hookInstance"] = f"not-a-uuid-{FHIR_TOKEN}"
    resp = client.post("/cds-services/essdai-activity", data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 400
    assert FHIR_TOKEN not in resp.get_data(as_text=True)
