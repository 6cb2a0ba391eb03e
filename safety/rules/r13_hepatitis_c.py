"""R13 - Hepatitis C (jak-safety-rules.md §5.5 R13, §7).

What it does:
- HCV RNA positive (newest result) or an active hepatitis-C Condition -> critical for upadacitinib
  FDA ("initiation not recommended in active hepatitis C" [V]), warning for the others;
- HCV antibody positive with no HCV RNA result since -> warning "missing-data", order HCV RNA;
- never screened (no HCV antibody or RNA result ever) -> warning "missing-data", order HCV Ab.

Why: labels require viral screening before starting; EULAR 2022 refers RNA-positive patients for
antiviral treatment. Active HCV is also an exclusion of the pSS classification criteria [R].

Known problems: the HCV RNA LOINC 11011-4 is [R] in the rule document; a negative antibody never
expires here (the "12 months if at risk" [P] option needs a risk flag).
"""

from __future__ import annotations

from safety.labels import DRUGS, EMA, FDA, TOFACITINIB, UPADACITINIB
from safety.lookups import describe, ever_positive, latest_result
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT, OVERRIDE_SPECIALIST, Context, Indicator, Mark, \
    Row, SafetyFinding, SafetyRule, Status, Text
from safety.orderables import HCV_AB, HCV_RNA
from safety.rules._common import SMPC_44, USPI_EVALUATIONS, USPI_VIRAL, cancel_order, conditions_text, each, \
    evidence_of, join, row_of, sections, table

SCREEN = "screen per guidelines; refer HCV-RNA-positive patients for antiviral treatment"
ACTIVE = {
    **each(Row(Mark.V, Indicator.WARNING, SCREEN, case="active")),
    **each(Row(Mark.V, Indicator.WARNING, "not studied in HCV-positive patients", case="active"), (TOFACITINIB,)),
    (UPADACITINIB, FDA): Row(Mark.V, Indicator.CRITICAL, "initiation not recommended in active hepatitis C",
                             case="active"),
}
THRESHOLDS = table(
    ACTIVE,
    each(Row(Mark.V, Indicator.WARNING, "antibody positive: HCV RNA needed", case="rna-needed")),
    each(Row(Mark.V, Indicator.WARNING, "screen for HCV before starting", case="missing")),
)

TEXTS = {
    "active": Text(
        "Active hepatitis C is on file ({marker}); {verdict} {drug}",
        "{observed}. {jurisdiction} label: {says}.",
    ),
    "rna-needed": Text(
        "HCV antibody is positive without an HCV RNA result; order HCV RNA before starting {drug}",
        "{observed}; no HCV RNA result since. EULAR 2022: refer HCV-RNA-positive patients for antiviral "
        "treatment.",
    ),
    "missing": Text(
        "Order an HCV antibody before starting {drug}; there is no hepatitis C screening on file",
        "No HCV antibody or HCV RNA result on file. Labels require viral hepatitis screening before starting "
        "{drug}.",
    ),
}


def _row(rule: SafetyRule, ctx: Context, case: str) -> Row:
    row = row_of(rule, ctx, case)
    assert row is not None
    return row


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    rna = latest_result(facts, "hcv-rna")
    cond = facts.conditions_of("hepatitis-c")
    if (rna is not None and rna.positive) or cond:
        row = _row(rule, ctx, "active")
        parts = ([f"{describe(rna, 'HCV RNA')}"] if rna is not None and rna.positive else []) + \
                ([f"hepatitis C: {conditions_text(cond)}"] if cond else [])
        critical = row.indicator == Indicator.CRITICAL
        return [rule.finding(
            ctx, "active", indicator=row.indicator, mark=row.mark,
            evidence=((rna.evidence(),) if rna is not None and rna.positive else ()) + evidence_of(cond),
            suggestion=cancel_order(ctx, "active hepatitis C") if critical else None,
            override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_BENEFIT),
            observed="; ".join(parts), marker="HCV RNA positive" if rna is not None and rna.positive else "diagnosis",
            verdict="do not start" if critical else "treat it before starting", says=row.says,
        )]
    antibody = ever_positive(facts, "hcv-ab")
    if antibody is not None:
        if rna is not None and rna.date >= antibody.date:
            return []  # antibody positive, RNA negative since: resolved infection
        row = _row(rule, ctx, "rna-needed")
        return [rule.finding(ctx, "rna-needed", indicator=row.indicator, mark=row.mark, status=Status.MISSING_DATA,
                             evidence=(antibody.evidence(),),
                             suggestion=HCV_RNA.suggestion("HCV antibody positive"),
                             override_reasons=(OVERRIDE_OUTSIDE_RESULT,),
                             observed=f"{describe(antibody, 'HCV antibody')}")]
    if latest_result(facts, "hcv-ab") is not None or rna is not None:
        return []
    row = _row(rule, ctx, "missing")
    return [rule.finding(ctx, "missing", indicator=row.indicator, mark=row.mark, status=Status.MISSING_DATA,
                         suggestion=HCV_AB.suggestion("HCV screening before a JAK inhibitor"),
                         override_reasons=(OVERRIDE_OUTSIDE_RESULT,))]


RULE = SafetyRule(
    id="R13",
    title="Hepatitis C",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_EVALUATIONS, USPI_VIRAL), SMPC_44),
    check=check,
    known_problems="HCV RNA LOINC 11011-4 is [R]; negative antibodies never expire.",
    override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_OUTSIDE_RESULT),
)
