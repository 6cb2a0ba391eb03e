"""FHIR Observation JSON -> `Measurement` (LOINC labs and vitals) and `Finding` (project CodeSystem).

Order of work, cheapest first: relevance is decided from `code.coding[*].system|code` with one dict
lookup (irrelevant Observations cost almost nothing and are never reported); then status, date,
`dataAbsentReason`, the value and its unit. Everything relevant that cannot be used becomes a
`Skipped` with the reason.

Rules (essdai-rules §5.3, jak-safety-rules §8):
- status final / amended / corrected only;
- date: effectiveDateTime / effectiveInstant, else effectivePeriod.end (or .start), else issued;
- values: valueQuantity (converted, comparator kept), valueCodeableConcept, valueString,
  valueInteger, valueBoolean, as the analyte allows (`code_tables.loinc.Analyte.values`);
- components with a known LOINC code are read like Observations (DLCO % predicted inside 19911-7);
- referenceRange low/high converted to the canonical unit; interpretation code kept;
- derived values (see `DERIVATIONS`): absolute neutrophils/lymphocytes = % x WBC of the same draw
  when the draw has no absolute count; DLCO/FVC % predicted = measured / predicted x 100 when the
  draw has no % value. A draw is the same Observation, the same effective date-time string, or the
  same DiagnosticReport.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from fhir_mappings import serology, units
from fhir_mappings.code_tables import result_values
from fhir_mappings.code_tables.essdai_codesystem import CODES as PROJECT_CODES
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM, DOMAINS, CodeDef
from fhir_mappings.code_tables.loinc import ANALYTES, LOINC, LoincCode
from fhir_mappings.code_tables.loinc import CODES as LOINC_CODES
from fhir_mappings.facts import Finding, Measurement, Skipped
from fhir_mappings.primitives import first_code, parse_date, reference_of

USABLE_STATUSES = frozenset({"final", "amended", "corrected"})
COMPARATORS = frozenset({"<", "<=", ">=", ">"})
_OTHER_VALUES = ("valueRange", "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod")
_NUMBER = (int, float)


@dataclass(frozen=True)
class Derivation:
    """target = part / whole x scale, for a draw that has a part and a whole but no target."""

    target: str
    part: str
    whole: str
    scale: float  # 1/100 for "% x WBC"; 100 for "measured / predicted x 100"
    op: str  # "times" (part x whole x scale) | "ratio" (part / whole x scale)
    display: str
    source: str


DERIVATIONS: tuple[Derivation, ...] = (
    Derivation("neutrophils", "neutrophils-pct", "wbc", 0.01, "times", "Neutrophils [#/volume] from % x WBC",
               "essdai-rules §6: absolute = WBC x % / 100, same specimen/time"),
    Derivation("lymphocytes", "lymphocytes-pct", "wbc", 0.01, "times", "Lymphocytes [#/volume] from % x WBC",
               "essdai-rules §6: absolute = WBC x % / 100, same specimen/time"),
    Derivation("dlco-pct", "dlco", "dlco-predicted", 100, "ratio", "DLCO % predicted from measured / predicted",
               "essdai-rules §5.3: measured / predicted x 100"),
    Derivation("fvc-pct", "fvc", "fvc-predicted", 100, "ratio", "FVC % predicted from measured / predicted",
               "essdai-rules §5.3: measured / predicted x 100"),
)
_DRAW_ANALYTES = frozenset(a for d in DERIVATIONS for a in (d.target, d.part, d.whole))


# --- relevance -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ObservationMatch:
    """Why an Observation is relevant: a LOINC row, a project CodeSystem code, or only its components."""

    kind: str  # "loinc" | "finding" | "components"
    row: LoincCode | None = None
    finding: CodeDef | None = None
    code: str | None = None  # the project code as received (for "finding")


_COMPONENTS_ONLY = ObservationMatch("components")
# One immutable match per known code, built once: a typical chart has hundreds of Observations and
# building a frozen dataclass per Observation was a measurable part of `extract`.
_LOINC_MATCHES = {code: ObservationMatch("loinc", row=row) for code, row in LOINC_CODES.items()}
_TOKENS = {code: f"{LOINC}|{code}" for code in LOINC_CODES}  # "system|code" of each row, built once
_FINDING_MATCHES = {code: ObservationMatch("finding", finding=d, code=code) for code, d in PROJECT_CODES.items()}


def match_observation(obs: Mapping[str, Any], codesystem: str = DEFAULT_SYSTEM) -> ObservationMatch | None:
    """The reason to read this Observation, or None (irrelevant: ignore silently)."""
    try:
        code = obs.get("code")
        if code:
            for coding in code.get("coding") or ():
                system = coding.get("system")
                if system == LOINC:
                    hit = _LOINC_MATCHES.get(coding.get("code"))
                    if hit is not None:
                        return hit
                elif system == codesystem:
                    c = coding.get("code")
                    known = _FINDING_MATCHES.get(c)
                    return known if known is not None else ObservationMatch("finding", finding=None, code=c)
        components = obs.get("component")
        if components:
            for comp in components:
                for coding in (comp.get("code") or {}).get("coding") or ():
                    if coding.get("system") == LOINC and coding.get("code") in LOINC_CODES:
                        return _COMPONENTS_ONLY
    except (AttributeError, TypeError):  # malformed JSON shapes: not something we can read
        return None
    return None


# --- reading -------------------------------------------------------------------------------------------
def effective(obs: Mapping[str, Any]) -> tuple[str | None, date | None]:
    """(raw effective string, its date): effectiveDateTime/Instant, effectivePeriod.end/.start, issued."""
    raw = obs.get("effectiveDateTime") or obs.get("effectiveInstant")
    if raw is None:
        period = obs.get("effectivePeriod")
        if isinstance(period, dict):
            raw = period.get("end") or period.get("start")
    if raw is None:
        raw = obs.get("issued")
    return raw, parse_date(raw)


class ObservationReader:
    """Collects Measurements, Findings and Skipped from matched Observations, then derives values.

    `reports` maps "Observation/<id>" to the DiagnosticReport that lists it (to recognise one draw).
    """

    def __init__(self, reports: Mapping[str, str] | None = None) -> None:
        self.reports = reports or {}
        self.measurements: list[Measurement] = []
        self.findings: list[Finding] = []
        self.skipped: list[Skipped] = []
        self._draws: list[tuple[Measurement, tuple[tuple[str, str], ...]]] = []

    # -- one Observation
    def add(self, obs: Mapping[str, Any], match: ObservationMatch, ref: str | None = None) -> None:
        """Read one matched Observation; `ref` is its "Observation/<id>" when the caller has it already."""
        if ref is None:
            ref = reference_of(obs)  # type: ignore[arg-type]
        try:
            self._add(obs, match, ref)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:  # malformed shapes never escape
            self.skipped.append(Skipped(ref, f"unreadable Observation ({type(err).__name__})"))

    def _add(self, obs: Mapping[str, Any], match: ObservationMatch, ref: str) -> None:
        status = obs.get("status")
        if status not in USABLE_STATUSES:
            self.skipped.append(Skipped(ref, f"status {status!r}"))
            return
        raw, when = effective(obs)
        if when is None:
            reason = "no effective date" if raw is None else f"effective date {raw!r} is not a full date"
            self.skipped.append(Skipped(ref, reason))
            return
        if match.kind == "finding":
            found = _finding(obs, match, ref, when)
            if isinstance(found, str):  # code and date kept: a safety rule reading it must say it could not
                self.skipped.append(Skipped(ref, found, match.code, when, as_received(obs)))
            else:
                self.findings.append(found)
            return
        used_component = False
        for comp in obs.get("component") or ():
            row = _loinc_row(comp.get("code"))
            if row is None:
                continue
            got = _measurement(comp, row, ref, when)
            if isinstance(got, str):
                self.skipped.append(Skipped(ref, f"component {row.code}: {got}", row.analyte, when, as_received(comp)))
            elif got is not None:
                self._keep(got, raw)
                used_component = True
        if match.kind == "loinc" and match.row is not None:
            got = _measurement(obs, match.row, ref, when)
            if isinstance(got, str):
                self.skipped.append(Skipped(ref, got, match.row.analyte, when, as_received(obs)))
            elif got is not None:
                self._keep(got, raw)
            elif not used_component:
                self.skipped.append(Skipped(ref, f"no value for {match.row.analyte}"))

    def _keep(self, m: Measurement, effective_raw: str) -> None:
        self.measurements.append(m)
        if m.analyte in _DRAW_ANALYTES:
            # the keys that make results one blood draw: same effective time, same report, same Observation
            report = self.reports.get(m.reference)
            draw = (("t", effective_raw), ("r", report), ("o", m.reference)) if report is not None else \
                (("t", effective_raw), ("o", m.reference))
            self._draws.append((m, draw))

    # -- after all Observations
    def finish(self) -> tuple[list[Measurement], list[Finding], list[Skipped]]:
        if self._draws:
            self.measurements.extend(derive(self._draws))
            self._draws = []
        return self.measurements, self.findings, self.skipped


def read_observations(
    resources: Iterable[Mapping[str, Any]], *, codesystem: str = DEFAULT_SYSTEM,
    reports: Mapping[str, str] | None = None,
) -> tuple[list[Measurement], list[Finding], list[Skipped]]:
    """Measurements, clinician Findings and Skipped from any resources (non-Observations are ignored)."""
    reader = ObservationReader(reports)
    for res in resources:
        if isinstance(res, dict) and res.get("resourceType") == "Observation":
            match = match_observation(res, codesystem)
            if match is not None:
                reader.add(res, match)
    return reader.finish()


def _loinc_row(code: Any) -> LoincCode | None:
    if not isinstance(code, dict):
        return None
    for coding in code.get("coding") or ():
        if coding.get("system") == LOINC:
            row = LOINC_CODES.get(coding.get("code"))
            if row is not None:
                return row
    return None


def _interpretation(src: Mapping[str, Any]) -> str | None:
    for concept in src.get("interpretation") or ():
        code = first_code(concept, result_values.V3_INTERPRETATION) or first_code(concept)
        if code:
            return code
    return None


def _coded_result(concept: Any) -> bool | None:
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding") or ():
        hit = result_values.CODED.get((coding.get("system"), coding.get("code")))
        if hit is not None:
            return hit[0]
    return None


def _codings_text(concept: Any) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return ", ".join(f"{c.get('system')}|{c.get('code')}" for c in codings or ()) or "no coding"


# qualitative results a JAK-inhibitor safety rule reads: a number must be decided against its
# cut-off or reported as unreadable (issue 11: HBsAg as an S/CO index)
SAFETY_QUALITATIVE = frozenset({"hbsag", "anti-hbc", "hcv-ab", "igra", "hcg"})


def as_received(src: Mapping[str, Any]) -> str | None:
    """The value of an Observation (or component) as the lab sent it, for a card that cannot use it."""
    qty = src.get("valueQuantity")
    if isinstance(qty, dict):
        unit = qty.get("unit") or qty.get("code") or ""
        return f"{qty.get('comparator') or ''}{qty.get('value')} {unit}".strip()
    concept = src.get("valueCodeableConcept")
    if isinstance(concept, dict):
        return _codings_text(concept)
    key = next((k for k in src if k.startswith("value")), None)
    return f"{key} {src[key]!r}" if key else None


def _measurement(src: Mapping[str, Any], row: LoincCode, ref: str, when: date) -> Measurement | str | None:
    """The Measurement for one Observation or component; a reason string; or None (no value at all)."""
    name = row.analyte
    allowed = ANALYTES[name].values
    if src.get("dataAbsentReason") is not None:
        return f"data absent ({first_code(src['dataAbsentReason']) or 'no reason given'})"
    interp = _interpretation(src) if "interpretation" in src else None
    qualitative = "qualitative" in allowed
    positive = result_values.INTERPRETATION.get(interp) if (qualitative and interp) else None
    value: float | None = None
    unit: str | None = None
    comparator: str | None = None
    coding: str | None = None
    original: str | None = None
    low = high = None
    qty = src.get("valueQuantity")
    if qty is not None:
        if "quantity" not in allowed:
            return f"a quantity is not a valid result for {name}"
        raw = qty.get("value")
        if not isinstance(raw, _NUMBER) or isinstance(raw, bool):
            return f"valueQuantity without a number for {name}"
        hit = units.lookup(name, qty)
        if isinstance(hit, units.UnitError):
            return str(hit)
        conv, unit = hit
        value = raw * conv.factor + conv.offset if conv is not None else float(raw)
        comparator = qty.get("comparator") if qty.get("comparator") in COMPARATORS else None
        received = qty.get("unit") or qty.get("code")
        original = f"{comparator or ''}{raw} {received}" if received else f"{comparator or ''}{raw}"
        if src.get("referenceRange"):
            low, high = _range(src["referenceRange"], name, qty, conv, unit)
        if qualitative and positive is None and (units.KINDS.get(unit or "") == "dimensionless"
                                                 or name in SAFETY_QUALITATIVE):
            # an index (S/CO, COI) or a screening assay's number is read against its cut-off, e.g.
            # HBsAg 12.5 S/CO with cut-off 1.0; without one it is reported, never passed as "no result"
            if high is None:
                return f"index value {original} for {name} without a reference range (cut-off): result not read"
            positive = _index_result(value, comparator, high)
            if positive is None:
                return f"index value {original} for {name} does not settle the cut-off {high:g}: result not read"
    elif (concept := src.get("valueCodeableConcept")) is not None:
        if "coded" in allowed:
            for c in concept.get("coding") or ():
                if c.get("code"):
                    coding = f"{c.get('system')}|{c['code']}"
                    break
            if coding is None:
                return f"valueCodeableConcept without a coding for {name}"
        elif qualitative:
            positive = _coded_result(concept)
            if positive is None:
                return f"unrecognised result {_codings_text(concept)} for {name}"
        else:
            return f"a coded value is not a valid result for {name}"
    elif (text := src.get("valueString")) is not None:
        if not qualitative:
            return f"a text value is not a valid result for {name}"
        positive = result_values.TEXT.get(str(text).strip().lower())
        if positive is None:
            return f"unrecognised result {text!r} for {name}"
        original = str(text)
    elif (integer := src.get("valueInteger")) is not None:
        if "quantity" not in allowed or isinstance(integer, bool) or not isinstance(integer, int):
            return f"valueInteger is not a valid result for {name}"
        if units.CANONICAL_UNIT.get(name) is not None:
            return f"no unit for {name} (valueInteger)"
        value = float(integer)
        original = str(integer)
    elif (flag := src.get("valueBoolean")) is not None:
        if not qualitative or not isinstance(flag, bool):
            return f"valueBoolean is not a valid result for {name}"
        positive = flag
    else:
        other = next((k for k in _OTHER_VALUES if k in src), None)
        if other is not None:
            return f"{other} is not used for {name}"
        if not (positive is not None or "panel" in allowed):
            return None
    derived = None
    if value is not None and name in serology.QUANTITATIVE_SEROLOGY:
        read = serology.read_number(value, comparator, high, interp)
        if isinstance(read, str):
            return f"{name} {original or value}: {read}"
        positive, derived = read
    return Measurement(
        analyte=name, date=when, reference=ref, code=_TOKENS[row.code], display=row.display,
        value=value, unit=unit if value is not None else None, comparator=comparator, positive=positive,
        coding=coding, ref_low=low, ref_high=high, interpretation=interp, original=original, derived=derived,
    )


def _index_result(value: float, comparator: str | None, cutoff: float) -> bool | None:
    """An index value (S/CO, COI) against its reference-range cut-off: above it reactive, below it
    non-reactive; at the cut-off, or a censored value that straddles it, stays undecided (None)."""
    if comparator in ("<", "<=") and (value < cutoff or (comparator == "<" and value <= cutoff)):
        return False
    if comparator in (">", ">=") and (value > cutoff or (comparator == ">" and value >= cutoff)):
        return True
    if comparator is None and value != cutoff:
        return value > cutoff
    return None


def _range(ranges: Any, name: str, qty: Mapping[str, Any], conv: units.Conversion | None,
           unit: str | None) -> tuple[float | None, float | None]:
    """referenceRange[0] low/high in the value's canonical unit; a bound without a unit is taken in
    the value's unit. A bound in an unusable unit is dropped (the value itself is still used)."""
    first = ranges[0] if isinstance(ranges, list) and ranges else None
    if not isinstance(first, dict):
        return None, None
    bounds = []
    for key in ("low", "high"):
        bound = first.get(key)
        v = bound.get("value") if isinstance(bound, dict) else None
        if not isinstance(v, _NUMBER) or isinstance(v, bool):
            bounds.append(None)
            continue
        if not (bound.get("code") or bound.get("unit")):
            bounds.append(v * conv.factor + conv.offset if conv is not None else float(v))
            continue
        hit = units.lookup(name, bound)
        if isinstance(hit, units.UnitError) or hit[1] != unit:
            bounds.append(None)
            continue
        bconv = hit[0]
        bounds.append(v * bconv.factor + bconv.offset if bconv is not None else float(v))
    return bounds[0], bounds[1]


