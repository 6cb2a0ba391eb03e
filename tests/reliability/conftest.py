"""Fixtures for the reliability tests: the real app (both services) built in-process, with `/openapi.json`.

`make_app(**overrides)` builds `create_app` with the real registry, a temporary SQLite database, the
FHIR base of reliability_helpers allowlisted and a fixed assessment date; every app built is closed
after the test (thread pool, HTTP session, database engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import AS_OF, FHIR


from cds_service.app import create_app
from cds_service.hooks import FHIR_KEY
from cds_service.storage import EXTENSION_KEY as STORAGE_KEY

PUBLIC_BASE = "https://cds.example.org"


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    apps = []

    def make(**overrides: Any) -> Any:
        config = {
            "AUTH_ENABLED": False,
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cds.db'}",
            "FHIR_ALLOWLIST": [FHIR],
            "ASSESSMENT_DATE": AS_OF.isoformat(),
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
