"""The rule table itself: ids, sources, thresholds consistent with applies_to, short summaries."""

from __future__ import annotations

import importlib
import re
import string
from pathlib import Path

import pytest

from safety import RULES
from safety.labels import APPROVED, DRUGS, EMA, FDA, LABELS
from safety.model import Indicator, Mark, Row

RULES_DIR = Path(__file__).resolve().parents[2] / "safety" / "rules"


def test_ids_are_r00_to_r31_in_order_and_unique():
    assert [r.id for r in RULES] == [f"R{i:02d}" for i in range(32)]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_one_module_per_rule_named_after_its_id(rule):
    modules = sorted(RULES_DIR.glob(f"{rule.id.lower()}_*.py"))
    assert len(modules) == 1
    module = importlib.import_module(f"safety.rules.{modules[0].stem}")
    assert module.RULE is rule
    assert "Known problems" in (module.__doc__ or "")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_applies_to_matches_thresholds(rule):
    assert rule.applies_to and set(rule.applies_to) <= set(DRUGS)
    assert set(rule.jurisdictions) <= {FDA, EMA}
    expected = {(d, j) for d in rule.applies_to for j in rule.jurisdictions if (d, j) in APPROVED}
    assert set(rule.thresholds) == expected
    for pair, rows in rule.thresholds.items():
        assert rows, pair
        for row in rows:
            assert isinstance(row, Row) and isinstance(row.mark, Mark) and isinstance(row.indicator, Indicator)
            assert row.says
            if row.limit is not None:
                assert row.op in ("<", "<=", ">", ">=") and row.unit


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_source_with_a_section_title(rule):
    for drug, jur in rule.thresholds:
        source = rule.source_for(drug, jur)
        assert source.label
        assert re.search(r"[A-Za-z]{5}", source.section), (rule.id, drug, jur, source.section)
        assert source.url and source.url.startswith("https://")
        if rule.source is None:
            assert ("dailymed.nlm.nih.gov" if jur == FDA else "ema.europa.eu") in source.url


def test_fda_sources_use_the_set_ids_the_document_gives():
    assert LABELS[("baricitinib", FDA)].url.endswith("setid=866e9f35-9035-4581-a4b1-75a621ab55cf")
    assert LABELS[("upadacitinib", FDA)].url.endswith("setid=2966aec7-2ef0-923c-d8ff-fe1a957bf095")
    assert LABELS[("baricitinib", FDA)].mark == Mark.V and LABELS[("upadacitinib", FDA)].mark == Mark.S


# Worst-case values for every placeholder a summary uses (the longest a rule can produce); the same
# values render every template as a card summary in tests/cards/test_summaries.py.
SAMPLE = {
    "drug": "upadacitinib", "jurisdiction": "EMA", "value": "10000", "unit": "mL/min/1.73 m²", "limit": "1000",
    "measure": "eGFR (CrCl proxy)", "dose": "100 mg twice daily", "days": "365", "missing": "HBsAg or anti-HBc",
    "analyte": "ALT", "multiple": "100", "bili": "10.5", "condition": " (" + "x" * 40 + ")", "trigger": "x" * 30,
    "names": "x" * 30, "marker": "HBV DNA detectable", "verdict": "not recommended",
    "dose_note": "; the EMA label advises a reduced dose", "weeks": "520", "due_week": "16", "start_week": "10",
    "start": "2025-11-20", "last": "2025-11-20", "last_test": "last on 2025-11-20", "tests": "CBC and liver tests",
    "verb": "are", "age": "120", "ordered": "200 mg three times daily", "recommended": "100 mg once daily",
    "what": "JAK inhibitor, biologic and immunosuppressant", "recorded_as": "inactive/resolved", "doses": "1",
}
PER_RULE = {
    "R00": {"drug": "deucravacitinib", "jurisdiction": "SWISSMEDIC"},  # R00 also names drugs and jurisdictions it has no rows for
    "R10": {"dose_note": "; the EMA dose is 100 mg once daily", "trigger": "A chronic or recurrent infection"},
    "R13": {"verdict": "treat it before starting"},
    "R16": {"verdict": "carries an embryo-fetal risk to weigh"},
    "R17": {"verdict": "do not breastfeed on upadacitinib"},
    "R18": {"trigger": "A prior venous thromboembolism"},
    "R19": {"trigger": "current smoker, every day",
            "verdict": "use upadacitinib only if there is no suitable alternative (MACE risk)"},
    "R20": {"verdict": "use upadacitinib only if there is no suitable alternative (cancer risk)"},
    "R21": {"verdict": "the US label has no age cut-off for upadacitinib, but infections are more frequent in the "
                       "elderly"},
}


class _Anything(dict):
    def __missing__(self, key):
        return "x"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_summary_template_renders_under_140_characters(rule):
    assert rule.texts
    for case, text in rule.texts.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(text.summary) if f}
        values = {**SAMPLE, **PER_RULE.get(rule.id, {})}
        assert fields <= set(values), f"{rule.id}/{case}: add a worst-case sample for {fields - set(values)}"
        rendered = text.summary.format(**values)
        assert len(rendered) < 140, (rule.id, case, len(rendered), rendered)
        assert text.message.format_map(_Anything())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_override_reasons_have_code_and_display(rule):
    for code, display in rule.override_reasons:
        assert re.fullmatch(r"[a-z0-9-]+", code) and display


def test_rules_the_data_model_cannot_evaluate_say_so():
    not_evaluable = {r.id for r in RULES if not r.evaluable}
    assert not_evaluable == set()  # R01/R15 became evaluable with AllergyIntolerance / Immunization facts
    for rule in RULES:
        if not rule.evaluable:
            assert "not" in rule.known_problems.lower() and "PatientFacts" in rule.known_problems


def test_the_screening_tests_are_readiness_rules_of_the_table():
    from safety.model import Phase
    from safety.screening_tests import SCREENING_TESTS

    by_id = {r.id: r for r in RULES}
    assert sorted(SCREENING_TESTS) == ["R02", "R03", "R04", "R05", "R11", "R12", "R13"]
    assert [rid for rid in sorted(SCREENING_TESTS) if Phase.READINESS not in by_id[rid].phases] == []
