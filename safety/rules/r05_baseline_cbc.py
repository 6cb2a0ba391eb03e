"""R05 - Baseline CBC missing or out of date (jak-safety-rules.md §5.2 R05, §7).

What it does: if ALC, ANC or Hb has no value within the CBC window (30 days [P]) -> warning,
status "missing-data", with a suggestion to order a CBC with differential.

Why: every label requires a baseline CBC with differential before starting [V]. Missing data is
kept apart from abnormal data: a low value is R02-R04's critical finding, a missing one is this one.

Known problems: the 30-day window is local policy [P], so the finding is marked unconfirmed.
"""

from __future__ import annotations

from safety import windows
from safety.labels import DRUGS, EMA, FDA
from safety.lookups import LABEL_OF, latest_number, newest_number
from safety.model import OVERRIDE_OUTSIDE_RESULT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Status, \
    Text, weakest
from safety.orderables import CBC_WITH_DIFFERENTIAL
from safety.rules._common import SMPC_42, USPI_EVALUATIONS, each, sections, table

ANALYTES = ("lymphocytes", "neutrophils", "hemoglobin")

THRESHOLDS = table(
    each(Row(Mark.V, Indicator.WARNING, "baseline CBC with differential before starting",
             limit=windows.CBC.days, op=">", unit="days", case="missing"))
)

TEXTS = {
    "missing": Text(
        "Order a baseline CBC with differential before {drug}; there is no {missing} within {days} days",
        "No {missing} within the last {days} days (window [P]); {last}. All labels require a baseline CBC "
        "with differential before starting {drug}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    row = rule.rows(ctx)[0]
    missing = [a for a in ANALYTES if latest_number(ctx.facts, a, windows.CBC.days) is None]
    if not missing:
        return []
    olds = [m for m in (newest_number(ctx.facts, a) for a in missing) if m is not None]
    last = "; ".join(
        f"last {LABEL_OF[m.analyte]} {m.date.isoformat()} ({(ctx.as_of - m.date).days} days ago, {m.reference})"
        for m in olds
    ) or "none on file"
    return [
        rule.finding(
            ctx,
            "missing",
            indicator=row.indicator,
            mark=weakest(row.mark, windows.CBC.mark),
            status=Status.MISSING_DATA,
            evidence=tuple(m.evidence(note="older than the CBC window") for m in olds),
            suggestion=CBC_WITH_DIFFERENTIAL.suggestion("baseline CBC with differential"),
            override_reasons=(OVERRIDE_OUTSIDE_RESULT,),
            missing=", ".join(LABEL_OF[a] for a in missing),
            days=str(windows.CBC.days),
            last=last,
        )
    ]


RULE = SafetyRule(
    id="R05",
    title="Baseline CBC missing or stale",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_EVALUATIONS, SMPC_42),
    check=check,
    known_problems="The 30-day window is [P].",
    override_reasons=(OVERRIDE_OUTSIDE_RESULT,),
)
