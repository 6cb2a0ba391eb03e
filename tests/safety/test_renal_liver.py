"""R06 renal bands (eGFR under FDA, Cockcroft-Gault CrCl or eGFR proxy under EMA), R07, R08."""

from __future__ import annotations

import pytest

from safety import check_order, readiness
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import USUAL, born_aged, by_rule, cond, finding, meas, order, patient

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
CRIT, WARN = Indicator.CRITICAL, Indicator.WARNING


def _r06(drug, jur, egfr, *, dose=None, labs=None, **kw):
    draft = order(drug, *(dose or (USUAL, USUAL)), jurisdiction=jur)
    by_crcl = jur == "EMA" or drug == T  # tofacitinib FDA bands are in CrCl too
    facts = patient(labs={"egfr": meas("egfr", egfr), **({"weight": None} if by_crcl else {}), **(labs or {})},
                    **kw)
    return by_rule(check_order(draft, facts, jur), "R06")


# (drug, jurisdiction, eGFR, expected (indicator, suggested mg, doses/day) or None for silent)
FDA_EDGES = [
    (B, "FDA", 29.9, (CRIT, None, None)), (B, "FDA", 30, (WARN, 1, 1)), (B, "FDA", 59.9, (WARN, 1, 1)),
    (B, "FDA", 60, None),
    (U, "FDA", 14.9, (CRIT, None, None)), (U, "FDA", 15, None),
]
# EMA, and tofacitinib FDA, without body weight: eGFR is the CrCl proxy (mark [P])
EMA_PROXY_EDGES = [
    (T, "FDA", 50, (WARN, 5, 1)), (T, "FDA", 50.1, None),  # USPI 2.3 Table 1: moderate RI is CLcr <= 50
    (B, "EMA", 29.9, (CRIT, None, None)), (B, "EMA", 30, (WARN, 2, 1)), (B, "EMA", 60, (WARN, 2, 1)),
    (B, "EMA", 60.1, None),
    (T, "EMA", 29.9, (WARN, 5, 1)), (T, "EMA", 30, None),
    (U, "EMA", 14.9, (CRIT, None, None)), (U, "EMA", 15, (WARN, None, None)), (U, "EMA", 29.9, (WARN, None, None)),
    (U, "EMA", 30, None),
    (F, "EMA", 14.9, (CRIT, None, None)), (F, "EMA", 15, (WARN, 100, 1)), (F, "EMA", 59.9, (WARN, 100, 1)),
    (F, "EMA", 60, None),
]


@pytest.mark.parametrize(("drug", "jur", "egfr", "expected"), FDA_EDGES + EMA_PROXY_EDGES,
                         ids=lambda v: str(v))
def test_r06_renal_band_edges(drug, jur, egfr, expected):
    found = _r06(drug, jur, egfr)
    if expected is None:
        assert found == []
        return
    [f] = found
    indicator, mg, per_day = expected
    assert f.indicator == indicator and f.status == Status.FIRED
    if indicator == CRIT:
        assert f.suggestion is not None and f.suggestion.kind == SuggestionKind.CANCEL_ORDER
    elif mg is not None:
        assert f.suggestion is not None and f.suggestion.kind == SuggestionKind.DOSE_CHANGE
        assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (mg, per_day)
    else:
        assert f.suggestion is None  # upadacitinib EMA: caution only
    if jur == "EMA" or drug == T:
        assert f.mark == Mark.P and not f.confirmed and "proxy for CrCl" in f.message


def test_egfr_45_baricitinib_fda_reduces_to_1_mg_once_daily():
    [f] = _r06(B, "FDA", 45)
    assert f.summary == "eGFR is 45 mL/min/1.73 m², so the FDA label reduces baricitinib to 1 mg once daily"
    assert (f.indicator, f.mark, f.confirmed) == (WARN, Mark.V, True)
    assert f.suggestion.label == "Change to 1 mg once daily"
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (1, 1)
    assert "eGFR 45 mL/min/1.73 m² on 2025-11-17" in f.message and "Draft dose: 2 mg once daily" in f.message


def test_egfr_45_baricitinib_ema_reduces_to_2_mg():
    [f] = _r06(B, "EMA", 45)
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (2, 1)


@pytest.mark.parametrize(
    ("weight", "expected"),
    [pytest.param(60, 2, id="crcl-60.0-reduce"), pytest.param(60.1, None, id="crcl-60.08-silent")],
)
def test_r06_ema_uses_cockcroft_gault_crcl(weight, expected):
    # male, 68 y, creatinine 1.0 mg/dL: CrCl = (140 - 68) x weight / 72 = weight
    labs = {"creatinine": meas("creatinine", 1.0), "weight": meas("weight", weight), "egfr": meas("egfr", 95)}
    found = by_rule(check_order(order(B, jurisdiction="EMA"), patient(labs=labs, birth=born_aged(68)), "EMA"), "R06")
    if expected is None:
        assert found == []
        return
    [f] = found
    assert f.summary == "CrCl is 60 mL/min, so the EMA label reduces baricitinib to 2 mg once daily"
    assert "Cockcroft-Gault" in f.message and f.mark == Mark.R  # the formula is not in the rule document


