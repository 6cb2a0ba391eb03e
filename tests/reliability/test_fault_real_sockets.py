"""Faults on real loopback sockets: a port that refuses, one that accepts and never answers, a server
that drips bytes, one that streams 50 MB without a Content-Length, one that redirects to another host,
and the real FHIR server (sekmet-fhir) frozen with SIGSTOP and thawed with SIGCONT.

Every network target is on 127.0.0.1. The service runs in-process (Flask test client) with a 1 s hook
budget; each call must answer within it (plus slack for a shared machine) with the exact 412 or card.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from reliability_helpers import (
    counting_listener,
    PHI_MARKERS,
    SECRET_MARKERS,
    fhir_stub,
    leaks,
    log_text,
    order_body,
    patient,
    patient_412,
    safety_unavailable,
    sjogren_condition,
)

from fhir_access.client import Deadline, FhirClient, FhirSettings, FhirUnavailable
from essdai_devtools.fhir_server import FhirServer, load_bundle
from essdai_devtools.procs import free_port

BUDGET_S = 1.0
SLACK_S = 0.6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    mode = "drip"
    redirect_to = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        try:
            if self.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", self.redirect_to + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.mode == "drip":  # a valid start, then one byte every 0.1 s, no length, no end
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b'{"resourceType":"Bundle","entry":[')
                for _ in range(600):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.mode == "gzip":  # a healthy, compressed answer (control for the body reader)
                payload = gzip.compress(json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": [
                    {"resource": {"resourceType": "Observation", "id": f"o{i}"}} for i in range(3000)]}).encode())
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            elif self.mode == "huge":  # 50 MB, chunked, as fast as the client reads
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * (1024 * 1024)
                self.wfile.write(b'%x\r\n{"resourceType":"Bundle","entry":[\r\n' % 34)
                for _ in range(50):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"2\r\n]}\r\n0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: exactly what we want

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def fault_server(mode: str, redirect_to: str = "") -> Iterator[str]:
    with fhir_stub(type("Handler", (_Handler,), {"mode": mode, "redirect_to": redirect_to})) as url:
        yield url


@contextlib.contextmanager
def silent_port() -> Iterator[str]:
    """A listening socket nobody accepts on: connects succeed (kernel backlog), nothing is ever answered."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/fhir"
    finally:
        sock.close()


def _app(make_app: Any, base: str) -> Any:
    return make_app(FHIR_ALLOWLIST=[base], ALLOW_INSECURE_FHIR=True, HOOK_BUDGET_S=BUDGET_S,
                    FHIR_CONNECT_TIMEOUT_S=0.5, FHIR_READ_TIMEOUT_S=0.5)


def _timed(client: Any, service: str, body: dict[str, Any]) -> tuple[Any, float]:
    started = time.monotonic()
    resp = client.post(f"/cds-services/{service}", json=body)
    return resp, time.monotonic() - started


