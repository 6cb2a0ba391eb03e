"""Reading safety.SafetyFinding objects for cards, by attribute name only (duck-typed, so cards do
not depend on safety's internals), and turning their suggestions into CDS Hooks suggestions."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from cards.clean import clean
from cards.context import CardContext
from cards.evidence import evidence_table, evidence_views
from cards.fhir_actions import dose_text, proposed_service_request, updated_medication_request
from cards.ids import suggestion_uuid
from cards.text import without_references

log = logging.getLogger("essdai_cds.cards")

INDICATORS = ("critical", "warning", "info")  # most severe first
STATUSES = ("fired", "missing-data")
NOT_CONFIRMED = "Threshold not confirmed against the label ([R]/[P])"


def enum_value(value: Any) -> str:
    """A StrEnum, Enum or plain string as its string value."""
    return str(getattr(value, "value", value)) if value is not None else ""


def indicator_of(f: Any) -> str:
    return enum_value(getattr(f, "indicator", None))


def status_of(f: Any) -> str:
    return enum_value(getattr(f, "status", None))


def most_severe(findings: Iterable[Any]) -> str:
    present = {indicator_of(f) for f in findings}
    return next((i for i in INDICATORS if i in present), "info")


def severity_rank(f: Any) -> int:
    ind = indicator_of(f)
    return INDICATORS.index(ind) if ind in INDICATORS else len(INDICATORS)


def finding_key(f: Any) -> str:
    """Rule + order (or drug): what a card or suggestion uuid is derived from."""
    return f"{getattr(f, 'rule', '?')}:{getattr(f, 'order_reference', None) or getattr(f, 'drug', None) or '-'}"


def unique_keys(findings: list[Any]) -> list[str]:
    """finding_key per finding, with "#2", "#3"... on repeats, so uuids stay unique within a response
    (and deterministic for the same findings in the same order)."""
    seen: dict[str, int] = {}
    keys = []
    for f in findings:
        key = finding_key(f)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def finding_json(f: Any) -> dict:
    try:
        return clean(f.to_json())
    except Exception:
        log.exception("SafetyFinding.to_json failed for rule %s", getattr(f, "rule", "?"))
        return clean({"rule": str(getattr(f, "rule", "")), "drug": str(getattr(f, "drug", ""))})


def finding_view(f: Any) -> dict[str, Any]:
    """Every member the templates read, present and stringified."""
    source = getattr(f, "source", None)
    return {
        "rule": str(getattr(f, "rule", "") or ""),
        "drug": str(getattr(f, "drug", "") or ""),
        "jurisdiction": enum_value(getattr(f, "jurisdiction", None)),
        "indicator": indicator_of(f),
        "status": status_of(f),
        "summary": str(getattr(f, "summary", "") or ""),
        "message": without_references(str(getattr(f, "message", "") or "")),
        "evidence": evidence_views(getattr(f, "evidence", ())),
        "evidence_table": evidence_table(evidence_views(getattr(f, "evidence", ()))),
        "mark": enum_value(getattr(f, "mark", None)),
        "confirmed": bool(getattr(f, "confirmed", False)),
        "source_label": str(getattr(source, "label", "") or ""),
        "source_section": str(getattr(source, "section", "") or ""),
        "source_url": str(getattr(source, "url", "") or ""),
    }


# --- suggestions --------------------------------------------------------------------------------

def relative_reference(ref: str) -> str:
    return ref if "/" in ref else f"MedicationRequest/{ref}"


def _index_drafts(draft_orders: Any) -> Mapping[str, dict]:
    """Accept the documented {reference: MedicationRequest} map, or a draftOrders Bundle."""
    if isinstance(draft_orders, Mapping) and draft_orders.get("resourceType") == "Bundle":
        out: dict[str, dict] = {}
        for entry in draft_orders.get("entry") or ():
            res = (entry or {}).get("resource") or {}
            if res.get("resourceType") and res.get("id"):
                out[f"{res['resourceType']}/{res['id']}"] = res
        return out
    return draft_orders if isinstance(draft_orders, Mapping) else {}


def find_draft(draft_orders: Any, reference: str | None) -> dict | None:
    if not reference:
        return None
    index = _index_drafts(draft_orders)
    bare = reference.rsplit("/", 1)[-1]
    for key in (reference, relative_reference(reference), bare):
        if isinstance(index.get(key), dict):
            return index[key]
    return None


def suggestion_kind(f: Any) -> str | None:
    s = getattr(f, "suggestion", None)
    return enum_value(getattr(s, "kind", None)) if s is not None else None


def build_suggestion(f: Any, *, ctx: CardContext, draft_orders: Any = None,
                     kinds: Iterable[str] = ("dose-change", "order-test", "cancel-order"),
                     key: str | None = None) -> tuple[dict | None, str | None]:
    """(CDS Hooks suggestion, note for the detail when the suggestion had to be dropped). `key` (from
    unique_keys) seeds the suggestion uuid; default: the finding's rule and order."""
    s = getattr(f, "suggestion", None)
    kind = suggestion_kind(f)
    if s is None or kind not in tuple(kinds):
        return None, None
    rule, drug = str(getattr(f, "rule", "")), str(getattr(f, "drug", "") or "JAK inhibitor")
    ref = getattr(f, "order_reference", None)
    label = str(getattr(s, "label", "") or "")
    action: dict[str, Any] | None = None
    note: str | None = None

    if kind == "dose-change":
        dose_mg, per_day = getattr(s, "dose_mg", None), getattr(s, "doses_per_day", None)
        new = dose_text(dose_mg, per_day) if dose_mg is not None else None
        label = label or (f"Change to {drug} {new}" if new else "")
        draft = find_draft(draft_orders, ref)
        if dose_mg is None:
            note = "A dose change was suggested without a dose; it is not offered as an action."
        elif draft is None:
            note = f"Suggested dose: {new}. The draft order was not available to update, so change it by hand."
        else:
            built = updated_medication_request(draft, dose_mg, per_day, reference=ref, ctx=ctx)
            if built is None:
                note = f"Suggested dose: {new}. The updated order did not pass FHIR validation, so change it by hand."
            else:
                resource, changes = built
                action = {"type": "update",
                          "description": f"Change the draft {drug} order to {new}" + "".join(f"; {c}" for c in changes),
                          "resource": resource}
    elif kind == "order-test":
        label = label or "Order the missing test"
        resource = proposed_service_request(getattr(s, "loinc", ()) or (), label, ctx=ctx)
        if resource is None:
            note = f"{label}: the order could not be drafted (no valid LOINC code); order it by hand."
        else:
            tests = ", ".join(f"{c.get('display') or c['code']} (LOINC {c['code']})" for c in resource["code"]["coding"])
            action = {"type": "create", "description": f"Create a proposed test order (draft ServiceRequest): {tests}",
                      "resource": resource}
    elif kind == "cancel-order":
        label = label or f"Remove the draft {drug} order"
        if not ref:
            note = f"{label}: the draft order has no reference, so remove it by hand."
        else:
            action = {"type": "delete", "description": f"Remove the draft {drug} order ({relative_reference(ref)})",
                      "resourceId": relative_reference(ref)}

    if action is None:
        if note:
            log.warning("rule %s: %s suggestion not offered", rule, kind)
        return None, note
    purpose = f"{key or finding_key(f)}:{kind}"
    if kind == "order-test":  # one rule may ask for several different tests
        purpose += ":" + "+".join(c["code"] for c in action["resource"]["code"]["coding"])
    return {"label": label, "uuid": suggestion_uuid(ctx.hook_instance, purpose),
            "actions": [action]}, None


def selection_behavior(suggestions: list[dict], kinds: list[str]) -> str:
    """Independent test orders may all be taken ("any"); anything else is an alternative ("at-most-one")."""
    return "any" if len(suggestions) > 1 and all(k == "order-test" for k in kinds) else "at-most-one"
