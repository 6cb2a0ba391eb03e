"""R12 - Hepatitis B (jak-safety-rules.md §5.5 R12, §7).

What it does, before starting (order / readiness):
- HBsAg positive (ever), HBV DNA detectable (newest result) or an active hepatitis-B Condition ->
  critical, with a suggestion to cancel the draft;
- anti-HBc positive (ever) with HBsAg not positive -> warning "check HBV DNA at baseline and
  monitor", with a suggestion to order HBV DNA when none is within 3 months [P/S]; with a recent
  undetectable HBV DNA it is an info reminder to monitor;
- no HBsAg or no anti-HBc result ever -> warning "missing-data" with a suggestion to order HBsAg,
  anti-HBc and anti-HBs.
On treatment (monitoring): anti-HBc positive and no HBV DNA within 3 months -> info "HBV DNA due"
with an order-test suggestion; detectable HBV DNA -> critical.

Why: reactivation is a labelled risk; in the pSS pilot one patient with past hepatitis B stopped
within a month because of a viral flare [V].

Known problems: a negative panel never expires here (the "12 months if ongoing risk" [P] option
needs a risk flag facts do not carry); antiviral prophylaxis does not silence the critical card.
"""

from __future__ import annotations

from safety import windows
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import describe, ever_positive, hbv_dna_detectable, latest_result
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT, OVERRIDE_SPECIALIST, Context, Indicator, Mark, \
    Phase, Row, SafetyFinding, SafetyRule, Status, Text, weakest
from safety.orderables import HBV_DNA, HBV_SEROLOGY
from safety.rules._common import SMPC_44, USPI_EVALUATIONS, USPI_VIRAL, cancel_order, conditions_text, each, \
    evidence_of, join, row_of, sections, table

_CRIT = Indicator.CRITICAL
CONSULT = "HBV DNA detected: consult a hepatologist"
THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.V, _CRIT, CONSULT, case="active"),
        (BARICITINIB, EMA): Row(Mark.V, _CRIT, CONSULT, case="active"),
        (TOFACITINIB, FDA): Row(Mark.V, _CRIT, "not studied in HBV-positive patients; screen per guidelines",
                                case="active"),
        (UPADACITINIB, FDA): Row(Mark.V, _CRIT, "initiation not recommended in active hepatitis B", case="active"),
        (TOFACITINIB, EMA): Row(Mark.V, _CRIT, "screen per guidelines; antiviral per HBV status (EULAR 2022)",
                                case="active"),
        (UPADACITINIB, EMA): Row(Mark.V, _CRIT, "screen per guidelines; antiviral per HBV status (EULAR 2022)",
                                 case="active"),
        (FILGOTINIB, EMA): Row(Mark.V, _CRIT, "screen per guidelines; antiviral per HBV status (EULAR 2022)",
                               case="active"),
    },
    each(Row(Mark.V, Indicator.WARNING, "anti-HBc+ / HBsAg-: HBV DNA at baseline, monitor during therapy",
             case="anti-hbc")),
    each(Row(Mark.V, Indicator.WARNING, "screen for HBV per clinical guidelines before starting", case="missing")),
    each(Row(Mark.P, Indicator.INFO, "anti-HBc+: HBV DNA every 3 months on treatment", limit=windows.HBV_DNA.days,
             op=">", unit="days", case="dna-due")),
)

TEXTS = {
    "active": Text(
        "Hepatitis B is on file ({marker}), so do not start {drug} without hepatology advice",
        "{observed}. {jurisdiction} label: {says}. In the pSS pilot a patient with hepatitis B stopped "
        "baricitinib within a month because of a viral flare.",
    ),
    "anti-hbc": Text(
        "Anti-HBc is positive, so check HBV DNA at baseline and monitor it on {drug}",
        "{observed}; HBsAg not positive. {dna}. Labels: monitor HBV DNA in anti-HBc positive patients; "
        "a secondary source suggests every 3 months [S].",
    ),
    "anti-hbc-monitor": Text(
        "Anti-HBc is positive with HBV DNA undetectable; monitor HBV DNA every 3 months on {drug}",
        "{observed}; HBsAg not positive. {dna}. Monitor HBV DNA during therapy (every 3 months [P/S]).",
    ),
    "missing": Text(
        "Screen for hepatitis B before starting {drug}; there is no {missing} on file",
        "No {missing} result on file. All labels require HBV screening per clinical guidelines before "
        "starting {drug}.",
    ),
    "dna-due": Text(
        "Anti-HBc is positive on {drug}, so an HBV DNA test is due ({last_test})",
        "{observed}; on {drug} since {start}. No HBV DNA within the last {days} days (every 3 months "
        "[P/S]); last: {last}.",
    ),
}


