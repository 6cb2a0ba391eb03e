"""`essdai-cds demo`: refuses insecure binds; picks useful patients; starts and stops everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from essdai_cds.cli import main as cli_main
from essdai_devtools.demo import showcase
from essdai_devtools.procs import free_port
from essdai_devtools.synth import generate


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org"])
def test_non_loopback_bind_is_refused(host: str, capsys) -> None:
    assert cli_main(["demo", "--host", host]) == 2
    assert "refusing to bind" in capsys.readouterr().err


def test_missing_sandbox_jwks_file_is_refused(tmp_path: Path, capsys) -> None:
    assert cli_main(["demo", "--trust-sandbox-jwks", str(tmp_path / "nope.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_showcase_picks() -> None:
    picks = showcase(generate(seed=1, large_size=10_000).expected)
    assert picks == {"eligible": "sjd-rated-5", "range (undecided)": "sjd-range-3-9", "quiet": "quiet-no-sjogren",
                     "JAK order": "jak-lymphopenia", "on baricitinib": "on-baricitinib"}


@pytest.mark.integration
def test_demo_starts_everything_and_sigterm_stops_it(tmp_path: Path) -> None:
    port, fhir_port = free_port(), free_port()
    log = (tmp_path / "demo.out").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "essdai_cds.cli", "demo", "--port", str(port), "--fhir-port", str(fhir_port),
         "--patients", "8", "--workdir", str(tmp_path / "w")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while b"Ctrl-C stops everything" not in (tmp_path / "demo.out").read_bytes():
            assert proc.poll() is None, (tmp_path / "demo.out").read_text()
            assert time.monotonic() < deadline, (tmp_path / "demo.out").read_text()
            time.sleep(0.2)
        out = (tmp_path / "demo.out").read_text()
        assert f"http://127.0.0.1:{port}/cds-services" in out and f"http://127.0.0.1:{fhir_port}/fhir" in out
        assert "loaded 8 patients" in out
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(30) == 0
        assert "everything the demo started has been stopped" in (tmp_path / "demo.out").read_text()
        for p in (port, fhir_port):  # nothing listens any more
            import socket

            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", p)) != 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_a_busy_port_is_one_line_naming_the_port_and_its_flag(capsys) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli_main(["demo", "--port", str(port), "--fhir-port", str(free_port())]) == 2
        assert capsys.readouterr().err == (
            f"essdai-cds demo: port {port} on 127.0.0.1 is already in use; choose another with --port N\n")
        assert cli_main(["demo", "--fhir-port", str(port), "--port", str(free_port())]) == 2
        assert capsys.readouterr().err.endswith("choose another with --fhir-port N\n")


@pytest.mark.parametrize("origin", ["sandbox.example.org", "https://sandbox.example.org/app", "ftp://x.org"])
def test_a_sandbox_origin_that_is_not_an_origin_is_refused(origin: str, capsys) -> None:
    assert cli_main(["demo", "--sandbox-origin", origin]) == 2
    assert "is not an origin" in capsys.readouterr().err
