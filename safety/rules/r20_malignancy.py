"""R20 - Malignancy, excluding successfully treated NMSC (jak-safety-rules.md §5.7 R20).

What it does (one finding, the worst case):
- active malignancy or lymphoma -> critical [P] (labels say "consider benefit-risk"; some sites
  prefer warning) with a cancel-order suggestion;
- past malignancy (malignancy-history, or a malignancy/lymphoma Condition no longer active) ->
  warning;
- non-melanoma skin cancer only -> info "periodic skin examination".
EMA baricitinib / filgotinib / upadacitinib: the at-risk dose suggestion for active or past cancer.
With active Sjögren's, the message adds the pSS excess B-cell lymphoma risk.

Why: malignancy is a boxed warning (FDA); EMA restricts use in patients with malignancy risk factors
to "no suitable alternative".

Known problems: D00-D09 (in situ) policy and the Z85.828 exclusion are decided by the Condition value
sets, not here; the critical tier for active cancer is local policy [P].
"""

from __future__ import annotations

from safety.doses import EMA_AT_RISK
from safety.labels import DRUGS, EMA, FDA
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._at_risk import at_risk_dose
from safety.rules._common import REFERRAL, SMPC_42, SMPC_44, USPI_BOXED, USPI_MALIGNANCY, cancel_order, \
    conditions_text, each, evidence_of, join, row_of, sections, table

THRESHOLDS = table(
    each(Row(Mark.P, Indicator.CRITICAL, "active malignancy: do not start (local policy; labels: consider "
                                         "benefit-risk)", case="active")),
    {
        **each(Row(Mark.V, Indicator.WARNING, "consider benefit-risk in known malignancy other than successfully "
                                              "treated NMSC", case="past"), jurisdictions=(FDA,)),
        **each(Row(Mark.V, Indicator.WARNING, "only if no suitable alternative in patients with current or past "
                                              "malignancy", case="past"), jurisdictions=(EMA,)),
    },
    each(Row(Mark.V, Indicator.INFO, "periodic skin examination", case="nmsc")),
    EMA_AT_RISK,
)

TEXTS = {
    "active": Text(
        "An active malignancy is on file; do not start {drug} without an oncology review",
        "{observed}. Local policy [P]: critical; {jurisdiction} label: consider benefit-risk.{pss}",
    ),
    "past": Text(
        "A past malignancy is on file; {verdict}",
        "{observed}. {jurisdiction} label: {says}.{pss}{dose_sentence}",
    ),
    "nmsc": Text(
        "Non-melanoma skin cancer is on file, so examine the skin periodically on {drug}",
        "{observed}. Labels: periodic skin examination for patients at increased risk of skin cancer.",
    ),
}

PSS_NOTE = " Primary Sjögren's itself carries an excess risk of B-cell lymphoma."


def _cases(ctx: Context):
    facts = ctx.facts
    active = facts.conditions_of("malignancy", "lymphoma")
    past = facts.conditions_of("malignancy-history", status=None) + tuple(
        c for c in facts.conditions_of("malignancy", "lymphoma", status=None) if c.status != "active")
    nmsc = facts.conditions_of("nmsc", status=None)
    return active, past, nmsc


def dose_limit(ctx: Context) -> Row | None:
    active, past, _ = _cases(ctx)
    return row_of(RULE, ctx, "at-risk-dose") if active or past else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    active, past, nmsc = _cases(ctx)
    pss = PSS_NOTE if ctx.facts.conditions_of("sjogren") else ""
    if active:
        row = row_of(rule, ctx, "active")
        assert row is not None
        return [rule.finding(ctx, "active", indicator=row.indicator, mark=row.mark,
                             evidence=evidence_of(active, past, nmsc),
                             suggestion=cancel_order(ctx, "active malignancy"), observed=conditions_text(active),
                             pss=pss)]
    if past:
        row = row_of(rule, ctx, "past")
        assert row is not None
        _, suggestion, dose_sentence = at_risk_dose(rule, ctx, "malignancy risk (EMA)")
        return [rule.finding(ctx, "past", indicator=row.indicator, mark=row.mark, evidence=evidence_of(past, nmsc),
                             suggestion=suggestion, observed=conditions_text(past), says=row.says, pss=pss,
                             dose_sentence=dose_sentence,
                             verdict=f"use {ctx.drug} only if there is no suitable alternative (cancer risk)"
                             if ctx.jurisdiction == EMA else f"weigh the cancer risk before starting {ctx.drug}")]
    if nmsc:
        row = row_of(rule, ctx, "nmsc")
        assert row is not None
        return [rule.finding(ctx, "nmsc", indicator=row.indicator, mark=row.mark, evidence=evidence_of(nmsc),
                             observed=conditions_text(nmsc))]
    return []


RULE = SafetyRule(
    id="R20",
    title="Malignancy (excluding successfully treated NMSC)",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_BOXED, USPI_MALIGNANCY), join(SMPC_42, SMPC_44, REFERRAL)),
    check=check,
    known_problems="Critical tier for active cancer is [P]; in-situ / Z85.828 policy lives in the value sets.",
    override_reasons=(OVERRIDE_BENEFIT,),
)
