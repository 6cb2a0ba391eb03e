"""Fixtures for the reliability tests: the real app (both services) built in-process, with `/openapi.json`.

`make_app(**overrides)` (tests/conftest.py, from this suite's `app_config`) builds `create_app` with the
real registry, a temporary SQLite database, the FHIR base of reliability_helpers allowlisted and a fixed
assessment date; every app built is closed after the test (thread pool, HTTP session, database engine).
"""

from __future__ import annotations

from typing import Any

import pytest
from reliability_helpers import AS_OF, FHIR



PUBLIC_BASE = "https://cds.example.org"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PUBLIC_BASE_URL": PUBLIC_BASE, "FHIR_ALLOWLIST": [FHIR], "ASSESSMENT_DATE": AS_OF.isoformat()}
