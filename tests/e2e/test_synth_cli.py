"""Every designed cohort patient through `essdai-cds score`, compared with the generator's expectations
(issue 12 cases included: other causes, codes that are not proof, damage). The same patients go through
the patient-view service in test_cds_e2e.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from essdai_cds.cli import main as cli_main
from essdai_devtools.card_reading import essdai_summary, expected_summary
from essdai_devtools.synth import generate, select_cases
from essdai_devtools.synth_fidelity import FIDELITY_CASES

TODAY = date(2026, 3, 1)
SMALL = [c.pid for c in select_cases(None, 10_000) if not c.large]


@pytest.fixture(scope="module")
def cohort():
    return generate(seed=3, today=TODAY, large_size=200)


def _score(tmp_path: Path, bundle: dict, pid: str, capsys) -> dict:
    path = tmp_path / f"{pid}.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    capsys.readouterr()
    assert cli_main(["score", str(path), "--at", TODAY.isoformat()]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("pid", SMALL)
def test_score_command_matches_the_generator(cohort, tmp_path, capsys, pid: str) -> None:
    expected = cohort.expected["patients"][pid]
    if expected["quiet"]:
        pytest.skip("quiet patient: the CLI scores anyone it is given")
    got = _score(tmp_path, cohort.bundles[pid], pid, capsys)
    assert essdai_summary(got) == expected_summary(expected)
    assert got["essdai"]["undetermined"] == expected["undetermined"]


def test_every_fidelity_case_is_in_the_cohort() -> None:
    assert {pid for pid, _, _ in FIDELITY_CASES} <= set(SMALL)


@pytest.mark.parametrize(
    ("pid", "score", "maximum", "category", "met"),
    [("sjd-fever-uti", 4, 4, "low", False), ("sjd-fever-covid-resolved", 4, 4, "low", False),
     ("sjd-gn-no-activity", 4, 4, "low", False), ("sjd-dlco-alone", 4, 14, None, None),
     ("sjd-dlco-normal-hrct", 4, 4, "low", False), ("sjd-cns-m3507", 10, 15, None, True),
     ("sjd-anaemia-not-autoimmune", 2, 6, None, None), ("sjd-myositis-code", 0, 18, None, None),
     ("sjd-old-splenomegaly", 4, 12, None, None), ("sjd-anti-ssa-quantitative", 6, 6, "moderate", True)],
)
def test_named_cases_exact(cohort, tmp_path, capsys, pid, score, maximum, category, met) -> None:
    got = _score(tmp_path, cohort.bundles[pid], pid, capsys)
    assert (got["essdai"]["score"], got["essdai"]["max"], got["essdai"]["category"], got["eligibility"]["met"]) == (
        score, maximum, category, met)


def test_evidence_says_why(cohort, tmp_path, capsys) -> None:
    def notes(pid: str, domain: str) -> str:
        got = _score(tmp_path, cohort.bundles[pid], pid, capsys)
        return " | ".join(e.get("note", "") for e in got["essdai"]["domains"][domain]["evidence"])

    assert "documented other cause: infection" in notes("sjd-fever-uti", "constitutional")
    assert "may be damage; level 2 possible, not certain" in notes("sjd-old-splenomegaly", "lymphadenopathy")
    assert "DLCO/FVC grade only documented lung involvement" in notes("sjd-dlco-alone", "pulmonary")
    assert "not EMG/biopsy proof" in notes("sjd-myositis-code", "muscular")
    assert "anaemia counts only when autoimmune" in notes("sjd-anaemia-not-autoimmune", "hematological")


def test_quantitative_anti_ssa_classifies_and_says_how_it_was_read(cohort, tmp_path, capsys) -> None:
    got = _score(tmp_path, cohort.bundles["sjd-anti-ssa-quantitative"], "q", capsys)
    assert got["classification"] == {"score": 6, "max": 9, "met": True, "entry_criterion": "met"}
