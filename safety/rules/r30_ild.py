"""R30 - Interstitial lung disease / chronic lung disease with tofacitinib (jak-safety-rules.md §5.9 R30).

What it does: an active ILD Condition with a tofacitinib draft -> info "use with caution".

Why: the tofacitinib labels mention ILD (higher risk noted in Asian patients) and chronic lung
disease; ILD is frequent in primary Sjögren's.

Known problems: a pSS pulmonary finding recorded only as an ESSDAI clinician code (ild-hrct) is not
read; only the ild Condition concept is.
"""

from __future__ import annotations

from safety.labels import EMA, FDA, TOFACITINIB
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_44, USPI_ILD, conditions_text, evidence_of, sections, table

THRESHOLDS = table(
    {
        (TOFACITINIB, FDA): Row(Mark.S, Indicator.INFO, "ILD reported; use with caution"),
        (TOFACITINIB, EMA): Row(Mark.V, Indicator.INFO, "caution in chronic lung disease; higher ILD risk in Asian "
                                                        "patients"),
    }
)

TEXTS = {
    "fired": Text(
        "Interstitial lung disease is on file, so use {drug} with caution",
        "{observed}. {jurisdiction} label: {says}.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    found = ctx.facts.conditions_of("ild")
    if not found:
        return []
    row = rule.rows(ctx)[0]
    return [rule.finding(ctx, "fired", indicator=row.indicator, mark=row.mark, evidence=evidence_of(found),
                         observed=conditions_text(found), says=row.says)]


RULE = SafetyRule(
    id="R30",
    title="ILD / chronic lung disease (tofacitinib)",
    applies_to=(TOFACITINIB,),
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.INFO,
    texts=TEXTS,
    sections=sections(USPI_ILD, SMPC_44),
    check=check,
    known_problems="Only the ild Condition concept is read (not ESSDAI clinician codes).",
)
