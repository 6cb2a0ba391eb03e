"""R08 - Transaminase rise / suspected drug-induced liver injury (jak-safety-rules.md §5.4 R08).

What it does: the newest ALT and AST (lab window) as multiples of the lab's upper limit of normal
(`referenceRange.high`): > 3xULN with bilirubin > 2xULN (Hy's-law pattern) -> critical; > 3xULN ->
warning "evaluate for DILI before starting"; above ULN -> info. No ALT and no AST within the LFT
window (30 days [P]) -> warning "missing-data" with a suggestion to order ALT, AST and bilirubin.

Why: all labels say monitor ALT/AST and interrupt if DILI is suspected [V]; no label gives a
number, so every multiple here is proposed policy [P] and the finding is marked unconfirmed.

Known problems: a value without a reference range cannot be expressed as xULN; it fires (info)
only when the lab flagged it high (interpretation H/HH), and the message says the multiple is
unknown.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import Measurement
from safety import windows
from safety.labels import DRUGS, EMA, FDA
from safety.lookups import crosses, describe, fmt, latest_number, newest_number
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT, Context, Indicator, Mark, Row, SafetyFinding, \
    SafetyRule, Status, Text, weakest
from safety.orderables import LIVER_TESTS
from safety.rules._common import SMPC_44, USPI_EVALUATIONS, USPI_LAB, each, join, row_of, sections, table

XULN = "xULN"
THRESHOLDS = table(
    each(Row(Mark.P, Indicator.CRITICAL, "ALT/AST > 3xULN with bilirubin > 2xULN (Hy's-law pattern)",
             limit=3, op=">", unit=XULN, case="hy")),
    each(Row(Mark.P, Indicator.CRITICAL, "bilirubin > 2xULN (with ALT/AST > 3xULN)", limit=2, op=">", unit=XULN,
             case="hy-bilirubin")),
    each(Row(Mark.P, Indicator.WARNING, "ALT/AST > 3xULN: evaluate for DILI before starting", limit=3, op=">",
             unit=XULN, case="high")),
    each(Row(Mark.P, Indicator.INFO, "ALT/AST above ULN: interrupt if DILI is suspected", limit=1, op=">",
             unit=XULN, case="above")),
    each(Row(Mark.V, Indicator.WARNING, "baseline ALT/AST before starting", limit=windows.LFT.days, op=">",
             unit="days", case="missing")),
)

TEXTS = {
    "hy": Text(
        "{analyte} {value} U/L is {multiple} × ULN with bilirubin {bili} × ULN, a suspected "
        "drug-induced liver injury; do not start {drug}",
        "{observed} and {bilirubin}: Hy's-law pattern [P]. Labels: interrupt / do not start if drug-induced "
        "liver injury is suspected, until it is excluded.",
    ),
    "high": Text(
        "{analyte} {value} U/L is {multiple} × ULN; evaluate for drug-induced liver injury before starting {drug}",
        "{observed}. Labels: interrupt / avoid if drug-induced liver injury is suspected; > 3xULN is a "
        "proposed local cut-off [P].",
    ),
    "above": Text(
        "{analyte} {value} U/L is {multiple} × ULN; the labels say interrupt {drug} if drug-induced "
        "liver injury is suspected",
        "{observed}. Monitor ALT/AST; labels: interrupt if drug-induced liver injury is suspected.",
    ),
    "no-range": Text(
        "{analyte} {value} U/L is flagged high without a reference range, so its multiple of ULN is "
        "unknown; review it before {drug}",
        "{observed} is flagged high but has no reference range, so its multiple of the upper limit of "
        "normal could not be computed.",
    ),
    "no-range-unflagged": Text(
        "{analyte} {value} U/L has no reference range or flag, so its multiple of ULN is unknown; "
        "review it before {drug}",
        "{observed} has no reference range and no high/low flag, so whether it is above the upper limit of "
        "normal (and by how much) could not be decided.",
    ),
    "missing": Text(
        "Check liver tests before starting {drug}; there is no ALT/AST within {days} days",
        "No ALT or AST within the last {days} days (window [P]); {last}. Labels require baseline liver "
        "tests before starting {drug}.",
    ),
}


def _multiple(m: Measurement) -> float | None:
    if m.value is None or not m.ref_high or m.ref_high <= 0:
        return None
    return m.value / m.ref_high


def _scaled(m: Measurement) -> Measurement:
    """The measurement as a multiple of ULN, so `crosses` applies the same censoring logic."""
    return replace(m, value=_multiple(m), unit=XULN)


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    out: list[SafetyFinding] = []
    facts = ctx.facts
    enzymes = [m for m in (latest_number(facts, a) for a in ("alt", "ast")) if m is not None]
    ranged = sorted((m for m in enzymes if _multiple(m) is not None), key=lambda m: -(_multiple(m) or 0))
    if ranged:
        worst = ranged[0]
        multiple = _multiple(worst) or 0.0
        bili = latest_number(facts, "bilirubin")
        hy_bili = row_of(rule, ctx, "hy-bilirubin")
        bili_high = (bili is not None and _multiple(bili) is not None and hy_bili is not None
                     and crosses(hy_bili, _scaled(bili)))
        for case in ("hy", "high", "above"):
            row = row_of(rule, ctx, case)
            if row is None or not crosses(row, _scaled(worst)) or (case == "hy" and not bili_high):
                continue
            assert worst.value is not None
            evidence = [worst.evidence(note=f"{fmt(multiple)}xULN")]
            if case == "hy" and bili is not None:
                evidence.append(bili.evidence(note=f"{fmt(_multiple(bili) or 0)}xULN"))
            out.append(rule.finding(
                ctx, case, indicator=row.indicator, mark=row.mark, evidence=evidence,
                override_reasons=(OVERRIDE_BENEFIT,),
                analyte=worst.analyte.upper(), value=fmt(worst.value), multiple=fmt(multiple),
                observed=f"{describe(worst)}, ULN {fmt(worst.ref_high or 0)} U/L = {fmt(multiple)}xULN",
                bili=fmt(_multiple(bili) or 0) if bili is not None else "",
                bilirubin=(f"{describe(bili)}, ULN {fmt(bili.ref_high or 0)} mg/dL" if bili is not None else ""),
            ))
            break
    else:
        flagged = next((m for m in enzymes if m.interpretation in ("H", "HH")), None)
        if flagged is not None and flagged.value is not None:
            out.append(rule.finding(
                ctx, "no-range", indicator=Indicator.INFO, mark=Mark.P, status=Status.MISSING_DATA,
                evidence=(flagged.evidence(note="no reference range"),),
                analyte=flagged.analyte.upper(), value=fmt(flagged.value), observed=describe(flagged),
            ))
        elif enzymes and enzymes[0].value is not None and enzymes[0].interpretation not in ("N", "L", "LL"):
            m = enzymes[0]  # never silent: a bare number cannot be compared with an unknown ULN
            out.append(rule.finding(
                ctx, "no-range-unflagged", indicator=Indicator.INFO, mark=Mark.P, status=Status.MISSING_DATA,
                evidence=(m.evidence(note="no reference range"),),
                analyte=m.analyte.upper(), value=fmt(m.value or 0), observed=describe(m),
            ))
    if not any(latest_number(facts, a, windows.LFT.days) for a in ("alt", "ast")):
        row = row_of(rule, ctx, "missing")
        assert row is not None
        olds = [m for m in (newest_number(facts, a) for a in ("alt", "ast")) if m is not None]
        out.append(rule.finding(
            ctx, "missing", indicator=row.indicator, mark=weakest(row.mark, windows.LFT.mark),
            status=Status.MISSING_DATA, evidence=tuple(m.evidence(note="older than the LFT window") for m in olds),
            suggestion=LIVER_TESTS.suggestion("baseline liver tests"), override_reasons=(OVERRIDE_OUTSIDE_RESULT,),
            days=str(windows.LFT.days), last="; ".join(f"last {describe(m)}" for m in olds) or "none on file",
        ))
    return out


RULE = SafetyRule(
    id="R08",
    title="Transaminase rise / suspected DILI",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(join(USPI_EVALUATIONS, USPI_LAB), SMPC_44),
    check=check,
    known_problems="All xULN cut-offs are [P]; values without a reference range fire only when flagged high.",
    override_reasons=(OVERRIDE_BENEFIT,),
)
