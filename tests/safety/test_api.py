"""Public API: check_order / readiness / monitoring / is_jak_inhibitor, R00 notices, JSON, robustness."""

from __future__ import annotations

import dataclasses

import pytest

import safety
from safety import RULES, check_order, is_jak_inhibitor, monitoring, readiness
from safety.labels import every_pair
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import USUAL, allergy, born_aged, by_rule, cond, meas, med, order, patient, vaccine

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"


def _everything_wrong(gender="female", age=45):
    """A patient that trips nearly every rule."""
    return patient(
        cond("sjogren"), cond("infection", display="Community-acquired pneumonia with a very long display name"),
        cond("chronic-infection"), cond("latent-tb"), cond("herpes-zoster", "inactive"), cond("vte", "inactive"),
        cond("ascvd", days_ago=30), cond("malignancy", "remission"), cond("nmsc"), cond("diverticular-disease"),
        cond("diabetes"), cond("ild"), cond("lactation"), cond("severe-hepatic-impairment"), cond("pregnancy"),
        med("probenecid", "oat3-inhibitor-strong"), med("ketoconazole", "cyp3a4-inhibitor-strong"),
        med("rifampin", "cyp3a4-inducer-strong"), med("rituximab", "biologic-dmard"),
        med("azathioprine", "potent-immunosuppressant"), med("ibuprofen", "nsaid"),
        med("prednisone", "corticosteroid", dose_mg=20, doses_per_day=1), med("ethinylestradiol", "hormonal-vte-risk"),
        meas("smoking-status", coding="http://snomed.info/sct|77176002"), meas("bmi", 32),
        *(allergy(drug) for drug in ("baricitinib", "tofacitinib", "upadacitinib", "filgotinib")),
        vaccine("zoster-live", days_ago=14), vaccine("zoster-recombinant", days_ago=200),
        labs={"lymphocytes": meas("lymphocytes", 400), "neutrophils": meas("neutrophils", 900),
              "hemoglobin": meas("hemoglobin", 7.5), "egfr": meas("egfr", 25), "weight": None,
              "alt": meas("alt", 200, ref_high=40), "bilirubin": meas("bilirubin", 3, ref_high=1.2),
              "anti-hbc": meas("anti-hbc", positive=True), "hcv-ab": meas("hcv-ab", positive=True),
              "igra": meas("igra", positive=True)},
        birth=born_aged(age), gender=gender,
    )


def _missing_everything():
    return patient(clean=False, gender="female", birth=born_aged(30))


SCENARIOS = [("everything-wrong", _everything_wrong), ("elderly", lambda: _everything_wrong("male", 80)),
             ("missing-everything", _missing_everything)]


