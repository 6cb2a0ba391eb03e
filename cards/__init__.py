"""Results -> CDS Hooks 2.0 cards (jinja2 markdown details, validated FHIR suggestions).

Inputs are the `essdai-cds score` object (scoring) and `safety.SafetyFinding` objects, read by
attribute name. Every card is returned with empty members removed (`clean`): the caller adds the
`{"cards": [...]}` wrapper, the one place an empty list is allowed.
"""

from cards.clean import clean
from cards.context import CardContext
from cards.essdai import essdai_cards
from cards.readiness import monitoring_card, readiness_card
from cards.safety import safety_cards
from cards.unavailable import unavailable_card
from cards.unidentified import (draft_unidentified_card, medication_words, not_checked_line,
                                stored_unidentified_card)

__all__ = ["essdai_cards", "safety_cards", "readiness_card", "monitoring_card", "unavailable_card", "clean",
           "CardContext", "draft_unidentified_card", "medication_words", "not_checked_line", "stored_unidentified_card"]
