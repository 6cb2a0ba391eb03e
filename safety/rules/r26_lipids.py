"""R26 - Lipids after the start (jak-safety-rules.md §5.9 R26, §7).

What it does:
- on treatment (monitoring): no lipid result (panel, total / LDL / HDL cholesterol, triglycerides)
  since the JAK-inhibitor start: inside the due window (baricitinib / upadacitinib / filgotinib:
  weeks 10-16; tofacitinib: weeks 4-10 [P]) -> info "lipids due now"; past its end -> info
  "overdue"; both "missing-data" with a suggestion to order a lipid panel; no known start date ->
  info that the schedule could not be computed;
- before starting (readiness): no lipid result within 12 months [P] -> info (baseline advisable,
  not mandated; it feeds the CV-risk assessment of R19).

Why: labels ask for lipids about 12 weeks after starting (tofacitinib 4-8 weeks US / 8 weeks EU).

Known problems: the "LDL has risen markedly -> warning" tier [P] has no number in the document and
is not implemented. Filgotinib 12 weeks is [R].
"""

from __future__ import annotations

from fhir_mappings.facts import Measurement
from safety import windows
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import describe
from safety.model import Context, Indicator, Mark, Phase, Row, SafetyFinding, SafetyRule, Status, Text, weakest
from safety.orderables import LIPID_PANEL
from safety.rules._common import SMPC_42, SMPC_44, USPI_LIPIDS, each, join, row_of, sections, table

LIPID_ANALYTES = ("lipid-panel", "cholesterol", "ldl", "hdl", "triglycerides")
WEEK = 7
# Due windows [P]: B/U/F weeks 10-16, T weeks 4-10. The label mark is that of the timing itself.
_BUF_START, _BUF_END = 10 * WEEK, 16 * WEEK
_T_START, _T_END = 4 * WEEK, 10 * WEEK


def _due(mark: Mark, says: str, start: int, end: int) -> dict[str, Row]:
    return {"due-now": Row(mark, Indicator.INFO, says, limit=start, op=">=", unit="days", case="due-now"),
            "due": Row(mark, Indicator.INFO, says, limit=end, op=">", unit="days", case="due")}


_DUE = {
    (BARICITINIB, FDA): _due(Mark.V, "lipids about 12 weeks after starting", _BUF_START, _BUF_END),
    (BARICITINIB, EMA): _due(Mark.V, "lipids about 12 weeks after starting", _BUF_START, _BUF_END),
    (UPADACITINIB, FDA): _due(Mark.V, "lipids 12 weeks after starting", _BUF_START, _BUF_END),
    (UPADACITINIB, EMA): _due(Mark.S, "lipids 12 weeks after starting", _BUF_START, _BUF_END),
    (FILGOTINIB, EMA): _due(Mark.R, "lipids 12 weeks after starting", _BUF_START, _BUF_END),
    (TOFACITINIB, FDA): _due(Mark.V, "lipids 4-8 weeks after starting", _T_START, _T_END),
    (TOFACITINIB, EMA): _due(Mark.V, "lipids 8 weeks after starting", _T_START, _T_END),
}

THRESHOLDS = table(
    {pair: rows["due-now"] for pair, rows in _DUE.items()},
    {pair: rows["due"] for pair, rows in _DUE.items()},
    each(Row(Mark.P, Indicator.INFO, "baseline lipids advisable (not mandated)", limit=windows.LIPIDS_BASELINE.days,
             op=">", unit="days", case="baseline")),
)

TEXTS = {
    "due-now": Text(
        "A lipid panel is due now, at week {weeks} on {drug} (due in weeks {start_week} to {due_week})",
        "On {drug} since {start} ({weeks} weeks). {jurisdiction} label: {says}; due window weeks "
        "{start_week}-{due_week} [P]. No lipid result since the start; {last}.",
    ),
    "due": Text(
        "No lipid panel is on file since {drug} was started {weeks} weeks ago, and it was due by week {due_week}",
        "On {drug} since {start} ({weeks} weeks). {jurisdiction} label: {says}; due window ends week "
        "{due_week} [P]. No lipid result since the start; {last}.",
    ),
    "no-start": Text(
        "The start date of {drug} is unknown, so the lipid and blood-count schedule could not be computed",
        "The active {drug} MedicationRequest / MedicationStatement has no authoredOn / start date, so the "
        "monitoring schedule (lipids, CBC, liver tests) could not be computed.",
    ),
    "baseline": Text(
        "No lipid panel is on file within {days} days; baseline lipids are advisable before {drug}",
        "No lipid result within the last {days} days (window [P]); {last}. Baseline lipids are not "
        "mandated by the labels but feed the cardiovascular risk assessment.",
    ),
}


def _newest(ctx: Context, since=None) -> Measurement | None:
    found = [m for a in LIPID_ANALYTES for m in ctx.facts.series(a) if since is None or m.date >= since]
    return max(found, key=lambda m: m.date) if found else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    last = _newest(ctx)
    last_text = f"last {describe(last, 'lipids')}" if last else "none on file"
    if ctx.phase == Phase.READINESS:
        row = row_of(rule, ctx, "baseline")
        assert row is not None
        if last is not None and not row.triggered_by((ctx.as_of - last.date).days):
            return []
        return [rule.finding(ctx, "baseline", indicator=row.indicator, mark=row.mark, status=Status.MISSING_DATA,
                             evidence=(last.evidence(note="older than 12 months"),) if last else (),
                             suggestion=LIPID_PANEL.suggestion("baseline lipids"),
                             days=str(windows.LIPIDS_BASELINE.days), last=last_text)]
    if ctx.start is None:
        return [rule.finding(ctx, "no-start", indicator=Indicator.INFO, mark=Mark.V, status=Status.MISSING_DATA)]
    opens, closes = row_of(rule, ctx, "due-now"), row_of(rule, ctx, "due")
    assert opens is not None and closes is not None and opens.limit is not None and closes.limit is not None
    days_on = (ctx.as_of - ctx.start).days
    if not opens.triggered_by(days_on) or _newest(ctx, since=ctx.start) is not None:
        return []
    row = closes if closes.triggered_by(days_on) else opens  # overdue once the window has closed
    return [rule.finding(ctx, row.case, indicator=row.indicator, mark=weakest(row.mark, Mark.P),
                         status=Status.MISSING_DATA, evidence=(last.evidence(),) if last else (),
                         suggestion=LIPID_PANEL.suggestion("lipids after starting a JAK inhibitor"),
                         start=ctx.start.isoformat(), weeks=str(days_on // WEEK),
                         start_week=str(int(opens.limit) // WEEK), due_week=str(int(closes.limit) // WEEK),
                         says=row.says, last=last_text)]


RULE = SafetyRule(
    id="R26",
    title="Lipids after the start",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.INFO,
    texts=TEXTS,
    sections=sections(USPI_LIPIDS, join(SMPC_42, SMPC_44)),
    check=check,
    phases=frozenset({Phase.READINESS, Phase.MONITORING}),
    known_problems="'LDL risen markedly' tier [P] not implemented (no number); filgotinib timing [R].",
)