def _finding(obs: Mapping[str, Any], match: ObservationMatch, ref: str, when: date) -> Finding | str:
    d = match.finding
    if d is None:
        return f"unknown code {match.code!r} in the project CodeSystem"
    if obs.get("dataAbsentReason") is not None:
        return f"data absent ({first_code(obs['dataAbsentReason']) or 'no reason given'})"
    vt = d.value_type
    unit = None
    if vt == "integer":
        value = obs.get("valueInteger")
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{d.code} needs valueInteger"
    elif vt == "boolean":
        value = obs.get("valueBoolean")
        if not isinstance(value, bool):
            return f"{d.code} needs valueBoolean"
    elif vt == "string":
        value = obs.get("valueString")
        if not isinstance(value, str):
            return f"{d.code} needs valueString"
        if d.allowed and value not in d.allowed:
            return f"value {value!r} is not one of {', '.join(d.allowed)} for {d.code}"
    else:  # decimal: valueQuantity (unit as declared) or valueInteger
        integer = obs.get("valueInteger")
        qty = obs.get("valueQuantity")
        if isinstance(integer, int) and not isinstance(integer, bool) and d.unit is None:
            return Finding(d.code, float(integer), when, ref)
        number = qty.get("value") if isinstance(qty, dict) else None
        if not isinstance(number, _NUMBER) or isinstance(number, bool):
            return f"{d.code} needs valueQuantity" + (f" in {d.unit}" if d.unit else "")
        value = float(qty["value"])
        if d.unit is not None:
            ucum, received = units.resolve(qty)
            factor = units.FINDING_UNITS.get(d.unit, {}).get(ucum or "")
            if factor is None:
                return (f"no unit for {d.code}" if not received else f"unit {received!r} is not usable for {d.code} "
                        f"(expects {d.unit})")
            value *= factor
            unit = d.unit
    if d.code == "essdai-total":
        return Finding(d.code, value, when, ref, unit, _domain_components(obs))
    return Finding(d.code, value, when, ref, unit)


