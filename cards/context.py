"""What every card needs to know about the call it answers (hook instance, patient, settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM


@dataclass(frozen=True)
class CardContext:
    """Per-request settings for card building.

    `hook_instance` seeds the deterministic card and suggestion uuids; `codesystem` is the project
    CodeSystem URL (card-topic and override-reason systems are its siblings); `worksheet_url` adds the
    "Open the ESSDAI worksheet" link, launched as a SMART app unless `worksheet_link_type` is "absolute"
    (the demo's plain web page); `source_url` is the organisation page put in `source.url`.
    """

    hook_instance: str
    patient_id: str
    service_id: str
    as_of: date
    codesystem: str = DEFAULT_SYSTEM
    jurisdiction: str = "FDA"
    worksheet_url: str | None = None
    source_url: str | None = None
    worksheet_link_type: str = "smart"  # "smart" | "absolute"
    worksheet_app_context: str | None = None  # SMART appContext (smart links only)
