"""R22-R25 interactions and combinations, R31 dose check."""

from __future__ import annotations

import pytest

from safety import check_order
from safety.labels import every_pair
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import born_aged, by_rule, meas, med, order, patient, rule_findings

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"
CRIT, WARN, INFO = Indicator.CRITICAL, Indicator.WARNING, Indicator.INFO
PAIRS = every_pair()


PROBENECID = med("probenecid", "oat3-inhibitor-strong")


# R22 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("jur", "dose", "expected"),
    [("FDA", (2, 1), (1, 1)), ("FDA", (1, 1), None), ("EMA", (4, 1), (2, 1)), ("EMA", (2, 1), None)],
)
def test_r22_probenecid_baricitinib_dose(jur, dose, expected):
    found = rule_findings("R22", PROBENECID, jur=jur, dose=dose)
    if expected is None:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.mark) == (WARN, Mark.V)
    assert (f.suggestion.kind, f.suggestion.dose_mg, f.suggestion.doses_per_day) == (
        SuggestionKind.DOSE_CHANGE, *expected)


@pytest.mark.parametrize("drug", [T, U])
def test_r22_does_not_apply_to_other_drugs(drug):
    assert rule_findings("R22", PROBENECID, drug=drug) == []


# R23 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("jur", ["FDA", "EMA"])
@pytest.mark.parametrize(
    ("co_med", "dose", "expected"),
    [
        pytest.param(med("ketoconazole", "cyp3a4-inhibitor-strong"), (5, 2), WARN, id="ketoconazole-5-bid"),
        pytest.param(med("fluconazole", "cyp3a4-cyp2c19-inhibitor"), (11, 1), WARN, id="fluconazole-xr-11"),
        pytest.param(med("ketoconazole", "cyp3a4-inhibitor-strong"), (5, 1), None, id="already-5-once-daily"),
        pytest.param(med("rifampin", "cyp3a4-inducer-strong"), (5, 2), CRIT, id="rifampin-inducer"),
    ],
)
def test_r23_tofacitinib_cyp(jur, co_med, dose, expected):
    found = rule_findings("R23", co_med, drug=T, jur=jur, dose=dose)
    assert [f.indicator for f in found] == ([expected] if expected else [])
    if expected == WARN:
        assert (found[0].suggestion.dose_mg, found[0].suggestion.doses_per_day) == (5, 1)
        assert found[0].mark == (Mark.V if jur == "FDA" else Mark.S)


# R24 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("jur", "co_med", "expected", "mark"),
    [
        ("FDA", med("ketoconazole", "cyp3a4-inhibitor-strong"), INFO, Mark.S),
        ("EMA", med("ketoconazole", "cyp3a4-inhibitor-strong"), INFO, Mark.R),
        ("FDA", med("rifampin", "cyp3a4-inducer-strong"), WARN, Mark.R),
        ("EMA", med("rifampin", "cyp3a4-inducer-strong"), WARN, Mark.V),
    ],
)
def test_r24_upadacitinib_cyp3a4(jur, co_med, expected, mark):
    [f] = rule_findings("R24", co_med, drug=U, jur=jur)
    assert (f.indicator, f.mark) == (expected, mark)


# R25 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("drug", "jur"), PAIRS)
@pytest.mark.parametrize(
    ("co_med", "fires"),
    [
        pytest.param(med("rituximab", "biologic-dmard"), True, id="rituximab"),
        pytest.param(med("belimumab", "biologic-dmard"), True, id="belimumab"),
        pytest.param(med("azathioprine", "potent-immunosuppressant"), True, id="azathioprine"),
        pytest.param(med("ruxolitinib", "jak-inhibitor"), True, id="another-jaki"),
        pytest.param(med("methotrexate", "csdmard"), False, id="methotrexate-allowed"),
        pytest.param(med("hydroxychloroquine", "csdmard"), False, id="hcq-allowed"),
        pytest.param(med("rituximab", "biologic-dmard", status="completed"), False, id="stopped-biologic"),
    ],
)
def test_r25_combinations(drug, jur, co_med, fires):
    found = rule_findings("R25", co_med, drug=drug, jur=jur)
    assert [f.indicator for f in found] == ([CRIT] if fires else [])


def test_r25_renewing_the_same_jaki_is_not_a_combination():
    assert rule_findings("R25", med("baricitinib", "jak-inhibitor")) == []


def test_r25_one_finding_names_every_combination():
    [f] = rule_findings("R25", med("rituximab", "biologic-dmard"), med("azathioprine", "potent-immunosuppressant"))
    assert f.summary == "Combining baricitinib with azathioprine, rituximab (biologic and immunosuppressant) is not " \
                        "recommended"
    assert len(f.evidence) == 2


# R31 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("drug", "jur", "dose", "expected"),
    [
        (B, "FDA", (2, 1), None), (B, "FDA", (4, 1), (2, 1)),
        (B, "EMA", (4, 1), None), (B, "EMA", (8, 1), (4, 1)),
        (T, "FDA", (5, 2), None), (T, "FDA", (11, 1), None), (T, "FDA", (10, 2), (5, 2)),
        (T, "EMA", (5, 2), None), (T, "EMA", (11, 1), None), (T, "EMA", (11, 2), (5, 2)),
        (U, "FDA", (15, 1), None), (U, "FDA", (30, 1), (15, 1)),
        (U, "EMA", (15, 1), None), (U, "EMA", (30, 1), (15, 1)),
        (F, "EMA", (200, 1), None), (F, "EMA", (200, 2), (200, 1)),
    ],
)
def test_r31_dose_above_the_label(drug, jur, dose, expected):
    found = rule_findings("R31", drug=drug, jur=jur, dose=dose)
    if expected is None:
        assert found == []
        return
    [f] = found
    assert (f.indicator, f.status) == (WARN, Status.FIRED)
    assert (f.suggestion.kind, f.suggestion.dose_mg, f.suggestion.doses_per_day) == (
        SuggestionKind.DOSE_CHANGE, *expected)


