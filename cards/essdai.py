"""The ESSDAI card: disease activity, eligibility at ESSDAI ≥5, and a suggestion to record the score.

Input is the `essdai-cds score` object (`scoring.assess(facts).to_json()`, see docs/architecture.md).
The card carries that object, with its null members removed, as `extension["essdai-cds"]`: the CDS
Hooks contract forbids nulls, so in the extension an absent member means null (e.g. no `esspri`
means ESSPRI was not recorded; no `category` means the score range spans more than one category).
"""

from __future__ import annotations

from typing import Any

from cards.codings import ESSDAI_OVERRIDE_REASONS, override_reasons, topic
from cards.context import CardContext
from cards.course import course_lines, course_link, response_summary
from cards.evidence import RATING_NOTE, evidence_views, evidence_words
from cards.fhir_actions import essdai_observation
from cards.ids import card_uuid, suggestion_uuid
from cards.labels import LEVEL_LABELS, category_label, domain_label
from cards.render import render
from cards.table import narrow_table
from cards.text import date_words, fit_summary, format_value, plural
from cards.unavailable import built_or_unavailable
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS
from scoring.esspri import ESSPRI_MCII_PCT, ESSPRI_MCII_POINTS


SOURCE_LABEL = "essdai-cds — ESSDAI (EULAR, Seror 2010)"

CLINESSDAI_NOTE = ("ClinESSDAI weights are not verified against the primary source (Seror 2016); "
                   "medium confidence. ESSDAI activity cut-offs are reused for ClinESSDAI.")
ATTRIBUTION_NOTE = ("Attribution to active Sjögren's disease is presumed, not confirmed, for levels derived "
                    "from the record: {domains}. Confirm that no other cause (infection, drugs, deficiency, "
                    "damage) explains them.")
NO_PRESUMED_NOTE = "No level rests on presumed attribution."


def essdai_cards(result: dict, *, ctx: CardContext) -> list[dict]:
    """The ESSDAI card for one assessment result. Never raises: a result that cannot be shown gives
    the "could not complete" card instead (and is logged)."""
    return [built_or_unavailable(lambda: _essdai_card(result, ctx), what="the ESSDAI assessment", ctx=ctx,
                                 reason="its result could not be displayed")]


# --- reading the result (absent == null) -------------------------------------------------------

def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool) or value is None:
        return default
    return int(value)


class _Essdai:
    """The members of the result the card uses, with absent members read as null."""

    def __init__(self, result: dict) -> None:
        essdai = result.get("essdai") or {}
        self.score = _int(essdai.get("score"))
        self.max = _int(essdai.get("max"), self.score)
        self.category = category_label(essdai.get("category"))
        self.domains: dict[str, dict] = {k: v for k, v in (essdai.get("domains") or {}).items() if isinstance(v, dict)}
        # evidence as template views, once per domain (the table, the attribution note and the suggestion read them)
        self.evidence: dict[str, list[dict[str, str]]] = {
            k: evidence_views(v.get("evidence")) for k, v in self.domains.items()}
        undetermined = essdai.get("undetermined")
        if undetermined is None:
            undetermined = [d for d, v in self.domains.items() if v.get("level") is None]
        self.undetermined = list(undetermined)
        self.deciding = list(essdai.get("deciding") or [])
        self.total_domains = len(self.domains) or len(DOMAINS)
        self.rated = self.total_domains - len(self.undetermined)
        self.determined = not self.undetermined and self.score == self.max
        eligibility = result.get("eligibility") or {}
        self.threshold = eligibility.get("threshold")
        self.met = eligibility.get("met")
        self.high = essdai.get("category") == "high"

    def ordered_domains(self) -> list[str]:
        return [d for d in DOMAINS if d in self.domains] + [d for d in self.domains if d not in DOMAINS]


# --- summary ------------------------------------------------------------------------------------

def _threshold_clause(e: _Essdai) -> str | None:
    name = f"ESSDAI ≥{e.threshold}" if e.threshold is not None else "ESSDAI eligibility"
    if e.met is True:
        return f"meets the {name} threshold"
    if e.met is False:
        return f"below the {name} threshold"
    return None


def _verdict(e: _Essdai) -> str:
    """The eligibility verdict as the end of a sentence (", which meets the ≥5 threshold")."""
    name = f"the ≥{e.threshold} threshold" if e.threshold is not None else "the eligibility threshold"
    return {True: f", which meets {name}", False: f", which is below {name}"}.get(e.met, "")


