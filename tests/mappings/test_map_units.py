"""Units as data: every accepted spelling to an exact canonical value, and the two failure kinds."""

import pytest

from fhir_mappings import units
from fhir_mappings.code_tables.loinc import ANALYTES
from fhir_mappings.units import UCUM, DimensionalityError, UndefinedUnitError, to_canonical

EXACT = pytest.approx


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected", "canonical"),
    [
        # temperature (essdai-rules §6: 37.5 C = 99.5 F; 38.5 C = 101.3 F)
        pytest.param("temperature", 38.5, "Cel", 38.5, "Cel", id="Cel"),
        pytest.param("temperature", 99.5, "[degF]", 37.5, "Cel", id="degF-99.5"),
        pytest.param("temperature", 101.3, "[degF]", 38.5, "Cel", id="degF-101.3"),
        pytest.param("temperature", 311.65, "K", 38.5, "Cel", id="kelvin"),
        pytest.param("temperature", 38.0, "°C", 38.0, "Cel", id="degree-sign-C"),
        pytest.param("temperature", 100.4, "°F", 38.0, "Cel", id="degree-sign-F"),
        # weight
        pytest.param("weight", 64, "kg", 64, "kg", id="kg"),
        pytest.param("weight", 64000, "g", 64, "kg", id="g"),
        pytest.param("weight", 100, "[lb_av]", 45.359237, "kg", id="lb_av"),
        pytest.param("weight", 100, "lb", 45.359237, "kg", id="lb-alias"),
        pytest.param("weight", 16, "[oz_av]", 0.453592368, "kg", id="oz_av"),
        # cell counts -> /uL (= /mm3)
        pytest.param("lymphocytes", 1.5, "10*3/uL", 1500, "/uL", id="10*3/uL"),
        pytest.param("lymphocytes", 1.5, "10*9/L", 1500, "/uL", id="10*9/L"),
        pytest.param("lymphocytes", 1.5, "10^3/uL", 1500, "/uL", id="10^3/uL"),
        pytest.param("lymphocytes", 1.5, "x10E3/uL", 1500, "/uL", id="x10E3/uL"),
        pytest.param("lymphocytes", 1.5, "K/uL", 1500, "/uL", id="K/uL"),
        pytest.param("lymphocytes", 1.5, "10³/µL", 1500, "/uL", id="10-superscript-3/uL"),
        pytest.param("lymphocytes", 1.5, "10^9/L", 1500, "/uL", id="10^9/L"),
        pytest.param("lymphocytes", 1.5, "x10E9/L", 1500, "/uL", id="x10E9/L"),
        pytest.param("neutrophils", 1500, "/mm3", 1500, "/uL", id="/mm3"),
        pytest.param("neutrophils", 1500, "/mm³", 1500, "/uL", id="/mm-superscript-3"),
        pytest.param("neutrophils", 1500, "{cells}/uL", 1500, "/uL", id="{cells}/uL"),
        pytest.param("neutrophils", 1500, "cells/uL", 1500, "/uL", id="cells/uL"),
        pytest.param("neutrophils", 1500, "/uL", 1500, "/uL", id="/uL"),
        pytest.param("platelets", 150, "10*9/L", 150000, "/uL", id="platelets-10*9/L"),
        pytest.param("platelets", 150, "10*3/mm3", 150000, "/uL", id="platelets-10*3/mm3"),
        pytest.param("wbc", 5.1, "10*3/uL", 5100, "/uL", id="wbc"),
        # haemoglobin -> g/dL (essdai-rules §6: 7.45 mmol/L ~ 12 g/dL)
        pytest.param("hemoglobin", 12, "g/dL", 12, "g/dL", id="g/dL"),
        pytest.param("hemoglobin", 120, "g/L", 12, "g/dL", id="g/L"),
        pytest.param("hemoglobin", 5, "mmol/L", 8.055, "g/dL", id="mmol/L"),
        pytest.param("hemoglobin", 12, "g/dl", 12, "g/dL", id="g/dl-lowercase"),
        # IgG -> g/L
        pytest.param("igg", 16, "g/L", 16, "g/L", id="igg-g/L"),
        pytest.param("igg", 1600, "mg/dL", 16, "g/L", id="igg-mg/dL"),
        pytest.param("igg", 20000, "mg/L", 20, "g/L", id="igg-mg/L"),
        # complement -> mg/dL
        pytest.param("c3", 0.9, "g/L", 90, "mg/dL", id="c3-g/L"),
        pytest.param("c4", 12, "mg/dL", 12, "mg/dL", id="c4-mg/dL"),
        pytest.param("ch50", 40, "U/mL", 40, "U/mL", id="ch50-U/mL"),
        pytest.param("ch50", 40, "[U]/mL", 40, "U/mL", id="ch50-[U]/mL"),
        # enzymes -> U/L (ukat/L x 60)
        pytest.param("ck", 150, "U/L", 150, "U/L", id="ck-U/L"),
        pytest.param("ck", 2.5, "ukat/L", 150, "U/L", id="ck-ukat/L"),
        pytest.param("ck", 2.5, "µkat/L", 150, "U/L", id="ck-µkat/L"),
        pytest.param("alt", 40, "IU/L", 40, "U/L", id="alt-IU/L"),
        # proteinuria -> g/d
        pytest.param("proteinuria-24h", 0.5, "g/(24.h)", 0.5, "g/d", id="g/(24.h)"),
        pytest.param("proteinuria-24h", 500, "mg/(24.h)", 0.5, "g/d", id="mg/(24.h)"),
        pytest.param("proteinuria-24h", 1.5, "g/d", 1.5, "g/d", id="g/d"),
        pytest.param("proteinuria-24h", 1500, "mg/d", 1.5, "g/d", id="mg/d"),
        pytest.param("proteinuria-24h", 1000, "mg/24h", 1.0, "g/d", id="mg/24h-alias"),
        # UPCR -> g/g (mg/mmol / 113.1)
        pytest.param("upcr", 0.5, "mg/mg", 0.5, "g/g", id="mg/mg"),
        pytest.param("upcr", 500, "mg/g", 0.5, "g/g", id="mg/g"),
        pytest.param("upcr", 113.1, "mg/mmol", 1.0, "g/g", id="mg/mmol"),
        pytest.param("upcr", 1, "g/g", 1, "g/g", id="g/g"),
        # GFR -> mL/min/{1.73_m2}
        pytest.param("egfr", 59, "mL/min/{1.73_m2}", 59, "mL/min/{1.73_m2}", id="egfr-ucum"),
        pytest.param("egfr", 1, "mL/s/{1.73_m2}", 60, "mL/min/{1.73_m2}", id="egfr-mL/s"),
        pytest.param("egfr", 59, "mL/min/1.73m2", 59, "mL/min/{1.73_m2}", id="egfr-alias"),
        pytest.param("egfr", 59, "mL/min", 59, "mL/min/{1.73_m2}", id="egfr-clearance"),
        # lung function
        pytest.param("dlco-pct", 65, "%", 65, "%", id="dlco-pct"),
        pytest.param("fvc-pct", 79.9, "%", 79.9, "%", id="fvc-pct"),
        pytest.param("dlco", 1, "mmol/(min.kPa)", 2.987, "mL/min/mm[Hg]", id="dlco-mmol"),
        pytest.param("fvc", 3200, "mL", 3.2, "L", id="fvc-mL"),
        # JAK safety labs
        pytest.param("creatinine", 88.4, "umol/L", 1.0000, "mg/dL", id="creatinine-umol/L"),
        pytest.param("bilirubin", 17.104, "umol/L", 1.0, "mg/dL", id="bilirubin-umol/L"),
        pytest.param("cholesterol", 5, "mmol/L", 193.35, "mg/dL", id="cholesterol-mmol/L"),
        pytest.param("triglycerides", 2, "mmol/L", 177.14, "mg/dL", id="tg-mmol/L"),
        pytest.param("hbv-dna", 20, "IU/mL", 20, "[IU]/mL", id="hbv-IU/mL"),
        pytest.param("systolic-bp", 140, "mmHg", 140, "mm[Hg]", id="sbp-mmHg"),
        pytest.param("bmi", 31, "kg/m2", 31, "kg/m2", id="bmi"),
    ],
)
def test_every_unit_variant_converts_exactly(analyte, value, unit, expected, canonical):
    got, got_unit = to_canonical(analyte, value, {"value": value, "unit": unit})
    assert got == EXACT(expected, rel=1e-3 if analyte == "creatinine" else 1e-9)
    assert got_unit == canonical


