"""Documented other causes of an ESSDAI feature (infection, stone, drug, deficiency, ...), read from the
one exclusions table (`fhir_mappings.code_tables.exclusions`).

A cause counts when its Condition is current (active, onset not after the assessment date) or ended
inside the look-back window of the feature it explains: an infection that resolved last week still
explains last week's fever; one that resolved a year ago does not.
"""

from __future__ import annotations

from datetime import timedelta

from fhir_mappings.code_tables.exclusions import CAUSES_OF
from fhir_mappings.facts import ConditionFact, Evidence, PatientFacts


def _within(c: ConditionFact, facts: PatientFacts, days: int) -> bool:
    started = c.onset or c.recorded
    if started is not None and started > facts.as_of:
        return False
    if c.status == "active":
        return True
    start = facts.as_of - timedelta(days=days)
    return c.status == "inactive" and c.abated is not None and start <= c.abated


def clinician_denies(facts: PatientFacts, flag: str) -> bool:
    """The clinician's latest other-cause flag (e.g. `fever-infectious`) says false: their attribution to
    Sjögren's outweighs a coded cause (an infection on the problem list need not explain this fever)."""
    f = facts.latest_finding(flag)
    return f is not None and f.value is False


def other_causes(facts: PatientFacts, feature: str, days: int, flag: str | None = None) -> tuple[Evidence, ...]:
    """Evidence of every documented cause of `feature` (an item name) active within `days`; none when the
    clinician's `flag` finding says the feature has no other cause."""
    if flag is not None and clinician_denies(facts, flag):
        return ()
    out: list[Evidence] = []
    for cause in CAUSES_OF.get(feature, ()):
        out += [c.evidence(f"documented other cause: {cause.why}")
                for c in facts.conditions_of(cause.concept, status=None) if _within(c, facts, days)]
    return tuple(out)
