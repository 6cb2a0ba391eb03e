"""Never silent (issue 11 point 3): every rule that reads a result says on its card when it could not
use the newest one: a unit it cannot convert, a censored value that does not settle its threshold, a
result form it does not read. Fed as FHIR JSON through fhir_mappings.extract, as the service does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import fhir_mappings
import safety
from fhir_mappings.code_tables import medications as table
from safety.unreadable import READS

TODAY = date(2026, 1, 15)
UCUM = "http://unitsofmeasure.org"
# analyte -> (LOINC, a readable unit) for the analytes the rules read
LOINC = {"lymphocytes": ("731-0", "10*3/uL"), "neutrophils": ("751-8", "10*3/uL"), "hemoglobin": ("718-7", "g/dL"),
         "egfr": ("62238-1", "mL/min/{1.73_m2}"), "creatinine": ("2160-0", "mg/dL"), "alt": ("1742-6", "U/L"),
         "ast": ("1920-8", "U/L"), "igra": ("71773-6", None), "hbsag": ("5195-3", None), "anti-hbc": ("16933-4", None),
         "hcv-ab": ("16128-1", None), "hcg": ("2106-3", None)}
RULE_OF = {analytes[0]: rule for rule, analytes in READS.items()}


def _obs(analyte: str, **value) -> dict:
    return {"resourceType": "Observation", "id": f"o-{analyte}", "status": "final",
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": (TODAY - timedelta(days=2)).isoformat(),
            "code": {"coding": [{"system": "http://loinc.org", "code": LOINC[analyte][0]}]}, **value}


def _findings(obs: dict, drug_code: str = "2047232") -> list:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1980-05-01", "gender": "female"}
    facts = fhir_mappings.extract([patient, obs], as_of=TODAY, patient_id="p")
    order = {"resourceType": "MedicationRequest", "id": "o", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p"},
             "medicationCodeableConcept": {"coding": [{"system": table.RXNORM, "code": drug_code}]},
             "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                    "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "mg"}}]}]}
    [fact], _ = fhir_mappings.draft_orders({"resourceType": "Bundle", "entry": [{"resource": order}]})
    return safety.check_order(fact, facts, "FDA")


def _missing_data(findings: list, rule: str) -> list[str]:
    return [f.summary for f in findings if f.rule == rule and str(f.status) == "missing-data"]


@pytest.mark.parametrize("rule", sorted(READS))
def test_every_rule_that_reads_a_result_names_an_unreadable_unit(rule):
    analyte = READS[rule][0]
    if LOINC[analyte][1] is None:  # qualitative: a number without a cut-off is the unreadable form
        obs = _obs(analyte, valueQuantity={"value": 3.2, "unit": "mg/furlong"})
        reason = f"index value 3.2 mg/furlong for {analyte} without a reference range (cut-off): result not read"
    else:
        obs = _obs(analyte, valueQuantity={"value": 3.2, "unit": "mg/furlong"})
        reason = f"unknown unit 'mg/furlong' for {analyte}"
    [f] = [f for f in _findings(obs) if f.rule == rule and "mg/furlong" in f.summary]
    assert str(f.status) == "missing-data" and str(f.indicator) == "warning"
    assert f"3.2 mg/furlong on {TODAY - timedelta(days=2)}, Observation/o-{analyte}) could not be used: {reason}." \
        in f.message


@pytest.mark.parametrize("rule", sorted(READS))
def test_every_rule_that_reads_a_result_names_an_unknown_result_form(rule):
    analyte = READS[rule][0]
    obs = _obs(analyte, valueString="see scanned report") if LOINC[analyte][1] is None else \
        _obs(analyte, valueBoolean=True)
    shown = "valueString 'see scanned report'" if LOINC[analyte][1] is None else "valueBoolean True"
    got = [s for s in _missing_data(_findings(obs), rule) if shown in s]
    assert len(got) == 1, _missing_data(_findings(obs), rule)


@pytest.mark.parametrize(("rule", "obs", "summary"), [
    ("R02", _obs("lymphocytes", valueQuantity={"value": 2, "comparator": "<", "unit": "10*3/uL", "system": UCUM,
                                               "code": "10*3/uL"}),
     "ALC <2000/mm³ cannot be compared with the baricitinib threshold (< 500/mm³), so it was not checked"),
    ("R03", _obs("neutrophils", valueQuantity={"value": 5, "comparator": "<", "unit": "10*3/uL", "system": UCUM,
                                               "code": "10*3/uL"}),
     "ANC <5000/mm³ cannot be compared with the baricitinib threshold (< 1000/mm³), so it was not checked"),
    ("R04", _obs("hemoglobin", valueQuantity={"value": 12, "comparator": "<", "unit": "g/dL", "system": UCUM,
                                              "code": "g/dL"}),
     "Hb <12 g/dL cannot be compared with the baricitinib threshold (< 8 g/dL), so it was not checked"),
    ("R06", _obs("egfr", valueQuantity={"value": 90, "comparator": "<", "unit": "mL/min/{1.73_m2}", "system": UCUM,
                                        "code": "mL/min/{1.73_m2}"}),
     "eGFR <90 mL/min/1.73 m² cannot be compared with the baricitinib threshold (< 30 mL/min/1.73 m²), so it "
     "was not checked"),
    ("R12", _obs("hbsag", valueQuantity={"value": 1.0, "unit": "S/CO"}, referenceRange=[{"high": {"value": 1.0}}]),
     "The newest HBsAg result (1.0 S/CO) could not be used, so the baricitinib check 'Hepatitis B' was not made"),
])
def test_an_unsettling_comparator_or_index_gives_the_missing_data_card(rule, obs, summary):
    assert summary in _missing_data(_findings(obs), rule)


@pytest.mark.parametrize(("obs", "rule", "expected"), [
    (_obs("lymphocytes", valueQuantity={"value": 0.5, "comparator": "<=", "unit": "10*3/uL", "system": UCUM,
                                        "code": "10*3/uL"}), "R02", ("critical", "fired")),
    (_obs("hbsag", valueString="POSITIVE"), "R12", ("critical", "fired")),
    (_obs("hbsag", valueQuantity={"value": 12.5, "unit": "S/CO"}, referenceRange=[{"high": {"value": 1.0}}]), "R12",
     ("critical", "fired")),
    (_obs("hbsag", valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "10828004"}]}),
     "R12", ("critical", "fired")),
])
def test_settled_values_decide(obs, rule, expected):
    got = {(str(f.indicator), str(f.status)) for f in _findings(obs) if f.rule == rule}
    assert expected in got


def test_alt_in_lower_case_iu_per_litre_is_read():
    """UCUM has both [IU] and [iU] for the international unit (hl7.org/fhir ValueSet ucum-common)."""
    facts = fhir_mappings.extract([_obs("alt", valueQuantity={"value": 200, "unit": "[iU]/L", "system": UCUM,
                                                              "code": "[iU]/L"})], as_of=TODAY, patient_id="p")
    [m] = facts.series("alt")
    assert (m.value, m.unit, facts.skipped) == (200, "U/L", ())


# --- the README table "What each safety rule reads", built from the tables the code uses ---------------
from fhir_mappings import units  # noqa: E402
from fhir_mappings.code_tables import loinc  # noqa: E402
from safety.unreadable import label  # noqa: E402

_FORMS = {
    "quantity": "number (with a comparator only when it settles the threshold)",
    "qualitative": "coded, text, interpretation, index against its cut-off",
}


def _units(analyte: str) -> str:
    spec = units.ANALYTE_UNITS.get(analyte)
    if spec is None or spec.canonical is None:
        return "any (read against the result's own cut-off)"
    codes = sorted(spec.factors, key=lambda u: (u != spec.canonical, u))
    return ", ".join(f"`{u}`" for u in codes)


def rows() -> list[str]:
    """Markdown rows: | rule | result | LOINC | units converted | result forms |"""
    out = []
    for rule, analytes in sorted(READS.items()):
        for analyte in analytes:
            codes = ", ".join(c for c in loinc.codes_for(analyte))
            forms = "; ".join(_FORMS[v] for v in ("quantity", "qualitative")
                              if v in loinc.ANALYTES[analyte].values and
                              (v != "quantity" or units.CANONICAL_UNIT.get(analyte) is not None))
            out.append(f"| {rule} | {label(analyte)} | {codes} | {_units(analyte)} | {forms} |")
    return out


def test_the_readme_table_of_what_each_rule_reads_is_true():
    """README "What each safety rule reads": rule -> result -> LOINC codes, units converted, result forms."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### What each safety rule reads", 1)[1].split("\n\n### ", 1)[0]
    got = [line for line in table.splitlines() if line.startswith("| R")]
    assert got == rows()


