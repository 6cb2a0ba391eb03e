"""Antibody results given as a number: positive or negative, read against the laboratory's own cut-off.

Anti-SSA/Ro, anti-SSB/La, rheumatoid factor and cryoglobulins are reported by many laboratories as a
number (U/mL, AI, IU/mL, cryocrit %) with a reference range ("< 20") and often an interpretation flag.
There is no universal cut-off (assays differ), so a number is read only against what came with it:
1. `interpretation` first (H/HH/A/AA/POS/DET -> positive; N/L/LL/NEG/ND -> negative), as the lab reads it;
2. else `referenceRange.high`: value above it -> positive, at or below -> negative (a comparator that
   straddles the limit, e.g. "> 10" with high 20, cannot be read);
3. else the number is not read: the Observation is skipped and the reason reported.
The rule used goes into Measurement.derived, so the evidence says how the result was read.
"""

from __future__ import annotations

# analytes whose numeric results are read this way (issue 12); safety serology (HBsAg, anti-HBc, HCV Ab)
# keeps its own qualitative reading
QUANTITATIVE_SEROLOGY = frozenset({"anti-ssa", "anti-ssb", "rf", "cryoglobulins"})

# v3 ObservationInterpretation codes for a numeric antibody result (FHIR core value set)
INTERPRETATION: dict[str, bool] = {"H": True, "HH": True, "A": True, "AA": True, "POS": True, "DET": True,
                                   "N": False, "L": False, "LL": False, "NEG": False, "ND": False}


def read_number(value: float, comparator: str | None, high: float | None,
                interpretation: str | None) -> tuple[bool, str] | str:
    """(positive, rule used) for a numeric antibody result, or the reason it cannot be read."""
    shown = f"{comparator or ''}{value:g}"
    if interpretation in INTERPRETATION:
        positive = INTERPRETATION[interpretation]
        return positive, f"{'positive' if positive else 'negative'}: {shown} flagged {interpretation} by the lab"
    if high is not None:
        above = value > high
        if comparator in ("<", "<=") and value > high:  # "< 40" with high 20: somewhere below 40
            return f"{shown} cannot be read against the reference high {high:g}"
        if comparator in (">", ">=") and value < high:
            return f"{shown} cannot be read against the reference high {high:g}"
        if comparator == ">" and value == high:
            above = True
        word = "positive" if above else "negative"
        return above, f"{word}: {shown} {'above' if above else 'within'} the reference high {high:g}"
    return "a number without a reference range or interpretation cannot be read as positive or negative"
