"""R01 (hypersensitivity), R14 vaccine part (RZV series) and R15 (live vaccines)."""

from __future__ import annotations

import pytest

from safety import check_order, monitoring, readiness
from safety.labels import every_pair
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import AS_OF, allergy, born_aged, by_rule, cond, med, order, patient, vaccine

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
CRIT, WARN, INFO = Indicator.CRITICAL, Indicator.WARNING, Indicator.INFO
PAIRS = every_pair()
R01_MARKS = {(B, "FDA"): Mark.R, (T, "FDA"): Mark.V, (U, "FDA"): Mark.S, (B, "EMA"): Mark.V, (T, "EMA"): Mark.V,
             (U, "EMA"): Mark.V, (F, "EMA"): Mark.V}


def _order(rule, *items, drug=B, jur="FDA", **kw):
    return by_rule(check_order(order(drug, jurisdiction=jur), patient(*items, **kw), jur), rule)


# R01 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r01_allergy_to_the_ordered_drug_is_critical_with_a_cancel_suggestion(drug, jur):
    a = allergy(drug, ref="AllergyIntolerance/a1")
    [f] = _order("R01", a, drug=drug, jur=jur)
    assert (f.indicator, f.status, f.mark) == (CRIT, Status.FIRED, R01_MARKS[(drug, jur)])
    assert f.summary == f"A documented allergy to {drug} is on file; do not order it until the allergy is reviewed"
    assert f.message.startswith(f"Allergy to {drug} on file: {drug.capitalize()} (active, criticality high, "
                                f"2024-07-08, AllergyIntolerance/a1). {jur} label: ")
    assert [e.reference for e in f.evidence] == ["AllergyIntolerance/a1"]
    assert f.suggestion is not None and f.suggestion.kind == SuggestionKind.CANCEL_ORDER
    # the same allergy in readiness (no draft order): the finding, without the cancel suggestion
    [r] = by_rule(readiness(patient(a), jur, drug), "R01")
    assert (r.indicator, r.suggestion) == (CRIT, None)


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r01_allergy_to_another_drug_is_silent(drug, jur):
    other = T if drug != T else B
    assert _order("R01", allergy(other), drug=drug, jur=jur) == []
    assert _order("R01", drug=drug, jur=jur) == []


@pytest.mark.parametrize(
    ("clinical_status", "indicator", "mark"),
    [("active", CRIT, Mark.R), (None, CRIT, Mark.R), ("inactive", WARN, Mark.P), ("resolved", WARN, Mark.P)],
)
def test_r01_resolved_or_inactive_allergy_is_a_policy_warning(clinical_status, indicator, mark):
    [f] = _order("R01", allergy(B, clinical_status))
    assert (f.indicator, f.mark, f.confirmed) == (indicator, mark, False)  # B FDA row is [R]
    if indicator == WARN:
        assert f.summary == f"A past allergy to baricitinib is on file (recorded as {clinical_status}); check it before ordering"
        assert f.suggestion is None


def test_r01_a_current_allergy_wins_over_a_resolved_one():
    [f] = _order("R01", allergy(B, "resolved", ref="AllergyIntolerance/old"), allergy(B, ref="AllergyIntolerance/new"))
    assert f.indicator == CRIT and [e.reference for e in f.evidence] == ["AllergyIntolerance/new"]


# R14 vaccine part ------------------------------------------------------------------------------
RZV = "zoster-recombinant"


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(
    ("age", "doses", "fires"),
    [
        pytest.param(18, 0, True, id="18y-no-dose"),
        pytest.param(17, 0, False, id="17y-no-dose"),
        pytest.param(18, 1, True, id="18y-one-dose"),
        pytest.param(70, 2, False, id="70y-two-doses"),
    ],
)
def test_r14_incomplete_rzv_series_in_an_adult_is_info(drug, jur, age, doses, fires):
    items = [vaccine(RZV, days_ago=400 - 60 * i) for i in range(doses)] + [vaccine("influenza", days_ago=50)]
    found = _order("R14", *items, drug=drug, jur=jur, birth=born_aged(age))
    if not fires:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.mark, f.confirmed, f.suggestion) == (INFO, Mark.P, False, None)
    assert f.summary == f"The recombinant zoster vaccine series on file is incomplete ({doses} of 2 doses)"
    assert len(f.evidence) == max(doses, 1)


def test_r14_without_immunization_records_says_nothing_about_rzv():
    assert _order("R14", immunization_records=0) == []
    assert _order("R14", birth=None, immunization_records=3) == []  # age unknown


def test_r14_no_rzv_among_records_names_the_history_read():
    [f] = _order("R14", immunization_records=4)
    assert f.message.startswith("Recombinant zoster vaccine (RZV) doses on file: none among 4 immunization record(s).")
    [e] = f.evidence
    assert (e.reference, e.value, e.date) == ("Patient/p1", 4, AS_OF)


def test_r14_two_records_on_one_day_are_one_dose():
    [f] = _order("R14", vaccine(RZV, days_ago=100), vaccine(RZV, days_ago=100))
    assert f.summary.endswith("(1 of 2 doses)")


def test_r14_history_and_vaccine_findings_together_but_active_zoster_alone():
    found = _order("R14", cond("zoster-history", status="inactive"), vaccine(RZV, days_ago=100))
    assert [f.indicator for f in found] == [WARN, INFO]
    [active] = _order("R14", cond("herpes-zoster"), vaccine(RZV, days_ago=100))
    assert active.indicator == CRIT


# R15 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(("days_ago", "fires"), [(0, True), (14, True), (28, True), (29, False), (400, False)])
def test_r15_live_vaccine_within_4_weeks_before_the_start_warns(drug, jur, days_ago, fires):
    found = _order("R15", vaccine("zoster-live", days_ago=days_ago, ref="Immunization/z1"), drug=drug, jur=jur)
    if not fires:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.mark, f.confirmed) == (WARN, Mark.P, False)
    assert f.summary == f"A live vaccine was given {days_ago} days ago; avoid live vaccines shortly before and during {drug}"
    assert [e.reference for e in f.evidence] == ["Immunization/z1"]


@pytest.mark.parametrize("name", ["zoster-recombinant", "influenza"])
def test_r15_non_live_vaccines_are_silent(name):
    assert _order("R15", vaccine(name, days_ago=3)) == []


def test_r15_readiness_uses_the_same_window():
    [f] = by_rule(readiness(patient(vaccine("mmr", days_ago=28)), "EMA", U), "R15")
    assert f.indicator == WARN
    assert by_rule(readiness(patient(vaccine("mmr", days_ago=29)), "EMA", U), "R15") == []


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(("given_days_ago", "fires"), [(30, True), (10, True), (31, False)])
def test_r15_live_vaccine_on_or_after_the_jak_start_is_critical_in_monitoring(drug, jur, given_days_ago, fires):
    facts = patient(med(drug, "jak-inhibitor", start_days_ago=30), vaccine("varicella", days_ago=given_days_ago))
    found = by_rule(monitoring(facts, jur), "R15")
    if not fires:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.mark, f.drug) == (CRIT, Mark.P, drug)
    assert f.summary == f"A live vaccine was given while the patient is on {drug}"


def test_r15_monitoring_without_a_start_date_says_nothing():
    facts = patient(med(B, "jak-inhibitor", start_days_ago=None), vaccine("varicella", days_ago=1))
    assert by_rule(monitoring(facts, "FDA"), "R15") == []
