"""R02-R05: ALC, ANC, Hb start thresholds per drug x jurisdiction, and the missing-CBC finding."""

from __future__ import annotations

import pytest

from safety import check_order, readiness
from safety.model import Indicator, Mark, Status, SuggestionKind
from safety_factories import AS_OF, ago, by_rule, meas, order, patient

B, T, U, F = "baricitinib", "tofacitinib", "upadacitinib", "filgotinib"

# (drug, jurisdiction, start threshold, mark) straight from jak-safety-rules.md §6
ALC = [(B, "FDA", 500, Mark.V), (B, "EMA", 500, Mark.V), (T, "FDA", 500, Mark.V), (T, "EMA", 750, Mark.R),
       (U, "FDA", 500, Mark.V), (U, "EMA", 500, Mark.S), (F, "EMA", 500, Mark.S)]
ANC = [(B, "FDA", 1000, Mark.V), (B, "EMA", 1000, Mark.V), (T, "FDA", 1000, Mark.V), (T, "EMA", 1000, Mark.S),
       (U, "FDA", 1000, Mark.V), (U, "EMA", 1000, Mark.S), (F, "EMA", 1000, Mark.S)]
HB = [(B, "FDA", 8, Mark.V), (B, "EMA", 8, Mark.V), (T, "FDA", 9, Mark.V), (T, "EMA", 9, Mark.R),
      (U, "FDA", 8, Mark.V), (U, "EMA", 8, Mark.S), (F, "EMA", 8, Mark.R)]


def _edges(table, below):
    for drug, jur, limit, mark in table:
        yield pytest.param(drug, jur, limit - below, mark, True, id=f"{drug}-{jur}-below-{limit}")
        yield pytest.param(drug, jur, limit, mark, False, id=f"{drug}-{jur}-at-{limit}")


def _run(drug, jur, analyte, value):
    return check_order(order(drug, jurisdiction=jur), patient(labs={analyte: meas(analyte, value)}), jur)


@pytest.mark.parametrize(("drug", "jur", "value", "mark", "fires"), list(_edges(ALC, 1)))
def test_r02_alc_start_threshold_edges(drug, jur, value, mark, fires):
    found = by_rule(_run(drug, jur, "lymphocytes", value), "R02")
    assert len(found) == (1 if fires else 0)
    if fires:
        f = found[0]
        assert (f.indicator, f.status, f.mark, f.confirmed) == (Indicator.CRITICAL, Status.FIRED, mark,
                                                               mark in (Mark.V, Mark.S))
        assert f.suggestion is not None and f.suggestion.kind == SuggestionKind.CANCEL_ORDER


@pytest.mark.parametrize(("drug", "jur", "value", "mark", "fires"), list(_edges(ANC, 1)))
def test_r03_anc_start_threshold_edges(drug, jur, value, mark, fires):
    found = by_rule(_run(drug, jur, "neutrophils", value), "R03")
    assert [(f.indicator, f.mark) for f in found] == ([(Indicator.CRITICAL, mark)] if fires else [])


@pytest.mark.parametrize(("drug", "jur", "value", "mark", "fires"), list(_edges(HB, 0.1)))
def test_r04_hemoglobin_start_threshold_edges(drug, jur, value, mark, fires):
    found = by_rule(_run(drug, jur, "hemoglobin", value), "R04")
    assert [(f.indicator, f.mark) for f in found] == ([(Indicator.CRITICAL, mark)] if fires else [])


def test_r02_alc_400_baricitinib_is_critical_with_value_and_date_as_evidence():
    alc = meas("lymphocytes", 400, days_ago=5, ref="Observation/alc-400")
    [f] = by_rule(check_order(order(B), patient(labs={"lymphocytes": alc})), "R02")
    assert f.indicator == Indicator.CRITICAL and f.status == Status.FIRED
    assert f.summary == "ALC 400/mm³ is below the baricitinib start threshold of 500/mm³; do not initiate and recheck CBC"
    [e] = f.evidence
    assert (e.reference, e.value, e.unit, e.date) == ("Observation/alc-400", 400, "/uL", ago(5))
    assert "ALC 400/mm³ on 2025-11-15 (Observation/alc-400)" in f.message
    assert f.order_reference == "MedicationRequest/draft-1"
    assert ("chronic-pss-cytopenia", "Value is chronic / disease-related (pSS cytopenia)") in f.override_reasons
    assert f.source.section.startswith("Dosage and Administration")


