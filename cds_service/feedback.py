"""Card feedback (`POST /cds-services/<id>/feedback`, CDS Hooks 2.0 §"Feedback"): validate, store idempotently.

Accepts the 2.0 wrapper `{"feedback": [...]}` and a bare feedback object (HAPI's shape). All items
are validated before anything is stored; one invalid item rejects the request (400, naming the item
index and field). Rows are keyed by (service id, card, outcome, suggestion id): an accepted item
gives one row per accepted suggestion. The answer is 200 `{"stored": n, "duplicates": m}`.

Bounded work: at most MAX_ITEMS items and MAX_SUGGESTIONS accepted suggestions per item (a card of
this service offers at most a handful), so at most MAX_ITEMS * MAX_SUGGESTIONS rows; beyond either is
400 before anything is stored (both are `maxItems` of the OpenAPI schema: a schema-violating request
is a 400, as for any other invalid field; 413 stays the answer to a body over MAX_REQUEST_BYTES). One post is stored in one transaction: all or nothing
(storage unavailable -> 503, nothing stored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from cds_service import access_log
from cds_service.errors import RequestRejected
from cds_service.hook_request import read_json_object
from cds_service.hooks import current_registry
from storage import get_storage

bp = Blueprint("feedback", __name__)

OUTCOMES = ("accepted", "overridden")
MAX_ITEMS = 100
MAX_SUGGESTIONS = 20  # accepted suggestions per feedback item
MAX_ID_LEN = 255
MAX_COMMENT_LEN = 4000


def _id_str(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= MAX_ID_LEN


def _coding(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not _id_str(value.get("code")) or not _id_str(value.get("system")):
        raise RequestRejected(f"{where}.reason must be a Coding with code and system")
    display = value.get("display")
    if display is not None and not isinstance(display, str):
        raise RequestRejected(f"{where}.reason.display must be a string")
    return {"override_system": value["system"], "override_code": value["code"], "override_display": display}


def _timestamp(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RequestRejected(f"{where}.outcomeTimestamp is required")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RequestRejected(f"{where}.outcomeTimestamp must be an RFC 3339 date-time") from None
    if parsed.tzinfo is None or "T" not in value:
        raise RequestRejected(f"{where}.outcomeTimestamp must be an RFC 3339 date-time with offset")
    return value


def parse_item(item: Any, index: int) -> list[dict[str, Any]]:
    """Rows for one feedback object; RequestRejected naming `feedback[index].<field>` otherwise."""
    where = f"feedback[{index}]"
    if not isinstance(item, dict):
        raise RequestRejected(f"{where} must be an object")
    if not _id_str(item.get("card")):
        raise RequestRejected(f"{where}.card must be a card uuid string")
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        raise RequestRejected(f"{where}.outcome must be accepted or overridden")
    base: dict[str, Any] = {"card": item["card"], "outcome": outcome,
                            "outcome_timestamp": _timestamp(item.get("outcomeTimestamp"), where)}
    accepted = item.get("acceptedSuggestions")
    reason = item.get("overrideReason")
    if outcome == "accepted":
        if reason is not None:
            raise RequestRejected(f"{where}.overrideReason is only allowed when overridden")
        if not isinstance(accepted, list) or not accepted:
            raise RequestRejected(f"{where}.acceptedSuggestions is required when accepted")
        if len(accepted) > MAX_SUGGESTIONS:
            raise RequestRejected(f"{where}: at most {MAX_SUGGESTIONS} acceptedSuggestions per item")
        ids = []
        for j, suggestion in enumerate(accepted):
            if not isinstance(suggestion, dict) or not _id_str(suggestion.get("id")):
                raise RequestRejected(f"{where}.acceptedSuggestions[{j}].id must be a string")
            ids.append(suggestion["id"])
        return [{**base, "suggestion_id": sid} for sid in dict.fromkeys(ids)]
    if accepted is not None:
        raise RequestRejected(f"{where}.acceptedSuggestions is only allowed when accepted")
    if reason is not None:
        if not isinstance(reason, dict) or ("reason" not in reason and "userComment" not in reason):
            raise RequestRejected(f"{where}.overrideReason needs reason and/or userComment")
        if "reason" in reason:
            base.update(_coding(reason["reason"], f"{where}.overrideReason"))
        comment = reason.get("userComment")
        if comment is not None:
            if not isinstance(comment, str) or len(comment) > MAX_COMMENT_LEN:
                raise RequestRejected(f"{where}.overrideReason.userComment must be a string (max {MAX_COMMENT_LEN})")
            base["user_comment"] = comment
    return [{**base, "suggestion_id": ""}]


def parse_feedback(body: dict[str, Any]) -> list[dict[str, Any]]:
    if "feedback" in body:
        items = body["feedback"]
        if not isinstance(items, list) or not items:
            raise RequestRejected("feedback must be a non-empty array")
        if len(items) > MAX_ITEMS:
            raise RequestRejected(f"at most {MAX_ITEMS} feedback items per request")
    elif "card" in body:
        items = [body]  # a bare feedback object (HAPI FHIR's shape)
    else:
        raise RequestRejected("expected {\"feedback\": [...]} or a feedback object")
    return [row for i, item in enumerate(items) for row in parse_item(item, i)]


@bp.post("/cds-services/<service_id>/feedback")
def post_feedback(service_id: str) -> ResponseReturnValue:
    if not current_registry().has_id(service_id):
        raise RequestRejected("unknown service", 404)
    rows = parse_feedback(read_json_object())
    stored, duplicates = get_storage().store_feedback({**row, "service_id": service_id} for row in rows)
    access_log.note(service=service_id, feedbackStored=stored, feedbackDuplicates=duplicates)
    return jsonify({"stored": stored, "duplicates": duplicates})
