"""Flask application factory: config, storage, FHIR client, request hooks and blueprints, wired once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

from cds_service import access_log, auth, cors, errors, storage
from cds_service.config import load_config
from cds_service.fhir_client import FhirClient, FhirSettings
from cds_service.hooks import FHIR_KEY, REGISTRY_KEY
from cds_service.registry import Registry

log = logging.getLogger("essdai_cds.app")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` overrides configuration keys and may carry `REGISTRY` (a Registry
    to serve instead of `cds_service.services.REGISTRY`) for tests."""
    config = load_config(test_config)
    app = Flask("cds_service")
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = config["MAX_REQUEST_BYTES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("essdai_cds").setLevel(str(config["LOG_LEVEL"]).upper())

    registry = config.get("REGISTRY")
    if registry is None:
        from cds_service.services import REGISTRY as registry
    if not isinstance(registry, Registry):
        raise TypeError("REGISTRY must be a cds_service.registry.Registry")
    registry.discovery(app.config)  # fail at start, not at the first call, on a bad template
    app.extensions[REGISTRY_KEY] = registry
    client = FhirClient(FhirSettings.from_config(config))
    app.extensions[FHIR_KEY] = client
    storage.init_app(app)

    # request hooks run in this order: timer, CORS preflight, body size, JWT
    access_log.init_app(app)
    cors.init_app(app)

    @app.before_request
    def _body_size() -> Response | None:
        length = request.content_length
        if length is not None and length > app.config["MAX_REQUEST_BYTES"]:
            return errors.error_response(413)
        return None

    auth.init_app(app, client)
    errors.init_app(app)

    from cds_service import feedback, health, hooks, worksheet

    app.register_blueprint(hooks.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(health.bp)
    worksheet.init_app(app)
    return app
