"""Resources -> facts -> result, shared by the hook handlers and `essdai-cds score`.

Validating every resource with fhir.resources would cost more than the whole hook call (see
fhir_mappings.validation), so the pipeline validates what a result relies on: after evaluating, the
resources cited as evidence (and the Patient) are checked against the R4B models; any that fail are
dropped, reported in `facts.skipped`, and the facts are derived again without them. A few dozen
validations per call; a second round only when something was invalid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any, TypeVar

import fhir_mappings
from fhir_mappings.facts import PatientFacts, Skipped, Windows
from fhir_mappings.validation import invalid_among

T = TypeVar("T")
MAX_ROUNDS = 4  # each round drops at least one invalid resource; a bound keeps a hostile input cheap


def evidence_references(obj: Any) -> Iterator[str]:
    """Every `reference` inside an `evidence` list of a JSON-like result (dicts and lists, any depth)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "evidence" and isinstance(value, list):
                yield from (e["reference"] for e in value if isinstance(e, dict) and isinstance(e.get("reference"), str))
            else:
                yield from evidence_references(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from evidence_references(item)


def derive(resources: Iterable[Mapping[str, Any]], evaluate: Callable[[PatientFacts], T],
           references: Callable[[T], Iterable[str]], *, as_of: date, patient_id: str | None,
           windows: Windows, codesystem: str) -> tuple[PatientFacts, T]:
    """Extract facts, evaluate them, and validate the resources the result cites; repeat without any
    invalid one. `references(result)` names the "Type/id" the result relies on."""
    pool = list(resources)
    rejected: list[Skipped] = []
    for _ in range(MAX_ROUNDS):
        facts = fhir_mappings.extract(pool, as_of=as_of, patient_id=patient_id, windows=windows,
                                      codesystem=codesystem)
        if rejected:
            facts = dataclasses.replace(facts, skipped=facts.skipped + tuple(rejected))
        result = evaluate(facts)
        bad = invalid_among(pool, {*references(result), f"Patient/{facts.patient_id}"})
        if not bad:
            break
        rejected.extend(bad)
        dropped = {s.reference for s in bad}
        pool = [r for r in pool if f"{r.get('resourceType')}/{r.get('id')}" not in dropped]
    return facts, result


def assess(resources: Iterable[Mapping[str, Any]], *, as_of: date, patient_id: str | None,
           windows: Windows, codesystem: str) -> tuple[PatientFacts, dict[str, Any]]:
    """The `essdai-cds score` object for one patient, with its evidence validated."""
    import scoring

    return derive(resources, lambda facts: scoring.assess(facts).to_json(), evidence_references,
                  as_of=as_of, patient_id=patient_id, windows=windows, codesystem=codesystem)
