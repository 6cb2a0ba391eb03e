"""Attacks and faults against the running deployment: slow clients, a killed instance, PostgreSQL restarted.

Bounded: the slow-client attack runs 300 connections at the proxy and 300 straight at one instance
(its own defence: the proxy is defence in depth) for ATTACK_S seconds; the kill test loads the proxy
for a few seconds. The killed instance is started again afterwards so later tests see two.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from deployment_helpers import VIEW, Live, feedback, patient_view

from configuration import KEYS_BY_NAME
from essdai_devtools.slow_clients import SlowClients

pytestmark = pytest.mark.integration

HOOK = f"/cds-services/{VIEW}"
FEEDBACK = f"{HOOK}/feedback"
HOOK_BUDGET_S = KEYS_BY_NAME["HOOK_BUDGET_S"].default  # the service's own budget for one hook call
ATTACK_S = 20
SLOW_CONNECTIONS = 300


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_slow_clients_leave_authenticated_calls_answered_within_the_hook_budget(deployment: Live) -> None:
    targets = {"proxy": deployment.base_url, "instance": deployment.instance_url(0)}
    answers: dict[str, list[tuple[int, float]]] = {name: [] for name in targets}
    with SlowClients("127.0.0.1", _port(deployment.base_url), SLOW_CONNECTIONS) as at_proxy, \
            SlowClients("127.0.0.1", _port(deployment.instance_url(0)), SLOW_CONNECTIONS) as at_instance:
        time.sleep(3)  # every slow connection open and trickling
        deadline = time.monotonic() + ATTACK_S
        while time.monotonic() < deadline:
            for name, via in targets.items():
                token = deployment.token(HOOK)
                start = time.monotonic()
                try:
                    status = deployment.post(HOOK, patient_view(), via=via, token=token, timeout=HOOK_BUDGET_S).status_code
                except requests.RequestException:
                    status = 0
                answers[name].append((status, time.monotonic() - start))
            time.sleep(0.5)
    assert at_proxy.opened >= SLOW_CONNECTIONS and at_instance.opened >= SLOW_CONNECTIONS
    for name, got in answers.items():
        assert len(got) >= 10, name
        assert [s for s, _ in got] == [200] * len(got), (name, got)
        assert max(t for _, t in got) < HOOK_BUDGET_S, (name, got)


def test_one_instance_killed_mid_load_the_other_answers_and_nothing_acknowledged_is_lost(
        deployment: Live) -> None:
    acknowledged: list[str] = []
    refused: list[tuple[int, str]] = []
    after_kill: list[int] = []
    killed = threading.Event()
    stop = threading.Event()

    def client(n: int) -> None:
        while not stop.is_set():
            card = f"kill-{n}-{uuid.uuid4()}"
            token = deployment.token(FEEDBACK)
            try:
                r = deployment.post(FEEDBACK, feedback(card), token=token, timeout=5)
                status, body = r.status_code, r.text
            except requests.RequestException as exc:
                status, body = 0, type(exc).__name__
            if status == 200 and r.json() == {"stored": 1, "duplicates": 0}:
                acknowledged.append(card)
            else:
                refused.append((status, body[:200]))
            if killed.is_set():
                after_kill.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    victim = deployment.instances[1]
    try:
        time.sleep(2)
        assert victim.pid is not None
        os.killpg(victim.pid, signal.SIGKILL)  # master and workers at once: no graceful anything
        killed.set()
        time.sleep(4)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        victim.__exit__(None, None, None)
        victim.__enter__()  # back to two instances for the tests after this one
    # only requests in flight on the killed instance may fail, and they fail as JSON, never acknowledged
    assert len(refused) <= 4, refused
    assert all(status == 503 and '"OperationOutcome"' in body for status, body in refused), refused
    assert after_kill.count(200) >= 10
    assert after_kill[-8:] == [200] * 8  # the survivor carries the load
    stored = deployment.stored_cards()
    assert [card for card in acknowledged if card not in stored] == []


def _outage(deployment: Live, lost_card: str) -> tuple[requests.Response, requests.Response]:
    """A hook call and a feedback post while PostgreSQL is down; it is started again before returning."""
    assert deployment.post(HOOK, patient_view()).status_code == 200
    deployment.postgres.stop()
    try:
        return deployment.post(HOOK, patient_view()), deployment.post(FEEDBACK, feedback(lost_card))
    finally:
        deployment.postgres.start()


def _until_answered(deployment: Live, seconds: float = 15) -> list[int]:
    statuses: list[int] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        statuses.append(deployment.post(HOOK, patient_view()).status_code)
        if statuses[-1] == 200:
            break
        time.sleep(0.5)
    return statuses


def test_postgres_restarted_the_service_recovers_without_a_restart_and_keeps_nothing_unstored(
        deployment: Live) -> None:
    lost_card = f"outage-{uuid.uuid4()}"
    _hook, post = _outage(deployment, lost_card)
    assert post.status_code != 200  # never "stored" for a write that did not happen
    statuses = _until_answered(deployment)
    assert statuses[-1] == 200, statuses
    card = f"after-{uuid.uuid4()}"
    assert deployment.post(FEEDBACK, feedback(card)).json() == {"stored": 1, "duplicates": 0}
    assert (deployment.feedback_count(lost_card), deployment.feedback_count(card)) == (0, 1)


def test_postgres_down_calls_fail_cleanly_with_503(deployment: Live) -> None:
    hook, post = _outage(deployment, f"outage-{uuid.uuid4()}")
    for r in (hook, post):
        assert (r.status_code, r.json()["resourceType"]) == (503, "OperationOutcome"), r.text
    assert _until_answered(deployment)[-1] == 200


def _workers(master: int) -> set[int]:
    """The live worker pids of a gunicorn master (its children, from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == master and fields[0] != "Z":
                    found.add(int(entry.name))
    return found


def test_workers_replaced_while_postgres_is_down_boot_and_the_instance_stays_up(deployment: Live) -> None:
    """Workers that die during an outage are replaced by ones that boot without the database (a boot that
    needed it failed, and gunicorn then stopped the whole instance for good). All are killed, so the 503s
    below can only come from replacements that booted while PostgreSQL was down."""
    instance = deployment.instances[0]
    assert instance.pid is not None
    before = _workers(instance.pid)
    log_start = instance.log_path.stat().st_size
    deployment.postgres.stop()
    try:
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        during: list[int] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and 503 not in during:
            try:
                during.append(deployment.post(HOOK, patient_view(), via=deployment.instance_url(0), timeout=10).status_code)
            except requests.RequestException:
                during.append(0)
                time.sleep(0.5)
        replaced = _workers(instance.pid)
        time.sleep(2)  # any other replacement finishes its boot, still without the database
    finally:
        deployment.postgres.start()
    assert during[-1] == 503 and set(during) <= {0, 503}, during
    assert replaced.isdisjoint(before) and len(replaced) == len(before), (before, replaced)
    assert "Worker failed to boot" not in instance.log_path.read_text(errors="replace")[log_start:]
    statuses: list[int] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and statuses[-1:] != [200]:
        statuses.append(deployment.post(HOOK, patient_view(), via=deployment.instance_url(0)).status_code)
        time.sleep(0.5)
    assert statuses[-1] == 200, statuses


def _read_to_close(sock: socket.socket) -> str:
    """The whole answer: head and body may come in separate segments, so read until the peer closes."""
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks).decode("latin-1")


def test_a_slow_body_holds_only_its_own_connection_and_gets_408(deployment: Live) -> None:
    """Straight at an instance (no proxy): a complete head, then a body that stops arriving."""
    host, port = "127.0.0.1", _port(deployment.instance_url(0))
    slow = socket.create_connection((host, port), timeout=20)
    slow.sendall(f"POST {FEEDBACK} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000\r\n\r\n{\"feedback\": [".encode())
    try:
        started = time.monotonic()
        answered = deployment.post(HOOK, patient_view(), via=deployment.instance_url(0), timeout=HOOK_BUDGET_S)
        assert answered.status_code == 200 and time.monotonic() - started < HOOK_BUDGET_S
        reply = _read_to_close(slow)  # the instance's body timeout (10 s) ends it
    finally:
        slow.close()
    assert reply.startswith("HTTP/1.1 408 "), reply[:200]
    assert '"code":"timeout"' in reply
