"""The worksheet's course section: the inline SVG charts (their points, ranges, bands, MCII and treatment
markers, title and description) and the table of numbers, from the synthetic patients followed 24 weeks
on baricitinib; then the page itself, read from the real FHIR server."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import jinja2
import pytest
from worksheet_helpers import form_of, open_worksheet, text_of

import fhir_mappings
import scoring
from cards.text import date_words
from essdai_devtools.synth import generate
from scoring.esspri import ESSPRI_MCII_POINTS
from worksheet import view
from worksheet.course_view import course_view

TODAY = date(2026, 11, 20)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def cohort():
    return generate(today=TODAY, large_size=50)


def _course(cohort, pid: str) -> dict:
    resources = [dict(e["resource"], id=e["resource"].get("id", f"r{i}")) for i, e in
                 enumerate(cohort.bundles[pid]["entry"])]
    return scoring.assess(fhir_mappings.extract(resources, as_of=TODAY, patient_id=pid)).to_json()["course"]


def _svg(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def test_essdai_chart_points_ranges_markers(cohort) -> None:
    view = course_view(_course(cohort, "course-straddle"))
    root = _svg(view.essdai_svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "essdai-title essdai-desc"
    assert root.find(f"{SVG}title").text == "ESSDAI over time — Course on baricitinib since 5 Jun 2026"
    assert root.find(f"{SVG}desc").text == (
        "ESSDAI at 4 visits from 5 Jun 2026 (9) to 20 Nov 2026 (4–8); treatment: baricitinib from 5 Jun 2026. "
        "At week 24 the ESSDAI response is not decided (range straddles the MCII) against baseline 9. "
        "Shaded bands: low, moderate and high activity; dashed green line: the MCII below baseline.")
    assert [(p.get("data-date"), p.get("data-value")) for p in _by_class(root, "essdai-point")] == [
        ("2026-06-05", "9"), ("2026-07-03", "9"), ("2026-08-28", "7")]
    assert [(r.get("data-date"), r.get("data-value")) for r in _by_class(root, "essdai-range")] == [
        ("2026-11-20", "4-8")]  # today's range is drawn as a bar, not a point
    assert [b.get("class") for b in _by_class(root, "band")] == ["band low", "band moderate", "band high"]
    assert [m.get("data-value") for m in _by_class(root, "mcii")] == ["6"]  # baseline 9 - 3
    assert [t.get("data-date") for t in _by_class(root, "treatment-start")] == ["2026-06-05"]
    assert [(t.get("data-date"), t.text) for t in _by_class(root, "response")] == [
        ("2026-07-03", "not met"), ("2026-08-28", "not met"), ("2026-11-20", "undecided")]


def test_points_sit_at_their_values(cohort) -> None:
    root = _svg(course_view(_course(cohort, "course-responder")).essdai_svg)
    ys = {p.get("data-value"): float(p.get("cy")) for p in _by_class(root, "essdai-point")}
    bands = {b.get("class").split()[1]: b for b in _by_class(root, "band")}
    low_top = float(bands["low"].get("y"))  # the ESSDAI 5 line
    assert ys["5"] == low_top and ys["3"] > low_top > ys["10"] > ys["12"]
    assert float(bands["moderate"].get("y")) < ys["12"]  # 12 is moderate (< 14)


def test_stop_restart_markers_and_esspri_chart(cohort) -> None:
    view = course_view(_course(cohort, "course-stop-restart"))
    root = _svg(view.essdai_svg)
    assert [t.get("data-date") for t in _by_class(root, "treatment-start")] == ["2026-06-05", "2026-08-28"]
    assert [t.get("data-date") for t in _by_class(root, "treatment-stop")] == ["2026-07-17"]
    assert [m.get("data-value") for m in _by_class(root, "mcii")] == ["7", "8"]  # 10 - 3, then 11 - 3
    esspri = _svg(view.esspri_svg)
    assert esspri.find(f"{SVG}title").text == "ESSPRI over time"
    assert [(p.get("data-date"), p.get("data-value")) for p in _by_class(esspri, "esspri-point")] == [
        ("2026-06-05", "6"), ("2026-07-03", "5.67"), ("2026-08-28", "6.33"), ("2026-11-20", "5")]
    assert [m.get("data-value") for m in _by_class(esspri, "mcii")] == ["5.1", "5.38"]  # 6 - 15 %, 6.33 - 15 %
    assert [p.get("class") for p in _by_class(esspri, "pass")] == ["pass"]


def test_the_table_has_the_numbers(cohort) -> None:
    view = course_view(_course(cohort, "course-stop-restart"))
    assert [(r.date, r.week, r.essdai, r.clinessdai, r.esspri, r.essdai_response, r.esspri_response)
            for r in view.rows] == [
        ("5 Jun 2026", "baseline", "10", "12", "6", "", ""),
        ("3 Jul 2026", "week 4", "8", "8", "5.67", "MCII not met (fall 2)", "MCII not met (fall 0.33, 5.5 %)"),
        ("28 Aug 2026", "baseline", "11", "15", "6.33", "", ""),
        ("20 Nov 2026 (today)", "week 12", "6", "6", "5", "MCII met (fall 5)", "MCII met (fall 1.33, 21 %)"),
    ]
    assert view.treatment == ["baricitinib: started 5 Jun 2026, stopped 17 Jul 2026",
                              "baricitinib: started 28 Aug 2026, ongoing"]


def test_no_course_no_section() -> None:
    assert course_view(None) is None


def test_a_long_history_keeps_labels_off_and_ticks_yearly(cohort) -> None:
    course = _course(cohort, "course-responder")
    first = date.fromisoformat(course["visits"][0]["date"])
    extra = [{**course["visits"][1], "date": (first + timedelta(days=91 * k)).isoformat()} for k in range(1, 20)]
    long = {**course, "visits": [course["visits"][0], *extra, course["visits"][-1]]}
    long["visits"][-1] = {**long["visits"][-1], "date": (first + timedelta(days=5 * 365)).isoformat()}
    root = _svg(course_view(long).essdai_svg)
    assert len(_by_class(root, "essdai-point")) == 21
    assert {t.text for t in _by_class(root, "response")} == {"•"}  # 20 visits on treatment: the table says it
    years = [t.text for t in root.iter(f"{SVG}text") if re.fullmatch(r"20\d\d", t.text or "")]
    assert years == ["2027", "2028", "2029", "2030", "2031"]


@pytest.mark.integration
def test_the_worksheet_page_shows_the_course(make_ws_app, ws_fhir: str, load_case) -> None:
    patient = load_case("course-responder")
    page = open_worksheet(make_ws_app().test_client(), ws_fhir, patient)
    section = re.search(r'<section class="course" id="course".*?</section>', page, re.S).group(0)
    assert section.count("<svg") == 2 and "<script" not in section
    text = text_of(section)
    assert "Course on baricitinib since" in text
    assert "MCII met (fall 9)" in text and "MCII met (fall 2, 33.3 %)" in text
    assert page.index('id="course"') < page.index('id="d-constitutional"')  # the course comes first


# --- the ESSPRI change since the previous one (issue 12's `esspriChange`), in the summary ----------------

def summary_panel(summary: dict) -> str:
    """The page's summary fragment (also what the live recompute sends), rendered as Flask does (autoescape)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(view.__file__).parent / "templates"), autoescape=True)
    return str(env.get_template("worksheet/_macros.html").module.summary_panel(summary))


