"""The synthetic cohort as a Bulk Data export would deliver it: one NDJSON file per resource type.

`essdai-cds synth` writes transaction Bundles whose non-Patient entries have no id (the server assigns
them). Here every resource gets a stable id (`<patient>-<n>`), and `copies` repeats the cohort under new
patient ids (`<patient>.<copy>` (a valid FHIR id)) to build populations of any size for the engines' tests and benchmark.
With `medication_resources`, a MedicationRequest's `medicationCodeableConcept` becomes a `Medication`
resource it references (`medicationReference`), as many EHR exports deliver them: that exercises the
engines' Medication side table.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson


def _resources(pid: str, bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for n, entry in enumerate(bundle.get("entry") or ()):
        res = copy.deepcopy(entry["resource"])
        res.setdefault("id", f"{pid}-{n}")
        out.append(res)
    return out


def _renamed(resources: list[dict[str, Any]], pid: str, new_pid: str) -> list[dict[str, Any]]:
    if new_pid == pid:
        return resources
    text = orjson.dumps(resources).decode()
    text = text.replace(f'"Patient/{pid}"', f'"Patient/{new_pid}"').replace(f'"id":"{pid}', f'"id":"{new_pid}')
    return orjson.loads(text)


def _split_medications(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for res in resources:
        concept = res.get("medicationCodeableConcept")
        if res.get("resourceType") == "MedicationRequest" and concept:
            med_id = f"med-{res['id']}"
            out.append({"resourceType": "Medication", "id": med_id, "code": concept})
            res = {k: v for k, v in res.items() if k != "medicationCodeableConcept"}
            res["medicationReference"] = {"reference": f"Medication/{med_id}"}
        out.append(res)
    return out


def write_ndjson(bundles: Mapping[str, Mapping[str, Any]], out: Path, *, copies: int = 1,
                 medication_resources: bool = False) -> dict[str, int]:
    """Write `<Type>.ndjson` files into `out`; returns resources written per type.

    Copy 0 keeps the original patient ids; copy k > 0 uses `<id>.<k>`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    handles: dict[str, Any] = {}
    counts: dict[str, int] = {}
    try:
        for pid, bundle in bundles.items():
            base = _resources(pid, bundle)
            for k in range(copies):
                resources = _renamed(base, pid, pid if k == 0 else f"{pid}.{k}")
                if medication_resources:
                    resources = _split_medications(resources)
                for res in resources:
                    rtype = res["resourceType"]
                    if rtype not in handles:
                        handles[rtype] = (out / f"{rtype}.ndjson").open("wb")
                    handles[rtype].write(orjson.dumps(res) + b"\n")
                    counts[rtype] = counts.get(rtype, 0) + 1
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def patient_ids(bundles: Iterable[str], copies: int = 1) -> list[str]:
    """The patient ids `write_ndjson` writes for these cohort ids."""
    return [pid if k == 0 else f"{pid}.{k}" for pid in bundles for k in range(copies)]
