"""Observation JSON -> Measurement / Finding / Skipped."""

from datetime import date

import pytest

from fhir_mappings.facts import Finding, Measurement, Skipped
from fhir_mappings.observations import read_observations

from .builders import LOINC, PROJECT, SCT, component, concept, obs, qty

V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DAY = date(2026, 11, 20)


def read(*resources, **kw):
    return read_observations(list(resources), **kw)


def only(measurements, analyte):
    found = [m for m in measurements if m.analyte == analyte]
    assert len(found) == 1, found
    return found[0]


# --- relevance: code + system, never display ---------------------------------------------------------
def test_lymphocyte_count_becomes_a_measurement_in_canonical_unit():
    ms, fs, sk = read(obs("l1", "731-0", 0.4, "10*9/L"))
    assert ms == [Measurement(
        analyte="lymphocytes", date=DAY, reference="Observation/l1", code=f"{LOINC}|731-0",
        display="Lymphocytes [#/volume] in Blood by Automated count", value=400.0, unit="/uL",
        original="0.4 10*9/L",
    )]
    assert (fs, sk) == ([], [])


def test_display_text_is_never_matched():
    wrong_code = obs("x", "99999-9", 0.4, "10*9/L", display="Lymphocytes")
    wrong_code["code"]["text"] = "Lymphocytes"
    assert read(wrong_code) == ([], [], [])


def test_system_must_be_loinc_cdc_race_code_2157_6_is_ignored():
    race = obs("r", "2157-6", system="urn:oid:2.16.840.1.113883.6.238", valueString="Guatemalan")
    ck = obs("ck", "2157-6", 150, "U/L")
    ms, _, sk = read(race, ck)
    assert [(m.analyte, m.reference, m.value) for m in ms] == [("ck", "Observation/ck", 150.0)]
    assert sk == []


def test_irrelevant_observations_are_silently_ignored_even_when_broken():
    junk = obs("j", "8867-4", 72, "/min", status="preliminary", when=None)
    assert read(junk) == ([], [], [])


# --- status, date, data absent -------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["final", "amended", "corrected"])
def test_usable_statuses(status):
    ms, _, sk = read(obs("a", "718-7", 11.2, "g/dL", status=status))
    assert [m.value for m in ms] == [11.2] and sk == []


@pytest.mark.parametrize("status", ["preliminary", "registered", "cancelled", "entered-in-error", "unknown"])
def test_other_statuses_are_skipped_with_reason(status):
    ms, _, sk = read(obs("a", "718-7", 11.2, "g/dL", status=status))
    assert ms == [] and sk == [Skipped("Observation/a", f"status {status!r}")]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"effectiveDateTime": "2026-11-03T23:59:00-05:00"}, date(2026, 11, 3), id="dateTime-local-date"),
        pytest.param({"effectiveDateTime": "2026-11-03"}, date(2026, 11, 3), id="date"),
        pytest.param({"effectivePeriod": {"start": "2026-11-01", "end": "2026-11-02T07:00:00Z"}}, date(2026, 11, 2),
                     id="period-end"),
        pytest.param({"effectivePeriod": {"start": "2026-11-01"}}, date(2026, 11, 1), id="period-start-only"),
        pytest.param({"issued": "2026-11-04T10:00:00Z"}, date(2026, 11, 4), id="issued"),
        pytest.param({"effectiveInstant": "2026-11-05T10:00:00Z"}, date(2026, 11, 5), id="instant"),
    ],
)
def test_effective_date_sources(fields, expected):
    ms, _, _ = read(obs("a", "718-7", 11.2, "g/dL", when=None, **fields))
    assert ms[0].date == expected


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        pytest.param({}, "no effective date", id="none"),
        pytest.param({"effectiveDateTime": "2026-11"}, "effective date '2026-11' is not a full date", id="partial"),
    ],
)
def test_observation_without_a_usable_date_is_skipped(fields, reason):
    ms, _, sk = read(obs("a", "718-7", 11.2, "g/dL", when=None, **fields))
    assert ms == [] and sk == [Skipped("Observation/a", reason)]


