"""The ESSDAI card: honest one-sentence summaries, indicator, detail, record suggestion, extension."""

import json
import re
import logging
import uuid
from dataclasses import replace

import pytest

from card_helpers import empty_paths, essdai_result, full_result, validate_r4b
from cards import clean, essdai_cards
from cards.ids import CARD_NAMESPACE
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS


def card_for(result, ctx):
    cards = essdai_cards(result, ctx=ctx)
    assert len(cards) == 1
    return cards[0]


# --- summary ------------------------------------------------------------------------------------

SUMMARY_CASES = [
    pytest.param(dict(score=9, max_=9, category="moderate", met=True),
                 "ESSDAI is 9 (moderate activity), which meets the ≥5 threshold.", id="determined-moderate"),
    pytest.param(dict(score=3, max_=3, category="low", met=False),
                 "ESSDAI is 3 (low activity), which is below the ≥5 threshold.", id="determined-low"),
    pytest.param(dict(score=5, max_=5, category="moderate", met=True),
                 "ESSDAI is 5 (moderate activity), which meets the ≥5 threshold.", id="determined-at-threshold"),
    pytest.param(dict(score=4, max_=4, category="low", met=False),
                 "ESSDAI is 4 (low activity), which is below the ≥5 threshold.", id="determined-just-below"),
    pytest.param(dict(score=16, max_=16, category="high", met=True),
                 "ESSDAI is 16 (high activity), which meets the ≥5 threshold.", id="determined-high"),
    pytest.param(dict(score=3, max_=40, category=None, met=None, rated=4),
                 "ESSDAI is at least 3 from 4 of 12 domains; rating 8 more decides eligibility.", id="range-undecided"),
    pytest.param(dict(score=3, max_=40, category=None, met=None, rated=4, deciding=3),
                 "ESSDAI is at least 3 from 4 of 12 domains; rating 3 more decides eligibility.", id="range-few-deciding"),
    pytest.param(dict(score=7, max_=50, category=None, met=True, rated=4),
                 "ESSDAI is at least 7 (4 of 12 domains rated), which meets the ≥5 threshold.", id="range-met"),
    pytest.param(dict(score=2, max_=4, category="low", met=False, rated=9),
                 "ESSDAI is at most 4 (low activity; 9 of 12 domains rated), which is below the ≥5 threshold.",
                 id="range-below"),
    pytest.param(dict(score=15, max_=60, category="high", met=True, rated=6),
                 "ESSDAI is at least 15 (high activity; 6 of 12 domains rated), which meets the ≥5 threshold.",
                 id="range-high"),
    pytest.param(dict(score=0, max_=123, category=None, met=None, rated=0),
                 "ESSDAI was not scored because none of 12 domains could be rated from the record.", id="no-data"),
]


@pytest.mark.parametrize(("kwargs", "expected"), SUMMARY_CASES)
def test_summary_exact(ctx, kwargs, expected):
    assert card_for(essdai_result(**kwargs), ctx)["summary"] == expected


MANY = [
    (score, max_, category, met, rated)
    for score, max_, category, met in [
        (0, 0, "low", False), (4, 4, "low", False), (5, 5, "moderate", True), (13, 13, "moderate", True),
        (14, 14, "high", True), (123, 123, "high", True), (0, 123, None, None), (4, 123, None, None),
        (5, 123, None, True), (14, 123, "high", True), (0, 4, "low", False), (99, 123, "high", True),
    ]
    for rated in (0, 1, 11, 12)
    if (rated == 12) == (score == max_)
]


@pytest.mark.parametrize(("score", "max_", "category", "met", "rated"), MANY)
@pytest.mark.parametrize("threshold", [5, 123456789])
def test_summary_is_one_sentence_under_140_and_claims_no_unsupported_category(ctx, score, max_, category, met,
                                                                               rated, threshold):
    result = essdai_result(score, max_, category=category, met=met, rated=rated, threshold=threshold)
    summary = card_for(result, ctx)["summary"]
    assert 0 < len(summary) < 140
    assert "\n" not in summary
    assert "…" not in summary  # shortened by dropping parts, never by cutting
    claimed = {c for c in ("low", "moderate", "high") if f"{c} activity" in summary}
    assert claimed <= ({category} if category else set())
    if met is None:
        assert "meets" not in summary and "below" not in summary