def _summary(e: _Essdai) -> str:
    """One whole sentence; dynamic parts are dropped from the longest candidate down, never cut."""
    verdict = _verdict(e)
    if e.determined:
        return fit_summary([
            f"ESSDAI is {e.score} ({e.category}){verdict}." if e.category else f"ESSDAI is {e.score}{verdict}.",
            f"ESSDAI is {e.score}{verdict}.",
        ])
    rated = f"{e.rated} of {e.total_domains} domains"
    if e.met is True or e.met is False:
        # only the bound that decides eligibility is claimed; the category only if the result gives one
        lead = f"ESSDAI is at least {e.score}" if e.met else f"ESSDAI is at most {e.max}"
        parts = [p for p in (e.category, f"{rated} rated") if p]
        return fit_summary([f"{lead} ({'; '.join(parts)}){verdict}.", f"{lead} ({rated} rated){verdict}.",
                            f"{lead}{verdict}."])
    if e.score == 0 and e.rated == 0:
        return fit_summary([f"ESSDAI was not scored because none of {e.total_domains} domains could be rated "
                            "from the record.", "ESSDAI was not scored because no domain could be rated."])
    if e.threshold is None and e.met is None and not e.deciding and not e.undetermined:
        return fit_summary([f"ESSDAI is at least {e.score} from {rated}."])
    to_rate = len(e.deciding) or len(e.undetermined)
    return fit_summary([
        f"ESSDAI is at least {e.score} from {rated}; rating {to_rate} more decides eligibility.",
        f"ESSDAI is at least {e.score} from {rated}.",
    ])


# --- detail -------------------------------------------------------------------------------------

def _headline(e: _Essdai) -> str:
    if e.determined:
        return f"ESSDAI {e.score}" + (f" ({e.category})" if e.category else "")
    parts = [p for p in (e.category, f"{e.rated} of {e.total_domains} domains rated") if p]
    return f"ESSDAI between {e.score} and {e.max} ({'; '.join(parts)})"


def _eligibility_line(e: _Essdai) -> str | None:
    clause = _threshold_clause(e)
    if clause:
        return clause
    if e.threshold is not None:
        return f"eligibility (ESSDAI ≥{e.threshold}) not yet decided"
    return None


def _row(domain: str, d: dict, evidence: list[dict[str, str]]) -> list[str]:
    """Domain | Level | Points | Evidence, each cell short; evidence in words, no resource ids."""
    level = d.get("level")
    rng = d.get("range") if isinstance(d.get("range"), (list, tuple)) and len(d.get("range")) == 2 else None
    points = d.get("points")
    if level is not None:
        level_text = f"{level} ({LEVEL_LABELS.get(level, 'level')})"
        points_text = format_value(points) if points is not None else ""
    else:
        level_text = f"{rng[0]}–{rng[1]} (not rated)" if rng else "not rated"
        points_text = f"≥ {format_value(points)}" if points is not None else ""
    # a domain rating carries the note "clinician rating"; other clinician items (a joint count) are results
    words = "; ".join(evidence_words(v, rating=v["note"] == RATING_NOTE) for v in evidence)
    if not words:
        words = "nothing in the record" if level is None else ""
    return [domain_label(domain), level_text, points_text, words]


def _folded_zero(d: dict, evidence: list[dict[str, str]]) -> str | None:
    """How a domain at level 0 with nothing else to say folds into one line: the date a clinician rated it
    0 (its one item a rating), "" for no evidence at all; None when it needs its own row."""
    if d.get("level") != 0:
        return None
    if not evidence:
        return ""
    if d.get("source") != "clinician" or len(evidence) != 1 or evidence[0]["note"] != RATING_NOTE:
        return None
    return date_words(evidence[0]["date"]) or "undated"


def _table(e: _Essdai) -> tuple[list[list[str]], list[str]]:
    """Rows worth a line each, and the folded lines ("9 domains rated 0 by a clinician, 31 Oct 2026: …")."""
    rows: list[list[str]] = []
    zeros: dict[str, list[str]] = {}
    for domain in e.ordered_domains():
        d, evidence = e.domains[domain], e.evidence[domain]
        when = _folded_zero(d, evidence)
        if when is None:
            rows.append(_row(domain, d, evidence))
        else:
            zeros.setdefault(when, []).append(domain_label(domain))
    folded = [f"**{plural(len(names), 'domain')} "
              + (f"rated 0 by a clinician, {when}" if when else "at level 0") + f":** {', '.join(names)}."
              for when, names in zeros.items()]
    return rows, folded


