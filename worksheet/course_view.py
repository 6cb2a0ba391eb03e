"""The worksheet's course section: the two charts (worksheet.course_plot), their text alternative and
the table of the numbers beside them, all from the result's `course` member (scoring.course)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup

from worksheet.course_plot import essdai_svg, esspri_svg

MCII_TEXT = {"met": "MCII met", "not-met": "MCII not met", "undetermined": "not decided (range straddles the MCII)"}


def day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def _range(block: dict[str, Any] | None) -> str:
    if not block:
        return "—"
    return str(block["score"]) if block["score"] == block["max"] else f"{block['score']}–{block['max']}"


@dataclass(frozen=True)
class CourseRow:
    date: str
    week: str
    essdai: str
    clinessdai: str
    esspri: str
    essdai_response: str
    esspri_response: str
    current: bool


@dataclass(frozen=True)
class CourseView:
    heading: str
    essdai_svg: Markup
    esspri_svg: Markup | None
    rows: list[CourseRow]
    treatment: list[str]


def _fall(response: dict[str, Any] | None) -> str:
    if not response:
        return ""
    least, most = response["fall"]
    fall = f"fall {least}" if least == most else f"fall {least} to {most}"
    return f"{MCII_TEXT[response['mcii']]} ({fall})"


def _esspri_fall(response: dict[str, Any] | None) -> str:
    if not response:
        return ""
    pct = "" if response["percent"] is None else f", {response['percent']:g} %"
    return f"{'MCII met' if response['mcii'] == 'met' else 'MCII not met'} (fall {response['fall']:g}{pct})"


def _row(v: dict[str, Any], baselines: set[str]) -> CourseRow:
    r = v.get("response") or {}
    week = f"week {r['weeks']}" if r else ("baseline" if v["date"] in baselines else "")
    return CourseRow(
        date=day(v["date"]) + (" (today)" if v["source"] == "current" else ""), week=week,
        essdai=_range(v.get("essdai")), clinessdai=_range(v.get("clinessdai")),
        esspri="—" if v.get("esspri") is None else f"{v['esspri']:g}",
        essdai_response=_fall(r.get("essdai")), esspri_response=_esspri_fall(r.get("esspri")),
        current=v["source"] == "current")


def _describe(course: dict[str, Any]) -> tuple[str, str, str]:
    """(heading, ESSDAI description, ESSPRI description): what the charts show, in words."""
    visits = course["visits"]
    first, last = visits[0], visits[-1]
    episodes = course["treatment"]["episodes"]
    treat = "; ".join(f"{e['drug']} from {day(e['start'])}" + (f" to {day(e['stop'])}" if e.get("stop") else "")
                      for e in episodes) or "no JAK inhibitor recorded"
    response = course.get("response")
    said = ""
    if response and response.get("essdai"):
        said = (f" At week {response['weeks']} the ESSDAI response is "
                f"{MCII_TEXT[response['essdai']['mcii']]} against baseline {_range(course['baseline']['essdai'])}.")
    essdai = (f"ESSDAI at {len(visits)} visits from {day(first['date'])} ({_range(first.get('essdai'))}) to "
              f"{day(last['date'])} ({_range(last.get('essdai'))}); treatment: {treat}.{said} "
              f"Shaded bands: low, moderate and high activity; dashed green line: the MCII below baseline.")
    esspri_visits = [v for v in visits if v.get("esspri") is not None]
    esspri = (f"ESSPRI at {len(esspri_visits)} visits, from {esspri_visits[0]['esspri']:g} to "
              f"{esspri_visits[-1]['esspri']:g}; dotted line: patient-acceptable symptom state (< 5); "
              f"dashed green line: the MCII below baseline." if esspri_visits else "")
    current = course["treatment"].get("current")
    heading = (f"Course on {current['drug']} since {day(current['start'])}" if current
               else "Course of ESSDAI and ESSPRI")
    return heading, essdai, esspri


def course_view(course: dict[str, Any] | None) -> CourseView | None:
    if not course:
        return None
    heading, essdai_desc, esspri_desc = _describe(course)
    baselines = {b["essdai"]["date"] for e in course["treatment"]["episodes"]
                 if (b := e.get("baseline")) and b.get("essdai")}
    treatment = [f"{e['drug']}: started {day(e['start'])}" + (f", stopped {day(e['stop'])}" if e.get("stop") else
                                                              (", ongoing" if e.get("ongoing") else ", stopped"))
                 for e in course["treatment"]["episodes"]]
    return CourseView(
        heading=heading,
        essdai_svg=essdai_svg(course, f"ESSDAI over time — {heading}", essdai_desc),
        esspri_svg=esspri_svg(course, "ESSPRI over time", esspri_desc) if esspri_desc else None,
        rows=[_row(v, baselines) for v in course["visits"]],
        treatment=treatment,
    )
