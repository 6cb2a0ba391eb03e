"""Fixtures of the worksheet suite: an open sekmet-fhir server of its own (the demo configuration; saves
change patients, so nothing is shared with the rest of the suite), cohort patients loaded under fresh
ids, worksheet apps for the Flask test client, the authlib EHR stand-in, and for the browser tests
the service under gunicorn plus headless Chromium (Debian's /usr/bin/chromium, via Playwright)."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from worksheet_helpers import LiveWorksheet, case_bundle

from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.fhir_server import FhirServer, load_bundle
from essdai_devtools.procs import free_port, server_process
from essdai_devtools.service_process import service_env, trusted_issuer


@pytest.fixture(scope="session")
def ws_today() -> date:
    return date.today()


@pytest.fixture(scope="session")
def ws_fhir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An open (unauthenticated) FHIR server: the demo configuration; SMART tests put the EHR gateway in front."""
    with FhirServer(workdir=tmp_path_factory.mktemp("ws-sekmet")) as base:
        yield base


_COUNTER = itertools.count(1)


@pytest.fixture(scope="session")
def load_case(ws_fhir: str, ws_today: date) -> Callable[[str], str]:
    """Load a cohort case under a fresh patient id; returns the id."""
    def load(case_pid: str) -> str:
        patient_id = f"ws{next(_COUNTER)}-{case_pid}"
        load_bundle(ws_fhir, case_bundle(case_pid, patient_id, ws_today))
        return patient_id
    return load


@pytest.fixture
def make_ws_app(tmp_path: Path, ws_fhir: str, ws_today: date, app_builder: Callable[..., Any]) -> Callable[..., Any]:
    """`make_ws_app(**overrides)`: an app over the suite's open FHIR server, worksheet open (create_app
    registers it); closed after the test by `app_builder` (tests/conftest.py)."""

    def make(**overrides: Any) -> Any:
        return app_builder({
            "AUTH_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'ws.db'}",
            "FHIR_ALLOWLIST": [ws_fhir],
            "ALLOW_INSECURE_FHIR": True,
            "ASSESSMENT_DATE": ws_today.isoformat(),
            "WORKSHEET_OPEN_ACCESS": True,
            "WORKSHEET_SECRET_KEY": "worksheet-test-secret",
            **overrides,
        })

    return make


# --- browser suite ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_worksheet(tmp_path_factory: pytest.TempPathFactory, ws_fhir: str, ws_today: date) -> Iterator[LiveWorksheet]:
    """`essdai-cds` under gunicorn (2 workers, worksheet registered) + the EHR stand-in in front of sekmet."""
    from smart_ehr import CLIENT_ID, EhrStandIn

    workdir = tmp_path_factory.mktemp("ws-service")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    key = EhrKey.generate()
    jwks = key.write_jwks(workdir / "ehr-jwks.json")
    with EhrStandIn(ws_fhir, redirect_uris=[f"{base}/worksheet/callback"]) as ehr:
        env = service_env(
            public_base_url=base, trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=jwks)],
            fhir_allowlist=[ws_fhir, ehr.fhir_base], database_path=workdir / "essdai-cds.sqlite",
            assessment_date=ws_today,
            extra={"ESSDAI_CDS_WORKSHEET_URL": f"{base}/worksheet/launch",
                   "ESSDAI_CDS_WORKSHEET_CLIENT_ID": CLIENT_ID},
        )
        cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
               "--timeout", "30", "essdai_cds.wsgi:app"]
        log_path = workdir / "service.log"
        with server_process(cmd, f"{base}/healthz", log_path, 30, env=env, cwd=workdir):
            yield LiveWorksheet(base, log_path, ehr, key)


# `browser` (one headless Chromium for the whole run) is in tests/conftest.py: Playwright's sync API allows one
# instance per process, shared with the screening report test.
