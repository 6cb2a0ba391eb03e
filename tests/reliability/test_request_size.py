"""Oversized bodies are refused with 413 before they are read or parsed, on every route, before the JWT
check; the limit is MAX_REQUEST_BYTES (configurable). Chunked bodies are covered in test_real_service."""

from __future__ import annotations

import pytest

from cds_service import hook_request

LIMIT = 1000
PROBLEM_413 = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "too-costly",
                                                              "diagnostics": "request body too large"}]}


@pytest.fixture
def small_app(make_app):
    return make_app(MAX_REQUEST_BYTES=LIMIT)


@pytest.mark.parametrize(("size", "status"), [
    pytest.param(LIMIT - 1, 400, id="one-under-limit-parsed"),
    pytest.param(LIMIT, 400, id="at-limit-parsed"),
    pytest.param(LIMIT + 1, 413, id="one-over-limit-refused"),
    pytest.param(50 * 1024 * 1024, 413, id="50-MB-refused"),
])
def test_limit_edges(small_app, size, status):
    body = b"{" + b" " * (size - 1)  # malformed JSON: 400 means it was read and parsed
    resp = small_app.test_client().post("/cds-services/essdai-activity", data=body,
                                        content_type="application/json")
    assert resp.status_code == status
    if status == 413:
        assert resp.get_json() == PROBLEM_413


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/cds-services/essdai-activity"),
    ("POST", "/cds-services/jak-inhibitor-safety"),
    ("POST", "/cds-services/essdai-activity/feedback"),
    ("POST", "/cds-services/no-such-service"),
    ("GET", "/cds-services"),
    ("GET", "/healthz"),
])
def test_refused_before_reading_parsing_or_auth(make_app, monkeypatch, method, path):
    """Auth on and no token: the size check still answers first, and no parser ever sees the body."""
    app = make_app(MAX_REQUEST_BYTES=LIMIT, AUTH_ENABLED=True, TRUSTED_ISSUERS=[])
    parsed: list[int] = []
    real_loads = hook_request.json.loads

    def recording_loads(text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        parsed.append(len(text))
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(hook_request.json, "loads", recording_loads)
    resp = app.test_client().open(path, method=method, data=b"x" * (LIMIT + 1), content_type="application/json")
    assert parsed == []
    monkeypatch.undo()
    assert (resp.status_code, resp.get_json()) == (413, PROBLEM_413)


def test_default_limit_is_the_config_default(make_app):
    from configuration import KEYS_BY_NAME

    app = make_app()
    default = KEYS_BY_NAME["MAX_REQUEST_BYTES"].default
    assert app.config["MAX_REQUEST_BYTES"] == default
    resp = app.test_client().post("/cds-services/essdai-activity", data=b" " * (default + 1),
                                  content_type="application/json")
    assert resp.status_code == 413
