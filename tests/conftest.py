"""Shared real-process fixtures: one sekmet-fhir server and one gunicorn service per test session.

Both bind 127.0.0.1 on free ports, log into the session's tmp dir and are stopped by their process
group when the session ends, also after failures (house-style.md "A real server in a fixture").
The FHIR server runs in bearer mode, so every hook call exercises `fhirAuthorization`.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.fhir_server import FhirServer
from essdai_devtools.service_process import ServiceProcess, trusted_issuer

FHIR_TOKEN = "devtools-fhir-token"  # static bearer token sekmet accepts (test-only)
E2E_HOOK_BUDGET_S = 20.0  # below gunicorn's 30 s worker timeout (essdai_cds/commands/serve.py)
E2E_FHIR_TIMEOUT_S = 10.0  # one sekmet page of a 10,000-Observation chart, sorted by date, on a loaded machine


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # `timeout`/CI send SIGTERM: turn it into an interrupt so session fixtures still stop their servers
    signal.signal(signal.SIGTERM, _interrupt)


@dataclass(frozen=True)
class LiveFhir:
    base_url: str
    token: str
    log_path: Path
    server: FhirServer


@dataclass(frozen=True)
class LiveService:
    base_url: str
    database_path: Path
    log_path: Path
    issuer: str


@pytest.fixture(scope="session")
def assessment_date() -> date:
    """The service's fixed 'today' (ESSDAI_CDS_ASSESSMENT_DATE); the cohort is dated from it."""
    return date.today()


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFhir]:
    server = FhirServer(tokens=[FHIR_TOKEN], workdir=tmp_path_factory.mktemp("sekmet"))
    with server as base_url:
        assert server.log_path is not None
        yield LiveFhir(base_url, FHIR_TOKEN, server.log_path, server)


@pytest.fixture(scope="session")
def ehr_key() -> EhrKey:
    return EhrKey.generate()


@pytest.fixture(scope="session")
def cds_service(tmp_path_factory: pytest.TempPathFactory, fhir_server: LiveFhir, ehr_key: EhrKey,
                assessment_date: date) -> Iterator[LiveService]:
    workdir = tmp_path_factory.mktemp("cds-service")
    jwks = ehr_key.write_jwks(workdir / "ehr-jwks.json")
    service = ServiceProcess(
        workdir,
        trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=jwks)],
        fhir_allowlist=[fhir_server.base_url],
        assessment_date=assessment_date,
        workers=2,
        # the end-to-end suite asserts what the cards say, not how fast: its 10,000-Observation charts get a
        # budget and per-call timeouts a busy 2-core machine cannot exhaust (the default 2 s budget and 1 s
        # read timeout ran out under load: "could not complete", then a 412 for the next chart). The
        # budget's own behaviour is tested with small budgets in tests/reliability; speed in benchmarks/.
        extra_env={"ESSDAI_CDS_HOOK_BUDGET_S": str(E2E_HOOK_BUDGET_S),
                   "ESSDAI_CDS_FHIR_CONNECT_TIMEOUT_S": str(E2E_FHIR_TIMEOUT_S),
                   "ESSDAI_CDS_FHIR_READ_TIMEOUT_S": str(E2E_FHIR_TIMEOUT_S)},
    )
    with service as base_url:
        yield LiveService(base_url, service.database_path, service.log_path, DEFAULT_ISSUER)


@pytest.fixture
def app_builder() -> Iterator[Callable[..., Any]]:
    """`build(config)` -> `create_app(config)`; every app built is closed after the test (FHIR client
    thread pool and session, database engine). The in-process test suites build on this."""
    from essdai_cds.app import create_app
    from fhir_access.client import FHIR_KEY
    from storage import EXTENSION_KEY as STORAGE_KEY

    apps: list[Any] = []

    def build(config: dict[str, Any]) -> Any:
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions[FHIR_KEY].close()
        app.extensions[STORAGE_KEY].close()


@pytest.fixture
def make_app(tmp_path: Path, app_builder: Callable[..., Any], app_config: dict[str, Any]) -> Callable[..., Any]:
    """`make_app(**overrides)`: the in-process app, auth off, on a SQLite database in the test's tmp dir. The
    suite's conftest gives the rest as an `app_config` fixture (public base, FHIR allowlist, assessment date...)."""

    def make(**overrides: Any) -> Any:
        return app_builder({"AUTH_ENABLED": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'cds.db'}",
                            **app_config, **overrides})

    return make


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's, via Playwright) for every browser test of the run: Playwright's sync
    API allows a single instance per process."""
    from essdai_devtools.browser import CHROMIUM, headless_chromium

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with headless_chromium(sync_api) as chromium:
        yield chromium
