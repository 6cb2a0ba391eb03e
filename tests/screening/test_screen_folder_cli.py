"""The README's folder route, as a newcomer runs it: `essdai-cds synth --ndjson DIR`, then
`essdai-cds screen --input DIR --out OUT` (no FHIR server). A folder without NDJSON is an error, not a
population of nobody; a reader that leaves the pipe early is not an error either."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from essdai_cds.cli import main

TODAY = "2026-11-20"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The first six designed cases (sjd-rated-*), as Bundles and as a Bulk Data export."""
    base = tmp_path_factory.mktemp("synth")
    assert main(["synth", "--out", str(base / "cohort"), "--patients", "6", "--large-size", "50", "--today", TODAY,
                 "--ndjson", str(base / "export")]) == 0
    return base / "cohort", base / "export"


def test_synth_ndjson_writes_one_file_per_type(export) -> None:
    cohort, folder = export
    assert sorted(p.name for p in folder.iterdir()) == ["Condition.ndjson", "Observation.ndjson", "Patient.ndjson"]
    patients = [json.loads(line)["id"] for line in (folder / "Patient.ndjson").read_text().splitlines()]
    assert patients == ["sjd-rated-0", "sjd-rated-4", "sjd-rated-5", "sjd-rated-13", "sjd-rated-14",
                        "sjd-rated-32-snomed"]
    assert sorted(patients) == list(json.loads((cohort / "expected.json").read_text())["patients"])


def test_screen_a_synth_export_ranks_the_expected_candidates(export, tmp_path, capsys) -> None:
    cohort, folder = export
    out = tmp_path / "screen"
    capsys.readouterr()
    assert main(["screen", "--input", str(folder), "--out", str(out), "--at", TODAY, "--identified",
                 "--requested-by", "readme-walk", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["patients"], summary["scored"], summary["candidates"], summary["skipped"]) == (6, 6, 4, 0)
    assert summary["outputs"] == ["attrition.json", "report.html", "candidates.csv", "candidates.ndjson",
                                  "candidates-group.json"]
    with (out / "candidates.csv").open(newline="") as fh:
        rows = [(r["rank"], r["status"], r["patient_id"], r["essdai_score"], r["essdai_max"]) for r in csv.DictReader(fh)]
    # the generator's own expectations: ESSDAI 32, 14, 13 and 5 are eligible; 4 and 0 are not
    assert rows == [("1", "eligible", "sjd-rated-32-snomed", "32", "32"), ("2", "eligible", "sjd-rated-14", "14", "14"),
                    ("3", "eligible", "sjd-rated-13", "13", "13"), ("4", "eligible", "sjd-rated-5", "5", "5")]
    expected = json.loads((cohort / "expected.json").read_text())["patients"]
    assert {pid for pid, p in expected.items() if p["eligibility"]["met"]} == {r[2] for r in rows}
    assert json.loads((out / "audit.log").read_text())["who"] == "readme-walk"


def test_lines_the_screen_cannot_load_are_counted_in_its_summary_and_attrition(export, tmp_path, capsys) -> None:
    """A truncated line, one without a patient and one nested past what the store writes: not screened, and said."""
    _cohort, folder = export
    copy = tmp_path / "export"
    shutil.copytree(folder, copy)
    deep = '{"resourceType":"Observation","id":"o-deep","subject":{"reference":"Patient/sjd-rated-0"},"x":' \
        + "[" * 300 + "]" * 300 + "}"
    (copy / "Observation.2.ndjson").write_text('{"resourceType": "Observation", "subject": \n'
                                               '{"resourceType":"Observation","id":"o-nobody"}\n' + deep + "\n")
    capsys.readouterr()
    assert main(["screen", "--input", str(copy), "--out", str(tmp_path / "out"), "--at", TODAY, "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["patients"], summary["candidates"], summary["skipped"]) == (6, 4, 3)
    assert json.loads((tmp_path / "out" / "attrition.json").read_text())["skipped"] == 3


@pytest.mark.parametrize("content", ["nothing", "bundles"])
def test_screen_of_a_folder_without_ndjson_exits_2(export, tmp_path, capsys, content) -> None:
    cohort, _folder = export
    folder = cohort if content == "bundles" else tmp_path / "empty"
    folder.mkdir(exist_ok=True)
    capsys.readouterr()
    assert main(["screen", "--input", str(folder), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"essdai-cds screen: --input {folder}: no *.ndjson files (a Bulk Data export: one or "
                            "more files per resource type, e.g. Patient.ndjson, Observation.ndjson)\n")
    assert not (tmp_path / "out" / "attrition.json").exists()


def test_screen_of_a_missing_folder_exits_2(tmp_path, capsys) -> None:
    assert main(["screen", "--input", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert capsys.readouterr().err == f"essdai-cds screen: --input {tmp_path / 'nope'}: not a folder\n"


def test_a_reader_that_leaves_early_is_not_a_traceback(export, tmp_path) -> None:
    """`essdai-cds screen ... | head -1`: the pipe is closed before the summary is printed."""
    _cohort, folder = export
    proc = subprocess.Popen([sys.executable, "-m", "essdai_cds.cli", "screen", "--input", str(folder),
                             "--out", str(tmp_path / "out"), "--at", TODAY, "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""
    assert (tmp_path / "out" / "attrition.json").exists()
