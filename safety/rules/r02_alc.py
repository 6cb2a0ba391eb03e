"""R02 - Absolute lymphocyte count below the initiation threshold (jak-safety-rules.md §5.2 R02).

What it does: the newest ALC in the lab window below the drug's start threshold -> critical,
with a suggestion to cancel the draft. No ALC at all is R05's "missing data" finding.

Why: lymphopenia raises the risk of serious infection; every label says do not start below it.

Known problems: lymphopenia is common and often chronic in primary Sjögren's, so this fires often;
"chronic pSS lymphopenia" is offered as an override reason. Tofacitinib EMA 750/mm³ is [R].
"""

from __future__ import annotations

from safety.labels import BARICITINIB, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import Indicator, Mark, Row, Text
from safety.rules._common import SMPC_42, SMPC_44, USPI_EVALUATIONS, USPI_LAB, join, lab_initiation_rule, sections

PER_UL = "/uL"  # cells/uL == cells/mm³ (0.5 x10⁹/L = 500/uL)


def _below(limit: float, mark: Mark) -> tuple[Row, ...]:
    return (Row(mark, Indicator.CRITICAL, f"do not initiate if ALC < {limit:g}/mm³", limit=limit, unit=PER_UL),)


THRESHOLDS = {
    (BARICITINIB, FDA): _below(500, Mark.V),
    (BARICITINIB, EMA): _below(500, Mark.V),
    (TOFACITINIB, FDA): _below(500, Mark.V),
    (TOFACITINIB, EMA): _below(750, Mark.R),  # EU initiation cut-off 0.75x10⁹/L not verified (§11.3)
    (UPADACITINIB, FDA): _below(500, Mark.V),
    (UPADACITINIB, EMA): _below(500, Mark.S),
    (FILGOTINIB, EMA): _below(500, Mark.S),
}

TEXTS = {
    "fired": Text(
        "ALC {value}{unit} is below the {drug} start threshold of {limit}{unit}; do not initiate and recheck CBC",
        "{observed} is below the {drug} start threshold of {limit}{unit} ({jurisdiction} label: {says}). "
        "Do not initiate; recheck CBC. If the lymphopenia is chronic and Sjögren's-related, document the "
        "benefit-risk judgement when overriding.",
    ),
}

RULE = lab_initiation_rule(
    id="R02",
    title="ALC below the initiation threshold",
    analyte="lymphocytes",
    thresholds=THRESHOLDS,
    texts=TEXTS,
    sections=sections(join(USPI_EVALUATIONS, USPI_LAB), join(SMPC_42, SMPC_44)),
    known_problems="Chronic pSS lymphopenia fires often: offered as an override reason. Tofacitinib EMA 750 is [R].",
)
