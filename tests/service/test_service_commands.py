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


def _wait_healthy(base: str, proc: subprocess.Popen, log: Path) -> requests.Response:
    """The first /healthz answer. The socket listens before a worker has booted (each worker imports the
    app itself: see serve._prepare_database), so a read can time out as well as a connect be refused."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(f"{base}/healthz", timeout=1)
        except (requests.ConnectionError, requests.Timeout):
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "service did not start"
            time.sleep(0.2)


@pytest.mark.parametrize("case", ["unreachable", "no-schema"])
def test_serve_refuses_to_start_on_a_database_it_cannot_open_with_one_line(tmp_path, case):
    empty = tmp_path / "empty.db"
    empty.touch()
    url, flags, code, line = {
        "unreachable": ("postgresql+psycopg://essdai@127.0.0.1:1/essdai", {}, 1,
                        "essdai-cds serve: the database cannot be opened: OperationalError: connection failed: "
                        'connection to server at "127.0.0.1", port 1 failed: Connection refused'),
        "no-schema": (f"sqlite:///{empty}", {"ESSDAI_CDS_DATABASE_CREATE_TABLES": "false"}, 2,
                      "essdai-cds serve: tables cds_feedback, jwt_replay, storage_meta missing: run "
                      "`essdai-cds db upgrade` first"),
    }[case]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSDAI_CDS_")}
    env.update({"ESSDAI_CDS_DATABASE_URL": url, **flags})
    done = subprocess.run([sys.executable, "-m", "essdai_cds.cli", "serve", "--no-auth", "--port", str(_free_port())],
                          capture_output=True, text=True, env=env, timeout=120)
    errors = [ln for ln in done.stderr.splitlines() if not ln.startswith("AUTH_ENABLED is false")]
    assert (done.returncode, errors) == (code, [line])


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
        health = _wait_healthy(base, proc, tmp_path / "serve.log")
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


def _self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (the service does not trust it: the handshake is what counts)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _TlsListener:
    """Accepts TLS connections on 127.0.0.1 and counts them; a handshake that succeeds gets a 404."""

    def __init__(self, cert: Path, key: Path) -> None:
        import ssl
        import threading

        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(2)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:  # the client refuses the self-signed certificate
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.mark.integration
def test_gevent_workers_reach_an_https_fhir_server(tmp_path):
    """The default worker class (gevent) makes https FHIR calls: a master that had imported requests/urllib3
    before the fork left the workers an unpatched SSLContext, and every https call was a RecursionError (500).
    Here the FHIR server's certificate is not trusted, so the Patient cannot be read: 412, as the README says."""
    cert, key = _self_signed_cert(tmp_path)
    listener = _TlsListener(cert, key)
    fhir = f"https://127.0.0.1:{listener.port}/fhir"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSDAI_CDS_")}
    env["ESSDAI_CDS_DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "essdai_cds.cli", "serve", "--no-auth", "--port", str(port),
                             "--workers", "1", "--allow-fhir", fhir], stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, tmp_path / "serve.log")
        call = requests.post(f"{base}/cds-services/essdai-activity", timeout=10, json={
            "hook": "patient-view", "hookInstance": str(uuid.uuid4()), "fhirServer": fhir,
            "context": {"userId": "Practitioner/1", "patientId": "p1"}})
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
        log.close()
        listener.close()
    text = (tmp_path / "serve.log").read_text()
    assert (call.status_code, call.json()) == (412, {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "not-found",
         "diagnostics": "required prefetch 'patient' (the patient) could not be obtained"}]}), text[-2000:]
    assert listener.connections >= 1  # the worker did try the TLS handshake
    assert "RecursionError" not in text
    assert "MonkeyPatchWarning" not in text  # nothing ssl-related was imported before the workers patched


def test_the_cli_imports_only_the_chosen_command():
    """`essdai-cds serve` must not import requests/urllib3 in the gunicorn master (see the test above)."""
    code = ("import sys\nfrom essdai_cds.cli import main\ntry:\n    main(['serve', '--help'])\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in ('requests', 'urllib3', 'essdai_devtools.ehr_client', "
            "'essdai_cds.commands.score') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
