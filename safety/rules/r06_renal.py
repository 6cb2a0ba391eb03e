"""R06 - Renal function: dose and eligibility (jak-safety-rules.md §5.3 R06, §6, §7).

What it does: FDA rows read the newest eGFR; EMA rows read creatinine clearance (Cockcroft-Gault
from creatinine, age, weight and sex), or eGFR as a proxy when one of those is missing (said in the
message, mark [P]). "Not recommended" bands -> critical with cancel-order; dose bands -> warning with
a dose-change suggestion (silent when the draft dose is already at or below it); no value within
the renal window (30 days [P]) -> warning "missing-data" with a suggestion to order creatinine.

Why: baricitinib, tofacitinib and filgotinib are renally cleared; the labels reduce or stop them.

Known problems:
- tofacitinib FDA: the label's Table 1 defines moderate renal impairment as CLcr >= 30 and <= 50
  mL/min (Cockcroft-Gault), severe as < 30; both -> 5 mg once daily. Confirmed [V] (issue 11).
- upadacitinib EMA rows are [R]; upadacitinib FDA RA has no adjustment above eGFR 15.
- the tighter 14-day window (eGFR < 60 or age >= 75, [P]) only adds a "recheck" note.
- a severe-CKD / dialysis Condition without a lab value is not used as a proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fhir_mappings.facts import Evidence, Measurement
from safety import windows
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import CG_MARK, cockcroft_gault, crosses_value, describe, dose_text, fmt, latest_number, newest_number, \
    order_above, unit_display
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT, Context, Indicator, Mark, Row, SafetyFinding, \
    SafetyRule, Status, Text, weakest
from safety.orderables import CREATININE
from safety.rules._common import SMPC_42, USPI_DOSAGE, USPI_RENAL, cancel_order, dose_change, each, join, sections
from safety.unreadable import settles, unsettled_finding

EGFR = "mL/min/{1.73_m2}"
CRCL = "mL/min"
_V, _S, _R = Mark.V, Mark.S, Mark.R
_CRIT, _WARN = Indicator.CRITICAL, Indicator.WARNING

BANDS: dict[tuple[str, str], tuple[Row, ...]] = {
    (BARICITINIB, FDA): (
        Row(_V, _CRIT, "eGFR < 30: not recommended", limit=30, unit=EGFR, case="not-recommended"),
        Row(_V, _WARN, "eGFR 30 to < 60: 1 mg once daily", limit=60, unit=EGFR, dose_mg=1, doses_per_day=1,
            case="reduce"),
    ),
    (BARICITINIB, EMA): (
        Row(_V, _CRIT, "CrCl < 30 mL/min: not recommended", limit=30, unit=CRCL, case="not-recommended"),
        Row(_V, _WARN, "CrCl 30-60 mL/min: 2 mg once daily", limit=60, op="<=", unit=CRCL, dose_mg=2,
            doses_per_day=1, case="reduce"),
    ),
    (TOFACITINIB, FDA): (
        # USPI 2.3 Table 1 (pfizermedical.com/xeljanz/dosage-admin): severity by Cockcroft-Gault CLcr;
        # moderate RI "CLcr >=30 and <=50 mL/min" and severe "<30": 5 mg once daily (XR -> 5 mg tablets)
        Row(_V, _WARN, "moderate or severe renal impairment (CrCl <= 50 mL/min): 5 mg once daily", limit=50,
            op="<=", unit=CRCL, dose_mg=5, doses_per_day=1, case="reduce"),
    ),
    (TOFACITINIB, EMA): (
        Row(_S, _WARN, "severe renal impairment (CrCl < 30): 5 mg once daily", limit=30, unit=CRCL, dose_mg=5,
            doses_per_day=1, case="reduce"),
    ),
    (UPADACITINIB, FDA): (
        Row(_S, _CRIT, "end-stage renal disease (eGFR < 15): not recommended", limit=15, unit=EGFR,
            case="not-recommended"),
    ),
    (UPADACITINIB, EMA): (
        Row(_R, _CRIT, "end-stage renal disease (< 15): not recommended", limit=15, unit=CRCL,
            case="not-recommended"),
        Row(_R, _WARN, "severe renal impairment (< 30): use with caution", limit=30, unit=CRCL, case="caution"),
    ),
    (FILGOTINIB, EMA): (
        Row(_V, _CRIT, "CrCl < 15 mL/min: not recommended", limit=15, unit=CRCL, case="not-recommended"),
        Row(_V, _WARN, "CrCl 15 to < 60 mL/min: 100 mg once daily", limit=60, unit=CRCL, dose_mg=100,
            doses_per_day=1, case="reduce"),
    ),
}
MISSING = each(Row(_V, _WARN, "baseline renal function before starting", limit=windows.RENAL.days, op=">",
                   unit="days", case="missing"))
THRESHOLDS = {pair: (*rows, MISSING[pair]) for pair, rows in BANDS.items()}
TIGHT_EGFR = 60  # §7: the 14-day window applies below this eGFR [P] ...
TIGHT_AGE = 75  # ... or from this age [P]

TEXTS = {
    "not-recommended": Text(
        "{measure} is {value} {unit}, below {limit}, so the {jurisdiction} label does not recommend {drug}",
        "{observed}. {jurisdiction} label: {says}.{note}",
    ),
    "reduce": Text(
        "{measure} is {value} {unit}, so the {jurisdiction} label reduces {drug} to {dose}",
        "{observed}. {jurisdiction} label: {says}. Draft dose: {ordered}.{note}",
    ),
    "caution": Text(
        "{measure} is {value} {unit}, a severe renal impairment, so the {jurisdiction} label advises "
        "caution with {drug}",
        "{observed}. {jurisdiction} label: {says}.{note}",
    ),
    "missing": Text(
        "Check renal function before starting {drug}; there is no {measure} within {days} days",
        "No {measure} within the last {days} days (window [P]); {last}. Baseline renal function is "
        "required before starting {drug}; the {jurisdiction} dose depends on it.",
    ),
}


@dataclass(frozen=True)
class RenalValue:
    value: float
    measure: str  # "eGFR", "CrCl", "eGFR (CrCl proxy)"
    unit: str
    comparator: str | None
    observed: str
    evidence: tuple[Evidence, ...]
    mark: Mark  # certainty of the value itself (CG formula [R], eGFR-as-CrCl proxy [P])
    date: date


def by_crcl(ctx: Context) -> bool:
    """The label's renal bands are in creatinine clearance (EMA rows; tofacitinib FDA)."""
    return any(r.unit == CRCL for r in RULE.rows(ctx))


