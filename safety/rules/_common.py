"""Building blocks shared by the rule modules: row tables, suggestions, section titles, the
"latest lab below the start threshold" rule of R02-R04, the one-drug interaction rule of R22-R24 and
the "active condition: do not start" finding of R11 and R14."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fhir_mappings.facts import ConditionFact, Evidence, MedicationFact
from safety.labels import APPROVED, DRUGS, EMA, FDA, JURISDICTIONS
from safety.lookups import LABEL_OF, describe, dose_text, fmt, latest_number, unit_display
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_CHRONIC_CYTOPENIA, Check, Context, DrugJurisdiction, Indicator, \
    Row, SafetyFinding, SafetyRule, Suggestion, SuggestionKind, Text
from safety.unreadable import settles, unsettled_finding

# Section TITLES (US section numbers moved between label versions, §4: cite titles).
USPI_INDICATIONS = "Indications and Usage"
USPI_LIMITATIONS = "Indications and Usage (Limitations of Use)"
USPI_DOSAGE = "Dosage and Administration"
USPI_EVALUATIONS = "Dosage and Administration (Recommended Evaluations Prior to Treatment)"
USPI_BOXED = "Boxed Warning"
USPI_CONTRA = "Contraindications"
USPI_INTERACTIONS = "Drug Interactions"
USPI_LAB = "Warnings and Precautions (Laboratory Abnormalities)"
USPI_INFECTIONS = "Warnings and Precautions (Serious Infections)"
USPI_VIRAL = "Warnings and Precautions (Viral Reactivation)"
USPI_VACCINES = "Warnings and Precautions (Vaccinations)"
USPI_THROMBOSIS = "Warnings and Precautions (Thrombosis)"
USPI_MACE = "Warnings and Precautions (Major Adverse Cardiovascular Events)"
USPI_MALIGNANCY = "Warnings and Precautions (Malignancy)"
USPI_GI = "Warnings and Precautions (Gastrointestinal Perforations)"
USPI_LIPIDS = "Warnings and Precautions (Lipid Elevations)"
USPI_HYPERSENSITIVITY = "Warnings and Precautions (Hypersensitivity)"
USPI_RENAL = "Use in Specific Populations (Renal Impairment)"
USPI_HEPATIC = "Use in Specific Populations (Hepatic Impairment)"
USPI_PREGNANCY = "Use in Specific Populations (Pregnancy; Females and Males of Reproductive Potential)"
USPI_LACTATION = "Use in Specific Populations (Lactation)"
USPI_GERIATRIC = "Use in Specific Populations (Geriatric Use)"
USPI_ILD = "Warnings and Precautions; Adverse Reactions (Interstitial Lung Disease)"
USPI_DIABETES = "Use in Specific Populations (Diabetes); Warnings and Precautions (Hypoglycemia)"
SMPC_41 = "4.1 Therapeutic indications"
SMPC_42 = "4.2 Posology and method of administration"
SMPC_43 = "4.3 Contraindications"
SMPC_44 = "4.4 Special warnings and precautions for use"
SMPC_45 = "4.5 Interaction with other medicinal products and other forms of interaction"
SMPC_46 = "4.6 Fertility, pregnancy and lactation"
REFERRAL = "EMA JAK inhibitor Article 20 referral (2023)"


def join(*titles: str) -> str:
    return "; ".join(titles)


def sections(fda: str, ema: str) -> dict[str, str]:
    return {FDA: fda, EMA: ema}


def each(row: Row, drugs: Iterable[str] = DRUGS, jurisdictions: Iterable[str] = JURISDICTIONS) -> dict[
        tuple[str, str], Row]:
    """The same row for every approved drug x jurisdiction pair given."""
    return {(d, j): row for d in drugs for j in jurisdictions if (d, j) in APPROVED}


def table(*parts: dict[tuple[str, str], Row]) -> dict[tuple[str, str], tuple[Row, ...]]:
    """Merge per-case row maps into the rule's thresholds: pair -> rows in the order given."""
    merged: dict[tuple[str, str], list[Row]] = {}
    for part in parts:
        for pair, row in part.items():
            merged.setdefault(pair, []).append(row)
    return {pair: tuple(rows) for pair, rows in merged.items()}


def row_of(rule: SafetyRule, ctx: Context, case: str) -> Row | None:
    return next((r for r in rule.rows(ctx) if r.case == case), None)


def cancel_order(ctx: Context, why: str) -> Suggestion:
    return Suggestion(kind=SuggestionKind.CANCEL_ORDER, label=f"Cancel the {ctx.drug} order", reason=why)


def dose_change(row: Row, why: str) -> Suggestion:
    return Suggestion(
        kind=SuggestionKind.DOSE_CHANGE,
        label=f"Change to {dose_text(row.dose_mg, row.doses_per_day)}",
        dose_mg=row.dose_mg,
        doses_per_day=row.doses_per_day,
        reason=why,
    )


def active_condition_finding(rule: SafetyRule, ctx: Context, active: tuple[ConditionFact, ...],
                             why: str) -> list[SafetyFinding]:
    """R11, R14: an active condition on file -> the rule's "active" row, with a cancel-order suggestion."""
    row = row_of(rule, ctx, "active")
    assert row is not None
    return [rule.finding(ctx, "active", indicator=row.indicator, mark=row.mark, evidence=evidence_of(active),
                         suggestion=cancel_order(ctx, why), observed=conditions_text(active), says=row.says)]