def _score_text(block: dict) -> str:
    score, top = _int(block.get("score")), _int(block.get("max"), _int(block.get("score")))
    return format_value(score) if score == top else f"between {score} and {top}"


def _other_scores(result: dict) -> list[str]:
    lines: list[str] = []
    clin = result.get("clinessdai")
    if isinstance(clin, dict):
        cat = category_label(clin.get("category"))
        lines.append(f"**ClinESSDAI:** {_score_text(clin)}" + (f" ({cat}; ESSDAI cut-offs reused)" if cat else ""))
    esspri = result.get("esspri")
    if isinstance(esspri, dict) and esspri.get("score") is not None:
        pass_text = {True: "yes", False: "no"}.get(esspri.get("pass"), "not decided")
        lines.append(f"**ESSPRI:** {format_value(round(float(esspri['score']), 2))}; patient-acceptable symptom state (PASS): {pass_text}")
        lines.append(_esspri_change_line(result.get("esspriChange"), result.get("course")))
    else:
        lines.append("**ESSPRI:** not recorded (needs the three patient-reported scales: dryness, fatigue, pain)")
    change = result.get("change")
    if isinstance(change, dict) and change.get("previous") is not None and change.get("delta") is not None:
        prev, delta = _int(change["previous"]), _int(change["delta"])
        mcii = {True: "minimal clinically important improvement (MCII) reached",
                False: "MCII not reached"}.get(change.get("mcii"), "MCII not decided")
        lines.append(f"**Change since the last recorded ESSDAI:** {prev} → {prev + delta} ({delta:+d}); {mcii}")
    else:
        lines.append("**Change since the last recorded ESSDAI:** not available")
    cls = result.get("classification")
    if isinstance(cls, dict):
        score, top = _int(cls.get("score")), _int(cls.get("max"), _int(cls.get("score")))
        reach = f"score {score}" + (f", at most {top} with the items not yet recorded" if top > score else "")
        status = {True: "met", False: "not met"}.get(cls.get("met"), "not decided")
        entry = cls.get("entry_criterion")
        entry_text = f"; entry criterion (dryness or ESSDAI activity) {entry}" if entry in ("not met", "unknown") \
            else ""
        lines.append(f"**2016 ACR/EULAR classification criteria:** {status} ({reach}{entry_text})")
    return lines


def _mcii_rule() -> str:
    """The ESSPRI MCII in words, from the thresholds scoring.esspri applies (Seror 2016): "fall ≥ 1 point or ≥ 15 %"."""
    points, percent = ESSPRI_MCII_POINTS.value, ESSPRI_MCII_PCT.value
    return f"fall ≥ {format_value(points)} point{'' if points == 1 else 's'} or ≥ {format_value(percent)} %"


def esspri_change_words(change: Any, course: Any) -> tuple[str, str]:
    """(label, text) of the ESSPRI change since the previous one, for the card's line and the worksheet's summary:
    previous → today (delta, percent); whether the MCII is reached, with the rule. Without a change, why: today's
    ESSPRI is an earlier visit's rating still in the window, or none was recorded before."""
    if not isinstance(change, dict) or change.get("previous") is None or change.get("current") is None:
        visits = [v for v in (course.get("visits") if isinstance(course, dict) else None) or [] if isinstance(v, dict)]
        rated = [v for v in visits[:-1] if v.get("esspri") is not None]
        if rated and visits[-1].get("esspri") is None:
            return "ESSPRI change", f"no new rating since {date_words(rated[-1].get('date'))}"
        return "ESSPRI change", "no earlier ESSPRI recorded"
    prev, now = format_value(float(change["previous"])), format_value(float(change["current"]))
    delta = float(change.get("delta") or 0.0)
    pct = change.get("percent")
    moved = f"{'+' if delta > 0 else '−' if delta < 0 else '±'}{format_value(abs(delta))}"
    if pct is not None:
        moved += f", {'+' if pct > 0 else '−' if pct < 0 else '±'}{format_value(abs(float(pct)))} %"
    mcii = {True: "MCII reached", False: "MCII not reached"}.get(change.get("mcii"), "MCII not decided")
    when = date_words(change.get("previousDate")) if change.get("previousDate") else "the last recorded ESSPRI"
    return f"ESSPRI change since {when}", f"{prev} → {now} ({moved}); {mcii} ({_mcii_rule()})"


