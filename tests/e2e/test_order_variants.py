"""Coding variants of a JAK-inhibitor order through the real service (gunicorn) against sekmet-fhir.

Issue 11 "Done means": an order-sign for each JAK inhibitor coded (a) by ingredient, (b) by SCD,
(c) by SBD/brand, (d) by text only, (e) through a `urn:uuid:` Medication reference gives the same
findings as the ingredient-coded order. The orders come from essdai_devtools.order_variants (its own
code table, not the service's); the patients from the designed cohort (tests/e2e/conftest.py).
"""

from __future__ import annotations

import pytest

from essdai_devtools.card_reading import empty_members, safety_findings
from essdai_devtools.order_variants import ORDERS, VARIANTS, variant_bundle

pytestmark = pytest.mark.integration

PATIENTS = ("jak-clean", "jak-egfr-45")


def _signature(response: dict) -> dict[str, list[tuple]]:
    """rule -> sorted (indicator, status, summary-without-the-drug-wording) of its findings."""
    out: dict[str, list[tuple]] = {}
    for rule, findings in safety_findings(response).items():
        out[rule] = sorted((f.get("indicator"), f.get("status"), f.get("case")) for f in findings)
    return out


def _summaries(response: dict) -> list[str]:
    return sorted(c["summary"] for c in response.get("cards", []))


@pytest.fixture(scope="module")
def answers(ehr, cohort) -> dict[tuple[str, str, str], dict]:
    today = cohort.expected["today"]
    return {(pid, drug, variant): ehr.order_sign(pid, variant_bundle(pid, drug, variant, today))
            for pid in PATIENTS for drug in ORDERS for variant in VARIANTS}


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "ingredient"])
@pytest.mark.parametrize("drug", list(ORDERS))
@pytest.mark.parametrize("pid", PATIENTS)
def test_every_coding_gives_the_findings_of_the_ingredient_coded_order(answers, pid: str, drug: str,
                                                                      variant: str) -> None:
    reference = answers[(pid, drug, "ingredient")]
    got = answers[(pid, drug, variant)]
    assert empty_members(got) == []
    assert reference["cards"], f"{pid}/{drug}: the ingredient-coded order got no card"
    assert _signature(got) == _signature(reference)
    assert _summaries(got) == _summaries(reference)


@pytest.mark.parametrize("drug", list(ORDERS))
def test_a_text_only_order_says_it_was_recognised_by_name(answers, drug: str) -> None:
    text = str(answers[("jak-clean", drug, "text")])
    coded = str(answers[("jak-clean", drug, "ingredient")])
    assert "recognised by name" in text
    assert "recognised by name" not in coded
