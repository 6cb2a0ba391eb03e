"""Glandular domain (max 2): parotid, submandibular or lacrimal swelling. Exclude stone and infection."""

from __future__ import annotations

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import (ItemResult, bounded, exclude, finding_evidence, finding_flag, latest_finding,
                                numeric_finding_item, silent, string_finding_item, unknown)
from scoring.other_causes import other_causes
from scoring.thresholds import PAROTID_SIZE_LEVEL

SUBMANDIBULAR_LACRIMAL_LEVEL = {"none": 0, "limited": 1, "important": 2}  # S1 glandular domain [V]
FINDING_CODES = ("parotid-size-cm", "submandibular-lacrimal-swelling")


def _causes(facts: PatientFacts, name: str) -> tuple[Evidence, ...]:
    causes = list(other_causes(facts, name, facts.windows.clinician, flag="glandular-swelling-other-cause"))
    if (f := finding_flag(facts, "glandular-swelling-other-cause")) is not None:
        causes.append(finding_evidence(f, "documented other cause"))
    return tuple(causes)


def _excluded(facts: PatientFacts, result: ItemResult) -> ItemResult:
    return exclude(result, _causes(facts, result.name), "glandular swelling due to stone or infection")


def parotid(facts: PatientFacts) -> ItemResult:
    name = "glandular.parotid"
    found = numeric_finding_item(facts, name, "parotid-size-cm", PAROTID_SIZE_LEVEL)
    return _excluded(facts, found) if found is not None else unknown(name, 2, "no parotid-size-cm finding")


def submandibular_lacrimal(facts: PatientFacts) -> ItemResult:
    name = "glandular.submandibular-lacrimal"
    found = string_finding_item(facts, name, "submandibular-lacrimal-swelling", SUBMANDIBULAR_LACRIMAL_LEVEL)
    if found is None:
        return unknown(name, 2, "no submandibular-lacrimal-swelling finding")
    return _excluded(facts, found)


def swelling_condition(facts: PatientFacts) -> ItemResult:
    """A salivary-swelling Condition shows swelling without its size: lower bound 1, open to 2.
    Clinician glandular findings supersede it."""
    name = "glandular.swelling-condition"
    conditions = facts.conditions_of("salivary-swelling")
    if not conditions or any(latest_finding(facts, code) for code in FINDING_CODES):
        return silent(name)
    return _excluded(facts, bounded(name, 1, 2, tuple(c.evidence("size not documented") for c in conditions)))


ITEMS = (parotid, submandibular_lacrimal, swelling_condition)
