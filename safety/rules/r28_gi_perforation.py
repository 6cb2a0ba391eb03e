"""R28 - Diverticular disease / GI perforation risk (jak-safety-rules.md §5.9 R28).

What it does: a diverticular-disease Condition (any status: history counts) with an active NSAID,
systemic corticosteroid or opioid -> warning; without one of those -> info.

Why: GI perforations were reported with JAK inhibitors; labels say use with caution in patients at
risk (history of diverticulitis), especially with NSAIDs, corticosteroids or opioids (EU).

Known problems: prior GI perforation and peptic ulcer are only caught if the Condition value set
maps them to diverticular-disease. EMA tofacitinib / filgotinib rows are [R].
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import other_medications
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, USPI_GI, conditions_text, evidence_of, medications_text, row_of, \
    sections, table

CAUTION = "use with caution in patients at risk of GI perforation (e.g. diverticulitis)"
_MARKS = {(BARICITINIB, FDA): Mark.V, (TOFACITINIB, FDA): Mark.S, (UPADACITINIB, FDA): Mark.S,
          (BARICITINIB, EMA): Mark.V, (UPADACITINIB, EMA): Mark.V, (TOFACITINIB, EMA): Mark.R,
          (FILGOTINIB, EMA): Mark.R}
CO_RISK = ("nsaid", "corticosteroid", "opioid")

THRESHOLDS = table(
    {pair: Row(mark, Indicator.WARNING, CAUTION + ", especially with NSAIDs, corticosteroids or opioids",
               case="co-risk") for pair, mark in _MARKS.items()},
    {pair: Row(mark, Indicator.INFO, CAUTION, case="alone") for pair, mark in _MARKS.items()},
)

TEXTS = {
    "co-risk": Text(
        "Diverticular disease is on file with an NSAID, steroid or opioid, which raises the GI "
        "perforation risk on {drug}",
        "{observed}; co-risk medicines: {meds}. {jurisdiction} label: {says}. Evaluate new abdominal "
        "symptoms promptly.",
    ),
    "alone": Text(
        "Diverticular disease is on file, which raises the GI perforation risk on {drug}",
        "{observed}. {jurisdiction} label: {says}. Evaluate new abdominal symptoms promptly.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    found = ctx.facts.conditions_of("diverticular-disease", status=None)
    if not found:
        return []
    meds = other_medications(ctx.facts, *CO_RISK, exclude=ctx.order)
    case = "co-risk" if meds else "alone"
    row = row_of(rule, ctx, case)
    assert row is not None
    return [rule.finding(ctx, case, indicator=row.indicator, mark=row.mark, evidence=evidence_of(found, meds),
                         observed=conditions_text(found), meds=medications_text(meds), says=row.says)]


RULE = SafetyRule(
    id="R28",
    title="Diverticulitis / GI perforation risk",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.WARNING,
    texts=TEXTS,
    sections=sections(USPI_GI, SMPC_44),
    check=check,
    known_problems="Perforation / ulcer history only via the Condition value set; EMA T/F rows [R].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
