"""How a card names a medication whose drug could not be identified (cards.unidentified)."""

from __future__ import annotations

import pytest

from cards import medication_words


@pytest.mark.parametrize(("resource", "words"), [
    ({"resourceType": "MedicationRequest", "authoredOn": "2025-01-10"}, "an order of 10 Jan 2025"),
    ({"resourceType": "MedicationStatement", "effectivePeriod": {"start": "2024-03-03"}},
     "a medication statement of 3 Mar 2024"),
    ({"resourceType": "MedicationStatement", "effectiveDateTime": "2024-03-03T10:00:00Z"},
     "a medication statement of 3 Mar 2024"),
    ({"resourceType": "MedicationRequest"}, "an order (undated)"),
    (None, "a medication record (undated)"),
])
def test_an_unidentified_medication_is_named_in_words_not_by_its_resource_id(resource, words):
    """Issue 14: no resource ids in the card's markdown; the record's kind and date say which one."""
    assert medication_words(resource) == words
