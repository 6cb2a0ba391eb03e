"""The ESSDAI card for a patient on a JAK inhibitor: the response sentence, the last-visits table and
the link that opens the worksheet at the course (results from scoring on the synthetic patients)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

import cards
import fhir_mappings
import scoring
from cards.course import day_text
from essdai_devtools.synth import generate

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def cohort():
    return generate(today=TODAY, large_size=50)


def _result(cohort, pid: str) -> dict:
    resources = [dict(e["resource"], id=e["resource"].get("id", f"r{i}")) for i, e in
                 enumerate(cohort.bundles[pid]["entry"])]
    return scoring.assess(fhir_mappings.extract(resources, as_of=TODAY, patient_id=pid)).to_json()


def _card(result: dict, ctx, **link) -> dict:
    return cards.essdai_cards(result, ctx=dataclasses.replace(ctx, as_of=TODAY, **link))[0]


@pytest.mark.parametrize(("pid", "summary"), [
    ("course-responder", "ESSDAI is 3 at week 24 of baricitinib vs baseline 12; response (fall ≥ 3) is met."),
    ("course-non-responder", "ESSDAI is 6 at week 24 of baricitinib vs baseline 8; response (fall ≥ 3) is not met."),
    ("course-straddle", "ESSDAI is 4–8 at week 24 of baricitinib vs baseline 9; response (fall ≥ 3) is not yet decided."),
    ("course-stop-restart", "ESSDAI is 6 at week 12 of baricitinib vs baseline 11; response (fall ≥ 3) is met."),
])
def test_the_summary_states_the_response(cohort, ctx, pid: str, summary: str) -> None:
    assert _card(_result(cohort, pid), ctx)["summary"] == summary


def _table(detail: str) -> list[str]:
    lines = detail.splitlines()
    start = lines.index("| Visit | ESSDAI | ESSPRI | Response |")
    return [line for line in lines[start + 2:] if line.startswith("|")]


def test_the_detail_shows_the_last_visits(cohort, ctx) -> None:
    detail = _card(_result(cohort, "course-stop-restart"), ctx)["detail"]
    assert ("**Course on baricitinib** (started 28 Aug 2026; baseline ESSDAI 11 on 28 Aug 2026; "
            "response = fall ≥ 3):") in detail
    assert _table(detail) == [
        "| 5 Jun 2026 | 10 | 6 | before this course |",
        "| 3 Jul 2026 (week 4) | 8 | 5.67 | earlier course: not met (fall 2) |",
        "| 28 Aug 2026 | 11 | 6.33 | baseline |",
        "| 20 Nov 2026 (week 12) | 6 | 5 | met (fall 5) |",
    ]
    straddle = _card(_result(cohort, "course-straddle"), ctx)["detail"]
    assert _table(straddle)[-1] == "| 20 Nov 2026 (week 24) | 4–8 | — | not yet decided (fall 1 to 5) |"


def test_no_course_keeps_the_card_as_it_was(cohort, ctx) -> None:
    card = _card(_result(cohort, "sjd-rated-5"), ctx, worksheet_url="https://ws/worksheet/open?iss=x&patient=y",
                 worksheet_link_type="absolute")
    assert card["summary"] == "ESSDAI is 5 (moderate activity), which meets the ≥5 threshold."
    assert "Course on" not in card["detail"]
    assert card["links"][0]["url"] == "https://ws/worksheet/open?iss=x&patient=y"


def test_on_a_jak_inhibitor_without_a_baseline_says_so(cohort, ctx) -> None:
    card = _card(_result(cohort, "on-baricitinib"), ctx)
    assert card["summary"] == "ESSDAI is 7 (moderate activity), which meets the ≥5 threshold."
    assert "response not judged — no ESSDAI recorded in the 90 days before the start." in card["detail"]


def test_the_link_opens_the_worksheet_at_the_course(cohort, ctx) -> None:
    result = _result(cohort, "course-responder")
    absolute = _card(result, ctx, worksheet_url="https://ws/worksheet/open?iss=x&patient=course-responder",
                     worksheet_link_type="absolute")["links"][0]
    assert absolute["url"] == "https://ws/worksheet/open?iss=x&patient=course-responder#course"
    smart = _card(result, ctx, worksheet_url="https://ws/worksheet/launch", worksheet_link_type="smart",
                  worksheet_app_context=json.dumps({"patient": "course-responder"}))["links"][0]
    assert smart["url"] == "https://ws/worksheet/launch"
    assert json.loads(smart["appContext"]) == {"patient": "course-responder", "section": "course"}


def test_day_text() -> None:
    assert day_text("2026-11-03") == "3 Nov 2026"


@pytest.mark.parametrize(("pid", "line"), [
    ("course-responder", "- **ESSPRI change since 28 Aug 2026:** 4.67 → 4 (−0.67, −14.3 %); MCII not reached "
                         "(fall ≥ 1 point or ≥ 15 %)"),
    ("course-stop-restart", "- **ESSPRI change since 28 Aug 2026:** 6.33 → 5 (−1.33, −21 %); MCII reached "
                            "(fall ≥ 1 point or ≥ 15 %)"),
])
def test_the_detail_shows_the_esspri_change_since_the_previous_one(cohort, ctx, pid: str, line: str) -> None:
    card = _card(_result(cohort, pid), ctx)
    assert line in card["detail"].splitlines()
    assert card["extension"]["essdai-cds"]["esspriChange"]["mcii"] is (pid == "course-stop-restart")


def test_an_earlier_esspri_still_in_the_window_is_no_change(cohort, ctx) -> None:
    result = _result(cohort, "course-straddle")  # today's ESSPRI 5 = the 28 Aug visit's items, not a new rating
    assert result["esspriChange"] is None and result["esspri"]["score"] == 5.0
    lines = _card(result, ctx)["detail"].splitlines()
    assert "- **ESSPRI change:** no new rating since 28 Aug 2026" in lines
