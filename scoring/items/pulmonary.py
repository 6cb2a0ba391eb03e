"""Pulmonary domain (max 3): cough/bronchial involvement, ILD, DLCO and FVC % predicted, NYHA dyspnoea.

DLCO and FVC grade *proven* lung involvement (C1 pulmonary: "ILD ... with DLCO ..."): they score
only with ILD or bronchial involvement documented (HRCT finding, ILD diagnosis, clinician's
bronchial-involvement finding). With neither documented they leave the item open 0..grade; with a
normal HRCT (ild-hrct false) and no bronchial involvement they score 0. Dyspnoea scores only with
documented ILD. A normal HRCT does not exclude Low (persistent cough / bronchial involvement with no
radiographic abnormality, S1), so the cough item stays open without its finding.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import (PRESUMED, ItemResult, bad_value, boolean_item, bounded, decided, finding_evidence,
                                lab_item, latest_finding, number, unknown, window_note)
from scoring.tables import ThresholdTable
from scoring.thresholds import DLCO_PCT_LEVEL, FVC_PCT_LEVEL, NYHA_LEVEL

NO_INVOLVEMENT = "DLCO/FVC grade only documented lung involvement (HRCT, diagnosis, bronchial finding): none documented"


def ild_status(facts: PatientFacts) -> tuple[bool | None, tuple[Evidence, ...]]:
    """True: HRCT-proven ILD (finding) or an active ILD Condition; False: ild-hrct finding false; None: unknown."""
    f = latest_finding(facts, "ild-hrct")
    if f is not None and isinstance(f.value, bool):
        return f.value, (finding_evidence(f),)
    conditions = facts.conditions_of("ild")
    if conditions:
        return True, tuple(c.evidence() for c in conditions)
    return None, ()


def cough(facts: PatientFacts) -> ItemResult:
    name = "pulmonary.cough-bronchial"
    return boolean_item(facts, name, "cough-bronchial-involvement", 1) or unknown(
        name, 1, "no cough-bronchial-involvement finding")


def ild(facts: PatientFacts) -> ItemResult:
    """Documented ILD is at least Low; its higher levels come from lung function and dyspnoea."""
    name = "pulmonary.ild"
    present, evidence = ild_status(facts)
    f = latest_finding(facts, "ild-hrct")
    warning = bad_value(f, "true/false") if f is not None and not isinstance(f.value, bool) else None
    if present is None:
        return unknown(name, 1, "ILD neither documented nor excluded (ild-hrct)", warning)
    return decided(name, 1 if present else 0, evidence, warning=warning)


def lung_involvement(facts: PatientFacts) -> tuple[bool | None, tuple[Evidence, ...]]:
    """True: ILD (HRCT finding or diagnosis) or bronchial involvement documented; False: HRCT without
    ILD and no bronchial involvement; None: neither documented nor excluded."""
    present, evidence = ild_status(facts)
    bronchial = latest_finding(facts, "cough-bronchial-involvement")
    if present:
        return True, evidence
    if bronchial is not None and bronchial.value is True:
        return True, (finding_evidence(bronchial),)
    if present is False:
        return False, evidence
    return None, ()


def _lung_function(facts: PatientFacts, name: str, analyte: str, table: ThresholdTable) -> ItemResult:
    result = lab_item(facts, name, analyte, table)
    if result is not None and result.max_level == 0:
        return result
    involved, evidence = lung_involvement(facts)
    if result is None:
        if involved is False:
            return decided(name, 0, evidence, "HRCT without ILD, no bronchial involvement: does not score")
        return unknown(name, 3, window_note(facts, analyte))
    if involved:
        return bounded(name, result.level, result.max_level, result.evidence + evidence, result.note)
    plain = tuple(replace(e, note=NO_INVOLVEMENT) for e in result.evidence)  # keeps the cut-off shown
    if involved is False:
        return decided(name, 0, plain + evidence, "HRCT without ILD, no bronchial involvement: does not score")
    return bounded(name, 0, result.max_level, plain, NO_INVOLVEMENT)


def dlco(facts: PatientFacts) -> ItemResult:
    return _lung_function(facts, "pulmonary.dlco", "dlco-pct", DLCO_PCT_LEVEL)


def fvc(facts: PatientFacts) -> ItemResult:
    return _lung_function(facts, "pulmonary.fvc", "fvc-pct", FVC_PCT_LEVEL)


def dyspnoea(facts: PatientFacts) -> ItemResult:
    """NYHA II -> 2, III-IV -> 3, only with documented ILD; ILD excluded -> 0; ILD unknown -> open."""
    name = "pulmonary.dyspnoea"
    present, ild_evidence = ild_status(facts)
    nyha_class, evidence, warning = _nyha(facts)
    if present is False:
        return decided(name, 0, ild_evidence + evidence, "no ILD: dyspnoea does not score", warning)
    if nyha_class is None:
        return unknown(name, 3, "no NYHA class", warning)
    level = NYHA_LEVEL.level(nyha_class)
    if level == 0:
        return decided(name, 0, evidence, warning=warning)
    if present:
        marked = tuple(replace(e, note=PRESUMED) for e in evidence)
        return decided(name, level, marked + ild_evidence, warning=warning)
    return bounded(name, 0, level, evidence, "NYHA scores only with documented ILD", warning)


def _nyha(facts: PatientFacts) -> tuple[int | None, tuple[Evidence, ...], str | None]:
    """Newest NYHA class from an Observation (analyte 'nyha') or a clinician finding (nyha-class)."""
    m = facts.latest("nyha")
    f = latest_finding(facts, "nyha-class")
    if f is not None and (m is None or f.date >= m.date):
        v = number(f.value)
        if v is None or v not in (1, 2, 3, 4):
            return None, (), bad_value(f, "a NYHA class 1-4")
        return int(v), (finding_evidence(f),), None
    if m is not None:
        if m.value is None or m.value not in (1, 2, 3, 4) or m.comparator:
            return None, (), f"ignored {m.reference}: NYHA value {m.original or m.value!r} is not a class 1-4"
        return int(m.value), (m.evidence(),), None
    return None, (), None


ITEMS = (cough, ild, dlco, fvc, dyspnoea)
