"""R22 - Baricitinib with a strong OAT3 inhibitor (probenecid) (jak-safety-rules.md §5.8 R22).

What it does: an active probenecid (or other strong-OAT3-inhibitor) medication with a baricitinib
draft -> warning with a dose-change suggestion: FDA 1 mg once daily, EMA 2 mg once daily. Silent
when the draft dose is already at or below it.

Why: probenecid doubles baricitinib exposure (renal OAT3 transport); both labels reduce the dose.

Known problems: the labels name probenecid only; the "oat3-inhibitor-strong" class is whatever the
medication table puts in it.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, EMA, FDA
from safety.lookups import dose_text, order_above, other_medications
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_45, USPI_DOSAGE, USPI_INTERACTIONS, dose_change, evidence_of, \
    interaction_rule, join, medications_text, sections, table

THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.V, Indicator.WARNING, "with a strong OAT3 inhibitor: 1 mg once daily", dose_mg=1,
                                doses_per_day=1),
        (BARICITINIB, EMA): Row(Mark.V, Indicator.WARNING, "with a strong OAT3 inhibitor: 2 mg once daily", dose_mg=2,
                                doses_per_day=1),
    }
)

TEXTS = {
    "fired": Text(
        "Probenecid, a strong OAT3 inhibitor, is on file, so the {jurisdiction} label reduces {drug} to {dose}",
        "{observed}. {jurisdiction} label: {says}. Draft dose: {ordered}.",
    ),
}


def _inhibitors(ctx: Context):
    return other_medications(ctx.facts, "probenecid", "oat3-inhibitor-strong", exclude=ctx.order)


def dose_limit(ctx: Context) -> Row | None:
    rows = RULE.rows(ctx)
    return rows[0] if rows and _inhibitors(ctx) else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    found = _inhibitors(ctx)
    rows = rule.rows(ctx)
    if not found or not rows or not order_above(ctx.order, rows[0]):
        return []
    row = rows[0]
    return [rule.finding(ctx, "fired", indicator=row.indicator, mark=row.mark, evidence=evidence_of(found),
                         suggestion=dose_change(row, "strong OAT3 inhibitor (probenecid)"),
                         observed=medications_text(found), says=row.says,
                         dose=dose_text(row.dose_mg, row.doses_per_day),
                         ordered=dose_text(ctx.order.dose_mg, ctx.order.doses_per_day) if ctx.order else "no draft")]


RULE = interaction_rule(
    id="R22",
    title="Baricitinib with a strong OAT3 inhibitor",
    drug=BARICITINIB,
    thresholds=THRESHOLDS,
    texts=TEXTS,
    sections=sections(join(USPI_DOSAGE, USPI_INTERACTIONS), join(SMPC_42, SMPC_45)),
    check=check,
    known_problems="Labels name probenecid only.",
)
