"""R10 - Chronic or recurrent infection, or high infection risk (jak-safety-rules.md §5.5 R10).

What it does: an active chronic/recurrent-infection Condition ([P] value set), or prednisone /
prednisolone >= 15 mg/day [P] -> warning "consider benefit-risk". EMA baricitinib with chronic or
recurrent infection: 2 mg once daily [V], as a dose-change suggestion.

Why: the boxed warning and SmPC 4.4 ask for benefit-risk in chronic or recurrent infection.

Known problems:
- the document's other triggers are reported by their own rules: age >= 65 by R21, diabetes by R29.
- the steroid trigger reads prednisone and prednisolone only (other corticosteroids would need
  equivalence factors the document does not give); doses are daily mg from the medication fact.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA
from safety.lookups import dose_text, fmt, order_above, other_medications
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_44, USPI_BOXED, USPI_INFECTIONS, conditions_text, dose_change, \
    each, evidence_of, join, row_of, sections, table

PREDNISONE_EQUIVALENT = frozenset({"prednisone", "prednisolone"})  # 1:1 prednisone equivalents

THRESHOLDS = table(
    each(Row(Mark.V, Indicator.WARNING, "consider benefit-risk in chronic or recurrent infection", case="chronic")),
    each(Row(Mark.P, Indicator.WARNING, "prednisone-equivalent >= 15 mg/day raises infection risk", limit=15,
             op=">=", unit="mg/day", case="steroid")),
    {(BARICITINIB, EMA): Row(Mark.V, Indicator.WARNING, "history of chronic or recurrent infection: 2 mg once daily",
                             dose_mg=2, doses_per_day=1, case="dose")},
)

TEXTS = {
    "fired": Text(
        "{trigger} is on file, so weigh the infection risk of {drug}{dose_note}",
        "{observed}. {jurisdiction} label: consider benefit-risk in chronic or recurrent infection.{dose_detail}",
    ),
}


def _triggers(rule: SafetyRule, ctx: Context):
    chronic = ctx.facts.conditions_of("chronic-infection")
    steroid_row = row_of(rule, ctx, "steroid")
    steroids = tuple(
        m for m in other_medications(ctx.facts, "corticosteroid", exclude=ctx.order)
        if m.ingredient in PREDNISONE_EQUIVALENT and m.daily_mg is not None and steroid_row is not None
        and steroid_row.triggered_by(m.daily_mg)
    )
    return chronic, steroids


def dose_limit(ctx: Context) -> Row | None:
    """EMA baricitinib 2 mg with chronic or recurrent infection (for R31)."""
    chronic, _ = _triggers(RULE, ctx)
    return row_of(RULE, ctx, "dose") if chronic else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    chronic, steroids = _triggers(rule, ctx)
    if not chronic and not steroids:
        return []
    parts = []
    if chronic:
        parts.append(f"Chronic/recurrent infection: {conditions_text(chronic)}")
    for m in steroids:
        parts.append(f"{m.display} {fmt(m.daily_mg or 0)} mg/day ({m.reference}; >= 15 mg/day [P])")
    dose_row = row_of(rule, ctx, "dose") if chronic else None
    suggestion = None
    dose_note = dose_detail = ""
    if dose_row is not None and order_above(ctx.order, dose_row):
        suggestion = dose_change(dose_row, "chronic or recurrent infection (EMA)")
        dose_note = f"; the EMA dose is {dose_text(dose_row.dose_mg, dose_row.doses_per_day)}"
        dose_detail = f" EMA: {dose_row.says}."
    row = row_of(rule, ctx, "chronic" if chronic else "steroid")
    assert row is not None
    return [
        rule.finding(
            ctx, "fired", indicator=row.indicator, mark=row.mark, evidence=evidence_of(chronic, steroids),
            suggestion=suggestion,
            trigger="A chronic or recurrent infection" if chronic else "Prednisone at 15 mg/day or more",
            observed="; ".join(parts),
            dose_note=dose_note, dose_detail=dose_detail,
        )
    ]


RULE = SafetyRule(
    id="R10",
    title="Chronic or recurrent infection, or high infection risk",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_BOXED, USPI_INFECTIONS), join(SMPC_42, SMPC_44)),
    check=check,
    known_problems="Age >= 65 -> R21, diabetes -> R29; steroid trigger reads prednisone/prednisolone only [P].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
