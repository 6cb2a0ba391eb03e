"""The CDS Hooks edge on a Flask app: request hooks (timer, CORS, body size, JWT), error handlers, the
service registry and the blueprints (discovery/hooks, feedback, health, OpenAPI)."""

from __future__ import annotations

from flask import Flask, Response, request

from cds_service import access_log, auth, cors, errors, feedback, health, hooks, openapi
from fhir_access.client import FhirClient
from fhir_access.registry import Registry


def init_app(app: Flask, client: FhirClient, registry: Registry | None = None) -> None:
    """Wire the service on `app` (config loaded, storage and `client` set up by the composition root).
    `registry` defaults to `cds_service.services.REGISTRY`."""
    if registry is None:
        from cds_service.services import REGISTRY as registry
    if not isinstance(registry, Registry):
        raise TypeError("REGISTRY must be a fhir_access.registry.Registry")
    registry.discovery(app.config)  # fail at start, not at the first call, on a bad template
    app.extensions[hooks.REGISTRY_KEY] = registry

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
    app.register_blueprint(hooks.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(health.bp)
    openapi.init_app(app)
