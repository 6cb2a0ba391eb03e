"""The readiness rules that are screening tests before a first JAK-inhibitor dose: a rule among these that says
"missing data" means a test the patient still needs before starting (what a recruiter must order).

Source: jak-safety-rules.md §5 — R11 "No TB test in the window → warning, order an IGRA" (USPI boxed warning
§2.1/§5.1, SmPC 4.4, EULAR 2022); R12/R13 "never screened → warning" (screening "in accordance with clinical
guidelines" is required by all four labels); R02–R05: "all labels require a baseline CBC with differential"
before starting (§7 windows table). [V]
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# rule id -> the test it asks for (the candidate list's "missing screening tests")
SCREENING_TESTS: Mapping[str, str] = MappingProxyType({
    "R11": "tuberculosis", "R12": "hepatitis B", "R13": "hepatitis C",
    "R02": "lymphocyte count", "R03": "neutrophil count", "R04": "haemoglobin", "R05": "baseline blood count",
})
