"""Stand-ins with the attribute names of safety.model (SafetyFinding, Source, Suggestion), so the card
tests do not depend on safety/ (written in parallel). Only what architecture.md promises is used."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from fhir_mappings.facts import Evidence


class Indicator(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Source:
    label: str
    section: str
    url: str | None = None


@dataclass(frozen=True)
class Suggestion:
    kind: str  # dose-change | order-test | cancel-order
    label: str = ""
    dose_mg: float | None = None
    doses_per_day: float | None = None
    loinc: tuple[tuple[str, str], ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class SafetyFinding:
    rule: str
    drug: str
    jurisdiction: str = "FDA"
    indicator: Any = Indicator.WARNING
    status: str = "fired"
    summary: str = ""
    message: str = ""
    evidence: tuple[Evidence, ...] = ()
    source: Source = field(default_factory=lambda: Source("FDA USPI Olumiant", "Warnings and Precautions"))
    mark: str = "V"
    confirmed: bool = True
    override_reasons: tuple[tuple[str, str], ...] = ()
    suggestion: Suggestion | None = None
    order_reference: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "rule": self.rule, "drug": self.drug, "jurisdiction": self.jurisdiction,
            "indicator": str(self.indicator), "status": self.status, "summary": self.summary,
            "message": self.message, "evidence": [e.to_json() for e in self.evidence], "mark": self.mark,
            "confirmed": self.confirmed, "orderReference": self.order_reference,
        }
        return {k: v for k, v in out.items() if v is not None}


ALC_EVIDENCE = Evidence(reference="Observation/alc-1", display="Lymphocytes [#/volume] in Blood", value=350,
                        unit="/uL", date=date(2024, 5, 2), code="http://loinc.org|731-0")
EGFR_EVIDENCE = Evidence(reference="Observation/egfr-1", display="eGFR", value=45, unit="mL/min/{1.73_m2}",
                         date=date(2024, 5, 3), code="http://loinc.org|98979-8")


# --- ESSDAI results ------------------------------------------------------------------------------

from fhir_mappings.code_tables.essdai_codesystem import DOMAINS  # noqa: E402

NEUTROPHIL_EVIDENCE = {"reference": "Observation/neut-1", "display": "Neutrophils [#/volume] in Blood",
                       "value": 1200, "unit": "/uL", "date": "2024-05-02", "code": "http://loinc.org|751-8",
                       "note": "attribution to Sjögren's presumed"}


def domain(level: int | None, points: int, *, rng: list[int] | None = None, source: str | None = "derived",
           evidence: list[dict] | None = None) -> dict[str, Any]:
    return {"level": level, "range": rng or [level, level], "points": points, "source": source,
            "evidence": evidence or []}


def essdai_result(score: int, max_: int, *, category: str | None, met: bool | None, rated: int = 12,
                  deciding: int | None = None, threshold: int = 5) -> dict[str, Any]:
    """A result in the `essdai-cds score` shape (nulls kept, as scoring emits it). The first `rated`
    domains are determined; the lower bounds sit in the first domain, the rest of the range in the
    undetermined ones (the cards only read score/max/category, not the per-domain arithmetic)."""
    domains: dict[str, dict] = {}
    for i, d in enumerate(DOMAINS):
        if i < rated:
            domains[d] = domain(0, 0, source="clinician")
        else:
            domains[d] = domain(None, 0, rng=[0, 3], source=None)
    first = DOMAINS[0]
    if rated:
        domains[first] = domain(2, score, source="derived", evidence=[dict(NEUTROPHIL_EVIDENCE)])
    undetermined = [d for d in DOMAINS[rated:]]
    return {
        "patient": "Patient/pt-42",
        "assessedAt": "2024-05-10",
        "essdai": {"score": score, "max": max_, "category": category, "domains": domains,
                   "undetermined": undetermined,
                   "deciding": undetermined[: len(undetermined) if deciding is None else deciding]},
        "clinessdai": {"score": score, "max": max_, "category": category},
        "esspri": None,
        "eligibility": {"threshold": threshold, "met": met},
        "classification": {"score": 3, "max": 9, "met": None},
        "change": None,
        "warnings": [],
    }


def full_result() -> dict[str, Any]:
    """A determined ESSDAI 9 (moderate) with evidence, ESSPRI, change and a warning."""
    domains = {d: domain(0, 0, source="clinician") for d in DOMAINS}
    domains["glandular"] = domain(1, 2, source="clinician")
    domains["articular"] = domain(2, 4, source="clinician", evidence=[{
        "reference": "Observation/syn-1", "display": "Synovitis count (28-joint count)", "value": 3,
        "date": "2024-05-01", "code": "synovitis-count"}])
    domains["hematological"] = domain(1, 2, evidence=[dict(NEUTROPHIL_EVIDENCE)])
    domains["biological"] = domain(1, 1, evidence=[{
        "reference": "Observation/igg-1", "display": "IgG", "value": 17.5, "unit": "g/L", "date": "2024-05-02"}])
    return {
        "patient": "Patient/pt-42",
        "assessedAt": "2024-05-10",
        "essdai": {"score": 9, "max": 9, "category": "moderate", "domains": domains, "undetermined": [],
                   "deciding": []},
        "clinessdai": {"score": 10, "max": 10, "category": "moderate"},
        "esspri": {"score": 5.6667, "pass": False},
        "eligibility": {"threshold": 5, "met": True},
        "classification": {"score": 6, "max": 7, "met": True},
        "change": {"previous": 13, "delta": -4, "mcii": True},
        "warnings": ["skipped Observation/x: unknown unit 'mg/furlong'"],
    }


# --- checks shared by the card tests ---------------------------------------------------------------

def empty_paths(obj: Any, path: str = "$") -> list[str]:
    """Paths of every None / "" / [] / {} inside `obj` (the contract forbids them all)."""
    if obj is None or (isinstance(obj, (str, list, tuple, dict)) and len(obj) == 0):
        return [path]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in empty_paths(v, f"{path}.{k}")]
    if isinstance(obj, (list, tuple)):
        return [p for i, v in enumerate(obj) for p in empty_paths(v, f"{path}[{i}]")]
    return []


def actions(card: dict) -> list[dict]:
    return [a for s in card.get("suggestions", []) for a in s.get("actions", [])]


def validate_r4b(resource: dict) -> None:
    """Raises if `resource` is not a valid R4B resource of its type."""
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


# "label: verdict" fragments ("Age 67: only if no suitable alternative"); a time ("10:30") has no space
_COLON_FRAGMENT = re.compile(r":\s")


def summary_problems(summary: str) -> list[str]:
    """Why `summary` is not one whole sentence a clinician reads at a glance ([] when it is): under 140
    characters (CDS Hooks), ending with a full stop, never cut ("…"), capitalised, one line, and no
    "label: text" colon fragment (a sentence says its finding with a verb)."""
    problems = []
    if len(summary) >= 140:
        problems.append(f"{len(summary)} characters")
    if not summary.endswith(".") or summary.endswith(".."):
        problems.append("does not end with one full stop")
    if "…" in summary:
        problems.append("cut mid-sentence")
    if not summary[:1].isupper() and not summary[:1].isdigit() and not summary[:2] == "eG":
        problems.append("does not start with a capital")
    if "\n" in summary or "  " in summary:
        problems.append("not one line")
    if _COLON_FRAGMENT.search(summary):
        problems.append("a colon fragment, not a sentence")
    return problems
