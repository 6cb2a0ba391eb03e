"""The EMA at-risk dose suggestion shared by R18 (VTE), R19 (MACE) and R20 (malignancy)."""

from __future__ import annotations

from safety.lookups import dose_text, order_above
from safety.model import Context, Row, SafetyRule, Suggestion
from safety.rules._common import dose_change, row_of


def at_risk_dose(rule: SafetyRule, ctx: Context, why: str) -> tuple[Row | None, Suggestion | None, str]:
    """(row, suggestion, sentence) for the EMA reduced dose; suggestion only above the reduced dose."""
    row = row_of(rule, ctx, "at-risk-dose")
    if row is None:
        return None, None, ""
    sentence = f" EMA: reduce the dose where possible ({dose_text(row.dose_mg, row.doses_per_day)})."
    if not order_above(ctx.order, row):
        return row, None, sentence
    return row, dose_change(row, why), sentence
