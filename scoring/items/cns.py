"""Central nervous system domain (levels 0, 2, 3), from clinician `cns-feature` findings (C1 / S1 §1.10)."""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from scoring.items.base import ItemResult
from scoring.items.features import Grade, condition_item, feature_item

FEATURE_LEVEL: dict[str, Grade] = {
    "none": (0, 0),
    "central-cranial-nerve": (2, 2),
    "optic-neuritis": (2, 2),
    "ms-like-sensory": (2, 2),
    "cognitive-impairment": (2, 2),
    "cerebral-vasculitis": (3, 3),  # with stroke or TIA
    "seizures": (3, 3),
    "transverse-myelitis": (3, 3),
    "lymphocytic-meningitis": (3, 3),
    "ms-like-motor": (3, 3),
}
CONDITION_LEVEL = {
    "cns-involvement": (2, 3),  # M35.07 "with CNS involvement": some CNS level, not which (issue 12)
    "vasculitis-unstated-site": (0, 3),  # M35.0B: the vasculitis may be cerebral
    "cns-vasculitis": (3, 3),  # High row 'cerebral vasculitis with stroke or TIA'; stroke/TIA not checked [choice]
    "transverse-myelitis": (3, 3),
    "optic-neuritis": (2, 2),
    "seizures": (3, 3),
    "lymphocytic-meningitis": (3, 3),
}


def features(facts: PatientFacts) -> ItemResult:
    return feature_item(facts, "cns.features", "cns-feature", FEATURE_LEVEL, 3)


def conditions(facts: PatientFacts) -> ItemResult:
    return condition_item(facts, "cns.conditions", "cns-feature", CONDITION_LEVEL)


ITEMS = (features, conditions)
