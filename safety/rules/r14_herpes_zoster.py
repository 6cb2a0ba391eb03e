"""R14 - Herpes zoster (jak-safety-rules.md §5.5 R14).

What it does: active zoster -> critical "do not start until the episode resolves" (cancel-order
suggestion); a history of zoster (zoster-history, or a herpes-zoster Condition no longer active) ->
warning "risk of recurrence".

Why: zoster is the typical JAK-inhibitor infection; labels say interrupt or do not start during an
episode, and the EU leaflets warn it may come back.

Known problems: the vaccine part (no complete recombinant zoster vaccine series -> info/warning [P])
cannot be evaluated: Immunization is not in PatientFacts yet. The active-zoster rows for
tofacitinib and upadacitinib, and the history rows under FDA, are [R] (the document cites
baricitinib and filgotinib only).
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, USPI_INFECTIONS, USPI_VIRAL, cancel_order, conditions_text, each, \
    evidence_of, join, row_of, sections, table

ACTIVE_SAYS = "active zoster: interrupt, or do not start until the episode resolves"
HISTORY_SAYS = "history of zoster: risk of recurrence"
THRESHOLDS = table(
    {
        **each(Row(Mark.V, Indicator.CRITICAL, ACTIVE_SAYS, case="active"), (BARICITINIB, FILGOTINIB)),
        **each(Row(Mark.R, Indicator.CRITICAL, ACTIVE_SAYS, case="active"), (TOFACITINIB, UPADACITINIB)),
    },
    {
        **each(Row(Mark.V, Indicator.WARNING, HISTORY_SAYS, case="history"), jurisdictions=(EMA,)),
        **each(Row(Mark.R, Indicator.WARNING, HISTORY_SAYS, case="history"), jurisdictions=(FDA,)),
    },
)

TEXTS = {
    "active": Text(
        "Active herpes zoster: do not start {drug} until it resolves",
        "Active herpes zoster: {observed}. {jurisdiction} label: {says}.",
    ),
    "history": Text(
        "History of herpes zoster: risk of recurrence on {drug}",
        "Past herpes zoster: {observed}. {jurisdiction} label: {says}. Consider recombinant zoster vaccine "
        "before starting (ACR 2022).",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    active = facts.conditions_of("herpes-zoster")
    if active:
        row = row_of(rule, ctx, "active")
        assert row is not None
        return [rule.finding(ctx, "active", indicator=row.indicator, mark=row.mark, evidence=evidence_of(active),
                             suggestion=cancel_order(ctx, "active herpes zoster"),
                             observed=conditions_text(active), says=row.says)]
    past = facts.conditions_of("zoster-history", status=None) + tuple(
        c for c in facts.conditions_of("herpes-zoster", status=None) if c.status != "active")
    if not past:
        return []
    row = row_of(rule, ctx, "history")
    assert row is not None
    return [rule.finding(ctx, "history", indicator=row.indicator, mark=row.mark, evidence=evidence_of(past),
                         observed=conditions_text(past), says=row.says)]


RULE = SafetyRule(
    id="R14",
    title="Herpes zoster",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_INFECTIONS, USPI_VIRAL), SMPC_44),
    check=check,
    known_problems="Vaccine part not evaluated (no Immunization in facts); T/U active and FDA history rows [R].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
