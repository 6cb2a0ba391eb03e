"""The ESSDAI card's course on a JAK inhibitor: the one-sentence response statement, and the last
visits as a small table for the detail. Reads the result's `course` member (scoring.course; absent
members are null)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from cards.text import fit_summary, format_value

LAST_VISITS = 4  # the pilot's visits: weeks 0, 4, 12, 24
MCII_WORDS = {"met": "met", "not-met": "not met", "undetermined": "not yet decided"}


def day_text(iso: str) -> str:
    """'2026-11-03' -> '3 Nov 2026' (the cards' date style)."""
    try:
        d = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{d.day} {d:%b %Y}"


def _range(block: Any) -> str:
    if not isinstance(block, dict) or block.get("score") is None:
        return "—"
    lo, hi = block["score"], block.get("max", block["score"])
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _current(course: dict) -> dict | None:
    """The current treatment episode, when the patient is on a JAK inhibitor now."""
    treatment = course.get("treatment")
    return treatment.get("current") if isinstance(treatment, dict) and isinstance(treatment.get("current"), dict) else None


def response_summary(course: Any) -> str | None:
    """"ESSDAI is 6 at week 24 of baricitinib vs baseline 11; response (fall ≥ 3) is met.", or None when
    there is nothing to judge (not on a JAK inhibitor, no baseline ESSDAI, no response yet)."""
    if not isinstance(course, dict) or _current(course) is None:
        return None
    response, baseline = course.get("response"), course.get("baseline")
    visits = course.get("visits") or []
    if not isinstance(response, dict) or not isinstance(response.get("essdai"), dict) or not visits:
        return None
    if not isinstance(baseline, dict) or not isinstance(baseline.get("essdai"), dict):
        return None
    need = (course.get("criteria") or {}).get("essdaiFall", 3)
    state = MCII_WORDS.get(response["essdai"].get("mcii"), "not decided")
    now, base = _range(visits[-1].get("essdai")), _range(baseline["essdai"])
    drug, weeks = response.get("drug", "JAK inhibitor"), response.get("weeks")
    return fit_summary([
        f"ESSDAI is {now} at week {weeks} of {drug} vs baseline {base}; response (fall ≥ {need}) is {state}.",
        f"ESSDAI is {now} at week {weeks} vs baseline {base}; response (fall ≥ {need}) is {state}.",
        f"ESSDAI response (fall ≥ {need}) is {state} at week {weeks}.",
    ])


def _response_text(visit: dict, baseline_date: str | None, start: str) -> str:
    r = visit.get("response")
    if visit.get("date") == baseline_date:
        return "baseline"
    if not isinstance(r, dict):
        return "before this course" if str(visit.get("date", "")) < start else "not on treatment"
    earlier = "earlier course: " if r.get("start") != start else ""
    essdai = r.get("essdai")
    if not isinstance(essdai, dict):
        return f"{earlier}no ESSDAI to compare"
    least, most = (essdai.get("fall") or [None, None])[:2]
    fall = format_value(least) if least == most else f"{least} to {most}"
    return f"{earlier}{MCII_WORDS.get(essdai.get('mcii'), 'not decided')} (fall {fall})"


def course_lines(course: Any) -> tuple[str | None, list[dict[str, str]]]:
    """(a heading line, table rows Visit | ESSDAI | ESSPRI | Response) for a patient on a JAK inhibitor."""
    if not isinstance(course, dict) or _current(course) is None:
        return None, []
    episode = _current(course)
    baseline = course.get("baseline") if isinstance(course.get("baseline"), dict) else {}
    base_essdai = baseline.get("essdai") if isinstance(baseline.get("essdai"), dict) else None
    drug, start = episode.get("drug", "JAK inhibitor"), episode.get("start", "")
    if base_essdai:
        heading = (f"**Course on {drug}** (started {day_text(start)}; baseline ESSDAI {_range(base_essdai)} "
                   f"on {day_text(base_essdai['date'])}; response = fall ≥ "
                   f"{(course.get('criteria') or {}).get('essdaiFall', 3)}):")
    else:
        heading = (f"**Course on {drug}** (started {day_text(start)}): response not judged — no ESSDAI "
                   f"recorded in the 90 days before the start.")
    rows = []
    for v in (course.get("visits") or [])[-LAST_VISITS:]:
        r = v.get("response") if isinstance(v.get("response"), dict) else None
        when = day_text(v.get("date", "")) + (f" (week {r['weeks']})" if r and r.get("weeks") is not None else "")
        esspri = v.get("esspri")
        rows.append({"visit": when, "essdai": _range(v.get("essdai")),
                     "esspri": format_value(esspri) if esspri is not None else "—",
                     "response": _response_text(v, base_essdai["date"] if base_essdai else None, start)})
    return heading, rows


COURSE_ANCHOR = "course"  # the worksheet section id (worksheet/templates/worksheet/_course.html)


def course_link(link: dict[str, Any]) -> dict[str, Any]:
    """The worksheet link opening at the course: an absolute link gets the #course fragment (kept through
    the worksheet's redirect); a SMART launch URL stays as configured (the EHR appends iss and launch)
    and `appContext` says `"section": "course"`, which the worksheet's callback honours."""
    out = dict(link)
    if out.get("type") == "absolute":
        out["url"] = out["url"].split("#", 1)[0] + f"#{COURSE_ANCHOR}"
        return out
    try:
        context = json.loads(out["appContext"]) if isinstance(out.get("appContext"), str) else {}
    except ValueError:
        return out
    if isinstance(context, dict):
        out["appContext"] = json.dumps({**context, "section": COURSE_ANCHOR})
    return out