def test_r06_cockcroft_gault_applies_the_female_factor():
    labs = {"creatinine": meas("creatinine", 1.0), "weight": meas("weight", 70)}
    [f] = by_rule(check_order(order(B, jurisdiction="EMA"), patient(labs=labs, birth=born_aged(68), gender="female"),
                              "EMA"), "R06")
    assert f.summary.startswith("CrCl is 59.5 mL/min")  # 70 x 0.85 = 59.5


def test_r06_silent_when_the_draft_already_has_the_reduced_dose_but_not_when_dose_unknown():
    assert _r06(B, "FDA", 45, dose=(1, 1)) == []
    [f] = _r06(B, "FDA", 45, dose=(None, None))
    assert f.suggestion is not None and f.suggestion.dose_mg == 1


@pytest.mark.parametrize("jur", ["FDA", "EMA"])
def test_r06_no_renal_value_is_a_missing_data_warning_with_creatinine_order(jur):
    facts = patient(labs={"egfr": meas("egfr", 80, days_ago=40), "creatinine": None})
    [f] = by_rule(check_order(order(B, jurisdiction=jur), facts, jur), "R06")
    assert (f.indicator, f.status) == (WARN, Status.MISSING_DATA)
    assert f.suggestion.loinc == (("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),)
    assert "last eGFR 80 mL/min/1.73 m² on 2025-10-11" in f.message


def test_r06_adds_a_recheck_note_for_low_egfr_older_than_14_days():
    [f] = _r06(B, "FDA", 45, labs={"egfr": meas("egfr", 45, days_ago=20)})
    assert "Recheck: result older than 14 days" in f.message


def test_r06_egfr_reported_as_above_60_is_not_a_band():
    assert _r06(B, "EMA", 60, labs={"egfr": meas("egfr", 60, comparator=">")}) == []


def test_readiness_renal_band_names_the_dose_without_a_dose_change_suggestion():
    [f] = by_rule(readiness(patient(labs={"egfr": meas("egfr", 45)})), "R06")
    assert f.suggestion is None and "1 mg once daily" in f.summary


# R07 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("drug", "jur", "verdict"),
    [(B, "FDA", "not recommended"), (B, "EMA", "not recommended"), (T, "FDA", "not recommended"),
     (T, "EMA", "contraindicated"), (U, "FDA", "not recommended"), (U, "EMA", "contraindicated"),
     (F, "EMA", "not recommended")],
)
def test_r07_severe_hepatic_impairment_is_critical(drug, jur, verdict):
    [f] = by_rule(check_order(order(drug, jurisdiction=jur), patient(cond("severe-hepatic-impairment")), jur), "R07")
    assert (f.indicator, f.mark) == (CRIT, Mark.V)
    assert f.summary == f"Severe hepatic impairment is on file, so {drug} is {verdict} ({jur} label)"
    assert f.suggestion.kind == SuggestionKind.CANCEL_ORDER


def test_r07_silent_for_an_inactive_condition():
    facts = patient(cond("severe-hepatic-impairment", status="inactive"))
    assert by_rule(check_order(order(B), facts), "R07") == []


CHILD_PUGH_QUOTE = """
    XELJANZ USPI 2.3 Table 1, "Recommended Dosage in Patients with Hepatic Impairment (HI)"
    (pfizermedical.com/xeljanz/dosage-admin): "Mild HI (Child-Pugh A) | 5 mg twice daily | 11 mg once
    daily"; "Moderate HI (Child-Pugh B) | 5 mg once daily | XELJANZ tablets 5 mg once daily"; "Severe HI
    (Child-Pugh C) | Use of XELJANZ tablets/XELJANZ XR is not recommended." USPI 8.7 Hepatic Impairment
    (2017 revision, as retrieved): "the recommended dose is XELJANZ 5 mg once daily in patients with
    moderate hepatic impairment [...] use of XELJANZ/XELJANZ XR in patients with severe hepatic
    impairment is not recommended. No dose adjustment is required in patients with mild hepatic
    impairment." EMA SmPC 4.2: the hepatic passage was NOT retrieved with the search tool (only the SmPC
    opening pages were), so the EMA moderate row stays [R].
"""


def _r07(drug, jur, *items, dose=None):
    draft = order(drug, *(dose or (USUAL, USUAL)), jurisdiction=jur)
    return by_rule(check_order(draft, patient(*items), jur), "R07")


@pytest.mark.parametrize(("jur", "dose", "mark"), [("FDA", (5, 2), Mark.V), ("FDA", (11, 1), Mark.V),
                                                   ("EMA", (5, 2), Mark.R)])
def test_r07_tofacitinib_child_pugh_b_reduces_to_5_mg_once_daily(jur, dose, mark):
    [f] = _r07(T, jur, finding("child-pugh-class", "B"), dose=dose)
    assert (f.indicator, f.status, f.mark) == (WARN, Status.FIRED, mark)
    assert f.summary == f"Child-Pugh class B is on file, so the {jur} label reduces tofacitinib to 5 mg once daily"
    assert f.suggestion.kind == SuggestionKind.DOSE_CHANGE
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (5, 1)
    assert [e.display for e in f.evidence] == ["Child-Pugh class"]
    assert f"{jur} label: moderate hepatic impairment (Child-Pugh B): 5 mg once daily" in f.message


test_r07_tofacitinib_child_pugh_b_reduces_to_5_mg_once_daily.__doc__ = CHILD_PUGH_QUOTE


def test_r07_child_pugh_b_silent_at_5_mg_once_daily_and_for_baricitinib():
    cp_b = finding("child-pugh-class", "B")
    assert _r07(T, "FDA", cp_b, dose=(5, 1)) == []
    assert _r07(B, "FDA", cp_b) == []  # no moderate-impairment row in the baricitinib labels


@pytest.mark.parametrize(("drug", "jur", "verdict"), [(T, "FDA", "not recommended"), (T, "EMA", "contraindicated"),
                                                      (B, "EMA", "not recommended")])
def test_r07_child_pugh_c_is_critical(drug, jur, verdict):
    [f] = _r07(drug, jur, finding("child-pugh-class", "C"))
    assert (f.indicator, f.mark) == (CRIT, Mark.V)
    assert f.summary == f"Severe hepatic impairment is on file, so {drug} is {verdict} ({jur} label)"
    assert f.suggestion.kind == SuggestionKind.CANCEL_ORDER
    assert "Child-Pugh C (" in f.message and "Child-Pugh class not on file" not in f.message


test_r07_child_pugh_c_is_critical.__doc__ = CHILD_PUGH_QUOTE


def test_r07_child_pugh_a_outranks_the_cirrhosis_proxy():
    """USPI 8.7: "No dose adjustment is required in patients with mild hepatic impairment." A clinician's
    Child-Pugh A decides over a cirrhosis code that would otherwise be read as severe [R]."""
    assert _r07(T, "FDA", finding("child-pugh-class", "A"), cond("severe-hepatic-impairment")) == []


@pytest.mark.parametrize(("drug", "b_says"), [(T, "B: 5 mg once daily"), (B, "B: no dose change")])
def test_r07_cirrhosis_without_child_pugh_class_says_the_class_is_unknown(drug, b_says):
    [f] = _r07(drug, "FDA", cond("severe-hepatic-impairment"))
    assert f.indicator == CRIT
    assert f.message.endswith(" Child-Pugh class not on file: the diagnosis is read as severe [R]; a class would "
                              f"decide (C: as above; {b_says}; A: no change).")


def test_r07_child_pugh_class_older_than_the_clinician_window_is_not_used():
    """The class is a clinician finding: only inside the 90-day clinician window; an old B is not used."""
    assert _r07(T, "FDA", finding("child-pugh-class", "B", days_ago=120)) == []


# R08 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("alt", "bilirubin", "expected"),
    [
        pytest.param(40, None, None, id="at-uln-silent"),
        pytest.param(41, None, Indicator.INFO, id="above-uln-info"),
        pytest.param(120, None, Indicator.INFO, id="3x-uln-info"),
        pytest.param(121, None, WARN, id="above-3x-warning"),
        pytest.param(121, 2.4, WARN, id="bilirubin-2x-not-hy"),
        pytest.param(121, 2.5, CRIT, id="hy-law-critical"),
    ],
)
def test_r08_transaminase_tiers(alt, bilirubin, expected):
    labs = {"alt": meas("alt", alt, ref_high=40)}
    if bilirubin is not None:
        labs["bilirubin"] = meas("bilirubin", bilirubin, ref_high=1.2)
    found = by_rule(check_order(order(B), patient(labs=labs)), "R08")
    assert [f.indicator for f in found] == ([expected] if expected else [])
    for f in found:
        assert f.mark == Mark.P and f.confirmed is False