def crcl_missing_inputs(ctx: Context) -> list[str]:
    """The Cockcroft-Gault inputs that are missing or unusable, in words."""
    facts = ctx.facts
    missing = []
    if latest_number(facts, "creatinine", windows.RENAL.days) is None:
        missing.append(f"serum creatinine within {windows.RENAL.days} days")
    if latest_number(facts, "weight", windows.WEIGHT_FOR_CRCL.days) is None:
        missing.append(f"body weight within {windows.WEIGHT_FOR_CRCL.days} days")
    if facts.age_years() is None:
        missing.append("age (birth date)")
    if facts.gender not in ("female", "male"):
        missing.append("sex (female/male)")
    return missing


def renal_value(ctx: Context) -> RenalValue | None:
    egfr = latest_number(ctx.facts, "egfr", windows.RENAL.days)
    if by_crcl(ctx):
        crcl = _crcl(ctx)
        if crcl is not None:
            return crcl
        if egfr is not None:
            missing = ", ".join(crcl_missing_inputs(ctx)) or "an implausible input"
            return _from_egfr(egfr, "eGFR (CrCl proxy)", Mark.P,
                              f"eGFR used as a proxy for CrCl: Cockcroft-Gault could not be computed ({missing}) [P]")
        return None
    return _from_egfr(egfr, "eGFR", Mark.V, "") if egfr is not None else None


def _from_egfr(m: Measurement, measure: str, mark: Mark, note: str) -> RenalValue:
    assert m.value is not None
    observed = f"{describe(m)}; {note}" if note else describe(m)
    return RenalValue(m.value, measure, EGFR, m.comparator, observed, (m.evidence(note=note or None),), mark, m.date)


def _crcl(ctx: Context) -> RenalValue | None:
    facts = ctx.facts
    creatinine = latest_number(facts, "creatinine", windows.RENAL.days)
    weight = latest_number(facts, "weight", windows.WEIGHT_FOR_CRCL.days)
    age = facts.age_years()
    if creatinine is None or weight is None or age is None or facts.gender not in ("female", "male"):
        return None
    assert creatinine.value is not None and weight.value is not None
    if creatinine.value <= 0 or weight.value <= 0 or not 18 <= age < 140:
        return None  # implausible inputs (or a child: the formula is for adults): fall back to eGFR
    value = cockcroft_gault(age, weight.value, creatinine.value, facts.gender == "female")
    flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(creatinine.comparator or "")
    observed = (f"CrCl {fmt(value)} mL/min (Cockcroft-Gault [R]: {describe(creatinine)}, {describe(weight, 'weight')}, "
                f"age {age}, {facts.gender})")
    return RenalValue(value, "CrCl", CRCL, flipped, observed,
                      (creatinine.evidence(note="Cockcroft-Gault input"), weight.evidence(note="Cockcroft-Gault input")),
                      CG_MARK, creatinine.date)


