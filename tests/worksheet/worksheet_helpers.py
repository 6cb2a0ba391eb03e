"""Helpers shared by the worksheet tests (a module of its own: test modules import it, never conftest)."""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

import fhir_mappings
from essdai_devtools.ehr_client import EhrKey
from essdai_devtools.fhir_builders import Record
from essdai_devtools.synth_cases import core_cases
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM


SEED = 11

_CASES = {c.pid: c for c in core_cases(large_size=10)}


def case_bundle(case_pid: str, patient_id: str, today: date) -> dict[str, Any]:
    """The synthetic cohort's case `case_pid`, written for the patient id `patient_id`."""
    case = _CASES[case_pid]
    record = Record(patient_id, today, random.Random(f"{SEED}:{case_pid}"))
    record.set_patient(gender=case.gender, age=case.age, family="Okafor", given="Amara")
    case.build(record)
    return record.bundle()


@dataclass(frozen=True)
class LiveWorksheet:
    base_url: str
    log_path: Path
    ehr: Any  # smart_ehr.EhrStandIn
    ehr_key: EhrKey


def open_worksheet(client: Any, fhir: str, patient: str) -> str:
    resp = client.get(f"/worksheet/open?iss={quote(fhir)}&patient={patient}")
    assert resp.status_code == 303 and resp.headers["Location"] == "/worksheet/"
    page = client.get("/worksheet/")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return page.get_data(as_text=True)


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def form_of(page: str, **fields: str | list[str]) -> dict[str, Any]:
    return {"csrf": hidden(page, "csrf"), "patient": hidden(page, "patient"), "chart": hidden(page, "chart"), **fields}


def fhir_observations(fhir: str, patient: str) -> list[dict[str, Any]]:
    resp = requests.get(f"{fhir}/Observation", params={"patient": patient, "code": f"{DEFAULT_SYSTEM}|",
                                                        "_count": 200}, timeout=10)
    resp.raise_for_status()
    return [e["resource"] for e in resp.json().get("entry", [])]


def chart_facts(fhir: str, patient: str, today: date) -> Any:
    resources = []
    for query in (f"Patient/{patient}", f"Condition?patient={patient}&_count=200",
                  f"Observation?patient={patient}&_count=1000"):
        body = requests.get(f"{fhir}/{query}", timeout=10).json()
        resources += [e["resource"] for e in body["entry"]] if body["resourceType"] == "Bundle" else [body]
    return fhir_mappings.extract(resources, as_of=today, patient_id=patient)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


