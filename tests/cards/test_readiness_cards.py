"""Patient-view JAK-inhibitor cards: the before-starting checklist, the on-treatment monitoring card,
and the could-not-complete card."""

import json
import logging
import uuid
from dataclasses import replace

import pytest

from card_helpers import ALC_EVIDENCE, Indicator, SafetyFinding, Source, Suggestion, actions, empty_paths, validate_r4b
from cards import monitoring_card, readiness_card, unavailable_card
from cards.ids import CARD_NAMESPACE

SRC = Source("Olumiant (baricitinib) US prescribing information", "Warnings and Precautions")
CBC = Suggestion("order-test", "Order CBC with differential", loinc=(("58410-2", "CBC panel"), ("731-0", "Lymphocytes")))


def finding(rule, indicator="warning", status="missing-data", suggestion=None, **kw):
    return SafetyFinding(rule=rule, drug=kw.pop("drug", "baricitinib"), indicator=indicator, status=status,
                         summary=kw.pop("summary", f"{rule} summary"), message=kw.pop("message", f"{rule} message."),
                         source=SRC, suggestion=suggestion, **kw)


READINESS = [
    finding("R00", "info", "fired", message="No JAK inhibitor is licensed for Sjögren's; RA label rows applied."),
    finding("R05", suggestion=CBC, message="No lymphocyte count in the last 30 days."),
    finding("R11", suggestion=Suggestion("order-test", "Order IGRA (TB)", loinc=(("71773-6", "IGRA"),)),
            mark="P", confirmed=False, message="No IGRA in the last 12 months."),
    finding("R03", suggestion=replace(CBC, label="Order CBC"), message="No neutrophil count in the last 30 days."),
    finding("R02", "critical", "fired", evidence=(ALC_EVIDENCE,), message="ALC 350/mm³ is below 500/mm³.",
            override_reasons=(("chronic-pss-cytopenia", "Value is chronic / disease-related (pSS cytopenia)"),)),
]


# --- readiness ----------------------------------------------------------------------------------

def test_readiness_card(ctx):
    card = readiness_card(READINESS, ctx=ctx)
    # the critical finding is named (its own summary, as a sentence), the other three counted
    assert card["summary"] == "R02 summary. 3 more items need checking."
    assert card["indicator"] == "critical"  # the most severe finding
    assert card["selectionBehavior"] == "any"
    # one suggestion per missing test: R03 asks for the same CBC as R05
    assert [s["label"] for s in card["suggestions"]] == ["Order CBC with differential", "Order IGRA (TB)"]
    for action in actions(card):
        assert action["type"] == "create"
        validate_r4b(action["resource"])
    assert [f["rule"] for f in card["extension"]["essdai-cds"]["findings"]] == ["R02", "R05", "R11", "R03", "R00"]
    assert card["uuid"] == str(uuid.uuid5(CARD_NAMESPACE, f"{ctx.hook_instance}:readiness"))


def test_readiness_detail_sections(ctx):
    detail = readiness_card(READINESS, ctx=ctx)["detail"]
    assert detail.startswith("**Before starting a JAK inhibitor (FDA label rows)**\n\n"
                             "### Critical (1)\n\n"
                             "**R02** (baricitinib, FDA label rows): ALC 350/mm³ is below 500/mm³.")
    assert ("### Baseline tests missing or out of date (3)\n\n"
            "**R05** (baricitinib, FDA label rows), missing data: No lymphocyte count in the last 30 days.") in detail
    assert "### Contraindications and cautions present" not in detail  # R02 is under Critical
    assert "### Reminders (1)\n\n**R00**" in detail
    assert "| ALC | 350 /uL | 2 May 2024 |" in detail and "Observation/" not in detail
    assert "Threshold confidence: [P]. Threshold not confirmed against the label ([R]/[P])." in detail


def test_readiness_override_reasons(ctx):
    system = "http://essdai-cds.org/fhir/CodeSystem/override-reason"
    assert readiness_card(READINESS, ctx=ctx)["overrideReasons"] == [
        {"system": system, "code": "result-outside-ehr", "display": "Result available outside EHR"},
        {"system": system, "code": "not-starting-jaki", "display": "Not starting a JAK inhibitor"},
        {"system": system, "code": "chronic-pss-cytopenia", "display": "Value is chronic / disease-related (pSS cytopenia)"},
    ]


def test_readiness_with_only_reminders(ctx):
    card = readiness_card([READINESS[0]], ctx=ctx)
    assert card["summary"] == "Before starting a JAK inhibitor, nothing is flagged; 1 reminder applies."
    assert card["indicator"] == "info"
    assert "suggestions" not in card and "selectionBehavior" not in card


@pytest.mark.parametrize("findings", [[], None])
def test_no_findings_no_readiness_card(ctx, findings):
    assert readiness_card(findings, ctx=ctx) is None


def test_one_item_is_singular(ctx):
    assert readiness_card([READINESS[1]], ctx=ctx)["summary"] == "Before starting a JAK inhibitor, 1 item needs checking."


# --- monitoring ---------------------------------------------------------------------------------

