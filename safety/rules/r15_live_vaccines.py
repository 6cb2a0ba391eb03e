"""R15 - Live vaccines (jak-safety-rules.md §5.5 R15, §7).

What it does: before a start (order / readiness): a live vaccine given within 4 weeks [P] before
the planned start (the assessment date) -> warning. On treatment (monitoring): a live vaccine given
on or after the first day on the JAK inhibitor -> critical [P].

Why: all four labels say avoid live vaccines during, or immediately before, treatment.

Known problems: the live-vaccine CVX list (§3.3) is [R] and only CVX is matched (no SNOMED / ATC
J07 codes are given); the 4-week window and the on-treatment "critical" are [P]. A draft or
planned live-vaccine order is not seen (only completed Immunizations are in the facts). A patient
without a known JAK start date gets no on-treatment finding.
"""

from __future__ import annotations

from fhir_mappings.facts import ImmunizationFact
from safety import windows
from safety.labels import DRUGS, EMA, FDA, TOFACITINIB
from safety.model import Context, Indicator, Mark, Phase, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, SMPC_45, USPI_VACCINES, each, join, row_of, sections, table

SAYS = "avoid live vaccines during, or immediately before, treatment"
THRESHOLDS = table(
    {
        **each(Row(Mark.V, Indicator.WARNING, SAYS, limit=windows.LIVE_VACCINE.days, op="<=", unit="days")),
        **each(Row(Mark.S, Indicator.WARNING, SAYS, limit=windows.LIVE_VACCINE.days, op="<=", unit="days"),
               (TOFACITINIB,)),
    },
    # §5.5 R15 [P]: a live vaccine while on a JAK inhibitor -> critical (the labels give no interval)
    each(Row(Mark.P, Indicator.CRITICAL, SAYS, case="on-treatment")),
)

TEXTS = {
    "fired": Text(
        "A live vaccine was given {days} days ago; avoid live vaccines shortly before and during {drug}",
        "Live vaccine on file: {observed}. {jurisdiction} label: {says}.",
    ),
    "on-treatment": Text(
        "A live vaccine was given while the patient is on {drug}",
        "Live vaccine on or after the {drug} start ({start}): {observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    if ctx.phase == Phase.MONITORING:
        return _on_treatment(rule, ctx)
    facts = ctx.facts
    for row in (r for r in rule.rows(ctx) if r.case == "fired"):
        assert row.limit is not None
        recent = [i for i in facts.immunizations_within(int(row.limit), live=True)
                  if row.triggered_by((facts.as_of - i.date).days)]
        if recent:
            # the mark is the weakest of the label row and the [P] window
            return [rule.finding(ctx, "fired", indicator=row.indicator, mark=Mark.P,
                                 evidence=tuple(i.evidence() for i in recent),
                                 days=str((facts.as_of - recent[0].date).days), observed=vaccines_text(recent),
                                 says=row.says)]
    return []


def _on_treatment(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    row = row_of(rule, ctx, "on-treatment")
    if row is None or ctx.start is None:
        return []
    given = [i for i in ctx.facts.immunizations_of(live=True) if i.date >= ctx.start]
    if not given:
        return []
    return [rule.finding(ctx, "on-treatment", indicator=row.indicator, mark=row.mark,
                         evidence=tuple(i.evidence() for i in given), start=ctx.start.isoformat(),
                         observed=vaccines_text(given), says=row.says)]


def vaccines_text(items: list[ImmunizationFact]) -> str:
    return "; ".join(f"{i.display} ({i.date.isoformat()}, {i.reference})" for i in items)


RULE = SafetyRule(
    id="R15",
    title="Live vaccines",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_VACCINES, join(SMPC_44, SMPC_45)),
    check=check,
    phases=frozenset({Phase.ORDER, Phase.READINESS, Phase.MONITORING}),
    known_problems="Live-vaccine CVX list [R]; 4-week window and on-treatment critical [P]; vaccine orders not seen.",
)
