"""R27 - Periodic CBC and liver tests on treatment (jak-safety-rules.md §5.9 R27, §7).

What it does (monitoring only): a CBC (ALC / ANC / Hb) or liver test (ALT / AST) is due when none
has been done since the start and the first check is past (baricitinib / upadacitinib / filgotinib:
week 4 [P]; tofacitinib: week 8, the end of "after 4-8 weeks" [V]), or when the last one since the
start is older than 3 months (91 days; tofacitinib [V], others [P]) -> info "missing-data" with an
order-test suggestion.

Why: tofacitinib labels: lymphocytes every 3 months, neutrophils and Hb after 4-8 weeks then every
3 months; the others say "according to routine patient management".

Known problems: the [P] grid's separate week-12 check is not tracked (the 3-monthly interval from
the week-4 check covers it about a month later). On-treatment interrupt thresholds (R02-R04 on
treatment rows) are not checked.
"""

from __future__ import annotations

from fhir_mappings.facts import Measurement
from safety import windows
from safety.labels import DRUGS, EMA, FDA, TOFACITINIB
from safety.lookups import describe
from safety.model import Context, Indicator, Mark, Phase, Row, SafetyFinding, SafetyRule, Status, Suggestion, \
    SuggestionKind, Text
from safety.orderables import CBC_WITH_DIFFERENTIAL, LIVER_TESTS
from safety.rules._common import SMPC_42, SMPC_44, USPI_LAB, each, join, row_of, sections, table

GROUPS = (("CBC", ("lymphocytes", "neutrophils", "hemoglobin"), CBC_WITH_DIFFERENTIAL),
          ("liver tests", ("alt", "ast"), LIVER_TESTS))

THRESHOLDS = table(
    {
        **each(Row(Mark.P, Indicator.INFO, "CBC and liver tests at week 4, then every 3 months (local policy)",
                   limit=28, op=">", unit="days", case="first")),
        **each(Row(Mark.V, Indicator.INFO, "CBC after 4-8 weeks, then every 3 months", limit=56, op=">",
                   unit="days", case="first"), (TOFACITINIB,)),
    },
    {
        **each(Row(Mark.P, Indicator.INFO, "then every 3 months", limit=windows.MONITORING_INTERVAL.days, op=">",
                   unit="days", case="interval")),
        **each(Row(Mark.V, Indicator.INFO, "then every 3 months", limit=windows.MONITORING_INTERVAL.days, op=">",
                   unit="days", case="interval"), (TOFACITINIB,)),
    },
)

TEXTS = {
    "due": Text(
        "{tests} {verb} due on {drug} (started {start})",
        "On {drug} since {start}. {details}. {jurisdiction}: {says}.",
    ),
}


def _newest_since(ctx: Context, analytes: tuple[str, ...]) -> Measurement | None:
    assert ctx.start is not None
    found = [m for a in analytes for m in ctx.facts.series(a) if m.date >= ctx.start]
    return max(found, key=lambda m: m.date) if found else None


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    if ctx.start is None:
        return []  # R26 reports the unknown start date once
    first, interval = row_of(rule, ctx, "first"), row_of(rule, ctx, "interval")
    assert first is not None and interval is not None
    days_on = (ctx.as_of - ctx.start).days
    due = []
    for name, analytes, test in GROUPS:
        last = _newest_since(ctx, analytes)
        if last is None and first.triggered_by(days_on):
            due.append((name, f"no {name} since the start ({days_on} days ago)", test, None, first))
        elif last is not None and interval.triggered_by((ctx.as_of - last.date).days):
            due.append((name, f"last {name}: {describe(last)}", test, last, interval))
    if not due:
        return []
    codes = tuple(code for _, _, test, _, _ in due for code in test.suggestion("").loinc)
    suggestion = Suggestion(kind=SuggestionKind.ORDER_TEST, label="Order " + " and ".join(t.label for _, _, t, _, _ in due),
                            loinc=codes, reason="monitoring on a JAK inhibitor")
    rows = [r for *_, r in due]
    mark = Mark.V if all(r.mark == Mark.V for r in rows) else Mark.P
    return [rule.finding(ctx, "due", indicator=Indicator.INFO, mark=mark, status=Status.MISSING_DATA,
                         evidence=tuple(m.evidence() for _, _, _, m, _ in due if m is not None), suggestion=suggestion,
                         tests=" and ".join(n for n, *_ in due),
                         verb="are" if len(due) > 1 or due[0][0].endswith("s") else "is",
                         start=ctx.start.isoformat(),
                         details="; ".join(d for _, d, *_ in due), says=first.says)]


RULE = SafetyRule(
    id="R27",
    title="Periodic CBC and liver tests",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.INFO,
    texts=TEXTS,
    sections=sections(USPI_LAB, join(SMPC_42, SMPC_44)),
    check=check,
    phases=frozenset({Phase.MONITORING}),
    known_problems="Week-12 check of the [P] grid not tracked separately; on-treatment thresholds not checked.",
)
