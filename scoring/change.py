"""Change since the last recorded ESSDAI total (finding `essdai-total` dated before the assessment date).

Computed only when the current ESSDAI is determined; MCII = a fall of >= 3 points [S4]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir_mappings.facts import Finding, PatientFacts
from scoring.domains import ESSDAI_WEIGHTS, max_score
from scoring.thresholds import ESSDAI_MCII

ESSDAI_MAX = max_score(ESSDAI_WEIGHTS)


@dataclass(frozen=True)
class Change:
    previous: int
    delta: int  # current - previous
    mcii: bool
    reference: str = ""
    date: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"previous": self.previous, "delta": self.delta, "mcii": self.mcii}


def total_problem(f: Finding, maximum: int = ESSDAI_MAX) -> str | None:
    """Why a recorded total (essdai-total, clinessdai-total) cannot be used, or None."""
    v = f.value
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= maximum:
        return f"ignored {f.reference}: {f.code} value {v!r} is not a total 0-{maximum}"
    return None


def previous_total(facts: PatientFacts) -> tuple[Finding | None, list[str]]:
    """The newest valid essdai-total before the assessment date (any age)."""
    warnings: list[str] = []
    earlier = sorted((f for f in facts.findings if f.code == "essdai-total" and f.date < facts.as_of),
                     key=lambda f: f.date, reverse=True)
    for f in earlier:
        problem = total_problem(f)
        if problem:
            warnings.append(problem)
            continue
        return f, warnings
    return None, warnings


def change(facts: PatientFacts, score: int, maximum: int) -> tuple[Change | None, list[str]]:
    prev, warnings = previous_total(facts)
    if prev is None:
        return None, warnings
    if score != maximum:
        warnings.append(f"change vs ESSDAI {prev.value} ({prev.date.isoformat()}) not computed: "
                        f"current ESSDAI undetermined ({score}-{maximum})")
        return None, warnings
    previous = int(prev.value)
    delta = score - previous
    return Change(previous, delta, -delta >= ESSDAI_MCII.value, prev.reference, prev.date), warnings
