"""One structured JSON line per call on logger `essdai_cds.access`.

Fields: method, endpoint (the route rule, not the URL), service, hook, hookInstance, status, cards,
fhirCalls, duration_ms. No patient ids, no PHI, no tokens or JWTs: handlers may add only the
whitelisted fields below to `g.access`.
"""

from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("essdai_cds.access")
FIELDS = ("service", "hook", "hookInstance", "cards", "fhirCalls", "feedbackStored", "feedbackDuplicates")


def note(**fields: object) -> None:
    """Record whitelisted fields for this call's access line."""
    access = g.setdefault("access", {})
    access.update({k: v for k, v in fields.items() if k in FIELDS})


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.access_started = time.monotonic()
        g.access = {}

    @app.after_request
    def _line(resp: Response) -> Response:
        started = g.get("access_started", time.monotonic())
        record = {
            "method": request.method,
            "endpoint": request.url_rule.rule if request.url_rule is not None else None,
            **{k: v for k, v in g.get("access", {}).items() if k in FIELDS},
            "status": resp.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        }
        log.info(json.dumps(record, separators=(",", ":")))
        return resp
