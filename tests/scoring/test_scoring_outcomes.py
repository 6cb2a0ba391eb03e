"""ESSPRI and PASS, change vs the previous ESSDAI and MCII, 2016 ACR/EULAR classification, applies()."""

import pytest
from scoring_builders import condition, facts, finding, lab
from fhir_mappings.facts import Skipped

import scoring
from scoring.change import change
from scoring.classification import classification
from scoring.domains import DOMAIN_TABLE
from scoring.esspri import esspri


def esspri_items(dryness, fatigue, pain, days_ago=1):
    return (finding("esspri-dryness", dryness, days_ago=days_ago), finding("esspri-fatigue", fatigue, days_ago=days_ago),
            finding("esspri-pain", pain, days_ago=days_ago))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param((4.99, 4.99, 4.99), (4.99, True), id="4.99-pass"),
        pytest.param((5.0, 5.0, 5.0), (5.0, False), id="5.0-no-pass"),
        pytest.param((6, 4, 5), (5.0, False), id="mean-5"),
        pytest.param((7, 3, 4), (4.67, True), id="mean-4.67"),
        pytest.param((0, 0, 0), (0.0, True), id="zero"),
        pytest.param((10, 10, 10), (10.0, False), id="ten"),
    ],
)
def test_esspri_mean_and_pass_edge(values, expected):
    result, warnings = esspri(facts(*esspri_items(*values)))
    assert ((result.score, result.passed), warnings) == (expected, [])


def test_esspri_uses_the_latest_rating_and_needs_all_three():
    older = esspri_items(9, 9, 9, days_ago=30)
    result, _ = esspri(facts(*older, finding("esspri-pain", 0)))
    assert (result.score, result.passed) == (6.0, False)
    assert esspri(facts(*older[:2])) == (None, [])
    assert esspri(facts(*esspri_items(2, 2, 2, days_ago=91))) == (None, [])


@pytest.mark.parametrize("bad", [10.5, -1, "high", True])
def test_esspri_out_of_range_is_ignored_with_a_warning(bad):
    result, warnings = esspri(facts(finding("esspri-dryness", bad, ref="Observation/d"), *esspri_items(1, 1, 1)[1:]))
    assert result is None
    assert warnings == [f"ignored Observation/d: esspri-dryness value {bad!r} is not a rating 0-10"]


# --- change ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        pytest.param(10, 7, {"previous": 10, "delta": -3, "mcii": True}, id="minus-3-mcii"),
        pytest.param(10, 8, {"previous": 10, "delta": -2, "mcii": False}, id="minus-2-no-mcii"),
        pytest.param(4, 8, {"previous": 4, "delta": 4, "mcii": False}, id="worse"),
    ],
)
def test_change_and_mcii_edge(previous, current, expected):
    result, warnings = change(facts(finding("essdai-total", previous, days_ago=200)), current, current)
    assert (result.to_json(), warnings) == (expected, [])


def test_change_uses_the_last_total_before_the_assessment_date():
    f = facts(finding("essdai-total", 12, days_ago=400), finding("essdai-total", 9, days_ago=100),
              finding("essdai-total", 2, days_ago=0))
    result, _ = change(f, 6, 6)
    assert result.to_json() == {"previous": 9, "delta": -3, "mcii": True}


def test_change_is_null_with_a_warning_when_essdai_is_undetermined():
    result, warnings = change(facts(finding("essdai-total", 9, days_ago=100)), 4, 20)
    assert result is None
    assert warnings == ["change vs ESSDAI 9 (2025-03-22) not computed: current ESSDAI undetermined (4-20)"]
    assert change(facts(), 4, 4) == (None, [])


def test_change_through_assess():
    things = [finding(d, 0) for d in DOMAIN_TABLE if d != "articular"] + [finding("articular", 2)]
    a = scoring.assess(facts(*things, finding("essdai-total", 8, days_ago=120)))
    assert a.to_json()["change"] == {"previous": 8, "delta": -4, "mcii": True}


# --- classification ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("things", "expected"),
    [
        pytest.param((), (0, 9, None), id="nothing-known"),
        pytest.param((finding("labial-focus-score", 1.0, days_ago=900), lab("anti-ssa", positive=True, days_ago=700)),
                     (6, 9, True), id="focus-1-and-ssa-any-date"),
        pytest.param((finding("labial-focus-score", 0.9), lab("anti-ssa", positive=False), finding("schirmer-mm", 5),
                      finding("unstimulated-saliva-flow", 0.1), finding("ocular-staining-score", 5)),
                     (3, 3, False), id="focus-0.9-max-below-4"),
        pytest.param((lab("anti-ssa", positive=True), finding("schirmer-mm", 5.0)), (4, 9, True), id="schirmer-5-met"),
        pytest.param((lab("anti-ssa", positive=True), finding("schirmer-mm", 5.1), finding("ocular-staining-score", 4),
                      finding("van-bijsterveld-score", 3), finding("unstimulated-saliva-flow", 0.11),
                      finding("labial-focus-score", 0.5)), (3, 3, False), id="all-just-below"),
        pytest.param((lab("anti-ssa", positive=True), finding("van-bijsterveld-score", 4)), (4, 9, True), id="vb-4"),
        pytest.param((lab("anti-ssa", positive=True), finding("ocular-staining-score", 4)), (3, 9, None),
                     id="oss-4-vb-unknown"),
    ],
)
def test_classification_edges(things, expected):
    result, warnings = classification(facts(*things))
    assert ((result.score, result.max, result.met), warnings) == (expected, [])


@pytest.mark.parametrize(
    "exclusion", [condition("head-neck-radiation", status="inactive"), condition("hepatitis-c"),
                  condition("igg4-disease")])
def test_exclusion_diagnosis_makes_classification_not_met(exclusion):
    result, warnings = classification(facts(exclusion, finding("labial-focus-score", 2), lab("anti-ssa", positive=True)))
    assert (result.score, result.max, result.met) == (6, 9, False)
    assert warnings == [f"2016 ACR/EULAR classification not applicable: exclusion diagnosis ({exclusion.concept})"]


def test_cured_hepatitis_c_does_not_exclude():
    result, warnings = classification(facts(condition("hepatitis-c", status="inactive"), finding("labial-focus-score", 2),
                                            lab("anti-ssa", positive=True)))
    assert (result.met, warnings) == (True, [])


# --- applies, warnings ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("things", "expected"),
    [
        pytest.param((condition("sjogren"),), True, id="active-sjogren"),
        pytest.param((condition("sjogren", status="inactive"),), False, id="inactive-sjogren"),
        pytest.param((finding("synovitis-count", 2),), True, id="project-finding"),
        pytest.param((finding("not-a-code", 2),), False, id="unknown-code"),
        pytest.param((lab("neutrophils", 800), condition("ild")), False, id="labs-only"),
    ],
)
def test_applies(things, expected):
    assert scoring.applies(facts(*things)) is expected


def test_skipped_resources_become_warnings():
    a = scoring.assess(facts(skipped=(Skipped("Observation/x", "unknown unit 'mg/furlong' for lymphocytes"),)))
    assert a.warnings == ("skipped Observation/x: unknown unit 'mg/furlong' for lymphocytes",)
