"""Display names for ESSDAI domains, levels and activity categories (presentation only: weights,
levels allowed and cut-offs live in scoring/)."""

from __future__ import annotations

DOMAIN_LABELS: dict[str, str] = {
    "constitutional": "Constitutional",
    "lymphadenopathy": "Lymphadenopathy and lymphoma",
    "glandular": "Glandular",
    "articular": "Articular",
    "cutaneous": "Cutaneous",
    "pulmonary": "Pulmonary",
    "renal": "Renal",
    "muscular": "Muscular",
    "pns": "Peripheral nervous system",
    "cns": "Central nervous system",
    "hematological": "Haematological",
    "biological": "Biological",
}

LEVEL_LABELS: dict[int, str] = {0: "no activity", 1: "low", 2: "moderate", 3: "high"}

CATEGORY_LABELS: dict[str, str] = {"low": "low activity", "moderate": "moderate activity", "high": "high activity"}


def domain_label(domain: str) -> str:
    return DOMAIN_LABELS.get(domain, domain)


def category_label(category: object) -> str | None:
    return CATEGORY_LABELS.get(category) if isinstance(category, str) else None
