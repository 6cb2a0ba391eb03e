"""The worksheet's input controls, generated from the project CodeSystem, and the parsing of a posted form.

Every ESSDAI finding code (`essdai_codesystem.CODES`, group = a domain), every whole-domain rating
(code = the domain) and the three ESSPRI items get one control; its kind follows the code's value
type. A posted form becomes `Entry` values (what the clinician entered) and per-field errors: a value
that is not valid is reported and left out, never guessed. Empty fields mean "not entered".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from worksheet.definitions import LEVEL_NAMES, value_label
from fhir_mappings.code_tables.essdai_codesystem import CODES, DOMAINS, CodeDef
from fhir_mappings.facts import Finding, PatientFacts
from scoring import InvalidLevel, validate_level
from scoring.domains import DOMAIN_TABLE
from scoring.thresholds import ESSPRI_ITEM_MAX, ESSPRI_ITEM_MIN

ESSPRI_CODES = ("esspri-dryness", "esspri-fatigue", "esspri-pain")
# The CodeSystem says these take one Observation per feature present (scoring/items/features.py reads all).
MULTI_VALUE = frozenset({"pns-feature", "cns-feature"})
ENTERED_PREFIX = "worksheet:"  # Finding.reference of a value entered on the page and not yet saved
MAX_FIELD_CHARS = 40
_RANGE_IN_MEANING = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)\b")  # CodeDef.meaning "0-28", "1-4; ..."


@dataclass(frozen=True)
class Control:
    code: str
    label: str
    kind: str  # integer | decimal | boolean | choice | multi | rating
    group: str  # a domain name or "esspri"
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for choice / multi / rating
    hint: str = ""

    @property
    def step(self) -> str:
        return "1" if self.kind == "integer" else "0.1"


def _bounds(d: CodeDef) -> tuple[float | None, float | None]:
    if d.group == "esspri":
        return ESSPRI_ITEM_MIN, ESSPRI_ITEM_MAX
    match = _RANGE_IN_MEANING.match(d.meaning)
    if match:
        return float(match.group(1)), float(match.group(2))
    return (0.0, None) if d.value_type == "decimal" else (None, None)  # sizes and counts are never negative


def _control(d: CodeDef) -> Control:
    if d.code in DOMAIN_TABLE:
        levels = DOMAIN_TABLE[d.code].levels
        return Control(d.code, "Whole-domain rating", "rating", d.group,
                       options=tuple((str(lvl), f"{lvl} — {LEVEL_NAMES[lvl]}") for lvl in levels),
                       hint="Overrides the level derived from the findings and the record.")
    lo, hi = _bounds(d)
    if d.value_type == "boolean":
        kind = "boolean"
    elif d.value_type == "string":
        kind = "multi" if d.code in MULTI_VALUE else "choice"
    else:
        kind = d.value_type
    options = tuple((v, value_label(d.code, v)) for v in d.allowed)
    hint = d.meaning
    if kind == "boolean":  # the CodeSystem speaks of true/false; the page asks Yes/No
        hint = re.sub(r"\bfalse\b", "“No”", re.sub(r"\btrue\b", "“Yes”", hint))
    return Control(d.code, d.display, kind, d.group, d.unit, lo, hi, options, hint)


def _controls() -> dict[str, tuple[Control, ...]]:
    by_group: dict[str, list[Control]] = {g: [] for g in (*DOMAINS, "esspri")}
    for d in CODES.values():
        if d.group in by_group:
            by_group[d.group].append(_control(d))
    # the whole-domain rating last, after the findings it overrides
    return {g: tuple(sorted(cs, key=lambda c: c.kind == "rating")) for g, cs in by_group.items()}


CONTROLS: dict[str, tuple[Control, ...]] = _controls()
CONTROL_BY_CODE: dict[str, Control] = {c.code: c for cs in CONTROLS.values() for c in cs}


# --- parsing a posted form ----------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    code: str
    value: int | float | bool | str
    unit: str | None = None


@dataclass
class ParsedForm:
    entries: list[Entry] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # code -> message
    values: dict[str, list[str]] = field(default_factory=dict)  # code -> raw values, to show them again

    def value(self, code: str) -> str:
        return (self.values.get(code) or [""])[0]

    def chosen(self, code: str) -> list[str]:
        return self.values.get(code, [])


class FieldError(ValueError):
    pass


def _number(text: str, control: Control) -> float:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise FieldError("enter a number") from None
    if not math.isfinite(number):
        raise FieldError("enter a number")
    if control.minimum is not None and number < control.minimum:
        raise FieldError(f"must be at least {control.minimum:g}")
    if control.maximum is not None and number > control.maximum:
        raise FieldError(f"must be at most {control.maximum:g}")
    return number


def parse_value(control: Control, text: str) -> int | float | bool | str:
    """One non-empty field value as the code's value type; FieldError says what is wrong."""
    if len(text) > MAX_FIELD_CHARS:
        raise FieldError("value too long")
    if control.kind == "boolean":
        if text not in ("true", "false"):
            raise FieldError("answer yes or no")
        return text == "true"
    if control.kind in ("choice", "multi"):
        if text not in {v for v, _ in control.options}:
            raise FieldError("not one of the listed answers")
        return text
    if control.kind == "rating":
        try:
            return validate_level(control.code, int(text))
        except (ValueError, InvalidLevel):
            allowed = ", ".join(v for v, _ in control.options)
            raise FieldError(f"level must be one of {allowed}") from None
    number = _number(text, control)
    if control.kind == "integer":
        if not number.is_integer():
            raise FieldError("enter a whole number")
        return int(number)
    return number


def parse_form(form: Mapping[str, Sequence[str]]) -> ParsedForm:
    """`form`: field name -> list of values (e.g. `request.form.to_dict(flat=False)`); unknown names ignored."""
    parsed = ParsedForm()
    for code, control in CONTROL_BY_CODE.items():
        raw = [v.strip() for v in form.get(code, ()) if isinstance(v, str)]
        raw = [v for v in raw if v]
        if not raw:
            continue
        parsed.values[code] = raw
        if control.kind != "multi" and len(raw) > 1:
            parsed.errors[code] = "enter one value"
            continue
        try:
            values = [parse_value(control, text) for text in raw]
        except FieldError as exc:
            parsed.errors[code] = str(exc)
            continue
        if control.kind == "multi" and "none" in values and len(values) > 1:
            parsed.errors[code] = "'none' cannot be combined with a feature"
            continue
        parsed.entries += [Entry(code, v, control.unit) for v in dict.fromkeys(values)]
    return parsed


def as_findings(entries: Sequence[Entry], when: date) -> tuple[Finding, ...]:
    return tuple(Finding(e.code, e.value, when, f"{ENTERED_PREFIX}{e.code}", e.unit) for e in entries)


def with_entries(facts: PatientFacts, entries: Sequence[Entry]) -> PatientFacts:
    """The facts plus the entered values, dated the assessment date. They come first, so an entry wins
    over a chart finding of the same code and date (scoring reads the newest; the sort is stable)."""
    if not entries:
        return facts
    return replace(facts, findings=as_findings(entries, facts.as_of) + facts.findings)
