"""R17 - Breastfeeding (jak-safety-rules.md §5.6 R17).

What it does: an active lactation Condition -> critical for tofacitinib EMA (contraindicated in
lactation), warning for the others, naming how long after the last dose not to breastfeed where the
label gives it.

Why: JAK inhibitors pass into milk; EU labels say do not breastfeed.

Known problems: lactation Observations (local codes) are not read; FDA baricitinib (4 days) and
upadacitinib (6 days) intervals are [R].
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_43, SMPC_46, USPI_LACTATION, cancel_order, conditions_text, evidence_of, \
    join, sections, table

_WARN = Indicator.WARNING
THRESHOLDS = table(
    {
        (TOFACITINIB, EMA): Row(Mark.V, Indicator.CRITICAL, "breastfeeding: contraindicated"),
        (BARICITINIB, EMA): Row(Mark.V, _WARN, "do not use while breastfeeding: decide either/or"),
        (UPADACITINIB, EMA): Row(Mark.V, _WARN, "do not use while breastfeeding: decide either/or"),
        (FILGOTINIB, EMA): Row(Mark.V, _WARN, "do not breastfeed during treatment"),
        (TOFACITINIB, FDA): Row(Mark.S, _WARN, "do not breastfeed during treatment and for 18 h (IR) / 36 h (XR) "
                                               "after the last dose"),
        (BARICITINIB, FDA): Row(Mark.R, _WARN, "do not breastfeed during treatment and for 4 days after the last "
                                               "dose"),
        (UPADACITINIB, FDA): Row(Mark.R, _WARN, "do not breastfeed during treatment and for 6 days after the last "
                                                "dose"),
    }
)

TEXTS = {
    "fired": Text(
        "Breastfeeding is on file; {verdict} ({jurisdiction} label)",
        "Lactation: {observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    found = ctx.facts.conditions_of("lactation")
    if not found:
        return []
    row = rule.rows(ctx)[0]
    critical = row.indicator == Indicator.CRITICAL
    return [rule.finding(ctx, row.case, indicator=row.indicator, mark=row.mark, evidence=evidence_of(found),
                         suggestion=cancel_order(ctx, "breastfeeding: contraindicated") if critical else None,
                         observed=conditions_text(found), says=row.says,
                         verdict=f"{ctx.drug} is contraindicated" if critical else f"do not breastfeed on {ctx.drug}")]


RULE = SafetyRule(
    id="R17",
    title="Breastfeeding",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_LACTATION, join(SMPC_43, SMPC_46)),
    check=check,
    known_problems="Lactation Observations not read; FDA B (4 days) and U (6 days) intervals [R].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
