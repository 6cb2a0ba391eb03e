"""The course over time: every recorded ESSDAI (with its domain components), ClinESSDAI and ESSPRI as
visits, today's derived range as the last visit, the JAK-inhibitor episodes, and the response at each
visit on treatment against the baseline at that episode's start.

Response (Bai 2022, Seror 2016 [S4]; scoring.thresholds): ESSDAI fall >= 3 ("met" / "not-met", or
"undetermined" when a range straddles the MCII); ESSPRI fall >= 1 point or >= 15 % of baseline.
A visit is recorded when a total or all three ESSPRI items carry its date; recorded totals dated on
the assessment date are left to the derived visit (as `change` does). Pure: reads PatientFacts and
the assessment's totals only.

`esspri_since_previous(course)`: today's ESSPRI against the last earlier visit with an ESSPRI (the same
visits, so the assessment's `esspriChange` and the course never disagree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fhir_mappings.facts import PatientFacts
from scoring.change import total_problem
from scoring.domains import CLINESSDAI_WEIGHTS, ESSDAI_WEIGHTS, max_score
from scoring.essdai import Total, category
from scoring.esspri import ITEM_CODES, Esspri, EsspriChange, esspri_change, esspri_mcii_at
from scoring.thresholds import (COURSE_BASELINE_DAYS, ESSDAI_MCII, ESSPRI_ITEM_MAX, ESSPRI_ITEM_MIN,
                                ESSPRI_MCII_PCT, ESSPRI_MCII_POINTS, RESPONSE_SOURCE)
from scoring.treatment import Episode, episodes

ESSDAI_MAX, CLINESSDAI_MAX = max_score(ESSDAI_WEIGHTS), max_score(CLINESSDAI_WEIGHTS)
MET, NOT_MET, UNDETERMINED = "met", "not-met", "undetermined"


@dataclass(frozen=True)
class Visit:
    date: date
    source: str  # "recorded" (totals in the chart) | "current" (derived today from the record)
    essdai: tuple[int, int] | None = None  # (score, max): equal for a recorded total
    components: dict[str, int] = field(default_factory=dict)  # domain -> level (recorded totals)
    clinessdai: tuple[int, int] | None = None
    esspri: float | None = None
    references: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        def rng(r: tuple[int, int] | None) -> dict[str, Any] | None:
            return None if r is None else {"score": r[0], "max": r[1], "category": category(*r)}
        return {"date": self.date.isoformat(), "source": self.source, "essdai": rng(self.essdai),
                "components": dict(self.components) or None, "clinessdai": rng(self.clinessdai),
                "esspri": self.esspri, "references": list(self.references)}


@dataclass(frozen=True)
class Response:
    """One visit on treatment against its episode's baseline; a None member = no value to compare."""

    drug: str
    start: date  # of the episode
    weeks: int
    essdai_fall: tuple[int, int] | None  # (least, most) fall the ranges allow; positive = improvement
    essdai: str | None  # met | not-met | undetermined
    esspri_fall: float | None
    esspri_percent: float | None  # fall as % of baseline
    esspri: str | None  # met | not-met

    def to_json(self) -> dict[str, Any]:
        return {"drug": self.drug, "start": self.start.isoformat(), "weeks": self.weeks,
                "essdai": None if self.essdai is None else {"fall": list(self.essdai_fall or ()), "mcii": self.essdai},
                "esspri": None if self.esspri is None else {"fall": self.esspri_fall, "percent": self.esspri_percent,
                                                            "mcii": self.esspri}}


@dataclass(frozen=True)
class Baseline:
    episode: Episode
    essdai: Visit | None
    esspri: Visit | None

    def to_json(self) -> dict[str, Any]:
        """`mciiAt`: the value at or below which a visit meets the MCII (for a chart's line); null for an
        ESSDAI baseline range, where met and not met have different lines."""
        essdai = esspri = None
        if self.essdai is not None and self.essdai.essdai is not None:
            lo, hi = self.essdai.essdai
            essdai = {"date": self.essdai.date.isoformat(), "score": lo, "max": hi,
                      "mciiAt": lo - int(ESSDAI_MCII.value) if lo == hi else None}
        if self.esspri is not None and self.esspri.esspri is not None:
            b = self.esspri.esspri
            esspri = {"date": self.esspri.date.isoformat(), "score": b, "mciiAt": esspri_mcii_at(b)}
        return {"drug": self.episode.drug, "start": self.episode.start.isoformat(), "essdai": essdai, "esspri": esspri}


