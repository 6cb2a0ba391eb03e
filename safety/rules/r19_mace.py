"""R19 - MACE risk, established ASCVD, smoking (jak-safety-rules.md §5.7 R19).

What it does (one finding, the worst case, with every trigger as evidence):
- an ASCVD Condition (MI / stroke / ASCVD) with onset or record date within 3 months [P] -> critical;
- any ASCVD Condition (history is permanent) -> warning;
- current or ex-smoker (smoking status within 12 months [P], or a tobacco Condition), an active
  CV-risk-factor Condition or diabetes -> warning (EMA: "only if no suitable alternative").
EMA baricitinib / filgotinib / upadacitinib: the at-risk dose suggestion when the draft is above it.

Why: MACE is a boxed warning (FDA); the EMA Article 20 referral restricts use in patients with
ASCVD, CV risk factors and current or past long-time smokers to "no suitable alternative".

Known problems: the ascvd concept does not separate MI/stroke from other ASCVD, so "recent" uses any
ASCVD Condition dated within 3 months; ex-smoker status cannot tell a "long-time" smoker; age >= 50
with one factor is not treated specially. Smoking status is read as LOINC 72166-2 with the US Core
smoking-status value set (hl7.org/fhir/us/core ValueSet us-core-observation-smokingstatus, STU3.1.1) [V].
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import ConditionFact
from safety import windows
from safety.doses import EMA_AT_RISK
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, TOFACITINIB, UPADACITINIB
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._at_risk import at_risk_dose
from safety.rules._common import REFERRAL, SMPC_44, USPI_BOXED, USPI_MACE, cancel_order, conditions_text, each, evidence_of, \
    join, row_of, sections, table

# US Core smoking-status value set (us-core-observation-smokingstatus, STU3.1.1, SNOMED CT) [V]: the
# current-smoker concepts and "former smoker" are risk factors; never / unknown-if-ever are not.
_SCT = "http://snomed.info/sct|"
SMOKER = f"{_SCT}77176002"  # Smoker, current status unknown
EX_SMOKER = f"{_SCT}8517006"  # Former smoker
SMOKING_CODES = {
    f"{_SCT}449868002": "current smoker (every day)",
    f"{_SCT}428041000124106": "current smoker (some days)",
    f"{_SCT}428071000124103": "current smoker (heavy)",
    f"{_SCT}428061000124105": "current smoker (light)",
    SMOKER: "current smoker",
    EX_SMOKER: "ex-smoker",
}
NOT_SMOKING = {f"{_SCT}266919005": "never smoker", f"{_SCT}266927001": "unknown if ever smoked"}

NO_ALTERNATIVE = "only if no suitable treatment alternative (ASCVD, CV risk factors, current or past smokers)"
THRESHOLDS = table(
    each(Row(Mark.P, Indicator.CRITICAL, "MI or stroke within 3 months", limit=windows.RECENT_MI_STROKE.days,
             op="<=", unit="days", case="recent")),
    {
        (UPADACITINIB, FDA): Row(Mark.V, Indicator.WARNING, "consider benefit-risk; discontinue after MI or stroke",
                                 case="ascvd"),
        (BARICITINIB, FDA): Row(Mark.S, Indicator.WARNING, "consider benefit-risk (boxed warning: MACE)",
                                case="ascvd"),
        (TOFACITINIB, FDA): Row(Mark.S, Indicator.WARNING, "consider benefit-risk (boxed warning: MACE)",
                                case="ascvd"),
        **each(Row(Mark.V, Indicator.WARNING, NO_ALTERNATIVE, case="ascvd"), jurisdictions=(EMA,)),
    },
    {
        (UPADACITINIB, FDA): Row(Mark.V, Indicator.WARNING, "consider benefit-risk, especially in current or past "
                                                            "smokers and other CV risk factors", case="risk"),
        **each(Row(Mark.S, Indicator.WARNING, "consider benefit-risk, especially in current or past smokers and "
                                              "other CV risk factors", case="risk"), (BARICITINIB, TOFACITINIB),
               (FDA,)),
        **each(Row(Mark.V, Indicator.WARNING, NO_ALTERNATIVE, case="risk"), jurisdictions=(EMA,)),
    },
    EMA_AT_RISK,
)

TEXTS = {
    "recent": Text(
        "A myocardial infarction, stroke or other ASCVD event within {days} days is on file; do not start {drug}",
        "{observed}. Recent event window [P]. {jurisdiction} label: {says}.{others}",
    ),
    "ascvd": Text(
        "Cardiovascular disease (ASCVD) is on file; {verdict}",
        "{observed}. {jurisdiction} label: {says}.{others}{dose_sentence}",
    ),
    "risk": Text(
        "Cardiovascular risk is on file ({trigger}); {verdict}",
        "{observed}. {jurisdiction} label: {says}.{cessation}{dose_sentence}",
    ),
}


def _risk(ctx: Context) -> tuple[list[str], list]:
    facts = ctx.facts
    parts: list[str] = []
    evidence: list = []
    status = next((m for m in facts.within("smoking-status", windows.SMOKING_STATUS.days) if m.coding), None)
    if status is not None and status.coding in SMOKING_CODES:
        # in words, never the bare SNOMED code: "current smoker (every day): smoking status on 2025-11-10 (...)"
        parts.append(f"{SMOKING_CODES[status.coding]}: smoking status on {status.date.isoformat()} ({status.reference})")
        evidence.append(replace(status.evidence(), value=SMOKING_CODES[status.coding]))  # words, not "system|code"
    tobacco = facts.conditions_of("tobacco", status=None)
    if tobacco:
        parts.append(f"tobacco use: {conditions_text(tobacco)}")
        evidence.extend(c.evidence() for c in tobacco)
    factors = facts.conditions_of("cv-risk-factor", "diabetes")
    if factors:
        parts.append(f"risk-factor diagnoses: {conditions_text(factors)}")
        evidence.extend(c.evidence() for c in factors)
    return parts, evidence


def _days_since(ctx: Context, c: ConditionFact) -> int | None:
    when = c.onset or c.recorded
    return (ctx.as_of - when).days if when is not None else None


def dose_limit(ctx: Context) -> Row | None:
    ascvd = ctx.facts.conditions_of("ascvd", status=None)
    parts, _ = _risk(ctx)
    return row_of(RULE, ctx, "at-risk-dose") if ascvd or parts else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    ascvd = facts.conditions_of("ascvd", status=None)
    parts, risk_evidence = _risk(ctx)
    if not ascvd and not parts:
        return []
    _, suggestion, dose_sentence = at_risk_dose(rule, ctx, "CV risk (EMA)")
    # what to do, as the end of the summary: EMA allows it only without a suitable alternative
    verdict = (f"use {ctx.drug} only if there is no suitable alternative (MACE risk)" if ctx.jurisdiction == EMA
               else f"weigh the MACE risk of {ctx.drug}")
    others = f" Also: {'; '.join(parts)}." if parts else ""
    recent_row = row_of(rule, ctx, "recent")
    assert recent_row is not None
    recent = tuple(c for c in ascvd if _days_since(ctx, c) is not None
                   and recent_row.triggered_by(_days_since(ctx, c) or 0))
    evidence = evidence_of(ascvd) + tuple(risk_evidence)
    if recent:
        ascvd_row = row_of(rule, ctx, "ascvd")
        assert ascvd_row is not None
        return [rule.finding(ctx, "recent", indicator=recent_row.indicator, mark=recent_row.mark, evidence=evidence,
                             suggestion=cancel_order(ctx, "recent MI/stroke"), override_reasons=(OVERRIDE_BENEFIT,),
                             days=str(windows.RECENT_MI_STROKE.days), observed=conditions_text(recent),
                             says=ascvd_row.says, others=others)]
    if ascvd:
        row = row_of(rule, ctx, "ascvd")
        assert row is not None
        return [rule.finding(ctx, "ascvd", indicator=row.indicator, mark=row.mark, evidence=evidence,
                             suggestion=suggestion, observed=conditions_text(ascvd), says=row.says, others=others,
                             verdict=verdict, dose_sentence=dose_sentence)]
    row = row_of(rule, ctx, "risk")
    assert row is not None
    smoker = any(p.startswith(("current smoker", "ex-smoker", "tobacco")) for p in parts)
    trigger = parts[0].split(":")[0].replace(" (", ", ").replace(")", "")  # "current smoker, every day"
    return [rule.finding(ctx, "risk", indicator=row.indicator, mark=row.mark, evidence=tuple(risk_evidence),
                         suggestion=suggestion, trigger=trigger, observed="; ".join(parts), says=row.says,
                         verdict=verdict, dose_sentence=dose_sentence,
                         cessation=" Offer smoking-cessation support." if smoker else "")]


RULE = SafetyRule(
    id="R19",
    title="MACE risk, established ASCVD, smoking",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_BOXED, USPI_MACE), join(SMPC_44, REFERRAL)),
    check=check,
    known_problems="'Recent' uses any ASCVD Condition within 3 months [P]; ex-smoker cannot tell long-time use.",
    override_reasons=(OVERRIDE_BENEFIT,),
)