def test_data_absent_reason_is_skipped():
    o = obs("a", "718-7", dataAbsentReason=concept("http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                                   "not-performed"))
    assert read(o) == ([], [], [Skipped("Observation/a", "data absent (not-performed)")])


def test_relevant_observation_without_value_is_skipped():
    assert read(obs("a", "718-7")) == ([], [], [Skipped("Observation/a", "no value for hemoglobin")])


# --- units ---------------------------------------------------------------------------------------------
def test_unknown_unit_is_skipped_and_reported():
    ms, _, sk = read(obs("a", "731-0", 0.4, "mg/furlong"))
    assert ms == [] and sk == [Skipped("Observation/a", "unknown unit 'mg/furlong' for lymphocytes")]


def test_percentage_for_an_absolute_count_is_the_wrong_kind():
    ms, _, sk = read(obs("a", "731-0", 12, "%"))
    assert ms == [] and sk == [Skipped(
        "Observation/a", "unit '%' (percentage) is the wrong kind for lymphocytes (expects /uL)")]


def test_non_ucum_unit_text_goes_through_the_alias_table():
    o = obs("a", "751-8", valueQuantity={"value": 1.2, "unit": "x10E3/uL"})
    ms, _, _ = read(o)
    assert (ms[0].value, ms[0].unit, ms[0].original) == (1200.0, "/uL", "1.2 x10E3/uL")


def test_value_integer_without_unit_is_not_guessed():
    ms, _, sk = read(obs("a", "731-0", valueInteger=400))
    assert ms == [] and sk == [Skipped("Observation/a", "no unit for lymphocytes (valueInteger)")]


# --- comparator, reference range, interpretation ---------------------------------------------------------
@pytest.mark.parametrize("comparator", ["<", "<=", ">", ">="])
def test_comparator_is_kept(comparator):
    o = obs("a", "42595-9", valueQuantity=qty(10, "[IU]/mL", comparator=comparator))
    m = read(o)[0][0]
    assert (m.value, m.comparator, m.unit, m.original) == (10.0, comparator, "[IU]/mL", f"{comparator}10 [IU]/mL")


def test_reference_range_is_converted_to_the_canonical_unit():
    o = obs("c3", "4485-9", 0.7, "g/L", referenceRange=[{"low": qty(0.9, "g/L"), "high": qty(1.8, "g/L")}],
            interpretation=[concept(V3, "L")])
    m = read(o)[0][0]
    assert (m.value, m.unit, m.ref_low, m.ref_high, m.interpretation) == (70.0, "mg/dL", 90.0, 180.0, "L")


def test_reference_range_bound_without_unit_is_in_the_value_unit():
    o = obs("ck", "2157-6", 2.5, "ukat/L", referenceRange=[{"high": {"value": 3.2}}])
    m = read(o)[0][0]
    assert (m.value, m.ref_low, m.ref_high) == (150.0, None, pytest.approx(192.0))


def test_reference_range_in_an_unusable_unit_is_dropped_but_value_kept():
    o = obs("ck", "2157-6", 150, "U/L", referenceRange=[{"high": qty(3, "mg/dL")}])
    m = read(o)[0][0]
    assert (m.value, m.ref_high) == (150.0, None)


# --- qualitative and coded values ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value_field", "positive"),
    [
        pytest.param({"valueCodeableConcept": concept(SCT, "10828004")}, True, id="snomed-positive"),
        pytest.param({"valueCodeableConcept": concept(SCT, "260385009")}, False, id="snomed-negative"),
        pytest.param({"valueCodeableConcept": concept(V3, "POS")}, True, id="v3-POS"),
        pytest.param({"valueCodeableConcept": concept(V3, "NEG")}, False, id="v3-NEG"),
        pytest.param({"valueString": "Positive"}, True, id="text-Positive"),
        pytest.param({"valueString": " NEGATIVE "}, False, id="text-NEGATIVE"),
        pytest.param({"valueBoolean": True}, True, id="boolean"),
        pytest.param({"interpretation": [concept(V3, "POS")]}, True, id="interpretation-only"),
    ],
)
def test_qualitative_results(value_field, positive):
    ms, _, sk = read(obs("h", "5195-3", **value_field))
    assert sk == [] and (ms[0].analyte, ms[0].positive, ms[0].value) == ("hbsag", positive, None)


def test_quantitative_result_of_a_qualitative_analyte_keeps_lab_units_and_interpretation():
    o = obs("ssa", "17792-3", 240, "U/mL", interpretation=[concept(V3, "POS")],
            referenceRange=[{"high": qty(20, "U/mL")}])
    m = read(o)[0][0]
    assert (m.analyte, m.value, m.unit, m.positive, m.ref_high) == ("anti-ssa", 240.0, "U/mL", True, 20.0)


def test_unrecognised_qualitative_result_is_skipped():
    ms, _, sk = read(obs("cg", "5117-7", valueString="trace"))
    assert ms == [] and sk == [Skipped("Observation/cg", "unrecognised result 'trace' for cryoglobulins")]
    ms, _, sk = read(obs("cg", "5117-7", valueCodeableConcept=concept(SCT, "123")))
    assert sk == [Skipped("Observation/cg", f"unrecognised result {SCT}|123 for cryoglobulins")]


def test_text_value_for_a_numeric_analyte_is_skipped():
    assert read(obs("a", "731-0", valueString="low"))[2] == [
        Skipped("Observation/a", "a text value is not a valid result for lymphocytes")]


def test_coded_value_is_kept_as_system_code():
    m = read(obs("s", "72166-2", valueCodeableConcept=concept(SCT, "8517006")))[0][0]
    assert (m.analyte, m.coding, m.value, m.positive) == ("smoking-status", f"{SCT}|8517006", None, None)


def test_nyha_class_as_integer():
    m = read(obs("n", "88020-3", valueInteger=3))[0][0]
    assert (m.analyte, m.value, m.unit) == ("nyha", 3.0, None)


def test_lipid_panel_has_no_value_of_its_own():
    m = read(obs("lp", "24331-1"))[0][0]
    assert (m.analyte, m.value, m.positive) == ("lipid-panel", None, None)


# --- components ----------------------------------------------------------------------------------------------
def test_dlco_percent_predicted_inside_19911_7():
    o = obs("d", "19911-7", 8.27, "mmol/(min.kPa)", component=[component("98130-8", 87, "%")])
    ms, _, sk = read(o)
    assert sk == []
    assert only(ms, "dlco-pct").value == 87.0
    assert only(ms, "dlco").value == pytest.approx(8.27 * 2.987)


def test_components_of_an_unlisted_panel_are_read():
    bp = obs("bp", "85354-9", component=[component("8480-6", 150, "mm[Hg]"), component("8462-4", 95, "mm[Hg]")])
    ms, _, sk = read(bp)
    assert [(m.analyte, m.value) for m in ms] == [("systolic-bp", 150.0)] and sk == []


def test_component_problem_is_reported_with_its_code():
    o = obs("d", "19911-7", 8.27, "mmol/(min.kPa)", component=[component("98130-8", 0.87, "mg/dL")])
    _, _, sk = read(o)
    assert sk == [Skipped("Observation/d", "component 98130-8: unit 'mg/dL' (mass concentration) is the wrong kind "
                                           "for dlco-pct (expects %)")]


# --- derivations ------------------------------------------------------------------------------------------------
def test_absolute_lymphocytes_derived_from_percent_and_wbc_of_the_same_draw():
    ms, _, _ = read(obs("w1", "6690-2", 5.1, "10*3/uL"), obs("p1", "736-9", 12, "%"))
    m = only(ms, "lymphocytes")
    assert m.value == pytest.approx(612.0)
    assert (m.unit, m.reference, m.date) == ("/uL", "Observation/p1", DAY)
    assert m.derived == "12 % x WBC 5.1 10*3/uL (Observation/w1)"
    assert m.evidence().note == "12 % x WBC 5.1 10*3/uL (Observation/w1)"


def test_neutrophils_derived_when_percent_and_wbc_share_a_diagnostic_report():
    w = obs("w1", "6690-2", 4.0, "10*9/L", when="2026-11-20T08:00:00Z")
    p = obs("n1", "770-8", 25, "%", when="2026-11-20T08:05:00Z")
    ms, _, _ = read(w, p, reports={"Observation/w1": "DiagnosticReport/cbc", "Observation/n1": "DiagnosticReport/cbc"})
    assert only(ms, "neutrophils").value == pytest.approx(1000.0)


def test_no_derivation_across_different_draws():
    w = obs("w1", "6690-2", 5.1, "10*3/uL", when="2026-11-19T08:00:00Z")
    p = obs("p1", "736-9", 12, "%", when="2026-11-20T08:00:00Z")
    assert [m.analyte for m in read(w, p)[0]] == ["wbc", "lymphocytes-pct"]


def test_no_derivation_when_the_draw_has_an_absolute_count():
    ms, _, _ = read(obs("w1", "6690-2", 5.1, "10*3/uL"), obs("p1", "736-9", 12, "%"), obs("a1", "731-0", 0.6, "10*3/uL"))
    assert [(m.analyte, m.value, m.derived) for m in ms if m.analyte == "lymphocytes"] == [
        ("lymphocytes", 600.0, None)]


def test_dlco_percent_from_measured_and_predicted_observations():
    ms, _, _ = read(obs("m", "19911-7", 6.1, "mmol/(min.kPa)"), obs("pr", "19910-9", 8.2, "mmol/(min.kPa)"))
    m = only(ms, "dlco-pct")
    assert m.value == pytest.approx(6.1 / 8.2 * 100)
    assert m.derived == "measured 6.1 mmol/(min.kPa) / predicted 8.2 mmol/(min.kPa) x 100 (Observation/pr)"


def test_fvc_percent_from_measured_and_predicted_components_of_one_observation():
    o = obs("f", "19870-5", 2.4, "L", component=[component("19869-7", 3000, "mL")])
    assert only(read(o)[0], "fvc-pct").value == pytest.approx(80.0)


def test_no_dlco_derivation_when_percent_is_present():
    o = obs("d", "19911-7", 6.1, "mmol/(min.kPa)",
            component=[component("19910-9", 8.2, "mmol/(min.kPa)"), component("98130-8", 74, "%")])
    assert [m.value for m in read(o)[0] if m.analyte == "dlco-pct"] == [74.0]


# --- project CodeSystem findings -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "fields", "value", "unit"),
    [
        pytest.param("synovitis-count", {"valueInteger": 4}, 4, None, id="integer"),
        pytest.param("night-sweats", {"valueBoolean": True}, True, None, id="boolean"),
        pytest.param("pns-feature", {"valueString": "trigeminal-neuralgia"}, "trigeminal-neuralgia", None, id="string"),
        pytest.param("lymph-node-size-cm", {"valueQuantity": qty(2.5, "cm")}, 2.5, "cm", id="decimal-cm"),
        pytest.param("lymph-node-size-cm", {"valueQuantity": qty(25, "mm")}, 2.5, "cm", id="decimal-mm-to-cm"),
        pytest.param("esspri-fatigue", {"valueQuantity": {"value": 6.5}}, 6.5, None, id="unitless-decimal"),
        pytest.param("esspri-pain", {"valueInteger": 7}, 7.0, None, id="decimal-as-integer"),
        pytest.param("articular", {"valueInteger": 2}, 2, None, id="domain-rating"),
        pytest.param("child-pugh-class", {"valueString": "B"}, "B", None, id="child-pugh-class"),
    ],
)
def test_project_codesystem_findings(code, fields, value, unit):
    ms, fs, sk = read(obs("f", code, system=PROJECT, **fields))
    assert (ms, sk) == ([], [])
    assert fs == [Finding(code, value, DAY, "Observation/f", unit)]


