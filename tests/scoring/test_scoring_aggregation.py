"""Domain ranges -> totals, category, eligibility, undetermined and deciding domains; clinician ratings."""

import pytest
from scoring_builders import facts, finding, lab

import scoring
from scoring.domains import DOMAIN_TABLE, ESSDAI_WEIGHTS
from scoring.essdai import DomainResult, category, deciding, eligibility, score_domain, total

ALL_ZERO = tuple(finding(d, 0) for d in DOMAIN_TABLE)


def ratings(**levels):
    """Clinician ratings: the given levels, every other domain rated 0."""
    return tuple(finding(d, levels.get(d, 0)) for d in DOMAIN_TABLE)


def test_no_data_gives_every_domain_its_full_range():
    a = scoring.assess(facts())
    assert (a.essdai.score, a.essdai.max, a.essdai.category) == (0, 123, None)
    assert (a.clinessdai.score, a.clinessdai.max, a.clinessdai.category) == (0, 135, None)
    assert a.eligibility_met is None
    assert a.undetermined == tuple(DOMAIN_TABLE)
    assert {d: (r.lo, r.hi, r.source) for d, r in a.domains.items()} == {
        d: (0, spec.max_level, None) for d, spec in DOMAIN_TABLE.items()}


def test_clinician_rating_overrides_derived_data():
    r = score_domain(facts(finding("hematological", 1, ref="Observation/r1"), lab("neutrophils", 300)), "hematological")
    assert (r.lo, r.hi, r.source) == (1, 1, "clinician")
    assert [e.to_json() for e in r.evidence] == [{
        "reference": "Observation/r1", "display": "ESSDAI hematological domain activity level (clinician rating)",
        "value": 1, "date": "2025-06-29", "code": "hematological", "note": "clinician rating"}]


def test_rating_outside_the_clinician_window_is_not_used():
    r = score_domain(facts(finding("renal", 0, days_ago=91)), "renal")
    assert (r.lo, r.hi, r.source) == (0, 3, None)


@pytest.mark.parametrize(("domain", "value"), [("cns", 1), ("glandular", 3), ("renal", "2"), ("pns", True)])
def test_an_invalid_rating_is_ignored_with_a_warning(domain, value):
    a = scoring.assess(facts(finding(domain, value, ref="Observation/bad")))
    r = a.domains[domain]
    assert (r.lo, r.hi, r.source) == (0, DOMAIN_TABLE[domain].max_level, None)
    assert len(a.warnings) == 1
    assert a.warnings[0].startswith(f"ignored Observation/bad: clinician rating {value!r} for {domain}: ")


def test_all_domains_rated_zero():
    a = scoring.assess(facts(*ALL_ZERO))
    assert (a.essdai.score, a.essdai.max, a.essdai.category, a.eligibility_met) == (0, 0, "low", False)
    assert (a.undetermined, a.deciding) == ((), ())


@pytest.mark.parametrize(
    ("score", "maximum", "expected_category", "expected_met"),
    [
        pytest.param(0, 4, "low", False, id="0-4"),
        pytest.param(4, 4, "low", False, id="4-4"),
        pytest.param(4, 5, None, None, id="4-5-straddles-5"),
        pytest.param(5, 5, "moderate", True, id="5-5"),
        pytest.param(5, 13, "moderate", True, id="5-13"),
        pytest.param(13, 14, None, True, id="13-14-straddles-14"),
        pytest.param(14, 14, "high", True, id="14-14"),
        pytest.param(14, 123, "high", True, id="14-123"),
        pytest.param(0, 123, None, None, id="0-123"),
    ],
)
def test_category_and_eligibility_decided_only_on_one_side(score, maximum, expected_category, expected_met):
    assert (category(score, maximum), eligibility(score, maximum)) == (expected_category, expected_met)


def _ranges(**ranges):
    return {d: DomainResult(d, *ranges.get(d, (0, 0)), "derived") for d in DOMAIN_TABLE}


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        pytest.param({}, (), id="all-determined"),
        # score 0: the next cut-off is 5; glandular alone (+4) cannot reach it, articular (+6) can
        pytest.param({"glandular": (0, 2), "articular": (0, 3)}, ("articular",), id="only-upper-end-that-matters"),
        # neither alone reaches 5 (+4, +2), together they can
        pytest.param({"glandular": (0, 2), "biological": (0, 2)}, ("glandular", "biological"), id="together"),
        # score 10 (renal 2): eligibility met; 14 is the open cut-off: constitutional +3 short, pns +5 reaches
        pytest.param({"renal": (2, 2), "constitutional": (0, 1), "pns": (0, 1)}, ("pns",), id="high-cut-off"),
        # score 15: everything decided above 14 even though biological is open
        pytest.param({"renal": (3, 3), "biological": (0, 2)}, (), id="decided-despite-open"),
    ],
)
def test_deciding_domains(ranges, expected):
    assert deciding(_ranges(**ranges), ESSDAI_WEIGHTS) == expected


def test_totals_use_lower_and_upper_ends():
    t = total(_ranges(renal=(1, 3), biological=(0, 2)), ESSDAI_WEIGHTS)
    assert (t.score, t.max, t.category) == (5, 17, None)


def test_eligibility_met_on_the_lower_end_alone():
    a = scoring.assess(facts(finding("pulmonary", 1), finding("articular", 1)))
    assert (a.essdai.score, a.essdai.max, a.eligibility_met) == (7, 109, True)
    # 14 is the open cut-off (+7 needed): constitutional (+6), glandular, haematological, biological cannot alone
    assert a.deciding == ("lymphadenopathy", "cutaneous", "renal", "muscular", "pns", "cns")
