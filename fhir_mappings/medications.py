"""MedicationRequest / MedicationStatement JSON -> `MedicationFact`, and CDS Hooks draft orders.

The drug is read from `medicationCodeableConcept`, or from `medicationReference` resolved to a
contained Medication ("#id"), a Medication in the same input (by "Medication/id" or by the entry's
`fullUrl`, e.g. `urn:uuid:`), or one passed in (read from the FHIR server by the edge). An absolute
reference ("https://host/fhir/Medication/7") resolves only under `fhir_base`, the FHIR server the
resources came from (passed in by the edge): the same id on another host is another Medication, so it
is unidentified, never read as ours (without a base, only an exact `fullUrl` match resolves it). A
Medication's `code` is tried first, then each `ingredient[].itemCodeableConcept`. Codes are matched
by `code_tables.medications` (RxNorm IN/SCD/SBD, ATC); when no code matches, ingredient and brand
names in `text` and `coding.display` are (whole words), and the fact says `recognised_by="name"`; a
name after a negation ("not on methotrexate") is reported as Skipped, not read as taken.
A drug we do not know is ignored; an unresolvable reference is reported (`unidentified`). With
`as_of`, a stored order that is not current that day (facts.not_current) is reported without the
`unidentified` mark: an unknown drug the patient no longer takes is no gap in a check.

Strength and release form come from the product row (medication_products) or the product's name
("11 MG 24HR Extended Release Oral Tablet"). Dose (first dosage): doseAndRate[0].doseQuantity in mg
(g and µg converted), or in tablets/capsules times the product strength; doses per day from
timing.repeat (frequency / period in periodUnit, or the number of `when` times) or timing.code
(v3 GTSAbbreviation: QD, BID, TID, ...). Dosage free text is kept for display only, never parsed.
End: MedicationStatement.effectivePeriod.end; MedicationRequest dosage timing.repeat.boundsPeriod.end.
Not dispenseRequest.validityPeriod.end: how long the prescription may be dispensed, not how long the drug is
taken (a 90-day supply dispensed on the last valid day is taken for 90 more days); read as the course's end it
would silence an interaction check for a drug the patient still takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from fhir_mappings import units
from fhir_mappings.code_tables import medication_products as products
from fhir_mappings.code_tables import medications as table
from fhir_mappings.facts import MedicationFact, Skipped, not_current
from fhir_mappings.primitives import parse_date, reference_of

# dose units -> factor to mg
DOSE_TO_MG: dict[str, float] = {"mg": 1.0, "g": 1000.0, "ug": 0.001}
_DOSE_ALIASES = {"mcg": "ug", "µg": "ug", "μg": "ug", "milligram": "mg", "MG": "mg", "gram": "g"}

# periodUnit -> days (UCUM units of time as FHIR uses them)
PERIOD_DAYS: dict[str, float] = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0,
                                 "a": 365.0}

# timing.code (http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation) -> doses per day
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
TIMING_CODES: dict[str, float] = {"QD": 1, "AM": 1, "PM": 1, "BED": 1, "BID": 2, "TID": 3, "QID": 4, "QOD": 0.5,
                                  "Q4H": 6, "Q6H": 4, "Q8H": 3, "Q12H": 2, "WK": 1 / 7, "MO": 1 / 30}

_SKIPPED_STATUSES = frozenset({"entered-in-error"})


NO_MEDICATION = "no medication"  # an order that names no drug at all (a draft not filled in yet): nothing unknown
_UNREADABLE = "medication not readable"  # a medication[x] of the wrong shape


def unidentified(problem: Skipped) -> bool:
    """The order names its drug by a Medication that could not be found (not contained, not in the
    input, not read from the server, or on another server), or its medication could not be read at all:
    what it orders is unknown, which a check must say. A stored order not current on the assessment date
    is not counted (see `read_medication`)."""
    return problem.drug_unknown


# "Medication/<id>" with an optional version, as the tail of an absolute reference or on its own
_MEDICATION_PATH = re.compile(r"^Medication/([^/]+)(?:/_history/[^/]+)?$")


def local_medication(reference: str, fhir_base: str | None) -> str | None:
    """"Medication/<id>" for a relative reference, or for an absolute one on `fhir_base` (the server the
    resources came from); None for an absolute reference elsewhere, or any absolute one without a base.
    The prefix test is the one fhir_access.gather applies before reading a Medication from the server."""
    if "://" in reference:
        base = fhir_base.rstrip("/") + "/" if isinstance(fhir_base, str) and "://" in fhir_base else None
        if base is None or not reference.startswith(base):
            return None
        reference = reference[len(base):]
    match = _MEDICATION_PATH.match(reference)
    return f"Medication/{match.group(1)}" if match else None


def medication_index(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """"Medication/<id>" -> Medication resource, for resolving medicationReference."""
    return {f"Medication/{r.get('id')}": r for r in resources
            if isinstance(r, dict) and r.get("resourceType") == "Medication" and r.get("id")}


def read_medication(resource: Mapping[str, Any], *, medications: Mapping[str, Mapping[str, Any]] | None = None,
                    draft: bool = False, reference: str | None = None, fhir_base: str | None = None,
                    as_of: date | None = None) -> tuple[list[MedicationFact], list[Skipped]]:
    """MedicationFacts (one per recognised ingredient) for a MedicationRequest or MedicationStatement.
    `fhir_base`: the FHIR server the resource came from (absolute references resolve under it only);
    `as_of`: the assessment date of a stored order (an unidentified drug is `unidentified` only if current)."""
    ref = reference or reference_of(resource)  # type: ignore[arg-type]
    try:
        return _read(resource, medications or {}, draft, ref, fhir_base, as_of)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as err:
        return [], [Skipped(ref, f"unreadable {resource.get('resourceType', 'resource')} ({type(err).__name__})",
                            drug_unknown=True)]


def _read(res: Mapping[str, Any], medications: Mapping[str, Mapping[str, Any]], draft: bool,
          ref: str, fhir_base: str | None = None,
          as_of: date | None = None) -> tuple[list[MedicationFact], list[Skipped]]:
    skipped: list[Skipped] = []
    concepts, problem = _medication_concepts(res, medications, fhir_base)
    negated: list[str] = []
    rows: list[_Hit] | None = None
    if problem is not None and concepts:  # a reference not followed, with a display: the drug tried by name
        rows = _named(concepts, negated)
        if rows or negated:
            problem = None
    if problem is not None:
        unknown = problem != NO_MEDICATION
        why = _not_current(res, as_of) if unknown and as_of is not None and not draft else None
        if why is not None:  # e.g. an order stopped last year: its unknown drug leaves no check undecided
            problem, unknown = f"drug not identified ({problem}), not current ({why})", False
        return [], [Skipped(ref, problem, drug_unknown=unknown)]
    if rows is None:
        rows = _coded(concepts) or _named(concepts, negated)
    if not rows:
        # a drug named only after a negation ("no prednisone") is not taken; said, not silently dropped
        return [], [Skipped(ref, reason) for reason in negated]
    rtype = res.get("resourceType", "MedicationRequest")
    status = res.get("status") or ("draft" if draft else "unknown")
    if status in _SKIPPED_STATUSES:
        return [], [Skipped(ref, f"status {status!r}")]
    dosages = res.get("dosageInstruction") if rtype == "MedicationRequest" else res.get("dosage")
    dosage = dosages[0] if isinstance(dosages, list) and dosages and isinstance(dosages[0], dict) else {}
    per_day = _doses_per_day(dosage.get("timing"))
    start, end = _period(res, rtype, dosage)
    facts = []
    for hit in rows:
        dose_mg, dose_problem = _dose_mg(dosage, hit.strength_mg)
        if dose_problem and all(s.reason != dose_problem for s in skipped):
            skipped.append(Skipped(ref, dose_problem))
        facts.append(MedicationFact(
            ingredient=hit.ingredient, classes=table.INGREDIENTS[hit.ingredient].classes, code=hit.code,
            display=hit.display, reference=ref, resource_type=rtype, status=status,
            start=start, end=end, dose_mg=dose_mg, doses_per_day=per_day,
            dose_text=dosage.get("text") if isinstance(dosage.get("text"), str) else None,
            intent=res.get("intent"), recognised_by=hit.by, strength_mg=hit.strength_mg, release=hit.release,
        ))
    return facts, skipped


@dataclass(frozen=True)
class _Hit:
    ingredient: str
    code: str  # "system|code", or "" when recognised by name
    display: str
    by: str  # "code" | "name"
    strength_mg: float | None
    release: str | None


def _texts(concept: Any) -> list[str]:
    """The human-readable names of a CodeableConcept: its text, then each coding's display."""
    if not isinstance(concept, dict):
        return []
    out = [concept["text"]] if isinstance(concept.get("text"), str) else []
    out += [c["display"] for c in concept.get("coding") or () if isinstance(c, dict) and isinstance(c.get("display"), str)]
    return out


