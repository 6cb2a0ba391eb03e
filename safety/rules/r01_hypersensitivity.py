"""R01 - Hypersensitivity to the ordered JAK inhibitor (jak-safety-rules.md §5.1 R01).

What it does: would flag a documented allergy (AllergyIntolerance, not refuted) to the ordered
ingredient as critical.

Why: hypersensitivity is a contraindication in all four EU SmPCs [V]; serious hypersensitivity is
listed in the US labels.

Known problems: AllergyIntolerance is not in PatientFacts yet, so this rule cannot be evaluated and
returns nothing. It stays registered so that the rule table and the cards stay complete.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_43, USPI_CONTRA, USPI_HYPERSENSITIVITY, each, join, sections, table

THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.R, Indicator.CRITICAL, "serious hypersensitivity listed"),
        (TOFACITINIB, FDA): Row(Mark.V, Indicator.CRITICAL, "Contraindications: None; hypersensitivity listed"),
        (UPADACITINIB, FDA): Row(Mark.S, Indicator.CRITICAL, "known hypersensitivity listed"),
    },
    each(Row(Mark.V, Indicator.CRITICAL, "hypersensitivity is a contraindication"),
         (BARICITINIB, TOFACITINIB, UPADACITINIB, FILGOTINIB), (EMA,)),
)

TEXTS = {
    "fired": Text(
        "Documented allergy to {drug}",
        "Allergy to {drug} on file: {observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    return []  # AllergyIntolerance is not in PatientFacts yet (Known problems)


RULE = SafetyRule(
    id="R01",
    title="Hypersensitivity",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(join(USPI_CONTRA, USPI_HYPERSENSITIVITY), SMPC_43),
    check=check,
    known_problems="Not evaluated: AllergyIntolerance is not in PatientFacts yet.",
    evaluable=False,
)