def _esspri_change_line(change: Any, course: Any) -> str:
    label, text = esspri_change_words(change, course)
    return f"**{label}:** {text}"


def _presumed_domains(e: _Essdai) -> list[str]:
    out = []
    for domain in e.ordered_domains():
        d = e.domains[domain]
        lo = d.get("level") if d.get("level") is not None else (d.get("range") or [0])[0]
        noted = any("presum" in ev["note"].lower() for ev in e.evidence[domain])
        if noted or (d.get("source") == "derived" and _int(lo) > 0):
            out.append(domain_label(domain))
    return out


def _detail(result: dict, e: _Essdai) -> str:
    confidence = []
    if isinstance(result.get("clinessdai"), dict):
        confidence.append(CLINESSDAI_NOTE)
    presumed = _presumed_domains(e)
    confidence.append(ATTRIBUTION_NOTE.format(domains=", ".join(presumed)) if presumed else NO_PRESUMED_NOTE)
    warnings = [w for w in (result.get("warnings") or []) if w]
    rows, folded = _table(e)
    course_heading, course_rows = course_lines(result.get("course"))
    return render(
        "essdai.md.j2",
        headline=_headline(e),
        eligibility=_eligibility_line(e),
        table=narrow_table(["Domain", "Level", "Points", "Evidence"], rows) if rows else "",
        folded=folded,
        undetermined=[domain_label(d) for d in e.undetermined],
        deciding=[domain_label(d) for d in e.deciding],
        other_scores=_other_scores(result),
        course_heading=course_heading, course_rows=course_rows,
        warnings=warnings,
        confidence=confidence,
    )


# --- suggestion ---------------------------------------------------------------------------------

def _record_suggestion(e: _Essdai, ctx: CardContext) -> dict | None:
    """"Record ESSDAI N in the chart": only for a determined total with every domain level known."""
    if not e.determined or not e.domains:
        return None
    levels = {d: e.domains[d].get("level") for d in e.ordered_domains()}
    if any(not isinstance(v, int) or isinstance(v, bool) for v in levels.values()):
        return None
    refs = [ev["reference"] for views in e.evidence.values() for ev in views]
    resource = essdai_observation(e.score, levels, refs, ctx=ctx)
    if resource is None:
        return None
    return {
        "label": f"Record ESSDAI {e.score} in the chart",
        "uuid": suggestion_uuid(ctx.hook_instance, "essdai:record"),
        "actions": [{
            "type": "create",
            "description": f"Create an Observation recording ESSDAI {e.score} with its "
                           f"{plural(len(levels), 'domain level')}, dated {ctx.as_of.isoformat()}",
            "resource": resource,
        }],
    }


def _essdai_card(result: dict, ctx: CardContext) -> dict:
    if not isinstance(result, dict):
        raise TypeError("assessment result is not an object")
    e = _Essdai(result)
    card: dict[str, Any] = {
        "uuid": card_uuid(ctx.hook_instance, "essdai"),
        "summary": response_summary(result.get("course")) or _summary(e),
        "indicator": "warning" if e.high else "info",
        "detail": _detail(result, e),
        "source": {"label": SOURCE_LABEL, "url": ctx.source_url, "topic": topic(ctx, "disease-activity")},
    }
    suggestion = _record_suggestion(e, ctx)
    if suggestion:
        card["suggestions"] = [suggestion]
        card["selectionBehavior"] = "at-most-one"
    card["overrideReasons"] = override_reasons(ctx, ESSDAI_OVERRIDE_REASONS)
    if ctx.worksheet_url:
        link_type = ctx.worksheet_link_type if ctx.worksheet_link_type in ("smart", "absolute") else "smart"
        link = {"label": "Open the ESSDAI worksheet", "url": ctx.worksheet_url, "type": link_type}
        if link_type == "smart" and ctx.worksheet_app_context:
            link["appContext"] = ctx.worksheet_app_context  # the spec allows appContext on smart links only
        if isinstance(result.get("course"), dict):
            link = course_link(link)
        card["links"] = [link]
    card["extension"] = {"essdai-cds": result}  # its nulls go with the card's clean() (built_or_unavailable)
    return card
