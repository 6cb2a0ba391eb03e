"""Cohort patients followed over 24 weeks on baricitinib 2 mg (the pilot's visits: weeks 0, 4, 12, 24).

Weeks 0-12 are recorded visits: an ESSDAI total with its 12 domain levels as components, the
ClinESSDAI total and the three ESSPRI items, all on the visit day. Week 24 is today: the domains are
rated today (so the service derives the current ESSDAI) and the ESSPRI items are entered today. The
expected course comes from `synth_expect.course_expectation` (the generator's own arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from essdai_devtools import cohort_codes as cc
from essdai_devtools.fhir_builders import Record
from essdai_devtools.synth_cases import Case, Outcome, safety_baseline, sjogren
from essdai_devtools.synth_expect import CLINESSDAI_WEIGHT, ESSDAI_WEIGHT, course_expectation
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS

WEEK = 7
VISIT_WEEKS = (0, 4, 12, 24)
TODAY_WEEK = 24
Esspri = tuple[float, float, float]  # dryness, fatigue, pain


@dataclass
class CourseOutcome(Outcome):
    course: dict[str, Any] | None = None  # the expected `course` (synth_expect.course_expectation)


@dataclass(frozen=True)
class Visit:
    week: int
    levels: dict[str, int]  # non-zero domain levels; every other domain 0 unless in `unknown`
    esspri: Esspri | None
    unknown: frozenset[str] = frozenset()  # today only: domains with no data (a range)

    def all_levels(self) -> dict[str, int | None]:
        return {d: None if d in self.unknown else self.levels.get(d, 0) for d in DOMAINS}


def _days_ago(week: int) -> int:
    return (TODAY_WEEK - week) * WEEK


def _record_visit(r: Record, v: Visit) -> None:
    days = _days_ago(v.week)
    levels = v.all_levels()
    if days == 0:  # today: the domain ratings the service scores
        for d, level in levels.items():
            if level is not None:
                r.finding(d, level, days_ago=0)
    else:
        known = {d: lvl for d, lvl in levels.items() if lvl is not None}
        r.recorded_total("essdai-total", sum(ESSDAI_WEIGHT[d] * lvl for d, lvl in known.items()),
                         days_ago=days, levels=known)
        r.recorded_total("clinessdai-total", sum(CLINESSDAI_WEIGHT.get(d, 0) * lvl for d, lvl in known.items()),
                         days_ago=days)
    if v.esspri is not None:
        for code, value in zip(("esspri-dryness", "esspri-fatigue", "esspri-pain"), v.esspri):
            r.finding(code, value, days_ago=days)


def followed(visits: list[Visit], episodes: list[tuple[int, int | None]], note: str) -> Callable[[Record], Outcome]:
    """`episodes`: (start week, stop week | None) of baricitinib 2 mg once daily."""
    def build(r: Record) -> Outcome:
        sjogren(r)
        safety_baseline(r)
        for start, stop in episodes:
            r.medication_request((cc.BARICITINIB_RXNORM, cc.BARICITINIB_ATC), "baricitinib 2 mg tablet, once daily",
                                 dose_mg=2, per_day=1, started_days_ago=_days_ago(start),
                                 status="active" if stop is None else "stopped", route_text="oral",
                                 stopped_days_ago=None if stop is None else _days_ago(stop))
        for v in visits:
            _record_visit(r, v)
        expected = course_expectation(
            r.today, [{"days_ago": _days_ago(v.week), "levels": v.all_levels(), "esspri": v.esspri} for v in visits],
            [(_days_ago(s), None if e is None else _days_ago(e)) for s, e in episodes])
        return CourseOutcome(visits[-1].all_levels(), notes=[note], course=expected)
    return build


def course_cases() -> list[Case]:
    w0, w4, w12, w24 = VISIT_WEEKS
    return [
        Case("course-responder", "baricitinib 24 weeks: ESSDAI 12 -> 10 -> 5 -> 3 (MCII met from week 12), "
             "ESSPRI 6 -> 4", followed([
                 Visit(w0, {"articular": 3, "glandular": 1, "biological": 1, "constitutional": 1}, (6, 7, 5)),
                 Visit(w4, {"articular": 2, "glandular": 1, "biological": 1, "constitutional": 1}, (6, 6, 5)),
                 Visit(w12, {"articular": 2, "biological": 1}, (5, 5, 4)),
                 Visit(w24, {"articular": 1, "biological": 1}, (4, 5, 3)),
             ], [(w0, None)], "responder: fall 9 at week 24; ESSPRI fall 2.0 (33.3 %)"), age=48),
        Case("course-non-responder", "baricitinib 24 weeks: ESSDAI 8 -> 8 -> 7 -> 6 (MCII not met), "
             "ESSPRI fall 1.0 point exactly (MCII met)", followed([
                 Visit(w0, {"articular": 2, "glandular": 1, "biological": 2}, (7, 6, 5)),
                 Visit(w4, {"articular": 2, "glandular": 1, "biological": 2}, (7, 6, 5)),
                 Visit(w12, {"articular": 2, "glandular": 1, "biological": 1}, (6, 6, 5)),
                 Visit(w24, {"articular": 2, "glandular": 1}, (6, 5, 4)),
             ], [(w0, None)], "non-responder by ESSDAI (fall 2), ESSPRI improvement exactly 1 point"), age=57),
        Case("course-straddle", "baricitinib 24 weeks: ESSDAI 9 -> 9 -> 7 -> [4, 8] (glandular unrated today: "
             "fall 1-5 straddles the MCII)", followed([
                 Visit(w0, {"articular": 2, "glandular": 1, "constitutional": 1}, (5, 6, 6)),
                 Visit(w4, {"articular": 2, "glandular": 1, "constitutional": 1}, (5, 6, 5)),
                 Visit(w12, {"articular": 2, "constitutional": 1}, (5, 5, 5)),
                 Visit(w24, {"articular": 2}, None, frozenset({"glandular"})),
             ], [(w0, None)], "undetermined: today's range 4-8 against baseline 9; no ESSPRI today"), age=61),
        Case("course-stop-restart", "baricitinib stopped at week 6, restarted at week 12: ESSDAI 10 -> 8 -> 11 "
             "(restart baseline) -> 6 (MCII met 12 weeks after the restart)", followed([
                 Visit(w0, {"articular": 2, "glandular": 1, "biological": 1, "constitutional": 1}, (6, 6, 6)),
                 Visit(w4, {"articular": 2, "glandular": 1, "biological": 2}, (6, 5, 6)),
                 Visit(w12, {"articular": 3, "glandular": 1, "constitutional": 1}, (7, 6, 6)),
                 Visit(w24, {"articular": 2, "biological": 2}, (5, 5, 5)),
             ], [(w0, 6), (w12, None)], "stop (infection) at week 6 and restart at week 12; baseline = week 12"),
             age=44),
    ]


def five_year_history() -> Case:
    """A 5-year history (benchmarks/bench_worksheet.py): 21 quarterly visits, baricitinib from week -100 to
    -60 and again from week 0 (today = week 24)."""
    profiles = [{"articular": 2, "glandular": 1, "biological": 1}, {"articular": 3, "constitutional": 1},
                {"articular": 1, "biological": 2}]
    visits = [Visit(w, profiles[i % 3], (5 + i % 3, 6, 5)) for i, w in enumerate(range(-236, 24, 13))]
    visits.append(Visit(TODAY_WEEK, {"articular": 1, "biological": 1}, (4, 5, 3)))
    return Case("course-5y", "5 years of quarterly visits, two courses of baricitinib",
                followed(visits, [(-100, -60), (0, None)], "5-year history"), age=58)
