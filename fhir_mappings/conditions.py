"""FHIR Condition JSON -> `ConditionFact` (one per concept the code maps to).

Rules (essdai-rules §5.3, jak-safety-rules §8):
- relevance first: a Condition whose codes map to no concept is ignored silently;
- verificationStatus refuted / entered-in-error -> dropped and reported (Skipped);
- clinicalStatus active / recurrence / relapse -> "active", unless abatement[x] is on or before the
  assessment date (-> "inactive"); remission -> "remission"; inactive / resolved -> "inactive";
  an unknown clinicalStatus is reported, never guessed;
- no clinicalStatus: "active" unless abated (FHIR requires clinicalStatus except for
  entered-in-error; problem-list feeds sometimes omit it and abatement then says it ended);
- a code that itself says "in remission" (C88.41, the FY2025 "A" lymphoma codes) gives "remission"
  when the Condition is otherwise active;
- abatementAge / abatementRange / abatementString: abated, date unknown.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from fhir_mappings.code_tables import conditions as table
from fhir_mappings.facts import ConditionFact, Skipped
from fhir_mappings.primitives import first_code, parse_date, reference_of

ACTIVE = frozenset({"active", "recurrence", "relapse"})
INACTIVE = frozenset({"inactive", "resolved"})
DROPPED_VERIFICATION = frozenset({"refuted", "entered-in-error"})


def is_relevant(condition: Mapping[str, Any]) -> bool:
    """Does any coding map to a concept? (cheap; decides whether the Condition is read at all)"""
    try:
        codings = (condition.get("code") or {}).get("coding") or ()
        return any(table.match(c.get("system"), c.get("code")) for c in codings)
    except (AttributeError, TypeError):
        return False


def read_condition(condition: Mapping[str, Any], *, as_of: date) -> tuple[list[ConditionFact], list[Skipped]]:
    """ConditionFacts for one Condition (empty when irrelevant), and what was dropped and why."""
    ref = reference_of(condition)  # type: ignore[arg-type]
    try:
        return _read(condition, as_of, ref)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:
        return [], [Skipped(ref, f"unreadable Condition ({type(err).__name__})")]


def _read(condition: Mapping[str, Any], as_of: date, ref: str) -> tuple[list[ConditionFact], list[Skipped]]:
    matched: list[tuple[dict[str, Any], table.ConditionCode]] = []
    for coding in (condition.get("code") or {}).get("coding") or ():
        for row in table.match(coding.get("system"), coding.get("code")):
            matched.append((coding, row))
    if not matched:
        return [], []
    verification = first_code(condition.get("verificationStatus"))
    if verification in DROPPED_VERIFICATION:
        return [], [Skipped(ref, f"verificationStatus {verification!r}")]
    clinical = first_code(condition.get("clinicalStatus"))
    abated, abated_on = _abatement(condition)
    if clinical is None or clinical in ACTIVE:
        status = "inactive" if abated and (abated_on is None or abated_on <= as_of) else "active"
    elif clinical == "remission":
        status = "remission"
    elif clinical in INACTIVE:
        status = "inactive"
    else:
        return [], [Skipped(ref, f"clinicalStatus {clinical!r} not recognised")]
    if status == "active" and any(row.status == "remission" for _, row in matched):
        status = "remission"
    onset = parse_date(condition.get("onsetDateTime"))
    if onset is None and isinstance(condition.get("onsetPeriod"), dict):
        onset = parse_date(condition["onsetPeriod"].get("start"))
    recorded = parse_date(condition.get("recordedDate"))
    facts: list[ConditionFact] = []
    seen: set[str] = set()
    for coding, row in matched:
        for concept in row.concepts:
            if concept in seen:
                continue
            seen.add(concept)
            facts.append(ConditionFact(
                concept=concept, code=f"{coding.get('system')}|{coding.get('code')}",
                display=coding.get("display") or condition.get("code", {}).get("text") or str(coding.get("code")),
                reference=ref, status=status, onset=onset, recorded=recorded, abated=abated_on,
                verification=verification,
            ))
    return facts, []


def _abatement(condition: Mapping[str, Any]) -> tuple[bool, date | None]:
    """(abated at all, the date it abated if known)."""
    when = condition.get("abatementDateTime")
    if when is not None:
        return True, parse_date(when)
    period = condition.get("abatementPeriod")
    if isinstance(period, dict):
        return True, parse_date(period.get("end") or period.get("start"))
    if any(condition.get(k) is not None for k in ("abatementAge", "abatementRange", "abatementString")):
        return True, None
    return False, None
