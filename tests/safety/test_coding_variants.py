"""Per drug x jurisdiction x coding variant (issue 11 point 5): the order written as ingredient, SCD,
SBD/brand, text only or urn:uuid Medication gives exactly the findings of the ingredient-coded order
(the text-only one adds only its "recognised by name" sentence). In process; the same through
gunicorn is tests/e2e/test_order_variants.py."""

from __future__ import annotations

import pytest

import fhir_mappings
import safety
from essdai_devtools.order_variants import ORDERS, VARIANTS, variant_bundle
from tests.safety.safety_factories import born_aged, meas, patient

BY_NAME = " The drug was recognised by name"
# eGFR 45 without weight (renal band, CrCl proxy note), no TB test (missing data), age 70 (EMA at-risk dose)
FACTS = patient(labs={"egfr": meas("egfr", 45), "weight": None, "igra": None}, birth=born_aged(70))


def _findings(drug: str, variant: str, jurisdiction: str) -> list[tuple]:
    orders, skipped = fhir_mappings.draft_orders(variant_bundle("p1", drug, variant, "2025-11-20"))
    assert skipped == [] and len(orders) == 1, (orders, skipped)
    return [(f.rule, str(f.indicator), str(f.status), f.summary, f.message.split(BY_NAME)[0],
             f.suggestion.to_json() if f.suggestion else None)
            for f in safety.check_order(orders[0], FACTS, jurisdiction)]


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "ingredient"])
@pytest.mark.parametrize("jurisdiction", ["FDA", "EMA"])
@pytest.mark.parametrize("drug", list(ORDERS))
def test_each_coding_gives_the_ingredient_coded_findings(drug, jurisdiction, variant):
    expected = _findings(drug, "ingredient", jurisdiction)
    assert expected, "the ingredient-coded order gave no finding"
    assert _findings(drug, variant, jurisdiction) == expected