def test_r08_summary_names_value_and_multiple():
    [f] = by_rule(check_order(order(U), patient(labs={"ast": meas("ast", 150, ref_high=40)})), "R08")
    assert f.summary == "AST 150 U/L is 3.75 × ULN; evaluate for drug-induced liver injury before starting upadacitinib"


def test_r08_missing_liver_tests_is_a_separate_missing_data_finding():
    labs = {"alt": meas("alt", 200, ref_high=40, days_ago=40), "ast": None}
    found = by_rule(check_order(order(B), patient(labs=labs)), "R08")
    assert [(f.indicator, f.status) for f in found] == [(WARN, Status.FIRED), (WARN, Status.MISSING_DATA)]
    assert [c for c, _ in found[1].suggestion.loinc] == ["1742-6", "1920-8", "1975-2"]


def test_r08_flagged_value_without_reference_range_is_reported_not_guessed():
    labs = {"alt": meas("alt", 300, interpretation="H"), "ast": meas("ast", 30)}
    [f] = by_rule(check_order(order(B), patient(labs=labs)), "R08")
    assert (f.indicator, f.status) == (Indicator.INFO, Status.MISSING_DATA)
    assert "without a reference range" in f.summary


def test_r06_tofacitinib_fda_is_dosed_by_cockcroft_gault_creatinine_clearance():
    """Issue 11: tofacitinib FDA renal dosing is by creatinine clearance (Cockcroft-Gault from age,
    weight, sex and serum creatinine), not eGFR.

    XELJANZ USPI, 2 Dosage and Administration (2.3, Table 1, "Recommended Dosage in Patients with Renal
    Impairment (RI)"; also cited from 8.6 Renal Impairment), as retrieved from
    pfizermedical.com/xeljanz/dosage-admin: "the severity of renal impairment was defined based on
    creatinine clearance (CLcr) estimated using the Cockcroft-Gault equation: CLcr >80 mL/min (normal
    renal function); >50 and <=80 mL/min (mild renal impairment); >=30 and <=50 mL/min (moderate renal
    impairment); <30 mL/min (severe renal impairment)." Rows: "Mild RI (CLcr >50 and <=80 mL/min) | 5 mg
    twice daily | 11 mg once daily"; "Moderate RI (CLcr >=30 and <=50 mL/min) | 5 mg once daily | XELJANZ
    tablets 5 mg once daily"; "Severe RI (CLcr <30 mL/min) | 5 mg once daily | XELJANZ tablets 5 mg once
    daily". So the cut-off is CrCl <= 50 mL/min (50 itself is moderate), now [V].

    60-year-old man, 60 kg, creatinine 1.6 mg/dL: CrCl = (140-60) x 60 / (72 x 1.6) = 41.7 mL/min
    -> 5 mg once daily, though eGFR is 65."""
    [f] = _r06(T, "FDA", 65, labs={"creatinine": meas("creatinine", 1.6), "weight": meas("weight", 60)},
               birth=born_aged(60))
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (5, 1)
    assert "CrCl 41.7 mL/min (Cockcroft-Gault" in f.message
    assert f.mark == Mark.R  # the Cockcroft-Gault computation itself is [R]; the label row is [V]
    assert "FDA label: moderate or severe renal impairment (CrCl <= 50 mL/min): 5 mg once daily." in f.message


