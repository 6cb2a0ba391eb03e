"""monitoring(): lipids (R26), periodic CBC / liver tests (R27), HBV DNA in anti-HBc+ (R12)."""

from __future__ import annotations

import pytest

from safety import monitoring, readiness
from safety.labels import every_pair
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import by_rule, meas, med, patient

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
PAIRS = every_pair()
OLD = 400  # days: baseline results from before any start date used below


def _on(drug, started_days_ago, *items, labs=None, jur="FDA"):
    old_baseline = {a: meas(a, v, days_ago=OLD, **kw) for a, v, kw in (
        ("lymphocytes", 1500, {}), ("neutrophils", 3000, {}), ("hemoglobin", 13, {}),
        ("alt", 20, {"ref_high": 40}), ("ast", 22, {"ref_high": 40}))}
    labs = {"lipid-panel": None, **old_baseline, **(labs or {})}
    facts = patient(med(drug, "jak-inhibitor", start_days_ago=started_days_ago, dose_mg=2, doses_per_day=1),
                    *items, labs=labs)
    return monitoring(facts, jur)


def test_no_jak_inhibitor_no_monitoring_findings():
    assert monitoring(patient(med("methotrexate", "csdmard"))) == []


def test_a_stopped_jak_inhibitor_is_not_monitored():
    facts = patient(med(B, "jak-inhibitor", status="stopped", start_days_ago=300), labs={"lipid-panel": None})
    assert monitoring(facts) == []


def test_monitoring_does_not_repeat_the_initiation_checks():
    found = _on(B, 20, labs={"lymphocytes": meas("lymphocytes", 300, days_ago=5)})
    assert {f.rule for f in found} <= {"R12", "R26", "R27"}


# R26 -------------------------------------------------------------------------------------------
LIPID_DUE_START = {B: 70, U: 70, F: 70, T: 28}  # weeks 10 / 4, [P]
LIPID_DUE_END = {B: 112, U: 112, F: 112, T: 70}  # weeks 16 / 10, [P]


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(("days_from", "offset", "case"), [
    pytest.param(LIPID_DUE_START, -1, None, id="before-window"),
    pytest.param(LIPID_DUE_START, 0, "due-now", id="window-opens"),
    pytest.param(LIPID_DUE_END, 0, "due-now", id="window-last-day"),
    pytest.param(LIPID_DUE_END, 1, "due", id="overdue"),
])
def test_r26_lipids_due_window_edges(drug, jur, days_from, offset, case):
    days = days_from[drug] + offset
    found = by_rule(_on(drug, days, jur=jur), "R26")
    if case is None:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.status, f.mark) == (Indicator.INFO, Status.MISSING_DATA, Mark.P)
    assert f.suggestion.kind == SuggestionKind.ORDER_TEST and f.suggestion.loinc == (("24331-1", "Lipid panel"),)
    weeks = days // 7
    if case == "due-now":
        assert f.summary.startswith(f"A lipid panel is due now, at week {weeks} on {drug} (due in weeks ")
    else:
        assert f.summary.startswith(f"No lipid panel is on file since {drug} was started {weeks} weeks ago")


def test_r26_a_lipid_result_since_the_start_clears_it():
    found = _on(B, 200, labs={"lipid-panel": None, "ldl": meas("ldl", 130, days_ago=100)})
    assert by_rule(found, "R26") == []


def test_r26_unknown_start_date_is_reported_once():
    facts = patient(med(B, "jak-inhibitor", start_days_ago=None))
    found = monitoring(facts)
    assert [(f.rule, f.status) for f in found] == [("R26", Status.MISSING_DATA)]
    assert found[0].summary == "The start date of baricitinib is unknown, so the lipid and blood-count schedule could not be computed"


def test_r26_readiness_suggests_baseline_lipids_after_12_months():
    assert by_rule(readiness(patient(labs={"lipid-panel": meas("lipid-panel", coding="x", days_ago=365)})), "R26") == []
    [f] = by_rule(readiness(patient(labs={"lipid-panel": meas("lipid-panel", coding="x", days_ago=366)})), "R26")
    assert (f.indicator, f.status) == (Indicator.INFO, Status.MISSING_DATA)


# R27 -------------------------------------------------------------------------------------------
FIRST_CHECK = {B: 28, U: 28, F: 28, T: 56}


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize("offset", [0, 1])
def test_r27_first_cbc_and_liver_tests_edge(drug, jur, offset):
    found = by_rule(_on(drug, FIRST_CHECK[drug] + offset, jur=jur), "R27")
    if offset == 0:
        assert found == []
        return
    [f] = found
    assert f.summary.startswith("CBC and liver tests are due on")
    assert [c for c, _ in f.suggestion.loinc] == ["58410-2", "731-0", "751-8", "718-7", "1742-6", "1920-8", "1975-2"]
    assert f.mark == (Mark.V if drug == T else Mark.P)


@pytest.mark.parametrize(
    ("last_cbc_days_ago", "due"),
    [pytest.param(91, False, id="91-days"), pytest.param(92, True, id="92-days-overdue")],
)
def test_r27_three_monthly_interval_edge(last_cbc_days_ago, due):
    labs = {a: meas(a, v, days_ago=last_cbc_days_ago) for a, v in
            (("lymphocytes", 1500), ("neutrophils", 3000), ("hemoglobin", 13))}
    labs |= {"alt": meas("alt", 20, ref_high=40, days_ago=10), "ast": meas("ast", 20, ref_high=40, days_ago=10)}
    found = by_rule(_on(B, 200, labs=labs), "R27")
    assert [f.summary for f in found] == (["CBC is due on baricitinib (started 2025-05-04)"] if due else [])


# R12 on treatment ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dna_days_ago", "due"),
    [pytest.param(90, False, id="dna-90-days"), pytest.param(91, True, id="dna-91-days-due"),
     pytest.param(None, True, id="never")],
)
def test_r12_hbv_dna_every_3_months_in_anti_hbc_positive(dna_days_ago, due):
    labs = {"anti-hbc": meas("anti-hbc", positive=True, days_ago=500)}
    if dna_days_ago is not None:
        labs["hbv-dna"] = meas("hbv-dna", positive=False, days_ago=dna_days_ago)
    found = by_rule(_on(B, 300, labs=labs), "R12")
    if not due:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.status) == (Indicator.INFO, Status.MISSING_DATA)
    assert [c for c, _ in f.suggestion.loinc] == ["42595-9"]


def test_r12_detectable_hbv_dna_on_treatment_is_critical_without_cancel_suggestion():
    found = by_rule(_on(B, 300, labs={"anti-hbc": meas("anti-hbc", positive=True), "hbv-dna": meas("hbv-dna", 200)}),
                    "R12")
    [f] = found
    assert f.indicator == Indicator.CRITICAL and f.suggestion is None
