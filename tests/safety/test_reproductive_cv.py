"""R16-R21: pregnancy, breastfeeding, VTE, MACE, malignancy, age."""

from __future__ import annotations

import pytest

from safety.labels import every_pair
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import born_aged, cond, meas, med, rule_findings

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
CRIT, WARN, INFO = Indicator.CRITICAL, Indicator.WARNING, Indicator.INFO
PAIRS = every_pair()
EMA_PAIRS = [p for p in PAIRS if p[1] == "EMA"]


# R16 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r16_pregnancy_contraindicated_under_ema_warning_under_fda(drug, jur):
    [f] = rule_findings("R16", cond("pregnancy", days_ago=60), drug=drug, jur=jur, gender="female", birth=born_aged(30))
    if jur == "EMA":
        assert (f.indicator, f.mark, f.suggestion.kind) == (CRIT, Mark.V, SuggestionKind.CANCEL_ORDER)
        assert f.summary == f"Pregnancy is on file, and {drug} is contraindicated (EMA label)"
    else:
        assert f.indicator == WARN and f.suggestion is None
        assert f.mark == (Mark.V if drug == T else Mark.R)


def test_r16_positive_hcg_counts_as_pregnant():
    [f] = rule_findings("R16", jur="EMA", gender="female", birth=born_aged(30),
               labs={"hcg": meas("hcg", positive=True, days_ago=10)})
    assert f.indicator == CRIT and "hCG positive on 2025-11-10" in f.message


@pytest.mark.parametrize(
    ("age", "hcg_days_ago", "gender", "fires"),
    [
        pytest.param(49, None, "female", True, id="female-49-no-test"),
        pytest.param(50, None, "female", False, id="female-50-outside-policy"),
        pytest.param(49, 7, "female", False, id="negative-hcg-7-days"),
        pytest.param(49, 8, "female", True, id="negative-hcg-8-days-stale"),
        pytest.param(30, None, "male", False, id="male"),
    ],
)
def test_r16_pregnancy_test_window_and_childbearing_policy(age, hcg_days_ago, gender, fires):
    labs = {"hcg": meas("hcg", positive=False, days_ago=hcg_days_ago)} if hcg_days_ago else {}
    found = rule_findings("R16", gender=gender, birth=born_aged(age), labs=labs)
    assert len(found) == (1 if fires else 0)
    if fires:
        f = found[0]
        assert (f.indicator, f.status, f.mark) == (WARN, Status.MISSING_DATA, Mark.P)
        assert f.suggestion.loinc == (("2106-3", "hCG qualitative, urine"),)


# R17 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r17_breastfeeding_critical_only_for_tofacitinib_ema(drug, jur):
    [f] = rule_findings("R17", cond("lactation"), drug=drug, jur=jur, gender="female")
    assert f.indicator == (CRIT if (drug, jur) == (T, "EMA") else WARN)
    assert rule_findings("R17", cond("lactation", status="inactive"), drug=drug, jur=jur) == []


# R18 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r18_prior_vte_warns(drug, jur):
    [f] = rule_findings("R18", cond("vte", status="inactive", display="Deep vein thrombosis"), drug=drug, jur=jur)
    assert f.indicator == WARN
    assert f.mark == (Mark.S if jur == "FDA" and drug in (B, T) else Mark.V)


@pytest.mark.parametrize(
    ("drug", "dose", "expected"),
    [(B, (4, 1), (2, 1)), (B, (2, 1), None), (F, (200, 1), (100, 1)), (U, (15, 1), None), (T, (5, 2), None)],
)
def test_r18_ema_at_risk_dose_reduction(drug, dose, expected):
    [f] = rule_findings("R18", cond("vte", status="inactive"), drug=drug, jur="EMA", dose=dose)
    if expected is None:
        assert f.suggestion is None
    else:
        assert (f.suggestion.kind, f.suggestion.dose_mg, f.suggestion.doses_per_day) == (
            SuggestionKind.DOSE_CHANGE, *expected)


@pytest.mark.parametrize(
    ("bmi", "fires"), [pytest.param(30, True, id="bmi-30-info"), pytest.param(29.9, False, id="bmi-29.9-silent")]
)
def test_r18_bmi_edge(bmi, fires):
    found = rule_findings("R18", meas("bmi", bmi))
    assert [f.indicator for f in found] == ([INFO] if fires else [])


def test_r18_hormonal_contraceptive_is_an_other_risk_factor():
    [f] = rule_findings("R18", med("ethinylestradiol", "hormonal-vte-risk"), gender="female")
    assert f.indicator == INFO and f.summary == ("A venous thromboembolism risk factor is on file (hormonal contraceptive or HRT); weigh the "
                                                  "thrombosis risk of baricitinib")


