"""FHIR AllergyIntolerance JSON -> `AllergyFact` (one per drug ingredient the code maps to).

Rules (jak-safety-rules §5.1 R01):
- `code.coding` is matched through the medication code table (`code_tables.medications`: RxNorm for
  the JAK inhibitors, ATC for the rest); no SNOMED substance code is verified for the JAK
  inhibitors (§2), so SNOMED codes are not matched. Other codes are ignored silently;
- verificationStatus refuted / entered-in-error -> dropped and reported (Skipped);
- clinicalStatus active / inactive / resolved is kept as received (the rule decides); another
  value is reported, never guessed; none stated -> None.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from fhir_mappings.code_tables import medications as table
from fhir_mappings.facts import AllergyFact, Skipped
from fhir_mappings.primitives import first_code, parse_date, reference_of

CLINICAL_STATUSES = frozenset({"active", "inactive", "resolved"})
DROPPED_VERIFICATION = frozenset({"refuted", "entered-in-error"})


def is_relevant(allergy: Mapping[str, Any]) -> bool:
    """Does any coding name a drug we know? (cheap; decides whether the resource is read at all)"""
    try:
        codings = (allergy.get("code") or {}).get("coding") or ()
        return any(table.match(c.get("system"), c.get("code")) for c in codings)
    except (AttributeError, TypeError):
        return False


def read_allergies(resources: Iterable[Any], keep: Callable[[Mapping[str, Any]], bool]
                   ) -> tuple[list[AllergyFact], list[Skipped]]:
    """Every relevant AllergyIntolerance in `resources` that `keep` accepts (extract: this patient's,
    first copy, valid)."""
    facts: list[AllergyFact] = []
    skipped: list[Skipped] = []
    for res in resources:
        if res.__class__ is dict and res.get("resourceType") == "AllergyIntolerance" and is_relevant(res) \
                and keep(res):
            got, dropped = read_allergy(res)
            facts.extend(got)
            skipped.extend(dropped)
    return facts, skipped


def read_allergy(allergy: Mapping[str, Any]) -> tuple[list[AllergyFact], list[Skipped]]:
    """AllergyFacts for one AllergyIntolerance (empty when no code is known), and what was dropped."""
    ref = reference_of(allergy)  # type: ignore[arg-type]
    try:
        return _read(allergy, ref)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:
        return [], [Skipped(ref, f"unreadable AllergyIntolerance ({type(err).__name__})")]


def _read(allergy: Mapping[str, Any], ref: str) -> tuple[list[AllergyFact], list[Skipped]]:
    concept = allergy.get("code") or {}
    matched: list[tuple[Mapping[str, Any], table.DrugCode]] = []
    for coding in concept.get("coding") or ():
        row = table.match(coding.get("system"), coding.get("code"))
        if row is not None and all(r.ingredient != row.ingredient for _, r in matched):
            matched.append((coding, row))
    if not matched:
        return [], []
    verification = first_code(allergy.get("verificationStatus"))
    if verification in DROPPED_VERIFICATION:
        return [], [Skipped(ref, f"verificationStatus {verification!r}")]
    clinical = first_code(allergy.get("clinicalStatus"))
    if clinical is not None and clinical not in CLINICAL_STATUSES:
        return [], [Skipped(ref, f"clinicalStatus {clinical!r} not recognised")]
    criticality = allergy.get("criticality") if isinstance(allergy.get("criticality"), str) else None
    recorded = parse_date(allergy.get("recordedDate")) or parse_date(allergy.get("onsetDateTime"))
    text = concept.get("text") if isinstance(concept.get("text"), str) else None
    return [
        AllergyFact(
            ingredient=row.ingredient, classes=table.INGREDIENTS[row.ingredient].classes,
            code=f"{coding.get('system')}|{coding.get('code')}",
            display=coding.get("display") or text or row.ingredient, reference=ref,
            clinical_status=clinical, verification=verification, criticality=criticality, recorded=recorded,
        )
        for coding, row in matched
    ], []