MONITORING = [
    finding("R26", "info", suggestion=Suggestion("order-test", "Order lipid panel", loinc=(("24331-1", "Lipid panel"),))),
    finding("R27", "info", suggestion=CBC),
    finding("R12", "info", suggestion=Suggestion("order-test", "", loinc=(("42595-9", "HBV DNA"),))),
]


def test_monitoring_card(ctx):
    card = monitoring_card(MONITORING, ctx=ctx)
    assert card["summary"] == "On baricitinib, lipid panel is due, CBC with differential is due and HBV DNA is due."
    assert card["indicator"] == "info"
    assert card["selectionBehavior"] == "any"
    assert [s["label"] for s in card["suggestions"]] == ["Order lipid panel", "Order CBC with differential",
                                                         "Order the missing test"]
    assert card["detail"].startswith("**Monitoring on baricitinib (FDA label rows)**\n\n### Due or to review (3)")
    for action in actions(card):
        validate_r4b(action["resource"])


def test_monitoring_result_to_review_and_several_drugs(ctx):
    rose = finding("R26", "warning", "fired", drug="tofacitinib", message="LDL rose from 120 to 190 mg/dL.")
    card = monitoring_card([MONITORING[0], rose], ctx=ctx)
    assert card["summary"] == "On a JAK inhibitor, review of lipids is due and lipid panel is due."
    assert card["indicator"] == "warning"


def test_monitoring_summary_falls_back_to_a_count_when_long(ctx):
    # placeholder codes, not LOINC: only the length of the summary is under test
    many = [finding(f"R{n}", "info", suggestion=Suggestion("order-test", f"Order test number {n} with a long name",
                                                          loinc=((f"placeholder-{n}", "x"),))) for n in range(10, 20)]
    assert monitoring_card(many, ctx=ctx)["summary"] == "On baricitinib, 10 monitoring items are due or need review."


@pytest.mark.parametrize("findings", [[], None])
def test_nothing_due_no_monitoring_card(ctx, findings):
    assert monitoring_card(findings, ctx=ctx) is None


# --- could not complete -------------------------------------------------------------------------

def test_unavailable_card(ctx):
    card = unavailable_card("the JAK-inhibitor safety check", ctx=ctx)
    assert card == {
        "uuid": str(uuid.uuid5(CARD_NAMESPACE, f"{ctx.hook_instance}:unavailable:the JAK-inhibitor safety check")),
        "summary": "Could not complete the JAK-inhibitor safety check because the FHIR server did not answer.",
        "indicator": "warning",
        "detail": "**Not completed:** the JAK-inhibitor safety check, because the FHIR server did not answer.\n\n"
                  "No result is shown for this check, so its absence does not mean that nothing was found.\n"
                  "Review the record yourself, or reopen the record to run the check again.",
        "source": {"label": "essdai-cds", "topic": {"system": "http://essdai-cds.org/fhir/CodeSystem/card-topic",
                                                    "code": "check-unavailable",
                                                    "display": "Check could not be completed"}},
        "overrideReasons": [{"system": "http://essdai-cds.org/fhir/CodeSystem/override-reason",
                             "code": "checked-manually", "display": "Checked manually"}],
    }


def test_unavailable_card_with_a_long_subject_stays_under_140(ctx):
    card = unavailable_card("the " + "very " * 40 + "long check", ctx=ctx)
    assert len(card["summary"]) < 140
    assert card["summary"] == "A check could not be completed; the card says why."  # whole sentences, never cut


# --- robustness and contract --------------------------------------------------------------------

def test_cards_that_cannot_be_built_degrade_to_the_could_not_complete_card(ctx, monkeypatch, caplog):
    import cards.readiness as module

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(module, "render", broken)
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        ready, monitor = readiness_card(READINESS, ctx=ctx), monitoring_card(MONITORING, ctx=ctx)
    assert ready["summary"] == "Could not complete the JAK-inhibitor readiness checklist because its findings could not be displayed."
    assert monitor["summary"] == "Could not complete the JAK-inhibitor monitoring check because its findings could not be displayed."
    assert "card for the JAK-inhibitor readiness checklist could not be built" in caplog.text
    assert "card for the JAK-inhibitor monitoring check could not be built" in caplog.text


def test_every_card_follows_the_contract(ctx):
    cards = [readiness_card(READINESS, ctx=ctx), monitoring_card(MONITORING, ctx=ctx),
             unavailable_card("the ESSDAI assessment", ctx=ctx)]
    assert empty_paths(cards) == []
    json.dumps(cards)
    for card in cards:
        assert len(card["summary"]) < 140 and card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"]
        assert ("selectionBehavior" in card) == ("suggestions" in card)
        assert all(r["display"] for r in card["overrideReasons"])
        assert all(a["description"] for a in actions(card))


def test_one_rule_asking_for_two_tests_gives_two_distinct_suggestions(ctx):
    hbv = [finding("R12", suggestion=Suggestion("order-test", "Order HBV serology", loinc=(("5195-3", "HBsAg"),))),
           finding("R12", suggestion=Suggestion("order-test", "Order HBV DNA", loinc=(("42595-9", "HBV DNA"),)))]
    card = readiness_card(hbv, ctx=ctx)
    assert [s["label"] for s in card["suggestions"]] == ["Order HBV serology", "Order HBV DNA"]
    assert len({s["uuid"] for s in card["suggestions"]}) == 2