def _coded(concepts: list[Any]) -> list[_Hit]:
    """Ingredients named by a code; the product concept (position 0) wins over its ingredient list."""
    hits: list[_Hit] = []
    for i, concept in enumerate(concepts):
        if i == 1 and hits:
            break  # the product code matched: its ingredient list is not needed
        for coding in (concept.get("coding") or ()) if isinstance(concept, dict) else ():
            if not isinstance(coding, dict):
                continue
            row = table.match(coding.get("system"), coding.get("code"))
            if row is None or any(h.ingredient == row.ingredient for h in hits):
                continue
            product = products.PRODUCT_BY_CODE.get(str(coding.get("code")).strip()) if row.system == table.RXNORM else None
            strength, release = product_strength(_texts(concept))
            if product is not None:
                strength = product.strength_mg if product.strength_mg is not None else strength
                release = product.release or release
            hits.append(_Hit(row.ingredient, f"{coding.get('system')}|{coding.get('code')}",
                             coding.get("display") or concept.get("text") or row.ingredient, "code",
                             strength if i == 0 else None, release if i == 0 else None))
    return hits


def _named(concepts: list[Any], negated: list[str]) -> list[_Hit]:
    """The net under the codes: ingredient or brand names in the texts and displays. A name governed
    by a negation cue ("not on methotrexate", "prednisone stopped": code_tables.medications
    NEGATION_*) is not a drug taken: the reason is added to `negated` instead."""
    hits: list[_Hit] = []
    for i, concept in enumerate(concepts):
        texts = _texts(concept)
        for text in texts:
            for found in table.named(text):
                if found.negation is not None:
                    said = f"{found.name!r} is negated in the text ({found.negation!r}): not read as taken"
                    if said not in negated:
                        negated.append(said)
                    continue
                if any(h.ingredient == found.ingredient for h in hits):
                    continue
                strength, release = product_strength(texts) if i == 0 else (None, None)
                hits.append(_Hit(found.ingredient, "", text, "name", strength, release))
        if i == 0 and hits:
            break
    return hits


