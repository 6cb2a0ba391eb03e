"""R14 - Herpes zoster (jak-safety-rules.md §5.5 R14).

What it does: active zoster -> critical "do not start until the episode resolves" (cancel-order
suggestion); a history of zoster (zoster-history, or a herpes-zoster Condition no longer active) ->
warning "risk of recurrence"; an adult (age >= 18) whose immunization history is on file but holds
fewer than 2 recombinant zoster vaccine (RZV, CVX 187) doses -> info [P] "consider RZV before
starting" (not shown during an active episode).

Why: zoster is the typical JAK-inhibitor infection; labels say interrupt or do not start during an
episode, and the EU leaflets warn it may come back.

Known problems: the vaccine part says nothing when no Immunization was read for the patient (not
prefetched, or an empty history): "no RZV on file" would then be a guess. No order suggestion: no
project document gives an orderable code for RZV. The active-zoster rows for tofacitinib and
upadacitinib, and the history rows under FDA, are [R] (the document cites baricitinib and
filgotinib only).
"""

from __future__ import annotations

from fhir_mappings.facts import Evidence
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, USPI_INFECTIONS, USPI_VIRAL, active_condition_finding, \
    conditions_text, each, evidence_of, join, row_of, sections, table

ACTIVE_SAYS = "active zoster: interrupt, or do not start until the episode resolves"
HISTORY_SAYS = "history of zoster: risk of recurrence"
VACCINE_SAYS = "update immunisations before starting; ACR 2022: RZV for adults on immunosuppressants"
RZV = "zoster-recombinant"  # ImmunizationFact.vaccine of CVX 187 [V] (fhir_mappings.code_tables.vaccines)
RZV_SERIES_DOSES = 2  # jak-safety-rules §5.5 R14 / §7: "complete RZV series (2 doses)"
THRESHOLDS = table(
    {
        **each(Row(Mark.V, Indicator.CRITICAL, ACTIVE_SAYS, case="active"), (BARICITINIB, FILGOTINIB)),
        **each(Row(Mark.R, Indicator.CRITICAL, ACTIVE_SAYS, case="active"), (TOFACITINIB, UPADACITINIB)),
    },
    {
        **each(Row(Mark.V, Indicator.WARNING, HISTORY_SAYS, case="history"), jurisdictions=(EMA,)),
        **each(Row(Mark.R, Indicator.WARNING, HISTORY_SAYS, case="history"), jurisdictions=(FDA,)),
    },
    # §5.5 R14 / §7 [P]: "no complete RZV series and age >= 18 -> info"
    each(Row(Mark.P, Indicator.INFO, VACCINE_SAYS, limit=18, op=">=", unit="years", case="vaccine")),
)

TEXTS = {
    "active": Text(
        "Active herpes zoster is on file; do not start {drug} until it resolves",
        "Active herpes zoster: {observed}. {jurisdiction} label: {says}.",
    ),
    "history": Text(
        "A history of herpes zoster is on file, and it may recur on {drug}",
        "Past herpes zoster: {observed}. {jurisdiction} label: {says}. Consider recombinant zoster vaccine "
        "before starting (ACR 2022).",
    ),
    "vaccine": Text(
        "The recombinant zoster vaccine series on file is incomplete ({doses} of 2 doses)",
        "Recombinant zoster vaccine (RZV) doses on file: {observed}. Labels: {says}. Consider completing the "
        "series before starting {drug} (local policy, not confirmed).",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    active = facts.conditions_of("herpes-zoster")
    if active:
        return active_condition_finding(rule, ctx, active, "active herpes zoster")
    past = facts.conditions_of("zoster-history", status=None) + tuple(
        c for c in facts.conditions_of("herpes-zoster", status=None) if c.status != "active")
    findings: list[SafetyFinding] = []
    if past:
        row = row_of(rule, ctx, "history")
        assert row is not None
        findings.append(rule.finding(ctx, "history", indicator=row.indicator, mark=row.mark,
                                     evidence=evidence_of(past), observed=conditions_text(past), says=row.says))
    return findings + vaccine_check(rule, ctx)


def vaccine_check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    """Info when an adult's immunization history is on file without a complete RZV series."""
    facts = ctx.facts
    row = row_of(rule, ctx, "vaccine")
    age = facts.age_years()
    if row is None or age is None or not row.triggered_by(age) or facts.immunization_records == 0:
        return []
    doses = facts.immunizations_of(RZV)
    if len({d.date for d in doses}) >= RZV_SERIES_DOSES:  # two records of one day are one dose
        return []
    observed = "; ".join(f"{d.display} ({d.date.isoformat()}, {d.reference})" for d in doses) or \
        f"none among {facts.immunization_records} immunization record(s)"
    # with no dose at all, the evidence is the immunization history that was read
    evidence = tuple(d.evidence() for d in doses) or (Evidence(
        reference=f"Patient/{facts.patient_id}", display="Immunization records read", value=facts.immunization_records,
        date=facts.as_of, note="no recombinant zoster vaccine dose among them"),)
    return [rule.finding(ctx, "vaccine", indicator=row.indicator, mark=row.mark, evidence=evidence,
                         doses=str(len({d.date for d in doses})), observed=observed, says=row.says,
                         override_reasons=())]


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
    known_problems="Vaccine part silent without immunization records; RZV info [P]; T/U active and FDA history "
                   "rows [R].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
