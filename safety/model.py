"""Types of the JAK-inhibitor safety rules: marks, findings, suggestions and the rule itself.

Everything here is a frozen dataclass or a StrEnum; dicts appear only in `to_json()`. A rule's
clinical numbers live in its own module (`safety/rules/rNN_*.py`) as `Row` data, keyed by
drug x jurisdiction, each with the confidence mark of `jak-safety-rules.md`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from fhir_mappings.facts import Evidence, MedicationFact, PatientFacts

log = logging.getLogger("essdai_cds.safety")

SUMMARY_MAX = 138  # CDS Hooks: summary "<140 characters", less the full stop the card adds (cards.text.sentence)


class Mark(StrEnum):
    """Confidence marks of jak-safety-rules.md §0."""

    V = "V"  # confirmed in a primary (or near-verbatim) source
    S = "S"  # secondary source; probably correct
    R = "R"  # recollection / best guess: must be verified
    P = "P"  # proposed local policy: the CDS owner picks the number


_MARK_ORDER = {Mark.V: 0, Mark.S: 1, Mark.R: 2, Mark.P: 3}


def weakest(*marks: Mark) -> Mark:
    """The least certain of several marks (a finding is only as sure as its weakest input)."""
    return max(marks, key=_MARK_ORDER.__getitem__)


class Indicator(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Status(StrEnum):
    FIRED = "fired"  # the data are present and cross the threshold
    MISSING_DATA = "missing-data"  # the data needed to check are absent or out of date


class Jurisdiction(StrEnum):
    FDA = "FDA"
    EMA = "EMA"


class Phase(StrEnum):
    ORDER = "order"  # a draft JAKi order (order-select / order-sign)
    READINESS = "readiness"  # patient-view: "before starting a JAK inhibitor"
    MONITORING = "monitoring"  # patient-view: patient already on a JAK inhibitor


class SuggestionKind(StrEnum):
    DOSE_CHANGE = "dose-change"
    ORDER_TEST = "order-test"
    CANCEL_ORDER = "cancel-order"


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != [] and v != ""}


@dataclass(frozen=True)
class Source:
    """Where the rule comes from: a label (or paper), the section TITLE, and a URL a reviewer can open."""

    label: str
    section: str
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none({"label": self.label, "section": self.section, "url": self.url})


@dataclass(frozen=True)
class Suggestion:
    """An action that fixes the finding: a new dose, a test to order, or cancelling the draft."""

    kind: SuggestionKind
    label: str
    dose_mg: float | None = None
    doses_per_day: float | None = None
    loinc: tuple[tuple[str, str], ...] = ()  # (code, display) of the tests to order
    reason: str | None = None
    # dose change that needs another product (11 mg extended-release -> 5 mg tablet): (system, code, display)
    product: tuple[str, str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "kind": str(self.kind),
                "label": self.label,
                "doseMg": self.dose_mg,
                "dosesPerDay": self.doses_per_day,
                "product": {"system": self.product[0], "code": self.product[1], "display": self.product[2]}
                if self.product else None,
                "loinc": [{"code": c, "display": d} for c, d in self.loinc],
                "reason": self.reason,
            }
        )


@dataclass(frozen=True)
class SafetyFinding:
    """One rule's verdict for one drug in one jurisdiction; the input of one card."""

    rule: str
    drug: str
    jurisdiction: str
    indicator: Indicator
    status: Status
    summary: str  # < 140 characters
    message: str  # names value, unit and date of what it rests on
    evidence: tuple[Evidence, ...]
    source: Source
    mark: Mark
    confirmed: bool  # False for [R]/[P] thresholds: the card says it is not confirmed against the label
    override_reasons: tuple[tuple[str, str], ...] = ()
    suggestion: Suggestion | None = None
    order_reference: str | None = None  # the draft MedicationRequest id, in order mode

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "rule": self.rule,
                "drug": self.drug,
                "jurisdiction": self.jurisdiction,
                "indicator": str(self.indicator),
                "status": str(self.status),
                "summary": self.summary,
                "message": self.message,
                "evidence": [e.to_json() for e in self.evidence],
                "source": self.source.to_json(),
                "mark": str(self.mark),
                "confirmed": self.confirmed,
                "overrideReasons": [{"code": c, "display": d} for c, d in self.override_reasons],
                "suggestion": self.suggestion.to_json() if self.suggestion else None,
                "orderReference": self.order_reference,
            }
        )


@dataclass(frozen=True)
class Row:
    """One label row for a drug x jurisdiction: what triggers it, what the label says, how sure we are.

    `limit`/`op`/`unit` hold a numeric cut-off ("value op limit" triggers, e.g. ALC < 500 /uL);
    rows without a limit are triggered by a condition or medication named in the rule. A row with
    `dose_mg` is a dose adjustment (the new dose); its `indicator` is the card's indicator.
    """

    mark: Mark
    indicator: Indicator
    says: str  # the label wording, short: "do not initiate", "reduce to 1 mg once daily"
    limit: float | None = None
    op: str = "<"  # "<" | "<=" | ">" | ">="
    unit: str | None = None
    dose_mg: float | None = None
    doses_per_day: float | None = None
    case: str = "fired"  # which Text of the rule renders it

    def triggered_by(self, value: float) -> bool:
        if self.limit is None:
            return False
        return {
            "<": value < self.limit,
            "<=": value <= self.limit,
            ">": value > self.limit,
            ">=": value >= self.limit,
        }[self.op]

    @property
    def daily_mg(self) -> float | None:
        if self.dose_mg is None or self.doses_per_day is None:
            return None
        return self.dose_mg * self.doses_per_day