_STRENGTH_RE = re.compile(r"(?<![\d.])(\d+(?:[.,]\d+)?)\s*(mg|milligrams?)\b(?!\s*/\s*(?:ml|kg|g)\b)", re.I)
_EXTENDED_RE = re.compile(r"\b(extended[\s-]release|prolonged[\s-]release|modified[\s-]release|24\s*hr?|xr|er|"
                          r"retard)\b", re.I)


def product_strength(texts: Iterable[str]) -> tuple[float | None, str | None]:
    """Strength per unit (mg) and release form from a product name ("tofacitinib 11 MG 24HR Extended
    Release Oral Tablet [Xeljanz]", "Olumiant 2 mg film-coated tablets"). A name with two strengths
    (a combination product) gives no single strength."""
    for text in texts:
        strengths = {float(m.group(1).replace(",", ".")) for m in _STRENGTH_RE.finditer(text)}
        if len(strengths) == 1:
            release = products.EXTENDED if _EXTENDED_RE.search(text) else (
                products.IMMEDIATE if re.search(r"\btablet|\btab\b|capsule", text, re.I) else None)
            return strengths.pop(), release
    return None, None


def _not_current(res: Mapping[str, Any], as_of: date) -> str | None:
    """facts.not_current for a raw MedicationRequest / MedicationStatement (no drug needed)."""
    rtype = res.get("resourceType", "MedicationRequest")
    dosages = res.get("dosageInstruction") if rtype == "MedicationRequest" else res.get("dosage")
    dosage = dosages[0] if isinstance(dosages, list) and dosages and isinstance(dosages[0], dict) else {}
    _start, end = _period(res, rtype, dosage)
    return not_current(res.get("status") or "unknown", res.get("intent"), end, as_of)


