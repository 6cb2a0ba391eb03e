"""R09-R14: active and chronic infection, TB, hepatitis B and C, herpes zoster."""

from __future__ import annotations

import dataclasses

import pytest

from safety.labels import every_pair
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import cond, meas, med, order, rule_findings

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
CRIT, WARN, INFO = Indicator.CRITICAL, Indicator.WARNING, Indicator.INFO
PAIRS = every_pair()


# R09 -------------------------------------------------------------------------------------------
R09_MARKS = {(B, "FDA"): Mark.V, (T, "FDA"): Mark.S, (U, "FDA"): Mark.V, (B, "EMA"): Mark.S, (T, "EMA"): Mark.V,
             (U, "EMA"): Mark.V, (F, "EMA"): Mark.V}


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r09_active_infection_is_critical_and_resolved_is_silent(drug, jur):
    [f] = rule_findings("R09", cond("infection", display="Pneumonia"), drug=drug, jur=jur)
    assert (f.indicator, f.mark) == (CRIT, R09_MARKS[(drug, jur)])
    assert f.summary == f"An active serious infection (Pneumonia) is on file; do not start {drug} until it is controlled"
    assert rule_findings("R09", cond("infection", status="inactive"), drug=drug, jur=jur) == []


# R10 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r10_chronic_infection_warns_and_only_ema_baricitinib_gets_2_mg(drug, jur):
    [f] = rule_findings("R10", cond("chronic-infection"), drug=drug, jur=jur)
    assert f.indicator == WARN
    if (drug, jur) == (B, "EMA"):
        assert (f.suggestion.kind, f.suggestion.dose_mg, f.suggestion.doses_per_day) == (
            SuggestionKind.DOSE_CHANGE, 2, 1)
    else:
        assert f.suggestion is None


@pytest.mark.parametrize(
    ("ingredient", "mg", "fires"),
    [("prednisone", 15, True), ("prednisone", 14, False), ("prednisolone", 20, True), ("hydrocortisone", 30, False)],
)
def test_r10_prednisone_equivalent_15_mg_edge(ingredient, mg, fires):
    steroid = med(ingredient, "corticosteroid", dose_mg=mg, doses_per_day=1)
    found = rule_findings("R10", steroid)
    assert len(found) == (1 if fires else 0)
    if fires:
        assert found[0].mark == Mark.P and "mg/day" in found[0].message


# R11 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r11_active_tb_is_critical(drug, jur):
    [f] = rule_findings("R11", cond("active-tb"), drug=drug, jur=jur)
    assert (f.indicator, f.suggestion.kind) == (CRIT, SuggestionKind.CANCEL_ORDER)


def test_r11_positive_igra_without_ltbi_treatment_is_critical():
    [f] = rule_findings("R11", labs={"igra": meas("igra", positive=True, days_ago=800)})
    assert f.indicator == CRIT and f.status == Status.FIRED
    assert f.message.startswith("IGRA positive on 2023-09-12 (Observation/igra-")


@pytest.mark.parametrize(
    ("started_days_ago", "expected"),
    [pytest.param(27, WARN, id="27-days-warning"), pytest.param(28, None, id="28-days-silent")],
)
def test_r11_recent_ltbi_treatment_edge(started_days_ago, expected):
    found = rule_findings("R11", cond("latent-tb"), med("isoniazid", "ltbi-treatment", start_days_ago=started_days_ago))
    assert [f.indicator for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("days_ago", "fires"),
    [pytest.param(365, False, id="negative-365-days"), pytest.param(366, True, id="negative-366-days-stale")],
)
def test_r11_tb_test_window_edge(days_ago, fires):
    found = rule_findings("R11", labs={"igra": meas("igra", positive=False, days_ago=days_ago)})
    assert len(found) == (1 if fires else 0)


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r11_no_tb_test_is_a_warning_with_igra_order(drug, jur):
    [f] = rule_findings("R11", drug=drug, jur=jur, labs={"igra": None})
    assert (f.indicator, f.status, f.mark) == (WARN, Status.MISSING_DATA, Mark.P)
    assert f.suggestion.kind == SuggestionKind.ORDER_TEST
    assert [c for c, _ in f.suggestion.loinc] == ["71773-6"]