def _both_calls(make_app: Any, base: str, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing prefetched -> 412; the Patient prefetched -> the safety 'could not check' card. Both in budget."""
    caplog.set_level(logging.DEBUG, logger="essdai_cds")
    client = _app(make_app, base).test_client()
    bare = order_body("order-sign", prefetch={}, server=base)
    resp, elapsed = _timed(client, "jak-inhibitor-safety", bare)
    assert (resp.status_code, resp.get_json()) == (412, patient_412())
    assert elapsed < BUDGET_S + SLACK_S
    with_patient = order_body("order-sign", prefetch={"patient": patient()}, server=base)
    resp, elapsed = _timed(client, "jak-inhibitor-safety", with_patient)
    assert (resp.status_code, resp.get_json()) == (200, safety_unavailable(with_patient))
    assert elapsed < BUDGET_S + SLACK_S
    assert leaks(log_text(caplog.records), PHI_MARKERS + SECRET_MARKERS) == []


def test_connection_refused(make_app, caplog):
    _both_calls(make_app, f"http://127.0.0.1:{free_port()}/fhir", caplog)


def test_accepts_but_never_answers(make_app, caplog):
    with silent_port() as base:
        _both_calls(make_app, base, caplog)


def test_drips_one_byte_at_a_time(make_app, caplog):
    with fault_server("drip") as base:
        _both_calls(make_app, base, caplog)


def test_a_dripping_server_does_not_hold_a_fetch_thread_past_the_budget():
    """Regression: the body reader waited for 64 KiB pieces, so a drip held the thread for 60 s."""
    with fault_server("drip") as base:
        client = FhirClient(FhirSettings(allowlist=(base,), allow_insecure=True, read_timeout=0.5))
        try:
            started = time.monotonic()
            with pytest.raises(FhirUnavailable, match="time budget exhausted"):
                client.bind(base, None, Deadline(BUDGET_S)).search("Observation?patient=p1")
            assert time.monotonic() - started < BUDGET_S + 0.5
        finally:
            client.close()


def test_compressed_answers_still_decode():
    with fault_server("gzip") as base:
        client = FhirClient(FhirSettings(allowlist=(base,), allow_insecure=True))
        try:
            result = client.bind(base, None, Deadline(5)).search("Observation?patient=p1")
        finally:
            client.close()
    assert [r["id"] for r in result.resources] == [f"o{i}" for i in range(3000)]


def test_50_mb_chunked_bundle_is_cut_off(make_app, caplog):
    with fault_server("huge") as base:
        _both_calls(make_app, base, caplog)


def test_redirect_to_another_host_is_not_followed(make_app, caplog):
    with counting_listener() as (port, accepted), \
            fault_server("redirect", redirect_to=f"http://127.0.0.1:{port}") as base:
        _both_calls(make_app, base, caplog)
        time.sleep(0.1)
    assert accepted == []  # no connection was ever made to the redirect target


# --- the real FHIR server, frozen -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sekmet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirServer]:
    server = FhirServer(workdir=tmp_path_factory.mktemp("sekmet-frozen"))
    with server as base:
        record = {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": patient(), "request": {"method": "PUT", "url": f"Patient/{patient()['id']}"}},
            {"resource": sjogren_condition(), "request": {"method": "PUT", "url": "Condition/c-sjs"}}]}
        load_bundle(base, record)
        yield server


@contextlib.contextmanager
def frozen(pid: int) -> Iterator[None]:
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_fhir_server_stopped_then_resumed(make_app, sekmet, caplog):
    assert sekmet.pid is not None
    client = _app(make_app, sekmet.base_url).test_client()

    def call() -> tuple[Any, float, dict[str, Any]]:
        body = order_body("order-sign", prefetch={"patient": patient()}, server=sekmet.base_url)
        resp, elapsed = _timed(client, "jak-inhibitor-safety", body)
        return resp, elapsed, body

    resp, _, body = call()  # healthy: the checks run on the server's data
    healthy = resp.get_json()
    assert resp.status_code == 200 and healthy != safety_unavailable(body)
    assert not any(c["summary"].startswith("Could not complete") for c in healthy["cards"])

    caplog.set_level(logging.DEBUG, logger="essdai_cds")
    with frozen(sekmet.pid):
        resp, elapsed, body = call()
        assert (resp.status_code, resp.get_json()) == (200, safety_unavailable(body))
        assert elapsed < BUDGET_S + SLACK_S
        bare = order_body("order-sign", prefetch={}, server=sekmet.base_url)
        resp, elapsed = _timed(client, "jak-inhibitor-safety", bare)
        assert (resp.status_code, resp.get_json()) == (412, patient_412())
        assert elapsed < BUDGET_S + SLACK_S
    assert leaks(log_text(caplog.records), PHI_MARKERS + SECRET_MARKERS) == []

    deadline = time.monotonic() + 10  # thawed: the next calls see the data again
    while True:
        resp, _, body = call()
        summaries = [c["summary"] for c in resp.get_json()["cards"]]
        if resp.status_code == 200 and not any(s.startswith("Could not complete") for s in summaries):
            break
        assert time.monotonic() < deadline, summaries
        time.sleep(0.2)
    assert json.dumps(resp.get_json()).count("Could not complete") == 0
