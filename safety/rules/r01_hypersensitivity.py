"""R01 - Hypersensitivity to the ordered JAK inhibitor (jak-safety-rules.md §5.1 R01).

What it does: a documented allergy (AllergyIntolerance, not refuted / entered-in-error: those are
dropped by fhir_mappings) to the ordered or planned ingredient -> critical. An allergy recorded as
inactive / resolved -> warning [P] (the record says it no longer applies; the card still shows it).

Why: hypersensitivity is a contraindication in all four EU SmPCs [V]; serious hypersensitivity is
listed in the US labels.

Known problems: only allergies coded with a medication-table code match (RxNorm for the JAK
inhibitors, ATC); no SNOMED substance code is verified (§2), so a SNOMED-only allergy is missed.
A class-level allergy ("JAK inhibitors") is not treated as an allergy to the ingredient.
"""

from __future__ import annotations

from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Text
from fhir_mappings.facts import AllergyFact
from safety.rules._common import SMPC_43, USPI_CONTRA, USPI_HYPERSENSITIVITY, cancel_order, each, join, row_of, \
    sections, table

THRESHOLDS = table(
    {
        (BARICITINIB, FDA): Row(Mark.R, Indicator.CRITICAL, "serious hypersensitivity listed"),
        (TOFACITINIB, FDA): Row(Mark.V, Indicator.CRITICAL, "Contraindications: None; hypersensitivity listed"),
        (UPADACITINIB, FDA): Row(Mark.S, Indicator.CRITICAL, "known hypersensitivity listed"),
    },
    each(Row(Mark.V, Indicator.CRITICAL, "hypersensitivity is a contraindication"),
         (BARICITINIB, TOFACITINIB, UPADACITINIB, FILGOTINIB), (EMA,)),
    # [P] local policy: a resolved / inactive allergy record still deserves a look, not a block
    each(Row(Mark.P, Indicator.WARNING, "allergy recorded as no longer present", case="past")),
)

TEXTS = {
    "fired": Text(
        "A documented allergy to {drug} is on file; do not order it until the allergy is reviewed",
        "Allergy to {drug} on file: {observed}. {jurisdiction} label: {says}.",
    ),
    "past": Text(
        "A past allergy to {drug} is on file (recorded as {recorded_as}); check it before ordering",
        "Allergy to {drug} on file, recorded as {recorded_as}: {observed}. Check it before ordering: "
        "hypersensitivity is a contraindication or listed warning in the labels.",
    ),
}


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    allergies = ctx.facts.allergies_to(ctx.drug)
    current = tuple(a for a in allergies if a.current)
    if current:
        row = row_of(rule, ctx, "fired")
        assert row is not None
        return [rule.finding(ctx, "fired", indicator=row.indicator, mark=row.mark,
                             evidence=tuple(a.evidence() for a in current),
                             suggestion=cancel_order(ctx, f"documented allergy to {ctx.drug}"),
                             observed=allergies_text(current), says=row.says)]
    if not allergies:
        return []
    row = row_of(rule, ctx, "past")
    assert row is not None
    statuses = "/".join(sorted({str(a.clinical_status) for a in allergies}))
    return [rule.finding(ctx, "past", indicator=row.indicator, mark=row.mark,
                         evidence=tuple(a.evidence() for a in allergies), observed=allergies_text(allergies),
                         recorded_as=statuses)]


def allergies_text(allergies: tuple[AllergyFact, ...]) -> str:
    """'Baricitinib (active, criticality high, 2024-03-01, AllergyIntolerance/a1)' for each, joined."""
    def one(a: AllergyFact) -> str:
        parts = (a.clinical_status or "status not stated", f"criticality {a.criticality}" if a.criticality else "",
                 a.recorded.isoformat() if a.recorded else "", a.reference)
        return f"{a.display} ({', '.join(p for p in parts if p)})"
    return "; ".join(one(a) for a in allergies)


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
    known_problems="Allergies coded only in SNOMED are not matched (no verified substance code); "
                   "resolved/inactive -> warning [P].",
)
