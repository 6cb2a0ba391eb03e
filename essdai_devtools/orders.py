"""Draft orders an EHR would send on order-select / order-sign (context.draftOrders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from essdai_devtools.cohort_codes import BARICITINIB_ATC, BARICITINIB_RXNORM
from essdai_devtools.fhir_builders import medication_request


def baricitinib_draft(patient_id: str, *, dose_mg: float = 2, today: date | None = None,
                      order_id: str | None = None) -> dict[str, Any]:
    """A draft MedicationRequest for baricitinib `dose_mg` mg once daily (FDA RA dose: 2 mg)."""
    return medication_request(
        {"reference": f"Patient/{patient_id}"},
        (BARICITINIB_RXNORM, BARICITINIB_ATC),
        f"baricitinib {dose_mg:g} mg tablet, once daily",
        dose_mg=dose_mg,
        per_day=1,
        authored=(today or date.today()).isoformat(),
        status="draft",
        route_text="oral",
        resource_id=order_id or f"draft-baricitinib-{patient_id}"[:64],
    )


def draft_orders_bundle(*orders: dict[str, Any]) -> dict[str, Any]:
    """context.draftOrders: a collection Bundle of draft request resources."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in orders]}


def as_draft_orders(doc: dict[str, Any]) -> dict[str, Any]:
    """Accept a single request resource or a Bundle (as in an --order FILE); return a Bundle."""
    if doc.get("resourceType") == "Bundle":
        return doc
    return draft_orders_bundle(doc)


def selections(bundle: dict[str, Any]) -> list[str]:
    """References of every request in the Bundle ('MedicationRequest/<id>'), for order-select."""
    out = []
    for entry in bundle.get("entry", []):
        res = entry.get("resource") or {}
        if res.get("resourceType") and res.get("id"):
            out.append(f"{res['resourceType']}/{res['id']}")
    return out