# R12 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("labs", "items", "expected"),
    [
        pytest.param({"hbsag": meas("hbsag", positive=True, days_ago=2000)}, (), CRIT, id="hbsag-positive-ever"),
        pytest.param({"hbv-dna": meas("hbv-dna", 50)}, (), CRIT, id="hbv-dna-detectable"),
        pytest.param({"anti-hbc": meas("anti-hbc", positive=True), "hbv-dna": meas("hbv-dna", 10, comparator="<")},
                     (), INFO, id="anti-hbc-with-undetectable-dna"),
        pytest.param({"anti-hbc": meas("anti-hbc", positive=True)}, (), WARN, id="anti-hbc-without-dna"),
        pytest.param({}, (cond("hepatitis-b"),), CRIT, id="hepatitis-b-condition"),
        pytest.param({}, (), None, id="negative-panel-silent"),
    ],
)
def test_r12_hepatitis_b_tiers(labs, items, expected):
    found = rule_findings("R12", *items, labs=labs)
    assert [f.indicator for f in found] == ([expected] if expected else [])


def test_r12_anti_hbc_positive_orders_hbv_dna():
    [f] = rule_findings("R12", labs={"anti-hbc": meas("anti-hbc", positive=True)})
    assert [c for c, _ in f.suggestion.loinc] == ["42595-9"]


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r12_no_hbv_serology_is_a_warning_with_the_three_markers_ordered(drug, jur):
    [f] = rule_findings("R12", drug=drug, jur=jur, labs={"hbsag": None, "anti-hbc": None, "anti-hbs": None})
    assert (f.indicator, f.status) == (WARN, Status.MISSING_DATA)
    assert f.summary == f"Screen for hepatitis B before starting {drug}; there is no HBsAg or anti-HBc on file"
    assert [c for c, _ in f.suggestion.loinc] == ["5195-3", "16933-4", "22322-2"]


# R13 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r13_hcv_rna_positive_is_critical_only_for_upadacitinib_fda(drug, jur):
    [f] = rule_findings("R13", drug=drug, jur=jur, labs={"hcv-rna": meas("hcv-rna", positive=True)})
    assert f.indicator == (CRIT if (drug, jur) == (U, "FDA") else WARN)


@pytest.mark.parametrize(
    ("labs", "expected_codes"),
    [
        pytest.param({"hcv-ab": meas("hcv-ab", positive=True, days_ago=10)}, ["11011-4"], id="ab-positive-no-rna"),
        pytest.param({"hcv-ab": None}, ["16128-1"], id="never-screened"),
        pytest.param({"hcv-ab": meas("hcv-ab", positive=True, days_ago=10),
                      "hcv-rna": meas("hcv-rna", positive=False, days_ago=5)}, None, id="ab-positive-rna-negative"),
    ],
)
def test_r13_screening_gaps(labs, expected_codes):
    found = rule_findings("R13", labs=labs)
    if expected_codes is None:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.status) == (WARN, Status.MISSING_DATA)
    assert [c for c, _ in f.suggestion.loinc] == expected_codes


# R14 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r14_active_zoster_critical_history_warning(drug, jur):
    [active] = rule_findings("R14", cond("herpes-zoster"), drug=drug, jur=jur)
    assert active.indicator == CRIT
    assert active.mark == (Mark.V if drug in (B, F) else Mark.R)
    [history] = rule_findings("R14", cond("zoster-history", status="inactive"), drug=drug, jur=jur)
    assert history.indicator == WARN
    assert history.mark == (Mark.V if jur == "EMA" else Mark.R)


@pytest.mark.parametrize(("status", "treated"), [
    ("active", True), ("completed", True), ("stopped", True), ("on-hold", True),
    ("not-taken", False), ("cancelled", False), ("draft", False), ("intended", False), ("unknown", False),
])
def test_r11_ltbi_treatment_counts_only_when_begun(status, treated):
    """Latent TB with isoniazid begun (even completed) is treated; a not-taken statement or a cancelled,
    draft or intended order is not treatment: the critical "treat latent TB first" card stays."""
    found = rule_findings("R11", cond("latent-tb"), med("isoniazid", "ltbi-treatment", status=status, start_days_ago=200))
    assert [f.indicator for f in found] == ([] if treated else [CRIT])


@pytest.mark.parametrize(("intent", "treated"), [
    ("order", True), (None, True), ("proposal", False), ("plan", False), ("option", False),
])
def test_r11_an_ltbi_plan_or_proposal_is_not_treatment(intent, treated):
    """An "active" MedicationRequest whose intent is a proposal, a plan or an option was never an order to take
    isoniazid: latent TB stays untreated and the critical card stays (fhir_mappings.facts NOT_ORDER_INTENTS)."""
    plan = dataclasses.replace(med("isoniazid", "ltbi-treatment", start_days_ago=200), intent=intent)
    found = rule_findings("R11", cond("latent-tb"), plan)
    assert [f.indicator for f in found] == ([] if treated else [CRIT])
