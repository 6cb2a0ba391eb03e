"""Level definitions are display data: one per allowed level of every domain, each with a source and mark."""

from __future__ import annotations

import pytest

from worksheet.definitions import C1, DOMAIN_TEXT, ESSPRI_QUESTIONS, S1, S5
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS
from scoring.domains import DOMAIN_TABLE
from scoring.esspri import ITEM_CODES
from scoring.tables import Mark


def test_domains_in_eular_order() -> None:
    assert tuple(DOMAIN_TEXT) == DOMAINS


@pytest.mark.parametrize("domain", DOMAINS)
def test_one_definition_per_allowed_level(domain: str) -> None:
    assert tuple(DOMAIN_TEXT[domain].levels) == DOMAIN_TABLE[domain].levels
    assert DOMAIN_TEXT[domain].exclusion


@pytest.mark.parametrize(("domain", "source", "mark"), [
    *[(d, S1, Mark.V) for d in ("constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous")],
    *[(d, C1, Mark.P) for d in ("pulmonary", "renal", "muscular", "pns", "cns", "hematological", "biological")],
])
def test_source_tag_and_mark_follow_the_rules_doc(domain: str, source: str, mark: Mark) -> None:
    assert {(t.source, t.mark) for t in DOMAIN_TEXT[domain].levels.values()} == {(source, mark)}


@pytest.mark.parametrize(("domain", "level", "fragment"), [
    ("constitutional", 1, "37.5–38.5 °C"),
    ("constitutional", 2, "> 38.5 °C"),
    ("lymphadenopathy", 1, "≥ 2 cm in the inguinal region"),
    ("glandular", 2, "> 3 cm"),
    ("articular", 3, "6 or more"),
    ("pulmonary", 2, "40 % ≤ DLCO < 70 %"),
    ("renal", 3, "> 1.5 g/day"),
    ("hematological", 2, "500 ≤ neutrophils ≤ 1000/mm³"),
    ("biological", 1, "IgG 16–20 g/L"),
])
def test_printed_numbers_are_kept(domain: str, level: int, fragment: str) -> None:
    assert fragment in DOMAIN_TEXT[domain].levels[level].text


def test_esspri_questions_cover_the_scored_items() -> None:
    assert tuple(ESSPRI_QUESTIONS) == ITEM_CODES
    assert {q.source for q in ESSPRI_QUESTIONS.values()} == {S5}
