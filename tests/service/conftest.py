"""Fixtures for the HTTP-edge tests: the app config over a stub registry (for `make_app`, `app` and `client`
of tests/conftest.py), client signing keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from service_helpers import BASE, FHIR, Recorder, build_registry



@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app_config(recorder: Recorder) -> dict[str, Any]:
    return {"PUBLIC_BASE_URL": BASE, "FHIR_ALLOWLIST": [FHIR], "ASSESSMENT_DATE": "2025-06-01",
            "REGISTRY": build_registry(recorder)}


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """`responses` for the FHIR client's own tests: faults a real server will not produce on demand."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# --- keys and tokens ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


