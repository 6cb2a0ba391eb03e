"""Read the service's answers back into the shape of the cohort's expected.json.

Cards carry machine-readable results in `extension["essdai-cds"]` (architecture.md: the ESSDAI card
holds the `essdai-cds score` object, safety cards hold SafetyFinding.to_json()). CDS Hooks forbids
nulls, so an absent member reads as null here.
"""

from __future__ import annotations

from typing import Any

EXT = "essdai-cds"


def extension(card: dict[str, Any]) -> dict[str, Any]:
    ext = (card.get("extension") or {}).get(EXT)
    return ext if isinstance(ext, dict) else {}


def essdai_cards(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in response.get("cards", []) if isinstance(extension(c).get("essdai"), dict)]


def essdai_summary(ext: dict[str, Any]) -> dict[str, Any]:
    """The expected.json subset of an ESSDAI card extension (absent == None)."""
    essdai = ext.get("essdai") or {}
    clin = ext.get("clinessdai") or {}
    domains = essdai.get("domains") or {}
    return {
        "essdai": {"score": essdai.get("score"), "max": essdai.get("max")},
        "category": essdai.get("category"),
        "eligibility": {"met": (ext.get("eligibility") or {}).get("met")},
        "clinessdai": {"score": clin.get("score"), "max": clin.get("max")},
        "domains": {d: (v or {}).get("level") for d, v in domains.items()},
    }


def expected_summary(expected: dict[str, Any]) -> dict[str, Any]:
    """The same subset from one expected.json patient entry."""
    return {
        "essdai": expected["essdai"],
        "category": expected["category"],
        "eligibility": expected["eligibility"],
        "clinessdai": expected["clinessdai"],
        "domains": {d: v["level"] for d, v in expected["domains"].items()},
    }


def _findings(ext: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(ext.get("rule"), str):
        return [ext]
    found = []
    for key in ("findings", "safety", "rules"):
        value = ext.get(key)
        if isinstance(value, list):
            found += [f for f in value if isinstance(f, dict) and isinstance(f.get("rule"), str)]
    return found


def safety_findings(response: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """rule id -> findings as received (each with 'indicator', from the finding or else its card)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for card in response.get("cards", []):
        for f in _findings(extension(card)):
            out.setdefault(f["rule"], []).append({"indicator": card.get("indicator"), **f,
                                                  "card_uuid": card.get("uuid")})
    return out


def empty_members(obj: Any, path: str = "$") -> list[str]:
    """Paths of null / "" / [] / {} members (forbidden by CDS Hooks §1.0; `cards: []` is allowed)."""
    bad: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{path}.{k}"
            if v is None or v == "" or v == [] or v == {}:
                if p != "$.cards":
                    bad.append(p)
            else:
                bad += empty_members(v, p)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            bad += empty_members(v, f"{path}[{i}]")
    return bad


def course_summary(course: dict[str, Any] | None) -> dict[str, Any] | None:
    """The expected.json subset of a result's `course` (synth_expect.course_expectation's shape)."""
    if course is None:
        return None
    baseline = course.get("baseline")
    return {
        "visits": [{"date": v["date"], "source": v["source"],
                    "essdai": {"score": v["essdai"]["score"], "max": v["essdai"]["max"]}, "esspri": v.get("esspri"),
                    "response": v.get("response")} for v in course["visits"]],
        "baseline": None if baseline is None else {k: baseline.get(k) for k in ("start", "essdai", "esspri")},
        "response": course.get("response"),
        "episodes": [{"start": e["start"], "stop": e.get("stop")} for e in course["treatment"]["episodes"]],
    }
