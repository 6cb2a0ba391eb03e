"""LOINC and result-value tables: every documented code is present, marked and mapped to its analyte."""

import pytest

from fhir_mappings.code_tables import loinc, result_values

# analyte -> LOINC codes, as listed in essdai-rules §5.1 and jak-safety-rules §3.1
DOCUMENTED = {
    "temperature": "8310-5", "weight": "29463-7", "neutrophils": "751-8 26499-4 753-4",
    "lymphocytes": "731-0 26474-7 732-8", "neutrophils-pct": "770-8", "lymphocytes-pct": "736-9",
    "platelets": "777-3 26515-7", "hemoglobin": "718-7 59260-0", "wbc": "6690-2 26464-8", "igg": "2465-3",
    "c3": "4485-9", "c4": "4498-2", "ch50": "4532-8", "cryoglobulins": "5117-7 12201-0",
    "monoclonal-component": "33358-3 25700-6", "ck": "2157-6", "proteinuria-24h": "2889-4",
    "upcr": "2890-2 34366-5", "egfr": "33914-3 62238-1 98979-8 48642-3 48643-1", "dlco-pct": "98130-8",
    "dlco": "19911-7", "dlco-predicted": "19910-9", "fvc-pct": "19872-1 19871-3 19873-9",
    "fvc": "19870-5 19868-9", "fvc-predicted": "19869-7", "nyha": "88020-3",
    "anti-ssa": "17792-3 8093-7 33569-5 5352-0 53018-8 53019-6 53017-0 56549-9", "haematuria": "5794-3 13945-1",
    "anti-ssb": "8094-5 17791-5 5354-6", "rf": "11572-5",  # issue 12 (public code lists, P)
    "creatinine": "2160-0", "alt": "1742-6", "ast": "1920-8", "bilirubin": "1975-2", "cholesterol": "2093-3",
    "ldl": "13457-7 18262-6", "hdl": "2085-9", "triglycerides": "2571-8", "lipid-panel": "24331-1",
    "hbsag": "5195-3 5196-1", "anti-hbc": "16933-4 13952-7", "anti-hbs": "22322-2 16935-9",
    "hbv-dna": "42595-9 29615-2", "hcv-ab": "16128-1 13955-0", "hcv-rna": "11011-4", "igra": "71773-6 45323-3",
    "pregnancy-status": "82810-3", "hcg": "2106-3 2118-8", "smoking-status": "72166-2", "bmi": "39156-5",
    "systolic-bp": "8480-6",
}


@pytest.mark.parametrize(("analyte", "codes"), sorted(DOCUMENTED.items()))
def test_documented_loinc_codes_map_to_their_analyte(analyte, codes):
    assert loinc.codes_for(analyte) == tuple(codes.split())


def test_no_undocumented_loinc_code_and_every_row_marked():
    assert set(loinc.CODES) == {c for codes in DOCUMENTED.values() for c in codes.split()}
    assert set(loinc.ANALYTES) == set(DOCUMENTED)
    assert all(row.mark in {"V", "S", "P", "R", "G"} and row.source for row in loinc.CODES.values())


@pytest.mark.parametrize(
    ("code", "mark"),
    [("59260-0", "G"), ("5794-3", "G"), ("13945-1", "G"), ("753-4", "R"), ("732-8", "R"), ("731-0", "V")],
)
def test_confidence_marks_follow_the_docs(code, mark):
    assert loinc.CODES[code].mark == mark


def test_qualitative_value_codes():
    assert result_values.CODED[(result_values.SNOMED, "10828004")][0] is True
    assert result_values.CODED[(result_values.SNOMED, "260385009")][0] is False
    assert all(mark in {"V", "G"} for _, mark, _ in result_values.CODED.values())