def _domain_components(obs: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """The domain levels an ESSDAI total carries as components (code = a domain name, valueInteger);
    components in any other shape are not read (the total itself still is)."""
    levels: dict[str, int] = {}
    for comp in obs.get("component") or ():
        level = comp.get("valueInteger") if isinstance(comp, dict) else None
        if not isinstance(level, int) or isinstance(level, bool):
            continue
        for coding in (comp.get("code") or {}).get("coding") or ():
            if isinstance(coding, dict) and coding.get("code") in DOMAINS:
                levels[coding["code"]] = level
    return tuple((d, levels[d]) for d in DOMAINS if d in levels)


# --- derivations -------------------------------------------------------------------------------------------
def _shown(m: Measurement) -> str:
    return m.original or f"{m.value:g}"


def derive(draws: Iterable[tuple[Measurement, tuple[tuple[str, str], ...]]]) -> list[Measurement]:
    """Derived Measurements (see DERIVATIONS) from (measurement, draw keys) pairs."""
    items = list(draws)
    by_key: dict[tuple[str, str], dict[str, list[Measurement]]] = {}
    for m, keys in items:
        for key in keys:
            by_key.setdefault(key, {}).setdefault(m.analyte, []).append(m)
    out: list[Measurement] = []
    for rule in DERIVATIONS:
        for part, keys in items:
            if part.analyte != rule.part or part.value is None or part.comparator is not None:
                continue  # a censored part ("<1 %") cannot be multiplied
            groups = [by_key[k] for k in keys]
            if any(rule.target in g for g in groups):
                continue  # this draw already has the value (even a censored one)
            whole = next((w for g in groups for w in g.get(rule.whole, ())
                          if w.value and w.comparator is None), None)
            if whole is None or whole.value is None:
                continue
            if rule.op == "times":
                value = part.value * whole.value * rule.scale
                note = f"{_shown(part)} x WBC {_shown(whole)} ({whole.reference})"
            else:
                value = part.value / whole.value * rule.scale
                note = f"measured {_shown(part)} / predicted {_shown(whole)} x 100 ({whole.reference})"
            out.append(Measurement(
                analyte=rule.target, date=part.date, reference=part.reference, code=part.code,
                display=rule.display, value=value, unit=units.CANONICAL_UNIT[rule.target], derived=note,
            ))
    return out


__all__ = [
    "DERIVATIONS", "ObservationMatch", "ObservationReader", "USABLE_STATUSES", "derive", "effective",
    "match_observation", "read_observations",
]