# --- indicator ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "indicator"),
    [
        pytest.param(dict(score=13, max_=13, category="moderate", met=True), "info", id="13-moderate-info"),
        pytest.param(dict(score=14, max_=14, category="high", met=True), "warning", id="14-high-warning"),
        pytest.param(dict(score=14, max_=60, category="high", met=True, rated=5), "warning", id="range-high-warning"),
        pytest.param(dict(score=10, max_=60, category=None, met=True, rated=5), "info", id="range-unknown-info"),
        pytest.param(dict(score=0, max_=123, category=None, met=None, rated=0), "info", id="no-data-info"),
    ],
)
def test_indicator_policy(ctx, kwargs, indicator):
    assert card_for(essdai_result(**kwargs), ctx)["indicator"] == indicator


# --- contract rules -----------------------------------------------------------------------------

ALL_RESULTS = [essdai_result(**case.values[0]) for case in SUMMARY_CASES] + [full_result()]


@pytest.mark.parametrize("result", ALL_RESULTS)
def test_no_empty_member_anywhere_and_json_serialisable(ctx, result):
    card = card_for(result, ctx)
    assert empty_paths(card) == []
    json.dumps(card)


@pytest.mark.parametrize("result", ALL_RESULTS)
def test_selection_behavior_present_iff_suggestions(ctx, result):
    card = card_for(result, ctx)
    assert ("selectionBehavior" in card) == ("suggestions" in card)


def test_override_reasons_all_have_display(ctx):
    reasons = card_for(full_result(), ctx)["overrideReasons"]
    assert reasons == [
        {"system": "http://essdai-cds.org/fhir/CodeSystem/override-reason", "code": "not-relevant",
         "display": "Not relevant for this visit"},
        {"system": "http://essdai-cds.org/fhir/CodeSystem/override-reason", "code": "data-incomplete",
         "display": "Scored elsewhere / data incomplete"},
    ]


def test_source_label_topic_and_url_only_when_configured(ctx):
    card = card_for(full_result(), ctx)
    assert card["source"] == {
        "label": "essdai-cds — ESSDAI (EULAR, Seror 2010)",
        "topic": {"system": "http://essdai-cds.org/fhir/CodeSystem/card-topic", "code": "disease-activity",
                  "display": "Disease activity"},
    }
    with_url = card_for(full_result(), replace(ctx, source_url="https://essdai-cds.org/about"))
    assert with_url["source"]["url"] == "https://essdai-cds.org/about"


def test_uuids_are_deterministic_per_hook_instance(ctx):
    first, again = card_for(full_result(), ctx), card_for(full_result(), ctx)
    other = card_for(full_result(), replace(ctx, hook_instance="another-hook-instance"))
    assert first["uuid"] == again["uuid"] == str(uuid.uuid5(CARD_NAMESPACE, f"{ctx.hook_instance}:essdai"))
    assert first["suggestions"][0]["uuid"] == again["suggestions"][0]["uuid"]
    assert other["uuid"] != first["uuid"]
    assert other["suggestions"][0]["uuid"] != first["suggestions"][0]["uuid"]


def test_extension_is_the_result_without_nulls(ctx):
    result = full_result()
    result["esspri"] = None
    result["essdai"]["category"] = None
    ext = card_for(result, ctx)["extension"]["essdai-cds"]
    assert ext == clean(result)
    assert "esspri" not in ext and "category" not in ext["essdai"] and ext["essdai"]["score"] == 9


# --- links --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("link_type", "expected"), [("smart", "smart"), ("absolute", "absolute"), ("bogus", "smart")]
)
def test_worksheet_link(ctx, link_type, expected):
    c = replace(ctx, worksheet_url="https://apps.example.org/essdai/launch", worksheet_link_type=link_type)
    assert card_for(full_result(), c)["links"] == [
        {"label": "Open the ESSDAI worksheet", "url": "https://apps.example.org/essdai/launch", "type": expected}]


def test_no_links_without_worksheet_url(ctx):
    assert "links" not in card_for(full_result(), ctx)


# --- record suggestion --------------------------------------------------------------------------

