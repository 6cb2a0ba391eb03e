"""STAND-IN for 16a's screening.rows (same signatures); replaced when main has it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import orjson

from cds_service import pipeline
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from fhir_mappings.facts import Windows


def screen_row(patient_id: str, resources: list[dict], medications: Mapping[str, dict], as_of: date) -> dict:
    pool = list(resources) + list(medications.values())
    _facts, result = pipeline.assess(pool, as_of=as_of, patient_id=patient_id, windows=Windows(),
                                     codesystem=DEFAULT_SYSTEM)
    return {"patient": patient_id, "result": result}


def row_json(row: dict) -> str:
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS).decode()
