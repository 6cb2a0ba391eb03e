"""Fixtures for the HTTP-edge tests: app factory over a stub registry, client signing keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from service_helpers import BASE, FHIR, Recorder, build_registry

from cds_service.app import create_app
from cds_service.hooks import FHIR_KEY
from cds_service.storage import EXTENSION_KEY as STORAGE_KEY


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_app(tmp_path: Path, recorder: Recorder) -> Iterator[Any]:
    apps = []

    def make(**overrides: Any) -> Any:
        config = {
            "AUTH_ENABLED": False,
            "PUBLIC_BASE_URL": BASE,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cds.db'}",
            "FHIR_ALLOWLIST": [FHIR],
            "ASSESSMENT_DATE": "2025-06-01",
            "REGISTRY": build_registry(recorder),
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions[FHIR_KEY].close()
        app.extensions[STORAGE_KEY].close()


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


# --- keys and tokens ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


