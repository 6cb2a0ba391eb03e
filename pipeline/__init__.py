"""Resources -> facts -> result: the per-patient pipeline every edge calls (the hook handlers, the worksheet,
`essdai-cds score`, the population screen).

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
JAK_CLASS = "jak-inhibitor"  # MedicationFact.classes member (fhir_mappings.code_tables.medications)
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
           windows: Windows, codesystem: str, fhir_base: str | None = None) -> tuple[PatientFacts, T]:
    """Extract facts, evaluate them, and validate the resources the result cites; repeat without any
    invalid one. `references(result)` names the "Type/id" the result relies on. `fhir_base`: the FHIR
    server the resources came from (absolute Medication references resolve under it only)."""
    pool = list(resources)
    rejected: list[Skipped] = []
    for _ in range(MAX_ROUNDS):
        facts = fhir_mappings.extract(pool, as_of=as_of, patient_id=patient_id, windows=windows,
                                      codesystem=codesystem, fhir_base=fhir_base)
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


def assess_for_screening(resources: Iterable[Mapping[str, Any]], *, as_of: date, patient_id: str | None,
                         windows: Windows, codesystem: str,
                         jurisdiction: str = "FDA") -> tuple[PatientFacts, dict[str, Any], list[dict[str, Any]]]:
    """The `essdai-cds score` object plus, for a patient it finds eligible (ESSDAI >= 5) and not on a JAK
    inhibitor, the JAK-inhibitor readiness findings (`safety.readiness`, as the patient-view card), as JSON.
    Both evaluated on one set of facts whose cited resources were validated."""
    import safety
    import scoring

    def evaluate(facts: PatientFacts) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        result = scoring.assess(facts).to_json()
        findings: list[dict[str, Any]] = []
        if result["eligibility"]["met"] is True and not facts.medications_of(JAK_CLASS):
            findings = [f.to_json() for f in safety.readiness(facts, jurisdiction)]
        return result, findings

    facts, (result, findings) = derive(resources, evaluate, lambda out: evidence_references(list(out)),
                                       as_of=as_of, patient_id=patient_id, windows=windows, codesystem=codesystem)
    return facts, result, findings
