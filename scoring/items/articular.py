"""Articular domain (max 3): arthralgia with morning stiffness, synovitis count. Exclude osteoarthritis."""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from scoring.items.base import (ItemResult, boolean_item, bounded, exclude, latest_finding, numeric_finding_item,
                                silent, unknown)
from scoring.other_causes import other_causes
from scoring.thresholds import SYNOVITIS_COUNT_LEVEL


def arthralgia(facts: PatientFacts) -> ItemResult:
    """Osteoarthritis explains arthralgia; it does not explain a synovitis count."""
    name = "articular.arthralgia"
    found = boolean_item(facts, name, "arthralgia-morning-stiffness", 1)
    if found is None:
        return unknown(name, 1, "no arthralgia-morning-stiffness finding")
    causes = other_causes(facts, name, facts.windows.history)  # osteoarthritis: chronic
    return exclude(found, causes, "osteoarthritis")


def synovitis(facts: PatientFacts) -> ItemResult:
    name = "articular.synovitis"
    found = numeric_finding_item(facts, name, "synovitis-count", SYNOVITIS_COUNT_LEVEL)
    return found or unknown(name, 3, "no synovitis-count finding")


def arthritis_condition(facts: PatientFacts) -> ItemResult:
    """Active inflammatory arthritis without a joint count: lower bound 1 (joint symptoms), open to 3.
    A synovitis-count finding supersedes it."""
    name = "articular.arthritis-condition"
    conditions = facts.conditions_of("arthritis")
    if not conditions or latest_finding(facts, "synovitis-count") is not None:
        return silent(name)
    return bounded(name, 1, 3, tuple(c.evidence("synovitis count not documented") for c in conditions))


ITEMS = (arthralgia, synovitis, arthritis_condition)