@dataclass(frozen=True)
class Course:
    visits: tuple[Visit, ...]
    episodes: tuple[Episode, ...]
    baselines: tuple[Baseline, ...]  # one per episode
    responses: dict[date, Response]  # by visit date, for visits on treatment after the baseline

    @property
    def current(self) -> Visit:
        return self.visits[-1]

    @property
    def on_treatment(self) -> Episode | None:
        """The episode covering the assessment date, if the patient is on a JAK inhibitor now."""
        return next((e for e in reversed(self.episodes) if e.ongoing and e.covers(self.current.date)), None)

    def baseline_of(self, episode: Episode | None) -> Baseline | None:
        return next((b for b in self.baselines if b.episode == episode), None) if episode else None

    def to_json(self) -> dict[str, Any]:
        now = self.on_treatment
        baseline = self.baseline_of(now)
        current = self.responses.get(self.current.date) if now else None
        return {
            "visits": [{**v.to_json(), "response": self.responses[v.date].to_json() if v.date in self.responses
                        else None} for v in self.visits],
            "treatment": {"current": now.to_json() if now else None,
                          "episodes": [{**e.to_json(), "baseline": b.to_json() if (b := self.baseline_of(e)) else None}
                                       for e in self.episodes]},
            "baseline": baseline.to_json() if baseline else None,
            "response": current.to_json() if current else None,
            "criteria": {"essdaiFall": int(ESSDAI_MCII.value), "esspriFallPoints": ESSPRI_MCII_POINTS.value,
                         "esspriFallPercent": ESSPRI_MCII_PCT.value, "source": RESPONSE_SOURCE},
        }


@dataclass(frozen=True)
class EsspriSincePrevious:
    """Today's ESSPRI against the previous recorded one; MCII = fall >= 1 point or >= 15 % [S4]."""

    previous_date: date
    change: EsspriChange

    def to_json(self) -> dict[str, Any]:
        c = self.change
        return {"previous": c.baseline, "previousDate": self.previous_date.isoformat(), "current": c.current,
                "delta": c.delta + 0.0, "percent": None if c.percent is None else c.percent + 0.0,  # no -0.0
                "mcii": c.mcii}


def esspri_since_previous(history: Course | None) -> EsspriSincePrevious | None:
    """None without a new ESSPRI today (course's current visit) or without an earlier visit carrying one."""
    if history is None or history.current.esspri is None:
        return None
    earlier = [v for v in history.visits[:-1] if v.esspri is not None]
    if not earlier:
        return None
    return EsspriSincePrevious(earlier[-1].date, esspri_change(earlier[-1].esspri, history.current.esspri))


# --- visits ---------------------------------------------------------------------------------------

def _recorded_visits(facts: PatientFacts, current: Esspri | None) -> tuple[list[Visit], list[str]]:
    """Visits before the assessment date. ESSPRI items on a day without a total that are the ones the
    current ESSPRI uses (rated before the visit) belong to today's visit, not to a visit of their own."""
    today_items = {e.reference for e in current.evidence} if current else set()
    warnings: list[str] = []
    by_day: dict[date, dict[str, Any]] = {}
    for f in facts.findings:
        if f.date >= facts.as_of:
            continue
        day = by_day.setdefault(f.date, {"refs": [], "esspri": {}})
        if f.code in ("essdai-total", "clinessdai-total"):
            top = ESSDAI_MAX if f.code == "essdai-total" else CLINESSDAI_MAX
            problem = total_problem(f, top)
            if problem:
                warnings.append(problem)
                continue
            day[f.code] = f
            day["refs"].append(f.reference)
        elif f.code in ITEM_CODES:
            v = f.value
            if isinstance(v, (int, float)) and not isinstance(v, bool) and ESSPRI_ITEM_MIN <= v <= ESSPRI_ITEM_MAX:
                day["esspri"][f.code] = float(v)
                day["refs"].append(f.reference)
    visits = []
    for day, got in sorted(by_day.items()):
        essdai, clin = got.get("essdai-total"), got.get("clinessdai-total")
        items = got["esspri"]
        esspri = round(sum(items.values()) / len(items), 2) if len(items) == len(ITEM_CODES) else None
        if essdai is None and clin is None and (esspri is None or set(got["refs"]) <= today_items):
            continue
        visits.append(Visit(
            date=day, source="recorded",
            essdai=(int(essdai.value), int(essdai.value)) if essdai else None,
            components=dict(essdai.components) if essdai else {},
            clinessdai=(int(clin.value), int(clin.value)) if clin else None,
            esspri=esspri, references=tuple(dict.fromkeys(got["refs"]))))
    return visits, warnings


