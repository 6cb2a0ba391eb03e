"""Storage gone under the real service (gunicorn, 2 workers, auth ON, a SQLite file).

Before: with the database file deleted while running, feedback posts answered `{"stored": 1}` into the
unlinked inode, `/healthz` said ok, and after a restart on a fresh file a token used before was
accepted again. Now: 503 + OperationOutcome for every authenticated call, `/readyz` 503, `/healthz`
still 200 (the process lives), nothing recreated behind the operator's back, and after the restart a
token issued before the new store is refused.

Not simulated here (root ignores chmod; no tmpfs/loop device): a read-only or full disk. Both reach
SQLAlchemy as OperationalError, which `Storage._write` maps to the same StorageUnavailable (unit test
in tests/service/test_storage_faults.py).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from reliability_helpers import AS_OF, order_body, patient

from cds_service.errors import operation_outcome
from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.procs import free_port, server_process
from essdai_devtools.service_process import ServiceProcess, service_env, trusted_issuer

pytestmark = pytest.mark.integration
FEEDBACK = "/cds-services/jak-inhibitor-safety/feedback"
HOOK = "/cds-services/jak-inhibitor-safety"
UNAVAILABLE = operation_outcome(503)


def _feedback(card: str) -> str:
    return json.dumps({"feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-06-01T10:00:00Z",
                                     "overrideReason": {"userComment": "not now"}}]})


def _service(workdir: Path, key: EhrKey, database: Path, port: int | None = None) -> ServiceProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    issuer = trusted_issuer(DEFAULT_ISSUER, jwks_file=key.write_jwks(workdir / "jwks.json"))
    return ServiceProcess(workdir, trusted_issuers=[issuer], fhir_allowlist=[f"http://127.0.0.1:{free_port()}/fhir"],
                          assessment_date=AS_OF, workers=2, database_path=database, port=port)


def service_log(workdir: Path) -> str:
    return (workdir / "service.log").read_text(encoding="utf-8", errors="replace")


def test_database_deleted_while_running(tmp_path: Path) -> None:
    key = EhrKey.generate()
    database = tmp_path / "cds.sqlite"

    def headers(base_url: str, path: str, token: str | None = None) -> dict[str, str]:
        token = token or key.sign(issuer=DEFAULT_ISSUER, audience=base_url + path)
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    with _service(tmp_path / "first", key, database) as base_url:
        used = key.sign(issuer=DEFAULT_ISSUER, audience=base_url + FEEDBACK)
        resp = requests.post(base_url + FEEDBACK, data=_feedback("card-before"), headers=headers(base_url, FEEDBACK,
                             used), timeout=30)
        assert (resp.status_code, resp.json()) == (200, {"stored": 1, "duplicates": 0})
        assert requests.get(base_url + "/readyz", timeout=10).json() == {"status": "ready"}

        # both workers must have booted first: a worker booting after the deletion builds its app on a
        # fresh file (a known gap, README "Storage gone"); old tokens stay refused there (created_at is new).
        # A worker that booted before it but has not opened the store yet (it opens on first use) finds the
        # file gone or replaced when it does, and answers 503 too.
        deadline = time.monotonic() + 20
        while service_log(tmp_path / "first").count("Booting worker") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the second worker's app is built after its boot line
        database.unlink()

        lost = [str(uuid.uuid4()) for _ in range(3)]
        for card in lost:  # each worker gets a turn: none may acknowledge
            resp = requests.post(base_url + FEEDBACK, data=_feedback(card), headers=headers(base_url, FEEDBACK),
                                 timeout=30)
            assert (resp.status_code, resp.json(), resp.headers["Retry-After"]) == (503, UNAVAILABLE, "5")
        body = order_body("order-sign", prefetch={"patient": patient()}, server=None)
        resp = requests.post(base_url + HOOK, data=json.dumps(body), headers=headers(base_url, HOOK), timeout=30)
        assert (resp.status_code, resp.json()) == (503, UNAVAILABLE)  # a jti it cannot record is not accepted
        for _ in range(4):
            resp = requests.get(base_url + "/readyz", timeout=10)
            assert (resp.status_code, resp.json()) == (503, UNAVAILABLE)
        resp = requests.get(base_url + "/healthz", timeout=10)
        assert (resp.status_code, resp.json()) == (200, {"status": "ok"})
        assert not database.exists()  # not recreated behind the operator's back

    port = int(base_url.rsplit(":", 1)[1])
    with _service(tmp_path / "second", key, database, port=port) as again:  # same URL: same JWT audience
        # the token used before the loss, sent again: the new store cannot know it was seen, and
        # refuses every token issued before it began
        resp = requests.post(again + FEEDBACK, data=_feedback("card-replay"), headers=headers(again, FEEDBACK, used),
                             timeout=30)
        assert (resp.status_code, resp.json()) == (401, {"error": "unauthorized"})
        resp = requests.post(again + FEEDBACK, data=_feedback("card-after"), headers=headers(again, FEEDBACK),
                             timeout=30)
        assert (resp.status_code, resp.json()) == (200, {"stored": 1, "duplicates": 0})
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT card FROM cds_feedback ORDER BY id").fetchall() == [("card-after",)]


def test_the_first_call_of_a_fresh_deployment_is_accepted(tmp_path: Path) -> None:
    """gunicorn serving `essdai_cds.wsgi:app` itself (no `serve` opening the store first): the store opens on
    the first call. A token signed a second before that call, after the worker was up, is accepted; the
    list used to begin at the open and this call got 401 whenever a second boundary fell in between."""
    key = EhrKey.generate()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    database = tmp_path / "cds.sqlite"
    env = service_env(public_base_url=base_url,
                      trusted_issuers=[trusted_issuer(DEFAULT_ISSUER, jwks_file=key.write_jwks(tmp_path / "jwks.json"))],
                      fhir_allowlist=[f"http://127.0.0.1:{free_port()}/fhir"], database_path=database,
                      assessment_date=AS_OF)
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "essdai_cds.wsgi:app"]
    with server_process(cmd, f"{base_url}/healthz", tmp_path / "service.log", 30, env=env, cwd=tmp_path):
        assert not database.exists()  # nothing opened it yet
        time.sleep(1.1)  # the worker answered /healthz: it was built at least a second ago
        now = int(time.time())
        token = key.sign(issuer=DEFAULT_ISSUER, audience=base_url + "/cds-services", extra={"iat": now - 1})
        resp = requests.get(base_url + "/cds-services", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert resp.status_code == 200
        old = key.sign(issuer=DEFAULT_ISSUER, audience=base_url + "/cds-services",
                       extra={"iat": now - 120, "exp": now + 60})
        resp = requests.get(base_url + "/cds-services", headers={"Authorization": f"Bearer {old}"}, timeout=30)
        assert (resp.status_code, resp.json()) == (401, {"error": "unauthorized"})  # issued before the process
    rejected = [line.split("reason=")[1].split()[0] for line in (tmp_path / "service.log").read_text().splitlines()
                if "jwt rejected" in line]
    assert rejected == ["jti-replayed"]  # the old token, by the list's start (not its lifetime or the clock)
