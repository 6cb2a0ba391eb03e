"""Clinical facts: the only vocabulary shared by fhir_mappings, scoring, safety and cards.

These types carry no FHIR and no I/O: `fhir_mappings` builds them from FHIR JSON, `scoring` and
`safety` read them. Values are already in the canonical unit of their analyte (see
`fhir_mappings.units.CANONICAL_UNIT`). Every fact keeps the reference and date it came from, so any
level or finding derived from it can show its evidence.

Vocabulary (string names, never display text):
- analyte names: the keys of `fhir_mappings.code_tables.loinc.ANALYTES` (e.g. "lymphocytes");
- condition concepts: `fhir_mappings.code_tables.conditions` (e.g. "sjogren", "lymphoma");
- medication ingredients and classes: `fhir_mappings.code_tables.medications`;
- clinician finding codes: `fhir_mappings.code_tables.essdai_codesystem.CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


@dataclass(frozen=True)
class Evidence:
    """What a level or finding rests on: one resource, its value and its date."""

    reference: str  # "Observation/abc" (relative reference as received)
    display: str  # human label of the code, e.g. "Lymphocytes [#/volume] in Blood"
    value: float | int | str | bool | None = None
    unit: str | None = None
    date: date | None = None
    code: str | None = None  # "http://loinc.org|731-0"
    note: str | None = None  # e.g. "attribution to Sjögren's presumed"
    # the cut-off of the scoring table that decided the level, in the value's unit ("> 16" for IgG
    # 18 g/L), or naming its own unit for a derived value ("> 4 x ULN" for CK); set by scoring
    # (scoring.tables.ThresholdTable.deciding), None when no table decided it
    threshold: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "reference": self.reference,
                "display": self.display,
                "value": self.value,
                "unit": self.unit,
                "date": self.date.isoformat() if self.date else None,
                "code": self.code,
                "note": self.note,
                "threshold": self.threshold,
            }
        )


@dataclass(frozen=True)
class Skipped:
    """A resource (or part of one) that was read but not used, and why. Reported, never guessed."""

    reference: str
    reason: str  # e.g. "unknown unit 'mg/furlong' for lymphocytes", "status 'preliminary'"
    # for a result whose value could not be used: which analyte, when, and the value as received,
    # so the safety rule that reads it can say on its card what it could not use (never silent)
    # (not part of equality: two reports of the same problem are the same Skipped)
    analyte: str | None = field(default=None, compare=False)
    when: date | None = field(default=None, compare=False)  # not `date`: that would shadow the type
    value: str | None = field(default=None, compare=False)
    # an order or statement whose drug could not be identified (its Medication not found, its medication[x]
    # unreadable): what it orders is unknown, which a check must say (fhir_mappings.unidentified)
    drug_unknown: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, str]:
        return {"reference": self.reference, "reason": self.reason}


@dataclass(frozen=True, init=False)
class Measurement:
    """One Observation value (or component) for an analyte, in the analyte's canonical unit.

    Frozen like every fact, with a hand-written `__init__`: the generated one of a frozen dataclass
    sets each of the 15 fields through `object.__setattr__` (about 2 us an instance), and a chart
    gives hundreds of these per hook call. Filling `__dict__` once is half of that; a test keeps
    the parameters equal to the fields.
    """

    analyte: str
    date: date
    reference: str
    code: str  # "system|code" of the matched coding
    display: str
    value: float | None = None  # canonical unit; None for purely qualitative results
    unit: str | None = None  # canonical unit of `value`
    comparator: str | None = None  # "<", "<=", ">", ">=" as received; see fhir_mappings.observations
    positive: bool | None = None  # qualitative result (cryoglobulins, anti-SSA, HBsAg, IGRA, hCG)
    coding: str | None = None  # "system|code" of valueCodeableConcept (smoking status, NYHA)
    ref_low: float | None = None  # reference range, converted to the canonical unit
    ref_high: float | None = None
    interpretation: str | None = None  # v3 ObservationInterpretation code: "H", "L", "HH", "LL", "N", "POS", "NEG"
    original: str | None = None  # the value as received, e.g. "0.4 10*9/L"
    derived: str | None = None  # how it was derived, e.g. "12 % x WBC 5.1 10*3/uL (Observation/w1)"

    def __init__(self, analyte: str, date: date, reference: str, code: str, display: str,
                 value: float | None = None, unit: str | None = None, comparator: str | None = None,
                 positive: bool | None = None, coding: str | None = None, ref_low: float | None = None,
                 ref_high: float | None = None, interpretation: str | None = None, original: str | None = None,
                 derived: str | None = None) -> None:
        self.__dict__.update(
            analyte=analyte, date=date, reference=reference, code=code, display=display, value=value, unit=unit,
            comparator=comparator, positive=positive, coding=coding, ref_low=ref_low, ref_high=ref_high,
            interpretation=interpretation, original=original, derived=derived,
        )

    def evidence(self, note: str | None = None) -> Evidence:
        value: float | str | bool | None = self.value
        if value is None and self.positive is not None:
            value = "positive" if self.positive else "negative"
        if value is None and self.coding is not None:
            value = self.coding
        return Evidence(
            reference=self.reference,
            display=self.display,
            value=round(value, 4) if isinstance(value, float) else value,
            unit=self.unit if self.value is not None else None,
            date=self.date,
            code=self.code,
            note="; ".join(n for n in (self.derived, note) if n) or None,
        )


@dataclass(frozen=True)
class ConditionFact:
    """A Condition that passed the verification filter (not refuted, not entered-in-error)."""

    concept: str  # e.g. "sjogren", "lymphoma", "ild"
    code: str  # "system|code"
    display: str
    reference: str
    status: str  # "active" (active/recurrence/relapse, not abated) | "remission" | "inactive"
    onset: date | None = None
    recorded: date | None = None
    abated: date | None = None
    verification: str | None = None  # confirmed / provisional / differential / unconfirmed / None

    def evidence(self, note: str | None = None) -> Evidence:
        return Evidence(
            reference=self.reference,
            display=self.display,
            value=self.status,
            date=self.onset or self.recorded,
            code=self.code,
            note=note,
        )


# MedicationRequest.status / MedicationStatement.status (FHIR R4) of a drug the patient takes now: the
# co-medications every rule reads. Not current: not-taken, stopped, completed, cancelled, draft, unknown
# (entered-in-error is dropped when read). On-hold counts: the drug may resume at any time.
CURRENT_STATUSES = frozenset({"active", "on-hold", "intended"})
# MedicationRequest.intent (FHIR R4 medicationrequest-intent) of a request that is not an order to take
# the drug: a suggestion (proposal), an intention (plan), or one choice among several in a RequestGroup
# (option). The patient is not taking it, so it is no current co-medication whatever its status.
NOT_ORDER_INTENTS = frozenset({"proposal", "plan", "option"})
# statuses of a drug that was (or is being) taken: treatment history (R11 LTBI treatment, JAK
# episodes). Not-taken, cancelled, draft, intended and unknown were never started as far as we know.
TAKEN_STATUSES = frozenset({"active", "on-hold", "completed", "stopped"})


def not_current(status: str, intent: str | None, end: date | None, day: date) -> str | None:
    """Why a medication with this status, intent and end date is not taken on `day`, or None when it is:
    the one test of "current" (PatientFacts.medications_of, and unidentified stored orders). A past end
    (effectivePeriod.end, dosage boundsPeriod.end; never the dispensing validity) means the course is
    over even when the status was left "active"; the end day itself still counts."""
    if status not in CURRENT_STATUSES:
        return f"status {status!r}"
    if intent in NOT_ORDER_INTENTS:
        return f"intent {intent!r}, not an order"
    if end is not None and end < day:
        return f"ended {end.isoformat()}"
    return None


@dataclass(frozen=True)
class MedicationFact:
    """A medication the patient takes or is being ordered, resolved to an ingredient concept."""

    ingredient: str  # e.g. "baricitinib", "cyclophosphamide", "probenecid"
    classes: frozenset[str]  # e.g. {"jak-inhibitor"}, {"biologic-dmard"}, {"cyp3a4-inhibitor-strong"}
    code: str  # "system|code" that matched
    display: str
    reference: str  # "MedicationRequest/x", "MedicationStatement/y"
    resource_type: str  # "MedicationRequest" | "MedicationStatement"
    status: str  # FHIR status as received (active, on-hold, draft, completed, ...)
    start: date | None = None  # authoredOn / effective start
    end: date | None = None
    dose_mg: float | None = None  # one dose, in mg
    doses_per_day: float | None = None  # from timing (frequency / period)
    dose_text: str | None = None  # dosageInstruction.text, for display
    intent: str | None = None
    recognised_by: str = "code"  # "code" | "name" (no code matched; ingredient or brand name in the text)
    strength_mg: float | None = None  # per unit (tablet) of the product ordered, when known
    release: str | None = None  # "extended-release" | "immediate-release" | None (not stated)

    @property
    def begun(self) -> bool:
        """Treatment history (R11 LTBI treatment, JAK episodes): a taken status, and an order or a statement
        of taking it, never a proposal or a plan (an "active" plan of isoniazid is no LTBI treatment)."""
        return self.status in TAKEN_STATUSES and self.intent not in NOT_ORDER_INTENTS

    def current_on(self, day: date) -> bool:
        """Taken on `day`: a current status, an order (not a proposal or plan), not ended (`not_current`)."""
        return not_current(self.status, self.intent, self.end, day) is None

    @property
    def daily_mg(self) -> float | None:
        if self.dose_mg is None or self.doses_per_day is None:
            return None
        return self.dose_mg * self.doses_per_day

    def evidence(self, note: str | None = None) -> Evidence:
        if self.recognised_by == "name":  # the reader must know no code identified the drug
            note = f"{note}; recognised by name" if note else "recognised by name"
        return Evidence(
            reference=self.reference,
            display=self.display,
            value=self.status,
            date=self.start,
            code=self.code,
            note=note,
        )


@dataclass(frozen=True)
class AllergyFact:
    """An AllergyIntolerance to a known drug (verificationStatus not refuted / entered-in-error)."""

    ingredient: str  # medication ingredient concept, e.g. "baricitinib"
    classes: frozenset[str]  # its classes, e.g. {"jak-inhibitor"}
    code: str  # "system|code" that matched
    display: str
    reference: str  # "AllergyIntolerance/x"
    clinical_status: str | None  # "active" | "inactive" | "resolved" | None (not stated)
    verification: str | None = None  # confirmed / unconfirmed / presumed / None
    criticality: str | None = None  # low / high / unable-to-assess / None
    recorded: date | None = None  # recordedDate, else onset

    @property
    def current(self) -> bool:
        """Not recorded as inactive or resolved (no clinicalStatus counts as current)."""
        return self.clinical_status not in ("inactive", "resolved")

    def evidence(self, note: str | None = None) -> Evidence:
        return Evidence(
            reference=self.reference,
            display=self.display,
            value=self.clinical_status or "status not stated",
            date=self.recorded,
            code=self.code,
            note="; ".join(n for n in (f"criticality {self.criticality}" if self.criticality else None,
                                         f"verification {self.verification}" if self.verification else None,
                                         note) if n) or None,
        )


@dataclass(frozen=True)
class ImmunizationFact:
    """A completed Immunization with a known vaccine code (see code_tables.vaccines)."""

    vaccine: str  # vaccine concept, e.g. "zoster-live", "zoster-recombinant", "mmr"
    live: bool
    code: str  # "system|code" that matched
    display: str
    reference: str  # "Immunization/x"
    status: str  # FHIR status as received (only "completed" is kept)
    date: date  # occurrenceDateTime

    def evidence(self, note: str | None = None) -> Evidence:
        return Evidence(
            reference=self.reference,
            display=self.display,
            value=self.status,
            date=self.date,
            code=self.code,
            note=note,
        )


@dataclass(frozen=True)
class Finding:
    """A clinician-entered Observation coded in the project CodeSystem (essdai_codesystem.CODES)."""

    code: str  # e.g. "synovitis-count", "articular" (a whole-domain rating), "esspri-fatigue"
    value: int | float | bool | str
    date: date
    reference: str
    unit: str | None = None
    # essdai-total only: the domain levels its components carry, (domain, level) in DOMAINS order
    components: tuple[tuple[str, int], ...] = ()

    def evidence(self, display: str | None = None, note: str | None = None) -> Evidence:
        return Evidence(
            reference=self.reference,
            display=display or self.code,
            value=self.value,
            unit=self.unit,
            date=self.date,
            code=self.code,
            note=note,
        )


@dataclass(frozen=True)
class Windows:
    """Look-back windows in days, measured back from the assessment date (configurable)."""

    labs: int = 90
    vitals: int = 30
    prior_weights: int = 365
    clinician: int = 90  # clinician findings and whole-domain ratings
    history: int = 365  # IgG "recent fall", condition recency

    # analytes read with the vitals window; every other analyte uses `labs`
    VITAL_ANALYTES = frozenset({"temperature", "weight"})

    def for_analyte(self, analyte: str) -> int:
        return self.vitals if analyte in self.VITAL_ANALYTES else self.labs


@dataclass(frozen=True)
class PatientFacts:
    """Everything scoring and safety may read about one patient, as of one assessment date.

    Measurements and findings are kept whole (status-filtered, newest first); the window helpers
    below decide what is recent. Conditions exclude refuted / entered-in-error ones; their
    `status` says whether they are current.
    """

    patient_id: str
    as_of: date
    birth_date: date | None = None
    gender: str | None = None
    measurements: tuple[Measurement, ...] = ()
    conditions: tuple[ConditionFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    findings: tuple[Finding, ...] = ()
    allergies: tuple[AllergyFact, ...] = ()
    immunizations: tuple[ImmunizationFact, ...] = ()  # newest first
    # Immunization resources of the patient read (any code or status): 0 means "no immunization
    # history in the input" (not fetched, or empty), so "no vaccine X on file" is not claimed.
    immunization_records: int = 0
    skipped: tuple[Skipped, ...] = ()
    windows: Windows = field(default_factory=Windows)
    _by_analyte: dict[str, tuple[Measurement, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[Measurement]] = {}
        for m in sorted(self.measurements, key=lambda m: m.date, reverse=True):
            index.setdefault(m.analyte, []).append(m)
        # a fresh dict per instance: dataclasses.replace() must not share the index
        object.__setattr__(self, "_by_analyte", {k: tuple(v) for k, v in index.items()})

    # --- measurements -------------------------------------------------------------------
    def series(self, analyte: str) -> tuple[Measurement, ...]:
        """All values of an analyte up to the assessment date, newest first."""
        return tuple(m for m in self._by_analyte.get(analyte, ()) if m.date <= self.as_of)

    def within(self, analyte: str, days: int) -> tuple[Measurement, ...]:
        """Values no older than `days` before the assessment date, newest first."""
        start = self.as_of - timedelta(days=days)
        return tuple(m for m in self.series(analyte) if m.date >= start)

    def latest(self, analyte: str, days: int | None = None) -> Measurement | None:
        """Newest value inside the analyte's default window (or `days`), else None."""
        window = self.windows.for_analyte(analyte) if days is None else days
        found = self.within(analyte, window)
        return found[0] if found else None

    # --- conditions, medications, findings ------------------------------------------------
    def conditions_of(self, *concepts: str, status: str | None = "active") -> tuple[ConditionFact, ...]:
        wanted = set(concepts)
        return tuple(
            c for c in self.conditions if c.concept in wanted and (status is None or c.status == status)
        )

    def medications_of(self, *names: str, active_only: bool = True) -> tuple[MedicationFact, ...]:
        """Medications whose ingredient or one of whose classes is in `names`; `active_only`: current
        ones on the assessment date (`not_current`: status, intent, end), else every one read
        (TAKEN_STATUSES filters the history)."""
        wanted = set(names)
        return tuple(
            m
            for m in self.medications
            if (m.ingredient in wanted or m.classes & wanted)
            and (not active_only or m.current_on(self.as_of))
        )

    def findings_of(self, code: str, days: int | None = None) -> tuple[Finding, ...]:
        """Clinician findings with this code, newest first, inside the clinician window (or `days`)."""
        window = self.windows.clinician if days is None else days
        start = self.as_of - timedelta(days=window)
        return tuple(
            sorted(
                (f for f in self.findings if f.code == code and start <= f.date <= self.as_of),
                key=lambda f: f.date,
                reverse=True,
            )
        )

    def latest_finding(self, code: str, days: int | None = None) -> Finding | None:
        found = self.findings_of(code, days)
        return found[0] if found else None

    # --- allergies, immunizations -------------------------------------------------------------
    def allergies_to(self, ingredient: str, current_only: bool = False) -> tuple[AllergyFact, ...]:
        """Allergies recorded against this ingredient (`current_only`: not inactive / resolved)."""
        return tuple(a for a in self.allergies if a.ingredient == ingredient and (not current_only or a.current))

    def immunizations_of(self, *vaccines: str, live: bool | None = None) -> tuple[ImmunizationFact, ...]:
        """Immunizations up to the assessment date, newest first; by vaccine concept and/or liveness."""
        wanted = set(vaccines)
        return tuple(
            i for i in sorted(self.immunizations, key=lambda i: i.date, reverse=True)
            if i.date <= self.as_of and (not wanted or i.vaccine in wanted) and (live is None or i.live == live)
        )

    def immunizations_within(self, days: int, *, live: bool | None = None) -> tuple[ImmunizationFact, ...]:
        """Immunizations no older than `days` before the assessment date, newest first."""
        start = self.as_of - timedelta(days=days)
        return tuple(i for i in self.immunizations_of(live=live) if i.date >= start)

    def age_years(self) -> int | None:
        if self.birth_date is None:
            return None
        b, a = self.birth_date, self.as_of
        return a.year - b.year - ((a.month, a.day) < (b.month, b.day))
