"""Two instances behind nginx on one PostgreSQL: what one instance records, the other honours."""

from __future__ import annotations

import threading
import uuid

import pytest
from deployment_helpers import VIEW, Live, feedback, patient_view

import storage

pytestmark = pytest.mark.integration

HOOK = f"/cds-services/{VIEW}"
FEEDBACK = f"{HOOK}/feedback"


def test_schema_came_from_the_one_shot_upgrade(deployment: Live) -> None:
    # the instances run with DATABASE_CREATE_TABLES=false: they started on what `db upgrade` created
    out = deployment.deployment.upgrade_output
    assert out["created"] == out["present"] == sorted({*storage.metadata.tables, "worksheet_secret"})


def test_a_jti_used_on_one_instance_is_refused_on_the_other(deployment: Live) -> None:
    token = deployment.token(HOOK)
    first = deployment.post(HOOK, patient_view(), via=deployment.instance_url(0), token=token)
    replay = deployment.post(HOOK, patient_view(), via=deployment.instance_url(1), token=token)
    assert first.status_code == 200
    assert (replay.status_code, replay.json()) == (401, {"error": "unauthorized"})


def test_through_the_proxy_a_replay_is_refused_too(deployment: Live) -> None:
    token = deployment.token(HOOK)
    answers = [deployment.post(HOOK, patient_view(), token=token).status_code for _ in range(3)]
    assert answers == [200, 401, 401]


def test_the_same_feedback_posted_to_both_instances_at_once_is_stored_once(deployment: Live) -> None:
    cards = [f"same-{uuid.uuid4()}" for _ in range(10)]
    answers: dict[tuple[str, int], dict[str, int]] = {}
    for card in cards:
        tokens = [deployment.token(FEEDBACK) for _ in range(2)]  # signed before the race starts
        start = threading.Barrier(2)

        def post(i: int, card: str = card, tokens: list[str] = tokens, start: threading.Barrier = start) -> None:
            start.wait()
            r = deployment.post(FEEDBACK, feedback(card), via=deployment.instance_url(i), token=tokens[i])
            answers[(card, i)] = r.json() if r.status_code == 200 else {"status": r.status_code}

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    for card in cards:
        pair = [answers[(card, 0)], answers[(card, 1)]]
        assert sorted(a["stored"] for a in pair) == [0, 1], pair
        assert sorted(a["duplicates"] for a in pair) == [0, 1], pair
        assert deployment.feedback_count(card) == 1
