"""The README's sandbox route, end to end: `essdai-cds demo --trust-sandbox-jwks FILE` (gunicorn, sekmet-fhir)
called with tokens signed exactly as the public CDS Hooks sandbox signs them (cds-hooks/sandbox
src/retrieve-data-helpers/jwt-generator.js): ES384, iss https://sandbox.cds-hooks.org, its kid, jku = its
published JWKS URL, aud = the exact URL called, exp = iat + 300; the browser's Origin on every call."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from essdai_devtools.demo import SANDBOX_ISSUER, SANDBOX_JWKS_URL
from essdai_devtools.ehr_client import EhrClient, EhrKey
from essdai_devtools.procs import free_port

pytestmark = pytest.mark.integration

SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"  # the kid the sandbox puts in its header
ORIGIN = "https://sandbox.example.org"  # a self-hosted sandbox (--sandbox-origin)


class Demo:
    def __init__(self, out: str, workdir: Path) -> None:
        sandbox_url = re.search(r"^  (https?://\S+/\?fhirServiceUrl=\S+)$", out, re.M)
        assert sandbox_url, out
        self.sandbox_url = sandbox_url.group(1)
        query = parse_qs(urlsplit(self.sandbox_url).query)
        self.fhir = query["fhirServiceUrl"][0]
        self.discovery_url = query["serviceDiscoveryURL"][0]
        self.service = self.discovery_url.removesuffix("/cds-services")
        self.workdir = workdir


@pytest.fixture(scope="module")
def sandbox_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[EhrKey, Path]:
    key = EhrKey.generate("ES384")
    key = EhrKey(key.private_key, SANDBOX_KID)
    return key, key.write_jwks(tmp_path_factory.mktemp("keys") / "sandbox-jwks.json")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sandbox_key: tuple[EhrKey, Path]) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("demo")
    out_path = tmp / "demo.out"
    log = out_path.open("wb")
    workdir = tmp / "w"
    proc = subprocess.Popen(
        [sys.executable, "-m", "essdai_cds.cli", "demo", "--port", str(free_port()),
         "--fhir-port", str(free_port()), "--large-size", "300", "--workdir", str(workdir),
         "--trust-sandbox-jwks", str(sandbox_key[1]), "--sandbox-origin", ORIGIN],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while b"Ctrl-C stops everything" not in out_path.read_bytes():
            assert proc.poll() is None, out_path.read_text()
            assert time.monotonic() < deadline, out_path.read_text()
            time.sleep(0.3)
        yield Demo(out_path.read_text(), workdir)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _sandbox_client(demo: Demo, key: EhrKey) -> EhrClient:
    session = requests.Session()
    session.headers["Origin"] = ORIGIN  # the sandbox page calls from the browser
    return EhrClient(demo.service, demo.fhir, SANDBOX_ISSUER, key, jku=SANDBOX_JWKS_URL, session=session)


def test_the_printed_sandbox_url_names_the_demo_and_a_patient(demo: Demo) -> None:
    assert demo.sandbox_url.startswith(f"{ORIGIN}/?fhirServiceUrl=http%3A%2F%2F127.0.0.1%3A")
    assert parse_qs(urlsplit(demo.sandbox_url).query)["patientId"] == ["sjd-rated-5"]


def test_tokens_are_shaped_like_the_sandbox_s(sandbox_key: tuple[EhrKey, Path]) -> None:
    key, _ = sandbox_key
    token = key.sign(issuer=SANDBOX_ISSUER, audience="http://127.0.0.1:1/cds-services", jku=SANDBOX_JWKS_URL)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header == {"alg": "ES384", "typ": "JWT", "kid": SANDBOX_KID, "jku": SANDBOX_JWKS_URL}
    assert claims["iss"] == SANDBOX_ISSUER and claims["aud"] == "http://127.0.0.1:1/cds-services"
    assert claims["exp"] - claims["iat"] == 300


def test_discovery_answers_the_sandbox_with_one_service_per_hook(demo: Demo, sandbox_key) -> None:
    client = _sandbox_client(demo, sandbox_key[0])
    resp = client.get_discovery()
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert [(s["id"], s["hook"]) for s in resp.json()["services"]] == [
        ("essdai-activity", "patient-view"), ("jak-inhibitor-safety", "order-sign"),
        ("jak-inhibitor-safety-order-select", "order-select")]
    preflight = requests.options(demo.discovery_url, timeout=30, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_patient_view_and_feedback_from_the_sandbox(demo: Demo, sandbox_key) -> None:
    client = _sandbox_client(demo, sandbox_key[0])
    cards = client.patient_view("sjd-rated-5")["cards"]
    essdai = next(c for c in cards if c["summary"].startswith("ESSDAI is 5"))
    assert essdai["indicator"] == "warning" or essdai["indicator"] == "info"
    assert all(len(c["summary"]) < 140 for c in cards)
    # the sandbox sends the 2.0 wrapper with reason.code/system only
    resp = client.feedback("essdai-activity", essdai["uuid"], "overridden",
                           override_reason={"code": "not-relevant", "system": "http://example.org/reasons"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    db = demo.workdir / "service" / "essdai-cds.sqlite"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT service_id, card, outcome FROM cds_feedback").fetchall()
    assert ("essdai-activity", essdai["uuid"], "overridden") in rows


def test_order_sign_and_order_select_each_reach_their_own_service(demo: Demo, sandbox_key) -> None:
    client = _sandbox_client(demo, sandbox_key[0])
    signed = client.order_sign("jak-lymphopenia")["cards"]
    assert list(client.last_responses) == ["jak-inhibitor-safety"]
    assert signed and signed[0]["indicator"] == "critical"
    selected = client.order_select("jak-lymphopenia")["cards"]
    assert list(client.last_responses) == ["jak-inhibitor-safety-order-select"]
    assert [c["summary"] for c in selected] == [c["summary"] for c in signed]


def test_a_localhost_audience_is_accepted_and_a_foreign_jku_is_not(demo: Demo, sandbox_key) -> None:
    key = sandbox_key[0]
    local = demo.discovery_url.replace("://127.0.0.1:", "://localhost:")
    ok = key.sign(issuer=SANDBOX_ISSUER, audience=local, jku=SANDBOX_JWKS_URL)
    assert requests.get(demo.discovery_url, headers={"Authorization": f"Bearer {ok}"}, timeout=30).status_code == 200
    foreign = key.sign(issuer=SANDBOX_ISSUER, audience=demo.discovery_url, jku="https://evil.example/jwks.json")
    resp = requests.get(demo.discovery_url, headers={"Authorization": f"Bearer {foreign}"}, timeout=30)
    assert resp.status_code == 401 and resp.json() == {"error": "unauthorized"}


def test_the_demo_printed_where_the_feedback_database_is(demo: Demo) -> None:
    out = (demo.workdir.parent / "demo.out").read_text()
    assert f"feedback database:                {demo.workdir / 'service' / 'essdai-cds.sqlite'}" in out
    assert json.loads((demo.workdir / "ehr-jwks.json").read_text())["keys"]
