"""Small readers for FHIR primitives on plain JSON dicts: dates and references.

Tolerant by design: a malformed value gives None, never an exception.
"""

from __future__ import annotations

from datetime import date
from typing import Any

_DATES: dict[str, date | None] = {}


def parse_date(value: Any) -> date | None:
    """The calendar date of a FHIR date/dateTime/instant; None for partial ("2024", "2024-05") or bad values.

    The date is taken as written (the local date of the source), without shifting time zones.
    """
    if not isinstance(value, str):
        return None
    head = value[:10]
    hit = _DATES.get(head, False)
    if hit is not False:
        return hit  # type: ignore[return-value]
    try:
        parsed: date | None = date.fromisoformat(head) if len(head) == 10 else None
    except ValueError:
        parsed = None
    if len(_DATES) < 50_000:
        _DATES[head] = parsed
    return parsed


def local_reference(reference: Any) -> str | None:
    """"Type/id" from a relative, absolute or versioned reference; "#id" and urn: references as given.

    >>> local_reference("https://x.org/fhir/Patient/12/_history/3")
    'Patient/12'
    """
    if not isinstance(reference, str) or not reference:
        return None
    if reference.count("/") == 1 or reference.startswith(("#", "urn:")):
        return reference
    parts = [p for p in reference.split("/") if p]
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return reference


def reference_of(resource: dict[str, Any]) -> str:
    """"Observation/abc" for a resource (with "?" when it has no id)."""
    return f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"


def subject_reference(resource: dict[str, Any]) -> str | None:
    """The raw patient reference of a resource (subject or patient), if any."""
    subject = resource.get("subject") or resource.get("patient")
    if isinstance(subject, dict):
        ref = subject.get("reference")
        return ref if isinstance(ref, str) else None
    return None


def first_code(concept: Any, system: str | None = None) -> str | None:
    """The first coding code of a CodeableConcept (of `system`, when given)."""
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding") or ():
        if isinstance(coding, dict) and (system is None or coding.get("system") == system):
            code = coding.get("code")
            if isinstance(code, str):
                return code
    return None
