"""Shared constants and builders for the reliability tests: requests to the two real services, the
cards they must answer with, and scans of logs and databases for secrets and PHI.

Markers are distinctive on purpose (a patient id, a name, a birth date, a FHIR token): a scan that
finds one of them in a log line or a database row has found a leak, not a coincidence.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from essdai_devtools.orders import baricitinib_draft, draft_orders_bundle, selections
from essdai_devtools.procs import ServerStartError
from essdai_devtools.service_process import ServiceProcess

FHIR = "https://fhir.example.org/r4"
AS_OF = date(2025, 6, 1)
PATIENT_ID = "phi-pt-7731"
PATIENT_FAMILY = "Quaxworthy"
PATIENT_BIRTH = "1961-03-17"
FHIR_TOKEN = "fhir-access-token-SECRET-5b1e"  # noqa: S105 (a marker, not a credential)
PHI_MARKERS = (PATIENT_ID, PATIENT_FAMILY, PATIENT_BIRTH)
SECRET_MARKERS = (FHIR_TOKEN,)

VIEW_SCORING_LABELS = "conditions, laboratory results and vital signs, clinician-entered ESSDAI findings"
SAFETY_LABELS = "conditions, laboratory results and vital signs, medication orders, medication statements"


def patient(pid: str = PATIENT_ID) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": PATIENT_BIRTH,
            "name": [{"family": PATIENT_FAMILY, "given": ["Ottilie"]}]}


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if resources:
        b["entry"] = [{"resource": r} for r in resources]
    if next_url:
        b["link"] = [{"relation": "next", "url": next_url}]
    return b


def operation_outcome(text: str = "backend failure") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception",
                                                          "diagnostics": text}]}


def sjogren_condition(cid: str = "c-sjs", pid: str = PATIENT_ID) -> dict[str, Any]:
    from fhir_mappings.code_tables import conditions

    row = next(r for r in conditions.ROWS if "sjogren" in r.concepts and r.match == "exact")
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "code": {"coding": [{"system": row.system, "code": row.code}]}, "recordedDate": "2020-01-01"}


def access(server: str = FHIR, token: str = FHIR_TOKEN) -> dict[str, Any]:
    """`fhirServer` + `fhirAuthorization` members of a hook request."""
    return {"fhirServer": server, "fhirAuthorization": {
        "access_token": token, "token_type": "Bearer", "expires_in": 300, "subject": "essdai-cds",
        "scope": "patient/*.read", "patient": PATIENT_ID}}


def view_body(prefetch: dict[str, Any] | None = None, *, server: str | None = FHIR, pid: str = PATIENT_ID,
              instance: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"hook": "patient-view", "hookInstance": instance or str(uuid.uuid4()),
                            "context": {"userId": "Practitioner/dr-1", "patientId": pid}}
    if server:
        body.update(access(server))
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def baricitinib(pid: str = PATIENT_ID) -> dict[str, Any]:
    return baricitinib_draft(pid, today=AS_OF, order_id="draft-bari-1")


def order_body(hook: str = "order-sign", prefetch: dict[str, Any] | None = None, *, server: str | None = FHIR,
               pid: str = PATIENT_ID, instance: str | None = None) -> dict[str, Any]:
    drafts = draft_orders_bundle(baricitinib(pid))
    context: dict[str, Any] = {"userId": "Practitioner/dr-1", "patientId": pid, "draftOrders": drafts}
    if hook == "order-select":
        context["selections"] = selections(drafts)
    body: dict[str, Any] = {"hook": hook, "hookInstance": instance or str(uuid.uuid4()), "context": context}
    if server:
        body.update(access(server))
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def card_ctx(instance: str, service: str, pid: str = PATIENT_ID) -> Any:
    import cards

    return cards.CardContext(hook_instance=instance, patient_id=pid, service_id=service, as_of=AS_OF)


def unavailable(body: dict[str, Any], service: str, what: str) -> dict[str, Any]:
    """The exact response body of a check that could not be completed."""
    import cards

    card = cards.unavailable_card(what, ctx=card_ctx(body["hookInstance"], service))
    return {"cards": [card]}


def view_unavailable(body: dict[str, Any]) -> dict[str, Any]:
    return unavailable(body, "essdai-activity", f"ESSDAI activity (unavailable: {VIEW_SCORING_LABELS})")


def safety_unavailable(body: dict[str, Any]) -> dict[str, Any]:
    return unavailable(body, "jak-inhibitor-safety", f"JAK-inhibitor safety check (unavailable: {SAFETY_LABELS})")


def patient_412() -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{
        "severity": "error", "code": "not-found",
        "diagnostics": "required prefetch 'patient' (the patient) could not be obtained"}]}


def expected_safety(body: dict[str, Any], resources: Iterable[dict[str, Any]],
                    unread: str | None = None) -> dict[str, Any]:
    """What jak-inhibitor-safety must answer for these gathered resources (the pipeline called directly);
    `unread` = the "only the first N pages of ... were read" reason when paging stopped early."""
    import cards
    import fhir_mappings
    import safety

    facts = fhir_mappings.extract(list(resources), as_of=AS_OF, patient_id=PATIENT_ID)
    orders, _ = fhir_mappings.draft_orders(body["context"]["draftOrders"])
    findings = [f for o in orders for f in safety.check_order(o, facts, "FDA")]
    drafts = {f"MedicationRequest/{e['resource']['id']}": e["resource"]
              for e in body["context"]["draftOrders"]["entry"]}
    ctx = card_ctx(body["hookInstance"], "jak-inhibitor-safety")
    out = cards.safety_cards(findings, ctx=ctx, draft_orders=drafts)
    if unread:
        out.append(cards.unavailable_card("JAK-inhibitor safety check on all data", ctx=ctx, reason=unread))
    return {"cards": out}


# --- leak scans -------------------------------------------------------------------------------------------

def leaks(text: str, markers: Iterable[str]) -> list[str]:
    return [m for m in markers if m and m in text]


def log_text(records: Iterable[Any]) -> str:
    """Messages, arguments and tracebacks of captured log records, as one text."""
    parts = []
    for r in records:
        parts.append(r.getMessage())
        if r.exc_info and r.exc_info[1] is not None:
            parts.append(repr(r.exc_info[1]))
        if r.exc_text:
            parts.append(r.exc_text)
    return "\n".join(parts)


def sqlite_dump(path: Path) -> str:
    """Every row of every table of a SQLite database, as text (plus the raw file bytes, decoded)."""
    con = sqlite3.connect(path)
    try:
        lines = list(con.iterdump())
    finally:
        con.close()
    return "\n".join(lines) + "\n" + Path(path).read_bytes().decode("latin-1")


# --- a port that only counts ---------------------------------------------------------------------------

@contextlib.contextmanager
def counting_listener() -> Iterator[tuple[int, list[int]]]:
    """A loopback port that counts every connection made to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.05)
    accepted: list[int] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conn, _ = sock.accept()
                accepted.append(1)
                conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1], accepted
    finally:
        time.sleep(0.1)
        stop.set()
        thread.join(1)
        sock.close()


# --- servers the tests run --------------------------------------------------------------------------------

@contextlib.contextmanager
def fhir_stub(handler: type[BaseHTTPRequestHandler], *, port: int = 0) -> Iterator[str]:
    """`handler` served on 127.0.0.1 (ThreadingHTTPServer: a daemon thread a request) until the block ends;
    yields its `/fhir` base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    finally:
        server.shutdown()
        server.server_close()


def start_service(stack: contextlib.ExitStack, make: Callable[[], ServiceProcess], attempts: int = 3) -> ServiceProcess:
    """Enter `make()` on `stack`; a fresh one again when it does not start, up to `attempts` times:
    free_port() can race with another process binding the same port."""
    for attempt in range(attempts):
        service = make()
        try:
            stack.enter_context(service)
            return service
        except ServerStartError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("attempts must be at least 1")
