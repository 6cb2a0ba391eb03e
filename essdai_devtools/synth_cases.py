"""The designed patients of the synthetic cohort: what each one holds and what the service should say.

Every case writes its resources into a `Record` and returns an `Outcome` stating, from the case's
own knowledge, the domain levels (None = no data), whether the service should stay quiet, and the
safety rule ids a baricitinib 2 mg order (FDA) must raise. The designs keep the expected ESSDAI
exact (see essdai-rules.md §0 for the arithmetic, done in synth_expect):
  rated    all 12 domains rated by a clinician (project CodeSystem, valueInteger)
  range    some domains rated, the rest with no data at all -> [sum rated, + max of unrated]
  lab      haematological/biological driven by full lab panels, the other 10 rated
  derived  one domain driven by data to its *maximum* level (so unknown items cannot raise it),
           the other 11 rated
  jak      all 12 rated (ESSDAI 7) on a clean safety baseline, plus one planted JAK trigger
  large    >= 10,000 Observations over 5 years; the few recent relevant values are planted
Dates: ratings 20 days ago (window 90), labs 6-7 days ago (window 90; CBC <= 30 for safety),
vitals 2-3 days ago (window 30).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from essdai_devtools import cohort_codes as cc
from essdai_devtools.fhir_builders import Record
from fhir_mappings.code_tables.essdai_codesystem import DOMAINS

OBS = cc.OBS


@dataclass
class Outcome:
    levels: dict[str, int | tuple[int, int] | None]  # decided | open range | no data (synth_expect.Level)
    quiet: bool = False
    safety: dict[str, Any] | None = None  # baricitinib 2 mg order, FDA
    monitoring: dict[str, Any] | None = None  # patient-view monitoring findings (on a JAK inhibitor)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    pid: str
    title: str
    build: Callable[[Record], Outcome]
    gender: str = "female"
    age: int = 52
    large: bool = False


# --- shared pieces ------------------------------------------------------------------------------

def sjogren(r: Record, kind: str = "icd") -> None:
    if kind == "icd":
        r.condition(cc.SJOGREN_ICD, onset_days_ago=1500)
    elif kind == "snomed":
        r.condition(cc.SJOGREN_SNOMED, onset_days_ago=1500)
    elif kind == "entered-in-error":
        r.condition(cc.SJOGREN_ICD, onset_days_ago=1500, clinical=None, verification="entered-in-error")


def rate(r: Record, levels: dict[str, int], days_ago: int = 20, status: str = "final") -> dict[str, int | None]:
    for domain, level in levels.items():
        r.finding(domain, level, days_ago=days_ago, status=status)
    return dict(levels)


def rate_others(r: Record, skip: set[str], nonzero: dict[str, int] | None = None) -> dict[str, int | None]:
    """Rate every domain not in `skip`: 0 unless given in `nonzero`."""
    nonzero = nonzero or {}
    return rate(r, {d: nonzero.get(d, 0) for d in DOMAINS if d not in skip})


def cbc(r: Record, *, neutrophils: tuple[float, str] = (3.5, "10*3/uL"), lymphocytes: tuple[float, str] = (1.6, "10*3/uL"),
        platelets: tuple[float, str] = (250, "10*3/uL"), hemoglobin: tuple[float, str] = (13.2, "g/dL"),
        days_ago: int = 7, omit: tuple[str, ...] = ()) -> None:
    for name, (value, unit) in (("neutrophils", neutrophils), ("lymphocytes", lymphocytes),
                                ("platelets", platelets), ("hemoglobin", hemoglobin)):
        if name not in omit:
            r.lab(OBS[name], value, unit, days_ago=days_ago)


def bio_panel(r: Record, *, igg: tuple[float, str] = (12.0, "g/L"), c3: float = 1.2, c4: float = 0.25,
              cryo: bool = False, monoclonal_g_dl: float = 0.0, days_ago: int = 7) -> None:
    """IgG, C3, C4 (reference ranges), cryoglobulins and the monoclonal protein (0 g/dL = none found):
    every level-1/2 item of the biological domain has a result, so its level is known."""
    r.lab(OBS["igg"], igg[0], igg[1], days_ago=days_ago)
    r.lab(OBS["c3"], c3, "g/L", low=0.9, high=1.8, days_ago=days_ago, interpretation="L" if c3 < 0.9 else None)
    r.lab(OBS["c4"], c4, "g/L", low=0.1, high=0.4, days_ago=days_ago, interpretation="L" if c4 < 0.1 else None)
    r.qualitative(OBS["cryoglobulins"], cryo, days_ago=days_ago)
    r.lab(OBS["monoclonal"], monoclonal_g_dl, "g/dL", days_ago=days_ago)


def safety_baseline(r: Record, *, egfr: float | None = 95, hbsag: bool | None = False,
                    anti_hbc: bool | None = False, igra: bool | None = False,
                    smoking: cc.Code | None = cc.NEVER_SMOKED, **cbc_values: Any) -> None:
    """A clean pre-JAK work-up; None leaves an item out (e.g. no HBV serology), CBC values can be overridden."""
    cbc(r, **cbc_values)
    if egfr is not None:
        r.lab(OBS["egfr"], egfr, "mL/min/{1.73_m2}", days_ago=7)
    r.lab(OBS["alt"], 22, "U/L", high=40, days_ago=7)
    r.lab(OBS["ast"], 24, "U/L", high=40, days_ago=7)
    if hbsag is not None:
        r.qualitative(OBS["hbsag"], hbsag, days_ago=60)
    if anti_hbc is not None:
        r.qualitative(OBS["anti_hbc"], anti_hbc, days_ago=60)
    r.qualitative(OBS["hcv_ab"], False, days_ago=60)
    if igra is not None:
        r.qualitative(OBS["igra"], igra, days_ago=60)
    if smoking is not None:
        r.coded(OBS["smoking"], smoking, days_ago=30)


JAK_PROFILE = {"articular": 2, "glandular": 1, "biological": 1}  # ESSDAI 2*2 + 2*1 + 1*1 = 7 (moderate)
CLEAN_ABSENT = ["R01", "R02", "R03", "R04", "R06", "R11", "R12", "R15", "R18", "R20", "R22", "R25"]


def order(rules: dict[str, str], absent: list[str] | None = None) -> dict[str, Any]:
    """Expected findings for a baricitinib 2 mg once-daily draft order, FDA, RA default.

    `rules`: rule id -> indicator that must be present (R00 off-label notice always, jak doc §5.1);
    `absent`: rule ids that must not be raised. Extra findings (e.g. [P] missing-data prompts) are
    allowed: the rule set is the safety module's to decide; these are the clear-cut ones.
    """
    return {"drug": "baricitinib", "dose_mg": 2, "jurisdiction": "FDA", "rules": {"R00": "info", **rules},
            "absent": sorted(absent or [])}


def jak_case(rules: dict[str, str], trigger: Callable[[Record], None] | None = None, *,
             also: tuple[str, ...] = (), **baseline: Any) -> Callable[[Record], Outcome]:
    """All 12 domains rated (ESSDAI 7) on the clean baseline, changed by `baseline` and `trigger`.

    `also`: rules the trigger legitimately raises too (not required, no longer forbidden)."""
    def build(r: Record) -> Outcome:
        sjogren(r)
        safety_baseline(r, **baseline)
        if trigger is not None:
            trigger(r)
        levels = rate_others(r, set(), JAK_PROFILE)
        absent = [x for x in CLEAN_ABSENT if x not in rules and x not in also]
        return Outcome(levels, safety=order(rules, absent))
    return build


# --- rated: every domain rated by a clinician -------------------------------------------------

def rated(nonzero: dict[str, int], kind: str = "icd") -> Callable[[Record], Outcome]:
    def build(r: Record) -> Outcome:
        sjogren(r, kind)
        safety_baseline(r)  # labs present but overridden by the ratings
        return Outcome(rate_others(r, set(), nonzero))
    return build


# --- range: some domains without any data ------------------------------------------------------

def ranged(unrated: set[str], nonzero: dict[str, int]) -> Callable[[Record], Outcome]:
    def build(r: Record) -> Outcome:
        sjogren(r)  # no labs, no vitals: the unrated domains have no data at all
        levels: dict[str, int | tuple[int, int] | None] = {d: None for d in unrated}
        levels.update(rate_others(r, unrated, nonzero))
        return Outcome(levels)
    return build


# --- lab: haematological + biological from full panels, the other 10 rated -----------------------

LAB_DOMAINS = {"hematological", "biological"}


def lab_case(haem: int | tuple[int, int], bio: int, nonzero: dict[str, int], cbc_values: dict[str, Any],
             bio_values: dict[str, Any], note: str,
             also: Callable[[Record], Any] | None = None) -> Callable[[Record], Outcome]:
    def build(r: Record) -> Outcome:
        sjogren(r)
        if also is not None:
            also(r)
        cbc(r, **cbc_values)
        bio_panel(r, **bio_values)
        levels = rate_others(r, LAB_DOMAINS, nonzero)
        levels.update(hematological=haem, biological=bio)
        return Outcome(levels, notes=[note])
    return build


# --- derived: one domain driven to its maximum by data --------------------------------------------

def fever_degf(r: Record) -> Outcome:
    sjogren(r)
    r.vital(OBS["temperature"], 98.2, "[degF]", days_ago=60)  # outside the 30-day vitals window
    r.vital(OBS["temperature"], 102.2, "[degF]", days_ago=2)  # 39.0 Cel > 38.5 -> level 2 (max)
    levels = rate_others(r, {"constitutional"}, {"articular": 2})
    levels["constitutional"] = 2
    return Outcome(levels, notes=["102.2 [degF] = 39.0 Cel > 38.5: constitutional 2 (its maximum)"])


def weight_loss(r: Record) -> Outcome:
    sjogren(r)
    r.vital(OBS["weight"], 138.9, "[lb_av]", days_ago=150)  # 63.0 kg
    r.vital(OBS["weight"], 54.0, "kg", days_ago=3)  # -14.3 % > 10 % -> level 2 (max)
    r.finding("weight-loss-voluntary", False, days_ago=10)
    levels = rate_others(r, {"constitutional"}, {"cutaneous": 1})
    levels["constitutional"] = 2
    return Outcome(levels, notes=["63.0 kg (138.9 [lb_av]) -> 54.0 kg, involuntary: -14.3 % > 10 %: constitutional 2"])


def renal(r: Record) -> Outcome:
    sjogren(r)
    r.lab(OBS["proteinuria"], 2.0, "g/(24.h)", days_ago=6)  # > 1.5 g/day -> level 3 (max)
    r.lab(OBS["egfr"], 45, "mL/min/{1.73_m2}", days_ago=6)  # < 60: renal failure, also level 3
    levels = rate_others(r, {"renal"})
    levels["renal"] = 3
    return Outcome(levels, notes=["proteinuria 2.0 g/24 h and eGFR 45: renal 3"])


def pulmonary(r: Record) -> Outcome:
    sjogren(r)
    r.condition(cc.ILD_SNOMED, onset_days_ago=400)
    r.finding("ild-hrct", True, days_ago=30)
    r.lab(OBS["dlco_pct"], 35, "%", days_ago=10, category="procedure")  # < 40 % -> level 3 (max)
    r.lab(OBS["fvc_pct"], 55, "%", days_ago=10, category="procedure")  # < 60 % -> level 3
    levels = rate_others(r, {"pulmonary"}, {"glandular": 1})
    levels["pulmonary"] = 3
    return Outcome(levels, notes=["ILD on HRCT, DLCO 35 %, FVC 55 % predicted: pulmonary 3"])


def muscular(r: Record) -> Outcome:
    sjogren(r)
    r.finding("myositis-proven", True, days_ago=30)
    r.lab(OBS["ck"], 1250, "U/L", high=200, days_ago=6, interpretation="H")  # 6.25 x ULN > 4 -> level 3
    levels = rate_others(r, {"muscular"})
    levels["muscular"] = 3
    return Outcome(levels, notes=["proven myositis, CK 1250 U/L = 6.25 x ULN 200: muscular 3"])


# --- quiet: the service has nothing to say ---------------------------------------------------------

def quiet_no_sjogren(r: Record) -> Outcome:
    safety_baseline(r)
    return Outcome({}, quiet=True, notes=["no Sjögren's Condition and no project-CodeSystem finding"])


def quiet_entered_in_error(r: Record) -> Outcome:
    sjogren(r, "entered-in-error")
    cbc(r)
    return Outcome({}, quiet=True, notes=["the only Sjögren's Condition is entered-in-error"])


# --- jak: one trigger each ----------------------------------------------------------------------------

def _cond(code: cc.Code, onset: int) -> Callable[[Record], None]:
    def add(r: Record) -> None:
        r.condition(code, onset_days_ago=onset)
    return add


def _med(code: cc.Code, text: str, dose: float, per_day: int, started: int, route: str) -> Callable[[Record], None]:
    def add(r: Record) -> None:
        r.medication_request((code,), text, dose_mg=dose, per_day=per_day, started_days_ago=started, route_text=route)
    return add


ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CVX = "http://hl7.org/fhir/sid/cvx"
# jak-safety-rules §3.3 live-vaccine table (CVX [R]); kept here, not in cohort_codes, because only
# Immunization.vaccineCode uses it
ZOSTER_LIVE_CVX = cc.Code(CVX, "121", "zoster vaccine, live", "R", f"{cc.JAK_DOC} §3.3")


def _allergy(code: cc.Code, recorded: int) -> Callable[[Record], None]:
    """A confirmed, active, high-criticality AllergyIntolerance to a drug (jak doc §5.1 R01)."""
    def add(r: Record) -> None:
        r.add({"resourceType": "AllergyIntolerance",
               "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": "active"}]},
               "verificationStatus": {"coding": [{"system": ALLERGY_VERIFICATION, "code": "confirmed"}]},
               "type": "allergy", "category": ["medication"], "criticality": "high",
               "code": {"coding": [code.coding()], "text": code.display}, "patient": r.subject,
               "recordedDate": r.day(recorded)})
    return add


def _immunization(code: cc.Code, days_ago: int) -> Callable[[Record], None]:
    def add(r: Record) -> None:
        r.add({"resourceType": "Immunization", "status": "completed",
               "vaccineCode": {"coding": [code.coding()], "text": code.display}, "patient": r.subject,
               "occurrenceDateTime": r.when(days_ago), "primarySource": True})
    return add


def on_baricitinib(weeks: int) -> Callable[[Record], Outcome]:
    """On baricitinib 2 mg for `weeks`, no lipid result since the start.

    jak doc §5.9 R26: lipids ~12 weeks after the start; §7: due window weeks 10-16 [P]. The monitoring
    card lists what is due or overdue, so R26 (info) is expected at 14 weeks (due now) and at 18 weeks
    (overdue).
    """
    def build(r: Record) -> Outcome:
        sjogren(r)
        safety_baseline(r)
        r.medication_request((cc.BARICITINIB_RXNORM, cc.BARICITINIB_ATC), "baricitinib 2 mg tablet, once daily",
                             dose_mg=2, per_day=1, started_days_ago=weeks * 7, route_text="oral")
        levels = rate_others(r, set(), JAK_PROFILE)
        due = weeks * 7 >= 10 * 7
        monitoring = {"rules": {"R26": "info"} if due else {}, "absent": [] if due else ["R26"]}
        return Outcome(levels, safety=order({}), monitoring=monitoring,
                       notes=[f"on baricitinib for {weeks} weeks, no lipid panel since the start"])
    return build


# --- large records ---------------------------------------------------------------------------------------

def _status(r: Record) -> str:
    x = r.rng.random()
    return "entered-in-error" if x < 0.01 else "cancelled" if x < 0.02 else "amended" if x < 0.04 else "final"


def _noise(r: Record, size: int) -> None:
    """Old relevant results (> 90 days, any values) and irrelevant codes, up to `size` Observations."""
    rnd = r.rng
    for days in range(95, 1826, 14):  # fortnightly CBC for 5 years, SI units
        r.lab(OBS["lymphocytes"], round(rnd.uniform(0.3, 2.5), 2), "10*9/L", days_ago=days, status=_status(r))
        r.lab(OBS["neutrophils"], round(rnd.uniform(0.4, 6.0), 2), "10*9/L", days_ago=days, status=_status(r))
        r.lab(OBS["platelets"], round(rnd.uniform(40, 400)), "10*9/L", days_ago=days, status=_status(r))
        r.lab(OBS["hemoglobin"], round(rnd.uniform(4.5, 9.5), 1), "mmol/L", days_ago=days, status=_status(r))
    for days in range(100, 1826, 91):  # quarterly immunology
        r.lab(OBS["igg"], round(rnd.uniform(8, 28), 1), "g/L", days_ago=days, status=_status(r))
        r.lab(OBS["c3"], round(rnd.uniform(0.6, 1.6), 2), "g/L", low=0.9, high=1.8, days_ago=days)
        r.lab(OBS["c4"], round(rnd.uniform(0.05, 0.35), 2), "g/L", low=0.1, high=0.4, days_ago=days)
    r.qualitative(OBS["cryoglobulins"], True, days_ago=400)  # old positive: outside every window
    for days in range(35, 1826, 7):  # weekly temperature, Fahrenheit (old fevers too)
        r.vital(OBS["temperature"], round(rnd.uniform(97.5, 103.0), 1), "[degF]", days_ago=days, status=_status(r))
    for days in range(35, 1826, 30):  # monthly weight, pounds, stable
        r.vital(OBS["weight"], round(rnd.uniform(139.4, 140.8), 1), "[lb_av]", days_ago=days)
    for days in range(14, 1826, 14):
        r.lab(OBS["creatinine"], round(rnd.uniform(0.6, 1.0), 2), "mg/dL", days_ago=days)
    for days in range(30, 1826, 91):
        r.lab(OBS["cholesterol"], round(rnd.uniform(160, 240)), "mg/dL", days_ago=days)
    for days in range(30, 1826, 30):
        r.vital(OBS["bmi"], round(rnd.uniform(22, 24), 1), "kg/m2", days_ago=days)
    count = sum(1 for x in r.resources if x["resourceType"] == "Observation")
    for days in range(0, 1826):  # daily blood pressure, recent days included
        if count >= size:
            break
        r.vital(OBS["systolic_bp"], round(rnd.uniform(105, 140)), "mm[Hg]", days_ago=days, hour=7)
        count += 1
    i = 0
    while count < size:  # the rest: a wearable's daily step count, several readings a day
        r.observation(OBS["steps"], days_ago=i % 1826, category="activity", hour=(i // 1826) % 24,
                      valueQuantity={"value": rnd.randint(800, 14000), "unit": "steps",
                                     "system": cc.UCUM, "code": "{steps}"})
        i += 1
        count += 1


def large_labs(size: int) -> Callable[[Record], Outcome]:
    def build(r: Record) -> Outcome:
        sjogren(r)
        levels = rate_others(r, LAB_DOMAINS, {"glandular": 1})
        # planted recent values: the only relevant results inside the 90-day window
        r.lab(OBS["lymphocytes"], 0.75, "10*9/L", days_ago=6, status="amended")  # 750/mm3 -> haem 1
        r.lab(OBS["neutrophils"], 3.1, "10*9/L", days_ago=6)
        r.lab(OBS["platelets"], 230, "10*9/L", days_ago=6)
        r.lab(OBS["hemoglobin"], 8.2, "mmol/L", days_ago=6)  # 13.2 g/dL
        r.lab(OBS["hemoglobin"], 4.0, "mmol/L", days_ago=2, status="entered-in-error")  # 6.4 g/dL, ignored
        r.lab(OBS["lymphocytes"], 0.2, "10*9/L", days_ago=1, status="cancelled")  # ignored
        r.lab(OBS["igg"], 17.5, "g/L", days_ago=6)  # 16-20 g/L -> bio 1
        r.lab(OBS["c3"], 1.1, "g/L", low=0.9, high=1.8, days_ago=6)
        r.lab(OBS["c4"], 0.22, "g/L", low=0.1, high=0.4, days_ago=6)
        r.qualitative(OBS["cryoglobulins"], False, days_ago=6)
        r.lab(OBS["monoclonal"], 0.0, "g/dL", days_ago=6)  # none found
        r.lab(OBS["igg"], 30.0, "g/L", days_ago=3, status="entered-in-error")  # would be bio 2: ignored
        _noise(r, size)
        levels.update(hematological=1, biological=1)
        return Outcome(levels, notes=[
            "lymphocytes 0.75 10*9/L (amended) -> haem 1; Hb 8.2 mmol/L = 13.2 g/dL; IgG 17.5 g/L -> bio 1",
            "newer entered-in-error / cancelled results and all results older than 90 days must be ignored"])
    return build


def large_vitals(size: int) -> Callable[[Record], Outcome]:
    def build(r: Record) -> Outcome:
        sjogren(r)
        rate(r, {"articular": 3, "muscular": 3, "renal": 2}, days_ago=200)  # outside the 90-day window
        rate(r, {"articular": 3}, days_ago=5, status="entered-in-error")  # newest, but entered in error
        levels = rate_others(r, {"constitutional"}, {"articular": 1})
        r.vital(OBS["temperature"], 101.8, "[degF]", days_ago=3)  # 38.8 Cel > 38.5 -> constitutional 2 (max)
        r.vital(OBS["temperature"], 103.0, "[degF]", days_ago=2, status="cancelled")
        r.vital(OBS["temperature"], 104.0, "[degF]", days_ago=1, status="entered-in-error")
        r.vital(OBS["weight"], 140.2, "[lb_av]", days_ago=3)
        _noise(r, size)
        levels["constitutional"] = 2
        return Outcome(levels, notes=[
            "101.8 [degF] = 38.8 Cel -> constitutional 2; old ratings (200 days) and an entered-in-error rating "
            "must be ignored: articular 1"])
    return build


# --- the cohort, in priority order (`--patients N` smaller than this keeps the first N) ---------------------

def core_cases(large_size: int = 10_000) -> list[Case]:
    from essdai_devtools.synth_course import course_cases  # it builds on this module
    from essdai_devtools.synth_fidelity import fidelity_cases  # it builds on this module
    return [
        # rated (threshold edges of the activity states and of eligibility: 4 | 5, 13 | 14)
        Case("sjd-rated-0", "all 12 domains rated 0", rated({})),
        Case("sjd-rated-4", "rated: articular 2 -> 4 (low, not eligible)", rated({"articular": 2})),
        Case("sjd-rated-5", "rated: constitutional 1 + glandular 1 -> 5 (moderate, eligible)",
             rated({"constitutional": 1, "glandular": 1})),
        Case("sjd-rated-13", "rated: pulmonary 2 + constitutional 1 -> 13 (moderate)",
             rated({"pulmonary": 2, "constitutional": 1})),
        Case("sjd-rated-14", "rated: lymphadenopathy 3 + articular 1 -> 14 (high)",
             rated({"lymphadenopathy": 3, "articular": 1})),
        Case("sjd-rated-32-snomed", "rated: muscular 3, cns 2, biological 2, haematological 1 -> 32; SNOMED diagnosis",
             rated({"muscular": 3, "cns": 2, "biological": 2, "hematological": 1}, kind="snomed")),
        # range
        Case("sjd-range-2-4", "biological unknown, glandular 1 -> [2, 4] (low, not eligible)",
             ranged({"biological"}, {"glandular": 1})),
        Case("sjd-range-6-18", "lymphadenopathy unknown, articular 3 -> [6, 18] (eligible, category open)",
             ranged({"lymphadenopathy"}, {"articular": 3})),
        Case("sjd-range-3-9", "glandular and biological unknown, cutaneous 1 -> [3, 9] (open)",
             ranged({"glandular", "biological"}, {"cutaneous": 1})),
        Case("sjd-range-0-50", "pulmonary, renal, muscular, biological unknown -> [0, 50]",
             ranged({"pulmonary", "renal", "muscular", "biological"}, {})),
        Case("sjd-range-0-123", "Sjögren's diagnosis, no data at all -> [0, 123]", ranged(set(DOMAINS), {})),
        # lab-driven haematological + biological
        Case("sjd-lab-neutropenia-igg", "neutrophils 0.8 10*9/L (haem 2), IgG 18 g/L (bio 1), articular 1 -> 7",
             lab_case(2, 1, {"articular": 1}, {"neutrophils": (0.8, "10*9/L")}, {"igg": (18.0, "g/L")},
                      "500 <= N 800 <= 1000 -> 2; 16 <= IgG 18 <= 20 -> 1")),
        Case("sjd-lab-lymphopenia-lowc4", "lymphocytes 0.8 10*3/uL (haem 1), C4 below range (bio 1) -> 3",
             lab_case(1, 1, {}, {"lymphocytes": (0.8, "10*3/uL")}, {"c4": 0.06},
                      "500 < L 800 < 1000 -> 1; C4 0.06 < 0.1 g/L (reference low) -> 1")),
        Case("sjd-lab-thrombocytopenia-cryo", "platelets 80 10*3/uL (haem 2), cryoglobulins (bio 2), glandular 1 -> 8",
             lab_case(2, 2, {"glandular": 1}, {"platelets": (80, "10*3/uL")}, {"cryo": True},
                      "50 000 <= Plt 80 000 <= 100 000 -> 2; cryoglobulins present -> 2")),
        Case("sjd-lab-anaemia-monoclonal", "warm AIHA, Hb 7.4 g/dL (haem 3), monoclonal 0.6 g/dL (bio 1) -> 7",
             lab_case(3, 1, {}, {"hemoglobin": (7.4, "g/dL")}, {"monoclonal_g_dl": 0.6},
                      "autoimmune anaemia (D59.11, 30 days): Hb 7.4 < 8 -> 3; monoclonal protein 0.6 g/dL -> 1",
                      also=lambda r: r.condition(cc.WARM_AIHA_ICD, onset_days_ago=30))),
        Case("sjd-lab-units", "Hb 105 g/L (haem 0-1, not shown autoimmune), IgG 2200 mg/dL (bio 2), pns 1 -> [7, 9]",
             lab_case((0, 1), 2, {"pns": 1}, {"hemoglobin": (105, "g/L")}, {"igg": (2200, "mg/dL")},
                      "105 g/L = 10.5 g/dL: 10 < Hb < 12 -> 1 if autoimmune (none documented: 0-1); "
                      "2200 mg/dL = 22 g/L > 20 -> 2")),
        Case("sjd-lab-normal", "normal CBC and immunology (haem 0, bio 0), lymphadenopathy 1 -> 4",
             lab_case(0, 0, {"lymphadenopathy": 1}, {}, {}, "all values inside the reference ranges")),
        # derived, to the domain maximum
        Case("sjd-fever-degf", "fever 102.2 [degF] (constitutional 2), articular 2 -> 10", fever_degf),
        Case("sjd-weight-loss", "involuntary weight loss 14 % (constitutional 2), cutaneous 1 -> 9", weight_loss),
        Case("sjd-renal", "proteinuria 2.0 g/24 h, eGFR 45 (renal 3) -> 15", renal),
        Case("sjd-pulmonary-ild", "ILD, DLCO 35 %, FVC 55 % (pulmonary 3), glandular 1 -> 17", pulmonary),
        Case("sjd-muscular-ck", "proven myositis, CK 6.25 x ULN (muscular 3) -> 18", muscular),
        # what counts as activity (issue 12: other causes, codes that are not proof, damage)
        *fidelity_cases(),
        # quiet
        Case("quiet-no-sjogren", "no Sjögren's: the service stays quiet", quiet_no_sjogren),
        Case("quiet-entered-in-error", "Sjögren's Condition entered-in-error: quiet", quiet_entered_in_error),
        # JAK safety, one trigger each (ESSDAI 7, eligible)
        Case("jak-clean", "clean work-up: only the off-label notice", jak_case({}), age=45),
        Case("jak-lymphopenia", "ALC 400/mm3 (0.4 10*9/L) < 500",
             jak_case({"R02": "critical"}, lymphocytes=(0.4, "10*9/L")), age=45),
        Case("jak-neutropenia", "ANC 800/mm3 < 1000",
             jak_case({"R03": "critical"}, neutrophils=(0.8, "10*3/uL")), age=45),
        Case("jak-anaemia", "Hb 7.5 g/dL < 8", jak_case({"R04": "critical"}, hemoglobin=(7.5, "g/dL")), age=45),
        Case("jak-egfr-45", "eGFR 45 (30-<60): reduce to 1 mg", jak_case({"R06": "warning"}, egfr=45), age=45),
        Case("jak-egfr-25", "eGFR 25 (< 30): not recommended", jak_case({"R06": "critical"}, egfr=25), age=45),
        Case("jak-hbsag", "HBsAg positive", jak_case({"R12": "critical"}, hbsag=True), age=45),
        Case("jak-anti-hbc", "anti-HBc positive, HBsAg negative", jak_case({"R12": "warning"}, anti_hbc=True), age=45),
        Case("jak-no-hbv", "no HBV serology on file",
             jak_case({"R12": "warning"}, hbsag=None, anti_hbc=None), age=45),
        Case("jak-igra-positive", "positive IGRA, no LTBI treatment", jak_case({"R11": "critical"}, igra=True), age=45),
        Case("jak-no-tb", "no TB test on file", jak_case({"R11": "warning"}, igra=None), age=45),
        Case("jak-pregnant", "pregnant (Z33.1)", jak_case({"R16": "warning"}, _cond(cc.PREGNANCY, 56)), age=32),
        Case("jak-age-70", "age 70 (FDA: info)", jak_case({"R21": "info"}), age=70),
        Case("jak-smoker", "current smoker (72166-2 = 77176002)",
             jak_case({"R19": "warning"}, smoking=cc.SMOKER), age=45),
        Case("jak-vte", "history of VTE (Z86.718)", jak_case({"R18": "warning"}, _cond(cc.VTE_HISTORY, 700)), age=45),
        Case("jak-malignancy", "active breast cancer (C50.911)",
             # active cancer is also a VTE risk factor (jak doc §5.7 R18 trigger data): R18 may add an info
             jak_case({"R20": "critical"}, _cond(cc.BREAST_CANCER, 180), also=("R18",)), age=45),
        Case("jak-probenecid", "on probenecid (strong OAT3 inhibitor): reduce to 1 mg", jak_case(
            {"R22": "warning"}, _med(cc.PROBENECID_ATC, "probenecid 500 mg tablet, twice daily", 500, 2, 200, "oral")),
            age=45),
        Case("jak-rituximab", "on rituximab (biologic)", jak_case(
            {"R25": "critical"}, _med(cc.RITUXIMAB_ATC, "rituximab 1000 mg infusion", 1000, 1, 60, "intravenous")),
            age=45),
        Case("jak-allergy", "documented baricitinib allergy (AllergyIntolerance, RxNorm 2047232)",
             jak_case({"R01": "critical"}, _allergy(cc.BARICITINIB_RXNORM, 400)), age=45),
        # the Immunization history is then on file without RZV (CVX 187): R14 adds its [P] info
        Case("jak-live-vaccine", "live zoster vaccine (CVX 121) 2 weeks ago: within 4 weeks of the start",
             jak_case({"R15": "warning"}, _immunization(ZOSTER_LIVE_CVX, 14), also=("R14",)), age=45),
        Case("on-baricitinib", "on baricitinib 2 mg for 14 weeks, no lipids since the start: R26 due now",
             on_baricitinib(14), age=45),
        Case("on-baricitinib-18w", "on baricitinib 2 mg for 18 weeks, no lipids: R26 overdue",
             on_baricitinib(18), age=45),
        # followed over 24 weeks on baricitinib (issue 13: course and response)
        *course_cases(),
        # large records
        Case("large-labs", f"{large_size} Observations over 5 years; haem 1, bio 1, glandular 1 -> 5",
             large_labs(large_size), large=True),
        Case("large-vitals", f"{large_size} Observations; fever in [degF] -> constitutional 2, articular 1 -> 8",
             large_vitals(large_size), large=True),
    ]


def filler_case(index: int) -> Case:
    """Extra fully rated patients when more than the designed cases are asked for (levels from the seed)."""
    def build(r: Record) -> Outcome:
        from essdai_devtools.synth_expect import LEVELS

        sjogren(r)
        nonzero = {}
        for d in DOMAINS:
            if r.rng.random() < 0.25:
                nonzero[d] = r.rng.choice([lvl for lvl in LEVELS[d] if lvl])
        return Outcome(rate_others(r, set(), nonzero))
    return Case(f"sjd-filler-{index:03d}", "fully rated, random levels", build)

