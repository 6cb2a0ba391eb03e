"""The course through the service: sekmet-fhir and gunicorn as real processes, the four patients followed
24 weeks on baricitinib loaded over HTTP under ids of their own, patient-view called like an EHR calls it
(with prefetch and with the FHIR fallback). The card's extension carries the course the generator states;
the summary states the response."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from essdai_devtools.card_reading import course_summary, essdai_cards, extension
from essdai_devtools.fhir_builders import Record
from essdai_devtools.fhir_server import load_bundle
from essdai_devtools.synth_cases import core_cases

pytestmark = pytest.mark.integration

CASES = {c.pid: c for c in core_cases(large_size=10) if c.pid.startswith("course-")}
SUMMARIES = {
    "course-responder": "ESSDAI is 3 at week 24 of baricitinib vs baseline 12; response (fall ≥ 3) is met.",
    "course-non-responder": "ESSDAI is 6 at week 24 of baricitinib vs baseline 8; response (fall ≥ 3) is not met.",
    "course-straddle": "ESSDAI is 4–8 at week 24 of baricitinib vs baseline 9; response (fall ≥ 3) is not yet decided.",
    "course-stop-restart": "ESSDAI is 6 at week 12 of baricitinib vs baseline 11; response (fall ≥ 3) is met.",
}


def without_nulls(obj: Any) -> Any:
    """CDS Hooks forbids nulls: the card's extension leaves them out, so the expectation does too."""
    if isinstance(obj, dict):
        return {k: without_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [without_nulls(v) for v in obj]
    return obj


@pytest.fixture(scope="module")
def course_patients(fhir_server, assessment_date: date) -> dict[str, dict[str, Any]]:
    """case id -> {"id": the patient id on the server, "course": the generator's expected course}."""
    out = {}
    for pid, case in CASES.items():
        patient_id = f"i13-{pid}"
        record = Record(patient_id, assessment_date, random.Random(f"13:{pid}"))
        record.set_patient(gender=case.gender, age=case.age, family="Lindqvist", given="Ingrid")
        outcome = case.build(record)
        load_bundle(fhir_server.base_url, record.bundle(), token=fhir_server.token)
        out[pid] = {"id": patient_id, "course": outcome.course}
    return out


@pytest.mark.parametrize("mode", ["full", "none"])
@pytest.mark.parametrize("pid", sorted(CASES))
def test_patient_view_carries_the_course(ehr, course_patients, pid: str, mode: str) -> None:
    patient = course_patients[pid]
    [card] = essdai_cards(ehr.patient_view(patient["id"], mode))
    ext = extension(card)
    assert without_nulls(course_summary(ext["course"])) == without_nulls(patient["course"])
    assert card["summary"] == SUMMARIES[pid]
    assert "| Visit | ESSDAI | ESSPRI | Response |" in card["detail"]


def test_a_patient_without_history_has_no_course(ehr, course_patients, fhir_server, assessment_date) -> None:
    record = Record("i13-no-history", assessment_date, random.Random("13:none"))
    record.set_patient(gender="female", age=50, family="Rossi", given="Elena")
    next(c for c in core_cases(large_size=10) if c.pid == "sjd-rated-5").build(record)
    load_bundle(fhir_server.base_url, record.bundle(), token=fhir_server.token)
    [card] = essdai_cards(ehr.patient_view("i13-no-history", "full"))
    assert "course" not in extension(card)  # null, left out of the extension
    assert card["summary"] == "ESSDAI is 5 (moderate activity), which meets the ≥5 threshold."
