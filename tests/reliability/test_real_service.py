"""The service as it runs in production: gunicorn (2 workers) on 127.0.0.1, auth ON, a SQLite file.

- concurrent feedback posts for the same card from many clients store exactly one row;
- a chunked (no Content-Length) body over MAX_REQUEST_BYTES is refused with 413, one at the limit is read;
- after hook calls with a FHIR access token, refused JWTs and feedback, neither the service log (at
  DEBUG) nor the database holds a JWT, the access token or the patient's identifiers.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from reliability_helpers import (
    AS_OF,
    FHIR_TOKEN,
    PHI_MARKERS,
    leaks,
    order_body,
    patient,
    sqlite_dump,
    start_service,
    view_body,
)

from essdai_devtools.ehr_client import DEFAULT_ISSUER, EhrKey
from essdai_devtools.procs import free_port
from essdai_devtools.service_process import ServiceProcess, trusted_issuer

pytestmark = pytest.mark.integration
LIMIT = 200_000


@dataclass
class Live:
    base_url: str
    key: EhrKey
    log_path: Path
    database: Path
    fhir_base: str
    sent: list[str]

    def headers(self, path: str) -> dict[str, str]:
        token = self.key.sign(issuer=DEFAULT_ISSUER, audience=self.base_url + path)
        self.sent.append(token)
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    key = EhrKey.generate()
    fhir_base = f"http://127.0.0.1:{free_port()}/fhir"  # allowlisted, nothing listens: fetches fail fast
    def make() -> ServiceProcess:
        workdir = tmp_path_factory.mktemp("real-service")
        issuer = trusted_issuer(DEFAULT_ISSUER, jwks_file=key.write_jwks(workdir / "jwks.json"))
        return ServiceProcess(workdir, trusted_issuers=[issuer], fhir_allowlist=[fhir_base], assessment_date=AS_OF,
                              workers=2, extra_env={"ESSDAI_CDS_LOG_LEVEL": "DEBUG",
                                                    "ESSDAI_CDS_MAX_REQUEST_BYTES": str(LIMIT)})

    with contextlib.ExitStack() as stack:
        service = start_service(stack, make)
        yield Live(service.base_url, key, service.log_path, service.database_path, fhir_base, [])


def test_concurrent_feedback_for_one_card_is_stored_once(live):
    path = "/cds-services/jak-inhibitor-safety/feedback"
    card = str(uuid.uuid4())
    item = {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-06-01T10:00:00Z",
            "overrideReason": {"reason": {"system": "https://essdai-cds.example/override", "code": "x",
                                          "display": "X"}}}
    clients = 16
    barrier = threading.Barrier(clients)
    answers: list[tuple[int, dict]] = []
    headers = [live.headers(path) for _ in range(clients)]

    def post(i: int) -> None:
        barrier.wait()
        resp = requests.post(live.base_url + path, data=json.dumps({"feedback": [item]}), headers=headers[i],
                             timeout=30)
        answers.append((resp.status_code, resp.json()))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _ in answers) == [200] * clients
    assert sum(a["stored"] for _, a in answers) == 1
    assert sum(a["duplicates"] for _, a in answers) == clients - 1
    with sqlite3.connect(live.database) as db:
        assert db.execute("SELECT count(*) FROM cds_feedback WHERE card = ?", (card,)).fetchone() == (1,)


@pytest.mark.parametrize(("size", "status"), [
    pytest.param(LIMIT, 400, id="at-limit-read-and-parsed"),
    pytest.param(LIMIT + 1, 413, id="one-over-refused"),
    pytest.param(50 * LIMIT, 413, id="far-over-refused"),
])
def test_chunked_body_limit(live, size, status):
    """Regression: a chunked body over the limit was cut at the limit and answered 400 (malformed JSON)."""
    path = "/cds-services/essdai-activity"

    def chunks() -> Iterator[bytes]:  # no Content-Length: requests sends Transfer-Encoding: chunked
        head = b'{"hook": "patient-view", "pad": "'
        yield head
        left = size - len(head)
        while left > 0:
            piece = min(left, 10_000)
            yield b"x" * piece
            left -= piece

    resp = requests.post(live.base_url + path, data=chunks(), headers=live.headers(path), timeout=30)
    assert resp.status_code == status
    code = {400: "invalid", 413: "too-costly"}[status]
    assert resp.json()["issue"][0]["code"] == code


def test_small_chunked_request_is_served(live):
    path = "/cds-services/essdai-activity"
    body = view_body(prefetch={"patient": patient()}, server=None)
    resp = requests.post(live.base_url + path, data=iter([json.dumps(body).encode()]), headers=live.headers(path),
                         timeout=30)
    assert resp.status_code == 200, resp.text


def test_no_jwt_token_or_phi_in_the_service_log_or_database(live):
    path = "/cds-services/jak-inhibitor-safety"
    body = order_body("order-sign", prefetch={"patient": patient()}, server=live.fhir_base)
    ok = requests.post(live.base_url + path, data=json.dumps(body), headers=live.headers(path), timeout=30)
    replayed = requests.post(live.base_url + path, data=json.dumps(body),
                             headers={"Authorization": f"Bearer {live.sent[-1]}"}, timeout=30)
    assert (ok.status_code, replayed.status_code) == (200, 401)
    assert ok.json()["cards"][0]["summary"].startswith("Could not complete JAK-inhibitor safety check")
    card = ok.json()["cards"][0]["uuid"]
    fb = "/cds-services/jak-inhibitor-safety/feedback"
    stored = requests.post(live.base_url + fb, headers=live.headers(fb), timeout=30, data=json.dumps(
        {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-06-01T10:00:00+02:00"}))
    assert stored.status_code == 200
    log = live.log_path.read_text(encoding="utf-8", errors="replace")
    assert '"status":401' in log and "fhirCalls" in log  # the log is there and at DEBUG/INFO
    secrets = [FHIR_TOKEN, *live.sent, *(t.rsplit(".", 1)[1] for t in live.sent)]
    assert leaks(log, secrets + list(PHI_MARKERS)) == []
    assert leaks(sqlite_dump(live.database), secrets + list(PHI_MARKERS)) == []