def _medication_concepts(res: Mapping[str, Any], medications: Mapping[str, Mapping[str, Any]],
                         fhir_base: str | None = None) -> tuple[list[Any], str | None]:
    """The CodeableConcepts that name the drug, or a reason it cannot be read."""
    concept = res.get("medicationCodeableConcept")
    if concept is not None:
        if not isinstance(concept, dict):
            return [], f"{_UNREADABLE} (medicationCodeableConcept is not an object)"
        return [concept], None
    reference = res.get("medicationReference")
    display = reference.get("display") if isinstance(reference, dict) else None
    # a reference that cannot be followed still names the drug in its display: tried by name (_read)
    by_name = [{"text": display}] if isinstance(display, str) and display.strip() else []
    if not isinstance(reference, dict) or not reference.get("reference"):
        if by_name:
            return by_name, f"medicationReference without a reference ({display!r})"
        if reference is not None and not isinstance(reference, dict):
            return [], f"{_UNREADABLE} (medicationReference is not an object)"
        return [], NO_MEDICATION
    raw = reference["reference"]
    if not isinstance(raw, str):
        return by_name, f"medicationReference {raw!r} is not a reference string"
    med: Mapping[str, Any] | None = None
    if raw.startswith("#"):
        med = next((c for c in res.get("contained") or () if isinstance(c, dict)
                    and c.get("resourceType") == "Medication" and c.get("id") == raw[1:]), None)
    else:  # an exact key (fullUrl, urn:uuid:), else "Medication/id" if relative or under our base
        local = local_medication(raw, fhir_base)
        med = medications.get(raw) or (medications.get(local) if local else None)
    if med is None:
        return by_name, f"medicationReference {raw!r} could not be resolved"
    # position 0 is the product code (possibly None), the rest are its ingredients
    concepts = [med.get("code")]
    concepts += [i.get("itemCodeableConcept") for i in med.get("ingredient") or () if isinstance(i, dict)]
    return concepts, None


# dose units that count product units (tablets): dose = count x strength of the product
UNIT_COUNTS = frozenset({"{tbl}", "{tablet}", "{tablets}", "tablet", "tablets", "tab", "tabs", "{capsule}", "capsule",
                         "capsules", "{cap}", "1", "{unit}"})


def _dose_mg(dosage: Mapping[str, Any], strength_mg: float | None = None) -> tuple[float | None, str | None]:
    for dr in dosage.get("doseAndRate") or ():
        qty = dr.get("doseQuantity") if isinstance(dr, dict) else None
        if not isinstance(qty, dict):
            continue
        value = qty.get("value")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None, "dose without a number"
        code = qty.get("code") if qty.get("system") == units.UCUM else None
        unit = code or qty.get("unit") or ""
        unit = _DOSE_ALIASES.get(unit, unit)
        factor = DOSE_TO_MG.get(unit)
        if factor is None and unit.lower() in UNIT_COUNTS:
            if strength_mg is None:
                return None, f"dose in {qty.get('unit') or unit!r} but the product's strength is not known; dose not read"
            return float(value) * strength_mg, None
        if factor is None:
            return None, f"dose unit {qty.get('unit') or qty.get('code')!r} is not a mass; dose not read"
        return float(value) * factor, None
    return None, None


