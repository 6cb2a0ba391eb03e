"""`essdai-cds score` and `essdai-cds serve` (argument handling; one live gunicorn start/stop)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from essdai_cds.cli import main
from essdai_cds.commands import serve
from configuration import ConfigError

PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}


def write_bundle(path: Path, *resources: dict) -> Path:
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": [{"resource": r} for r in resources]}))
    return path


def test_score_prints_the_assessment_json(tmp_path, capsys):
    import fhir_mappings
    import scoring

    path = write_bundle(tmp_path / "b.json", PATIENT)
    assert main(["score", str(path), "--at", "2025-06-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    from datetime import date

    facts = fhir_mappings.extract(fhir_mappings.read_input(str(path)), as_of=date(2025, 6, 1), patient_id="p1")
    assert out == scoring.assess(facts).to_json()
    assert (out["patient"], out["assessedAt"]) == ("Patient/p1", "2025-06-01")


def test_score_picks_the_patient_asked_for(tmp_path, capsys):
    path = write_bundle(tmp_path / "b.json", PATIENT, {**PATIENT, "id": "p2"})
    assert main(["score", str(path), "--patient", "p2", "--at", "2025-06-01"]) == 0
    assert json.loads(capsys.readouterr().out)["patient"] == "Patient/p2"


@pytest.mark.parametrize(("content", "extra", "message"), [
    pytest.param(None, [], "essdai-cds score: cannot read", id="missing-file"),
    pytest.param("this is not json", [], "essdai-cds score: ", id="not-json"),
    pytest.param(json.dumps({"hello": "world"}), [], "essdai-cds score: ", id="not-fhir"),
    pytest.param("two", [], "essdai-cds score: the input holds 2 patients (p1, p2); choose one with --patient",
                 id="two-patients"),
    pytest.param("two", ["--patient", "p3"], "essdai-cds score: patient 'p3' is not in the input",
                 id="unknown-patient"),
])
def test_score_bad_input_exits_2_with_one_line(tmp_path, capsys, content, extra, message):
    path = tmp_path / "in.json"
    if content == "two":
        write_bundle(path, PATIENT, {**PATIENT, "id": "p2"})
    elif content is not None:
        path.write_text(content)
    assert main(["score", str(path), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert captured.err.count("\n") == 1


def test_score_bad_date_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", str(tmp_path / "x.json"), "--at", "01/06/2025"])
    assert exc.value.code == 2


def _serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org"])
def test_no_auth_is_refused_off_loopback(host):
    with pytest.raises(ConfigError, match="--no-auth is only allowed with a loopback --host"):
        serve.environment(_serve_args("--host", host, "--no-auth"), {})


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_no_auth_on_loopback(host):
    env = serve.environment(_serve_args("--host", host, "--no-auth", "--port", "9000"), {})
    assert env["ESSDAI_CDS_AUTH_ENABLED"] == "false"


def test_serve_environment_from_options():
    args = _serve_args("--port", "9001", "--allow-fhir", "http://127.0.0.1:18090/fhir/",
                       "--allow-fhir", "https://fhir.example.org/r4")
    env = serve.environment(args, {"ESSDAI_CDS_FHIR_ALLOWLIST": '["https://other.example.org/fhir"]'})
    assert json.loads(env["ESSDAI_CDS_FHIR_ALLOWLIST"]) == [
        "https://other.example.org/fhir", "http://127.0.0.1:18090/fhir", "https://fhir.example.org/r4"]
    assert env["ESSDAI_CDS_ALLOW_INSECURE_FHIR"] == "true"
    assert env["ESSDAI_CDS_PUBLIC_BASE_URL"] == "http://127.0.0.1:9001"


def test_serve_keeps_a_configured_public_base_url():
    env = serve.environment(_serve_args(), {"ESSDAI_CDS_PUBLIC_BASE_URL": "https://cds.example.org"})
    assert env["ESSDAI_CDS_PUBLIC_BASE_URL"] == "https://cds.example.org"
    assert "ESSDAI_CDS_ALLOW_INSECURE_FHIR" not in env
    env = serve.environment(_serve_args("--public-base-url", "https://x.example.org"), {})
    assert env["ESSDAI_CDS_PUBLIC_BASE_URL"] == "https://x.example.org"


def test_serve_rejects_bad_config_before_starting(capsys):
    rc = serve.run(_serve_args("--allow-fhir", "http://10.0.0.1/fhir"))
    assert rc == 2
    assert "FHIR_ALLOWLIST: http://10.0.0.1/fhir must be https" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
def test_serve_runs_gunicorn_on_loopback_and_stops(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSDAI_CDS_")}
    env["ESSDAI_CDS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "essdai_cds.cli", "serve", "--no-auth", "--port", str(port),
                             "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "service did not start"
                time.sleep(0.2)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        discovery = requests.get(f"{base}/cds-services", timeout=2)
        assert [s["id"] for s in discovery.json()["services"]] == [
            "essdai-activity", "jak-inhibitor-safety", "jak-inhibitor-safety-order-select"]
        call = requests.post(f"{base}/cds-services/essdai-activity", timeout=5, json={
            "hook": "patient-view", "hookInstance": str(uuid.uuid4()), "context": {"patientId": "p1"},
            "prefetch": {"patient": PATIENT}})
        assert call.status_code == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert "AUTH_ENABLED is false" in text
    assert '"endpoint":"/cds-services/<service_id>"' in text and '"status":200' in text


def test_score_reports_the_esspri_change_on_a_followed_patient(tmp_path, capsys):
    """course-stop-restart (synthetic cohort): ESSPRI 6.33 on 28 Aug 2026, 5 today: fall 1.33 (21 %), MCII met."""
    from datetime import date

    from essdai_devtools.synth import generate

    cohort = generate(today=date(2026, 11, 20), large_size=50)
    path = tmp_path / "course.json"
    path.write_text(json.dumps(cohort.bundles["course-stop-restart"]))
    assert main(["score", str(path), "--patient", "course-stop-restart", "--at", "2026-11-20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["esspriChange"] == {"previous": 6.33, "previousDate": "2026-08-28", "current": 5.0, "delta": -1.33,
                                   "percent": -21.0, "mcii": True}
    assert out["esspri"] == {"score": 5.0, "pass": False}
    assert out["change"] == {"previous": 11, "delta": -5, "mcii": True}