def conditions_text(conditions: Iterable[ConditionFact]) -> str:
    """'Diverticulitis (active, 2021-03-02, Condition/c1)' for each condition, joined."""
    return "; ".join(
        f"{c.display} ({c.status}{', ' + (c.onset or c.recorded).isoformat() if (c.onset or c.recorded) else ''}, "
        f"{c.reference})"
        for c in conditions
    )


# Class-level "ingredients" of the medication table in words: a card never shows an internal token
INGREDIENT_WORDS = {
    "tnf-inhibitor": "a TNF-α inhibitor", "interleukin-inhibitor": "an interleukin inhibitor",
    "immunosuppressant-monoclonal-antibody": "an immunosuppressive antibody",
    "jak-inhibitor-other": "another JAK inhibitor", "nsaid": "an NSAID",
    "systemic-corticosteroid": "a systemic corticosteroid", "opioid": "an opioid",
    "combined-hormonal-contraceptive": "a combined hormonal contraceptive", "estrogen": "an oestrogen",
    "estrogen-progestogen": "oestrogen-progestogen HRT", "antidiabetic": "an antidiabetic",
    "st-johns-wort": "St John's wort", "nirmatrelvir-ritonavir": "nirmatrelvir/ritonavir",
}


def ingredient_word(ingredient: str) -> str:
    """'tnf-inhibitor' -> 'a TNF-α inhibitor', 'tenofovir-disoproxil' -> 'tenofovir disoproxil'."""
    return INGREDIENT_WORDS.get(ingredient, ingredient.replace("-", " "))


def ingredient_names(medications: Iterable[MedicationFact], limit: int = 30) -> str:
    """'fluconazole, rifampin' for a summary: sorted ingredient names in words within `limit` characters;
    names that do not fit are counted ("fluconazole and 2 more"), never cut (the detail lists them all)."""
    names = sorted({ingredient_word(m.ingredient) for m in medications})
    if len(", ".join(names)) <= limit:
        return ", ".join(names)
    for shown in range(len(names) - 1, 0, -1):
        text = f"{', '.join(names[:shown])} and {len(names) - shown} more"
        if len(text) <= limit:
            return text
    return f"{len(names)} medicines"


def medications_text(medications: Iterable[MedicationFact]) -> str:
    return "; ".join(
        f"{m.display} ({m.status}{', since ' + m.start.isoformat() if m.start else ''}, {m.reference})"
        for m in medications
    )


def evidence_of(*groups: Iterable[ConditionFact | MedicationFact]) -> tuple[Evidence, ...]:
    return tuple(item.evidence() for group in groups for item in group)


def lab_initiation_check(analyte: str) -> Check:
    """R02-R04: the newest value (in the facts' lab window) below the drug's start threshold.

    A missing or stale value is R05's finding, not this one's; an old low value still fires here,
    with its date, so the card shows how old it is.
    """

    def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
        m = latest_number(ctx.facts, analyte)
        if m is None:
            return []
        for row in rule.rows(ctx):
            assert m.value is not None
            verdict = settles(row, m.value, m.comparator)
            if verdict is None:  # "<2 10*3/uL" against 500/mm³: say so, never pass it as normal
                return [unsettled_finding(rule, ctx, row, describe(m), m.value, m.comparator or "", m.unit, analyte)]
            if verdict:
                assert m.value is not None and row.limit is not None
                return [
                    rule.finding(
                        ctx,
                        row.case,
                        indicator=row.indicator,
                        mark=row.mark,
                        evidence=(m.evidence(),),
                        suggestion=cancel_order(ctx, f"{LABEL_OF[analyte]} below the start threshold"),
                        value=f"{m.comparator or ''}{fmt(m.value)}",
                        unit=unit_display(row.unit),
                        limit=fmt(row.limit),
                        observed=describe(m),
                        says=row.says,
                    )
                ]
        return []

    return check


def lab_initiation_rule(*, id: str, title: str, analyte: str, thresholds: Mapping[DrugJurisdiction, tuple[Row, ...]],
                        texts: Mapping[str, Text], sections: Mapping[str, str], known_problems: str) -> SafetyRule:
    """R02-R04: every drug under both labels, critical, checked by `lab_initiation_check(analyte)`; a
    chronic pSS cytopenia is offered as an override reason (these cytopenias are often disease-related)."""
    return SafetyRule(
        id=id,
        title=title,
        applies_to=DRUGS,
        jurisdictions=(FDA, EMA),
        thresholds=thresholds,
        indicator=Indicator.CRITICAL,
        texts=texts,
        sections=sections,
        check=lab_initiation_check(analyte),
        known_problems=known_problems,
        override_reasons=(OVERRIDE_CHRONIC_CYTOPENIA, OVERRIDE_BENEFIT),
    )


def interaction_rule(*, id: str, title: str, drug: str, thresholds: Mapping[DrugJurisdiction, tuple[Row, ...]],
                     texts: Mapping[str, Text], sections: Mapping[str, str], check: Check,
                     known_problems: str) -> SafetyRule:
    """R22-R24: one drug with a co-medication, under both labels; warning policy (rows may differ) and
    the benefit-risk override."""
    return SafetyRule(
        id=id,
        title=title,
        applies_to=(drug,),
        jurisdictions=(FDA, EMA),
        thresholds=thresholds,
        indicator=Indicator.WARNING,
        texts=texts,
        sections=sections,
        check=check,
        known_problems=known_problems,
        override_reasons=(OVERRIDE_BENEFIT,),
    )
