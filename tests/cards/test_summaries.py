"""Card summaries are one whole sentence (issue 14 point 3): < 140 characters, a full stop at the end,
never cut. Every summary the card tests build is checked by conftest's `summaries_are_sentences`; this
file checks the rule itself, the reviewed snapshots, and that the cards' own wording is not log-style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from card_helpers import essdai_result, summary_problems
from cards import essdai_cards
from cards.unavailable import unavailable_card

SNAPSHOTS = Path(__file__).resolve().parents[1] / "e2e" / "card_snapshots"


@pytest.mark.parametrize(("summary", "problems"), [
    ("ESSDAI is 5 (moderate activity), which meets the ≥5 threshold.", []),
    ("ESSDAI 5 (moderate activity): meets the ESSDAI ≥5 threshold", ["does not end with one full stop",
                                                                     "a colon fragment, not a sentence"]),
    ("Could not complete the check because the results were not…", ["does not end with one full stop",
                                                                    "cut mid-sentence"]),
    ("X" * 139 + ".", ["140 characters"]),
    ("eGFR 25 is below 30.", []),
    ("lipids due.", ["does not start with a capital"]),
    ("Age 67: only if no suitable alternative.", ["a colon fragment, not a sentence"]),
    ("The visit at 10:30 was rated 1 by a clinician.", []),
])
def test_the_rule(summary: str, problems: list[str]) -> None:
    assert summary_problems(summary) == problems


def test_every_snapshot_summary_is_a_whole_sentence() -> None:
    summaries = [line[3:] for p in sorted(SNAPSHOTS.glob("*.md"))
                 for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    assert len(summaries) == 12  # six reviewed cases, each card's summary is its "## " heading
    assert {s: summary_problems(s) for s in summaries if summary_problems(s)} == {}
    assert [s for s in summaries if ":" in s] == []  # no "label: verdict" log phrasing on the reviewed cards


def _longest_values() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The worst-case placeholder values kept beside the safety rule table (tests/safety/test_registry.py)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "safety" / "test_registry.py"
    spec = importlib.util.spec_from_file_location("_safety_summary_samples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SAMPLE, module.PER_RULE


def _rule_texts() -> list:
    from safety import RULES

    return [pytest.param(rule, case, id=f"{rule.id}-{case}") for rule in RULES for case in rule.texts]


@pytest.mark.parametrize(("rule", "case"), _rule_texts())
def test_every_safety_rule_text_is_a_whole_sentence_on_its_card(ctx, rule, case) -> None:
    """Each summary template of every rule, rendered with its longest values and built into a card, is the
    rule's own whole sentence (not the fixed stand-in, never cut): a new template cannot regress."""
    from card_helpers import SafetyFinding
    from cards import safety_cards
    from cards.text import sentence
    from safety.model import fit_summary

    sample, per_rule = _longest_values()
    rendered = fit_summary(rule.texts[case].summary.format(**{**sample, **per_rule.get(rule.id, {})}))
    finding = SafetyFinding(rule=rule.id, drug="upadacitinib", summary=rendered, message="detail")
    [card] = safety_cards([finding], ctx=ctx)
    assert card["summary"] == sentence(rendered)
    assert summary_problems(card["summary"]) == []


ESSDAI_CASES = [dict(score=5, max_=5, category="moderate", met=True), dict(score=3, max_=3, category="low", met=False),
                dict(score=3, max_=40, category=None, met=None, rated=4),
                dict(score=15, max_=60, category="high", met=True, rated=6),
                dict(score=0, max_=123, category=None, met=None, rated=0)]


@pytest.mark.parametrize("kwargs", ESSDAI_CASES)
def test_essdai_summaries_have_no_log_style_label(ctx, kwargs) -> None:
    """"ESSDAI 5 (moderate activity): meets ..." was a log line; the sentence has a verb and no "label:"."""
    [card] = essdai_cards(essdai_result(**kwargs), ctx=ctx)
    assert ":" not in card["summary"]
    assert re.match(r"ESSDAI (is|was) ", card["summary"])


def test_a_long_dynamic_part_shortens_the_wording_not_the_sentence(ctx) -> None:
    """A long "could not complete" subject drops the reason, then names only the check: whole sentences."""
    what = "the JAK-inhibitor safety check (unavailable: " + "very long server reply " * 4 + ")"
    card = unavailable_card(what, ctx=ctx, reason="the FHIR server answered with something that is not FHIR JSON")
    assert card["summary"] == "Could not complete the JAK-inhibitor safety check; the card says why."

