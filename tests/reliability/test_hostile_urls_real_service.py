"""Hostile URLs and JSON through the real service (gunicorn, auth ON) against a hostile FHIR server on loopback.

Before configuration.urls these were 500s (a `fhirServer` with port 99999 or `20600x`, or `[::1` as a
host: `urlsplit(...).port` raised) or sent the bearer token off the base path (`<base>/../admin`,
normalised away by requests); a FHIR answer nested 100,000 deep raised RecursionError (json.loads).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests
from reliability_helpers import AS_OF, FHIR_TOKEN, fhir_stub, order_body, patient, safety_unavailable, start_service

from cds_service.errors import operation_outcome
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.procs import free_port
from essdai_devtools.service_process import ServiceProcess, trusted_issuer

pytestmark = pytest.mark.integration
PATH = "/cds-services/jak-inhibitor-safety"


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = "plain"
    next_url = ""
    seen: list[tuple[str, bool]] = []  # (raw request path, bearer token sent)

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        type(self).seen.append((self.path, self.headers.get("Authorization") == f"Bearer {FHIR_TOKEN}"))
        if self.mode == "deep":
            depth = 100_000
            self._send(b'{"resourceType":"Bundle","type":"searchset","entry":' + b"[" * depth + b"]" * depth + b"}")
            return
        rtype = self.path.split("/fhir/", 1)[-1].split("?")[0]
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
        if rtype == "Condition" and self.next_url:
            bundle["link"] = [{"relation": "next", "url": self.next_url}]
        self._send(json.dumps(bundle).encode())


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with fhir_stub(_Hostile, port=free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, hostile: str) -> Iterator[tuple[str, EhrKey]]:
    key = EhrKey.generate()

    def make() -> ServiceProcess:
        workdir = tmp_path_factory.mktemp("hostile-urls")
        issuer = trusted_issuer(DEFAULT_ISSUER, jwks_file=key.write_jwks(workdir / "jwks.json"))
        return ServiceProcess(workdir, trusted_issuers=[issuer], fhir_allowlist=[hostile], assessment_date=AS_OF,
                              workers=1)

    with contextlib.ExitStack() as stack:
        yield start_service(stack, make).base_url, key


def _post(live: tuple[str, EhrKey], body: dict[str, Any]) -> requests.Response:
    base_url, key = live
    token = key.sign(issuer=DEFAULT_ISSUER, audience=base_url + PATH)
    return requests.post(base_url + PATH, data=json.dumps(body), timeout=30,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


@pytest.mark.parametrize("server", [
    pytest.param("http://127.0.0.1:99999/fhir", id="port-out-of-range"),
    pytest.param("http://127.0.0.1:20600x/fhir", id="port-not-digits"),
    pytest.param("http://[::1/fhir", id="broken-ipv6"),
    pytest.param("http://[::1]x:80/fhir", id="junk-after-ipv6"),
    pytest.param("http://127.0.0.1:8080/fh\nir", id="newline-in-path"),
    pytest.param("http://127.0.0.1:8080/fhir\t", id="tab-in-path"),
    pytest.param("http://127.0.0.1:8080/fhir/%0a", id="encoded-newline"),
    pytest.param("http://127.0.0.1:8080/fhir/../admin", id="dot-dot"),
    pytest.param("http://127.0.0.1:8080/fhir/%2e%2E/admin", id="encoded-dot-dot"),
    pytest.param("http://127.0.0.1:8080/fhir/./", id="dot"),
    pytest.param("http://user:pw@127.0.0.1:8080/fhir", id="userinfo"),
    pytest.param("ftp://127.0.0.1/fhir", id="scheme"),
])
def test_unusable_fhir_server_is_a_400(live, server):
    body = order_body("order-sign", prefetch={"patient": patient()}, server=server)
    resp = _post(live, body)
    assert (resp.status_code, resp.json()) == (400, operation_outcome(400, "fhirServer must be an absolute http(s) URL"))


def _answer_with_next(live, hostile: str, next_url: str) -> tuple[int, dict[str, Any], list[tuple[str, bool]]]:
    _Hostile.mode, _Hostile.next_url, _Hostile.seen = "plain", next_url, []
    body = order_body("order-sign", prefetch={"patient": patient()}, server=hostile,
                      instance="5b0a3c1e-1111-4c1e-9e7e-000000000001")
    resp = _post(live, body)
    return resp.status_code, resp.json(), list(_Hostile.seen)


@pytest.mark.parametrize("next_link", [
    pytest.param("{base}/../admin/Condition?page=2", id="dot-dot-to-admin"),
    pytest.param("{base}/%2e%2e/admin/Condition?page=2", id="encoded-dot-dot"),
    pytest.param("{base}/Condition/\n../../admin", id="newline"),
    pytest.param("{base}/Condition\t?page=2", id="tab"),
    pytest.param("http://127.0.0.1:99999/fhir/Condition?page=2", id="port-out-of-range"),
    pytest.param("http://127.0.0.1:20600x/fhir/Condition?page=2", id="port-not-digits"),
    pytest.param("http://[::1/fhir/Condition?page=2", id="broken-ipv6"),
    pytest.param("{base}2/Condition?page=2", id="sibling-path"),
])
def test_next_link_off_the_base_is_never_followed(live, hostile, next_link):
    """The answer is exactly the one for a `next` link to another host (a link we may not follow: data
    partial), and the hostile server saw only requests under /fhir/ (the token never went elsewhere)."""
    status, answer, seen = _answer_with_next(live, hostile, next_link.format(base=hostile))
    foreign = _answer_with_next(live, hostile, "https://elsewhere.example/fhir/Condition?page=2")
    complete = _answer_with_next(live, hostile, "")
    assert (status, answer) == foreign[:2]
    assert foreign[:2] != complete[:2]  # the unread page is reported
    assert [path.split("?")[0] for path, _ in seen if not path.startswith("/fhir/")] == []
    assert all(token for _, token in seen) and len(seen) == len(complete[2])


def test_next_link_under_the_base_is_followed(live, hostile):
    status, _, seen = _answer_with_next(live, hostile, f"{hostile}/Condition?page=2")
    assert status == 200 and ("/fhir/Condition?page=2", True) in seen


def test_fhir_answer_nested_100000_deep_is_the_could_not_complete_card(live, hostile):
    _Hostile.mode, _Hostile.seen = "deep", []
    body = order_body("order-sign", prefetch={"patient": patient()}, server=hostile)
    try:
        resp = _post(live, body)
    finally:
        _Hostile.mode = "plain"
    assert (resp.status_code, resp.json()) == (200, safety_unavailable(body))
    assert len(_Hostile.seen) == 6  # the six searches were made and each answer refused


def test_request_body_nested_100000_deep_is_a_400(live):
    depth = 100_000
    base_url, key = live
    token = key.sign(issuer=DEFAULT_ISSUER, audience=base_url + PATH)
    raw = b'{"hook":"order-sign","extension":' + b"[" * depth + b"]" * depth + b"}"
    resp = requests.post(base_url + PATH, data=raw, timeout=30,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert (resp.status_code, resp.json()) == (400, operation_outcome(400, "malformed JSON"))