@pytest.mark.parametrize(
    ("code", "fields", "reason"),
    [
        pytest.param("no-such-code", {"valueInteger": 1}, "unknown code 'no-such-code' in the project CodeSystem",
                     id="unknown-code"),
        pytest.param("synovitis-count", {"valueString": "4"}, "synovitis-count needs valueInteger", id="wrong-type"),
        pytest.param("night-sweats", {"valueInteger": 1}, "night-sweats needs valueBoolean", id="int-for-boolean"),
        pytest.param("pns-feature", {"valueString": "tingling"},
                     "value 'tingling' is not one of none, pure-sensory-axonal, trigeminal-neuralgia, "
                     "sensorimotor-axonal, pure-sensory-cryoglobulinaemic, ganglionopathy-mild, ganglionopathy-severe, "
                     "cidp-mild, cidp-severe, cranial-nerve-peripheral, mononeuritis-multiplex, vasculitic-neuropathy "
                     "for pns-feature", id="string-not-allowed"),
        pytest.param("parotid-size-cm", {"valueQuantity": qty(1, "[in_i]")},
                     "unit '[in_i]' is not usable for parotid-size-cm (expects cm)", id="bad-unit"),
        pytest.param("parotid-size-cm", {"valueQuantity": {"value": 3}}, "no unit for parotid-size-cm", id="no-unit"),
        pytest.param("child-pugh-class", {"valueString": "b"}, "value 'b' is not one of A, B, C for child-pugh-class",
                     id="child-pugh-lower-case"),
    ],
)
def test_project_codesystem_problems_are_skipped(code, fields, reason):
    assert read(obs("f", code, system=PROJECT, **fields)) == ([], [], [Skipped("Observation/f", reason)])


