"""The generator's own ESSDAI arithmetic, to state what the service should answer for each patient.

Deliberately independent of `scoring/` (never imported): if both used the same table, a wrong
weight would pass every test. Numbers from essdai-rules.md §0 (weights, level limits, maximum 123),
§2 (ClinESSDAI weights, medium confidence, maximum 135) and §4.1 (activity states, threshold 5).
"""

from __future__ import annotations

from datetime import date, timedelta
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


# --- course over time (issue 13): Bai 2022 response = ESSDAI fall >= 3 (the MCII, essdai-rules §4.1);
# ESSPRI MCII = fall >= 1 point or >= 15 % of baseline (§3); baseline = the last visit on or before the
# start, at most 90 days before it (the project's documented choice)
ESSDAI_MCII_FALL, ESSPRI_MCII_POINTS, ESSPRI_MCII_PERCENT, BASELINE_DAYS = 3, 1.0, 15.0, 90


def _esspri(items: tuple[float, float, float] | None) -> float | None:
    return None if items is None else round(sum(items) / 3, 2)


def course_expectation(today: date, visits: list[dict[str, Any]], episodes: list[tuple[int, int | None]],
                       drug: str = "baricitinib") -> dict[str, Any]:
    """Expected `course` for visits {"days_ago", "levels" (None = no data), "esspri": 3 items | None}, the
    last one today (derived), and treatment episodes (start days ago, stop days ago | None)."""
    rows = []
    for v in sorted(visits, key=lambda v: -v["days_ago"]):
        lo, hi = _total({d: v["levels"].get(d) for d in DOMAINS}, ESSDAI_WEIGHT)
        rows.append({"date": today - timedelta(days=v["days_ago"]), "essdai": (lo, hi), "esspri": _esspri(v["esspri"]),
                     "source": "current" if v["days_ago"] == 0 else "recorded"})
    spans = [(today - timedelta(days=s), None if e is None else today - timedelta(days=e)) for s, e in episodes]

    def baseline(start: date, key: str) -> dict[str, Any] | None:
        found = [r for r in rows if r[key] is not None and start - timedelta(days=BASELINE_DAYS) <= r["date"] <= start]
        return found[-1] if found else None

    out_visits = []
    for r in rows:
        response = None
        for start, stop in spans:
            if not (start < r["date"] and (stop is None or r["date"] <= stop)):
                continue
            b_essdai, b_esspri = baseline(start, "essdai"), baseline(start, "esspri")
            essdai = esspri = None
            if b_essdai is not None:
                least, most = b_essdai["essdai"][0] - r["essdai"][1], b_essdai["essdai"][1] - r["essdai"][0]
                state = "met" if least >= ESSDAI_MCII_FALL else "not-met" if most < ESSDAI_MCII_FALL else "undetermined"
                essdai = {"fall": [least, most], "mcii": state}
            if b_esspri is not None and r["esspri"] is not None:
                fall = round(b_esspri["esspri"] - r["esspri"], 2)
                percent = round(fall * 100 / b_esspri["esspri"], 1)
                met = fall > 0 and (fall >= ESSPRI_MCII_POINTS - 1e-9 or percent >= ESSPRI_MCII_PERCENT)
                esspri = {"fall": fall, "percent": percent, "mcii": "met" if met else "not-met"}
            response = {"drug": drug, "start": start.isoformat(), "weeks": (r["date"] - start).days // 7, "essdai": essdai, "esspri": esspri}
        out_visits.append({"date": r["date"].isoformat(), "source": r["source"],
                           "essdai": {"score": r["essdai"][0], "max": r["essdai"][1]}, "esspri": r["esspri"],
                           "response": response})
    current = next(((s, e) for s, e in reversed(spans) if e is None), None)
    base = None
    if current is not None:
        b_essdai, b_esspri = baseline(current[0], "essdai"), baseline(current[0], "esspri")
        base = {"start": current[0].isoformat(),
                "essdai": None if b_essdai is None else {
                    "date": b_essdai["date"].isoformat(), "score": b_essdai["essdai"][0], "max": b_essdai["essdai"][1],
                    "mciiAt": b_essdai["essdai"][0] - ESSDAI_MCII_FALL if len(set(b_essdai["essdai"])) == 1 else None},
                "esspri": None if b_esspri is None else {
                    "date": b_esspri["date"].isoformat(), "score": b_esspri["esspri"],
                    "mciiAt": round(b_esspri["esspri"] - min(ESSPRI_MCII_POINTS,
                                                             b_esspri["esspri"] * ESSPRI_MCII_PERCENT / 100), 2)}}
    return {"visits": out_visits, "baseline": base,
            "response": out_visits[-1]["response"] if current is not None else None,
            "episodes": [{"start": s.isoformat(), "stop": None if e is None else e.isoformat()} for s, e in spans]}
