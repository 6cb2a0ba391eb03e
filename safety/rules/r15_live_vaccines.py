"""R15 - Live vaccines (jak-safety-rules.md §5.5 R15, §7).

What it does: would flag a live vaccine within 4 weeks [P] before the start (warning), or a live
vaccine given or ordered while on a JAK inhibitor (critical).

Why: all four labels say avoid live vaccines during, or immediately before, treatment.

Known problems: Immunization is not in PatientFacts yet, so this rule cannot be evaluated and
returns nothing. The CVX list of live vaccines (§3.3) is [R].
"""

from __future__ import annotations

from safety import windows
from safety.labels import DRUGS, EMA, FDA, TOFACITINIB
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, SMPC_45, USPI_VACCINES, each, join, sections, table

SAYS = "avoid live vaccines during, or immediately before, treatment"
THRESHOLDS = table(
    {
        **each(Row(Mark.V, Indicator.WARNING, SAYS, limit=windows.LIVE_VACCINE.days, op="<=", unit="days")),
        **each(Row(Mark.S, Indicator.WARNING, SAYS, limit=windows.LIVE_VACCINE.days, op="<=", unit="days"),
               (TOFACITINIB,)),
    }
)

TEXTS = {
    "fired": Text(
        "Live vaccine {days} days before {drug}: avoid live vaccines around JAK inhibitors",
        "Live vaccine on file: {observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    return []  # Immunization is not in PatientFacts yet (Known problems)


RULE = SafetyRule(
    id="R15",
    title="Live vaccines",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_VACCINES, join(SMPC_44, SMPC_45)),
    check=check,
    known_problems="Not evaluated: Immunization is not in PatientFacts yet; 4-week window [P].",
    evaluable=False,
)
