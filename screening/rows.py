"""One screening row per patient, built through the shared per-patient pipeline (`pipeline.assess_for_screening`:
the `essdai-cds score` object plus the JAK-inhibitor readiness findings, on one set of validated facts), so a
patient's row always says what `essdai-cds score` says.

The row is flat JSON (what the candidate list, the report and the results store read) plus `assessment`,
the `essdai-cds score` object itself. `row_json` is the canonical serialisation: sorted keys, compact, UTF-8
kept, so rows from two engines compare byte for byte after sorting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from fhir_mappings.facts import Windows
from safety.screening_tests import SCREENING_TESTS  # which rules are screening tests: clinical data, in safety

ROW_FIELDS: tuple[str, ...] = (
    "patient_id", "as_of", "in_scope", "essdai_score", "essdai_max", "category", "eligible", "deciding", "undetermined",
    "classification_met", "classification_score", "jak_blockers", "jak_cautions", "missing_tests",
    "evidence_first", "evidence_last", "assessment",
)


def _medications_for(resources: Iterable[Mapping[str, Any]], medications: Mapping[str, dict]) -> list[dict]:
    """The Medication resources the patient's resources point at (`medicationReference`), each once."""
    wanted: dict[str, dict] = {}
    for res in resources:
        ref = res.get("medicationReference")
        target = ref.get("reference") if isinstance(ref, Mapping) else None
        if not isinstance(target, str) or "Medication/" not in target:
            continue
        key = "Medication/" + target.split("/_history/")[0].rsplit("Medication/", 1)[-1]
        if key in medications and key not in wanted:
            wanted[key] = medications[key]
    return list(wanted.values())


def _dates(obj: Any) -> Iterator[str]:
    """Every `date` of an evidence item inside a JSON-like result."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "evidence" and isinstance(value, list):
                yield from (e["date"] for e in value if isinstance(e, dict) and isinstance(e.get("date"), str))
            else:
                yield from _dates(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from _dates(item)


def _rules(findings: list[dict[str, Any]], status: str, indicators: set[str]) -> list[str]:
    return sorted({f["rule"] for f in findings if f.get("status") == status and f.get("indicator") in indicators})


def screen_row(patient_id: str, resources: list[dict], medications: Mapping[str, dict], as_of: date,
               *, windows: Windows | None = None, codesystem: str = DEFAULT_SYSTEM,
               jurisdiction: str = "FDA") -> dict[str, Any]:
    """The row for one patient. `medications` maps "Medication/<id>" to the resource (the export's
    Medication file); only those the patient's resources reference are passed on."""
    import pipeline

    pool = list(resources) + _medications_for(resources, medications)
    import scoring

    facts, result, findings = pipeline.assess_for_screening(
        pool, as_of=as_of, patient_id=patient_id, windows=windows or Windows(), codesystem=codesystem,
        jurisdiction=jurisdiction)
    essdai = result.get("essdai") or {}
    classification = result.get("classification") or {}
    dates = sorted(set(_dates(result)) | set(_dates(findings)))
    return {
        "patient_id": patient_id,
        "as_of": as_of.isoformat(),
        "in_scope": scoring.applies(facts),  # a Sjögren's diagnosis or ESSDAI data (else the card stays quiet)
        "essdai_score": essdai.get("score"),
        "essdai_max": essdai.get("max"),
        "category": essdai.get("category"),
        "eligible": (result.get("eligibility") or {}).get("met"),
        "deciding": list(essdai.get("deciding") or ()),
        "undetermined": list(essdai.get("undetermined") or ()),
        "classification_met": classification.get("met"),
        "classification_score": classification.get("score"),
        "jak_blockers": _rules(findings, "fired", {"critical"}),
        "jak_cautions": _rules(findings, "fired", {"warning"}),
        "missing_tests": sorted(f["rule"] for f in findings
                                if f.get("status") == "missing-data" and f["rule"] in SCREENING_TESTS),
        "evidence_first": dates[0] if dates else None,
        "evidence_last": dates[-1] if dates else None,
        "assessment": result,
    }


def row_json(row: Mapping[str, Any]) -> str:
    """Canonical JSON of a row: sorted keys, compact separators, non-ASCII kept."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
