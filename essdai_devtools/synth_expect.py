"""The generator's own ESSDAI arithmetic, to state what the service should answer for each patient.

Deliberately independent of `scoring/` (never imported): if both used the same table, a wrong
weight would pass every test. Numbers from essdai-rules.md §0 (weights, level limits, maximum 123),
§2 (ClinESSDAI weights, medium confidence, maximum 135) and §4.1 (activity states, threshold 5).
"""

from __future__ import annotations

from typing import Any

from fhir_mappings.code_tables.essdai_codesystem import DOMAINS

# essdai-rules.md §0 table (S1 Table 2) [V]
ESSDAI_WEIGHT = {"constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2, "cutaneous": 3,
                 "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5, "hematological": 2, "biological": 1}
# allowed levels per domain (§0: no High for constitutional/glandular/biological, no Low for CNS)
LEVELS = {d: (0, 1, 2, 3) for d in DOMAINS} | {
    "constitutional": (0, 1, 2), "glandular": (0, 1, 2), "biological": (0, 1, 2), "cns": (0, 2, 3)}
# essdai-rules.md §2 (secondary source, medium confidence); biological is not part of ClinESSDAI
CLINESSDAI_WEIGHT = {"constitutional": 4, "lymphadenopathy": 4, "glandular": 2, "articular": 3, "cutaneous": 3,
                     "pulmonary": 6, "renal": 6, "muscular": 7, "pns": 5, "cns": 5, "hematological": 2}
ELIGIBILITY_THRESHOLD = 5  # ESSDAI >= 5 (essdai-rules.md §4.1, jak-safety-rules.md §1)

assert sum(ESSDAI_WEIGHT[d] * max(LEVELS[d]) for d in DOMAINS) == 123
assert sum(CLINESSDAI_WEIGHT[d] * max(LEVELS[d]) for d in CLINESSDAI_WEIGHT) == 135


def category(score: int) -> str:
    """essdai-rules.md §4.1: low < 5, moderate 5-13, high >= 14."""
    return "low" if score < 5 else "moderate" if score < 14 else "high"


Level = int | tuple[int, int] | None  # decided | (lowest, highest) still possible | no data (0..domain max)


def _span(domain: str, level: Level) -> tuple[int, int]:
    if level is None:  # no data: anything from 0 to the domain maximum
        return 0, max(LEVELS[domain])
    if isinstance(level, tuple):
        return level
    return level, level


def _total(levels: dict[str, Level], weights: dict[str, int]) -> tuple[int, int]:
    lo = hi = 0
    for domain, weight in weights.items():
        low, high = _span(domain, levels.get(domain))
        lo += weight * low
        hi += weight * high
    return lo, hi


def expectation(levels: dict[str, Level]) -> dict[str, Any]:
    """Expected score objects for domain levels (None = no data; (lo, hi) = only that range is known,
    e.g. an old diagnosis that may be damage, or a finding whose attribution the data leave open)."""
    for domain, level in levels.items():
        for value in (level if isinstance(level, tuple) else (level,)):
            if value is not None and value not in LEVELS[domain]:
                raise ValueError(f"level {value} is not allowed for {domain}")
        if isinstance(level, tuple) and level[0] >= level[1]:
            raise ValueError(f"range {level} for {domain} must be (lower, higher)")
    full = {d: levels.get(d) for d in DOMAINS}
    lo, hi = _total(full, ESSDAI_WEIGHT)
    clin_lo, clin_hi = _total(full, CLINESSDAI_WEIGHT)
    cat = category(lo) if category(lo) == category(hi) else None
    met = True if lo >= ELIGIBILITY_THRESHOLD else False if hi < ELIGIBILITY_THRESHOLD else None
    return {
        "essdai": {"score": lo, "max": hi},
        "category": cat,
        "eligibility": {"met": met},
        "clinessdai": {"score": clin_lo, "max": clin_hi},
        "domains": {d: _domain(d, full[d]) for d in DOMAINS},
        "undetermined": [d for d in DOMAINS if full[d] is None or isinstance(full[d], tuple)],
    }


def _domain(domain: str, level: Level) -> dict[str, Any]:
    if level is None:
        return {"level": None, "points": None}
    if isinstance(level, tuple):  # the service reports the certain points (weight x lower end)
        return {"level": None, "range": list(level), "points": ESSDAI_WEIGHT[domain] * level[0]}
    return {"level": level, "points": ESSDAI_WEIGHT[domain] * level}