def test_record_suggestion_for_a_determined_total(ctx):
    card = card_for(full_result(), ctx)
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    assert suggestion["label"] == "Record ESSDAI 9 in the chart"
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    assert action["description"] == "Create an Observation recording ESSDAI 9 with its 12 domain levels, dated 2024-05-10"
    obs = action["resource"]
    validate_r4b(obs)
    assert obs["status"] == "final"
    assert obs["category"] == [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                            "code": "survey", "display": "Survey"}]}]
    assert obs["code"]["coding"] == [{"system": ctx.codesystem, "code": "essdai-total", "display": "ESSDAI total score"}]
    assert obs["subject"] == {"reference": "Patient/pt-42"}
    assert obs["effectiveDateTime"] == "2024-05-10"
    assert obs["valueInteger"] == 9
    assert [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in obs["component"]] == [
        ("constitutional", 0), ("lymphadenopathy", 0), ("glandular", 1), ("articular", 2), ("cutaneous", 0),
        ("pulmonary", 0), ("renal", 0), ("muscular", 0), ("pns", 0), ("cns", 0), ("hematological", 1),
        ("biological", 1)]
    assert all(c["code"]["coding"][0]["system"] == ctx.codesystem for c in obs["component"])
    assert obs["derivedFrom"] == [{"reference": "Observation/syn-1"}, {"reference": "Observation/neut-1"},
                                  {"reference": "Observation/igg-1"}]


@pytest.mark.parametrize(
    "kwargs",
    [dict(score=3, max_=40, category=None, met=None, rated=4), dict(score=7, max_=50, category=None, met=True, rated=4),
     dict(score=0, max_=123, category=None, met=None, rated=0)],
)
def test_no_record_suggestion_for_a_range(ctx, kwargs):
    card = card_for(essdai_result(**kwargs), ctx)
    assert "suggestions" not in card and "selectionBehavior" not in card


def test_invalid_observation_is_never_emitted(ctx, monkeypatch, caplog):
    from cards import fhir_actions

    def reject(resource):
        raise ValueError("rejected for the test")

    monkeypatch.setattr(fhir_actions.Observation, "model_validate", reject)
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        card = card_for(full_result(), ctx)
    assert "suggestions" not in card and "selectionBehavior" not in card
    assert "Observation failed R4B validation, suggestion dropped: ValueError: rejected for the test" in caplog.text


# --- detail -------------------------------------------------------------------------------------

def test_detail_shows_domain_evidence_as_value_unit_date_in_words_without_references(ctx):
    detail = card_for(full_result(), ctx)["detail"]
    assert ("| Haematological | 1 (low) | 2 | ANC 1200 /uL, 2 May 2024 (attribution to Sjögren's presumed) |"
            in detail)
    assert "| Articular | 2 (moderate) | 4 | Synovitis count (28-joint count) 3, 1 May 2024 |" in detail
    table = detail.split("- **ClinESSDAI")[0]
    assert "Observation/" not in table and "http" not in table


def test_detail_other_scores_warnings_and_confidence_notes(ctx):
    detail = card_for(full_result(), ctx)["detail"]
    assert detail.startswith("**ESSDAI 9 (moderate activity)**: meets the ESSDAI ≥5 threshold\n\n| Domain |")
    for line in [
        "- **ClinESSDAI:** 10 (moderate activity; ESSDAI cut-offs reused)",
        "- **ESSPRI:** 5.67; patient-acceptable symptom state (PASS): no",
        "- **ESSPRI change:** no earlier ESSPRI recorded",
        "- **Change since the last recorded ESSDAI:** 13 → 9 (-4); minimal clinically important improvement (MCII) reached",
        "- **2016 ACR/EULAR classification criteria:** met (score 6, at most 7 with the items not yet recorded)",
        "- skipped Observation/x: unknown unit 'mg/furlong'",
        "- ClinESSDAI weights are not verified against the primary source (Seror 2016); medium confidence. "
        "ESSDAI activity cut-offs are reused for ClinESSDAI.",
        "- Attribution to active Sjögren's disease is presumed, not confirmed, for levels derived from the record: "
        "Haematological, Biological. Confirm that no other cause (infection, drugs, deficiency, damage) explains them.",
    ]:
        assert line in detail.splitlines()