def _result(cohort, pid: str, **replaced) -> dict:
    resources = [dict(e["resource"], id=e["resource"].get("id", f"r{i}")) for i, e in
                 enumerate(cohort.bundles[pid]["entry"])]
    facts = fhir_mappings.extract(resources, as_of=TODAY, patient_id=pid)
    return scoring.assess(dataclasses.replace(facts, **replaced)).to_json()


@pytest.mark.parametrize("pid, label, text", [
    ("course-stop-restart", "ESSPRI change since 28 Aug 2026",
     "6.33 → 5 (−1.33, −21 %); MCII reached (fall ≥ 1 point or ≥ 15 %)"),
    ("course-responder", "ESSPRI change since 28 Aug 2026",
     "4.67 → 4 (−0.67, −14.3 %); MCII not reached (fall ≥ 1 point or ≥ 15 %)"),
    ("course-straddle", "ESSPRI change", "no new rating since 28 Aug 2026"),  # week 12's items, still in the window
])
def test_the_summary_words_the_esspri_change_as_the_card(cohort, pid: str, label: str, text: str) -> None:
    summary = view.summary(_result(cohort, pid))
    assert (summary["esspri_change_label"], summary["esspri_change"]) == (label, text)
    html = str(summary_panel(summary))
    assert f"<dt>{label}</dt><dd data-out=\"esspri-change\">{text}</dd>" in html
    assert html.index('data-out="esspri"') < html.index('data-out="esspri-change"')  # beside the ESSPRI


