"""R09 - Active serious infection (jak-safety-rules.md §5.5 R09).

What it does: an active Condition in the infection value set -> critical, "do not start until
controlled", with a suggestion to cancel the draft.

Why: serious infection is the first item of the boxed warning; the EU SmPCs of tofacitinib,
upadacitinib and filgotinib make it a contraindication.

Known problems: the "active systemic antimicrobial MedicationRequest" trigger [P] is not evaluated
(no antimicrobial class in the medication table); the Condition value set decides what counts as
"serious".
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_43, SMPC_44, USPI_BOXED, USPI_INFECTIONS, cancel_order, conditions_text, \
    evidence_of, join, sections, table

_CRIT = Indicator.CRITICAL
AVOID = "avoid use in active, serious infection, including localized infections"
CONTRAINDICATED = "active serious infection: contraindicated"

THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.V, _CRIT, AVOID),
        (TOFACITINIB, FDA): Row(Mark.S, _CRIT, AVOID),
        (UPADACITINIB, FDA): Row(Mark.V, _CRIT, AVOID),
        (BARICITINIB, EMA): Row(Mark.S, _CRIT, "weigh risks and benefits; do not start, or interrupt, while it is "
                                               "not controlled"),
        (TOFACITINIB, EMA): Row(Mark.V, _CRIT, CONTRAINDICATED),
        (UPADACITINIB, EMA): Row(Mark.V, _CRIT, CONTRAINDICATED),
        (FILGOTINIB, EMA): Row(Mark.V, _CRIT, CONTRAINDICATED),
    }
)

TEXTS = {
    "fired": Text(
        "An active serious infection{condition} is on file; do not start {drug} until it is controlled",
        "Active infection on file: {observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    found = ctx.facts.conditions_of("infection")
    if not found:
        return []
    row = rule.rows(ctx)[0]
    # named in the summary when short; a long display is named in the detail only (never cut)
    condition = f" ({found[0].display})" if len(found[0].display) <= 40 else ""
    return [
        rule.finding(
            ctx, row.case, indicator=row.indicator, mark=row.mark, evidence=evidence_of(found),
            suggestion=cancel_order(ctx, "active serious infection"),
            condition=condition, observed=conditions_text(found), says=row.says,
        )
    ]


RULE = SafetyRule(
    id="R09",
    title="Active serious infection",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(join(USPI_BOXED, USPI_INFECTIONS), join(SMPC_43, SMPC_44)),
    check=check,
    known_problems="Antimicrobial-order trigger [P] not evaluated; the Condition value set defines 'serious'.",
    override_reasons=(OVERRIDE_BENEFIT,),
)
