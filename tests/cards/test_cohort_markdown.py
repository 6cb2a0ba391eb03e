"""Every card the synthetic cohort produces reads in words (issue 14): patient-view, and order-sign for a
baricitinib draft, in both jurisdictions. No resource id and no code-system URL in a summary or its markdown
(label links such as "[... Prescribing Information](https://dailymed...)" are links, not bare URLs). The
snapshots check six patients; this checks all of them."""

from __future__ import annotations

import re
from datetime import date

import pytest

import cards
import fhir_mappings
import safety
import scoring
from cards import CardContext
from cards.text import _REF
from essdai_devtools import synth

AS_OF = date(2026, 6, 1)
RESOURCE_ID = re.compile(_REF)
BARE_URL = re.compile(r"(?<!\]\()https?://")


def _draft_order(pid: str) -> dict:
    """A baricitinib 4 mg once-daily draft, coded by its RxNorm ingredient (as the order-sign tests draft it)."""
    from fhir_mappings.code_tables import medications

    code = next(c for c in medications.CODES if c.ingredient == "baricitinib" and c.mark == "V" and not c.prefix)
    return {"resourceType": "MedicationRequest", "id": f"draft-{pid}", "status": "draft", "intent": "order",
            "subject": {"reference": f"Patient/{pid}"},
            "medicationCodeableConcept": {"coding": [{"system": code.system, "code": code.code}]},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 4, "unit": "mg",
                                                                     "system": "http://unitsofmeasure.org",
                                                                     "code": "mg"}}]}]}


@pytest.fixture(scope="module")
def cohort_cards() -> list[tuple[str, str, dict]]:
    cohort = synth.generate(seed=1, today=AS_OF, large_size=200)
    out = []
    for pid, bundle in cohort.bundles.items():
        facts = fhir_mappings.extract([e["resource"] for e in bundle["entry"]], as_of=AS_OF, patient_id=pid)
        if not scoring.applies(facts):
            continue
        ctx = CardContext(hook_instance="0b7d3c6e-5a2f-4e0b-9a64-3f7f0d6c2a11", patient_id=pid,
                          service_id="essdai-activity", as_of=AS_OF)
        order = _draft_order(pid)
        drafts, _skipped = fhir_mappings.draft_orders({"resourceType": "Bundle", "type": "collection",
                                                       "entry": [{"resource": order}]})
        for jurisdiction in ("FDA", "EMA"):
            made = list(cards.essdai_cards(scoring.assess(facts).to_json(), ctx=ctx))
            findings = [f for o in drafts for f in safety.check_order(o, facts, jurisdiction)]  # order-sign
            made += cards.safety_cards(findings, ctx=ctx, draft_orders={f"MedicationRequest/{order['id']}": order})
            made.append(cards.monitoring_card(safety.monitoring(facts, jurisdiction), ctx=ctx)
                        if facts.medications_of("jak-inhibitor")
                        else cards.readiness_card(safety.readiness(facts, jurisdiction), ctx=ctx))
            out += [(pid, jurisdiction, c) for c in made if c]
    return out


def test_no_card_of_the_cohort_shows_a_resource_id_or_a_code_system_url(cohort_cards) -> None:
    assert len(cohort_cards) > 300  # the cohort's in-scope patients, two jurisdictions, with the order-sign cards
    found = [(pid, jur, m.group(0)) for pid, jur, c in cohort_cards
             for m in (RESOURCE_ID.search(f"{c['summary']}\n{c.get('detail', '')}")
                       or BARE_URL.search(f"{c['summary']}\n{c.get('detail', '')}"),) if m]
    assert found == []
