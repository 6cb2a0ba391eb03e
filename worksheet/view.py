"""From an assessment (`Assessment.to_json()`) to what the page shows: the summary sentences and, per
domain, its level or range, points and evidence. Used by the page and by the live recompute, so the
browser only displays what the server computed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cards.essdai import esspri_change_words
from cards.labels import CATEGORY_LABELS, domain_label
from worksheet.controls import CONTROLS, ENTERED_PREFIX, Control, ParsedForm
from worksheet.definitions import DOMAIN_TEXT, ESSPRI_QUESTIONS, LEVEL_NAMES, DomainText, value_label
from fhir_mappings.code_tables.essdai_codesystem import CODES, DOMAINS
from fhir_mappings.facts import Finding, PatientFacts
from scoring.thresholds import ESSPRI_PASS
from scoring.domains import DOMAIN_TABLE, ESSDAI_WEIGHTS
from scoring.essdai import activity_category


def _num(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _range_text(score: int, top: int) -> str:
    return str(score) if score == top else f"at least {score} (up to {top})"


def _category_text(block: Mapping[str, Any]) -> str:
    category = block.get("category")
    if category:
        return CATEGORY_LABELS[category]
    low, high = activity_category(block["score"]), activity_category(block["max"])
    return f"not decided ({CATEGORY_LABELS[low]} to {CATEGORY_LABELS[high]})"


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    essdai, clin = result["essdai"], result["clinessdai"]
    eligibility = result["eligibility"]
    met = eligibility["met"]
    threshold = eligibility["threshold"]
    if met is True:
        eligibility_text = f"Met: ESSDAI ≥ {threshold}"
    elif met is False:
        eligibility_text = f"Not met: ESSDAI below {threshold}"
    else:
        eligibility_text = f"Not decided: the ESSDAI ≥ {threshold} threshold depends on the open domains"
    esspri = result.get("esspri")
    if esspri:
        pss = f"patient-acceptable symptom state (ESSPRI < {ESSPRI_PASS.value:g})" if esspri["pass"] else "above the acceptable state"
        esspri_text = f"{esspri['score']:g} — {pss}"
    else:
        esspri_text = "not recorded (needs all three patient ratings)"
    # worded as on the ESSDAI card (one function), shown only beside an ESSPRI, as there
    esspri_change_label, esspri_change = (esspri_change_words(result.get("esspriChange"), result.get("course"))
                                          if esspri else ("", ""))
    change = result.get("change")
    change_text = ""
    if change:
        now = change["previous"] + change["delta"]
        mcii = "; minimal clinically important improvement" if change["mcii"] else ""
        change_text = f"{change['previous']} → {now} ({change['delta']:+d}){mcii}"
    return {
        "essdai": _range_text(essdai["score"], essdai["max"]),
        "essdai_score": essdai["score"],
        "essdai_max": essdai["max"],
        "determined": essdai["score"] == essdai["max"] and not essdai["undetermined"],
        "category": _category_text(essdai),
        "clinessdai": _range_text(clin["score"], clin["max"]),
        "clinessdai_category": _category_text(clin),
        "esspri": esspri_text,
        "esspri_change_label": esspri_change_label,
        "esspri_change": esspri_change,
        "eligibility": eligibility_text,
        "eligibility_state": {True: "met", False: "not-met"}.get(met, "undecided"),
        "undetermined": [domain_label(d) for d in essdai["undetermined"]],
        "deciding": [domain_label(d) for d in essdai["deciding"]],
        "change": change_text,
    }


@dataclass(frozen=True)
class EvidenceRow:
    display: str
    value: str
    date: str
    source: str
    note: str
    entered: bool


def evidence_rows(items: list[Mapping[str, Any]]) -> list[EvidenceRow]:
    rows = []
    for e in items:
        ref = str(e.get("reference", ""))
        entered = ref.startswith(ENTERED_PREFIX)
        value = e.get("value")
        code = str(e.get("code") or "")
        text = value_label(code, value) if isinstance(value, str) else (_num(value) if value is not None else "")
        unit = e.get("unit")
        rows.append(EvidenceRow(
            display=str(e.get("display", "")),
            value=f"{text} {unit}".strip() if unit and text else text,
            date=str(e.get("date") or ""),
            source="entered on this worksheet (not saved yet)" if entered else ref,
            note=str(e.get("note") or ""),
            entered=entered,
        ))
    return rows


def domain_status(domain: str, block: Mapping[str, Any]) -> dict[str, Any]:
    weight = ESSDAI_WEIGHTS[domain]
    lo, hi = block["range"]
    level = block["level"]
    if level is not None:
        state = f"Level {level} — {LEVEL_NAMES[level]}"
        points = f"{weight * level} points"
    else:
        state = f"Not determined: level {lo} to {hi}"
        points = f"{weight * lo} to {weight * hi} points"
    source = {"clinician": "clinician rating", "derived": "derived from the record and findings"}.get(
        block["source"], "no data yet")
    note = ("A whole-domain rating overrides the findings: to change this level, enter a new rating."
            if block["source"] == "clinician" else "")
    return {"state": state, "points": points, "source": source, "determined": level is not None,
            "evidence": evidence_rows(block["evidence"]), "note": note}


@dataclass
class ControlView:
    control: Control
    chart: str  # the latest value in the chart, for reference ("" when none)
    value: str  # what is entered on the page
    chosen: list[str] = field(default_factory=list)
    error: str = ""


def chart_findings(facts: PatientFacts) -> dict[str, list[Finding]]:
    """The chart's findings up to the assessment date by code (entries on this page left out): one pass,
    not one per control (a 5-year history holds over 100 findings, the page 44 controls)."""
    by_code: dict[str, list[Finding]] = {}
    for f in facts.findings:
        if f.date <= facts.as_of and not f.reference.startswith(ENTERED_PREFIX):
            by_code.setdefault(f.code, []).append(f)
    return by_code


def _chart_value(found: list[Finding], control: Control) -> str:
    if not found:
        return ""
    newest = max(f.date for f in found)
    values = [f for f in found if f.date == newest]
    shown = ", ".join(value_label(control.code, str(f.value)) if isinstance(f.value, str) else
                      (f"{_num(f.value)} {f.unit}" if f.unit else _num(f.value)) for f in values)
    return f"{shown} ({newest.isoformat()})"


def controls_for(group: str, facts: PatientFacts, form: ParsedForm,
                 by_code: Mapping[str, list[Finding]] | None = None) -> list[ControlView]:
    found = chart_findings(facts) if by_code is None else by_code
    return [ControlView(c, _chart_value(found.get(c.code, []), c), form.value(c.code), form.chosen(c.code),
                        form.errors.get(c.code, "")) for c in CONTROLS[group]]


@dataclass
class DomainView:
    key: str
    label: str
    weight: int
    levels: str
    max_points: int
    text: DomainText
    status: dict[str, Any]
    controls: list[ControlView]


def domains(result: Mapping[str, Any], facts: PatientFacts, form: ParsedForm) -> list[DomainView]:
    out = []
    by_code = chart_findings(facts)
    for d in DOMAINS:
        spec = DOMAIN_TABLE[d]
        levels = spec.levels
        level_text = (f"levels {levels[0]}–{levels[-1]}" if list(levels) == list(range(levels[0], levels[-1] + 1))
                      else "levels " + ", ".join(map(str, levels)))
        out.append(DomainView(d, domain_label(d), ESSDAI_WEIGHTS[d], level_text, ESSDAI_WEIGHTS[d] * spec.max_level,
                              DOMAIN_TEXT[d], domain_status(d, result["essdai"]["domains"][d]),
                              controls_for(d, facts, form, by_code)))
    return out


def esspri_controls(facts: PatientFacts, form: ParsedForm) -> list[tuple[ControlView, str]]:
    return [(cv, ESSPRI_QUESTIONS[cv.control.code].text) for cv in controls_for("esspri", facts, form)]


def display_of(code: str) -> str:
    return CODES[code].display if code in CODES else code
