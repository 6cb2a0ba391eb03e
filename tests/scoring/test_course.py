"""scoring.course: the course over time and the response to a JAK inhibitor, against the generator's
own arithmetic (synth_expect.course_expectation) and hand-made edges."""

from __future__ import annotations

import json
from datetime import date

import pytest

import fhir_mappings
import scoring
from essdai_devtools.card_reading import course_summary
from essdai_devtools.synth import generate
from fhir_mappings.facts import Finding, MedicationFact, PatientFacts
from scoring.course import Course, Visit, essdai_response, esspri_since_previous
from scoring.treatment import episodes

TODAY = date(2026, 11, 20)
COURSE_PATIENTS = ["course-responder", "course-non-responder", "course-straddle", "course-stop-restart"]


@pytest.fixture(scope="module")
def cohort():
    return generate(today=TODAY, large_size=50)


def _assess(cohort, pid: str) -> dict:
    resources = [dict(e["resource"], id=e["resource"].get("id", f"r{i}")) for i, e in
                 enumerate(cohort.bundles[pid]["entry"])]
    return scoring.assess(fhir_mappings.extract(resources, as_of=TODAY, patient_id=pid)).to_json()


@pytest.mark.parametrize("pid", COURSE_PATIENTS)
def test_course_matches_the_generator(cohort, pid: str) -> None:
    got = _assess(cohort, pid)["course"]
    assert course_summary(got) == cohort.expected["patients"][pid]["course"]


def test_responder_in_numbers(cohort) -> None:
    course = _assess(cohort, "course-responder")["course"]
    assert [(v["date"], v["essdai"]["score"], v["esspri"]) for v in course["visits"]] == [
        ("2026-06-05", 12, 6.0), ("2026-07-03", 10, 5.67), ("2026-08-28", 5, 4.67), ("2026-11-20", 3, 4.0)]
    assert [v["response"] and v["response"]["essdai"]["mcii"] for v in course["visits"]] == [
        None, "not-met", "met", "met"]
    assert course["visits"][0]["components"] == {"constitutional": 1, "lymphadenopathy": 0, "glandular": 1,
                                                 "articular": 3, "cutaneous": 0, "pulmonary": 0, "renal": 0,
                                                 "muscular": 0, "pns": 0, "cns": 0, "hematological": 0,
                                                 "biological": 1}
    assert course["visits"][0]["clinessdai"] == {"score": 15, "max": 15, "category": "high"}  # 4 + 2 + 9
    assert course["response"] == {"drug": "baricitinib", "start": "2026-06-05", "weeks": 24, "essdai": {"fall": [9, 9], "mcii": "met"},
                                  "esspri": {"fall": 2.0, "percent": 33.3, "mcii": "met"}}
    assert course["treatment"]["current"]["start"] == "2026-06-05"
    assert course["criteria"]["essdaiFall"] == 3 and course["criteria"]["esspriFallPercent"] == 15.0


def test_stop_and_restart_takes_the_restart_baseline(cohort) -> None:
    course = _assess(cohort, "course-stop-restart")["course"]
    assert [(e["start"], e["stop"], e["ongoing"]) for e in course["treatment"]["episodes"]] == [
        ("2026-06-05", "2026-07-17", False), ("2026-08-28", None, True)]
    assert course["baseline"]["essdai"] == {"date": "2026-08-28", "score": 11, "max": 11, "mciiAt": 8}
    assert course["treatment"]["episodes"][0]["baseline"]["essdai"]["score"] == 10
    assert course["visits"][2]["response"] is None  # the restart visit is the new baseline
    assert course["response"]["weeks"] == 12 and course["response"]["start"] == "2026-08-28" and course["response"]["essdai"] == {"fall": [5, 5], "mcii": "met"}


def test_straddle_is_undetermined_and_old_esspri_is_not_today(cohort) -> None:
    course = _assess(cohort, "course-straddle")["course"]
    assert course["visits"][-1]["essdai"] == {"score": 4, "max": 8, "category": None}
    assert course["visits"][-1]["esspri"] is None  # the week-12 items are still in the window: not a new rating
    assert course["response"]["essdai"] == {"fall": [1, 5], "mcii": "undetermined"}


def test_no_history_gives_null(cohort) -> None:
    assert _assess(cohort, "sjd-rated-5")["course"] is None


@pytest.mark.parametrize(("baseline", "now", "expected"), [
    ((9, 9), (6, 6), ((3, 3), "met")),  # exactly the MCII
    ((9, 9), (7, 7), ((2, 2), "not-met")),
    ((9, 9), (4, 8), ((1, 5), "undetermined")),
    ((9, 9), (0, 6), ((3, 9), "met")),  # the whole range is a fall >= 3
    ((5, 5), (3, 12), ((-7, 2), "not-met")),
    ((8, 12), (6, 6), ((2, 6), "undetermined")),  # a baseline range
])
def test_essdai_response_edges(baseline, now, expected) -> None:
    assert essdai_response(baseline, now) == expected


def _med(ref: str, start: date, end: date | None, status: str, drug: str = "baricitinib") -> MedicationFact:
    return MedicationFact(ingredient=drug, classes=frozenset({"jak-inhibitor"}), code="x|1", display=drug,
                          reference=ref, resource_type="MedicationRequest", status=status, start=start, end=end)