def band(rule: SafetyRule, ctx: Context, rv: RenalValue) -> Row | None:
    return next((r for r in rule.rows(ctx) if r.case != "missing" and crosses_value(r, rv.value, rv.comparator)), None)


def dose_limit(ctx: Context) -> Row | None:
    """The renal dose band that applies (for R31), or None."""
    rv = renal_value(ctx)
    row = band(RULE, ctx, rv) if rv is not None else None
    return row if row is not None and row.dose_mg is not None else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    rv = renal_value(ctx)
    if rv is None:
        return [_missing(rule, ctx)]
    if rv.comparator is not None:  # a censored value ("<90") that straddles a band says so
        open_row = next((r for r in rule.rows(ctx) if r.case != "missing"
                         and settles(r, rv.value, rv.comparator) is None), None)
        if open_row is not None:
            return [unsettled_finding(rule, ctx, open_row, rv.observed, rv.value, rv.comparator, rv.unit,
                                      "egfr" if rv.measure.startswith("eGFR") else "creatinine clearance")]
    row = band(rule, ctx, rv)
    if row is None or (row.case == "reduce" and not order_above(ctx.order, row)):
        return []
    age = ctx.facts.age_years()
    note = ""
    if (rv.value < TIGHT_EGFR or (age is not None and age >= TIGHT_AGE)) and \
            (ctx.as_of - rv.date).days > windows.RENAL_TIGHT.days:
        note = f" Recheck: result older than {windows.RENAL_TIGHT.days} days (window [P] for eGFR < 60 or age >= 75)."
    suggestion = None
    if row.case == "reduce":
        suggestion = dose_change(row, f"{rv.measure} {fmt(rv.value)}")
    elif row.case == "not-recommended":
        suggestion = cancel_order(ctx, f"{rv.measure} {fmt(rv.value)}: not recommended")
    return [
        rule.finding(
            ctx,
            row.case,
            indicator=row.indicator,
            mark=weakest(row.mark, rv.mark),
            evidence=rv.evidence,
            suggestion=suggestion,
            override_reasons=(OVERRIDE_BENEFIT,),
            measure=rv.measure,
            value=fmt(rv.value),
            unit=unit_display(rv.unit),
            limit=fmt(row.limit or 0),
            observed=rv.observed,
            says=row.says,
            dose=dose_text(row.dose_mg, row.doses_per_day),
            ordered=dose_text(ctx.order.dose_mg, ctx.order.doses_per_day) if ctx.order else "none (no draft order)",
            note=note,
        )
    ]


def _why_not_used(m: Measurement, ctx: Context, measure: str) -> str:
    """The evidence note of a renal result that did not settle the check: too old for the window, or in
    the window but not the measure these label rows need (a creatinine when the FDA rows read eGFR)."""
    if (ctx.as_of - m.date).days > windows.RENAL.days:
        return f"older than the renal window ({windows.RENAL.days} days)"
    return f"within {windows.RENAL.days} days, but these label rows need {measure}"


def _missing(rule: SafetyRule, ctx: Context) -> SafetyFinding:
    row = next(r for r in rule.rows(ctx) if r.case == "missing")
    measure = "creatinine or eGFR" if ctx.jurisdiction == EMA else "eGFR"
    olds = [m for m in (newest_number(ctx.facts, a) for a in ("egfr", "creatinine")) if m is not None]
    last = "; ".join(f"last {describe(m)}" for m in olds) or "none on file"
    return rule.finding(
        ctx,
        "missing",
        indicator=row.indicator,
        mark=weakest(row.mark, windows.RENAL.mark),
        status=Status.MISSING_DATA,
        evidence=tuple(m.evidence(note=_why_not_used(m, ctx, measure)) for m in olds),
        suggestion=CREATININE.suggestion("baseline renal function"),
        override_reasons=(OVERRIDE_OUTSIDE_RESULT,),
        measure=measure,
        days=str(windows.RENAL.days),
        last=last,
    )


RULE = SafetyRule(
    id="R06",
    title="Renal function (dose and eligibility)",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_DOSAGE, USPI_RENAL), SMPC_42),
    check=check,
    known_problems="Upadacitinib EMA rows are [R]; "
                   "the 14-day window only adds a recheck note.",
    override_reasons=(OVERRIDE_BENEFIT,),
)
