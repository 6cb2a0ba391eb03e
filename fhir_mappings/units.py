"""Units as data: UCUM codes, the spellings feeds use for them, and each analyte's conversions.

Modelled on pint (house-style.md §7) but as a small reviewed table. Two failures are kept apart:

- `UndefinedUnitError`: a unit we do not know at all ("mg/furlong"), or no unit where one is needed;
- `DimensionalityError`: a known unit of the wrong kind for the analyte ("%" for an absolute
  lymphocyte count, "mg/dL" for a 24-hour protein excretion).

Both are `ValueError`s and their `str()` is the reason reported in a `Skipped`. Nothing is guessed:
a unit that is not in this file is never converted.

Conversion sources: essdai-rules.md §6 (ESSDAI units), jak-safety-rules.md §3.1 unit notes. Factors
that are plain SI arithmetic (g -> kg, mL -> L) carry no mark; factors from molar masses that the
project documents do not give are marked [G].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

UCUM = "http://unitsofmeasure.org"

# --- what each known UCUM unit measures (only to tell "unknown" from "wrong kind") -----------------
_COUNT = "number concentration"
_KINDS_BY_GROUP: dict[str, tuple[str, ...]] = {
    _COUNT: ("/uL", "/mm3", "{cells}/uL", "10*3/uL", "10*9/L", "10*3/mm3", "10*6/L", "10*6/uL", "10*12/L",
             "/L", "/mL", "/nL"),
    "count per microscope field": ("/[HPF]", "/[LPF]"),
    "percentage": ("%",),
    "dimensionless": ("1", "{ratio}", "{index}", "{s_co_ratio}"),
    "mass concentration": ("g/dL", "g/L", "mg/dL", "mg/L", "mg/mL", "ug/dL", "ug/L", "ug/mL", "ng/mL", "ng/L",
                           "pg/mL"),
    "substance concentration": ("mol/L", "mmol/L", "umol/L", "nmol/L", "meq/L"),
    "catalytic concentration": ("U/L", "ukat/L", "[IU]/L", "U/mL"),
    "arbitrary concentration": ("[IU]/mL", "m[IU]/mL", "[arb'U]/mL", "{copies}/mL"),
    "temperature": ("Cel", "[degF]", "K"),
    "mass": ("kg", "g", "mg", "ug", "[lb_av]", "[oz_av]"),
    "mass rate": ("g/d", "g/(24.h)", "mg/d", "mg/(24.h)", "mg/h"),
    "mass ratio": ("g/g", "mg/mg", "mg/g"),
    "mass per amount": ("mg/mmol", "g/mmol", "g/mol"),
    "volume rate": ("mL/min", "mL/s", "L/min", "mL/(15.min)"),
    "volume rate per body surface": ("mL/min/{1.73_m2}", "mL/s/{1.73_m2}"),
    "diffusing capacity": ("mL/min/mm[Hg]", "mmol/(min.kPa)"),
    "volume": ("L", "mL", "dL"),
    "pressure": ("mm[Hg]", "kPa"),
    "length": ("m", "cm", "mm", "[in_i]"),
    "mass per area": ("kg/m2",),
    "time": ("s", "min", "h", "d", "wk", "mo", "a"),
}
KINDS: dict[str, str] = {code: kind for kind, codes in _KINDS_BY_GROUP.items() for code in codes}

# --- spellings seen in feeds -> UCUM code --------------------------------------------------------
# Matched exactly: case is meaningful ("G/L" is giga-per-litre in some French labs, so it is not
# folded to "g/L" and stays unknown). Sources: essdai-rules.md §6 (the count spellings), common
# lower-case variants of the same units.
_ALIASES_BY_CODE: dict[str, tuple[str, ...]] = {
    "10*3/uL": ("10^3/uL", "x10E3/uL", "K/uL", "10³/µL", "10³/uL", "10^3/µL", "10*3/µL", "x10^3/uL", "x10E3/µL",
                "K/µL", "10E3/uL", "10e3/uL", "thou/uL", "10^3/ul", "K/ul"),
    "10*9/L": ("10^9/L", "x10E9/L", "x10^9/L", "10E9/L", "10e9/L", "10⁹/L", "×10⁹/L", "×10^9/L", "10^9/l"),
    "10*3/mm3": ("10^3/mm3", "10³/mm³"),
    "/mm3": ("/mm³", "cells/mm3", "/cmm"),
    "/uL": ("/µL", "cells/uL", "cells/µL", "/ul"),
    "{cells}/uL": ("{cells}/µL",),
    "g/dL": ("g/dl",),
    "g/L": ("g/l",),
    "mg/dL": ("mg/dl",),
    "mg/L": ("mg/l",),
    "mmol/L": ("mmol/l",),
    "umol/L": ("µmol/L", "umol/l", "µmol/l", "μmol/L"),
    "U/L": ("U/l", "u/L"),
    "[IU]/L": ("IU/L", "IU/l"),
    "ukat/L": ("µkat/L", "μkat/L", "ukat/l"),
    "U/mL": ("U/ml", "[U]/mL"),
    "[IU]/mL": ("IU/mL", "IU/ml"),
    "m[IU]/mL": ("mIU/mL", "mIU/ml"),
    "{copies}/mL": ("copies/mL", "copies/ml"),
    "Cel": ("°C", "℃", "degC", "deg C"),
    "[degF]": ("°F", "℉", "degF", "deg F"),
    "[lb_av]": ("lb", "lbs"),
    "[oz_av]": ("oz",),
    "g/d": ("g/day", "g/24h", "g/24 h", "g/24hr"),
    "mg/d": ("mg/day", "mg/24h", "mg/24 h", "mg/24hr"),
    "mg/g": ("mg/g creat", "mg/g{creat}"),
    "mg/mmol": ("mg/mmol creat", "mg/mmol{creat}"),
    "mL/min/{1.73_m2}": ("mL/min/1.73m2", "mL/min/1.73 m2", "ml/min/1.73m2", "mL/min/1.73m²", "mL/min/1.73 m²",
                         "mL/min/{1.73m2}", "ml/min/{1.73_m2}"),
    "mL/s/{1.73_m2}": ("mL/s/1.73m2", "mL/s/1.73 m2"),
    "mL/min": ("ml/min",),
    "mL/(15.min)": ("mL/15min", "mL/15 min", "ml/15min", "ml/15 min", "mL/(15 min)", "mL per 15 min"),
    "mL/min/mm[Hg]": ("mL/min/mmHg", "ml/min/mmHg"),
    "mmol/(min.kPa)": ("mmol/min/kPa",),
    "mL": ("ml",),
    "L": ("l",),
    "mm[Hg]": ("mmHg", "mm Hg"),
    "kg/m2": ("kg/m²",),
    "/[HPF]": ("/HPF", "/hpf"),
}
ALIASES: dict[str, str] = {code: code for code in KINDS}
ALIASES.update({alias: code for code, aliases in _ALIASES_BY_CODE.items() for alias in aliases})
assert all(code in KINDS for code in _ALIASES_BY_CODE), "alias for a UCUM code with no kind"


# --- per-analyte conversions --------------------------------------------------------------------
@dataclass(frozen=True)
class Conversion:
    factor: float
    offset: float = 0.0  # canonical = value * factor + offset (temperatures only)


@dataclass(frozen=True)
class AnalyteUnits:
    """How one analyte's quantities are brought to its canonical unit.

    `canonical` None: values are kept as received (lab-specific or arbitrary units, never
    compared with a fixed threshold), with or without a unit. `kept`: units accepted without
    conversion because they cannot be converted to `canonical` (e.g. HBV DNA copies/mL vs IU/mL);
    the Measurement carries that unit, so a reader comparing in `canonical` ignores it.
    """

    canonical: str | None
    factors: Mapping[str, Conversion] = field(default_factory=dict)
    kept: frozenset[str] = frozenset()
    source: str = ""


def _table(pairs: Mapping[str, float | tuple[float, float]]) -> dict[str, Conversion]:
    return {code: Conversion(*v) if isinstance(v, tuple) else Conversion(v) for code, v in pairs.items()}


# cells/uL == /mm3 (essdai-rules §6: 1500/mm3 = 1.5 10*9/L = 1.5 10*3/uL)
_PER_UL = _table({"/uL": 1, "/mm3": 1, "{cells}/uL": 1, "10*6/L": 1, "10*3/uL": 1000, "10*9/L": 1000,
                  "10*3/mm3": 1000})
_PERCENT = _table({"%": 1})
_ENZYME = _table({"U/L": 1, "[IU]/L": 1, "ukat/L": 60})  # 1 ukat = 60 U (essdai-rules §6, CK)
_LIPID = _table({"mg/dL": 1, "mmol/L": 38.67})  # cholesterol 386.65 g/mol [G]
_QUAL = AnalyteUnits(None, source="qualitative: numeric results kept as received (lab-specific units)")

ANALYTE_UNITS: dict[str, AnalyteUnits] = {
    "temperature": AnalyteUnits("Cel", _table({"Cel": 1, "[degF]": (5 / 9, -32 * 5 / 9), "K": (1, -273.15)}),
                                source="essdai-rules §6: C = (F - 32) x 5/9; K - 273.15"),
    "weight": AnalyteUnits("kg", _table({"kg": 1, "g": 0.001, "[lb_av]": 0.45359237, "[oz_av]": 0.028349523}),
                           source="essdai-rules §6"),
    "neutrophils": AnalyteUnits("/uL", _PER_UL, source="essdai-rules §6; jak-safety-rules §3.1"),
    "lymphocytes": AnalyteUnits("/uL", _PER_UL, source="essdai-rules §6; jak-safety-rules §3.1"),
    "platelets": AnalyteUnits("/uL", _PER_UL, source="essdai-rules §6"),
    "wbc": AnalyteUnits("/uL", _PER_UL, source="essdai-rules §6 (for % x WBC)"),
    "neutrophils-pct": AnalyteUnits("%", _PERCENT),
    "lymphocytes-pct": AnalyteUnits("%", _PERCENT),
    # Hb: g/L / 10; mmol/L (Fe monomer basis) x 1.611 (essdai-rules §6; jak §3.1 marks 0.6206 [R])
    "hemoglobin": AnalyteUnits("g/dL", _table({"g/dL": 1, "g/L": 0.1, "mg/dL": 0.001, "mmol/L": 1.611}),
                               source="essdai-rules §6"),
    "igg": AnalyteUnits("g/L", _table({"g/L": 1, "mg/dL": 0.01, "mg/L": 0.001, "g/dL": 10}),
                        source="essdai-rules §6"),
    "c3": AnalyteUnits("mg/dL", _table({"mg/dL": 1, "g/L": 100, "mg/L": 0.1}), source="essdai-rules §6"),
    "c4": AnalyteUnits("mg/dL", _table({"mg/dL": 1, "g/L": 100, "mg/L": 0.1}), source="essdai-rules §6"),
    "ch50": AnalyteUnits("U/mL", _table({"U/mL": 1}), source="essdai-rules §5.1 (U/mL, [U]/mL)"),
    "monoclonal-component": AnalyteUnits("g/dL", _table({"g/dL": 1, "g/L": 0.1, "mg/dL": 0.001}),
                                         source="essdai-rules §5.1"),
    "ck": AnalyteUnits("U/L", _ENZYME, source="essdai-rules §6"),
    # a urine concentration (mg/dL, g/L) needs the 24-h volume: wrong kind here, never converted
    "proteinuria-24h": AnalyteUnits("g/d", _table({"g/d": 1, "g/(24.h)": 1, "mg/d": 0.001, "mg/(24.h)": 0.001}),
                                    source="essdai-rules §6"),
    # UPCR as a g/day surrogate: mg/mmol / 113.1 (creatinine 113.12 g/mol), essdai-rules §6
    "upcr": AnalyteUnits("g/g", _table({"g/g": 1, "mg/mg": 1, "mg/g": 0.001, "mg/mmol": 1 / 113.1}),
                         source="essdai-rules §6"),
    "egfr": AnalyteUnits("mL/min/{1.73_m2}", _table({"mL/min/{1.73_m2}": 1, "mL/s/{1.73_m2}": 60, "mL/min": 1}),
                         source="essdai-rules §6"),
    "dlco-pct": AnalyteUnits("%", _PERCENT),
    "fvc-pct": AnalyteUnits("%", _PERCENT),
    # absolute DLCO: only ever divided by its predicted value; 1 mmol/min/kPa ~ 2.987 mL/min/mmHg (approximate)
    "dlco": AnalyteUnits("mL/min/mm[Hg]", _table({"mL/min/mm[Hg]": 1, "mmol/(min.kPa)": 2.987}),
                         source="essdai-rules §6"),
    "dlco-predicted": AnalyteUnits("mL/min/mm[Hg]", _table({"mL/min/mm[Hg]": 1, "mmol/(min.kPa)": 2.987}),
                                   source="essdai-rules §6"),
    "fvc": AnalyteUnits("L", _table({"L": 1, "mL": 0.001}), source="essdai-rules §6"),
    "fvc-predicted": AnalyteUnits("L", _table({"L": 1, "mL": 0.001}), source="essdai-rules §6"),
    "haematuria": AnalyteUnits("/[HPF]", _table({"/[HPF]": 1}), source="essdai-rules §5.1 [G]"),
    "nyha": AnalyteUnits(None, source="NYHA class 1-4 (valueInteger) or a coded class"),
    # creatinine: umol/L x 113.12/10000 (molar mass from essdai-rules §6)
    "creatinine": AnalyteUnits("mg/dL", _table({"mg/dL": 1, "umol/L": 0.011312, "mg/L": 0.1}),
                               source="essdai-rules §6 (creatinine 113.12 g/mol)"),
    "alt": AnalyteUnits("U/L", _ENZYME, source="as CK, essdai-rules §6"),
    "ast": AnalyteUnits("U/L", _ENZYME, source="as CK, essdai-rules §6"),
    "bilirubin": AnalyteUnits("mg/dL", _table({"mg/dL": 1, "umol/L": 1 / 17.104, "mg/L": 0.1}),
                              source="bilirubin 584.66 g/mol [G]"),
    "cholesterol": AnalyteUnits("mg/dL", _LIPID, source="cholesterol 386.65 g/mol [G]"),
    "ldl": AnalyteUnits("mg/dL", _LIPID, source="cholesterol 386.65 g/mol [G]"),
    "hdl": AnalyteUnits("mg/dL", _LIPID, source="cholesterol 386.65 g/mol [G]"),
    "triglycerides": AnalyteUnits("mg/dL", _table({"mg/dL": 1, "mmol/L": 88.57}), source="triolein 885.7 g/mol [G]"),
    "lipid-panel": _QUAL,
    "bmi": AnalyteUnits("kg/m2", _table({"kg/m2": 1})),
    "systolic-bp": AnalyteUnits("mm[Hg]", _table({"mm[Hg]": 1, "kPa": 7.50062}), source="1 kPa = 7.50062 mmHg [G]"),
    # viral loads: IU/mL is canonical; copies/mL depends on the assay, so it is kept unconverted
    "hbv-dna": AnalyteUnits("[IU]/mL", _table({"[IU]/mL": 1}), kept=frozenset({"{copies}/mL"}),
                            source="jak-safety-rules §3.1 (42595-9 IU/mL; 29615-2 copies/mL)"),
    "hcv-rna": AnalyteUnits("[IU]/mL", _table({"[IU]/mL": 1}), kept=frozenset({"{copies}/mL"})),
    "cryoglobulins": _QUAL,
    "anti-ssa": _QUAL,
    "anti-ssb": _QUAL,
    "rf": _QUAL,
    "hbsag": _QUAL,
    "anti-hbc": _QUAL,
    "anti-hbs": _QUAL,
    "hcv-ab": _QUAL,
    "igra": _QUAL,
    "hcg": _QUAL,
    "pregnancy-status": _QUAL,
    "smoking-status": _QUAL,
}

CANONICAL_UNIT: dict[str, str | None] = {a: u.canonical for a, u in ANALYTE_UNITS.items()}


# --- errors (pint's two kinds) --------------------------------------------------------------------
class UnitError(ValueError):
    """A quantity that cannot be brought to its analyte's canonical unit."""

    def __init__(self, unit: str | None, analyte: str, kind: str | None = None) -> None:
        self.unit = unit
        self.analyte = analyte
        self.kind = kind
        super().__init__(self._message())

    def _message(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class UndefinedUnitError(UnitError):
    def _message(self) -> str:
        if not self.unit:
            return f"no unit for {self.analyte}"
        return f"unknown unit {self.unit!r} for {self.analyte}"


class DimensionalityError(UnitError):
    def _message(self) -> str:
        expected = CANONICAL_UNIT.get(self.analyte)
        return f"unit {self.unit!r} ({self.kind}) is the wrong kind for {self.analyte} (expects {expected})"


# --- resolution ------------------------------------------------------------------------------------
def resolve(quantity: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(UCUM code or None, the unit as received) for a FHIR Quantity.

    `code` is used when `system` is UCUM; otherwise (or when that code is not one we know) the
    `unit` text goes through the alias table. A bare `code` without a system is tried last.
    """
    code = quantity.get("code")
    text = quantity.get("unit")
    system = quantity.get("system")
    if code and system == UCUM:
        found = ALIASES.get(code)
        if found:
            return found, code
    if text:
        found = ALIASES.get(text) or ALIASES.get(text.strip())
        if found:
            return found, text
    if code and system is None:
        found = ALIASES.get(code)
        if found:
            return found, code
    return None, (code if system == UCUM and code else None) or text or code


_CACHE: dict[tuple[str, Any, Any, Any], tuple[Conversion | None, str | None] | UnitError] = {}


def lookup(analyte: str, quantity: Mapping[str, Any]) -> tuple[Conversion | None, str | None] | UnitError:
    """The conversion to the analyte's canonical unit and the unit the result is in, or the error.

    `(None, unit)` means the value is kept as received (canonical None, or a `kept` unit). The
    error is returned, not raised: this runs once per Observation value. Results are cached.
    """
    key = (analyte, quantity.get("code"), quantity.get("unit"), quantity.get("system"))
    hit = _CACHE.get(key)
    if hit is None:
        hit = _lookup(analyte, quantity)
        if len(_CACHE) < 10_000:
            _CACHE[key] = hit
    return hit


def _lookup(analyte: str, quantity: Mapping[str, Any]) -> tuple[Conversion | None, str | None] | UnitError:
    spec = ANALYTE_UNITS[analyte]
    ucum, received = resolve(quantity)
    if spec.canonical is None:
        return None, ucum or received
    if ucum is None:
        return UndefinedUnitError(received, analyte)
    conv = spec.factors.get(ucum)
    if conv is not None:
        return conv, spec.canonical
    if ucum in spec.kept:
        return None, ucum
    return DimensionalityError(ucum, analyte, KINDS.get(ucum))


def to_canonical(analyte: str, value: float, quantity: Mapping[str, Any]) -> tuple[float, str | None]:
    """`value` (in the unit of `quantity`) in the analyte's canonical unit, and that unit.

    Raises `UndefinedUnitError` or `DimensionalityError` (both `ValueError`).
    """
    hit = lookup(analyte, quantity)
    if isinstance(hit, UnitError):
        raise type(hit)(hit.unit, hit.analyte, hit.kind)
    conv, unit = hit
    if conv is None:
        return float(value), unit
    return value * conv.factor + conv.offset, unit


# --- clinician findings (project CodeSystem decimals with a declared unit) -------------------------
# CodeDef.unit -> {UCUM code: factor to that unit}; node/parotid size: mm / 10 = cm (essdai-rules §6)
FINDING_UNITS: dict[str, dict[str, float]] = {
    "cm": {"cm": 1, "mm": 0.1},
    "mm": {"mm": 1, "cm": 10},
    # unstimulated whole saliva is collected over 15 min and often reported per 15 min (S6: <= 0.1 mL/min
    # = <= 1.5 mL/15 min); UCUM "mL/(15.min)" and the common text spellings
    "mL/min": {"mL/min": 1, "mL/(15.min)": 1 / 15},
}
