"""Probes, no auth, no FHIR: `/healthz` liveness (the process answers), `/readyz` readiness (the
database can be written now: one real write transaction; 503 + OperationOutcome when it cannot, so a
load balancer stops sending calls that would be answered 503 anyway)."""

from __future__ import annotations

from flask import Blueprint

from storage import get_storage

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> dict[str, str]:
    get_storage().check_writable()  # StorageUnavailable -> 503 (errors.py)
    return {"status": "ready"}
