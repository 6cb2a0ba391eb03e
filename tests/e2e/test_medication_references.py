"""Medication references on the FHIR server, through the real service (gunicorn) against sekmet-fhir.

Issue 11 item 2: "relative and absolute references on the same FHIR server" resolve. A MedicationRequest
whose `medicationReference` is "Medication/<id>" (or the same Medication by its absolute URL on the
allowlisted server) and that is neither contained nor in the prefetch / draft-orders Bundle is read from
the server by the edge (fhir_access.gather) and recognised: on patient-view (the stored order of a patient
on baricitinib: the monitoring card) and on order-sign (the draft order: the findings of the
ingredient-coded order). A Medication on another host is never fetched: the order-sign card says the
drug could not be identified instead of going quiet.

The patients of the patient-view test are loaded under ids of their own (h11-*), so the cohort's expected
results are untouched; the Medications have no patient and are PUT under ids of their own.
"""

from __future__ import annotations

import copy
import random
import re
from datetime import date
from typing import Any

import pytest

from essdai_devtools.card_reading import empty_members, safety_findings
from essdai_devtools.fhir_builders import Record
from essdai_devtools.fhir_server import load_bundle
from essdai_devtools.order_variants import ORDERS, variant_bundle
from essdai_devtools.synth_cases import core_cases

pytestmark = pytest.mark.integration

ON_BARICITINIB = next(c for c in core_cases(large_size=10) if c.pid == "on-baricitinib")
FOREIGN = "https://fhir.other-hospital.example/fhir"  # not in FHIR_ALLOWLIST: never fetched
UNIDENTIFIED = "Could not complete JAK-inhibitor safety check (drug not identified)."


def _medication_id(drug: str) -> str:
    return f"h11-med-{drug}"


@pytest.fixture(scope="module")
def medications(fhir_server) -> dict[str, str]:
    """drug -> "Medication/<id>" on the server, coded by the ingredient code of the variant table."""
    entries = []
    for drug, order in ORDERS.items():
        system, code, display = order.ingredient
        entries.append({"resource": {"resourceType": "Medication", "id": _medication_id(drug),
                                     "code": {"coding": [{"system": system, "code": code, "display": display}]}},
                        "request": {"method": "PUT", "url": f"Medication/{_medication_id(drug)}"}})
    load_bundle(fhir_server.base_url, {"resourceType": "Bundle", "type": "transaction", "entry": entries},
                token=fhir_server.token)
    return {drug: f"Medication/{_medication_id(drug)}" for drug in ORDERS}


def _by_reference(bundle: dict[str, Any], reference: str) -> dict[str, Any]:
    """The draft order of `bundle` naming its drug by `reference` instead of a CodeableConcept."""
    out = copy.deepcopy(bundle)
    [entry] = out["entry"]
    order = entry["resource"]
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": reference}
    return out


def _signature(response: dict) -> dict[str, list[tuple]]:
    return {rule: sorted((f.get("indicator"), f.get("status"), f.get("case")) for f in found)
            for rule, found in safety_findings(response).items()}


def _summaries(response: dict) -> list[str]:
    return sorted(c["summary"] for c in response.get("cards", []))


# --- order-sign -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signed(ehr, cohort, medications, fhir_server) -> dict[tuple[str, str], dict]:
    today = cohort.expected["today"]
    out = {}
    for drug in ORDERS:
        coded = variant_bundle("jak-clean", drug, "ingredient", today)
        out[(drug, "ingredient")] = ehr.order_sign("jak-clean", coded)
        for kind, reference in (("relative", medications[drug]),
                                ("absolute", f"{fhir_server.base_url.rstrip('/')}/{medications[drug]}")):
            out[(drug, kind)] = ehr.order_sign("jak-clean", _by_reference(coded, reference))
    return out


@pytest.mark.parametrize("kind", ["relative", "absolute"])
@pytest.mark.parametrize("drug", list(ORDERS))
def test_a_draft_naming_a_server_medication_gets_the_findings_of_the_coded_order(signed, drug: str,
                                                                                 kind: str) -> None:
    reference, got = signed[(drug, "ingredient")], signed[(drug, kind)]
    assert reference["cards"], f"{drug}: the ingredient-coded order got no card"
    assert empty_members(got) == []
    assert _signature(got) == _signature(reference)
    assert _summaries(got) == _summaries(reference)
    assert UNIDENTIFIED not in _summaries(got)


def test_a_medication_on_another_host_is_not_fetched_and_the_card_says_the_drug_is_unknown(ehr, cohort,
                                                                                          medications) -> None:
    bundle = _by_reference(variant_bundle("jak-clean", "baricitinib", "ingredient", cohort.expected["today"]),
                           f"{FOREIGN}/{medications['baricitinib']}")  # the same id, on a host not allowlisted
    got = ehr.order_sign("jak-clean", bundle)
    assert [(c["summary"], c["indicator"]) for c in got["cards"]] == [(UNIDENTIFIED, "warning")]
    assert "the drug of 1 draft order could not be identified" in got["cards"][0]["detail"]
    assert safety_findings(got) == {}


