"""JAK-inhibitor safety checks (pure): facts in, findings out. No I/O, no FHIR models.

Public API (docs/architecture.md, "safety"):

    check_order(order, facts, jurisdiction="FDA")   draft JAKi order (order-select / order-sign)
    readiness(facts, jurisdiction="FDA", drug="baricitinib")   "before starting" checklist
    monitoring(facts, jurisdiction="FDA")           patient already on a JAK inhibitor
    is_jak_inhibitor(med)
    RULES                                           every rule, id order

Every rule lives once in `safety/rules/rNN_*.py`; the three entry points only choose which rules
run (their `phases`) and in which context. A rule that fails on unexpected data does not raise: it
becomes a warning finding saying the check could not be completed.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import MedicationFact, PatientFacts
from safety.doses import IMMEDIATE_RELEASE
from safety.labels import APPROVED, DRUGS, JURISDICTIONS, OTHER_JAK_INHIBITORS
from safety.lookups import dose_text, jak_start
from safety.model import (
    OVERRIDE_NO_ALTERNATIVE,
    Context,
    Indicator,
    Jurisdiction,
    Mark,
    Phase,
    SafetyFinding,
    SafetyRule,
    Source,
    Status,
    Suggestion,
    SuggestionKind,
    fit_summary,
)
from safety.rules import RULES
from safety.rules.r00_off_label import RULE as R00
from safety.unreadable import unreadable_findings

__all__ = [
    "RULES",
    "Indicator",
    "Jurisdiction",
    "Mark",
    "SafetyFinding",
    "SafetyRule",
    "Source",
    "Status",
    "Suggestion",
    "SuggestionKind",
    "check_order",
    "is_jak_inhibitor",
    "monitoring",
    "readiness",
]

JAK_CLASS = "jak-inhibitor"


def is_jak_inhibitor(med: MedicationFact) -> bool:
    """True for a medication in the JAK-inhibitor class or with a known JAK-inhibitor ingredient."""
    return JAK_CLASS in med.classes or med.ingredient in DRUGS or med.ingredient in OTHER_JAK_INHIBITORS


def check_order(order: MedicationFact, facts: PatientFacts, jurisdiction: str = "FDA") -> list[SafetyFinding]:
    """Findings for a draft JAK-inhibitor order; [] for any other medication."""
    if not is_jak_inhibitor(order):
        return []
    ctx = Context(facts=facts, drug=order.ingredient, jurisdiction=_jurisdiction(jurisdiction), phase=Phase.ORDER,
                  order=order)
    findings = _run(ctx)
    if order.release == "extended-release":
        findings = [_new_product(f, order) for f in findings]
    if order.recognised_by == "name":
        findings = [_by_name(f, order) for f in findings]
    return findings


def _new_product(finding: SafetyFinding, order: MedicationFact) -> SafetyFinding:
    """A dose change on an extended-release order changes the product, not only the dose: an 11 mg
    extended-release tablet is never "5 mg once daily"."""
    s = finding.suggestion
    if s is None or s.kind != SuggestionKind.DOSE_CHANGE or s.dose_mg is None or s.dose_mg == order.strength_mg:
        return finding
    product = IMMEDIATE_RELEASE.get((order.ingredient, float(s.dose_mg)))
    if product is None:  # no coded product to move to: say so instead of offering a dose the tablet cannot give
        return replace(finding, suggestion=None, message=f"{finding.message} The draft is an extended-release "
                       f"product; change it by hand to an immediate-release product at the recommended dose.")
    label = f"Change to {product[2]}, {dose_text(s.dose_mg, s.doses_per_day).split(' ', 2)[-1]}"
    return replace(finding, suggestion=replace(s, product=product, label=label))


def _by_name(finding: SafetyFinding, order: MedicationFact) -> SafetyFinding:
    """No code identified the drug: every card says so, and shows the text it was read from."""
    said = f"The drug was recognised by name (\u201c{order.display}\u201d), not by a code: check the order's coding."
    evidence = finding.evidence if any(e.reference == order.reference for e in finding.evidence) else (
        *finding.evidence, order.evidence())
    return replace(finding, message=f"{finding.message} {said}", evidence=evidence)


def readiness(facts: PatientFacts, jurisdiction: str = "FDA", drug: str = "baricitinib") -> list[SafetyFinding]:
    """Before starting `drug`: baseline tests missing or out of date, contraindications and cautions."""
    ctx = Context(facts=facts, drug=str(drug or "").strip().lower(), jurisdiction=_jurisdiction(jurisdiction),
                  phase=Phase.READINESS)
    return _run(ctx)


def monitoring(facts: PatientFacts, jurisdiction: str = "FDA") -> list[SafetyFinding]:
    """For each JAK inhibitor the patient is on: lipids, CBC / liver tests and HBV DNA that are due."""
    jur = _jurisdiction(jurisdiction)
    # labelled drugs only: a patient on ruxolitinib (say) gets no "no label rows" notice on every view
    drugs = sorted({m.ingredient for m in facts.medications_of(JAK_CLASS, *DRUGS) if m.ingredient in DRUGS})
    findings: list[SafetyFinding] = []
    for drug in drugs:
        ctx = Context(facts=facts, drug=drug, jurisdiction=jur, phase=Phase.MONITORING, start=jak_start(facts, drug))
        findings.extend(_run(ctx))
    return findings


def _jurisdiction(value: str | None) -> str:
    return str(value or "FDA").strip().upper()


def _run(ctx: Context) -> list[SafetyFinding]:
    if (ctx.drug, ctx.jurisdiction) not in APPROVED:
        return _guarded(R00, ctx)  # notices only: not approved / no label rows / unknown jurisdiction
    findings: list[SafetyFinding] = []
    for rule in RULES:
        if rule.applies(ctx.drug, ctx.jurisdiction, ctx.phase):
            findings.extend(_guarded(rule, ctx))
            findings.extend(_guarded(_UnreadableCheck(rule), ctx))
    return [_no_alternative_reason(f) for f in findings]


def _no_alternative_reason(finding: SafetyFinding) -> SafetyFinding:
    """A card that says "only if no suitable alternative" offers that as an override reason."""
    text = f"{finding.summary} {finding.message}".lower()
    if "no suitable alternative" not in text and "no alternative" not in text and \
            "no suitable treatment alternative" not in text:
        return finding
    if OVERRIDE_NO_ALTERNATIVE in finding.override_reasons:
        return finding
    return replace(finding, override_reasons=(*finding.override_reasons, OVERRIDE_NO_ALTERNATIVE))


class _UnreadableCheck:
    """The rule's own "could not use the newest result" findings, run guarded like the rule."""

    def __init__(self, rule: SafetyRule) -> None:
        self.rule = rule
        self.id, self.title = rule.id, rule.title

    def check(self, _self: object, ctx: Context) -> list[SafetyFinding]:
        return unreadable_findings(self.rule, ctx)

    def source_for(self, drug: str, jurisdiction: str) -> Source:
        return self.rule.source_for(drug, jurisdiction)


def _guarded(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    """Run one rule; an unexpected error becomes a 'could not be completed' warning, never a 500."""
    try:
        return rule.check(rule, ctx)
    except Exception as exc:  # noqa: BLE001 - a safety card saying "not checked" beats a failed hook
        return [_not_checked(rule, ctx, exc)]


def _not_checked(rule: SafetyRule, ctx: Context, exc: Exception) -> SafetyFinding:
    return SafetyFinding(
        rule=rule.id,
        drug=ctx.drug,
        jurisdiction=ctx.jurisdiction,
        indicator=Indicator.WARNING,
        status=Status.MISSING_DATA,
        summary=fit_summary(f"{rule.id} ({rule.title}) could not be checked",
                            f"JAK-inhibitor safety rule {rule.id} could not be checked"),
        message=f"The {rule.title} check could not be completed ({type(exc).__name__}); check it by hand.",
        evidence=(),
        source=rule.source_for(ctx.drug, ctx.jurisdiction) if ctx.jurisdiction in JURISDICTIONS else
        Source(label=rule.title, section=""),
        mark=Mark.V,
        confirmed=False,
        order_reference=ctx.order.reference if ctx.order is not None else None,
    )
