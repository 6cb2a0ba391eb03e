"""One screening row per patient, built through the shared per-patient pipeline (`pipeline.assess`, the
same call `essdai-cds score` makes), so a patient's row always says what `essdai-cds score` says.

The row is flat JSON (what the candidate list, the report and the results store read) plus `assessment`,
the `essdai-cds score` object itself. `row_json` is the canonical serialisation: sorted keys, no
whitespace, UTF-8 kept, so rows from two engines compare byte for byte after sorting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from fhir_mappings.facts import Windows

ROW_FIELDS: tuple[str, ...] = (
    "patient_id", "as_of", "essdai_score", "essdai_max", "category", "deciding", "undetermined",
    "eligible", "classification_met", "assessment",
)


def _medications_for(resources: Iterable[Mapping[str, Any]], medications: Mapping[str, dict]) -> list[dict]:
    """The Medication resources the patient's resources point at (`medicationReference`), each once."""
    wanted: dict[str, dict] = {}
    for res in resources:
        ref = res.get("medicationReference")
        target = ref.get("reference") if isinstance(ref, Mapping) else None
        if isinstance(target, str):
            key = target.split("/_history/")[0]
            key = "Medication/" + key.rsplit("Medication/", 1)[-1] if "Medication/" in key else key
            if key in medications and key not in wanted:
                wanted[key] = medications[key]
    return list(wanted.values())


def screen_row(patient_id: str, resources: list[dict], medications: Mapping[str, dict], as_of: date,
               *, windows: Windows | None = None, codesystem: str = DEFAULT_SYSTEM) -> dict[str, Any]:
    """The row for one patient. `medications` maps "Medication/<id>" to the resource (the export's
    Medication file); only those the patient's resources reference are passed on."""
    import pipeline

    pool = list(resources) + _medications_for(resources, medications)
    _facts, result = pipeline.assess(pool, as_of=as_of, patient_id=patient_id, windows=windows or Windows(),
                                     codesystem=codesystem)
    essdai = result.get("essdai") or {}
    return {
        "patient_id": patient_id,
        "as_of": as_of.isoformat(),
        "essdai_score": essdai.get("score"),
        "essdai_max": essdai.get("max"),
        "category": essdai.get("category"),
        "deciding": list(essdai.get("deciding") or ()),
        "undetermined": list(essdai.get("undetermined") or ()),
        "eligible": (result.get("eligibility") or {}).get("met"),
        "classification_met": (result.get("classification") or {}).get("met"),
        "assessment": result,
    }


def row_json(row: Mapping[str, Any]) -> str:
    """Canonical JSON of a row: sorted keys, compact separators, non-ASCII kept."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
