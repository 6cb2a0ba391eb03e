"""Haematological domain (max 3): neutrophils, haemoglobin, platelets, lymphocytes (latest in the labs window).

Only autoimmune cytopenias count (C1). A cytopenia with no documented other cause counts (attribution
presumed); a documented cause excludes it: a clinician `cytopenia-other-cause` finding, a
cytopenia-causing drug, or a deficiency for the cell lines it explains. A documented autoimmune
diagnosis of that cell line (AIHA, ITP) outweighs a drug or deficiency, not the clinician's finding.
"""

from __future__ import annotations

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import ItemResult, bounded, exclude, finding_evidence, finding_flag, lab_item, unknown
from scoring.tables import ThresholdTable
from scoring.thresholds import HEMOGLOBIN_LEVEL, LYMPHOCYTE_LEVEL, NEUTROPHIL_LEVEL, PLATELET_LEVEL

ALL_LINES = frozenset({"neutrophils", "hemoglobin", "platelets", "lymphocytes"})
# condition concept -> cell lines whose cytopenia it explains [Implementation choice]
DEFICIENCY_EXPLAINS = {
    "iron-deficiency-anaemia": frozenset({"hemoglobin"}),
    "b12-deficiency": frozenset({"hemoglobin", "neutrophils", "platelets"}),
    "folate-deficiency": frozenset({"hemoglobin", "neutrophils", "platelets"}),
}
CYTOPENIA_DRUG_CLASS = "cytopenia-causing-drug"  # e.g. cyclophosphamide, azathioprine, methotrexate, MMF
AUTOIMMUNE_LINE = {"hemoglobin": "aiha", "platelets": "itp"}
# a diagnosis without a count: the cytopenia exists, its grade does not
CONDITION_FOR_LINE = {"neutrophils": "neutropenia", "hemoglobin": "aiha", "platelets": "itp",
                      "lymphocytes": "lymphopenia"}


def _causes(facts: PatientFacts, line: str) -> tuple[Evidence, ...]:
    if (f := finding_flag(facts, "cytopenia-other-cause")) is not None:
        return (finding_evidence(f, "documented other cause"),)
    if AUTOIMMUNE_LINE.get(line) and facts.conditions_of(AUTOIMMUNE_LINE[line]):
        return ()
    causes = [m.evidence(f"documented other cause: {CYTOPENIA_DRUG_CLASS}")
              for m in facts.medications_of(CYTOPENIA_DRUG_CLASS)]
    causes += [c.evidence(f"documented other cause: {c.concept}")
               for concept, lines in DEFICIENCY_EXPLAINS.items() if line in lines
               for c in facts.conditions_of(concept)]
    return tuple(causes)


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
