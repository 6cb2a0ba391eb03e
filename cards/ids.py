"""Deterministic uuids: uuid5 of (hookInstance, purpose), so feedback can be traced to the card,
rule and order without any storage on the request path."""

from __future__ import annotations

import uuid

# Fixed namespace for every card and suggestion uuid this service emits; never change it, or feedback
# stored under old uuids can no longer be matched to its card.
CARD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "http://essdai-cds.org/cds-hooks/cards")


def card_uuid(hook_instance: str, purpose: str) -> str:
    """uuid of a card, e.g. purpose "essdai" or "R02:MedicationRequest/103"."""
    return str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}:{purpose}"))


def suggestion_uuid(hook_instance: str, purpose: str) -> str:
    """uuid of a suggestion, e.g. purpose "essdai:record" or "R06:MedicationRequest/103:dose-change"."""
    return str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}:suggestion:{purpose}"))
