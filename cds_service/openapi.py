"""OpenAPI 3.1 description of the HTTP interface, served at `GET /openapi.json` (no JWT: it holds no data).

The document is `openapi.json` beside this module, written by hand and kept true by tests: every
route of the app is in it and every operation in it is a route (tests/reliability/test_openapi.py),
the service paths are exactly the registry's ids, and schemathesis checks that real responses match
it (tests/reliability/test_schemathesis.py). The served copy adds `servers` from PUBLIC_BASE_URL.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

SPEC_PATH = Path(__file__).with_name("openapi.json")
ROUTE = "/openapi.json"

bp = Blueprint("openapi", __name__)


@functools.cache
def _load() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def load_spec() -> dict[str, Any]:
    """The checked-in description (a fresh copy: callers may change it)."""
    return copy.deepcopy(_load())


def spec_for(config: Mapping[str, Any]) -> dict[str, Any]:
    """The description as served by an app with `config`: `servers` is its PUBLIC_BASE_URL, if set."""
    spec = load_spec()
    base = config.get("PUBLIC_BASE_URL")
    if base:
        spec["servers"] = [{"url": base}]
    return spec


@bp.get(ROUTE)
def openapi_json() -> ResponseReturnValue:
    return jsonify(spec_for(current_app.config))


def init_app(app: Flask) -> None:
    """Register `GET /openapi.json` (a second call does nothing)."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