def test_project_codesystem_url_is_configurable():
    other = "https://example.org/cs/essdai"
    o = obs("f", "synovitis-count", system=other, valueInteger=3)
    assert read(o)[1] == []
    assert read(o, codesystem=other)[1] == [Finding("synovitis-count", 3, DAY, "Observation/f")]


def test_findings_respect_status():
    o = obs("f", "synovitis-count", system=PROJECT, status="preliminary", valueInteger=3)
    assert read(o) == ([], [], [Skipped("Observation/f", "status 'preliminary'")])


# --- malformed input never raises --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "broken",
    [
        {"resourceType": "Observation", "id": "b", "code": "731-0"},
        {"resourceType": "Observation", "id": "b", "code": {"coding": ["731-0"]}},
        obs("b", "731-0", valueQuantity="0.4"),
        obs("b", "731-0", valueQuantity={"value": "0.4", "unit": "10*9/L"}),
        obs("b", "731-0", 0.4, "10*9/L", referenceRange="0-1"),
        obs("b", "19911-7", component="x"),
        obs("b", "731-0", effectiveDateTime=20261120),
    ],
)
def test_malformed_observations_never_raise(broken):
    ms, fs, sk = read(broken)
    assert ms == [] or all(isinstance(m, Measurement) for m in ms)
    assert all(isinstance(s, Skipped) for s in sk)


