"""Session fixtures of the end-to-end suite: the synthetic cohort, loaded over HTTP, and hook results.

Hook calls are made once per (hook, mode) for every patient, a few at a time, and cached; each
parametrized test then asserts on its own patient, so a failure names the patient and the mode.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from essdai_devtools.ehr_client import EhrClient, EhrKey
from essdai_devtools.fhir_server import load_dir
from essdai_devtools.synth import bundle_paths, generate, select_cases, write_cohort

SEED = 7
LARGE_SIZE = 10_000
PATIENTS = [c.pid for c in select_cases(None, LARGE_SIZE)]
LARGE = {c.pid for c in select_cases(None, LARGE_SIZE) if c.large}
PARALLEL = 3  # concurrent hook calls (2 gunicorn workers; sekmet answers the prefetch meanwhile)


@dataclass(frozen=True)
class Cohort:
    directory: Path
    expected: dict[str, Any]  # expected.json
    ids: dict[str, dict[str, str]]  # patient id -> {fullUrl: "Type/id"} from the transaction responses

    def patient(self, pid: str) -> dict[str, Any]:
        return self.expected["patients"][pid]


@pytest.fixture(scope="session")
def cohort_files(tmp_path_factory: pytest.TempPathFactory, assessment_date: date) -> Path:
    directory = tmp_path_factory.mktemp("cohort")
    write_cohort(generate(seed=SEED, today=assessment_date, large_size=LARGE_SIZE), directory)
    return directory


@pytest.fixture(scope="session")
def cohort(cohort_files: Path, fhir_server: Any) -> Cohort:
    """The cohort, loaded into the session's FHIR server as transaction Bundles over HTTP."""
    import json

    ids = load_dir(fhir_server.base_url, bundle_paths(cohort_files), token=fhir_server.token)
    fhir_server.server.analyze()  # planner statistics: sekmet's date sort is slow without them
    expected = json.loads((cohort_files / "expected.json").read_text(encoding="utf-8"))
    return Cohort(cohort_files, expected, ids)


def page_size(pid: str) -> int:
    """Small pages so `next` links appear; larger for the 10,000-Observation records, and for the patients
    followed 24 weeks (30 findings: at 4 a page the 10-page cap and the call's FHIR budget run out first)."""
    return 200 if pid in LARGE else 20 if pid.startswith("course-") else 4


class Results:
    """Lazily computed hook results: (hook, mode) -> patient id -> response dict or the exception."""

    def __init__(self, make_client: Callable[[], EhrClient], patients: list[str]) -> None:
        self._make_client = make_client
        self._patients = patients
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _client(self) -> EhrClient:
        if not hasattr(self._local, "client"):
            self._local.client = self._make_client()
        return self._local.client

    def _one(self, hook: str, mode: str, pid: str) -> Any:
        client = self._client()
        try:
            if hook == "patient-view":
                return client.patient_view(pid, mode, page_size=page_size(pid))
            call = client.order_select if hook == "order-select" else client.order_sign
            return call(pid, mode=mode)
        except Exception as exc:  # noqa: BLE001 - reported by the test of that patient
            return exc

    def get(self, hook: str, mode: str, pid: str) -> dict[str, Any]:
        with self._lock:
            if (hook, mode) not in self._cache:
                patients = self._patients if hook == "patient-view" else [p for p in self._patients
                                                                          if p.startswith(("jak-", "on-"))]
                small = [p for p in patients if p not in LARGE]
                with ThreadPoolExecutor(PARALLEL) as pool:
                    got = dict(zip(small, pool.map(lambda p: self._one(hook, mode, p), small), strict=True))
                # the 10,000-Observation records one at a time: the service's FHIR time budget (2 s by
                # default) is meant for one call, not for three competing for one sekmet process
                got.update({p: self._one(hook, mode, p) for p in patients if p in LARGE})
                self._cache[(hook, mode)] = got
        result = self._cache[(hook, mode)].get(pid)
        if isinstance(result, Exception):
            raise result
        if result is None:
            raise KeyError(f"no {hook}/{mode} call was made for {pid}")
        return result


@pytest.fixture(scope="session")
def ehr(cds_service: Any, fhir_server: Any, ehr_key: EhrKey, assessment_date: date) -> EhrClient:
    return make_client(cds_service, fhir_server, ehr_key, assessment_date)


def make_client(cds_service: Any, fhir_server: Any, ehr_key: EhrKey, today: date) -> EhrClient:
    return EhrClient(cds_service.base_url, fhir_server.base_url, cds_service.issuer, ehr_key,
                     fhir_token=fhir_server.token, today=today, timeout=120)


@pytest.fixture(scope="session")
def results(cds_service: Any, fhir_server: Any, ehr_key: EhrKey, assessment_date: date, cohort: Cohort) -> Results:
    return Results(lambda: make_client(cds_service, fhir_server, ehr_key, assessment_date), PATIENTS)
