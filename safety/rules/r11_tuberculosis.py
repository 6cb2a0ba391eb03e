"""R11 - Tuberculosis screening (jak-safety-rules.md §5.5 R11, §7).

What it does:
- active TB Condition -> critical (all labels: do not give; EU T/U/F contraindicated);
- positive IGRA (ever: a positive never expires) or a latent-TB Condition with no LTBI treatment on
  file (begun: fhir_mappings.facts MedicationFact.begun; a not-taken statement, a cancelled order or a
  plan is not treatment) -> critical "treat latent TB before starting";
- LTBI treatment started less than 4 weeks ago [P] -> warning;
- no negative IGRA within 12 months [P] -> warning "missing-data" with a suggestion to order an IGRA
  (LOINC 71773-6).

Why: the boxed warning requires TB testing before and during therapy; latent TB must be treated
before use (FDA B, U [V]; EMA B "consider anti-TB therapy" [V]).

Known problems: TST results and chest X-rays are not in PatientFacts (IGRA only); "no new exposure"
cannot be checked; a treated TB history (tb-history) without a test still asks for a test; the
on-treatment reminder (info) is not produced.
"""

from __future__ import annotations

from safety import windows
from safety.labels import DRUGS, EMA, FDA
from safety.lookups import describe, ever_positive, latest_result
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT, OVERRIDE_SPECIALIST, Context, Indicator, Mark, \
    Row, SafetyFinding, SafetyRule, Status, Text, weakest
from safety.orderables import IGRA
from safety.rules._common import SMPC_43, SMPC_44, USPI_BOXED, USPI_EVALUATIONS, USPI_INFECTIONS, \
    active_condition_finding, cancel_order, conditions_text, each, evidence_of, join, medications_text, row_of, \
    sections, table

THRESHOLDS = table(
    each(Row(Mark.V, Indicator.CRITICAL, "active TB: should not be given (EU T, U, F: contraindicated)",
             case="active")),
    each(Row(Mark.V, Indicator.CRITICAL, "latent TB: treat before starting", case="latent")),
    each(Row(Mark.P, Indicator.WARNING, "LTBI treatment started < 4 weeks ago", limit=windows.LTBI_TREATMENT_RECENT.days,
             op="<", unit="days", case="ltbi-recent")),
    each(Row(Mark.V, Indicator.WARNING, "TB test before starting", limit=windows.TB_NEGATIVE.days, op=">",
             unit="days", case="missing")),
)

TEXTS = {
    "active": Text(
        "Active tuberculosis is on file, so {drug} must not be started",
        "Active TB: {observed}. {jurisdiction} label: {says}.",
    ),
    "latent": Text(
        "Latent tuberculosis is on file without treatment for it; treat it before starting {drug}",
        "{observed}; no LTBI treatment (isoniazid, rifapentine, rifampicin) on file. {jurisdiction} label: "
        "{says}.",
    ),
    "ltbi-recent": Text(
        "Latent tuberculosis treatment started {days} days ago; it usually runs at least 1 month before {drug} starts",
        "{observed}. LTBI treatment: {treatment}. Common practice (secondary source, not the label) is at "
        "least 1 month of prophylaxis before starting; window [P].",
    ),
    "missing": Text(
        "Screen for TB before starting {drug}; there is no TB test (IGRA) within {days} days",
        "No IGRA result within the last {days} days (window [P]); {last}. Labels require TB testing before "
        "starting {drug}; EULAR 2022 prefers IGRA to TST.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    active = facts.conditions_of("active-tb")
    if active:
        return active_condition_finding(rule, ctx, active, "active tuberculosis")
    positive = ever_positive(facts, "igra")
    latent = facts.conditions_of("latent-tb", status=None)
    if positive is not None or latent:
        observed = "; ".join(
            ([f"{describe(positive, 'IGRA')}"] if positive else [])
            + ([f"latent TB: {conditions_text(latent)}"] if latent else [])
        )
        evidence = ((positive.evidence(),) if positive else ()) + evidence_of(latent)
        # any treatment begun counts (completed too); a not-taken statement, a cancelled order or a plan does not
        treatment = tuple(m for m in facts.medications_of("ltbi-treatment", active_only=False) if m.begun)
        if not treatment:
            row = row_of(rule, ctx, "latent")
            assert row is not None
            return [rule.finding(ctx, "latent", indicator=row.indicator, mark=row.mark, evidence=evidence,
                                 suggestion=cancel_order(ctx, "untreated latent TB"),
                                 override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_OUTSIDE_RESULT),
                                 observed=observed, says=row.says)]
        starts = [m.start for m in treatment if m.start is not None]
        row = row_of(rule, ctx, "ltbi-recent")
        assert row is not None
        if starts and row.triggered_by((ctx.as_of - min(starts)).days):
            days = (ctx.as_of - min(starts)).days
            return [rule.finding(ctx, "ltbi-recent", indicator=row.indicator, mark=row.mark,
                                 evidence=evidence + evidence_of(treatment), override_reasons=(OVERRIDE_SPECIALIST,),
                                 observed=observed, treatment=medications_text(treatment), days=str(days))]
        return []
    if latest_result(facts, "igra", windows.TB_NEGATIVE.days) is not None:
        return []
    row = row_of(rule, ctx, "missing")
    assert row is not None
    old = latest_result(facts, "igra")
    return [rule.finding(
        ctx, "missing", indicator=row.indicator, mark=weakest(row.mark, windows.TB_NEGATIVE.mark),
        status=Status.MISSING_DATA, evidence=(old.evidence(note="older than the TB window"),) if old else (),
        suggestion=IGRA.suggestion("TB screening before a JAK inhibitor"),
        override_reasons=(OVERRIDE_OUTSIDE_RESULT, OVERRIDE_BENEFIT),
        days=str(windows.TB_NEGATIVE.days), last=f"last {describe(old, 'IGRA')}" if old else "none on file",
    )]


RULE = SafetyRule(
    id="R11",
    title="TB screening",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(join(USPI_BOXED, USPI_EVALUATIONS, USPI_INFECTIONS), join(SMPC_43, SMPC_44)),
    check=check,
    known_problems="IGRA only (no TST / chest X-ray in facts); exposure history not checked; no on-treatment reminder.",
    override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_OUTSIDE_RESULT),
)
