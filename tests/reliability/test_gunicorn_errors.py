"""What gunicorn answers itself (before the app) is JSON too: raw requests on a real socket to
`essdai-cds serve`. Before essdai_cds.gunicorn_errors these were HTML pages echoing the input."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_helpers import AS_OF, start_service

from essdai_devtools.service_process import ServiceProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with contextlib.ExitStack() as stack:
        service = start_service(stack, lambda: ServiceProcess(Path(tmp_path_factory.mktemp("gunicorn-errors")),
                                                              trusted_issuers=[], fhir_allowlist=[],
                                                              assessment_date=AS_OF, workers=1))
        yield service.host, service.port


def _raw(address: tuple[str, int], data: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


def _outcome(code: str, diagnostics: str) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code,
                                                           "diagnostics": diagnostics}]}


@pytest.mark.parametrize(("request_bytes", "status_line", "outcome"), [
    # 5,000 bytes: over limit_request_line (4094) but read whole; far more is left unread and the gevent
    # worker's close then resets the connection before the client reads the 414
    pytest.param(b"GET /" + b"a" * 5_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414 URI Too Long",
                 _outcome("too-long", "URI Too Long"), id="request-line-too-long"),
    pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 10_000 + b"\r\n\r\n",
                 "HTTP/1.1 431 Request Header Fields Too Large",
                 _outcome("too-long", "Request Header Fields Too Large"), id="header-too-large"),
    pytest.param(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
                 "HTTP/1.1 431 Request Header Fields Too Large",
                 _outcome("too-long", "Request Header Fields Too Large"), id="too-many-headers"),
    pytest.param(b"G<ET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request",
                 _outcome("invalid", "Bad Request"), id="bad-method"),
    pytest.param(b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request",
                 _outcome("invalid", "Bad Request"), id="bad-version"),
])
def test_gunicorn_refusals_are_json(base, request_bytes, status_line, outcome):
    status, headers, body = _raw(base, request_bytes)
    assert (status, headers["Content-Type"], json.loads(body)) == (status_line, "application/json", outcome)
    assert headers["Content-Length"] == str(len(body))