# --- patient-view -----------------------------------------------------------------------------------

def _load_patient(fhir_server, assessment_date: date, patient_id: str, reference: str | None) -> None:
    """The on-baricitinib case under `patient_id`; with `reference`, its order names the drug by it."""
    record = Record(patient_id, assessment_date, random.Random(f"h11:{patient_id}"))
    record.set_patient(gender=ON_BARICITINIB.gender, age=ON_BARICITINIB.age, family="Moreau", given="Claire")
    ON_BARICITINIB.build(record)
    [order] = [r for r in record.resources if r["resourceType"] == "MedicationRequest"]
    if reference is not None:
        del order["medicationCodeableConcept"]
        order["medicationReference"] = {"reference": reference}
    load_bundle(fhir_server.base_url, record.bundle(), token=fhir_server.token)


def _view_with_absolute_prefetch(ehr, pid: str, absolute: str) -> dict:
    """patient-view as an EHR that writes the reference absolute in the prefetch it sends. (sekmet stores
    an absolute reference to its own base as a relative one, so the absolute form reaches the service
    through the prefetch, not through the server's copy.)"""
    cards: list[dict] = []
    for service in ehr.services_for("patient-view"):
        body = ehr.request_body(service, ehr.context(pid), "full")
        for entry in (body.get("prefetch", {}).get("medicationRequests") or {}).get("entry", []):
            entry["resource"]["medicationReference"]["reference"] = absolute
        resp = ehr.post_hook(service["id"], body)
        assert resp.status_code == 200, resp.text
        cards += resp.json().get("cards", [])
    return {"cards": cards}


@pytest.fixture(scope="module")
def viewed(ehr, fhir_server, medications, assessment_date: date) -> dict[tuple[str, str], dict]:
    _load_patient(fhir_server, assessment_date, "h11-ref-coded", None)
    _load_patient(fhir_server, assessment_date, "h11-ref-relative", medications["baricitinib"])
    out = {(kind, mode): ehr.patient_view(f"h11-ref-{kind}", mode) for kind in ("coded", "relative")
           for mode in ("full", "none")}
    absolute = f"{fhir_server.base_url.rstrip('/')}/{medications['baricitinib']}"
    out[("absolute", "full")] = _view_with_absolute_prefetch(ehr, "h11-ref-relative", absolute)
    return out


@pytest.mark.parametrize(("kind", "mode"), [("relative", "full"), ("relative", "none"), ("absolute", "full")])
def test_a_stored_order_naming_a_server_medication_gets_the_monitoring_card(viewed, kind: str, mode: str) -> None:
    coded, got = viewed[("coded", mode)], viewed[(kind, mode)]
    assert "On baricitinib, lipid panel is due." in _summaries(coded)  # the case's R26 (on-baricitinib, 14 weeks)
    assert empty_members(got) == []
    assert _summaries(got) == _summaries(coded)
    assert _signature(got) == _signature(coded)


# --- patient-view: a Medication on another host ------------------------------------------------------------------

NOT_CHECKED = re.compile(r"\*\*Not checked:\*\*\n\n- The drug of 1 current medication "
                         r"\(an order (?:of \d{1,2} [A-Z][a-z]{2} \d{4}|\(undated\))\) "
                         r"could not be identified: its medication was not found in the record, not read from the "
                         r"FHIR server \(another server is never asked\), or not in a readable form\. This list does "
                         r"not take "
                         r"it into account: if it is a JAK inhibitor, the on-treatment monitoring applies instead; if "
                         r"it is a co-medication, its contraindications and interactions were not checked\.")


@pytest.fixture(scope="module")
def foreign_patient(fhir_server, medications, assessment_date: date) -> str:
    """Loaded once: each load POSTs the order again."""
    _load_patient(fhir_server, assessment_date, "h11-ref-foreign", f"{FOREIGN}/{medications['baricitinib']}")
    return "h11-ref-foreign"


@pytest.mark.parametrize("mode", ["full", "none"])
def test_a_stored_order_naming_a_medication_on_another_host_is_said_on_the_readiness_card(
        ehr, foreign_patient: str, mode: str) -> None:
    """The same Medication id as ours, on a host not allowlisted: never fetched, never read as our
    baricitinib. The patient is not known to be on a JAK inhibitor, so the "before starting" card is
    shown, and it says that a current order's drug could not be identified (issue 11: never silent)."""
    got = ehr.patient_view(foreign_patient, mode)
    assert empty_members(got) == []
    summaries = _summaries(got)
    assert "On baricitinib, lipid panel is due." not in summaries
    [readiness] = [c for c in got["cards"] if c["summary"].startswith("Before starting a JAK inhibitor")]
    assert len(NOT_CHECKED.findall(readiness["detail"])) == 1
    assert sum("could not be identified" in c["detail"] for c in got["cards"]) == 1  # said once, on that card