def test_r31_recommends_the_lowest_applicable_dose():
    found = check_order(order(B, 4, 1), patient(labs={"egfr": meas("egfr", 45)}))
    [r31] = by_rule(found, "R31")
    [r06] = by_rule(found, "R06")
    assert r31.summary == "The draft baricitinib dose of 4 mg once daily is above the FDA label dose; use 1 mg once daily"
    assert "R06: eGFR 30 to < 60: 1 mg once daily" in r31.message
    assert r06.suggestion.dose_mg == r31.suggestion.dose_mg == 1


def test_r31_ema_age_and_probenecid_resolve_to_2_mg():
    [f] = rule_findings("R31", PROBENECID, jur="EMA", dose=(8, 1), birth=born_aged(70))
    assert (f.suggestion.dose_mg, f.suggestion.doses_per_day) == (2, 1)


@pytest.mark.parametrize("dose", [(None, 1), (2, None), (None, None)])
def test_r31_unknown_dose_says_it_could_not_be_checked(dose):
    draft = order(B, *dose)
    [f] = by_rule(check_order(draft, patient()), "R31")
    assert (f.indicator, f.status) == (INFO, Status.MISSING_DATA)
    assert f.summary == "The baricitinib dose could not be checked because the draft has no dose or frequency"


def test_r31_tofacitinib_ema_11_mg_prolonged_release_once_daily_is_a_licensed_dose():
    """EU package leaflet, XELJANZ 11 mg prolonged-release tablets, section 1: "XELJANZ is used to treat
    adult patients with moderate to severe active rheumatoid arthritis" (EMA; copy at oladoctor.com,
    Spain). So 11 mg once daily is no "above the EMA dose" warning (issue 11, label row fixed)."""
    assert by_rule(check_order(order(T, 11, 1, jurisdiction="EMA"), patient(), "EMA"), "R31") == []
    [f] = by_rule(check_order(order(T, 22, 1, jurisdiction="EMA"), patient(), "EMA"), "R31")
    assert f.summary == "The draft tofacitinib dose of 22 mg once daily is above the EMA label dose; use 5 mg twice daily"


def test_card_text_names_co_medications_in_words_not_class_tokens():
    """Issue 11: card text names drugs and concepts in words (no internal class tokens)."""
    found = check_order(order(B), patient(med("tnf-inhibitor", "biologic-dmard")))
    [f] = by_rule(found, "R25")
    assert "tnf-inhibitor" not in f.summary and "a TNF-α inhibitor" in f.summary


@pytest.mark.parametrize(("status", "fires"), [
    ("active", True), ("on-hold", True), ("intended", True),
    ("not-taken", False), ("stopped", False), ("completed", False), ("cancelled", False), ("draft", False),
    ("unknown", False),
])
def test_r22_reads_current_co_medications_only(status, fires):
    """A probenecid statement not taken, or an order stopped/completed/cancelled, is not a current
    co-medication (fhir_mappings.facts CURRENT_STATUSES): no dose change on its account."""
    found = rule_findings("R22", med("probenecid", "oat3-inhibitor-strong", status=status))
    assert [(f.suggestion.dose_mg, f.suggestion.doses_per_day) for f in found] == ([(1, 1)] if fires else [])


@pytest.mark.parametrize(("end_days_ago", "intent", "fires"), [
    pytest.param(30, "order", False, id="ended-last-month"),
    pytest.param(1, "order", False, id="ended-yesterday"),
    pytest.param(0, "order", True, id="ends-today"),
    pytest.param(None, "order", True, id="no-end"),
    pytest.param(None, "proposal", False, id="proposal"),
    pytest.param(None, "plan", False, id="plan"),
])
def test_r22_reads_probenecid_taken_on_the_assessment_date(end_days_ago, intent, fires):
    """Status "active" is not enough: probenecid whose course ended before the assessment date, or that
    is only proposed or planned (not an order), is not a current co-medication (fhir_mappings.facts
    not_current): no 2 mg -> 1 mg dose change on its account."""
    from dataclasses import replace

    probenecid = replace(med("probenecid", "oat3-inhibitor-strong", end_days_ago=end_days_ago), intent=intent)
    found = rule_findings("R22", probenecid)
    assert [(f.suggestion.dose_mg, f.suggestion.doses_per_day) for f in found] == ([(1, 1)] if fires else [])


def test_r22_from_fhir_a_probenecid_statement_ended_last_month_gives_no_dose_change():
    """From the FHIR resources: an "active" MedicationStatement with effectivePeriod.end a month before
    the assessment date gives no R22 finding; the same statement without an end gives the 1 mg dose."""
    import fhir_mappings
    from safety_factories import AS_OF, ago

    def statement(**period):
        return {"resourceType": "MedicationStatement", "id": "prob", "status": "active",
                "subject": {"reference": "Patient/p1"},
                "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "M04AB01"}]},
                "effectivePeriod": {"start": ago(200).isoformat(), **period}}

    def r22(resource):
        facts = fhir_mappings.extract([{"resourceType": "Patient", "id": "p1"}, resource], as_of=AS_OF,
                                      patient_id="p1")
        return [(f.suggestion.dose_mg, f.suggestion.doses_per_day)
                for f in by_rule(check_order(order(B, 2, 1), facts, "FDA"), "R22")]

    assert r22(statement(end=ago(30).isoformat())) == []
    assert r22(statement()) == [(1, 1)]