@dataclass(frozen=True)
class Text:
    """Summary (< 140 characters once rendered) and message templates of one outcome of a rule."""

    summary: str
    message: str


@dataclass(frozen=True)
class Context:
    """What a rule check reads: the patient, the drug and jurisdiction, and the phase it runs in."""

    facts: PatientFacts
    drug: str
    jurisdiction: str
    phase: Phase
    order: MedicationFact | None = None
    start: date | None = None  # first day on the JAK inhibitor (monitoring)

    @property
    def as_of(self) -> date:
        return self.facts.as_of


DrugJurisdiction = tuple[str, str]
Check = Callable[["SafetyRule", Context], list[SafetyFinding]]
ALL_PHASES = frozenset({Phase.ORDER, Phase.READINESS})


@dataclass(frozen=True, eq=False)
class SafetyRule:
    """One rule of jak-safety-rules.md §5: data (rows, texts, sources) plus its check function."""

    id: str
    title: str
    applies_to: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    thresholds: Mapping[DrugJurisdiction, tuple[Row, ...]]
    indicator: Indicator  # indicator policy: the usual indicator when the rule fires (rows may differ)
    texts: Mapping[str, Text]  # outcome ("fired", "missing", ...) -> summary/message templates
    sections: Mapping[str, str]  # jurisdiction -> section TITLES of the label that says it
    check: Check
    phases: frozenset[Phase] = ALL_PHASES
    known_problems: str = ""
    override_reasons: tuple[tuple[str, str], ...] = ()
    source: Source | None = None  # a fixed source instead of the drug label (R00: papers)
    evaluable: bool = True  # False: the data model cannot evaluate it yet (see known_problems)

    def applies(self, drug: str, jurisdiction: str, phase: Phase) -> bool:
        return drug in self.applies_to and jurisdiction in self.jurisdictions and phase in self.phases

    def rows(self, ctx: Context) -> tuple[Row, ...]:
        return self.thresholds.get((ctx.drug, ctx.jurisdiction), ())

    def source_for(self, drug: str, jurisdiction: str) -> Source:
        from safety.labels import label_for  # local import: safety.labels imports Mark from this module

        if self.source is not None:
            return self.source
        label = label_for(drug, jurisdiction)
        return Source(label=label.title, section=self.sections.get(jurisdiction, ""), url=label.url or None)

    def finding(
        self,
        ctx: Context,
        case: str,
        *,
        indicator: Indicator,
        mark: Mark,
        evidence: tuple[Evidence, ...] | list[Evidence] = (),
        status: Status = Status.FIRED,
        suggestion: Suggestion | None = None,
        override_reasons: tuple[tuple[str, str], ...] | None = None,
        **values: str,
    ) -> SafetyFinding:
        """Render one outcome. Dose changes and cancellations only make sense against a draft order."""
        text = self.texts[case]
        filled = {"drug": ctx.drug, "jurisdiction": ctx.jurisdiction, **values}
        if suggestion is not None and ctx.order is None and suggestion.kind != SuggestionKind.ORDER_TEST:
            suggestion = None
        return SafetyFinding(
            rule=self.id,
            drug=ctx.drug,
            jurisdiction=ctx.jurisdiction,
            indicator=indicator,
            status=status,
            summary=fit_summary(text.summary.format(**filled),
                                f"JAK-inhibitor safety rule {self.id} ({self.title}) applies; see the details",
                                f"JAK-inhibitor safety rule {self.id} applies; see the details"),
            message=text.message.format(**filled),
            evidence=tuple(evidence),
            source=self.source_for(ctx.drug, ctx.jurisdiction),
            mark=mark,
            confirmed=mark in (Mark.V, Mark.S),
            override_reasons=self.override_reasons if override_reasons is None else override_reasons,
            suggestion=suggestion,
            order_reference=ctx.order.reference if ctx.order is not None else None,
        )


def fit_summary(*candidates: str) -> str:
    """The first candidate that fits a card summary, capitalised. Never cut: a cut sentence reads as a
    different claim. Templates are tested to fit with their longest values; the last candidate is a short
    fixed sentence for anything longer (logged, so a template that outgrew the limit is noticed)."""
    out = ""
    for i, summary in enumerate(candidates):
        first = summary.split(" ", 1)[0]
        if first.islower():  # "baricitinib ..." -> "Baricitinib ...", but "eGFR ..." stays
            summary = summary[:1].upper() + summary[1:]
        out = summary
        if len(summary) <= SUMMARY_MAX:
            if i:
                log.warning("safety summary over %d characters; a shorter sentence was used", SUMMARY_MAX)
            return summary
    log.error("no safety summary candidate fits %d characters", SUMMARY_MAX)
    return out


# Override reasons offered on cards ([P] local policy, jak-safety-rules.md §4). Codes are local keys,
# not clinical codes; `cards` puts them under the project CodeSystem.
OVERRIDE_BENEFIT = ("benefit-outweighs-risk", "Benefit outweighs risk - documented")
OVERRIDE_CHRONIC_CYTOPENIA = ("chronic-pss-cytopenia", "Value is chronic / disease-related (pSS cytopenia)")
OVERRIDE_OUTSIDE_RESULT = ("result-outside-ehr", "Result available outside EHR")
OVERRIDE_SPECIALIST = ("specialist-consulted", "Specialist (hepatology/ID) consulted")
# offered wherever a card says "only if no suitable alternative" (EMA 2023 Article 20 measures)
OVERRIDE_NO_ALTERNATIVE = ("no-suitable-alternative", "No suitable treatment alternative - documented")

STANDARD_OVERRIDES = (OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT)


def evidence_tuple(*items: Evidence | None) -> tuple[Evidence, ...]:
    return tuple(e for e in items if e is not None)
