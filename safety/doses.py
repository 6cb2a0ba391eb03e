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
