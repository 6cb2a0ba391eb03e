"""FHIR Immunization JSON -> `ImmunizationFact`.

Rules (jak-safety-rules §3.3, §5.5 R14/R15, §7):
- `vaccineCode.coding` is matched in the CVX table (`code_tables.vaccines`); any other code or
  system is ignored silently (no SNOMED / ATC J07 codes are given by the docs);
- status `completed` only; not-done / entered-in-error / another status -> reported (Skipped);
- the date is `occurrenceDateTime` (a full date); `occurrenceString` or a partial date -> reported,
  the dose is not used (its timing is what the rules need).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from fhir_mappings.code_tables import vaccines as table
from fhir_mappings.facts import ImmunizationFact, Skipped
from fhir_mappings.primitives import parse_date, reference_of


def read_immunizations(resources: Iterable[Any], keep: Callable[[Mapping[str, Any]], bool]
                       ) -> tuple[list[ImmunizationFact], list[Skipped], int]:
    """Every Immunization in `resources` that `keep` accepts (extract: this patient's, first copy,
    valid): the facts newest first, what was dropped, and how many Immunizations were read at all."""
    facts: list[ImmunizationFact] = []
    skipped: list[Skipped] = []
    records = 0
    for res in resources:
        if res.__class__ is dict and res.get("resourceType") == "Immunization" and keep(res):
            records += 1
            got, dropped = read_immunization(res)
            facts.extend(got)
            skipped.extend(dropped)
    facts.sort(key=lambda i: i.date, reverse=True)
    return facts, skipped, records


def read_immunization(immunization: Mapping[str, Any]) -> tuple[list[ImmunizationFact], list[Skipped]]:
    """The ImmunizationFact for one Immunization (empty when the vaccine is not known), and what was dropped."""
    ref = reference_of(immunization)  # type: ignore[arg-type]
    try:
        return _read(immunization, ref)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:
        return [], [Skipped(ref, f"unreadable Immunization ({type(err).__name__})")]


def _read(immunization: Mapping[str, Any], ref: str) -> tuple[list[ImmunizationFact], list[Skipped]]:
    concept = immunization.get("vaccineCode") or {}
    hit = next(((c, row) for c in concept.get("coding") or ()
                if (row := table.match(c.get("system"), c.get("code"))) is not None), None)
    if hit is None:
        return [], []
    coding, row = hit
    status = immunization.get("status")
    if status != "completed":
        return [], [Skipped(ref, f"status {status!r}")]
    raw = immunization.get("occurrenceDateTime")
    when = parse_date(raw)
    if when is None:
        shown = raw if raw is not None else immunization.get("occurrenceString")
        return [], [Skipped(ref, f"occurrence {shown!r} is not a full date")]
    return [ImmunizationFact(
        vaccine=row.vaccine, live=row.live, code=f"{coding.get('system')}|{coding.get('code')}",
        display=coding.get("display") or row.display, reference=ref, status=status, date=when,
    )], []