def test_no_earlier_esspri_and_no_esspri(cohort) -> None:
    today_only = _result(cohort, "course-responder", medications=(),
                         findings=tuple(f for f in _facts(cohort, "course-responder").findings if f.date == TODAY))
    summary = view.summary(today_only)
    assert (summary["esspri_change_label"], summary["esspri_change"]) == ("ESSPRI change", "no earlier ESSPRI recorded")
    none = view.summary(_result(cohort, "sjd-rated-5"))  # no ESSPRI: no change row, as on the card
    assert none["esspri"] == "not recorded (needs all three patient ratings)" and none["esspri_change"] == ""
    assert 'data-out="esspri-change"' not in str(summary_panel(none))


def test_the_mcii_in_the_words_is_scoring_s_threshold(cohort, monkeypatch) -> None:
    import cards.essdai

    monkeypatch.setattr(cards.essdai, "ESSPRI_MCII_POINTS", dataclasses.replace(ESSPRI_MCII_POINTS, value=2.0))
    summary = view.summary(_result(cohort, "course-stop-restart"))
    assert summary["esspri_change"].endswith("; MCII reached (fall ≥ 2 points or ≥ 15 %)")  # the rule is read, not typed


def _facts(cohort, pid: str):
    resources = [dict(e["resource"], id=e["resource"].get("id", f"r{i}")) for i, e in
                 enumerate(cohort.bundles[pid]["entry"])]
    return fhir_mappings.extract(resources, as_of=TODAY, patient_id=pid)


@pytest.mark.integration
def test_the_page_and_the_live_recompute_show_the_esspri_change(make_ws_app, ws_fhir: str, ws_today: date,
                                                                 load_case) -> None:
    week_12 = date_words((ws_today - timedelta(days=84)).isoformat())
    client = make_ws_app().test_client()
    page = open_worksheet(client, ws_fhir, load_case("course-stop-restart"))
    assert (f"<dt>ESSPRI change since {week_12}</dt><dd data-out=\"esspri-change\">"
            "6.33 → 5 (−1.33, −21 %); MCII reached (fall ≥ 1 point or ≥ 15 %)</dd>") in page

    patient = load_case("course-straddle")  # no ESSPRI today; the page's entries make one
    page = open_worksheet(client, ws_fhir, patient)
    assert f"<dt>ESSPRI change</dt><dd data-out=\"esspri-change\">no new rating since {week_12}</dd>" in page
    resp = client.post("/worksheet/api/recompute", data=form_of(
        page, **{"esspri-dryness": "4", "esspri-fatigue": "4", "esspri-pain": "4"}))
    assert resp.status_code == 200
    summary = resp.get_json()["summary"]
    assert (summary["esspri_change_label"], summary["esspri_change"]) == (
        f"ESSPRI change since {week_12}", "5 → 4 (−1, −20 %); MCII reached (fall ≥ 1 point or ≥ 15 %)")
    assert f"<dd data-out=\"esspri-change\">{summary['esspri_change']}</dd>" in resp.get_json()["summary_html"]
