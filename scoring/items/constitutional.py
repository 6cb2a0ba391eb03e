"""Constitutional domain (max 2): fever, involuntary weight loss, night sweats. Exclude infectious
fever (an infection Condition active within the vitals window, code_tables/exclusions) and voluntary
weight loss (S1)."""

from __future__ import annotations

from fhir_mappings.facts import Evidence, PatientFacts
from scoring.items.base import (PRESUMED, ItemResult, boolean_item, bounded, decided, exclude, finding_evidence,
                                finding_flag, latest_finding, measured_range, unknown, with_derived_threshold,
                                with_threshold)
from scoring.other_causes import other_causes
from scoring.thresholds import TEMPERATURE_LEVEL, WEIGHT_LOSS_PCT_LEVEL


def fever(facts: PatientFacts) -> ItemResult:
    """Highest temperature within the vitals window."""
    name = "constitutional.fever"
    temps = [(m, measured_range(m, TEMPERATURE_LEVEL)) for m in facts.within("temperature", facts.windows.vitals)]
    temps = [(m, r) for m, r in temps if r is not None]
    if not temps:
        return unknown(name, TEMPERATURE_LEVEL.max_level, f"no temperature within {facts.windows.vitals} days")
    lo = max(r[0] for _, r in temps)
    hi = max(r[1] for _, r in temps)
    top = max(temps, key=lambda t: (t[1][0], t[1][1], t[0].value or 0))[0]
    shown = with_threshold(top.evidence(PRESUMED if hi > 0 else None), TEMPERATURE_LEVEL, top)
    result = bounded(name, lo, hi, (shown,))
    causes: list[Evidence] = []
    if (f := finding_flag(facts, "fever-infectious")) is not None:
        causes.append(finding_evidence(f, "documented other cause"))
    causes += other_causes(facts, name, facts.windows.vitals, flag="fever-infectious")
    return exclude(result, tuple(causes), "fever of infectious origin")


def weight_loss(facts: PatientFacts) -> ItemResult:
    """Latest weight (vitals window) against the highest weight in the prior 12 months."""
    name = "constitutional.weight-loss"
    latest = facts.latest("weight")
    if latest is None or latest.value is None or latest.comparator:
        return unknown(name, WEIGHT_LOSS_PCT_LEVEL.max_level, f"no exact weight within {facts.windows.vitals} days")
    prior = [m for m in facts.within("weight", facts.windows.prior_weights)
             if m is not latest and m.value is not None and not m.comparator]
    if not prior:
        return unknown(name, WEIGHT_LOSS_PCT_LEVEL.max_level,
                       f"no earlier weight within {facts.windows.prior_weights} days")
    peak = max(prior, key=lambda m: m.value or 0.0)
    if not peak.value or peak.value <= latest.value:
        return decided(name, 0, (latest.evidence(), peak.evidence("highest earlier weight")))
    pct = round((peak.value - latest.value) * 100 / peak.value, 6)
    level = WEIGHT_LOSS_PCT_LEVEL.level(pct)
    voluntary = latest_finding(facts, "weight-loss-voluntary")
    loss_note = f"{pct:.1f} % below the highest earlier weight"

    def loss(note: str) -> Evidence:  # the latest weight, with the % cut-off that decided the level
        return with_derived_threshold(latest.evidence(note), WEIGHT_LOSS_PCT_LEVEL, pct, "%")

    if level and voluntary is not None and voluntary.value is True:
        return exclude(decided(name, level, (loss(loss_note), peak.evidence("highest earlier weight"))),
                       (finding_evidence(voluntary, "documented other cause"),), "voluntary weight loss")
    evidence = [loss(f"{loss_note}; {PRESUMED}" if level else loss_note),
                peak.evidence("highest earlier weight")]
    if level and voluntary is not None and voluntary.value is False:
        evidence.append(finding_evidence(voluntary, "involuntary (confirmed)"))
    return decided(name, level, tuple(evidence))


def night_sweats(facts: PatientFacts) -> ItemResult:
    """Isolated night sweats count as Low ([Interpretation], essdai-rules §1.1)."""
    return boolean_item(facts, "constitutional.night-sweats", "night-sweats", 1) or unknown(
        "constitutional.night-sweats", 1, "no night-sweats finding")


ITEMS = (fever, weight_loss, night_sweats)