def test_r04_message_names_value_unit_and_date():
    [f] = by_rule(_run(T, "FDA", "hemoglobin", 8.6), "R04")
    assert "Hb 8.6 g/dL on 2025-11-17" in f.message and "9 g/dL" in f.message


@pytest.mark.parametrize(
    ("value", "comparator", "outcome"),
    [
        pytest.param(400, "<", ("critical", "fired"), id="below-400-is-below-500"),
        pytest.param(500, "<", ("critical", "fired"), id="below-500-is-below-500"),
        pytest.param(500, "<=", ("critical", "fired"), id="at-most-500-settles-500"),
        pytest.param(600, "<", ("warning", "missing-data"), id="below-600-does-not-settle"),
        pytest.param(450, ">", ("warning", "missing-data"), id="above-450-does-not-settle"),
        pytest.param(500, ">=", None, id="at-least-500-is-not-below"),
    ],
)
def test_r02_censored_values(value, comparator, outcome):
    """Issue 11: `<=0.5 10*3/uL` against 500/mm³ settles it; `<2` against a lower limit does not, and
    the card says so instead of passing the value as normal."""
    alc = meas("lymphocytes", value, comparator=comparator)
    got = [(str(f.indicator), str(f.status)) for f in by_rule(check_order(order(B), patient(labs={"lymphocytes": alc})),
                                                               "R02")]
    assert got == ([outcome] if outcome else [])


def test_r02_unsettled_value_names_the_value_and_the_threshold():
    alc = meas("lymphocytes", 600, comparator="<")
    [f] = by_rule(check_order(order(B), patient(labs={"lymphocytes": alc})), "R02")
    assert f.summary == "ALC <600/mm³ cannot be compared with the baricitinib threshold (< 500/mm³), so it was not checked"


def test_value_in_an_unexpected_unit_is_not_compared_and_counts_as_missing():
    alc = meas("lymphocytes", 0.4, unit="10*9/L")
    findings = check_order(order(B), patient(labs={"lymphocytes": alc}))
    assert by_rule(findings, "R02") == []
    [missing] = by_rule(findings, "R05")
    assert missing.status == Status.MISSING_DATA and "ALC" in missing.summary


@pytest.mark.parametrize(
    ("days_ago", "fires"),
    [pytest.param(30, False, id="30-days-in-window"), pytest.param(31, True, id="31-days-stale")],
)
def test_r05_cbc_window_edges(days_ago, fires):
    facts = patient(labs={a: meas(a, v, days_ago=days_ago) for a, v in
                          (("lymphocytes", 1500), ("neutrophils", 3000), ("hemoglobin", 13))})
    assert len(by_rule(check_order(order(B), facts), "R05")) == (1 if fires else 0)


@pytest.mark.parametrize(("drug", "jur"), [(d, j) for d, j, _, _ in ALC])
def test_r05_no_alc_within_30_days_is_a_missing_data_warning_with_cbc_order(drug, jur):
    [f] = by_rule(check_order(order(drug, jurisdiction=jur), patient(labs={"lymphocytes": None}), jur), "R05")
    assert (f.indicator, f.status, f.mark, f.confirmed) == (Indicator.WARNING, Status.MISSING_DATA, Mark.P, False)
    assert f.summary == f"Order a baseline CBC with differential before {drug}; there is no ALC within 30 days"
    assert f.suggestion is not None and f.suggestion.kind == SuggestionKind.ORDER_TEST
    assert [c for c, _ in f.suggestion.loinc] == ["58410-2", "731-0", "751-8", "718-7"]


def test_low_but_stale_alc_gives_both_the_critical_and_the_missing_finding():
    facts = patient(labs={"lymphocytes": meas("lymphocytes", 350, days_ago=45)})
    findings = check_order(order(B), facts)
    [low] = by_rule(findings, "R02")
    [stale] = by_rule(findings, "R05")
    assert (low.indicator, low.status) == (Indicator.CRITICAL, Status.FIRED)
    assert (stale.indicator, stale.status) == (Indicator.WARNING, Status.MISSING_DATA)
    assert "last ALC 2025-10-06 (45 days ago" in stale.message
    assert AS_OF.isoformat() == "2025-11-20"


def test_readiness_keeps_the_order_test_but_drops_cancel_suggestions():
    facts = patient(labs={"lymphocytes": meas("lymphocytes", 300), "neutrophils": None})
    findings = readiness(facts)
    [low] = by_rule(findings, "R02")
    [missing] = by_rule(findings, "R05")
    assert low.suggestion is None and low.order_reference is None
    assert missing.suggestion is not None and missing.suggestion.kind == SuggestionKind.ORDER_TEST
