"""A real sekmet-fhir with SMART Backend Services (an ES384 client registered by its public JWK) holding the
synthetic cohort, for the screening tests. Started by the project's code (essdai_devtools.fhir_server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from essdai_devtools.fhir_server import FhirServer, load_dir
from essdai_devtools.synth import bundle_paths, generate, write_cohort

LOAD_TOKEN = "screening-load-token"  # static token used only to load the cohort
CLIENT_ID = "essdai-screen"
LARGE_SIZE = 200  # the two "large" records stay large enough to page, small enough to export fast


@dataclass(frozen=True)
class BulkServer:
    base_url: str
    key_path: Path
    client_id: str
    load_token: str
    expected: dict[str, Any]
    server: FhirServer


@pytest.fixture(scope="session")
def screening_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    key = ec.generate_private_key(ec.SECP384R1())
    path = tmp_path_factory.mktemp("screen-key") / "client.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": "screen-1", "alg": "ES384", "use": "sig"})
    return path, public


@pytest.fixture(scope="session")
def bulk_server(tmp_path_factory: pytest.TempPathFactory, assessment_date: date,
                screening_key: tuple[Path, dict[str, Any]]) -> Iterator[BulkServer]:
    key_path, jwk = screening_key
    cohort_dir = tmp_path_factory.mktemp("screen-cohort")
    write_cohort(generate(seed=11, today=assessment_date, large_size=LARGE_SIZE), cohort_dir)
    server = FhirServer(tokens=[LOAD_TOKEN], workdir=tmp_path_factory.mktemp("screen-sekmet"),
                        smart_clients=[{"client_id": CLIENT_ID, "jwks": {"keys": [jwk]}, "scopes": "system/*.*"}])
    with server as base_url:
        load_dir(base_url, bundle_paths(cohort_dir), token=LOAD_TOKEN)
        expected = json.loads((cohort_dir / "expected.json").read_text(encoding="utf-8"))
        yield BulkServer(base_url, key_path, CLIENT_ID, LOAD_TOKEN, expected, server)