def test_r06_tofacitinib_fda_crcl_exactly_50_is_moderate_renal_impairment():
    """USPI 2.3 Table 1: "Moderate RI (CLcr >=30 and <=50 mL/min) | 5 mg once daily". A 60-year-old man
    of 72 kg with creatinine 1.6 mg/dL has CrCl (140-60) x 72 / (72 x 1.6) = 50.0 mL/min: reduced;
    73 kg gives 50.7 mL/min (mild RI): no finding."""
    labs = {"creatinine": meas("creatinine", 1.6)}
    [f] = _r06(T, "FDA", 65, labs={**labs, "weight": meas("weight", 72)}, birth=born_aged(60))
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (5, 1)
    assert f.summary == "CrCl is 50 mL/min, so the FDA label reduces tofacitinib to 5 mg once daily"
    assert _r06(T, "FDA", 65, labs={**labs, "weight": meas("weight", 73)}, birth=born_aged(60)) == []


def test_r06_says_which_cockcroft_gault_input_is_missing():
    [f] = _r06(T, "FDA", 45, gender=None)
    assert "Cockcroft-Gault could not be computed (body weight within" in f.message
    assert "sex (female/male)" in f.message


def test_r06_evidence_notes_say_which_window_a_result_missed():
    """A creatinine 14 days old is inside the 30-day renal window: the FDA rows need eGFR, not a newer date."""
    facts = patient(labs={"egfr": meas("egfr", 80, days_ago=40), "creatinine": meas("creatinine", 0.9, days_ago=14)})
    [f] = by_rule(check_order(order(B, jurisdiction="FDA"), facts, "FDA"), "R06")
    assert [e.note for e in f.evidence] == ["older than the renal window (30 days)",
                                           "within 30 days, but these label rows need eGFR"]
