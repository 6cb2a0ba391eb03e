"""Read-only helpers over PatientFacts shared by the rules: latest usable values, JAKi start, CrCl.

No clinical threshold lives here; rules pass their own rows and windows in.
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import Measurement, MedicationFact, PatientFacts
from safety.model import Mark, Row

# Canonical units the rules compare in (fhir_mappings converts to these). A value in any other unit
# is not compared: the rule treats it as absent rather than guess a conversion.
UNITS: dict[str, str] = {
    "lymphocytes": "/uL",
    "neutrophils": "/uL",
    "wbc": "/uL",
    "platelets": "/uL",
    "hemoglobin": "g/dL",
    "egfr": "mL/min/{1.73_m2}",
    "creatinine": "mg/dL",
    "weight": "kg",
    "alt": "U/L",
    "ast": "U/L",
    "bilirubin": "mg/dL",
    "cholesterol": "mg/dL",
    "ldl": "mg/dL",
    "hdl": "mg/dL",
    "triglycerides": "mg/dL",
    "hbv-dna": "[IU]/mL",
}

_UNIT_DISPLAY = {"/uL": "/mm³", "mL/min/{1.73_m2}": "mL/min/1.73 m²"}

LABEL_OF = {
    "lymphocytes": "ALC",
    "neutrophils": "ANC",
    "hemoglobin": "Hb",
    "egfr": "eGFR",
    "creatinine": "creatinine",
    "alt": "ALT",
    "ast": "AST",
    "bilirubin": "bilirubin",
}


def fmt(x: float) -> str:
    """400.0 -> '400', 0.75 -> '0.75', 45.25 -> '45.2' (numbers in messages)."""
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def unit_display(unit: str | None) -> str:
    return _UNIT_DISPLAY.get(unit or "", unit or "")


def _usable(m: Measurement, analyte: str) -> bool:
    return m.value is not None and (analyte not in UNITS or m.unit == UNITS[analyte])


def latest_number(facts: PatientFacts, analyte: str, days: int | None = None) -> Measurement | None:
    """Newest numeric value in the canonical unit inside `days` (default: the analyte's facts window)."""
    window = facts.windows.for_analyte(analyte) if days is None else days
    return next((m for m in facts.within(analyte, window) if _usable(m, analyte)), None)


def newest_number(facts: PatientFacts, analyte: str) -> Measurement | None:
    """Newest numeric value ever (to say how old the last one is when none is recent)."""
    return next((m for m in facts.series(analyte) if _usable(m, analyte)), None)


def latest_result(facts: PatientFacts, analyte: str, days: int | None = None) -> Measurement | None:
    """Newest qualitative result (positive is not None) inside `days`; `None` days = whole history."""
    found = facts.series(analyte) if days is None else facts.within(analyte, days)
    return next((m for m in found if m.positive is not None), None)


def ever_positive(facts: PatientFacts, analyte: str) -> Measurement | None:
    """Newest positive result ever: HBsAg / anti-HBc / IGRA positives never expire (§7)."""
    return next((m for m in facts.series(analyte) if m.positive), None)


def hbv_dna_detectable(m: Measurement) -> bool:
    """HBV DNA: 'positive' or a value > 0 IU/mL is detectable; '<10' (below the limit) is not."""
    if m.positive is not None:
        return m.positive
    return m.value is not None and m.value > 0 and m.comparator not in ("<", "<=")


def crosses(row: Row, m: Measurement) -> bool:
    """Does the measured value cross the row's limit? See `crosses_value`."""
    return m.value is not None and crosses_value(row, m.value, m.comparator)


def crosses_value(row: Row, value: float, comparator: str | None) -> bool:
    """A censored value ('<500') fires only when every value it stands for would: '<500' is below
    500, '<600' cannot be compared with 500 and does not fire, '>450' never fires a '<' row."""
    if row.limit is None:
        return False
    if comparator is None:
        return row.triggered_by(value)
    if comparator[0] != row.op[0]:
        return False
    strict_bound = comparator in ("<", ">")  # the true value lies strictly beyond `value`
    if row.op == "<":
        return value <= row.limit if strict_bound else value < row.limit
    if row.op == ">":
        return value >= row.limit if strict_bound else value > row.limit
    return value <= row.limit if row.op == "<=" else value >= row.limit


def describe(m: Measurement, label: str | None = None) -> str:
    """'ALC 400/mm³ on 2025-11-20 (Observation/alc1)': value, unit, date and reference."""
    name = label or LABEL_OF.get(m.analyte, m.analyte)
    if m.value is not None:
        comparator = m.comparator or ""
        value = f"{comparator}{fmt(m.value)}{_sep(m.unit)}{unit_display(m.unit)}"
    elif m.positive is not None:
        value = "positive" if m.positive else "negative"
    else:
        value = m.coding or "recorded"
    return f"{name} {value} on {m.date.isoformat()} ({m.reference})"


def _sep(unit: str | None) -> str:
    return "" if not unit or unit.startswith("/") else " "


def age_days(facts: PatientFacts, day: date) -> int:
    return (facts.as_of - day).days


def other_medications(facts: PatientFacts, *names: str, exclude: MedicationFact | None = None) -> tuple[
        MedicationFact, ...]:
    """Active medications of these ingredients/classes, other than the draft order itself."""
    skip = exclude.reference if exclude is not None else None
    return tuple(m for m in facts.medications_of(*names) if m.reference != skip)


def jak_start(facts: PatientFacts, drug: str) -> date | None:
    """First day on `drug`: earliest start of its active MedicationRequest / MedicationStatement."""
    starts = [m.start for m in facts.medications_of(drug) if m.start is not None]
    return min(starts) if starts else None


def dose_text(dose_mg: float | None, doses_per_day: float | None) -> str:
    if dose_mg is None or doses_per_day is None:
        return "dose not stated"
    times = {1: "once daily", 2: "twice daily", 3: "three times daily"}.get(
        int(doses_per_day) if float(doses_per_day).is_integer() else -1, f"{fmt(doses_per_day)} times a day")
    return f"{fmt(dose_mg)} mg {times}"


def order_above(order: MedicationFact | None, row: Row) -> bool:
    """Should a dose-change row be suggested? Yes unless the draft's daily dose is already at or
    below the row's dose. An unknown dose cannot be cleared, so the suggestion stands."""
    if order is None or order.daily_mg is None or row.daily_mg is None:
        return True
    return order.daily_mg > row.daily_mg + 1e-9


# Cockcroft-Gault creatinine clearance (EMA renal rows use CrCl). Standard formula, not spelled out in
# jak-safety-rules.md: CrCl = (140 - age) x weight / (72 x SCr mg/dL), x 0.85 if female [R].
CG_FEMALE_FACTOR = 0.85
CG_MARK = Mark.R


def cockcroft_gault(age: int, weight_kg: float, creatinine_mg_dl: float, female: bool) -> float:
    crcl = (140 - age) * weight_kg / (72 * creatinine_mg_dl)
    return crcl * CG_FEMALE_FACTOR if female else crcl