@pytest.mark.parametrize(("drug", "jur"), every_pair())
@pytest.mark.parametrize(("name", "make"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_every_rendered_summary_is_short_and_every_message_names_its_data(drug, jur, name, make):
    facts = make()
    findings = check_order(order(drug, 8, 3, jurisdiction=jur), facts, jur) + readiness(facts, jur, drug)
    assert findings
    for f in findings:
        assert len(f.summary) < 140 and not f.summary.endswith("…"), f.summary
        assert f.message and "{" not in f.message and "{" not in f.summary
        assert f.jurisdiction == jur and f.drug == drug
        assert f.confirmed == (f.mark in (Mark.V, Mark.S))
        if f.status == Status.FIRED and f.rule not in ("R00", "R21"):
            assert f.evidence, f.rule
        f.to_json()


def test_everything_wrong_fires_every_evaluable_order_rule_for_tofacitinib():
    facts = _everything_wrong(age=70)
    fired = {f.rule for f in check_order(order(T, 10, 2), facts)}
    # R05 needs a missing CBC (the CBC here is low, not missing); R22 and R24
    # are baricitinib / upadacitinib only; R26/R27 are monitoring
    expected = {r.id for r in RULES} - {"R05", "R22", "R24", "R26", "R27"}
    assert fired == expected


@pytest.mark.parametrize(
    "draft",
    [med("methotrexate", "csdmard"), med("rituximab", "biologic-dmard"), med("prednisone", "corticosteroid")],
)
def test_non_jak_orders_get_no_findings(draft):
    assert check_order(draft, _everything_wrong()) == []
    assert check_order(draft, _everything_wrong(), "EMA") == []


@pytest.mark.parametrize(
    ("medication", "expected"),
    [
        (med("baricitinib"), True),  # by ingredient, even without the class
        (med("olumiant-brand", "jak-inhibitor"), True),  # by class
        (med("ruxolitinib"), True),
        (med("methotrexate", "csdmard"), False),
    ],
)
def test_is_jak_inhibitor(medication, expected):
    assert is_jak_inhibitor(medication) is expected


@pytest.mark.parametrize(("drug", "jur"), every_pair())
def test_r00_off_label_notice_with_active_sjogren(drug, jur):
    [f] = by_rule(check_order(order(drug, jurisdiction=jur), patient(cond("sjogren")), jur), "R00")
    assert (f.indicator, f.mark, f.status) == (Indicator.INFO, Mark.V, Status.FIRED)
    assert f.summary == f"No JAK inhibitor is licensed for Sjögren's, so the {jur} RA label rows for {drug} are applied"
    assert f.source.url == "https://doi.org/10.1186/s13063-023-07087-5"


def test_r00_silent_without_sjogren_condition():
    assert by_rule(check_order(order(B), patient()), "R00") == []


def test_filgotinib_under_fda_gives_one_not_approved_warning_only():
    [f] = check_order(order(F, 200, 1), _everything_wrong(), "FDA")
    assert (f.rule, f.indicator) == ("R00", Indicator.WARNING)
    assert f.summary == "Filgotinib is not FDA-approved, so there are no US label rows to check; set the jurisdiction to EMA " \
                        "for the EU rows"
    assert [x.rule for x in readiness(_everything_wrong(), "FDA", F)] == ["R00"]


def test_unknown_jurisdiction_gives_one_warning_and_lowercase_is_accepted():
    [f] = check_order(order(B), patient(), "PMDA")
    assert (f.rule, f.indicator, f.jurisdiction) == ("R00", Indicator.WARNING, "PMDA")
    assert check_order(order(B, 4, 1, jurisdiction="EMA"), patient(), "ema") == []


def test_jak_inhibitor_without_label_rows_says_the_checks_did_not_run():
    [f] = check_order(order("ruxolitinib", 10, 2), _everything_wrong())
    assert (f.rule, f.indicator) == ("R00", Indicator.WARNING)
    assert "no label rows" in f.summary


def test_readiness_on_a_clean_patient_is_empty_and_lists_missing_baseline_otherwise():
    assert readiness(patient()) == []
    found = readiness(_missing_everything(), "FDA", B)
    assert [(f.rule, f.status) for f in found] == [
        ("R05", Status.MISSING_DATA), ("R06", Status.MISSING_DATA), ("R08", Status.MISSING_DATA),
        ("R11", Status.MISSING_DATA), ("R12", Status.MISSING_DATA), ("R13", Status.MISSING_DATA),
        ("R16", Status.MISSING_DATA), ("R26", Status.MISSING_DATA)]
    assert all(f.suggestion.kind == SuggestionKind.ORDER_TEST for f in found)
    assert all(f.order_reference is None for f in found)


def test_readiness_never_suggests_dose_changes_or_cancellations():
    for drug, jur in every_pair():
        for f in readiness(_everything_wrong(), jur, drug):
            assert f.suggestion is None or f.suggestion.kind == SuggestionKind.ORDER_TEST


def test_order_findings_carry_the_draft_reference():
    findings = check_order(order(B, 8, 1), _everything_wrong())
    assert {f.order_reference for f in findings} == {"MedicationRequest/draft-1"}


def test_to_json_shape():
    [f] = by_rule(check_order(order(B), patient(labs={"lymphocytes": meas("lymphocytes", 400, days_ago=5)})),
                  "R02")
    j = f.to_json()
    assert list(j)[:6] == ["rule", "drug", "jurisdiction", "indicator", "status", "summary"]
    assert j["rule"] == "R02" and j["indicator"] == "critical" and j["status"] == "fired" and j["mark"] == "V"
    assert j["confirmed"] is True
    assert j["evidence"][0] == {"reference": j["evidence"][0]["reference"], "display": "lymphocytes", "value": 400,
                                "unit": "/uL", "date": "2025-11-15", "code": "http://loinc.org|test-lymphocytes"}
    assert j["suggestion"] == {"kind": "cancel-order", "label": "Cancel the baricitinib order",
                               "reason": "ALC below the start threshold"}
    assert j["orderReference"] == "MedicationRequest/draft-1"
    assert j["source"]["section"].startswith("Dosage and Administration")
    assert all(v is not None for v in j.values())


def test_to_json_keeps_confirmed_false_and_drops_nones():
    [f] = by_rule(readiness(patient(labs={"lymphocytes": None})), "R05")
    j = f.to_json()
    assert j["confirmed"] is False and "orderReference" not in j
    assert j["suggestion"]["loinc"][0] == {"code": "58410-2", "display": "CBC panel - Blood by Automated count"}


def test_a_failing_rule_becomes_a_could_not_check_warning(monkeypatch):
    def boom(rule, ctx):
        raise KeyError("unexpected")

    broken = dataclasses.replace(RULES[2], check=boom)
    monkeypatch.setattr(safety, "RULES", (broken,))
    [f] = check_order(order(B), patient())
    assert (f.rule, f.indicator, f.status, f.confirmed) == ("R02", Indicator.WARNING, Status.MISSING_DATA, False)
    assert f.summary == "R02 (ALC below the initiation threshold) could not be checked"


def test_monitoring_runs_per_drug_and_jurisdiction():
    facts = patient(med(T, "jak-inhibitor", start_days_ago=200), labs={"lipid-panel": None})
    found = monitoring(facts, "EMA")
    assert {(f.drug, f.jurisdiction) for f in found} == {(T, "EMA")}
    assert monitoring(patient(med(F, "jak-inhibitor", start_days_ago=200)), "FDA")[0].rule == "R00"


def test_usual_dose_sentinel_is_the_label_dose():
    assert (order(B, USUAL, USUAL, jurisdiction="EMA").dose_mg, order(B).dose_mg) == (4, 2)


def test_an_order_recognised_by_name_says_so_on_every_finding():
    """Never silent: a drug identified only by its name is flagged on each card (issue 11 point 2)."""
    from dataclasses import replace as _replace

    import safety as _safety
    from tests.safety.safety_factories import order as _order
    from tests.safety.safety_factories import patient as _patient

    facts = _patient(labs={"lymphocytes": None})  # no lymphocyte count: a missing-data finding
    coded = _order("baricitinib")
    named = _replace(coded, recognised_by="name", code="", display="Olumiant 2 mg tablet")
    by_code = _safety.check_order(coded, facts, "FDA")
    by_name = _safety.check_order(named, facts, "FDA")
    assert [(f.rule, f.indicator, f.status) for f in by_name] == [(f.rule, f.indicator, f.status) for f in by_code]
    said = "The drug was recognised by name (\u201cOlumiant 2 mg tablet\u201d), not by a code: check the order's coding."
    assert by_name and all(f.message.endswith(said) for f in by_name)
    assert all(any(e.note and "recognised by name" in e.note for e in f.evidence) for f in by_name)
    assert not any("recognised by name" in f.message for f in by_code)


def test_r00_fda_says_the_ra_indication_is_limited_to_tnf_blocker_failure():
    """FDA 2021 JAK-inhibitor labelling: RA "when 1 or more medicines called TNF blockers have been used
    and did not work well or cannot be tolerated" (drugs.com, tofacitinib)."""
    import safety as _safety
    from tests.safety.safety_factories import cond as _cond
    from tests.safety.safety_factories import order as _order
    from tests.safety.safety_factories import patient as _patient

    facts = _patient(_cond("sjogren"))
    [fda] = [f for f in _safety.check_order(_order("baricitinib"), facts, "FDA") if f.rule == "R00"]
    [ema] = [f for f in _safety.check_order(_order("baricitinib", jurisdiction="EMA"), facts, "EMA") if f.rule == "R00"]
    sentence = "FDA: the RA indication is limited to an inadequate response or intolerance to one or more TNF blockers."
    assert sentence in fda.message and sentence not in ema.message


def test_only_if_no_suitable_alternative_offers_that_override_reason():
    """jak-safety-rules.md §1.8 (EMA Article 20 JAKi review, [V]): "JAK inhibitors should be used only if
    no suitable alternative exists in" patients aged 65 or over (among others); the card offers that as
    its override reason."""
    import safety as _safety
    from safety.model import OVERRIDE_NO_ALTERNATIVE
    from tests.safety.safety_factories import born_aged as _born_aged
    from tests.safety.safety_factories import order as _order
    from tests.safety.safety_factories import patient as _patient

    found = _safety.check_order(_order("baricitinib", jurisdiction="EMA"), _patient(birth=_born_aged(70)), "EMA")
    [r21] = [f for f in found if f.rule == "R21"]
    assert "no suitable alternative" in r21.summary.lower() + r21.message.lower()
    assert OVERRIDE_NO_ALTERNATIVE in r21.override_reasons
    assert all(OVERRIDE_NO_ALTERNATIVE not in f.override_reasons for f in found
               if "alternative" not in (f.summary + f.message).lower())
