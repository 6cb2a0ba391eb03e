"""JSON bodies for the errors gunicorn answers itself, before the app sees the request.

gunicorn (27.x) answers a malformed request line, method or HTTP version (400), a request line over
`limit_request_line` (414), too many or too large header fields (431), an unsupported
Transfer-Encoding (501) and a few more from `Worker.handle_error`, through the one function
`gunicorn.util.write_error(sock, status, reason, mesg)`, as an HTML page that echoes part of the
input. It has no setting for the body, so `install()` replaces that function (in the master, before
the workers fork, so every worker class inherits it) with one that writes the service's own shape:
an OperationOutcome with a fixed diagnostic (gunicorn's reason phrase, never the input).

What stays outside the app's control: a connection gunicorn drops without an answer (a client that
sends nothing before the worker timeout) and, in the reference deployment, nginx's own error pages
(configured there: deploy/nginx.conf).
"""

from __future__ import annotations

import json
from typing import Any

import gunicorn.util

# FHIR IssueType per status (http://hl7.org/fhir/R4/valueset-issue-type.html)
ISSUE_CODES: dict[int, str] = {400: "invalid", 403: "forbidden", 414: "too-long", 417: "not-supported",
                               431: "too-long", 501: "not-supported"}


def json_error(status: int, reason: str) -> bytes:
    """The whole HTTP/1.1 response gunicorn sends for `status`, with a JSON OperationOutcome body."""
    body = json.dumps({"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": ISSUE_CODES.get(status, "exception" if status >= 500 else "invalid"),
        "diagnostics": reason}]}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin1") + body


def _write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    del mesg  # holds part of the request line or headers: never echoed
    gunicorn.util.write_nonblock(sock, json_error(int(status_int), str(reason)))


def install() -> None:
    gunicorn.util.write_error = _write_error
