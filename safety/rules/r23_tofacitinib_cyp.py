"""R23 - Tofacitinib with CYP inhibitors or inducers (jak-safety-rules.md §5.8 R23).

What it does: an active strong CYP3A4 inducer (e.g. rifampin) -> critical "not recommended" (loss of
response) with a cancel-order suggestion; otherwise an active strong CYP3A4 inhibitor or moderate
CYP3A4 + strong CYP2C19 inhibitor (fluconazole) -> warning with a dose-change suggestion to 5 mg once
daily (XR 11 mg -> IR 5 mg once daily), silent when the draft is already at or below it.

Why: tofacitinib is cleared by CYP3A4 (and CYP2C19); exposure doubles with inhibitors and falls
with inducers.

Known problems: EMA rows are [S]; class membership comes from the medication table.
"""

from __future__ import annotations

from safety.labels import EMA, FDA, TOFACITINIB
from safety.lookups import order_above, other_medications
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_45, USPI_DOSAGE, USPI_INTERACTIONS, cancel_order, dose_change, \
    evidence_of, ingredient_names, interaction_rule, join, medications_text, row_of, sections, table

INHIBITORS = ("cyp3a4-inhibitor-strong", "cyp3a4-cyp2c19-inhibitor")
INDUCERS = ("cyp3a4-inducer-strong",)

THRESHOLDS = table(
    {
        (TOFACITINIB, FDA): Row(Mark.V, Indicator.CRITICAL, "with a strong CYP3A4 inducer: not recommended",
                                case="inducer"),
        (TOFACITINIB, EMA): Row(Mark.S, Indicator.CRITICAL, "with a strong CYP3A4 inducer: not recommended",
                                case="inducer"),
    },
    {
        (TOFACITINIB, FDA): Row(Mark.V, Indicator.WARNING, "with a strong CYP3A4 inhibitor or fluconazole: 5 mg once "
                                                           "daily", dose_mg=5, doses_per_day=1, case="inhibitor"),
        (TOFACITINIB, EMA): Row(Mark.S, Indicator.WARNING, "with a strong CYP3A4 inhibitor or fluconazole: 5 mg once "
                                                           "daily", dose_mg=5, doses_per_day=1, case="inhibitor"),
    },
)

TEXTS = {
    "inducer": Text(
        "A strong CYP3A4 inducer ({names}) is on file, and the {jurisdiction} label does not recommend {drug} with it",
        "{observed}. {jurisdiction} label: {says} (loss of response).",
    ),
    "inhibitor": Text(
        "A CYP3A4 inhibitor ({names}) is on file, so the {jurisdiction} label reduces {drug} to 5 mg once daily",
        "{observed}. {jurisdiction} label: {says} (XR 11 mg -> IR 5 mg once daily).",
    ),
}


def dose_limit(ctx: Context) -> Row | None:
    if other_medications(ctx.facts, *INHIBITORS, exclude=ctx.order):
        return row_of(RULE, ctx, "inhibitor")
    return None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    inducers = other_medications(ctx.facts, *INDUCERS, exclude=ctx.order)
    if inducers:
        row = row_of(rule, ctx, "inducer")
        assert row is not None
        return [rule.finding(ctx, "inducer", indicator=row.indicator, mark=row.mark, evidence=evidence_of(inducers),
                             suggestion=cancel_order(ctx, "strong CYP3A4 inducer"), names=ingredient_names(inducers),
                             observed=medications_text(inducers), says=row.says)]
    inhibitors = other_medications(ctx.facts, *INHIBITORS, exclude=ctx.order)
    row = row_of(rule, ctx, "inhibitor")
    if not inhibitors or row is None or not order_above(ctx.order, row):
        return []
    return [rule.finding(ctx, "inhibitor", indicator=row.indicator, mark=row.mark, evidence=evidence_of(inhibitors),
                         suggestion=dose_change(row, "CYP3A4 inhibitor"), names=ingredient_names(inhibitors),
                         observed=medications_text(inhibitors), says=row.says)]


RULE = interaction_rule(
    id="R23",
    title="Tofacitinib with CYP inhibitors or inducers",
    drug=TOFACITINIB,
    thresholds=THRESHOLDS,
    texts=TEXTS,
    sections=sections(join(USPI_DOSAGE, USPI_INTERACTIONS), join(SMPC_42, SMPC_45)),
    check=check,
    known_problems="EMA rows [S]; class membership from the medication table.",
)
