"""R21 - Age (jak-safety-rules.md §5.7 R21, §6).

What it does: age >= 65 -> EMA: warning "only if no suitable alternative" with the EMA dose as a
dose-change suggestion (baricitinib 2 mg, filgotinib 100 mg, upadacitinib 15 mg) when the draft is
above it; FDA: info (no age cut-off; higher infection rates in the elderly).

Why: the EMA Article 20 referral restricts JAK inhibitors in patients >= 65; the US labels have no
age cut-off.

Known problems: no birth date -> nothing (the age is unknown; other rules say what they could not
compute). EMA filgotinib "not recommended in UC > 75" is UC-only and not applied to pSS.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import dose_text, order_above
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import REFERRAL, SMPC_42, SMPC_44, USPI_GERIATRIC, dose_change, each, join, sections, \
    table

AGE = 65
NO_ALTERNATIVE = ">= 65: only if no suitable alternative"
THRESHOLDS = table(
    {
        (BARICITINIB, EMA): Row(Mark.V, Indicator.WARNING, f"{NO_ALTERNATIVE}; 2 mg once daily", limit=AGE, op=">=",
                                unit="years", dose_mg=2, doses_per_day=1),
        (FILGOTINIB, EMA): Row(Mark.V, Indicator.WARNING, f"{NO_ALTERNATIVE}; 100 mg once daily", limit=AGE,
                               op=">=", unit="years", dose_mg=100, doses_per_day=1),
        (UPADACITINIB, EMA): Row(Mark.V, Indicator.WARNING, f"{NO_ALTERNATIVE}; 15 mg once daily", limit=AGE,
                                 op=">=", unit="years", dose_mg=15, doses_per_day=1),
        (TOFACITINIB, EMA): Row(Mark.V, Indicator.WARNING, NO_ALTERNATIVE, limit=AGE, op=">=", unit="years"),
        **each(Row(Mark.V, Indicator.INFO, "no age cut-off; higher infection rates in the elderly", limit=AGE,
                   op=">=", unit="years"), jurisdictions=(FDA,)),
    }
)

TEXTS = {
    "fired": Text(
        "The patient is aged {age}; {verdict}",
        "Patient aged {age} (born {born}). {jurisdiction} label: {says}.{dose_sentence}",
    ),
}


def _row(rule: SafetyRule, ctx: Context) -> Row | None:
    age = ctx.facts.age_years()
    rows = rule.rows(ctx)
    return rows[0] if rows and age is not None and rows[0].triggered_by(age) else None


def dose_limit(ctx: Context) -> Row | None:
    row = _row(RULE, ctx)
    return row if row is not None and row.dose_mg is not None else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    row = _row(rule, ctx)
    if row is None:
        return []
    suggestion = None
    dose_sentence = ""
    if row.dose_mg is not None:
        dose_sentence = f" Recommended dose: {dose_text(row.dose_mg, row.doses_per_day)}."
        if order_above(ctx.order, row):
            suggestion = dose_change(row, "age >= 65 (EMA)")
    if ctx.jurisdiction == EMA:
        verdict = f"use {ctx.drug} only if there is no suitable alternative (EMA)"
        if row.dose_mg is not None:
            verdict += f", at {dose_text(row.dose_mg, row.doses_per_day)}"
    else:
        verdict = f"the US label has no age cut-off for {ctx.drug}, but infections are more frequent in the elderly"
    birth = ctx.facts.birth_date
    return [rule.finding(ctx, "fired", indicator=row.indicator, mark=row.mark, suggestion=suggestion,
                         age=str(ctx.facts.age_years()), born=birth.isoformat() if birth else "?",
                         verdict=verdict, says=row.says, dose_sentence=dose_sentence)]


RULE = SafetyRule(
    id="R21",
    title="Age",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_GERIATRIC, join(SMPC_42, SMPC_44, REFERRAL)),
    check=check,
    known_problems="No birth date -> silent; filgotinib UC > 75 row not applied.",
    override_reasons=(OVERRIDE_BENEFIT,),
)
