"""Domain aggregation: a level range per domain, then totals, activity category and eligibility.

A domain's range: lower end = the highest level its items certainly reach; upper end = the highest
level still reachable by items the data do not decide. A clinician whole-domain rating (finding
code = domain name) inside the clinician window overrides the derived range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.damage import only_old_diagnoses
from scoring.domains import DOMAIN_TABLE, InvalidLevel, validate_level
from scoring.items import ITEMS_BY_DOMAIN
from scoring.items.base import ItemResult, finding_evidence, unknown
from scoring.thresholds import ELIGIBILITY, HIGH_ACTIVITY, MODERATE_ACTIVITY


@dataclass(frozen=True)
class DomainResult:
    domain: str
    lo: int
    hi: int
    source: str | None  # "derived" | "clinician" | None (no data at all)
    evidence: tuple[Evidence, ...] = ()
    items: tuple[ItemResult, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def determined(self) -> bool:
        return self.lo == self.hi

    @property
    def level(self) -> int | None:
        return self.lo if self.determined else None

    def to_json(self, weight: int) -> dict[str, Any]:
        return {
            "level": self.level,
            "range": [self.lo, self.hi],
            "points": weight * self.lo,
            "source": self.source,
            "evidence": [e.to_json() for e in self.evidence],
        }


def score_domain(facts: PatientFacts, domain: str) -> DomainResult:
    """The clinician's rating if there is a valid one, else the range derived from the items."""
    rating = facts.latest_finding(domain)
    warnings: list[str] = []
    if rating is not None:
        try:
            level = validate_level(domain, rating.value)
        except InvalidLevel as exc:
            warnings.append(f"ignored {rating.reference}: clinician rating {rating.value!r} for {domain}: {exc}")
        else:
            evidence = (finding_evidence(rating, "clinician rating"),)
            return DomainResult(domain, level, level, "clinician", evidence)
    derived = _derived(facts, domain)
    return DomainResult(derived.domain, derived.lo, derived.hi, derived.source, derived.evidence, derived.items,
                        tuple(warnings) + derived.warnings)


def _derived(facts: PatientFacts, domain: str) -> DomainResult:
    top = DOMAIN_TABLE[domain].max_level
    results = tuple(_run(item, facts, top) for item in ITEMS_BY_DOMAIN[domain])
    evidence = tuple(dict.fromkeys(e for r in results for e in r.evidence))
    warnings = tuple(r.warning for r in results if r.warning)
    if not evidence:  # no data at all: anything is possible
        return DomainResult(domain, 0, top, None, (), results, warnings)
    lo = min(top, max((r.level for r in results), default=0))
    hi = min(top, max([lo, *(r.max_level for r in results if not r.assessed)]))
    return DomainResult(domain, lo, hi, "derived", evidence, results, warnings)


def _run(item: Any, facts: PatientFacts, top: int) -> ItemResult:
    """Safety net: an item that fails leaves its domain open and says so; it never fails the assessment."""
    try:
        return only_old_diagnoses(item(facts), facts)
    except Exception as exc:  # noqa: BLE001 - reported as a warning, never a 500
        name = getattr(item, "__module__", "").rsplit(".", 1)[-1] + "." + getattr(item, "__name__", "item")
        return unknown(name, top, warning=f"item {name} could not be evaluated ({type(exc).__name__}: {exc})")


def score_domains(facts: PatientFacts) -> dict[str, DomainResult]:
    return {d: score_domain(facts, d) for d in DOMAIN_TABLE}


# --- totals -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Total:
    score: int  # sum of weight x lower end
    max: int  # sum of weight x upper end
    category: str | None  # decided only if the whole range falls in one category

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "max": self.max, "category": self.category}


def activity_category(value: int) -> str:
    if value >= HIGH_ACTIVITY.value:
        return "high"
    if value >= MODERATE_ACTIVITY.value:
        return "moderate"
    return "low"


def category(score: int, maximum: int) -> str | None:
    low, high = activity_category(score), activity_category(maximum)
    return low if low == high else None


def eligibility(score: int, maximum: int) -> bool | None:
    if score >= ELIGIBILITY.value:
        return True
    if maximum < ELIGIBILITY.value:
        return False
    return None


def total(domains: dict[str, DomainResult], weights: dict[str, int]) -> Total:
    score = sum(w * domains[d].lo for d, w in weights.items())
    maximum = sum(w * domains[d].hi for d, w in weights.items())
    return Total(score, maximum, category(score, maximum))


def undetermined(domains: dict[str, DomainResult]) -> tuple[str, ...]:
    return tuple(d for d, r in domains.items() if not r.determined)


def deciding(domains: dict[str, DomainResult], weights: dict[str, int]) -> tuple[str, ...]:
    """Undetermined domains that could still change eligibility or the activity category.

    The score can only rise from its lower end, so the next undecided cut-off above it is what matters:
    the domains whose upper end alone reaches it. If none can alone, all open domains decide together.
    """
    t = total(domains, weights)
    cutoffs = sorted({int(ELIGIBILITY.value), int(MODERATE_ACTIVITY.value), int(HIGH_ACTIVITY.value)})
    open_cutoffs = [c for c in cutoffs if t.score < c <= t.max]
    if not open_cutoffs:
        return ()
    target = open_cutoffs[0]
    gain = {d: w * (domains[d].hi - domains[d].lo) for d, w in weights.items() if not domains[d].determined}
    alone = tuple(d for d, g in gain.items() if t.score + g >= target)
    return alone or tuple(d for d, g in gain.items() if g > 0)


__all__ = ["DomainResult", "Total", "activity_category", "category", "deciding", "eligibility",
           "score_domain", "score_domains", "total", "undetermined"]
