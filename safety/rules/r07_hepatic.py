"""R07 - Hepatic impairment (jak-safety-rules.md §5.4 R07, §6).

What it does: an active severe-hepatic-impairment Condition (cirrhosis / hepatic failure proxy, or
Child-Pugh C) -> critical "not recommended" (EMA tofacitinib and upadacitinib: contraindicated),
with a suggestion to cancel the draft.

Why: exposure rises in severe hepatic impairment; no label supports use there.

Known problems:
- tofacitinib FDA "moderate impairment -> 5 mg once daily" [V] cannot be evaluated: PatientFacts
  has no moderate-hepatic-impairment concept and no Child-Pugh score.
- the bilirubin / INR / albumin-derived flag [P] of the document is not implemented.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_43, USPI_DOSAGE, USPI_HEPATIC, cancel_order, conditions_text, \
    evidence_of, join, sections, table

_CRIT = Indicator.CRITICAL

THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
        (BARICITINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
        (TOFACITINIB, FDA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
        (TOFACITINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment (incl. cirrhosis): contraindicated"),
        (UPADACITINIB, FDA): Row(Mark.V, _CRIT, "severe hepatic impairment (Child-Pugh C): not recommended"),
        (UPADACITINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment: contraindicated"),
        (FILGOTINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
    }
)

TEXTS = {
    "fired": Text(
        "Severe hepatic impairment on file: {drug} {verdict} ({jurisdiction})",
        "Severe hepatic impairment: {observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    found = ctx.facts.conditions_of("severe-hepatic-impairment")
    if not found:
        return []
    row = rule.rows(ctx)[0]
    verdict = "contraindicated" if "contraindicated" in row.says else "not recommended"
    return [
        rule.finding(
            ctx, row.case, indicator=row.indicator, mark=row.mark, evidence=evidence_of(found),
            suggestion=cancel_order(ctx, f"severe hepatic impairment: {verdict}"),
            observed=conditions_text(found), says=row.says, verdict=verdict,
        )
    ]


RULE = SafetyRule(
    id="R07",
    title="Hepatic impairment",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(join(USPI_DOSAGE, USPI_HEPATIC), join(SMPC_42, SMPC_43)),
    check=check,
    known_problems="Tofacitinib FDA moderate impairment (5 mg once daily) not evaluable: no such concept in facts.",
    override_reasons=(OVERRIDE_BENEFIT,),
)


def dose_limit(ctx: Context) -> Row | None:
    """No hepatic dose row is evaluable yet (moderate impairment has no concept); for R31."""
    return None
