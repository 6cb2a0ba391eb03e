"""R31 - Dose check against the jurisdiction (jak-safety-rules.md §5.8 R31, §6).

What it does (order only):
- the draft's dose or frequency is unknown -> info "missing-data": the dose could not be checked;
- the draft's daily dose is above the usual label dose for the jurisdiction (RA rows) -> warning
  with a dose-change suggestion to the resolved recommended dose: the usual dose, lowered by every
  dose row that applies to this patient (R06 renal, R07 hepatic, R10 infection, R18-R20 EMA at-risk,
  R21 age, R22 OAT3, R23 CYP). Those rules also fire on their own when the draft exceeds their
  dose, so a draft at the usual dose but above an adjustment is their finding, not this one's.

Why: FDA approved baricitinib 2 mg for RA while EMA's dose is 4 mg; a dose above the label is the
commonest error when labels differ.

Known problems: doses are compared per day (tofacitinib XR 11 mg once daily and IR 5 mg twice daily
are both within the US label); pSS evidence (pilot 2 mg, RCT 4 mg) is not a label dose.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import dose_text
from safety.model import Context, Indicator, Mark, Phase, Row, SafetyFinding, SafetyRule, Status, Text, weakest
from safety.rules import (r06_renal, r07_hepatic, r10_chronic_infection, r18_vte, r19_mace, r20_malignancy, r21_age,
                          r22_oat3_probenecid, r23_tofacitinib_cyp)
from safety.rules._common import SMPC_42, USPI_DOSAGE, dose_change, row_of, sections, table

DOSE_RULES = (r06_renal, r07_hepatic, r10_chronic_infection, r18_vte, r19_mace, r20_malignancy, r21_age,
              r22_oat3_probenecid, r23_tofacitinib_cyp)


def _usual(mark: Mark, dose: float, per_day: float, case: str = "usual") -> Row:
    return Row(mark, Indicator.WARNING, f"RA dose {dose_text(dose, per_day)}", dose_mg=dose, doses_per_day=per_day,
               case=case)


THRESHOLDS = table(
    {
        (BARICITINIB, FDA): _usual(Mark.V, 2, 1),
        (BARICITINIB, EMA): _usual(Mark.V, 4, 1),
        (TOFACITINIB, FDA): _usual(Mark.V, 5, 2),
        (TOFACITINIB, EMA): _usual(Mark.V, 5, 2),
        (UPADACITINIB, FDA): _usual(Mark.V, 15, 1),
        (UPADACITINIB, EMA): _usual(Mark.V, 15, 1),
        (FILGOTINIB, EMA): _usual(Mark.V, 200, 1),
    },
    {
        (TOFACITINIB, FDA): _usual(Mark.V, 11, 1, case="usual-xr"),  # Xeljanz XR 11 mg once daily
        # EU: XELJANZ 11 mg prolonged-release tablets are licensed for RA once daily (EU package leaflet
        # "XELJANZ 11 mg prolonged-release tablets", 1. "used to treat ... rheumatoid arthritis") [S]
        (TOFACITINIB, EMA): _usual(Mark.S, 11, 1, case="usual-xr"),
    },
)

TEXTS = {
    "above": Text(
        "The draft {drug} dose of {ordered} is above the {jurisdiction} label dose; use {recommended}",
        "Draft {drug} {ordered} ({daily} mg/day) is above the {jurisdiction} RA dose ({usual}). Recommended for "
        "this patient: {recommended}{why}.",
    ),
    "unknown": Text(
        "The {drug} dose could not be checked because the draft has no dose or frequency",
        "The draft order has no usable dose ({dose_text}), so the {jurisdiction} dose limits (usual {usual}) "
        "could not be checked.",
    ),
}


def resolved(ctx: Context) -> tuple[Row, list[tuple[str, Row]]]:
    """The recommended dose for this patient: the usual row lowered by every applicable dose row."""
    usual = row_of(RULE, ctx, "usual")
    assert usual is not None
    best, why = usual, []
    for module in DOSE_RULES:
        if not module.RULE.applies(ctx.drug, ctx.jurisdiction, Phase.ORDER):
            continue
        row = module.dose_limit(ctx)
        if row is not None and row.daily_mg is not None:
            why.append((module.RULE.id, row))
            if best.daily_mg is None or row.daily_mg < best.daily_mg:
                best = row
    return best, why


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    order = ctx.order
    if order is None:
        return []
    usual_rows = [r for r in rule.rows(ctx) if r.daily_mg is not None]
    usual_text = " or ".join(dose_text(r.dose_mg, r.doses_per_day) for r in usual_rows)
    if order.daily_mg is None:
        return [rule.finding(ctx, "unknown", indicator=Indicator.INFO, mark=Mark.V, status=Status.MISSING_DATA,
                             dose_text=order.dose_text or "none", usual=usual_text)]
    ceiling = max(r.daily_mg or 0 for r in usual_rows)
    if order.daily_mg <= ceiling + 1e-9:
        return []
    best, why = resolved(ctx)
    reasons = [f"{rid}: {row.says}" for rid, row in why if row is best or row.daily_mg == best.daily_mg]
    return [rule.finding(
        ctx, "above", indicator=Indicator.WARNING, mark=weakest(usual_rows[0].mark, best.mark),
        evidence=(order.evidence(note=f"draft dose {dose_text(order.dose_mg, order.doses_per_day)}"),),
        suggestion=dose_change(best, "dose above the label recommendation"),
        ordered=dose_text(order.dose_mg, order.doses_per_day), daily=f"{order.daily_mg:g}", usual=usual_text,
        recommended=dose_text(best.dose_mg, best.doses_per_day),
        why=f" ({'; '.join(reasons)})" if reasons else "",
    )]


RULE = SafetyRule(
    id="R31",
    title="Dose check against the jurisdiction",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_DOSAGE, SMPC_42),
    check=check,
    phases=frozenset({Phase.ORDER}),
    known_problems="Doses compared per day; pSS trial doses are not label doses.",
)