def test_an_unreadable_child_pugh_class_is_said_on_the_hepatic_card():
    """R07 reads the clinician's Child-Pugh class (A/B/C); a value it cannot read is not silence."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1980-05-01", "gender": "female"}
    obs = {"resourceType": "Observation", "id": "cp", "status": "final", "subject": {"reference": "Patient/p"},
           "effectiveDateTime": (TODAY - timedelta(days=2)).isoformat(), "valueString": "b",
           "code": {"coding": [{"system": "http://essdai-cds.org/fhir/CodeSystem/essdai",
                                "code": "child-pugh-class"}]}}
    facts = fhir_mappings.extract([patient, obs], as_of=TODAY, patient_id="p")
    order = {"resourceType": "MedicationRequest", "id": "o", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p"},
             "medicationCodeableConcept": {"coding": [{"system": table.RXNORM, "code": "1357536"}],
                                           "text": "tofacitinib 5 mg tablet"}}
    [fact], _ = fhir_mappings.draft_orders({"resourceType": "Bundle", "entry": [{"resource": order}]})
    got = _missing_data(safety.check_order(fact, facts, "FDA"), "R07")
    assert got == ["The newest Child-Pugh class result (valueString 'b') could not be used, so the tofacitinib check "
                   "'Hepatic impairment' was not made"]
