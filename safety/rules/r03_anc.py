"""R03 - Absolute neutrophil count below the initiation threshold (jak-safety-rules.md §5.2 R03).

What it does: the newest ANC in the lab window below 1000/mm³ (1 x10⁹/L) -> critical, with a
suggestion to cancel the draft. No ANC at all is R05's finding.

Why: all four labels say do not start below 1000/mm³.

Known problems: pSS neutropenia can be chronic; "chronic pSS cytopenia" is offered as an override.
On-treatment rows (interrupt < 1000; tofacitinib FDA discontinue < 500) are not checked here.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import Indicator, Mark, Row, Text
from safety.rules._common import SMPC_42, SMPC_44, USPI_EVALUATIONS, USPI_LAB, join, lab_initiation_rule, sections


def _below(mark: Mark) -> tuple[Row, ...]:
    return (Row(mark, Indicator.CRITICAL, "do not initiate if ANC < 1000/mm³", limit=1000, unit="/uL"),)


THRESHOLDS = {
    (BARICITINIB, FDA): _below(Mark.V),
    (BARICITINIB, EMA): _below(Mark.V),
    (TOFACITINIB, FDA): _below(Mark.V),
    (TOFACITINIB, EMA): _below(Mark.S),
    (UPADACITINIB, FDA): _below(Mark.V),
    (UPADACITINIB, EMA): _below(Mark.S),
    (FILGOTINIB, EMA): _below(Mark.S),
}

TEXTS = {
    "fired": Text(
        "ANC {value}{unit} is below {limit}{unit}, so {drug} should not be started",
        "{observed} is below the {drug} start threshold of {limit}{unit} ({jurisdiction} label: {says}). "
        "Do not initiate; recheck CBC.",
    ),
}

RULE = lab_initiation_rule(
    id="R03",
    title="ANC below the initiation threshold",
    analyte="neutrophils",
    thresholds=THRESHOLDS,
    texts=TEXTS,
    sections=sections(join(USPI_EVALUATIONS, USPI_LAB), join(SMPC_42, SMPC_44)),
    known_problems="Chronic pSS neutropenia: offered as an override reason. On-treatment rows not checked.",
)
