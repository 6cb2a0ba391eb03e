"""Fixtures for the HTTP-edge tests: app factory over a stub registry, client signing keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from service_helpers import BASE, FHIR, Recorder, build_registry



@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_app(tmp_path: Path, app_builder: Any, recorder: Recorder) -> Any:
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
        return app_builder(config)

    return make


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


