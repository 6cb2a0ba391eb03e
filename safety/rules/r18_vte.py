"""R18 - VTE history or risk factors (jak-safety-rules.md §5.7 R18).

What it does: a prior DVT/PE (vte Condition, any status) or inherited thrombophilia -> warning;
only other risk factors (combined hormonal contraceptive / HRT, BMI >= 30 [P] within 12 months,
active cancer) -> info. EMA baricitinib / filgotinib / upadacitinib: a dose-reduction suggestion
(2 mg / 100 mg / 15 mg) when the draft is above it.

Why: thrombosis is a boxed warning (FDA); EU SmPCs say use with caution and reduce the dose where
possible in patients at risk.

Known problems: recent major surgery and immobilisation are not in PatientFacts; some sites escalate
prior VTE to critical in FDA mode [P] (not done here).
"""

from __future__ import annotations

from safety import windows
from safety.doses import EMA_AT_RISK
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, TOFACITINIB, UPADACITINIB
from safety.lookups import describe, latest_number, other_medications
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._at_risk import at_risk_dose
from safety.rules._common import REFERRAL, SMPC_42, SMPC_44, USPI_BOXED, USPI_THROMBOSIS, conditions_text, each, \
    evidence_of, join, medications_text, row_of, sections, table

AVOID = "avoid in patients who may be at increased risk of thrombosis"
CAUTION = "use with caution in patients with VTE risk factors"
THRESHOLDS = table(
    {
        (UPADACITINIB, FDA): Row(Mark.V, Indicator.WARNING, AVOID, case="prior"),
        (BARICITINIB, FDA): Row(Mark.S, Indicator.WARNING, AVOID, case="prior"),
        (TOFACITINIB, FDA): Row(Mark.S, Indicator.WARNING, AVOID, case="prior"),
        **each(Row(Mark.V, Indicator.WARNING, CAUTION, case="prior"), jurisdictions=(EMA,)),
    },
    {
        **each(Row(Mark.S, Indicator.INFO, "other VTE risk factors: consider the risk", case="other"),
               jurisdictions=(FDA,)),
        **each(Row(Mark.V, Indicator.INFO, CAUTION, case="other"), jurisdictions=(EMA,)),
    },
    each(Row(Mark.P, Indicator.INFO, "BMI >= 30 counts as a VTE risk factor", limit=30, op=">=", unit="kg/m2",
             case="bmi")),
    EMA_AT_RISK,
)

TEXTS = {
    "prior": Text(
        "{trigger} is on file, so weigh the thrombosis risk of {drug}{dose_note}",
        "{observed}. {jurisdiction} label: {says}.{other}{dose_sentence}",
    ),
    "other": Text(
        "A venous thromboembolism risk factor is on file ({trigger}); weigh the thrombosis risk of {drug}",
        "{observed}. {jurisdiction} label: {says}.{dose_sentence}",
    ),
}


def triggers(rule: SafetyRule, ctx: Context) -> tuple[tuple, list[str], list]:
    """(prior VTE / thrombophilia Conditions, other-factor descriptions, other-factor evidence)."""
    facts = ctx.facts
    prior = facts.conditions_of("vte", "thrombophilia", status=None)
    other: list[str] = []
    evidence: list = []
    hormones = other_medications(facts, "hormonal-vte-risk", exclude=ctx.order)
    if hormones:
        other.append(f"hormonal contraceptive or HRT: {medications_text(hormones)}")
        evidence.extend(m.evidence() for m in hormones)
    bmi_row = row_of(rule, ctx, "bmi")
    bmi = latest_number(facts, "bmi", windows.BMI_BP.days)
    if bmi is not None and bmi_row is not None and bmi.value is not None and bmi_row.triggered_by(bmi.value):
        other.append(f"{describe(bmi, 'BMI')} (>= 30 [P])")
        evidence.append(bmi.evidence())
    cancer = facts.conditions_of("malignancy", "lymphoma")
    if cancer:
        other.append(f"active cancer: {conditions_text(cancer)}")
        evidence.extend(c.evidence() for c in cancer)
    return prior, other, evidence


def dose_limit(ctx: Context) -> Row | None:
    prior, other, _ = triggers(RULE, ctx)
    return row_of(RULE, ctx, "at-risk-dose") if prior or other else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    prior, other, other_evidence = triggers(rule, ctx)
    if not prior and not other:
        return []
    dose_row, suggestion, dose_sentence = at_risk_dose(rule, ctx, "VTE risk (EMA)")
    dose_note = "; the EMA label advises a reduced dose" if suggestion is not None else ""
    if prior:
        row = row_of(rule, ctx, "prior")
        assert row is not None
        kinds = {c.concept for c in prior}
        trigger = "A prior venous thromboembolism" if "vte" in kinds else "Thrombophilia"
        return [rule.finding(ctx, "prior", indicator=row.indicator, mark=row.mark,
                             evidence=evidence_of(prior) + tuple(other_evidence), suggestion=suggestion,
                             trigger=trigger, observed=conditions_text(prior), says=row.says,
                             other=f" Other factors: {'; '.join(other)}." if other else "",
                             dose_note=dose_note, dose_sentence=dose_sentence)]
    row = row_of(rule, ctx, "other")
    assert row is not None
    first = other[0].split(":")[0].split(" on ")[0].split(" (")[0]  # "BMI 32 kg/m²", "active cancer"
    return [rule.finding(ctx, "other", indicator=row.indicator, mark=row.mark, evidence=tuple(other_evidence),
                         suggestion=suggestion, trigger=first, observed="; ".join(other), says=row.says,
                         dose_sentence=dose_sentence)]


RULE = SafetyRule(
    id="R18",
    title="VTE history or risk factors",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_BOXED, USPI_THROMBOSIS), join(SMPC_42, SMPC_44, REFERRAL)),
    check=check,
    known_problems="Surgery / immobilisation not in facts; FDA prior VTE stays warning (sites may escalate) [P].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