def test_detail_lists_undetermined_and_deciding_domains(ctx):
    detail = card_for(essdai_result(3, 40, category=None, met=None, rated=9, deciding=2), ctx)["detail"]
    assert detail.startswith("**ESSDAI between 3 and 40 (9 of 12 domains rated)**: eligibility (ESSDAI ≥5) not yet decided")
    assert "**Not yet rated (3):** Central nervous system, Haematological, Biological." in detail
    assert "Could still change eligibility or the activity category: Central nervous system, Haematological." in detail
    assert "| Biological | 0–3 (not rated) | ≥ 0 | nothing in the record |" in detail
    assert "- **ESSPRI:** not recorded (needs the three patient-reported scales: dryness, fatigue, pain)" in detail
    assert "- **Change since the last recorded ESSDAI:** not available" in detail
    assert "- **2016 ACR/EULAR classification criteria:** not decided (score 3, at most 9 with the items not yet recorded)" in detail


def test_fhir_sourced_text_is_escaped_in_the_detail(ctx):
    result = full_result()
    result["essdai"]["domains"]["biological"]["evidence"][0]["display"] = "IgG <img src=x onerror=alert(1)> **high**"
    result["essdai"]["domains"]["biological"]["evidence"][0]["code"] = "urn:local|igg"  # no LOINC short label
    result["essdai"]["domains"]["biological"]["evidence"][0]["reference"] = "Observation/a|b"
    result["warnings"] = ["skipped Observation/z: unit '[click](http://evil)'"]
    detail = card_for(result, ctx)["detail"]
    assert "IgG \\<img src=x onerror=alert(1)\\> \\*\\*high\\*\\* 17.5 g/L, 2 May 2024 |" in detail
    assert "- skipped Observation/z: unit '\\[click\\](http://evil)'" in detail
    assert re.search(r"(?<!\\)[<\[]", detail) is None  # no unescaped "<" or "[" anywhere


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "result",
    [pytest.param(None, id="none"), pytest.param("not a dict", id="string"),
     pytest.param({"essdai": {"score": "abc"}}, id="score-not-a-number")],
)
def test_unusable_result_gives_the_could_not_complete_card(ctx, result, caplog):
    with caplog.at_level(logging.ERROR, logger="essdai_cds.cards"):
        (card,) = essdai_cards(result, ctx=ctx)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Could not complete the ESSDAI assessment because its result could not be displayed."
    assert empty_paths(card) == []
    assert "card for the ESSDAI assessment could not be built" in caplog.text


def test_absent_members_are_read_as_null(ctx):
    """A result that went through clean() (absent == null) gives the same card as the raw one."""
    raw = essdai_result(3, 40, category=None, met=None, rated=4)
    assert card_for(clean(raw), ctx)["summary"] == card_for(raw, ctx)["summary"]
    assert card_for(clean(raw), ctx)["detail"] == card_for(raw, ctx)["detail"]


def test_domain_order_follows_the_codesystem(ctx):
    detail = card_for(full_result(), ctx)["detail"]
    rows = [line.split("|")[1].strip() for line in detail.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows == ["Glandular", "Articular", "Haematological", "Biological"]  # codesystem order
    # the domains at 0 without evidence fold into one line, also in codesystem order
    assert ("**8 domains at level 0:** Constitutional, Lymphadenopathy and lymphoma, Cutaneous, Pulmonary, Renal, "
            "Muscular, Peripheral nervous system, Central nervous system.") in detail.splitlines()


@pytest.mark.parametrize(
    ("entry", "suffix"),
    [("met", ""), ("unknown", "; entry criterion (dryness or ESSDAI activity) unknown"),
     ("not met", "; entry criterion (dryness or ESSDAI activity) not met")],
)
def test_classification_line_says_when_the_entry_criterion_is_not_met_or_unknown(ctx, entry, suffix):
    result = full_result()
    result["classification"] = {**result["classification"], "entry_criterion": entry}
    detail = card_for(result, ctx)["detail"]
    assert ("- **2016 ACR/EULAR classification criteria:** met (score 6, at most 7 with the items not yet recorded"
            f"{suffix})") in detail.splitlines()
