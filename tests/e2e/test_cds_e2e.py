"""End to end: sekmet-fhir and the service under gunicorn as real processes, the cohort loaded over
HTTP, and the EHR-like client calling every hook in every prefetch mode.

The service's answers are read from the cards' `extension["essdai-cds"]` and compared with the
generator's expected.json (absent member == null).
"""

from __future__ import annotations

import re
import sqlite3
import uuid

import pytest
import requests

from essdai_devtools.card_reading import (
    empty_members,
    essdai_cards,
    essdai_summary,
    expected_summary,
    safety_findings,
)
from essdai_devtools.cohort_codes import PROBENECID_ATC
from essdai_devtools.ehr_client import MODES, EhrKey
from essdai_devtools.fhir_builders import medication_request
from essdai_devtools.orders import draft_orders_bundle
from essdai_devtools.synth import select_cases

pytestmark = pytest.mark.integration

PATIENTS = [c.pid for c in select_cases(None, 10_000)]  # the designed cohort (tests/e2e/conftest.py loads it)
JAK_PATIENTS = [p for p in PATIENTS if p.startswith(("jak-", "on-"))]
ON_JAK = [p for p in PATIENTS if p.startswith("on-")]
ALLOWED_TOKENS = re.compile(r"^(context\.(patientId|userId|encounterId)|userPractitionerId|userPractitionerRoleId"
                            r"|userPatientId|userRelatedPersonId)$")


def _summaries(response: dict) -> list[str]:
    return [f"[{c.get('indicator')}] {c.get('summary')}" for c in response.get("cards", [])]


# --- discovery and authentication ---------------------------------------------------------------

def test_discovery_lists_the_three_hooks_with_2_0_prefetch_tokens(ehr) -> None:
    services = ehr.discovery(refresh=True)["services"]
    assert {s["hook"] for s in services} == {"patient-view", "order-select", "order-sign"}
    for service in services:
        assert service["id"] and service["description"]
        for template in (service.get("prefetch") or {}).values():
            for token in re.findall(r"\{\{\s*([^}]+?)\s*\}\}", template):
                assert ALLOWED_TOKENS.match(token), (service["id"], template)


def test_unsigned_and_misdirected_requests_get_401(cds_service, ehr_key: EhrKey) -> None:
    url = f"{cds_service.base_url}/cds-services"
    assert requests.get(url, timeout=10).status_code == 401
    wrong_aud = ehr_key.sign(issuer=cds_service.issuer, audience=f"{url}/essdai-activity")
    assert requests.get(url, headers={"Authorization": f"Bearer {wrong_aud}"}, timeout=10).status_code == 401
    stranger = EhrKey.generate().sign(issuer=cds_service.issuer, audience=url)
    assert requests.get(url, headers={"Authorization": f"Bearer {stranger}"}, timeout=10).status_code == 401


def test_a_replayed_jwt_is_refused(cds_service, ehr_key: EhrKey) -> None:
    url = f"{cds_service.base_url}/cds-services"
    headers = {"Authorization": f"Bearer {ehr_key.sign(issuer=cds_service.issuer, audience=url)}"}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    assert requests.get(url, headers=headers, timeout=10).status_code == 401


# --- patient-view: every patient, every prefetch mode -------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pid", PATIENTS)
def test_patient_view_matches_expected(results, cohort, pid: str, mode: str) -> None:
    expected = cohort.patient(pid)
    response = results.get("patient-view", mode, pid)
    assert empty_members(response) == []
    if expected["quiet"]:
        assert response == {"cards": []}
        return
    found = essdai_cards(response)
    assert len(found) == 1, f"expected one ESSDAI card, got: {_summaries(response)}"
    ext = found[0]["extension"]["essdai-cds"]
    assert essdai_summary(ext) == expected_summary(expected)
    assert ext["patient"] == f"Patient/{pid}"
    assert ext["assessedAt"] == cohort.expected["assessment_date"]


@pytest.mark.parametrize("pid", ON_JAK)
def test_monitoring_on_baricitinib(results, cohort, pid: str) -> None:
    expected = cohort.patient(pid)["monitoring"]
    response = results.get("patient-view", "full", pid)
    findings = safety_findings(response)
    for rule, indicator in expected["rules"].items():
        assert rule in findings, f"{rule} missing; got {sorted(findings)}: {_summaries(response)}"
        assert indicator in {f["indicator"] for f in findings[rule]}
    assert sorted(set(expected["absent"]) & set(findings)) == []


# --- order-select / order-sign: the JAK safety cases ---------------------------------------------------

@pytest.mark.parametrize(("hook", "mode"), [("order-select", "full"), ("order-sign", "full"), ("order-sign", "none")])
@pytest.mark.parametrize("pid", JAK_PATIENTS)
def test_baricitinib_order_findings(results, cohort, pid: str, hook: str, mode: str) -> None:
    expected = cohort.patient(pid)["safety"]
    response = results.get(hook, mode, pid)
    assert empty_members(response) == []
    findings = safety_findings(response)
    for rule, indicator in expected["rules"].items():
        assert rule in findings, f"{rule} missing; got {sorted(findings)}: {_summaries(response)}"
        got = {f["indicator"] for f in findings[rule]}
        assert indicator in got, f"{rule}: indicator {indicator} expected, got {got}"
    raised = sorted(set(expected["absent"]) & set(findings))
    assert raised == [], f"raised without a trigger: {raised}"


def test_a_non_jak_order_gets_no_cards(ehr, cohort) -> None:
    draft = medication_request({"reference": "Patient/jak-clean"}, (PROBENECID_ATC,), "probenecid 500 mg tablet",
                               dose_mg=500, per_day=2, authored=cohort.expected["today"], status="draft",
                               resource_id="draft-probenecid")
    assert ehr.order_sign("jak-clean", draft_orders_bundle(draft)) == {"cards": []}


# --- feedback lands in the database ------------------------------------------------------------------

def _rows_mentioning(db_path, text: str) -> list[tuple]:
    with sqlite3.connect(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = []
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 (names from sqlite_master)
                if any(isinstance(v, str) and text in v for v in row):
                    rows.append((table, *row))
        return rows


def test_feedback_round_trip(ehr, cds_service, cohort) -> None:
    response = ehr.patient_view("sjd-rated-5", "full")
    card = essdai_cards(response)[0]
    service_id = next(iter(ehr.last_responses))
    reason = {"system": "http://essdai-cds.org/fhir/CodeSystem/override", "code": "devtools-e2e",
              "display": "end-to-end test"}
    comment = f"e2e {uuid.uuid4()}"
    first = ehr.feedback(service_id, card["uuid"], "overridden", override_reason=reason, comment=comment)
    assert first.status_code == 200, first.text
    rows = _rows_mentioning(cds_service.database_path, card["uuid"])
    assert len(rows) == 1, rows
    assert comment in rows[0] and "overridden" in rows[0] and service_id in rows[0]
    again = ehr.feedback(service_id, card["uuid"], "overridden", override_reason=reason, comment=comment)
    assert again.status_code == 200
    assert len(_rows_mentioning(cds_service.database_path, card["uuid"])) == 1  # idempotent