# R19 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [pytest.param(90, CRIT, id="mi-90-days-recent"), pytest.param(91, WARN, id="mi-91-days-history")],
)
def test_r19_recent_mi_or_stroke_edge(days_ago, expected):
    [f] = rule_findings("R19", cond("ascvd", days_ago=days_ago, display="Myocardial infarction"))
    assert f.indicator == expected


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r19_smoker_warns_with_ema_no_alternative_wording(drug, jur):
    smoker = meas("smoking-status", coding="http://snomed.info/sct|77176002", days_ago=100)
    [f] = rule_findings("R19", smoker, drug=drug, jur=jur)
    assert f.indicator == WARN and "smoking-cessation" in f.message
    assert ("only if there is no suitable alternative" in f.summary) == (jur == "EMA")


@pytest.mark.parametrize(
    ("coding", "days_ago", "fires"),
    [
        pytest.param("http://snomed.info/sct|8517006", 365, True, id="ex-smoker-365-days"),
        pytest.param("http://snomed.info/sct|8517006", 366, False, id="ex-smoker-366-days-stale"),
        pytest.param("http://snomed.info/sct|266919005", 10, False, id="never-smoker"),
    ],
)
def test_r19_smoking_status_window(coding, days_ago, fires):
    assert len(rule_findings("R19", meas("smoking-status", coding=coding, days_ago=days_ago))) == (1 if fires else 0)


def test_r19_ema_ascvd_adds_at_risk_dose():
    [f] = rule_findings("R19", cond("ascvd", status="inactive", days_ago=1000), jur="EMA", dose=(4, 1))
    assert f.summary == "Cardiovascular disease (ASCVD) is on file; use baricitinib only if there is no suitable alternative " \
                        "(MACE risk)"
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (2, 1)


# R20 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(cond("malignancy"), CRIT, id="active-cancer"),
        pytest.param(cond("lymphoma", status="remission"), WARN, id="lymphoma-in-remission"),
        pytest.param(cond("malignancy-history", status="inactive"), WARN, id="history"),
        pytest.param(cond("nmsc", status="inactive"), INFO, id="nmsc-only"),
    ],
)
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r20_malignancy_tiers(item, expected, drug, jur):
    [f] = rule_findings("R20", item, drug=drug, jur=jur)
    assert f.indicator == expected
    assert f.confirmed == (expected != CRIT)  # the critical tier is local policy [P]


def test_r20_mentions_pss_lymphoma_risk_with_active_sjogren():
    [f] = rule_findings("R20", cond("sjogren"), cond("malignancy-history", status="inactive"))
    assert "excess risk of B-cell lymphoma" in f.message


# R21 -------------------------------------------------------------------------------------------
EMA_AGE_DOSE = {(B, "EMA"): (2, 1), (F, "EMA"): (100, 1), (U, "EMA"): None, (T, "EMA"): None}


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize("age", [64, 65])
def test_r21_age_65_edge(drug, jur, age):
    found = rule_findings("R21", drug=drug, jur=jur, birth=born_aged(age))
    if age == 64:
        assert found == []
        return
    [f] = found
    if jur == "FDA":
        assert f.indicator == INFO and f.suggestion is None
        return
    assert f.indicator == WARN and "only if there is no suitable alternative" in f.summary
    expected = EMA_AGE_DOSE[(drug, jur)]
    if expected is None:  # upadacitinib is already at 15 mg; tofacitinib has no age dose
        assert f.suggestion is None
    else:
        assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == expected


def test_r21_unknown_birth_date_is_silent():
    assert rule_findings("R21", birth=None, jur="EMA") == []


@pytest.mark.parametrize(("code", "words", "fires"), [
    ("449868002", "current smoker (every day)", True),
    ("428041000124106", "current smoker (some days)", True),
    ("428071000124103", "current smoker (heavy)", True),
    ("428061000124105", "current smoker (light)", True),
    ("77176002", "current smoker", True),
    ("8517006", "ex-smoker", True),
    ("266919005", None, False),
    ("266927001", None, False),
])
def test_r19_reads_the_us_core_smoking_status_value_set(code, words, fires):
    """US Core ValueSet us-core-observation-smokingstatus (STU3.1.1): "449868002 Current every day smoker,
    428041000124106 Current some day smoker, 8517006 Former smoker, 266919005 Never smoker, 77176002 Smoker,
    current status unknown, 266927001 Unknown if ever smoked, 428071000124103 Current Heavy tobacco smoker,
    428061000124105 Current Light tobacco smoker" (issue 11: an every-day smoker got no card)."""
    found = rule_findings("R19", meas("smoking-status", coding=f"http://snomed.info/sct|{code}", days_ago=10))
    assert len(found) == (1 if fires else 0)
    if fires:
        assert f"{words}: smoking status" in found[0].message
        assert code not in found[0].summary and code not in found[0].message  # concepts in words
        # the evidence a card shows in its table too: "current smoker (every day)", never "http://snomed.info/sct|…"
        assert [e.value for e in found[0].evidence if e.reference.startswith("Observation/")] == [words]
