"""Process control and the real sekmet-fhir server: start, bearer auth, transaction loading, paging, stop."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import requests

from essdai_devtools.fhir_server import FhirServer, load_bundle, location_reference, settings_yaml
from essdai_devtools.procs import ServerStartError, free_port, server_process

LOINC_HB = "http://loinc.org|718-7"


@pytest.mark.parametrize(
    ("location", "reference"),
    [
        ("http://127.0.0.1:8090/fhir/Patient/p1/_history/1", "Patient/p1"),
        ("http://127.0.0.1:8090/fhir/Observation/abc-1/_history/12", "Observation/abc-1"),
        ("Observation/abc-1/_history/2", "Observation/abc-1"),
        ("https://h/base/fhir/Condition/c9", "Condition/c9"),
    ],
)
def test_location_reference(location: str, reference: str) -> None:
    assert location_reference(location) == reference


def test_settings_are_loopback_quiet_and_lenient(tmp_path: Path) -> None:
    text = settings_yaml(18090, tmp_path, ["t1"])
    for fragment in ('"host": "127.0.0.1"', '"log_inbound": false', '"enabled": false', '"inbound": "warn"',
                     '"types": [\n      "bearer"\n    ]', '"enforce_scopes": false'):
        assert fragment in text



@pytest.mark.integration
def test_bearer_mode_and_metadata(fhir_server) -> None:
    assert requests.get(f"{fhir_server.base_url}/metadata", timeout=10).json()["fhirVersion"] == "4.0.1"
    assert requests.get(f"{fhir_server.base_url}/Patient", timeout=10).status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert requests.get(f"{fhir_server.base_url}/Patient", headers=bad, timeout=10).status_code == 401


@pytest.mark.integration
def test_transaction_id_map_and_paging(fhir_server) -> None:
    auth = {"Authorization": f"Bearer {fhir_server.token}"}
    obs = [{"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            "resource": {"resourceType": "Observation", "status": "final",
                         "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
                         "subject": {"reference": "Patient/devtools-paging"},
                         "effectiveDateTime": f"2026-01-{i + 1:02d}",
                         "valueQuantity": {"value": 13, "unit": "g/dL", "system": "http://unitsofmeasure.org",
                                           "code": "g/dL"}},
            "request": {"method": "POST", "url": "Observation"}} for i in range(12)]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:00000000-0000-4000-8000-ffffffffffff",
         "resource": {"resourceType": "Patient", "id": "devtools-paging"},
         "request": {"method": "PUT", "url": "Patient/devtools-paging"}}, *obs]}
    ids = load_bundle(fhir_server.base_url, bundle, token=fhir_server.token)
    assert ids["urn:uuid:00000000-0000-4000-8000-ffffffffffff"] == "Patient/devtools-paging"
    assert len(ids) == 13 and all(v.startswith("Observation/") for k, v in ids.items() if k.endswith("0000000000"))
    page = requests.get(f"{fhir_server.base_url}/Observation",
                        params={"patient": "devtools-paging", "code": LOINC_HB, "_count": 5},
                        headers=auth, timeout=10).json()
    assert page["total"] == 12 and len(page["entry"]) == 5
    assert any(link["relation"] == "next" for link in page["link"])


@pytest.mark.integration
def test_load_bundle_without_token_is_refused(fhir_server) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": []}
    with pytest.raises(requests.HTTPError):
        load_bundle(fhir_server.base_url, bundle)


@pytest.mark.integration
def test_a_second_server_starts_and_stops(tmp_path: Path) -> None:
    server = FhirServer(workdir=tmp_path / "fhir")
    with server as base:
        pid = server.pid
        assert requests.get(f"{base}/Patient", timeout=10).status_code == 200  # open mode
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone


def test_failing_start_reports_the_log_tail(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "import sys; print('boom: missing setting'); sys.exit(3)"]
    with pytest.raises(ServerStartError, match="boom: missing setting"):
        with server_process(cmd, f"http://127.0.0.1:{free_port()}/", tmp_path / "x.log", timeout=10):
            pass


def test_deadline_when_nothing_answers(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "import time; print('still starting', flush=True); time.sleep(30)"]
    with pytest.raises(ServerStartError, match="did not answer within 1s"):
        with server_process(cmd, f"http://127.0.0.1:{free_port()}/", tmp_path / "y.log", timeout=1):
            pass


def test_stop_on_failure_inside_the_block(tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    with pytest.raises(RuntimeError, match="test failed"):
        with server_process(cmd, f"http://127.0.0.1:{port}/", tmp_path / "z.log", timeout=15) as proc:
            raise RuntimeError("test failed")
    assert proc.poll() is not None
