"""Controls generated from the project CodeSystem, and what a posted form becomes (entries or errors)."""

from __future__ import annotations

from datetime import date

import pytest

from worksheet.controls import (CONTROL_BY_CODE, CONTROLS, ENTERED_PREFIX, Entry, parse_form,
                                            with_entries)
from worksheet.definitions import VALUE_LABELS
from fhir_mappings.code_tables.essdai_codesystem import CODES, DOMAINS
from fhir_mappings.facts import Finding, PatientFacts
from scoring.domains import DOMAIN_TABLE

WORKSHEET_GROUPS = (*DOMAINS, "esspri")


def test_every_finding_rating_and_esspri_code_has_one_control() -> None:
    expected = {c for c, d in CODES.items() if d.group in WORKSHEET_GROUPS}
    assert set(CONTROL_BY_CODE) == expected
    assert list(CONTROLS) == [*DOMAINS, "esspri"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_ends_with_its_rating_offering_exactly_its_levels(domain: str) -> None:
    rating = CONTROLS[domain][-1]
    assert (rating.code, rating.kind) == (domain, "rating")
    assert [v for v, _ in rating.options] == [str(lvl) for lvl in DOMAIN_TABLE[domain].levels]


@pytest.mark.parametrize(("code", "kind", "unit", "minimum", "maximum"), [
    ("synovitis-count", "integer", None, 0, 28),
    ("nyha-class", "integer", None, 1, 4),
    ("muscle-power-min", "integer", None, 0, 5),
    ("motor-deficit-min", "integer", None, 0, 5),
    ("lymph-node-size-cm", "decimal", "cm", 0, None),
    ("parotid-size-cm", "decimal", "cm", 0, None),
    ("esspri-fatigue", "decimal", None, 0, 10),
    ("splenomegaly", "boolean", None, None, None),
    ("cutaneous-vasculitis", "choice", None, None, None),
    ("pns-feature", "multi", None, None, None),
    ("cns-feature", "multi", None, None, None),
])
def test_control_kind_and_bounds_follow_the_codesystem(code: str, kind: str, unit: str | None,
                                                       minimum: float | None, maximum: float | None) -> None:
    c = CONTROL_BY_CODE[code]
    assert (c.kind, c.unit, c.minimum, c.maximum) == (kind, unit, minimum, maximum)


def test_every_coded_answer_has_a_label() -> None:
    for code, d in CODES.items():
        if d.allowed:
            assert set(VALUE_LABELS[code]) == set(d.allowed), code


def test_boolean_hints_speak_yes_no() -> None:
    assert CONTROL_BY_CODE["weight-loss-voluntary"].hint == (
        "“Yes” excludes weight loss; “No” confirms it is involuntary")


# --- parsing: accepted values (both sides of every bound) ----------------------------------------------
@pytest.mark.parametrize(("code", "text", "value"), [
    ("synovitis-count", "0", 0),
    ("synovitis-count", "28", 28),
    ("synovitis-count", "6.0", 6),
    ("nyha-class", "1", 1),
    ("nyha-class", "4", 4),
    ("muscle-power-min", "5", 5),
    ("parotid-size-cm", "0", 0.0),
    ("parotid-size-cm", "3,5", 3.5),
    ("esspri-dryness", "0", 0.0),
    ("esspri-dryness", "10", 10.0),
    ("esspri-pain", "6.5", 6.5),
    ("splenomegaly", "true", True),
    ("splenomegaly", "false", False),
    ("submandibular-lacrimal-swelling", "important", "important"),
    ("cns", "0", 0),
    ("cns", "2", 2),
    ("glandular", "2", 2),
    ("articular", "3", 3),
])
def test_valid_value_becomes_an_entry(code: str, text: str, value: object) -> None:
    parsed = parse_form({code: [text]})
    assert parsed.errors == {}
    assert parsed.entries == [Entry(code, value, CODES[code].unit)]
    assert type(parsed.entries[0].value) is type(value)


# --- parsing: refused values are reported, never guessed -------------------------------------------------
@pytest.mark.parametrize(("code", "text", "message"), [
    ("synovitis-count", "-1", "must be at least 0"),
    ("synovitis-count", "29", "must be at most 28"),
    ("synovitis-count", "2.5", "enter a whole number"),
    ("synovitis-count", "many", "enter a number"),
    ("nyha-class", "0", "must be at least 1"),
    ("nyha-class", "5", "must be at most 4"),
    ("muscle-power-min", "6", "must be at most 5"),
    ("parotid-size-cm", "-0.5", "must be at least 0"),
    ("parotid-size-cm", "nan", "enter a number"),
    ("esspri-dryness", "10.5", "must be at most 10"),
    ("esspri-dryness", "-0.1", "must be at least 0"),
    ("splenomegaly", "maybe", "answer yes or no"),
    ("cutaneous-vasculitis", "extensive", "not one of the listed answers"),
    ("cns", "1", "level must be one of 0, 2, 3"),
    ("glandular", "3", "level must be one of 0, 1, 2"),
    ("articular", "two", "level must be one of 0, 1, 2, 3"),
    ("synovitis-count", "1" * 41, "value too long"),
])
def test_invalid_value_is_reported_and_left_out(code: str, text: str, message: str) -> None:
    parsed = parse_form({code: [text]})
    assert parsed.entries == []
    assert parsed.errors == {code: message}
    assert parsed.values == {code: [text]}  # shown again as entered


def test_empty_and_unknown_fields_are_not_entries() -> None:
    parsed = parse_form({"synovitis-count": [""], "splenomegaly": ["  "], "csrf": ["x"], "no-such-code": ["1"]})
    assert (parsed.entries, parsed.errors) == ([], {})


def test_features_take_several_values_but_none_stands_alone() -> None:
    ok = parse_form({"pns-feature": ["trigeminal-neuralgia", "sensorimotor-axonal"]})
    assert ok.entries == [Entry("pns-feature", "trigeminal-neuralgia"), Entry("pns-feature", "sensorimotor-axonal")]
    bad = parse_form({"pns-feature": ["none", "trigeminal-neuralgia"]})
    assert (bad.entries, bad.errors) == ([], {"pns-feature": "'none' cannot be combined with a feature"})
    twice = parse_form({"synovitis-count": ["2", "3"]})
    assert twice.errors == {"synovitis-count": "enter one value"}


def test_entries_join_the_facts_first_so_they_win_over_a_same_day_chart_finding() -> None:
    today = date(2026, 3, 2)
    chart = Finding("synovitis-count", 7, today, "Observation/old")
    facts = PatientFacts("p1", today, findings=(chart,))
    merged = with_entries(facts, [Entry("synovitis-count", 2)])
    assert merged.latest_finding("synovitis-count") == Finding("synovitis-count", 2, today,
                                                               f"{ENTERED_PREFIX}synovitis-count", None)
    assert facts.findings == (chart,)  # the original facts are unchanged
    assert with_entries(facts, []) is facts
