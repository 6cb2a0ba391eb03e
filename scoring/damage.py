"""Damage is not activity: an item that rests only on diagnoses older than the domain's activity window.

The ESSDAI rates current activity; stable long-lasting features are damage and score 0 (S1/C1 notes,
essdai-rules §1.5-§1.10). A problem-list Condition says a feature existed, not that it is active now.
So when every piece of an item's evidence is a Condition dated (onset, else recorded) before the window
(12 months, `Windows.history`: essdai-rules §5.3 "onset or last confirmation within 12 months"), or not
dated at all, its level is only *possible*: the item opens from 0 to what the diagnosis would give.
A recent diagnosis, a recent result or finding (another item), or a clinician rating decides instead.
"""

from __future__ import annotations

from datetime import timedelta

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import ItemResult

CONDITION = "Condition/"


def _old(e: Evidence, facts: PatientFacts) -> bool:
    start = facts.as_of - timedelta(days=facts.windows.history)
    return e.date is None or e.date < start


def only_old_diagnoses(result: ItemResult, facts: PatientFacts) -> ItemResult:
    """`result` with its certain level lowered to 0 when it rests only on old diagnoses."""
    if result.level == 0 or not result.evidence:
        return result
    if not all(e.reference.startswith(CONDITION) and _old(e, facts) for e in result.evidence):
        return result
    levels = f"{result.level}" if result.level == result.max_level else f"{result.level}-{result.max_level}"
    why = (f"diagnosis older than {facts.windows.history} days (or undated) and no recent result or finding: "
           f"may be damage; level {levels} possible, not certain")
    evidence = tuple(Evidence(e.reference, e.display, e.value, e.unit, e.date, e.code,
                              "; ".join(n for n in (e.note, why) if n)) for e in result.evidence)
    return ItemResult(False, 0, result.max_level, evidence, why, result.name, result.warning)
