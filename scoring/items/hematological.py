"""Haematological domain (max 3): neutrophils, haemoglobin, platelets, lymphocytes (latest in the labs window).

Only autoimmune cytopenias count (C1). Neutropenia, thrombocytopenia and lymphopenia with no documented
other cause count (attribution presumed). Anaemia is common and mostly not autoimmune, so it counts
with certainty only with haemolysis or an autoimmune cause documented (an AIHA Condition); otherwise
its level is possible, not certain (issue 12 attribution rule). A documented cause excludes a
cytopenia: a clinician `cytopenia-other-cause` finding, a cytopenia-causing drug, or a Condition of the
exclusions table (drug-induced cytopenia, deficiency) for the cell lines it explains. A documented
autoimmune diagnosis of that cell line (AIHA, ITP) outweighs a drug or deficiency, not the clinician.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import (ItemResult, bounded, exclude, finding_evidence, finding_flag, lab_item, unknown)
from scoring.other_causes import clinician_denies, other_causes
from scoring.tables import ThresholdTable
from scoring.thresholds import HEMOGLOBIN_LEVEL, LYMPHOCYTE_LEVEL, NEUTROPHIL_LEVEL, PLATELET_LEVEL

ALL_LINES = frozenset({"neutrophils", "hemoglobin", "platelets", "lymphocytes"})
CYTOPENIA_DRUG_CLASS = "cytopenia-causing-drug"  # e.g. cyclophosphamide, azathioprine, methotrexate, MMF
AUTOIMMUNE_LINE = {"hemoglobin": "aiha", "platelets": "itp"}
# a diagnosis without a count: the cytopenia exists, its grade does not
CONDITION_FOR_LINE = {"neutrophils": "neutropenia", "hemoglobin": "aiha", "platelets": "itp",
                      "lymphocytes": "lymphopenia"}
NOT_AUTOIMMUNE_YET = "anaemia counts only when autoimmune (haemolysis / AIHA): none documented, level possible"


def _causes(facts: PatientFacts, line: str) -> tuple[Evidence, ...]:
    if (f := finding_flag(facts, "cytopenia-other-cause")) is not None:
        return (finding_evidence(f, "documented other cause"),)
    if AUTOIMMUNE_LINE.get(line) and facts.conditions_of(AUTOIMMUNE_LINE[line]):
        return ()
    if clinician_denies(facts, "cytopenia-other-cause"):  # the clinician attributes it to Sjögren's
        return ()
    causes = [m.evidence(f"documented other cause: {CYTOPENIA_DRUG_CLASS}")
              for m in facts.medications_of(CYTOPENIA_DRUG_CLASS)]
    return tuple(causes) + other_causes(facts, f"hematological.{line}", facts.windows.labs)


def _anaemia_attribution(facts: PatientFacts, result: ItemResult) -> ItemResult:
    """Low Hb without haemolysis or an autoimmune cause documented: from 0 up to its grade."""
    if result.max_level == 0 or facts.conditions_of("aiha"):
        return result
    evidence = tuple(e if not e.reference.startswith("Observation/") else replace(e, note=NOT_AUTOIMMUNE_YET)
                     for e in result.evidence)
    return bounded(result.name, 0, result.max_level, evidence, NOT_AUTOIMMUNE_YET, result.warning)


def _cytopenia(facts: PatientFacts, line: str, table: ThresholdTable) -> ItemResult:
    name = f"hematological.{line}"
    result = lab_item(facts, name, line, table)
    if result is None:
        conditions = facts.conditions_of(CONDITION_FOR_LINE[line])
        if conditions:
            result = bounded(name, 1, table.max_level, tuple(c.evidence("no count within the labs window")
                                                              for c in conditions), "count not known")
        else:
            return unknown(name, table.max_level, f"no {line} count within {facts.windows.labs} days")
    if line == "hemoglobin":
        result = _anaemia_attribution(facts, result)
    return exclude(result, _causes(facts, line), "cytopenia due to another cause")


def neutrophils(facts: PatientFacts) -> ItemResult:
    return _cytopenia(facts, "neutrophils", NEUTROPHIL_LEVEL)


def hemoglobin(facts: PatientFacts) -> ItemResult:
    return _cytopenia(facts, "hemoglobin", HEMOGLOBIN_LEVEL)


def platelets(facts: PatientFacts) -> ItemResult:
    return _cytopenia(facts, "platelets", PLATELET_LEVEL)


def lymphocytes(facts: PatientFacts) -> ItemResult:
    return _cytopenia(facts, "lymphocytes", LYMPHOCYTE_LEVEL)


ITEMS = (neutrophils, hemoglobin, platelets, lymphocytes)