def _current_esspri(esspri: Esspri | None, recorded: list[Visit]) -> float | None:
    """Today's ESSPRI, unless its items are those of an earlier visit shown with its totals (the clinician
    window may still hold them: not a new rating)."""
    if esspri is None:
        return None
    used = {e.reference for e in esspri.evidence}
    return None if any(used & set(v.references) for v in recorded) else esspri.score


# --- response -------------------------------------------------------------------------------------

def _baseline(episode: Episode, visits: list[Visit], attr: str) -> Visit | None:
    earliest = episode.start - timedelta(days=int(COURSE_BASELINE_DAYS.value))
    found = [v for v in visits if getattr(v, attr) is not None and earliest <= v.date <= episode.start]
    return found[-1] if found else None


def essdai_response(baseline: tuple[int, int], now: tuple[int, int]) -> tuple[tuple[int, int], str]:
    """(least, most) fall and met / not-met / undetermined against the ESSDAI MCII (fall >= 3)."""
    least, most = baseline[0] - now[1], baseline[1] - now[0]
    mcii = ESSDAI_MCII.value
    return (least, most), MET if least >= mcii else NOT_MET if most < mcii else UNDETERMINED


def _response(episode: Episode, base: Baseline, visit: Visit) -> Response:
    fall = state = None
    if base.essdai is not None and base.essdai.essdai is not None and visit.essdai is not None:
        fall, state = essdai_response(base.essdai.essdai, visit.essdai)
    p_fall = p_pct = p_state = None
    if base.esspri is not None and base.esspri.esspri is not None and visit.esspri is not None:
        change = esspri_change(base.esspri.esspri, visit.esspri)
        p_fall = round(-change.delta, 2) + 0.0  # + 0.0: no -0.0 in the JSON
        p_pct = None if change.percent is None else round(-change.percent, 1) + 0.0
        p_state = MET if change.mcii else NOT_MET
    return Response(episode.drug, episode.start, episode.weeks_at(visit.date), fall, state, p_fall, p_pct, p_state)


def course(facts: PatientFacts, essdai: Total, clinessdai: Total, esspri: Esspri | None
           ) -> tuple[Course | None, list[str]]:
    """The course, or None when there is no history (no earlier visit and no JAK-inhibitor episode)."""
    visits, warnings = _recorded_visits(facts, esspri)
    treated, treatment_warnings = episodes(facts)
    warnings += treatment_warnings
    if not visits and not treated:
        return None, warnings
    visits.append(Visit(date=facts.as_of, source="current", essdai=(essdai.score, essdai.max),
                        clinessdai=(clinessdai.score, clinessdai.max), esspri=_current_esspri(esspri, visits)))
    baselines = tuple(Baseline(e, _baseline(e, visits, "essdai"), _baseline(e, visits, "esspri")) for e in treated)
    responses: dict[date, Response] = {}
    for v in visits:
        for b in baselines:
            has_baseline = b.essdai is not None or b.esspri is not None
            if has_baseline and b.episode.covers(v.date) and v.date > b.episode.start:
                responses[v.date] = _response(b.episode, b, v)
    return Course(tuple(visits), treated, baselines, responses), warnings
