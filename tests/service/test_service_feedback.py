"""Feedback endpoint (contract §1.5): both body shapes, validation, idempotent storage, no tokens stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from service_helpers import BASE, EC_KID, ISS_FILE, mint, public_jwk

from storage import EXTENSION_KEY as STORAGE_KEY

TS = "2025-06-01T10:15:00Z"
URL = "/cds-services/test-view/feedback"


def accepted(card: str = "card-1", *suggestions: str) -> dict:
    return {"card": card, "outcome": "accepted", "outcomeTimestamp": TS,
            "acceptedSuggestions": [{"id": s} for s in suggestions or ("sugg-1",)]}


def overridden(card: str = "card-2", **extra) -> dict:  # noqa: ANN003
    return {"card": card, "outcome": "overridden", "outcomeTimestamp": TS, **extra}


def rows(app) -> list[dict]:  # noqa: ANN001
    return app.extensions[STORAGE_KEY].feedback_rows()


def test_wrapper_shape_stores_one_row_per_accepted_suggestion(app):
    client = app.test_client()
    resp = client.post(URL, json={"feedback": [accepted("card-1", "s-1", "s-2"), overridden("card-2")]})
    assert (resp.status_code, resp.get_json()) == (200, {"stored": 3, "duplicates": 0})
    assert [(r["card"], r["outcome"], r["suggestion_id"]) for r in rows(app)] == [
        ("card-1", "accepted", "s-1"), ("card-1", "accepted", "s-2"), ("card-2", "overridden", "")]
    assert {r["service_id"] for r in rows(app)} == {"test-view"}


def test_bare_object_shape_is_accepted(app):
    reason = {"reason": {"system": "https://cds.example.org/CodeSystem/override", "code": "done-elsewhere",
                         "display": "Done outside this organisation"}, "userComment": "lab at another hospital"}
    resp = app.test_client().post(URL, json=overridden("card-9", overrideReason=reason))
    assert (resp.status_code, resp.get_json()) == (200, {"stored": 1, "duplicates": 0})
    assert rows(app) == [{
        "service_id": "test-view", "card": "card-9", "outcome": "overridden", "suggestion_id": "",
        "override_system": "https://cds.example.org/CodeSystem/override", "override_code": "done-elsewhere",
        "override_display": "Done outside this organisation", "user_comment": "lab at another hospital",
        "outcome_timestamp": TS}]


def test_sandbox_style_reason_without_display_is_accepted(app):
    reason = {"reason": {"system": "https://cds.example.org/CodeSystem/override", "code": "x"}}
    resp = app.test_client().post(URL, json={"feedback": [overridden(overrideReason=reason)]})
    assert resp.get_json() == {"stored": 1, "duplicates": 0}


def test_duplicates_are_counted_not_stored_twice(app):
    client = app.test_client()
    first = client.post(URL, json={"feedback": [accepted("c", "s-1"), accepted("c", "s-1"), overridden("d")]})
    again = client.post(URL, json={"feedback": [accepted("c", "s-1", "s-2"), overridden("d")]})
    assert first.get_json() == {"stored": 2, "duplicates": 1}
    assert again.get_json() == {"stored": 1, "duplicates": 2}
    assert len(rows(app)) == 3


def test_same_card_for_another_service_is_not_a_duplicate(app):
    client = app.test_client()
    assert client.post(URL, json=overridden("c")).get_json() == {"stored": 1, "duplicates": 0}
    other = client.post("/cds-services/test-order/feedback", json=overridden("c"))
    assert other.get_json() == {"stored": 1, "duplicates": 0}


# (case, body, diagnostics)
INVALID = [
    ("empty-object", {}, 'expected {"feedback": [...]} or a feedback object'),
    ("feedback-not-list", {"feedback": {"card": "c"}}, "feedback must be a non-empty array"),
    ("feedback-empty", {"feedback": []}, "feedback must be a non-empty array"),
    ("item-not-object", {"feedback": ["c"]}, "feedback[0] must be an object"),
    ("no-card", {"feedback": [{"outcome": "overridden", "outcomeTimestamp": TS}]},
     "feedback[0].card must be a card uuid string"),
    ("card-not-string", {"feedback": [overridden(card=7)]}, "feedback[0].card must be a card uuid string"),
    ("bad-outcome", {"feedback": [overridden() | {"outcome": "ignored"}]},
     "feedback[0].outcome must be accepted or overridden"),
    ("accepted-without-suggestions", {"feedback": [overridden() | {"outcome": "accepted"}]},
     "feedback[0].acceptedSuggestions is required when accepted"),
    ("accepted-suggestion-without-id", {"feedback": [accepted() | {"acceptedSuggestions": [{"uuid": "x"}]}]},
     "feedback[0].acceptedSuggestions[0].id must be a string"),
    ("accepted-with-override", {"feedback": [accepted() | {"overrideReason": {"userComment": "x"}}]},
     "feedback[0].overrideReason is only allowed when overridden"),
    ("overridden-with-suggestions", {"feedback": [overridden(acceptedSuggestions=[{"id": "s"}])]},
     "feedback[0].acceptedSuggestions is only allowed when accepted"),
    ("override-reason-empty", {"feedback": [overridden(overrideReason={})]},
     "feedback[0].overrideReason needs reason and/or userComment"),
    ("override-coding-no-system", {"feedback": [overridden(overrideReason={"reason": {"code": "x"}})]},
     "feedback[0].overrideReason.reason must be a Coding with code and system"),
    ("comment-not-string", {"feedback": [overridden(overrideReason={"userComment": 5})]},
     "feedback[0].overrideReason.userComment must be a string (max 4000)"),
    ("no-timestamp", {"feedback": [{"card": "c", "outcome": "overridden"}]},
     "feedback[0].outcomeTimestamp is required"),
    ("timestamp-garbage", {"feedback": [overridden() | {"outcomeTimestamp": "yesterday"}]},
     "feedback[0].outcomeTimestamp must be an RFC 3339 date-time"),
    ("timestamp-without-offset", {"feedback": [overridden() | {"outcomeTimestamp": "2025-06-01T10:15:00"}]},
     "feedback[0].outcomeTimestamp must be an RFC 3339 date-time with offset"),
    ("second-item-invalid", {"feedback": [overridden(), {"card": "c2", "outcome": "nope"}]},
     "feedback[1].outcome must be accepted or overridden"),
]


@pytest.mark.parametrize(("body", "diagnostics"), [pytest.param(b, d, id=i) for i, b, d in INVALID])
def test_invalid_feedback_is_400_and_nothing_is_stored(app, body, diagnostics):
    resp = app.test_client().post(URL, json=body)
    assert resp.status_code == 400
    assert resp.get_json()["issue"][0]["diagnostics"] == diagnostics
    assert rows(app) == []


def test_unknown_service_is_404(client):
    assert client.post("/cds-services/nope/feedback", json=overridden()).status_code == 404


def test_tokens_are_never_stored(make_app, tmp_path: Path, ec_key):
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": [%s]}' % __import__("json").dumps(public_jwk(ec_key, EC_KID, "ES384")))
    db = tmp_path / "fb.db"
    app = make_app(AUTH_ENABLED=True, DATABASE_URL=f"sqlite:///{db}",
                   TRUSTED_ISSUERS=[{"iss": ISS_FILE, "jwks_file": str(jwks)}])
    token = mint(ec_key, aud=f"{BASE}{URL}", jti="jti-1")
    resp = app.test_client().post(URL, json=overridden(), headers={"Authorization": f"Bearer {token}"})
    assert resp.get_json() == {"stored": 1, "duplicates": 0}
    app.extensions[STORAGE_KEY].close()
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    assert token not in dump and token.split(".")[2] not in dump
    assert "jti-1" in dump  # only the replay key (iss, jti, expiry) is kept
