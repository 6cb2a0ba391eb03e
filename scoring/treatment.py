"""JAK-inhibitor treatment episodes from the medication history (MedicationFacts of class jak-inhibitor).

An episode is one drug from a start to a stop (None = ongoing). Orders of the same drug that overlap
or follow on without a recorded stop (renewals) are one episode; a recorded stop followed by a later
start is a stop and restart (two episodes). Orders not yet started (draft, intended) or cancelled are
not treatment. Pure: reads PatientFacts only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir_mappings.facts import MedicationFact, PatientFacts

JAK_CLASS = "jak-inhibitor"


@dataclass(frozen=True)
class Episode:
    drug: str  # ingredient concept, e.g. "baricitinib"
    start: date
    stop: date | None  # None: no stop recorded before the assessment date
    references: tuple[str, ...]
    ongoing: bool = True  # False when the orders are completed/stopped, even without a stop date

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.stop is None or day <= self.stop)

    def weeks_at(self, day: date) -> int:
        return (day - self.start).days // 7

    def to_json(self) -> dict[str, Any]:
        return {"drug": self.drug, "start": self.start.isoformat(),
                "stop": self.stop.isoformat() if self.stop else None, "ongoing": self.ongoing,
                "references": list(self.references)}


def _stop(m: MedicationFact, as_of: date) -> date | None:
    return m.end if m.end is not None and m.end < as_of else None


def _ongoing(m: MedicationFact, as_of: date) -> bool:
    return m.status in ("active", "on-hold") and _stop(m, as_of) is None


def episodes(facts: PatientFacts) -> tuple[tuple[Episode, ...], list[str]]:
    """Episodes up to the assessment date, oldest first, and warnings for orders that could not be placed."""
    warnings: list[str] = []
    taken: list[MedicationFact] = []
    for m in facts.medications_of(JAK_CLASS, active_only=False):
        if not m.begun:  # a proposal or a plan, or never started
            continue
        if m.start is None:
            warnings.append(f"{m.reference}: {m.ingredient} without a start date is left out of the course")
            continue
        if m.start <= facts.as_of:
            taken.append(m)
    out: list[Episode] = []
    for m in sorted(taken, key=lambda m: (m.ingredient, m.start)):
        stop = _stop(m, facts.as_of)
        last = out[-1] if out and out[-1].drug == m.ingredient else None
        if last is not None and (last.stop is None or m.start <= last.stop):
            ongoing = last.ongoing or _ongoing(m, facts.as_of)
            merged_stop = None if ongoing else max((s for s in (last.stop, stop) if s), default=None)
            out[-1] = Episode(m.ingredient, last.start, merged_stop, last.references + (m.reference,), ongoing)
        else:
            out.append(Episode(m.ingredient, m.start, stop, (m.reference,), _ongoing(m, facts.as_of)))
    return tuple(sorted(out, key=lambda e: e.start)), warnings
