"""R29 - Diabetes: infection risk and hypoglycaemia (jak-safety-rules.md §5.9 R29).

What it does: an active diabetes Condition or an active antidiabetic medicine -> info (infection
risk; for tofacitinib / upadacitinib, antidiabetic doses may need lowering).

Why: diabetes raises infection incidence (labels: use caution); EU Xeljanz and Rinvoq leaflets say
antidiabetic doses may need lowering; the tofacitinib US label added a hypoglycaemia section (2026).

Known problems: the content of the tofacitinib US "Hypoglycemia" section is [R] (only its title
was seen); FDA baricitinib / upadacitinib rows are [R].
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, TOFACITINIB, UPADACITINIB
from safety.lookups import other_medications
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, SMPC_45, USPI_DIABETES, conditions_text, each, evidence_of, join, \
    medications_text, sections, table

INFECTION = "diabetes raises infection incidence: use caution"
THRESHOLDS = table(
    {
        **each(Row(Mark.V, Indicator.INFO, INFECTION), jurisdictions=(EMA,)),
        **each(Row(Mark.V, Indicator.INFO, INFECTION + "; antidiabetic doses may need lowering"),
               (TOFACITINIB, UPADACITINIB), (EMA,)),
        (TOFACITINIB, FDA): Row(Mark.V, Indicator.INFO, INFECTION + "; hypoglycaemia section added (content [R])"),
        (BARICITINIB, FDA): Row(Mark.R, Indicator.INFO, INFECTION),
        (UPADACITINIB, FDA): Row(Mark.R, Indicator.INFO, INFECTION),
    }
)

TEXTS = {
    "fired": Text(
        "Diabetes is on file, so the infection risk on {drug} is higher; watch glucose",
        "{observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    conds = ctx.facts.conditions_of("diabetes")
    meds = other_medications(ctx.facts, "antidiabetic", exclude=ctx.order)
    if not conds and not meds:
        return []
    row = rule.rows(ctx)[0]
    parts = [conditions_text(conds)] if conds else []
    if meds:
        parts.append(f"antidiabetic medicines: {medications_text(meds)}")
    observed = "; ".join(parts)
    return [rule.finding(ctx, "fired", indicator=row.indicator, mark=row.mark, evidence=evidence_of(conds, meds),
                         observed=observed, says=row.says)]


RULE = SafetyRule(
    id="R29",
    title="Diabetes (infection risk and hypoglycaemia)",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.INFO,
    texts=TEXTS,
    sections=sections(USPI_DIABETES, join(SMPC_44, SMPC_45)),
    check=check,
    known_problems="Tofacitinib US hypoglycaemia content [R]; FDA B/U rows [R].",
)