def test_no_derivation_from_a_censored_percentage_or_when_a_censored_count_exists():
    censored_pct = obs("p1", "736-9", valueQuantity=qty(1, "%", comparator="<"))
    assert [m.analyte for m in read(obs("w1", "6690-2", 5.1, "10*3/uL"), censored_pct)[0]] == [
        "wbc", "lymphocytes-pct"]
    censored_count = obs("a1", "731-0", valueQuantity=qty(0.1, "10*3/uL", comparator="<"))
    ms, _, _ = read(obs("w1", "6690-2", 5.1, "10*3/uL"), obs("p1", "736-9", 2, "%"), censored_count)
    assert [(m.value, m.comparator) for m in ms if m.analyte == "lymphocytes"] == [(100.0, "<")]


# --- quantitative serology (issue 12): a number read against the lab's own range or flag -------------------
@pytest.mark.parametrize(
    ("code", "value", "fields", "expected"),
    [
        pytest.param("17792-3", 240, {"referenceRange": [{"high": qty(20, "U/mL")}], "interpretation": [concept(V3, "H")]},
                     ("anti-ssa", True, "positive: 240 flagged H by the lab"), id="ssa-flagged-H"),
        pytest.param("17792-3", 45, {"referenceRange": [{"high": qty(20, "U/mL")}]},
                     ("anti-ssa", True, "positive: 45 above the reference high 20"), id="ssa-above-range"),
        pytest.param("17792-3", 20, {"referenceRange": [{"high": qty(20, "U/mL")}]},
                     ("anti-ssa", False, "negative: 20 within the reference high 20"), id="ssa-at-the-limit"),
        pytest.param("17791-5", 3.1, {"referenceRange": [{"high": qty(7, "U/mL")}]},
                     ("anti-ssb", False, "negative: 3.1 within the reference high 7"), id="ssb-within"),
        pytest.param("11572-5", 64, {"referenceRange": [{"high": qty(14, "[IU]/mL")}]},
                     ("rf", True, "positive: 64 above the reference high 14"), id="rf-above"),
        pytest.param("17792-3", 12, {"interpretation": [concept(V3, "N")]},
                     ("anti-ssa", False, "negative: 12 flagged N by the lab"), id="ssa-normal-flag-no-range"),
    ],
)
def test_quantitative_serology_is_read_against_its_range_and_says_how(code, value, fields, expected):
    unit = "[IU]/mL" if code == "11572-5" else "U/mL"
    ms, _, sk = read(obs("s", code, value, unit, **fields))
    assert sk == [] and (ms[0].analyte, ms[0].positive, ms[0].derived) == expected
    assert ms[0].evidence().note == expected[2]


