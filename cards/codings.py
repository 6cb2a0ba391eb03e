"""Project-local Codings used on cards: card topics and override reasons.

These are not clinical codes: they live in sibling CodeSystems of the project CodeSystem
(`<base>/card-topic`, `<base>/override-reason`, where `<base>` is the project CodeSystem URL without
its last segment, e.g. `http://essdai-cds.org/fhir/CodeSystem`). CDS Hooks requires `display` on
every override reason (§1.4), so every entry here has one.
"""

from __future__ import annotations

from collections.abc import Iterable

from cards.context import CardContext

# card-topic codes: code -> display
TOPICS: dict[str, str] = {
    "disease-activity": "Disease activity",
    "medication-safety": "Medication safety",
    "treatment-readiness": "Treatment readiness",
    "treatment-monitoring": "Treatment monitoring",
    "check-unavailable": "Check could not be completed",
}

# ESSDAI card: the card is informative; these say why a clinician dismissed it.
ESSDAI_OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("not-relevant", "Not relevant for this visit"),
    ("data-incomplete", "Scored elsewhere / data incomplete"),
)

# JAK-inhibitor safety cards: the generic override reasons of jak-safety-rules.md §4 [P], added to the
# finding's own (the rule picks the specific ones, e.g. chronic pSS cytopenia, specialist consulted).
# Same codes and displays as safety.model.STANDARD_OVERRIDES (a test keeps them in step).
SAFETY_OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("benefit-outweighs-risk", "Benefit outweighs risk - documented"),
    ("result-outside-ehr", "Result available outside EHR"),
)

# Readiness checklist (patient-view): the contract's §1.11 example reasons.
READINESS_OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("result-outside-ehr", "Result available outside EHR"),
    ("not-starting-jaki", "Not starting a JAK inhibitor"),
)

UNAVAILABLE_OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("checked-manually", "Checked manually"),
)


def sibling_system(ctx: CardContext, name: str) -> str:
    """`http://essdai-cds.org/fhir/CodeSystem/essdai` -> `http://essdai-cds.org/fhir/CodeSystem/<name>`."""
    base = ctx.codesystem.rstrip("/").rsplit("/", 1)[0]
    return f"{base}/{name}"


def topic(ctx: CardContext, code: str) -> dict[str, str]:
    return {"system": sibling_system(ctx, "card-topic"), "code": code, "display": TOPICS[code]}


def override_reasons(ctx: CardContext, *groups: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Codings for `overrideReasons`: the first occurrence of a code (or of a display) wins; entries
    without a display are dropped (the contract requires one)."""
    system = sibling_system(ctx, "override-reason")
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for group in groups:
        for pair in group or ():
            try:
                code, display = pair
            except (TypeError, ValueError):
                continue
            if not code or not display or str(code) in seen or f"display:{display}" in seen:
                continue
            seen.update((str(code), f"display:{display}"))
            out.append({"system": system, "code": str(code), "display": str(display)})
    return out

# Monitoring reminders on a patient already on a JAK inhibitor.
MONITORING_OVERRIDE_REASONS: tuple[tuple[str, str], ...] = (
    ("result-outside-ehr", "Result available outside EHR"),
    ("already-scheduled", "Already ordered or scheduled"),
)
