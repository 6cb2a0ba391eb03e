"""Fixtures for the reliability tests: the real app (both services) built in-process, with `/openapi.json`.

`make_app(**overrides)` builds `create_app` with the real registry, a temporary SQLite database, the
FHIR base of reliability_helpers allowlisted and a fixed assessment date; every app built is closed
after the test (thread pool, HTTP session, database engine).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import AS_OF, FHIR



PUBLIC_BASE = "https://cds.example.org"


@pytest.fixture
def make_app(tmp_path: Path, app_builder: Any) -> Any:
    def make(**overrides: Any) -> Any:
        config = {
            "AUTH_ENABLED": False,
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cds.db'}",
            "FHIR_ALLOWLIST": [FHIR],
            "ASSESSMENT_DATE": AS_OF.isoformat(),
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
