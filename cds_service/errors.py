"""Every error leaves as JSON: an OperationOutcome with a fixed diagnostic (never the input echoed),
except 401, whose body is exactly `{"error": "unauthorized"}` (the spec: no detail for an attacker).

Exception tree of the HTTP edge:

    EssdaiCdsError
    ├── RequestRejected          a request we answer with a 4xx (status + fixed message)
    │   └── PreconditionFailed   412: required data unobtainable (CDS Hooks §"Prefetch")
    └── fhir_client.FhirError    calls to the client's FHIR server (see fhir_client)
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from storage import StorageUnavailable

log = logging.getLogger("essdai_cds.errors")

UNAUTHORIZED_BODY = {"error": "unauthorized"}

# status -> (OperationOutcome issue code, fixed diagnostic used when no specific message is given)
_DEFAULT_ISSUES: dict[int, tuple[str, str]] = {
    400: ("invalid", "malformed request"),
    404: ("not-found", "no such endpoint or service"),
    405: ("not-supported", "method not allowed"),
    412: ("not-found", "required data could not be obtained"),
    413: ("too-costly", "request body too large"),
    415: ("not-supported", "request body must be application/json"),
    500: ("exception", "internal error"),
    503: ("transient", "storage unavailable"),  # FHIR IssueType `transient`: try again later
}


class EssdaiCdsError(Exception):
    """Root of every exception the service raises on purpose."""


class RequestRejected(EssdaiCdsError):
    """A client error answered with `status` and a fixed, input-free `message`."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class PreconditionFailed(RequestRejected):
    status = 412


def operation_outcome(status: int, diagnostics: str | None = None) -> dict[str, Any]:
    code, default = _DEFAULT_ISSUES.get(status, ("processing", "request failed"))
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics or default}],
    }


def error_response(status: int, diagnostics: str | None = None) -> Response:
    body = UNAUTHORIZED_BODY if status == 401 else operation_outcome(status, diagnostics)
    resp = jsonify(body)
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = "Bearer"
    return resp


def init_app(app: Flask) -> None:
    @app.errorhandler(RequestRejected)
    def _rejected(exc: RequestRejected) -> Response:
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        resp = error_response(status)
        valid_methods = getattr(exc, "valid_methods", None)
        if status == 405 and valid_methods:
            resp.headers["Allow"] = ", ".join(valid_methods)
        return resp

    @app.errorhandler(StorageUnavailable)
    def _storage(exc: StorageUnavailable) -> Response:
        # the cause (deleted file, read-only, full disk, server down) goes to the log, not to the client
        log.error("storage unavailable (%s)", exc)
        resp = error_response(503)
        resp.headers["Retry-After"] = "5"
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # full traceback to the server log only; the client gets a fixed OperationOutcome
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return error_response(500)
