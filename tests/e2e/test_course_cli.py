"""`essdai-cds synth` then `essdai-cds score`, as an integrator runs them: the patients followed 24 weeks
on baricitinib get exactly the course and response the generator states."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from essdai_devtools.card_reading import course_summary

TODAY = "2026-11-20"
COURSE = ["course-responder", "course-non-responder", "course-straddle", "course-stop-restart"]


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "essdai_cds.cli", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("course-cohort")
    _cli("synth", "--out", str(out), "--today", TODAY, "--large-size", "10")
    return out


@pytest.mark.parametrize("pid", COURSE)
def test_score_gives_the_expected_course(cohort_dir: Path, pid: str) -> None:
    expected = json.loads((cohort_dir / "expected.json").read_text(encoding="utf-8"))["patients"][pid]["course"]
    result = json.loads(_cli("score", str(cohort_dir / f"{pid}.json"), "--at", TODAY))
    assert course_summary(result["course"]) == expected


def test_the_expectations_are_the_designed_ones(cohort_dir: Path) -> None:
    patients = json.loads((cohort_dir / "expected.json").read_text(encoding="utf-8"))["patients"]
    responses = {pid: patients[pid]["course"]["response"] for pid in COURSE}
    assert {pid: (r["weeks"], r["essdai"]["fall"], r["essdai"]["mcii"], r["esspri"] and r["esspri"]["mcii"])
            for pid, r in responses.items()} == {
        "course-responder": (24, [9, 9], "met", "met"),
        "course-non-responder": (24, [2, 2], "not-met", "met"),
        "course-straddle": (24, [1, 5], "undetermined", None),
        "course-stop-restart": (12, [5, 5], "met", "met"),
    }
    assert patients["sjd-rated-5"]["course"] is None
