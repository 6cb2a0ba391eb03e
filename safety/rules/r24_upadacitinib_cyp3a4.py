"""R24 - Upadacitinib with CYP3A4 modulators (jak-safety-rules.md §5.8 R24).

What it does: an active strong CYP3A4 inducer -> warning "coadministration not recommended"; an
active strong CYP3A4 inhibitor -> info "RA: stay at 15 mg and monitor; avoid grapefruit".

Why: upadacitinib is a CYP3A4 substrate; inducers lower exposure, inhibitors raise it.

Known problems: FDA inducer wording and EMA inhibitor dosing are [R]; the AD/UC/CD dose steps
(30 -> 15 mg, 45 -> 30 mg) do not apply to the RA rows used for pSS.
"""

from __future__ import annotations

from safety.labels import EMA, FDA, UPADACITINIB
from safety.lookups import other_medications
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_45, USPI_DOSAGE, USPI_INTERACTIONS, evidence_of, \
    ingredient_names, interaction_rule, join, medications_text, row_of, sections, table

THRESHOLDS = table(
    {
        (UPADACITINIB, FDA): Row(Mark.R, Indicator.WARNING, "with a strong CYP3A4 inducer: coadministration not "
                                                            "recommended", case="inducer"),
        (UPADACITINIB, EMA): Row(Mark.V, Indicator.WARNING, "strong CYP3A4 inducers are named: efficacy may fall",
                                 case="inducer"),
    },
    {
        (UPADACITINIB, FDA): Row(Mark.S, Indicator.INFO, "RA with a strong CYP3A4 inhibitor: 15 mg, monitor",
                                 case="inhibitor"),
        (UPADACITINIB, EMA): Row(Mark.R, Indicator.INFO, "strong CYP3A4 inhibitors are named: use with caution",
                                 case="inhibitor"),
    },
)

TEXTS = {
    "inducer": Text(
        "A strong CYP3A4 inducer ({names}) is on file, and it lowers {drug} exposure ({jurisdiction} label)",
        "{observed}. {jurisdiction} label: {says}.",
    ),
    "inhibitor": Text(
        "A strong CYP3A4 inhibitor ({names}) is on file; monitor {drug} and avoid grapefruit",
        "{observed}. {jurisdiction} label: {says}. Avoid grapefruit.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    for case, classes in (("inducer", ("cyp3a4-inducer-strong",)), ("inhibitor", ("cyp3a4-inhibitor-strong",))):
        found = other_medications(ctx.facts, *classes, exclude=ctx.order)
        row = row_of(rule, ctx, case)
        if found and row is not None:
            return [rule.finding(ctx, case, indicator=row.indicator, mark=row.mark, evidence=evidence_of(found),
                                 names=ingredient_names(found), observed=medications_text(found), says=row.says)]
    return []


RULE = interaction_rule(
    id="R24",
    title="Upadacitinib with CYP3A4 modulators",
    drug=UPADACITINIB,
    thresholds=THRESHOLDS,
    texts=TEXTS,
    sections=sections(join(USPI_DOSAGE, USPI_INTERACTIONS), join(SMPC_42, SMPC_45)),
    check=check,
    known_problems="FDA inducer and EMA inhibitor rows [R]; AD/UC/CD dose steps not applied.",
)
