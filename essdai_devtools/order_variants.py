"""One JAK-inhibitor draft order written every way a real EHR writes it, for the coding-variant tests.

Variants: "ingredient" (RxNorm IN or ATC), "scd" (RxNorm clinical drug; filgotinib, which has no
RxNorm product, gets a national product code we do not table, named by its display), "sbd" (branded
drug or brand coding), "text" (no coding, only CodeableConcept.text), "urn-uuid" (medicationReference
to a `urn:uuid:` Medication entry in the draftOrders Bundle). Every variant orders the same daily dose,
so every variant should give the same findings as "ingredient".

Like cohort_codes, this table is the generator's own and does not borrow the service's tables.
Product codes: openFDA NDC records (brand records list each RXCUI of the label); the displays follow
RxNorm's normalised-name pattern and are what an EHR sends with the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from essdai_devtools.cohort_codes import ATC, RXNORM
from essdai_devtools.orders import draft_orders_bundle

VARIANTS = ("ingredient", "scd", "sbd", "text", "urn-uuid")
NATIONAL_PRODUCT = "http://essdai-cds.org/fhir/CodeSystem/devtools-national-product"  # stands in for dm+d/PZN


@dataclass(frozen=True)
class DrugOrder:
    drug: str
    ingredient: tuple[str, str, str]  # system, code, display
    scd: tuple[str, str, str]
    sbd: tuple[str, str, str]
    text: str
    tablets: float  # per dose
    strength_mg: float
    per_day: int

    @property
    def dose_mg(self) -> float:
        return self.tablets * self.strength_mg


ORDERS: dict[str, DrugOrder] = {
    "baricitinib": DrugOrder(
        "baricitinib", (RXNORM, "2047232", "baricitinib"),
        (RXNORM, "2047241", "baricitinib 2 MG Oral Tablet"),  # openFDA Olumiant NDC rxcui list
        (RXNORM, "2047247", "Olumiant 2 MG Oral Tablet"),
        "Olumiant (baricitinib) 2 mg tablet", 1, 2, 1),
    "tofacitinib": DrugOrder(
        "tofacitinib", (RXNORM, "1357536", "tofacitinib"),
        (RXNORM, "1357541", "tofacitinib 5 MG Oral Tablet"),  # openFDA NDC 72205-139 (5 mg/1)
        (RXNORM, "1357547", "Xeljanz 5 MG Oral Tablet"),  # openFDA XELJANZ NDC rxcui list
        "Xeljanz 5 mg film-coated tablet", 1, 5, 2),
    "upadacitinib": DrugOrder(
        "upadacitinib", (RXNORM, "2196092", "upadacitinib"),
        (RXNORM, "2196894", "upadacitinib 15 MG 24HR Extended Release Oral Tablet"),  # openFDA Rinvoq rxcui list
        (RXNORM, "2196900", "upadacitinib 15 MG 24HR Extended Release Oral Tablet [Rinvoq]"),
        "RINVOQ 15 mg prolonged-release tablet", 1, 15, 1),
    "filgotinib": DrugOrder(
        "filgotinib", (ATC, "L04AF04", "filgotinib"),
        (NATIONAL_PRODUCT, "FILG-200", "filgotinib 200 mg film-coated tablet"),  # no RxNorm product exists
        (NATIONAL_PRODUCT, "JYS-200", "Jyseleca 200 mg film-coated tablets"),
        "Jyseleca 200 mg film-coated tablets", 1, 200, 1),
}


def _request(patient_id: str, order: DrugOrder, medication: dict[str, Any], today: str, variant: str,
             dose: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest", "id": f"draft-{order.drug}-{variant}", "status": "draft",
        "intent": "order", "subject": {"reference": f"Patient/{patient_id}"}, "authoredOn": today, **medication,
        "dosageInstruction": [{
            "text": f"{order.tablets:g} tablet {order.per_day} times a day",
            "timing": {"repeat": {"frequency": order.per_day, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": dose}],
        }],
    }


def variant_bundle(patient_id: str, drug: str, variant: str, today: str) -> dict[str, Any]:
    """context.draftOrders for `drug` written as `variant`."""
    order = ORDERS[drug]
    mg = {"value": order.dose_mg, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    tablet = {"value": order.tablets, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tbl}"}

    def coded(c: tuple[str, str, str]) -> dict[str, Any]:
        return {"medicationCodeableConcept": {"coding": [{"system": c[0], "code": c[1], "display": c[2]}]}}

    if variant == "ingredient":
        return draft_orders_bundle(_request(patient_id, order, coded(order.ingredient), today, variant, mg))
    if variant in ("scd", "sbd"):
        return draft_orders_bundle(_request(patient_id, order, coded(getattr(order, variant)), today, variant, tablet))
    if variant == "text":
        med = {"medicationCodeableConcept": {"text": order.text}}
        return draft_orders_bundle(_request(patient_id, order, med, today, variant, tablet))
    if variant == "urn-uuid":
        url = f"urn:uuid:00000000-0000-4000-8000-{abs(hash(drug)) % 10**12:012d}"
        medication = {"resourceType": "Medication", "code": {"coding": [
            {"system": order.ingredient[0], "code": order.ingredient[1], "display": order.ingredient[2]}]}}
        request = _request(patient_id, order, {"medicationReference": {"reference": url}}, today, variant, mg)
        return {"resourceType": "Bundle", "type": "collection",
                "entry": [{"fullUrl": url, "resource": medication}, {"resource": request}]}
    raise ValueError(f"unknown variant {variant!r}")