def test_ucum_code_is_preferred_over_unit_text():
    q = {"unit": "thousand per microlitre", "system": UCUM, "code": "10*3/uL"}
    assert to_canonical("lymphocytes", 0.4, q) == (EXACT(400), "/uL")


def test_unit_text_is_used_when_system_is_not_ucum():
    q = {"unit": "K/uL", "system": "http://local/units", "code": "KPERUL"}
    assert to_canonical("lymphocytes", 0.4, q) == (EXACT(400), "/uL")


@pytest.mark.parametrize(
    ("analyte", "unit", "message"),
    [
        pytest.param("lymphocytes", "mg/furlong", "unknown unit 'mg/furlong' for lymphocytes", id="unknown"),
        pytest.param("lymphocytes", None, "no unit for lymphocytes", id="no-unit"),
        # "G/L" is giga-per-litre in some labs, grams per litre in others: never case-folded
        pytest.param("platelets", "G/L", "unknown unit 'G/L' for platelets", id="ambiguous-G/L"),
    ],
)
def test_unknown_unit_is_an_undefined_unit_error(analyte, unit, message):
    with pytest.raises(UndefinedUnitError) as err:
        to_canonical(analyte, 1, {"unit": unit} if unit else {})
    assert str(err.value) == message
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("analyte", "unit", "kind"),
    [
        pytest.param("lymphocytes", "%", "percentage", id="percent-is-another-analyte"),
        pytest.param("neutrophils", "mg/dL", "mass concentration", id="mass-for-count"),
        pytest.param("proteinuria-24h", "mg/dL", "mass concentration", id="urine-concentration-needs-volume"),
        pytest.param("hemoglobin", "10*3/uL", "number concentration", id="count-for-hb"),
        pytest.param("temperature", "kg", "mass", id="mass-for-temperature"),
    ],
)
def test_known_unit_of_the_wrong_kind_is_a_dimensionality_error(analyte, unit, kind):
    with pytest.raises(DimensionalityError) as err:
        to_canonical(analyte, 1, {"unit": unit})
    assert err.value.kind == kind
    assert str(err.value) == (f"unit {unit!r} ({kind}) is the wrong kind for {analyte} "
                              f"(expects {units.CANONICAL_UNIT[analyte]})")


def test_hbv_copies_are_kept_unconverted():
    assert to_canonical("hbv-dna", 300, {"unit": "copies/mL"}) == (300.0, "{copies}/mL")


def test_qualitative_analytes_keep_numbers_as_received():
    assert to_canonical("anti-ssa", 240, {"unit": "U/mL"}) == (240.0, "U/mL")
    assert to_canonical("anti-ssa", 2.1, {"unit": "AI"}) == (2.1, "AI")


def test_every_analyte_has_a_unit_entry_and_every_alias_a_kind():
    assert set(units.ANALYTE_UNITS) == set(ANALYTES)
    assert all(code in units.KINDS for code in units.ALIASES.values())
    for spec in units.ANALYTE_UNITS.values():
        assert all(code in units.KINDS for code in spec.factors)
        if spec.canonical is not None:
            assert spec.factors[spec.canonical].factor == 1
