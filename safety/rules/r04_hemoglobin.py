"""R04 - Haemoglobin below the initiation threshold (jak-safety-rules.md §5.2 R04).

What it does: the newest Hb in the lab window below 8 g/dL (tofacitinib 9 g/dL) -> critical, with
a suggestion to cancel the draft. No Hb at all is R05's finding.

Why: the labels say do not start below these values.

Known problems: tofacitinib EMA 9 g/dL and filgotinib EMA 8 g/dL are [R] (§11.3, §11.6). The
on-treatment rule (tofacitinib: interrupt if Hb < 8 or a fall > 2 g/dL) is not checked here.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import Indicator, Mark, Row, Text
from safety.rules._common import SMPC_42, SMPC_44, USPI_EVALUATIONS, USPI_LAB, join, lab_initiation_rule, sections


def _below(limit: float, mark: Mark) -> tuple[Row, ...]:
    return (Row(mark, Indicator.CRITICAL, f"do not initiate if Hb < {limit:g} g/dL", limit=limit, unit="g/dL"),)


THRESHOLDS = {
    (BARICITINIB, FDA): _below(8, Mark.V),
    (BARICITINIB, EMA): _below(8, Mark.V),
    (TOFACITINIB, FDA): _below(9, Mark.V),
    (TOFACITINIB, EMA): _below(9, Mark.R),
    (UPADACITINIB, FDA): _below(8, Mark.V),
    (UPADACITINIB, EMA): _below(8, Mark.S),
    (FILGOTINIB, EMA): _below(8, Mark.R),
}

TEXTS = {
    "fired": Text(
        "Hb {value} {unit} is below the {drug} start threshold of {limit} {unit}; do not initiate",
        "{observed} is below the {drug} start threshold of {limit} {unit} ({jurisdiction} label: {says}). "
        "Do not initiate; recheck CBC and look for the cause of the anaemia.",
    ),
}

RULE = lab_initiation_rule(
    id="R04",
    title="Haemoglobin below the initiation threshold",
    analyte="hemoglobin",
    thresholds=THRESHOLDS,
    texts=TEXTS,
    sections=sections(join(USPI_EVALUATIONS, USPI_LAB), join(SMPC_42, SMPC_44)),
    known_problems="Tofacitinib EMA 9 g/dL and filgotinib EMA 8 g/dL are [R]. On-treatment rows not checked.",
)
