"""The result of `scoring.assess`: everything the card and the CLI show, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from scoring.change import Change
from scoring.classification import Classification
from scoring.course import Course, EsspriSincePrevious
from scoring.domains import ESSDAI_WEIGHTS
from scoring.essdai import DomainResult, Total
from scoring.esspri import Esspri
from scoring.thresholds import ELIGIBILITY


@dataclass(frozen=True)
class Assessment:
    patient_id: str
    as_of: date
    domains: dict[str, DomainResult]
    essdai: Total
    clinessdai: Total
    undetermined: tuple[str, ...]
    deciding: tuple[str, ...]
    eligibility_met: bool | None
    classification: Classification
    esspri: Esspri | None = None
    change: Change | None = None
    course: Course | None = None
    esspri_change: EsspriSincePrevious | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Exactly the CLI schema of docs/architecture.md; nulls are kept (the CDS edge drops them)."""
        ref = self.patient_id if self.patient_id.startswith("Patient/") else f"Patient/{self.patient_id}"
        return {
            "patient": ref,
            "assessedAt": self.as_of.isoformat(),
            "essdai": {
                **self.essdai.to_json(),
                "domains": {d: r.to_json(ESSDAI_WEIGHTS[d]) for d, r in self.domains.items()},
                "undetermined": list(self.undetermined),
                "deciding": list(self.deciding),
            },
            "clinessdai": self.clinessdai.to_json(),
            "esspri": self.esspri.to_json() if self.esspri else None,
            "eligibility": {"threshold": int(ELIGIBILITY.value), "met": self.eligibility_met},
            "classification": self.classification.to_json(),
            "change": self.change.to_json() if self.change else None,
            "esspriChange": self.esspri_change.to_json() if self.esspri_change else None,
            "course": self.course.to_json() if self.course else None,
            "warnings": list(self.warnings),
        }
