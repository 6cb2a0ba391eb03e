"""Helpers of the deployment tests: the running deployment's handle, request bodies, database reads."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from sqlalchemy import create_engine, func, select

from storage import feedback_table
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.deployment import Deployment
from essdai_devtools.postgres import PostgresCluster
from essdai_devtools.service_process import ServiceProcess

VIEW = "essdai-activity"
EMPTY = {"resourceType": "Bundle", "type": "searchset", "total": 0}
PREFETCH_KEYS = ("conditions", "observations", "essdaiFindings", "medicationRequests", "medicationStatements")


@dataclass
class Live:
    """The running deployment and the EHR key its instances trust."""

    deployment: Deployment
    key: EhrKey

    @property
    def base_url(self) -> str:
        return self.deployment.base_url

    @property
    def instances(self) -> list[ServiceProcess]:
        return self.deployment.instances

    @property
    def postgres(self) -> PostgresCluster:
        return self.deployment.postgres

    @property
    def database_url(self) -> str:
        return self.deployment.database_url

    def instance_url(self, i: int) -> str:
        return self.instances[i].base_url

    def token(self, path: str) -> str:
        return self.key.sign(issuer=DEFAULT_ISSUER, audience=f"{self.base_url}{path}")

    def post(self, path: str, body: dict[str, Any], *, via: str | None = None, token: str | None = None,
             timeout: float = 10) -> requests.Response:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token or self.token(path)}"}
        return requests.post(f"{via or self.base_url}{path}", data=json.dumps(body), headers=headers, timeout=timeout)

    def feedback_count(self, card: str | None = None) -> int:
        engine = create_engine(self.database_url)
        try:
            query = select(func.count()).select_from(feedback_table)
            if card is not None:
                query = query.where(feedback_table.c.card == card)
            with engine.connect() as conn:
                return int(conn.execute(query).scalar_one())
        finally:
            engine.dispose()

    def stored_cards(self) -> set[str]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return {row[0] for row in conn.execute(select(feedback_table.c.card))}
        finally:
            engine.dispose()


def patient_view(pid: str = "deploy-1") -> dict[str, Any]:
    """A complete patient-view request (full prefetch, nothing to fetch from a FHIR server)."""
    prefetch: dict[str, Any] = {"patient": {"resourceType": "Patient", "id": pid, "gender": "female",
                                            "birthDate": "1970-01-01"}}
    prefetch.update({key: dict(EMPTY) for key in PREFETCH_KEYS})
    return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/deploy", "patientId": pid}, "prefetch": prefetch}


def feedback(card: str) -> dict[str, Any]:
    return {"feedback": [{"card": card, "outcome": "overridden",
                          "outcomeTimestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}]}
