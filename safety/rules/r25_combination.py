"""R25 - Combination with another JAK inhibitor, a biologic DMARD or a potent immunosuppressant
(jak-safety-rules.md §5.8 R25).

What it does: an active medication (other than the draft, and other than the same ingredient) that
is another JAK inhibitor, a biologic DMARD (incl. rituximab, belimumab) or a potent
immunosuppressant (azathioprine, ciclosporin, tacrolimus, mercaptopurine; mycophenolate /
cyclophosphamide per policy [P]) -> critical "not recommended", with a cancel-order suggestion. One
finding names every combination found. Methotrexate and hydroxychloroquine are allowed.

Why: FDA limitation of use and EU SmPCs: not recommended in combination (additive
immunosuppression).

Known problems: pSS patients on stable azathioprine or mycophenolate will fire; some sites prefer a
warning for those [P] (not done). Which drugs are in each class is the medication table's choice.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import other_medications
from safety.model import OVERRIDE_BENEFIT, Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from safety.rules._common import SMPC_42, SMPC_44, SMPC_45, USPI_INTERACTIONS, USPI_LIMITATIONS, cancel_order, \
    evidence_of, ingredient_names, join, medications_text, row_of, sections, table

_CRIT = Indicator.CRITICAL
NOT_RECOMMENDED = "not recommended in combination"


def _rows(case: str, what: str, marks: dict[tuple[str, str], Mark]) -> dict[tuple[str, str], Row]:
    return {pair: Row(mark, _CRIT, f"{NOT_RECOMMENDED} with {what}", case=case) for pair, mark in marks.items()}


_FDA_MARKS = {(BARICITINIB, FDA): Mark.V, (UPADACITINIB, FDA): Mark.V, (TOFACITINIB, FDA): Mark.S}
THRESHOLDS = table(
    _rows("jak", "other JAK inhibitors", {**_FDA_MARKS, (BARICITINIB, EMA): Mark.V, (TOFACITINIB, EMA): Mark.V,
                                          (UPADACITINIB, EMA): Mark.V, (FILGOTINIB, EMA): Mark.V}),
    _rows("biologic", "biologic DMARDs", {**_FDA_MARKS, (BARICITINIB, EMA): Mark.V, (TOFACITINIB, EMA): Mark.V,
                                          (UPADACITINIB, EMA): Mark.V, (FILGOTINIB, EMA): Mark.V}),
    _rows("immunosuppressant", "potent immunosuppressants (azathioprine, ciclosporin, ...)",
          {**_FDA_MARKS, (BARICITINIB, EMA): Mark.S, (TOFACITINIB, EMA): Mark.V, (UPADACITINIB, EMA): Mark.V,
           (FILGOTINIB, EMA): Mark.V}),
)

CLASSES = (("jak", "jak-inhibitor", "JAK inhibitor"), ("biologic", "biologic-dmard", "biologic"),
           ("immunosuppressant", "potent-immunosuppressant", "immunosuppressant"))

TEXTS = {
    "fired": Text(
        "Combining {drug} with {names} ({what}) is not recommended",
        "{observed}. {jurisdiction} label: {says}. Methotrexate and hydroxychloroquine are not affected.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    hits = []
    for case, cls, what in CLASSES:
        found = tuple(m for m in other_medications(ctx.facts, cls, exclude=ctx.order) if m.ingredient != ctx.drug)
        row = row_of(rule, ctx, case)
        if found and row is not None:
            hits.append((row, what, found))
    if not hits:
        return []
    row = hits[0][0]
    whats = [w for _, w, _ in hits]
    what = whats[0] if len(whats) == 1 else f"{', '.join(whats[:-1])} and {whats[-1]}"
    meds = tuple({m.reference: m for _, _, found in hits for m in found}.values())
    return [rule.finding(ctx, "fired", indicator=row.indicator, mark=row.mark, evidence=evidence_of(meds),
                         suggestion=cancel_order(ctx, "combination not recommended"), what=what,
                         names=ingredient_names(meds),
                         observed=medications_text(meds), says="; ".join(r.says for r, _, _ in hits))]


RULE = SafetyRule(
    id="R25",
    title="Combination with another JAKi, a biologic DMARD or a potent immunosuppressant",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(join(USPI_LIMITATIONS, USPI_INTERACTIONS), join(SMPC_42, SMPC_44, SMPC_45)),
    check=check,
    known_problems="Stable azathioprine / mycophenolate in pSS fires critical; sites may prefer warning [P].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
