"""Lymphadenopathy and lymphoma domain (max 3): node size, inguinal node size, splenomegaly, current
malignant B-cell proliferative disorder. Exclude infection (S1): node sizes only."""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from scoring.items.base import (ItemResult, boolean_item, bounded, decided, exclude, finding_or_condition,
                                numeric_finding_item, unknown)
from scoring.other_causes import other_causes
from scoring.thresholds import INGUINAL_NODE_SIZE_LEVEL, NODE_SIZE_LEVEL


def _infective(facts: PatientFacts, result: ItemResult) -> ItemResult:
    """Exclude infection (S1): an infection active within the clinician window explains the nodes."""
    return exclude(result, other_causes(facts, result.name, facts.windows.clinician), "infective lymphadenopathy")


def node_size(facts: PatientFacts) -> ItemResult:
    name = "lymphadenopathy.node-size"
    found = numeric_finding_item(facts, name, "lymph-node-size-cm", NODE_SIZE_LEVEL)
    if found is not None:
        return _infective(facts, found)
    conditions = facts.conditions_of("lymphadenopathy")
    if conditions:  # the feature exists, its size does not: lower bound 1, open up to 2
        return _infective(facts, bounded(name, 1, NODE_SIZE_LEVEL.max_level, tuple(
            c.evidence("node size not documented") for c in conditions), "node size not documented"))
    return unknown(name, NODE_SIZE_LEVEL.max_level, "no lymph-node-size-cm finding")


def inguinal_node_size(facts: PatientFacts) -> ItemResult:
    name = "lymphadenopathy.inguinal-node-size"
    found = numeric_finding_item(facts, name, "inguinal-node-size-cm", INGUINAL_NODE_SIZE_LEVEL)
    if found is not None:
        return _infective(facts, found)
    return unknown(name, INGUINAL_NODE_SIZE_LEVEL.max_level, "no inguinal-node-size-cm finding")


def splenomegaly(facts: PatientFacts) -> ItemResult:
    return finding_or_condition(facts, "lymphadenopathy.splenomegaly", "splenomegaly", 2, "splenomegaly")


def lymphoma(facts: PatientFacts) -> ItemResult:
    """Only a lymphoma not in remission is 'current' (S1 level 3; §1.2)."""
    name = "lymphadenopathy.lymphoma"
    found = boolean_item(facts, name, "b-cell-lymphoma-active", 3)
    if found is not None:
        return found
    active = facts.conditions_of("lymphoma")
    if active:
        return decided(name, 3, tuple(c.evidence() for c in active))
    settled = facts.conditions_of("lymphoma", status="remission") + facts.conditions_of("lymphoma", status="inactive")
    if settled:
        return decided(name, 0, tuple(c.evidence("not current") for c in settled), "lymphoma not current")
    return unknown(name, 3, "no b-cell-lymphoma-active finding")


ITEMS = (node_size, inguinal_node_size, splenomegaly, lymphoma)