def _active(ctx: Context):
    facts = ctx.facts
    hbsag = ever_positive(facts, "hbsag")
    dna = next(iter(facts.series("hbv-dna")), None)
    dna = dna if dna is not None and hbv_dna_detectable(dna) else None
    cond = facts.conditions_of("hepatitis-b")
    return hbsag, dna, cond


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    hbsag, dna, cond = _active(ctx)
    if hbsag or dna or cond:
        row = row_of(rule, ctx, "active")
        assert row is not None
        parts = [f"{describe(hbsag, 'HBsAg')}" if hbsag else "",
                 f"detectable {describe(dna, 'HBV DNA')}" if dna else "",
                 f"hepatitis B: {conditions_text(cond)}" if cond else ""]
        marker = "HBsAg positive" if hbsag else "HBV DNA detectable" if dna else "active diagnosis"
        evidence = tuple(m.evidence() for m in (hbsag, dna) if m is not None) + evidence_of(cond)
        return [rule.finding(ctx, "active", indicator=row.indicator, mark=row.mark, evidence=evidence,
                             suggestion=cancel_order(ctx, "hepatitis B"),
                             override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_BENEFIT),
                             observed="; ".join(p for p in parts if p), marker=marker, says=row.says)]
    anti_hbc = ever_positive(facts, "anti-hbc")
    recent_dna = next(iter(facts.within("hbv-dna", windows.HBV_DNA.days)), None)
    if ctx.phase == Phase.MONITORING:
        if anti_hbc is None or recent_dna is not None:
            return []
        row = row_of(rule, ctx, "dna-due")
        assert row is not None
        last = next(iter(facts.series("hbv-dna")), None)
        return [rule.finding(
            ctx, "dna-due", indicator=row.indicator, mark=row.mark, status=Status.MISSING_DATA,
            evidence=(anti_hbc.evidence(),) + ((last.evidence(),) if last else ()),
            suggestion=HBV_DNA.suggestion("HBV DNA monitoring (anti-HBc positive)"),
            observed=f"{describe(anti_hbc, 'anti-HBc')}",
            start=ctx.start.isoformat() if ctx.start else "an unknown date", days=str(windows.HBV_DNA.days),
            last=last.date.isoformat() if last else "none",
            last_test=f"last on {last.date.isoformat()}" if last else "none on file",
        )]
    if anti_hbc is not None:
        row = row_of(rule, ctx, "anti-hbc")
        assert row is not None
        observed = f"{describe(anti_hbc, 'anti-HBc')}"
        if recent_dna is not None:
            return [rule.finding(ctx, "anti-hbc-monitor", indicator=Indicator.INFO, mark=row.mark,
                                 evidence=(anti_hbc.evidence(), recent_dna.evidence()), observed=observed,
                                 dna=f"Baseline {describe(recent_dna, 'HBV DNA')}")]
        return [rule.finding(ctx, "anti-hbc", indicator=row.indicator, mark=weakest(row.mark, windows.HBV_DNA.mark),
                             evidence=(anti_hbc.evidence(),),
                             suggestion=HBV_DNA.suggestion("baseline HBV DNA (anti-HBc positive)"),
                             override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_OUTSIDE_RESULT), observed=observed,
                             dna=f"No HBV DNA within {windows.HBV_DNA.days} days")]
    missing = [name for analyte, name in (("hbsag", "HBsAg"), ("anti-hbc", "anti-HBc"))
               if latest_result(facts, analyte) is None]
    if not missing:
        return []
    row = row_of(rule, ctx, "missing")
    assert row is not None
    return [rule.finding(ctx, "missing", indicator=row.indicator, mark=row.mark, status=Status.MISSING_DATA,
                         suggestion=HBV_SEROLOGY.suggestion("HBV screening before a JAK inhibitor"),
                         override_reasons=(OVERRIDE_OUTSIDE_RESULT,), missing=" or ".join(missing))]


RULE = SafetyRule(
    id="R12",
    title="Hepatitis B",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(join(USPI_EVALUATIONS, USPI_VIRAL), SMPC_44),
    check=check,
    phases=frozenset({Phase.ORDER, Phase.READINESS, Phase.MONITORING}),
    known_problems="Negative panels never expire; antiviral prophylaxis does not silence the critical card.",
    override_reasons=(OVERRIDE_SPECIALIST, OVERRIDE_BENEFIT),
)
