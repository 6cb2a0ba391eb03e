"""FHIR R4 JSON -> clinical facts (fhir_mappings.facts). Code tables, unit conversion, status and
recency filters live here; no scoring does.

    resources = read_input("bundle.json")               # Bundle / NDJSON / resource / array
    facts = extract(resources, as_of=date.today(), patient_id="123")
    orders, problems = draft_orders(context["draftOrders"])

`extract` works on plain dicts and decides relevance from `code.coding[*].system|code` before
anything else: irrelevant resources cost one dict lookup and are never reported. What is relevant
but unusable (status, unit, value, verification) is listed in `PatientFacts.skipped`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from fhir_mappings.allergies import read_allergies
from fhir_mappings.bundles import InputError, parse_input, patients_in, read_input, resources_from
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from fhir_mappings.conditions import is_relevant as _condition_relevant
from fhir_mappings.conditions import read_condition
from fhir_mappings.facts import PatientFacts, Skipped, Windows
from fhir_mappings.immunizations import read_immunizations
from fhir_mappings.medications import draft_orders, read_medication, unidentified
from fhir_mappings.observations import ObservationReader, match_observation
from fhir_mappings.primitives import local_reference, parse_date

__all__ = [
    "InputError", "draft_orders", "extract", "parse_input", "patients_in", "read_input", "resources_from",
    "unidentified",
]

_MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement")


def extract(resources: Iterable[Mapping[str, Any]], *, as_of: date, patient_id: str | None = None,
            windows: Windows = Windows(), codesystem: str = DEFAULT_SYSTEM, validate: bool = False,
            medications: Iterable[Mapping[str, Any]] = (), fhir_base: str | None = None) -> PatientFacts:
    """Everything scoring and safety need about one patient, from FHIR JSON resources.

    - `patient_id`: required when the input holds several patients (else `InputError`); resources
      that name another patient are left out; resources without any subject/patient reference are
      kept (prefetch queries are patient-scoped).
    - `medications`: Medication resources fetched separately (e.g. by cds_service from the server)
      for `medicationReference`; Medications inside `resources` and contained ones are used too.
    - `fhir_base`: the FHIR server the resources came from (the edge knows it: the request's
      fhirServer, the SMART iss). An absolute `medicationReference` resolves only under it; one on
      another host, or any absolute one without a base, is unidentified (Skipped).
    - `validate`: also check every resource that is used against the fhir.resources R4B model;
      one that fails is reported as Skipped and not used (off by default: see
      `fhir_mappings.validation` for its cost).
    """
    resources = resources if isinstance(resources, list) else list(resources)
    if patient_id is None:
        found = patients_in(resources)
        if len(found) != 1:
            if not found:
                raise InputError("no patient in the input: pass patient_id")
            raise InputError(f"{len(found)} patients in the input ({', '.join(found[:5])}): pass patient_id")
        patient_id = found[0]
    target = f"Patient/{patient_id}"

    observations: list[tuple[Mapping[str, Any], Any, str]] = []
    conditions: list[Mapping[str, Any]] = []
    med_orders: list[Mapping[str, Any]] = []
    med_index: dict[str, Mapping[str, Any]] = {}
    reports: dict[str, str] = {}
    patient: Mapping[str, Any] | None = None
    allergy_res: list[Mapping[str, Any]] = []
    immunization_res: list[Mapping[str, Any]] = []
    seen: set[str] = set()

    def mine(res: Mapping[str, Any]) -> bool:
        subject = res.get("subject") or res.get("patient")
        if subject is None:
            return True
        if not isinstance(subject, dict):
            return False
        ref = subject.get("reference")
        return ref is None or ref == target or local_reference(ref) == target

    def first_time(res: Mapping[str, Any]) -> bool:
        rid = res.get("id")
        if rid is None:
            return True
        key = f"{res.get('resourceType')}/{rid}"
        if key in seen:
            return False
        seen.add(key)
        return True

    for res in resources:
        if res.__class__ is not dict:
            continue
        rtype = res.get("resourceType")
        if rtype == "Observation":
            match = match_observation(res, codesystem)
            if match is not None and mine(res) and first_time(res):
                observations.append((res, match, f"Observation/{res.get('id', '?')}"))  # as reference_of()
        elif rtype == "Condition":
            if _condition_relevant(res) and mine(res) and first_time(res):
                conditions.append(res)
        elif rtype in _MEDICATION_TYPES:
            if mine(res) and first_time(res):
                med_orders.append(res)
        elif rtype == "Medication":
            if res.get("id"):
                med_index[f"Medication/{res['id']}"] = res
        elif rtype == "DiagnosticReport":
            if mine(res):
                report = f"DiagnosticReport/{res.get('id')}"
                results = res.get("result")
                for result in results if isinstance(results, list) else ():
                    ref = local_reference(result.get("reference")) if isinstance(result, dict) else None
                    if ref:
                        reports.setdefault(ref, report)
        elif rtype == "Patient" and res.get("id") == patient_id:
            patient = res
        elif rtype in ("AllergyIntolerance", "Immunization"):
            if mine(res) and first_time(res):
                (allergy_res if rtype == "AllergyIntolerance" else immunization_res).append(res)
    for med in medications:
        if isinstance(med, dict) and med.get("id"):
            med_index.setdefault(f"Medication/{med['id']}", med)

    skipped: list[Skipped] = []
    check = _validator(validate, skipped)

    reader = ObservationReader(reports)
    for obs, match, ref in observations:
        if check(obs):
            reader.add(obs, match, ref)
    measurements, findings, obs_skipped = reader.finish()
    skipped.extend(obs_skipped)

    condition_facts = []
    for cond in conditions:
        if check(cond):
            got, dropped = read_condition(cond, as_of=as_of)
            condition_facts.extend(got)
            skipped.extend(dropped)

    medication_facts = []
    for order in med_orders:
        if check(order):
            got, dropped = read_medication(order, medications=med_index, fhir_base=fhir_base, as_of=as_of)
            medication_facts.extend(got)
            skipped.extend(dropped)

    birth_date = gender = None
    if patient is not None and check(patient):
        raw = patient.get("birthDate")
        birth_date = parse_date(raw)
        if raw is not None and birth_date is None:
            skipped.append(Skipped(target, f"birthDate {raw!r} is not a full date"))
        gender = patient.get("gender") if isinstance(patient.get("gender"), str) else None

    measurements.sort(key=lambda m: m.date, reverse=True)
    findings.sort(key=lambda f: f.date, reverse=True)
    allergy_facts, allergy_skipped = read_allergies(allergy_res, check)
    immunization_facts, immunization_skipped, immunization_records = read_immunizations(immunization_res, check)
    skipped.extend(allergy_skipped + immunization_skipped)
    return PatientFacts(
        patient_id=patient_id, as_of=as_of, birth_date=birth_date, gender=gender,
        measurements=tuple(measurements), conditions=tuple(condition_facts), medications=tuple(medication_facts),
        findings=tuple(findings), allergies=tuple(allergy_facts), immunizations=tuple(immunization_facts),
        immunization_records=immunization_records, skipped=tuple(skipped), windows=windows,
    )


def _validator(enabled: bool, skipped: list[Skipped]):  # type: ignore[no-untyped-def]
    if not enabled:
        return lambda res: True
    from fhir_mappings.validation import validation_error

    def check(res: Mapping[str, Any]) -> bool:
        error = validation_error(res)
        if error is None:
            return True
        skipped.append(Skipped(f"{res.get('resourceType')}/{res.get('id', '?')}", f"invalid FHIR R4B: {error}"))
        return False

    return check