def _doses_per_day(timing: Any) -> float | None:
    if not isinstance(timing, dict):
        return None
    repeat = timing.get("repeat")
    if isinstance(repeat, dict):
        period = repeat.get("period")
        days = PERIOD_DAYS.get(repeat.get("periodUnit") or "")
        frequency = repeat.get("frequency", 1)
        if isinstance(period, (int, float)) and period > 0 and days and isinstance(frequency, (int, float)):
            return frequency / (period * days)
        when = repeat.get("when")
        if isinstance(when, list) and when:
            return float(len(when)) * (frequency if isinstance(frequency, (int, float)) else 1)
    code = timing.get("code")
    if isinstance(code, dict):
        for coding in code.get("coding") or ():
            if coding.get("system") in (GTS, None) and coding.get("code") in TIMING_CODES:
                return float(TIMING_CODES[coding["code"]])
    return None


def _period(res: Mapping[str, Any], rtype: str, dosage: Mapping[str, Any]) -> tuple[date | None, date | None]:
    timing = dosage.get("timing")
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    bounds = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
    bounds = bounds if isinstance(bounds, dict) else {}
    if rtype == "MedicationStatement":
        if res.get("effectiveDateTime") is not None:
            return parse_date(res["effectiveDateTime"]), None
        period = res.get("effectivePeriod")
        if isinstance(period, dict):
            return parse_date(period.get("start")), parse_date(period.get("end"))
        return parse_date(bounds.get("start")), parse_date(bounds.get("end"))
    start = parse_date(res.get("authoredOn")) or parse_date(bounds.get("start"))
    return start, parse_date(bounds.get("end"))  # the dosing's end; never the dispensing validity (module doc)


def draft_orders(bundle: Mapping[str, Any] | None, *, fhir_base: str | None = None
                 ) -> tuple[list[MedicationFact], list[Skipped]]:
    """MedicationFacts for the recognised drugs in a CDS Hooks `draftOrders` Bundle, and Skipped for
    what could not be read. Lenient (no Bundle `type`, no `intent`, no dose, no medication yet) and
    never raises. `fhir_base`: the request's fhirServer (absolute Medication references resolve under it)."""
    if bundle is None:
        return [], []
    if not isinstance(bundle, dict):
        return [], [Skipped("draftOrders", "not a Bundle")]
    if bundle.get("resourceType") == "MedicationRequest":  # a bare order instead of a Bundle
        entries: list[Any] = [{"resource": bundle}]
    else:
        entries = bundle.get("entry") if isinstance(bundle.get("entry"), list) else []
    resources = [e.get("resource") if isinstance(e, dict) else None for e in entries]
    medications = medication_index(r for r in resources if isinstance(r, dict))
    medications.update({e["fullUrl"]: r for e, r in zip(entries, resources)  # urn:uuid: and absolute fullUrls
                        if isinstance(r, dict) and r.get("resourceType") == "Medication"
                        and isinstance(e, dict) and isinstance(e.get("fullUrl"), str)})
    facts: list[MedicationFact] = []
    skipped: list[Skipped] = []
    for i, (entry, res) in enumerate(zip(entries, resources)):
        if not isinstance(res, dict):
            skipped.append(Skipped(f"draftOrders.entry[{i}]", "not a resource"))
            continue
        if res.get("resourceType") != "MedicationRequest":
            continue
        ref = (f"MedicationRequest/{res['id']}" if res.get("id")
               else (entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else f"draftOrders.entry[{i}]"))
        try:
            got, problems = read_medication(res, medications=medications, draft=True, reference=ref,
                                            fhir_base=fhir_base)
        except Exception as err:  # noqa: BLE001 - the contract is "never raises"
            got, problems = [], [Skipped(ref, f"could not read draft order ({type(err).__name__})", drug_unknown=True)]
        facts.extend(got)
        skipped.extend(Skipped(p.reference, "no medication yet (draft order)") if p.reason == NO_MEDICATION
                       else p for p in problems)
    return facts, skipped
