"""EMA "reduce the dose where possible" rows for patients at risk of VTE, MACE or cancer.

Source: EMA JAK-inhibitor Article 20 referral (2023) and SmPC 4.2 [V] (jak-safety-rules.md §1.8,
§5.7 R18): baricitinib 2 mg, filgotinib 100 mg, upadacitinib 15 mg (the AD/UC/CD lower dose; RA is
already 15 mg). Tofacitinib has no at-risk dose row. Shared by R18, R19 and R20.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, EMA, FILGOTINIB, UPADACITINIB
from safety.model import Indicator, Mark, Row

EMA_AT_RISK: dict[tuple[str, str], Row] = {
    (BARICITINIB, EMA): Row(Mark.V, Indicator.WARNING, "at risk of VTE, MACE or cancer: 2 mg once daily",
                            dose_mg=2, doses_per_day=1, case="at-risk-dose"),
    (FILGOTINIB, EMA): Row(Mark.V, Indicator.WARNING, "at risk of VTE, MACE or cancer: 100 mg once daily",
                           dose_mg=100, doses_per_day=1, case="at-risk-dose"),
    (UPADACITINIB, EMA): Row(Mark.V, Indicator.WARNING, "at risk of VTE, MACE or cancer: 15 mg once daily",
                             dose_mg=15, doses_per_day=1, case="at-risk-dose"),
}


# The immediate-release product a dose change moves an extended-release order to: an extended-release
# tablet cannot be split or given at another strength (Xeljanz XR 11 mg once daily -> 5 mg tablet).
# RxNorm 1357541: openFDA NDC 72205-139 (tofacitinib 5 mg/1 film-coated tablet) lists 1357541 and
# 2048566; the 5 mg SCD is the 2012 concept [S] (fhir_mappings.code_tables.medication_products).
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
IMMEDIATE_RELEASE: dict[tuple[str, float], tuple[str, str, str]] = {
    ("tofacitinib", 5.0): (RXNORM, "1357541", "tofacitinib 5 MG Oral Tablet"),
}