def test_quantitative_serology_without_range_or_flag_is_skipped_and_reported():
    ms, _, sk = read(obs("s", "17792-3", 45, "U/mL"))
    assert ms == [] and sk == [Skipped("Observation/s", "anti-ssa 45 U/mL: a number without a reference range or "
                                                        "interpretation cannot be read as positive or negative")]
    ms, _, sk = read(obs("s", "17792-3", 40, "U/mL", referenceRange=[{"high": qty(20, "U/mL")}],
                         valueQuantity={**qty(40, "U/mL"), "comparator": "<"}))
    assert ms == [] and sk == [Skipped("Observation/s", "anti-ssa <40 U/mL: <40 cannot be read against the "
                                                        "reference high 20")]


@pytest.mark.parametrize(
    ("quantity", "per_minute"),
    [pytest.param(qty(1.2, "mL/(15.min)"), 0.08, id="ucum-per-15-min"),
     pytest.param({"value": 1.5, "unit": "mL/15 min"}, 0.1, id="text-per-15-min"),
     pytest.param(qty(0.12, "mL/min"), 0.12, id="per-minute")],
)
def test_unstimulated_saliva_flow_per_15_minutes_or_per_minute(quantity, per_minute):
    ms, fs, sk = read(obs("f", "unstimulated-saliva-flow", system=PROJECT, valueQuantity=quantity))
    assert sk == [] and (fs[0].value, fs[0].unit) == (pytest.approx(per_minute), "mL/min")
