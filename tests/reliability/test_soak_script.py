"""benchmarks/soak.py stays runnable: a short soak passes, prints its figures and closing line, exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SOAK = Path(__file__).resolve().parents[2] / "benchmarks" / "soak.py"


def test_short_soak_passes():
    run = subprocess.run(
        [sys.executable, str(SOAK), "--duration", "6", "--warmup", "2", "--clients", "2", "--patients", "8",
         "--large-size", "200"],
        capture_output=True, text=True, timeout=120, cwd=SOAK.parent)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert lines[-1].startswith("soak PASS: ")
    assert any(line.startswith("feedback: ") and line.endswith(": idempotent") for line in lines)
    assert any(line.startswith("requests ") and "errors 0" in line for line in lines)
