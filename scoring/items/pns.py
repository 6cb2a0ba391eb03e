"""Peripheral nervous system domain (max 3), from clinician `pns-feature` findings (C1 / S1 §1.9)."""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from scoring.items.base import ItemResult, exclude, latest_finding, number
from scoring.items.features import Grade, condition_item, feature_item
from scoring.other_causes import other_causes
from scoring.thresholds import PNS_MOTOR_POWER_LEVEL


def _sensorimotor(facts: PatientFacts) -> tuple[int, int]:
    """NCS axonal sensorimotor neuropathy: motor power >= 4/5 -> 2, <= 3/5 -> 3; unknown power -> 2..3."""
    f = latest_finding(facts, "motor-deficit-min")
    v = number(f.value) if f is not None else None
    if v is None or not 0 <= v <= 5:
        return 2, 3
    level = PNS_MOTOR_POWER_LEVEL.level(v)
    return level, level


FEATURE_LEVEL: dict[str, Grade] = {
    "none": (0, 0),
    "pure-sensory-axonal": (1, 1),
    "trigeminal-neuralgia": (1, 1),
    "sensorimotor-axonal": _sensorimotor,
    "pure-sensory-cryoglobulinaemic": (2, 2),
    "ganglionopathy-mild": (2, 2),
    "ganglionopathy-severe": (3, 3),
    "cidp-mild": (2, 2),
    "cidp-severe": (3, 3),
    "cranial-nerve-peripheral": (2, 2),
    "mononeuritis-multiplex": (3, 3),
    "vasculitic-neuropathy": (3, 3),
}
CONDITION_LEVEL = {  # concept -> (lower bound, upper bound) when only the diagnosis is known
    "peripheral-neuropathy": (1, 3),  # type (sensory / sensorimotor / vasculitic) not known
    "trigeminal-neuralgia": (1, 1),
    "cidp": (2, 3),  # severity not known
    "mononeuritis-multiplex": (3, 3),
    "vasculitis-unstated-site": (0, 3),  # M35.0B: the vasculitis may be of the nerves
}


def features(facts: PatientFacts) -> ItemResult:
    return feature_item(facts, "pns.features", "pns-feature", FEATURE_LEVEL, 3)


def conditions(facts: PatientFacts) -> ItemResult:
    """Neuropathy diagnoses; a documented other cause (drug, alcohol, diabetes, B12: exclusions table) excludes them."""
    name = "pns.conditions"
    found = condition_item(facts, name, "pns-feature", CONDITION_LEVEL)
    return exclude(found, other_causes(facts, name, facts.windows.history), "neuropathy of another cause")


ITEMS = (features, conditions)
