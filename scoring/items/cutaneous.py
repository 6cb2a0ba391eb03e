"""Cutaneous domain (max 3): erythema multiforme, cutaneous vasculitis / purpura, SCLE, vasculitic ulcers."""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from scoring.items.base import ItemResult, boolean_item, bounded, finding_or_condition, string_finding_item, unknown

UNSTATED_SITE = "vasculitis of unstated site (M35.0B): cutaneous, PNS or CNS possible; a clinician should rate"
VASCULITIS_EXTENT_LEVEL = {"none": 0, "limited": 2, "diffuse": 3}  # S1 cutaneous domain [V]


def erythema_multiforme(facts: PatientFacts) -> ItemResult:
    return finding_or_condition(facts, "cutaneous.erythema-multiforme", "erythema-multiforme", 1, "erythema-multiforme")


def vasculitis(facts: PatientFacts) -> ItemResult:
    """Extent decides 2 (limited, purpura of feet/ankles) or 3 (diffuse); a Condition alone gives 2, open to 3."""
    name = "cutaneous.vasculitis"
    found = string_finding_item(facts, name, "cutaneous-vasculitis", VASCULITIS_EXTENT_LEVEL)
    if found is not None:
        return found
    if conditions := facts.conditions_of("cutaneous-vasculitis", "purpura"):
        return bounded(name, 2, 3, tuple(c.evidence("extent not documented") for c in conditions),
                       "extent not documented")
    if conditions := facts.conditions_of("vasculitis-unstated-site"):  # M35.0B
        return bounded(name, 0, 3, tuple(c.evidence(UNSTATED_SITE) for c in conditions), UNSTATED_SITE)
    return unknown(name, 3, "no cutaneous-vasculitis finding")


def subacute_cutaneous_lupus(facts: PatientFacts) -> ItemResult:
    return finding_or_condition(facts, "cutaneous.scle", "subacute-cutaneous-lupus", 2, "scle")


def vasculitic_ulcers(facts: PatientFacts) -> ItemResult:
    name = "cutaneous.vasculitic-ulcers"
    return boolean_item(facts, name, "vasculitic-ulcers", 3) or unknown(name, 3, "no vasculitic-ulcers finding")


ITEMS = (erythema_multiforme, vasculitis, subacute_cutaneous_lupus, vasculitic_ulcers)
