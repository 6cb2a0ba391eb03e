"""Small builders for the FHIR R4 JSON the synthetic cohort and the EHR client write.

Plain dicts (what travels on the wire); `tests/e2e` validates a sample with fhir.resources R4B.
One `Record` per patient collects resources and turns them into a transaction Bundle: the Patient
is PUT with its stable id, everything else is POSTed with a urn:uuid fullUrl drawn from the seeded
random generator, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from essdai_devtools.cohort_codes import NEGATIVE, POSITIVE, UCUM, Code
from fhir_mappings.code_tables.essdai_codesystem import CODES, DEFAULT_SYSTEM

OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM Quantity; `unit` is the UCUM code (also used as the human unit)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


@dataclass
class Record:
    """Resources of one synthetic patient, dated relative to `today`."""

    patient_id: str
    today: date
    rng: random.Random
    resources: list[dict[str, Any]] = field(default_factory=list)
    patient: dict[str, Any] = field(default_factory=dict)

    # --- helpers ----------------------------------------------------------------------------
    def day(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()

    def when(self, days_ago: int, hour: int = 9) -> str:
        return f"{self.day(days_ago)}T{hour:02d}:00:00Z"

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.patient_id}"}

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.resources.append(resource)
        return resource

    # --- resources --------------------------------------------------------------------------
    def set_patient(self, *, gender: str, age: int, family: str, given: str) -> None:
        birthday_this_year = self.today - timedelta(days=self.rng.randint(20, 300))  # birthday already passed
        try:
            birth = birthday_this_year.replace(year=birthday_this_year.year - age)
        except ValueError:  # 29 February
            birth = (birthday_this_year - timedelta(days=1)).replace(year=birthday_this_year.year - age)
        self.patient = {
            "resourceType": "Patient",
            "id": self.patient_id,
            "identifier": [{"system": "urn:oid:1.2.3.4.5.1", "value": f"MRN-{self.patient_id}"}],
            "name": [{"family": family, "given": [given]}],
            "gender": gender,
            "birthDate": birth.isoformat(),
        }

    def observation(
        self,
        code: Code,
        *,
        days_ago: int,
        category: str = "laboratory",
        status: str = "final",
        hour: int = 9,
        **value: Any,
    ) -> dict[str, Any]:
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": status,
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
            "code": {"coding": [code.coding()], "text": code.display},
            "subject": self.subject,
            "effectiveDateTime": self.when(days_ago, hour),
        }
        obs.update(value)
        return self.add(obs)

    def lab(
        self,
        code: Code,
        value: float,
        unit: str,
        *,
        days_ago: int = 7,
        status: str = "final",
        low: float | None = None,
        high: float | None = None,
        interpretation: str | None = None,
        category: str = "laboratory",
        hour: int = 9,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {"valueQuantity": quantity(value, unit)}
        if low is not None or high is not None:
            rng: dict[str, Any] = {}
            if low is not None:
                rng["low"] = quantity(low, unit)
            if high is not None:
                rng["high"] = quantity(high, unit)
            extra["referenceRange"] = [rng]
        if interpretation:
            extra["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": interpretation}]}]
        return self.observation(code, days_ago=days_ago, status=status, category=category, hour=hour, **extra)

    def vital(self, code: Code, value: float, unit: str, *, days_ago: int, status: str = "final",
              hour: int = 8) -> dict[str, Any]:
        return self.lab(code, value, unit, days_ago=days_ago, status=status, category="vital-signs", hour=hour)

    def qualitative(self, code: Code, positive: bool, *, days_ago: int = 7, status: str = "final") -> dict[str, Any]:
        answer = POSITIVE if positive else NEGATIVE
        return self.observation(
            code,
            days_ago=days_ago,
            status=status,
            valueCodeableConcept={"coding": [answer.coding()], "text": answer.display},
            interpretation=[{"coding": [{"system": INTERPRETATION, "code": "POS" if positive else "NEG"}]}],
        )

    def coded(self, code: Code, answer: Code, *, days_ago: int, category: str = "social-history") -> dict[str, Any]:
        return self.observation(code, days_ago=days_ago, category=category,
                                valueCodeableConcept={"coding": [answer.coding()], "text": answer.display})

    def finding(self, code: str, value: int | float | bool | str, *, days_ago: int = 20,
                status: str = "final") -> dict[str, Any]:
        """A clinician-entered Observation in the project CodeSystem (domain rating or finding)."""
        definition = CODES[code]
        key = {"integer": "valueInteger", "boolean": "valueBoolean", "string": "valueString"}.get(
            definition.value_type, "valueQuantity" if definition.unit else "valueInteger"
        )
        val: Any = quantity(value, definition.unit) if key == "valueQuantity" else value
        return self.add(
            {
                "resourceType": "Observation",
                "status": status,
                "category": [{"coding": [{"system": OBS_CATEGORY, "code": "exam"}]}],
                "code": {"coding": [{"system": DEFAULT_SYSTEM, "code": code, "display": definition.display}]},
                "subject": self.subject,
                "effectiveDateTime": self.when(days_ago, 11),
                key: val,
            }
        )

    def recorded_total(self, code: str, total: int, *, days_ago: int,
                       levels: dict[str, int] | None = None) -> dict[str, Any]:
        """A recorded essdai-total / clinessdai-total (valueInteger), the domain levels as components."""
        res = self.finding(code, total, days_ago=days_ago)
        if levels:
            res["component"] = [{"code": {"coding": [{"system": DEFAULT_SYSTEM, "code": d,
                                                      "display": CODES[d].display}]}, "valueInteger": level}
                                for d, level in levels.items()]
        return res

    def condition(
        self,
        code: Code,
        *,
        onset_days_ago: int = 800,
        clinical: str | None = "active",  # None: absent (required when entered-in-error, FHIR con-5)
        verification: str = "confirmed",
        extra_codings: tuple[Code, ...] = (),
    ) -> dict[str, Any]:
        res: dict[str, Any] = {"resourceType": "Condition"}
        if clinical:
            res["clinicalStatus"] = {"coding": [{"system": CONDITION_CLINICAL, "code": clinical}]}
        res.update(
            verificationStatus={"coding": [{"system": CONDITION_VERIFICATION, "code": verification}]},
            category=[{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
            code={"coding": [code.coding(), *(c.coding() for c in extra_codings)], "text": code.display},
            subject=self.subject,
            onsetDateTime=self.day(onset_days_ago),
            recordedDate=self.day(onset_days_ago),
        )
        return self.add(res)

    def medication_request(
        self,
        codings: tuple[Code, ...],
        text: str,
        *,
        dose_mg: float,
        per_day: int,
        started_days_ago: int,
        status: str = "active",
        route_text: str | None = None,
        stopped_days_ago: int | None = None,
    ) -> dict[str, Any]:
        res = self.add(medication_request(
            self.subject, codings, text, dose_mg=dose_mg, per_day=per_day,
            authored=self.day(started_days_ago), status=status, route_text=route_text,
        ))
        if stopped_days_ago is not None:  # the stop date: dosage timing bounds (read as MedicationFact.end)
            res["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] = {
                "start": self.day(started_days_ago), "end": self.day(stopped_days_ago)}
        return res

    # --- output -----------------------------------------------------------------------------
    def bundle(self) -> dict[str, Any]:
        entries: list[dict[str, Any]] = [
            {
                "fullUrl": f"urn:uuid:{self.new_uuid()}",
                "resource": self.patient,
                "request": {"method": "PUT", "url": f"Patient/{self.patient_id}"},
            }
        ]
        for res in self.resources:
            entries.append(
                {
                    "fullUrl": f"urn:uuid:{self.new_uuid()}",
                    "resource": res,
                    "request": {"method": "POST", "url": res["resourceType"]},
                }
            )
        return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def medication_request(
    subject: dict[str, str],
    codings: tuple[Code, ...],
    text: str,
    *,
    dose_mg: float,
    per_day: int,
    authored: str,
    status: str = "active",
    intent: str = "order",
    route_text: str | None = None,
    resource_id: str | None = None,
) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "text": text,
        "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": quantity(dose_mg, "mg")}],
    }
    if route_text:
        dosage["route"] = {"text": route_text}
    res: dict[str, Any] = {"resourceType": "MedicationRequest"}
    if resource_id:
        res["id"] = resource_id
    res.update(
        status=status,
        intent=intent,
        medicationCodeableConcept={"coding": [c.coding() for c in codings], "text": text},
        subject=subject,
        authoredOn=authored,
        dosageInstruction=[dosage],
    )
    return res
