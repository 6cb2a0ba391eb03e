"""Qualitative result values -> positive (True) / negative (False), with source and mark.

Used for the qualitative analytes of `loinc.ANALYTES` only (cryoglobulins, anti-SSA, HBsAg, IGRA, hCG,
...). Anything not listed here is reported as an unrecognised result, never guessed.
"""

from __future__ import annotations

SNOMED = "http://snomed.info/sct"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

# (system, code) -> (positive, mark, source)
CODED: dict[tuple[str, str], tuple[bool, str, str]] = {
    (SNOMED, "10828004"): (True, "V", "Positive (qualifier value); jak-safety-rules §3.1, essdai-rules §6"),
    (SNOMED, "260385009"): (False, "V", "Negative (qualifier value); jak-safety-rules §3.1 [V], essdai-rules §6 [G]"),
    (SNOMED, "260373001"): (True, "V", "Detected (qualifier value); HL7 COVID-19 Library IG ValueSet detected-not-detected"),
    (SNOMED, "260415000"): (False, "V", "Not detected (qualifier value); HL7 COVID-19 Library IG ValueSet detected-not-detected"),
    (V3_INTERPRETATION, "POS"): (True, "V", "v3 ObservationInterpretation POS (FHIR core)"),
    (V3_INTERPRETATION, "NEG"): (False, "V", "v3 ObservationInterpretation NEG (FHIR core)"),
    (V3_INTERPRETATION, "DET"): (True, "V", "v3 ObservationInterpretation DET (FHIR core)"),
    (V3_INTERPRETATION, "ND"): (False, "V", "v3 ObservationInterpretation ND (FHIR core)"),
}

# Observation.interpretation codes that state the qualitative result (v3 codes, any system spelling
# of them is NOT accepted: the system must be v3-ObservationInterpretation or absent)
INTERPRETATION: dict[str, bool] = {"POS": True, "NEG": False, "DET": True, "ND": False}

# valueString, compared case-insensitively after stripping
TEXT: dict[str, bool] = {
    "positive": True,
    "negative": False,
    "pos": True,
    "neg": False,
    "detected": True,
    "not detected": False,
    "reactive": True,
    "non-reactive": False,
    "nonreactive": False,
}
