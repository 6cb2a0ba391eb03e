"""The synthetic cohort: deterministic, valid FHIR, and expectations from the generator's own arithmetic."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from essdai_cds.cli import main as cli_main
from essdai_devtools import cohort_codes
from essdai_devtools.synth import generate, read_expected, select_cases, write_cohort
from essdai_devtools.synth_expect import category, expectation

TODAY = date(2026, 3, 1)
ALL_ZERO = {d: 0 for d in ("constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous",
                           "pulmonary", "renal", "muscular", "pns", "cns", "hematological", "biological")}


@pytest.fixture(scope="module")
def small_cohort():
    return generate(seed=5, today=TODAY, large_size=10_000)


def test_same_seed_and_date_give_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert cli_main(["synth", "--out", str(tmp_path / name), "--seed", "11", "--today", "2026-03-01",
                         "--patients", "12"]) == 0
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(files_a) == 13  # 12 patients + expected.json
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_another_seed_changes_ids_but_not_expectations() -> None:
    a, b = generate(seed=1, patients=6, today=TODAY), generate(seed=2, patients=6, today=TODAY)
    assert a.bundles["sjd-rated-5"]["entry"][1]["fullUrl"] != b.bundles["sjd-rated-5"]["entry"][1]["fullUrl"]
    assert a.expected["patients"] == b.expected["patients"]


def test_dates_follow_today() -> None:
    cohort = generate(seed=1, patients=3, today=date(2030, 1, 10))
    ratings = [e["resource"] for e in cohort.bundles["sjd-rated-4"]["entry"]
               if e["resource"].get("valueInteger") is not None]
    assert {r["effectiveDateTime"] for r in ratings} == {"2029-12-21T11:00:00Z"}  # 20 days before today


def test_default_cohort_size_and_patient_option() -> None:
    assert len(select_cases(None, 10_000)) >= 30
    assert [c.pid for c in select_cases(3, 10_000)] == ["sjd-rated-0", "sjd-rated-4", "sjd-rated-5"]
    more = select_cases(len(select_cases(None, 10_000)) + 2, 10_000)
    assert [c.pid for c in more[-2:]] == ["sjd-filler-001", "sjd-filler-002"]


def test_every_small_bundle_is_valid_fhir_r4(small_cohort) -> None:
    for pid, bundle in small_cohort.bundles.items():
        if not pid.startswith("large-"):
            Bundle.model_validate(bundle)


def test_large_records_hold_at_least_10000_observations_in_varied_units(small_cohort) -> None:
    for pid in ("large-labs", "large-vitals"):
        resources = [e["resource"] for e in small_cohort.bundles[pid]["entry"]]
        observations = [r for r in resources if r["resourceType"] == "Observation"]
        assert len(observations) >= 10_000
        units = {r.get("valueQuantity", {}).get("code") for r in observations}
        assert {"10*9/L", "g/L", "mmol/L", "[degF]", "[lb_av]"} <= units
        statuses = {r["status"] for r in observations}
        assert {"amended", "cancelled", "entered-in-error", "final"} <= statuses
        Bundle.model_validate({**small_cohort.bundles[pid], "entry": small_cohort.bundles[pid]["entry"][:300]})


def test_transaction_shape(small_cohort) -> None:
    bundle = small_cohort.bundles["jak-clean"]
    first, rest = bundle["entry"][0], bundle["entry"][1:]
    assert bundle["type"] == "transaction"
    assert first["request"] == {"method": "PUT", "url": "Patient/jak-clean"}
    assert all(e["request"]["method"] == "POST" and e["fullUrl"].startswith("urn:uuid:") for e in rest)


def test_expected_json_written(tmp_path: Path, small_cohort) -> None:
    write_cohort(small_cohort, tmp_path)
    expected = read_expected(tmp_path)
    assert expected["today"] == "2026-03-01"
    assert set(expected["patients"]) == set(small_cohort.bundles)
    assert json.loads((tmp_path / "jak-clean.json").read_text())["entry"][0]["resource"]["id"] == "jak-clean"


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "low"), (4, "low"), (5, "moderate"), (13, "moderate"), (14, "high"), (123, "high")],
)
def test_activity_state_edges(score: int, expected: str) -> None:
    assert category(score) == expected


@pytest.mark.parametrize(
    ("levels", "essdai", "cat", "met", "clin"),
    [
        pytest.param(ALL_ZERO, {"score": 0, "max": 0}, "low", False, {"score": 0, "max": 0}, id="all-zero"),
        pytest.param(ALL_ZERO | {"articular": 2}, {"score": 4, "max": 4}, "low", False, {"score": 6, "max": 6},
                     id="4-not-eligible"),
        pytest.param(ALL_ZERO | {"constitutional": 1, "glandular": 1}, {"score": 5, "max": 5}, "moderate", True,
                     {"score": 6, "max": 6}, id="5-eligible"),
        pytest.param(ALL_ZERO | {"biological": None, "glandular": 1}, {"score": 2, "max": 4}, "low", False,
                     {"score": 2, "max": 2}, id="range-2-4"),
        pytest.param(ALL_ZERO | {"lymphadenopathy": None, "articular": 3}, {"score": 6, "max": 18}, None, True,
                     {"score": 9, "max": 21}, id="range-6-18"),
        pytest.param({}, {"score": 0, "max": 123}, None, None, {"score": 0, "max": 135}, id="no-data"),
    ],
)
def test_expectation_arithmetic(levels, essdai, cat, met, clin) -> None:
    got = expectation(levels)
    assert (got["essdai"], got["category"], got["eligibility"]["met"], got["clinessdai"]) == (essdai, cat, met, clin)


def test_expectation_rejects_a_level_the_domain_does_not_have() -> None:
    with pytest.raises(ValueError, match="cns"):
        expectation({"cns": 1})


def test_designed_expectations(small_cohort) -> None:
    p = small_cohort.expected["patients"]
    assert p["sjd-lab-neutropenia-igg"]["essdai"] == {"score": 7, "max": 7}
    assert p["sjd-lab-neutropenia-igg"]["domains"]["hematological"] == {"level": 2, "points": 4}
    assert p["sjd-range-3-9"]["essdai"] == {"score": 3, "max": 9}
    assert p["sjd-range-3-9"]["undetermined"] == ["glandular", "biological"]
    assert p["large-labs"]["essdai"] == {"score": 5, "max": 5}
    assert p["quiet-no-sjogren"]["quiet"] is True and p["quiet-no-sjogren"]["essdai"] is None
    assert p["jak-egfr-45"]["safety"]["rules"] == {"R00": "info", "R06": "warning"}
    assert "R06" not in p["jak-egfr-45"]["safety"]["absent"]
    assert p["on-baricitinib"]["monitoring"] == {"rules": {"R26": "info"}, "absent": []}  # due now (weeks 10-16)
    assert p["on-baricitinib-18w"]["monitoring"] == {"rules": {"R26": "info"}, "absent": []}
    assert "R18" not in p["jak-malignancy"]["safety"]["absent"]


def test_every_code_written_is_in_the_marked_table(small_cohort) -> None:
    known = {(c.system, c.code) for c in cohort_codes.all_codes()}
    known_systems = {"http://essdai-cds.org/fhir/CodeSystem/essdai"}
    for bundle in small_cohort.bundles.values():
        for entry in bundle["entry"][:400]:
            res = entry["resource"]
            for key in ("code", "medicationCodeableConcept"):
                for coding in (res.get(key) or {}).get("coding", []):
                    assert (coding["system"], coding["code"]) in known or coding["system"] in known_systems, coding
    assert all(c.mark in {"V", "S", "R", "P", "G"} for c in cohort_codes.all_codes())
