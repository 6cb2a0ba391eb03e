"""CORS for browser clients (the CDS Hooks sandbox): allowlisted origins only, preflight without a JWT.

Only an Origin listed in CORS_ORIGINS is reflected in Access-Control-Allow-Origin (never `*`, never
credentials). Preflight `OPTIONS` on discovery, service and feedback URLs is answered 204 before
authentication (cds-hooks-contract.md §1.8); other origins get no CORS headers at all.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request

CORS_PATH_RE = re.compile(r"^/cds-services(/[^/]+(/feedback)?)?$")
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE_S = "600"


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") in current_app.config["CORS_ORIGINS"]:
        return origin
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS" or not CORS_PATH_RE.match(request.path):
            return None
        resp = Response(status=204)
        resp.headers["Allow"] = ALLOW_METHODS
        if _allowed_origin():
            resp.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            resp.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            resp.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE_S
        return resp

    @app.after_request
    def _cors_headers(resp: Response) -> Response:
        if CORS_PATH_RE.match(request.path):
            resp.vary.add("Origin")
            origin = _allowed_origin()
            if origin:
                resp.headers["Access-Control-Allow-Origin"] = origin
        return resp
