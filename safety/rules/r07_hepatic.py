"""R07 - Hepatic impairment (jak-safety-rules.md §5.4 R07, §6).

What it does: the newest clinician Child-Pugh class (project code `child-pugh-class`, A/B/C, within
the clinician window) decides when it is on file: C -> critical "not recommended" (EMA tofacitinib
and upadacitinib: contraindicated) with a cancel-order suggestion; B -> tofacitinib 5 mg once daily
(warning with a dose-change suggestion, XR 11 mg -> the 5 mg IR tablet; silent when the draft is
already at or below it); A -> no finding. Without a class, an active severe-hepatic-impairment
Condition (cirrhosis / hepatic failure proxy, [R]) -> the same critical card, saying the class is not
on file and what a class would change.

Why: exposure rises in hepatic impairment; the labels reduce tofacitinib in Child-Pugh B and no
label supports use in Child-Pugh C.

Known problems:
- no LOINC/SNOMED code for the Child-Pugh class or score was confirmed: the class is read from the
  project CodeSystem only (README: "The project CodeSystem").
- a Child-Pugh class on file outranks the Condition proxy (A or B with a cirrhosis Condition is not
  read as severe): the class is the label's measure, the diagnosis code only stands in for it.
- tofacitinib EMA moderate row (5 mg once daily) is [R]: the SmPC 4.2 passage was not retrieved.
- the bilirubin / INR / albumin-derived flag [P] of the document is not implemented.
"""

from __future__ import annotations

from fhir_mappings.facts import Finding
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import dose_text, order_above
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_43, USPI_DOSAGE, USPI_HEPATIC, cancel_order, conditions_text, \
    dose_change, evidence_of, join, row_of, sections, table

CHILD_PUGH = "child-pugh-class"  # project CodeSystem (essdai_codesystem.CODES)
_CRIT, _WARN = Indicator.CRITICAL, Indicator.WARNING

THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
        (BARICITINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
        # USPI 2.3 Table 1: "Severe HI (Child-Pugh C): Use of XELJANZ tablets/XELJANZ XR is not recommended"
        (TOFACITINIB, FDA): Row(Mark.V, _CRIT, "severe hepatic impairment (Child-Pugh C): not recommended"),
        (TOFACITINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment (incl. cirrhosis): contraindicated"),
        (UPADACITINIB, FDA): Row(Mark.V, _CRIT, "severe hepatic impairment (Child-Pugh C): not recommended"),
        (UPADACITINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment: contraindicated"),
        (FILGOTINIB, EMA): Row(Mark.V, _CRIT, "severe hepatic impairment: not recommended"),
    },
    {
        # USPI 2.3 Table 1: "Moderate HI (Child-Pugh B) | 5 mg once daily | XELJANZ tablets 5 mg once daily"
        (TOFACITINIB, FDA): Row(Mark.V, _WARN, "moderate hepatic impairment (Child-Pugh B): 5 mg once daily",
                                dose_mg=5, doses_per_day=1, case="moderate"),
        # SmPC 4.2 passage not retrieved (issue 11): [R]
        (TOFACITINIB, EMA): Row(Mark.R, _WARN, "moderate hepatic impairment (Child-Pugh B): 5 mg once daily",
                                dose_mg=5, doses_per_day=1, case="moderate"),
    },
)

TEXTS = {
    "fired": Text(
        "Severe hepatic impairment is on file, so {drug} is {verdict} ({jurisdiction} label)",
        "Severe hepatic impairment: {observed}. {jurisdiction} label: {says}.{note}",
    ),
    "moderate": Text(
        "Child-Pugh class B is on file, so the {jurisdiction} label reduces {drug} to {dose}",
        "Moderate hepatic impairment: {observed}. {jurisdiction} label: {says} (XR 11 mg -> the 5 mg tablet). "
        "Draft dose: {ordered}.",
    ),
}


def child_pugh(ctx: Context) -> Finding | None:
    """The newest clinician Child-Pugh class inside the clinician window, or None."""
    return ctx.facts.latest_finding(CHILD_PUGH)


def _class_unknown_note(ctx: Context) -> str:
    """What a Child-Pugh class would change, for a card that rests on a diagnosis code alone."""
    moderate = row_of(RULE, ctx, "moderate")
    b = f"B: {dose_text(moderate.dose_mg, moderate.doses_per_day)}" if moderate is not None else "B: no dose change"
    return (" Child-Pugh class not on file: the diagnosis is read as severe [R]; a class would decide "
            f"(C: as above; {b}; A: no change).")


def _fired(rule: SafetyRule, ctx: Context, observed: str, evidence: tuple, note: str) -> SafetyFinding:
    row = rule.rows(ctx)[0]
    verdict = "contraindicated" if "contraindicated" in row.says else "not recommended"
    return rule.finding(
        ctx, row.case, indicator=row.indicator, mark=row.mark, evidence=evidence,
        suggestion=cancel_order(ctx, f"severe hepatic impairment: {verdict}"),
        observed=observed, says=row.says, verdict=verdict, note=note,
    )


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    cp = child_pugh(ctx)
    if cp is not None:
        observed = f"Child-Pugh {cp.value} ({cp.date.isoformat()}, {cp.reference})"
        evidence = (cp.evidence(display="Child-Pugh class"),)
        if cp.value == "C":
            return [_fired(rule, ctx, observed, evidence, "")]
        row = row_of(rule, ctx, "moderate")
        if cp.value != "B" or row is None or not order_above(ctx.order, row):
            return []
        return [rule.finding(
            ctx, "moderate", indicator=row.indicator, mark=row.mark, evidence=evidence,
            suggestion=dose_change(row, "Child-Pugh B"), override_reasons=(OVERRIDE_BENEFIT,),
            observed=observed, says=row.says, dose=dose_text(row.dose_mg, row.doses_per_day),
            ordered=dose_text(ctx.order.dose_mg, ctx.order.doses_per_day) if ctx.order else "none (no draft order)",
        )]
    found = ctx.facts.conditions_of("severe-hepatic-impairment")
    if not found:
        return []
    return [_fired(rule, ctx, conditions_text(found), evidence_of(found), _class_unknown_note(ctx))]


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
    known_problems="Child-Pugh class read from the project CodeSystem only (no standard code confirmed); "
                   "without it a cirrhosis/hepatic-failure Condition stands in for severe [R]; tofacitinib EMA "
                   "moderate row [R].",
    override_reasons=(OVERRIDE_BENEFIT,),
)


def dose_limit(ctx: Context) -> Row | None:
    """The Child-Pugh B dose row (tofacitinib) when the class on file is B; for R31."""
    cp = child_pugh(ctx)
    return row_of(RULE, ctx, "moderate") if cp is not None and cp.value == "B" else None
