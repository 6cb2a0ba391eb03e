"""R28-R30 per drug x jurisdiction, and the R08 tiers for every pair."""

from __future__ import annotations

from datetime import date

import pytest

from safety import check_order, readiness
from safety.labels import every_pair
from safety.model import Indicator, Mark
from safety_factories import by_rule, cond, meas, med, order, patient

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
PAIRS = every_pair()
R28_MARKS = {(B, "FDA"): Mark.V, (T, "FDA"): Mark.S, (U, "FDA"): Mark.S, (B, "EMA"): Mark.V, (U, "EMA"): Mark.V,
             (T, "EMA"): Mark.R, (F, "EMA"): Mark.R}


def _run(rule, *items, drug, jur, labs=None):
    return by_rule(check_order(order(drug, jurisdiction=jur), patient(*items, labs=labs), jur), rule)


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(
    ("co_med", "expected"),
    [
        pytest.param(None, Indicator.INFO, id="diverticular-disease-alone"),
        pytest.param(med("ibuprofen", "nsaid"), Indicator.WARNING, id="with-nsaid"),
        pytest.param(med("prednisone", "corticosteroid", dose_mg=5, doses_per_day=1), Indicator.WARNING,
                     id="with-corticosteroid"),
        pytest.param(med("tramadol", "opioid"), Indicator.WARNING, id="with-opioid"),
        pytest.param(med("ibuprofen", "nsaid", status="completed"), Indicator.INFO, id="stopped-nsaid"),
    ],
)
def test_r28_diverticular_disease(drug, jur, co_med, expected):
    items = (cond("diverticular-disease", status="inactive"),) + ((co_med,) if co_med else ())
    [f] = _run("R28", *items, drug=drug, jur=jur)
    assert (f.indicator, f.mark) == (expected, R28_MARKS[(drug, jur)])
    assert _run("R28", *(() if co_med is None else (co_med,)), drug=drug, jur=jur) == []


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r29_diabetes_is_info_from_condition_or_medicine(drug, jur):
    [by_condition] = _run("R29", cond("diabetes"), drug=drug, jur=jur)
    [by_medicine] = _run("R29", med("metformin", "antidiabetic"), drug=drug, jur=jur)
    assert by_condition.indicator == by_medicine.indicator == Indicator.INFO
    assert ("antidiabetic doses may need lowering" in by_condition.message) == (drug in (T, U) and jur == "EMA")
    assert _run("R29", cond("diabetes", status="inactive"), drug=drug, jur=jur) == []


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
def test_r30_ild_only_for_tofacitinib(drug, jur):
    found = _run("R30", cond("ild"), drug=drug, jur=jur)
    if drug != T:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.mark) == (Indicator.INFO, Mark.S if jur == "FDA" else Mark.V)


@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(
    ("alt", "expected"),
    [(40, None), (41, Indicator.INFO), (120, Indicator.INFO), (121, Indicator.WARNING)],
)
def test_r08_tiers_for_every_pair(drug, jur, alt, expected):
    found = _run("R08", drug=drug, jur=jur, labs={"alt": meas("alt", alt, ref_high=40)})
    assert [f.indicator for f in found] == ([expected] if expected else [])


def test_readiness_accepts_a_capitalised_drug_name():
    assert [f.drug for f in by_rule(readiness(patient(labs={"lymphocytes": meas("lymphocytes", 300)}),
                                              drug=" Baricitinib "), "R02")] == [B]


@pytest.mark.parametrize(
    ("weight", "age"), [pytest.param(0, 60, id="weight-0"), pytest.param(70, 150, id="age-150")],
)
def test_implausible_crcl_inputs_fall_back_to_the_egfr_proxy(weight, age):
    labs = {"creatinine": meas("creatinine", 1.0), "weight": meas("weight", weight), "egfr": meas("egfr", 95)}
    facts = patient(labs=labs, birth=date(2025 - age, 1, 1))
    assert by_rule(check_order(order(B, jurisdiction="EMA"), facts, "EMA"), "R06") == []
