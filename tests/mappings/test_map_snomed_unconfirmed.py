"""SNOMED CT medication codes (issue 11: "SNOMED CT substance/product where EU data uses it"): none confirmed, so
none is matched, the wanted ones are listed [UNVERIFIED], and a SNOMED-coded order is read by its display name."""

from __future__ import annotations

import pytest

from fhir_mappings.code_tables import medications as table
from fhir_mappings.medications import read_medication

from .builders import med_request


def test_no_snomed_code_is_matched_until_one_is_confirmed_and_each_wanted_one_is_a_known_ingredient() -> None:
    assert [c for c in table.CODES if c.system == table.SNOMED] == []
    assert [n for n in table.SNOMED_UNCONFIRMED if n not in table.INGREDIENTS] == []
    assert {"baricitinib", "tofacitinib", "upadacitinib", "filgotinib"} <= set(table.SNOMED_UNCONFIRMED)


@pytest.mark.parametrize(("display", "ingredient"), [
    ("Olumiant 2 mg film-coated tablets", "baricitinib"),
    ("Jyseleca 200 mg film-coated tablets", "filgotinib"),
    ("Probenecid 500 mg tablets", "probenecid"),
])
def test_a_snomed_coded_order_is_recognised_by_its_display_name(display: str, ingredient: str) -> None:
    order = med_request("eu", code=None, medicationCodeableConcept={
        "coding": [{"system": table.SNOMED, "code": "unconfirmed-placeholder", "display": display}]})
    facts, skipped = read_medication(order)
    assert ([(f.ingredient, f.recognised_by) for f in facts], skipped) == ([(ingredient, "name")], [])
