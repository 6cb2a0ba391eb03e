"""The candidates as a FHIR R4 `Group` (actual, person), validated with fhir.resources R4B before it leaves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from fhir.resources.R4B.group import Group

CANDIDATE_TAG = "essdai-jak-candidates"


def candidate_group(entries: Iterable[Mapping[str, Any]], *, as_of: date, source_group: str | None,
                    identifier_system: str) -> dict[str, Any]:
    members = [{"entity": {"reference": f"Patient/{e['patient_id']}"}, "inactive": False} for e in entries]
    what = f"Group/{source_group}" if source_group else "all patients"
    group = {
        "resourceType": "Group",
        "identifier": [{"system": identifier_system, "value": f"{CANDIDATE_TAG}-{as_of.isoformat()}"}],
        "active": True,
        "type": "person",
        "actual": True,
        "name": f"JAK-inhibitor trial candidates (ESSDAI >= 5 certain or possible), {what}, {as_of.isoformat()}",
        "quantity": len(members),
    }
    if members:  # FHIR JSON has no empty arrays
        group["member"] = members
    Group.model_validate(group)  # raises on anything R4B would reject: never emit an invalid resource
    return group
