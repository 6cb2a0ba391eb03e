"""The card a clinician sees when a check could not be done (CDS Hooks contract §1.6 advice: a
warning card beats a 5xx that the client may never show)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from cards.clean import clean
from cards.codings import UNAVAILABLE_OVERRIDE_REASONS, override_reasons, topic
from cards.context import CardContext
from cards.ids import card_uuid
from cards.render import render
from cards.text import fit_summary

log = logging.getLogger("essdai_cds.cards")

DEFAULT_REASON = "the FHIR server did not answer"


def unavailable_card(what: str, *, ctx: CardContext, reason: str = DEFAULT_REASON) -> dict:
    """Warning card "Could not complete <what>: <reason>". `reason` is an optional extension of the
    architecture contract (default: the FHIR server did not answer)."""
    what = " ".join(str(what).split()) or "the check"
    reason = " ".join(str(reason).split()) or DEFAULT_REASON
    # whole sentences only: a reason cut mid-sentence ("...were not…") reads as a different claim
    named = what.split(" (", 1)[0]  # "JAK-inhibitor safety check (unavailable: ...)" -> the check's name
    summary = fit_summary([
        f"Could not complete {what} because {reason}.",
        f"Could not complete {what}.",
        f"Could not complete {named}; the card says why.",
        "A check could not be completed; the card says why.",
    ])
    return clean({
        "uuid": card_uuid(ctx.hook_instance, f"unavailable:{what}"),
        "summary": summary,
        "indicator": "warning",
        "detail": render("unavailable.md.j2", what=what, reason=reason),
        "source": {"label": "essdai-cds", "url": ctx.source_url, "topic": topic(ctx, "check-unavailable")},
        "overrideReasons": override_reasons(ctx, UNAVAILABLE_OVERRIDE_REASONS),
    })


def built_or_unavailable(build: Callable[[], dict], *, what: str, ctx: CardContext, reason: str) -> dict:
    """`build()` with its empty members removed; if it raises, the error is logged and the clinician
    gets "Could not complete <what>: <reason>" instead (a card builder never takes the call down)."""
    try:
        return clean(build())
    except Exception:
        log.exception("card for %s could not be built", what)
        return unavailable_card(what, ctx=ctx, reason=reason)
