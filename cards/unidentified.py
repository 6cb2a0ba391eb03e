"""What a card says of a medication whose drug could not be identified (issue 11, never silent): the
"Not checked" line of the patient-view JAK card, the warning card when no JAK card carries it, and the
order-sign card for a draft whose drug is unknown. Records are named by kind and date, never by their
resource id (issue 14), and never by their own free text (it would reach the markdown unescaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards.context import CardContext
from cards.text import date_words
from cards.unavailable import unavailable_card

_WHERE = "not read from the FHIR server (another server is never asked), or not in a readable form"


def medication_words(res: Mapping[str, Any] | None) -> str:
    """"an order of 10 Jan 2025", "a medication statement of 3 Mar 2024", "an order (undated)": the record's
    kind and date, which the clinician can find in the chart."""
    res = res or {}
    kind = {"MedicationRequest": "an order", "MedicationStatement": "a medication statement"}.get(
        res.get("resourceType"), "a medication record")
    period = res.get("effectivePeriod")
    when = res.get("authoredOn") or res.get("effectiveDateTime") or (
        period.get("start") if isinstance(period, dict) else None)
    said = date_words(when) if isinstance(when, str) else ""
    return f"{kind} of {said}" if said and said != when else f"{kind} (undated)"


def _stored(medications: Sequence[str]) -> str:
    shown = ", ".join(medications[:3]) + (f" and {len(medications) - 3} more" if len(medications) > 3 else "")
    what = "1 current medication" if len(medications) == 1 else f"{len(medications)} current medications"
    return f"the drug of {what} ({shown}) could not be identified: its medication was not found in the record, {_WHERE}"


def not_checked_line(medications: Sequence[str], jak_kind: str) -> str:
    """The "Not checked" line of the patient-view JAK card ("readiness" or "monitoring"): what the unknown
    drug may change."""
    said = _stored(medications)
    said = said[0].upper() + said[1:]
    if jak_kind == "readiness":
        return (f"{said}. This list does not take it into account: if it is a JAK inhibitor, the on-treatment "
                "monitoring applies instead; if it is a co-medication, its contraindications and interactions "
                "were not checked.")
    return (f"{said}. These checks do not take it into account: if it is another JAK inhibitor, its "
            "monitoring is not listed here.")


def stored_unidentified_card(medications: Sequence[str], *, ctx: CardContext) -> dict:
    """No JAK card is shown to carry the line: the unknown drug may be a JAK inhibitor whose monitoring is due.
    A neutral title ("checks", not "monitoring"): the patient is not known to be on one."""
    return unavailable_card("JAK-inhibitor checks (drug not identified)", ctx=ctx,
                            reason=f"{_stored(medications)}, so it was not checked")


def draft_unidentified_card(count: int, *, ctx: CardContext) -> dict:
    """Order-sign / order-select: `count` drafts whose drug is unknown were not checked (never a silent
    "no problem found")."""
    orders = "1 draft order" if count == 1 else f"{count} draft orders"
    return unavailable_card("JAK-inhibitor safety check (drug not identified)", ctx=ctx,
                            reason=f"the drug of {orders} could not be identified: its medication was not found in "
                                   f"the order, {_WHERE}, so it was not checked")
