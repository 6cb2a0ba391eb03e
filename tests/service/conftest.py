"""Fixtures for the HTTP-edge tests: the app config over a stub registry (for `make_app`, `app` and `client`
of tests/conftest.py), client signing keys."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from service_helpers import BASE, FHIR, Recorder, build_registry



@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app_config(recorder: Recorder) -> dict[str, Any]:
    return {"PUBLIC_BASE_URL": BASE, "FHIR_ALLOWLIST": [FHIR], "ASSESSMENT_DATE": "2025-06-01",
            "REGISTRY": build_registry(recorder)}


# --- keys and tokens ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