def test_episodes_merge_renewals_and_split_on_a_stop() -> None:
    facts = PatientFacts(patient_id="p", as_of=TODAY, medications=(
        _med("MedicationRequest/a", date(2026, 1, 1), None, "completed"),  # renewed by b: one episode
        _med("MedicationRequest/b", date(2026, 3, 1), date(2026, 5, 1), "stopped"),
        _med("MedicationRequest/c", date(2026, 8, 1), None, "active"),
        _med("MedicationRequest/d", date(2026, 9, 1), None, "draft"),  # not taken
        _med("MedicationRequest/e", date(2026, 10, 1), None, "active", drug="tofacitinib"),
    ))
    got, warnings = episodes(facts)
    assert [(e.drug, e.start, e.stop, e.ongoing, e.references) for e in got] == [
        ("baricitinib", date(2026, 1, 1), date(2026, 5, 1), False, ("MedicationRequest/a", "MedicationRequest/b")),
        ("baricitinib", date(2026, 8, 1), None, True, ("MedicationRequest/c",)),
        ("tofacitinib", date(2026, 10, 1), None, True, ("MedicationRequest/e",)),
    ]
    assert warnings == []


def test_a_planned_or_proposed_jak_inhibitor_starts_no_episode() -> None:
    """An "active" request with intent plan or proposal was never an order to take the drug: no course baseline."""
    import dataclasses

    planned = dataclasses.replace(_med("MedicationRequest/p", date(2026, 8, 1), None, "active"), intent="plan")
    proposed = dataclasses.replace(_med("MedicationRequest/q", date(2026, 9, 1), None, "active"), intent="proposal")
    ordered = dataclasses.replace(_med("MedicationRequest/o", date(2026, 10, 1), None, "active"), intent="order")
    got, _warnings = episodes(PatientFacts(patient_id="p", as_of=TODAY, medications=(planned, proposed, ordered)))
    assert [(e.start, e.references) for e in got] == [(date(2026, 10, 1), ("MedicationRequest/o",))]


def test_an_unusable_recorded_total_is_reported_once() -> None:
    facts = PatientFacts(patient_id="p", as_of=TODAY, findings=(
        Finding("essdai-total", 200, date(2026, 10, 1), "Observation/bad"),
        Finding("essdai-total", 7, date(2026, 9, 1), "Observation/ok"),
    ))
    result = scoring.assess(facts).to_json()
    assert result["warnings"].count("ignored Observation/bad: essdai-total value 200 is not a total 0-123") == 1
    assert [v["essdai"] and v["essdai"]["score"] for v in result["course"]["visits"]] == [7, 0]


# --- esspriChange: today's ESSPRI against the previous visit with one (course's visits) -------------

@pytest.mark.parametrize(("pid", "expected"), [
    ("course-responder", {"previous": 4.67, "previousDate": "2026-08-28", "current": 4.0, "delta": -0.67,
                          "percent": -14.3, "mcii": False}),  # 0.67 < 1 point and 14.3 % < 15 %
    ("course-non-responder", {"previous": 5.67, "previousDate": "2026-08-28", "current": 5.0, "delta": -0.67,
                              "percent": -11.8, "mcii": False}),
    ("course-stop-restart", {"previous": 6.33, "previousDate": "2026-08-28", "current": 5.0, "delta": -1.33,
                             "percent": -21.0, "mcii": True}),
    ("course-straddle", None),  # no ESSPRI today
])
def test_esspri_change_since_the_previous_visit(cohort, pid: str, expected) -> None:
    got = _assess(cohort, pid)
    assert got["esspriChange"] == expected
    if expected:  # the same visits as the course shows
        shown = [v for v in got["course"]["visits"] if v["esspri"] is not None]
        assert (shown[-2]["date"], shown[-2]["esspri"], shown[-1]["esspri"]) == (
            expected["previousDate"], expected["previous"], expected["current"])


def _history(*esspri: float | None) -> Course:
    visits = [Visit(date(2026, 1 + i, 1), "recorded", esspri=v) for i, v in enumerate(esspri[:-1])]
    return Course((*visits, Visit(TODAY, "current", esspri=esspri[-1])), (), (), {})


@pytest.mark.parametrize(("esspri", "expected"), [
    ((5.0, None, 5.0), {"previous": 5.0, "previousDate": "2026-01-01", "current": 5.0, "delta": 0.0,
                        "percent": 0.0, "mcii": False}),  # the visit between has no ESSPRI: skipped; no -0.0
    ((4.0, 7.0, 6.0), {"previous": 7.0, "previousDate": "2026-02-01", "current": 6.0, "delta": -1.0,
                       "percent": -14.3, "mcii": True}),  # 1 point exactly meets it though < 15 %
    ((2.0, 1.7), {"previous": 2.0, "previousDate": "2026-01-01", "current": 1.7, "delta": -0.3,
                  "percent": -15.0, "mcii": True}),  # 15 % exactly, under 1 point
    ((0.0, 1.0), {"previous": 0.0, "previousDate": "2026-01-01", "current": 1.0, "delta": 1.0,
                  "percent": None, "mcii": False}),  # no percent of a 0 baseline
    ((5.0, None), None),  # no ESSPRI today
    ((None, 5.0), None),  # no earlier ESSPRI
    ((5.0,), None),
])
def test_esspri_since_previous_edges(esspri, expected) -> None:
    got = esspri_since_previous(_history(*esspri))
    assert (got.to_json() if got else None) == expected
    assert "-0.0" not in json.dumps(got.to_json() if got else None)  # -0.0 == 0.0: only the text tells
    assert esspri_since_previous(None) is None
