"""Cohort patients for what the ESSDAI counts as activity (issue 12): other causes, diagnosis codes that
are not proof, old diagnoses that may be damage, lung function without lung involvement.

Each case states its expectation from the index's own wording (essdai-rules.md §1), not from the
service's code: the domain under test is driven by data, every other domain is rated by a clinician.
A range (lo, hi) means the data leave the level open; the note says why.
"""

from __future__ import annotations

from collections.abc import Callable

from essdai_devtools import cohort_codes as cc
from essdai_devtools.fhir_builders import Record
from essdai_devtools.synth_cases import OBS, Case, Outcome, bio_panel, cbc, rate_others, sjogren

RESOLVED = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _constitutional_data(r: Record) -> None:
    """Fever 39.0 Cel (level 2 if Sjögren's), stable weight, no night sweats: only the fever can score."""
    r.vital(OBS["temperature"], 39.0, "Cel", days_ago=2)
    r.vital(OBS["weight"], 61.0, "kg", days_ago=3)
    r.vital(OBS["weight"], 61.2, "kg", days_ago=150)
    r.finding("night-sweats", False, days_ago=10)


def fever_uti(r: Record) -> Outcome:
    sjogren(r)
    _constitutional_data(r)
    r.condition(cc.UTI_ICD, onset_days_ago=5)
    levels = rate_others(r, {"constitutional"}, {"articular": 2})
    levels["constitutional"] = 0
    return Outcome(levels, notes=["fever 39.0 with an active urinary infection: fever of infectious origin does not "
                                  "count (S1) -> constitutional 0; ESSDAI 4, not eligible (10 if it counted)"])


def fever_covid_resolved(r: Record) -> Outcome:
    sjogren(r)
    _constitutional_data(r)
    covid = r.condition(cc.COVID_ICD, onset_days_ago=20)
    covid["clinicalStatus"] = {"coding": [{"system": RESOLVED, "code": "resolved"}]}
    covid["abatementDateTime"] = r.day(6)  # ended inside the 30-day vitals window: it explains the fever
    levels = rate_others(r, {"constitutional"}, {"articular": 2})
    levels["constitutional"] = 0
    return Outcome(levels, notes=["COVID-19 resolved 6 days ago, fever 2 days ago: infectious -> constitutional 0"])


def gn_no_activity(r: Record) -> Outcome:
    sjogren(r)
    r.condition(cc.SJOGREN_GLOMERULAR, onset_days_ago=60)
    r.lab(OBS["proteinuria"], 0.3, "g/(24.h)", days_ago=6)
    r.qualitative(OBS["haematuria"], False, days_ago=6)
    r.lab(OBS["egfr"], 92, "mL/min/{1.73_m2}", days_ago=6)
    r.finding("renal-tubular-acidosis", False, days_ago=20)
    levels = rate_others(r, {"renal"}, {"glandular": 1, "articular": 1})
    levels["renal"] = 0
    return Outcome(levels, notes=["glomerular disease of unstated type, proteinuria 0.3 g/day, no haematuria: the "
                                  "index's definition of no renal activity -> renal 0; ESSDAI 4"])


def _lung(r: Record, dlco: float, fvc: float, nyha: int) -> None:
    r.lab(OBS["dlco_pct"], dlco, "%", days_ago=10, category="procedure")
    r.lab(OBS["fvc_pct"], fvc, "%", days_ago=10, category="procedure")
    r.finding("nyha-class", nyha, days_ago=10)
    r.finding("cough-bronchial-involvement", False, days_ago=10)


def dlco_alone(r: Record) -> Outcome:
    sjogren(r)
    _lung(r, 55, 95, 1)
    levels = rate_others(r, {"pulmonary"}, {"articular": 2})
    levels["pulmonary"] = (0, 2)
    return Outcome(levels, notes=["DLCO 55 % with no ILD or bronchial involvement documented: DLCO grades proven "
                                  "lung involvement only -> pulmonary open 0-2 (ILD not known), ESSDAI 4-14"])


def dlco_normal_hrct(r: Record) -> Outcome:
    sjogren(r)
    _lung(r, 35, 55, 3)
    r.finding("ild-hrct", False, days_ago=15)
    levels = rate_others(r, {"pulmonary"}, {"articular": 2})
    levels["pulmonary"] = 0
    return Outcome(levels, notes=["HRCT without ILD, no bronchial involvement: DLCO 35 %, FVC 55 %, NYHA III do not "
                                  "score -> pulmonary 0; ESSDAI 4 (19 if they did)"])


def cns_m3507(r: Record) -> Outcome:
    sjogren(r)
    r.condition(cc.SJOGREN_CNS, onset_days_ago=60)
    levels = rate_others(r, {"cns"})
    levels["cns"] = (2, 3)
    return Outcome(levels, notes=["M35.07 'with CNS involvement' (recent): some CNS level (2 or 3), not cerebral "
                                  "vasculitis -> cns 2-3; ESSDAI 10-15"])


def anaemia_not_autoimmune(r: Record) -> Outcome:
    sjogren(r)
    cbc(r, hemoglobin=(9.0, "g/dL"))
    bio_panel(r)
    levels = rate_others(r, {"hematological", "biological"}, {"articular": 1})
    levels.update(hematological=(0, 2), biological=0)
    return Outcome(levels, notes=["Hb 9.0 g/dL (level 2 if autoimmune) with no haemolysis or autoimmune cause "
                                  "documented: anaemia counts only when autoimmune -> haem 0-2; ESSDAI 2-6"])


def myositis_code(r: Record) -> Outcome:
    sjogren(r)
    r.condition(cc.SJOGREN_MYOPATHY, onset_days_ago=60)
    r.lab(OBS["ck"], 600, "U/L", high=200, days_ago=6, interpretation="H")  # 3 x ULN: level 2 if proven
    r.finding("muscle-power-min", 5, days_ago=10)
    levels = rate_others(r, {"muscular"})
    levels["muscular"] = (0, 3)
    return Outcome(levels, notes=["M35.03 and CK 3 x ULN without EMG/biopsy proof: the code is not proof of "
                                  "myositis -> muscular open 0-3 (a clinician must rate it); ESSDAI 0-18"])


def old_splenomegaly(r: Record) -> Outcome:
    sjogren(r)
    r.condition(cc.SPLENOMEGALY_ICD, onset_days_ago=800)
    r.finding("lymph-node-size-cm", 0.0, days_ago=20)
    r.finding("inguinal-node-size-cm", 0.0, days_ago=20)
    r.finding("b-cell-lymphoma-active", False, days_ago=20)
    levels = rate_others(r, {"lymphadenopathy"}, {"articular": 2})
    levels["lymphadenopathy"] = (0, 2)
    return Outcome(levels, notes=["splenomegaly diagnosed 800 days ago, no recent finding: may be damage -> "
                                  "lymphadenopathy 0-2 (possible, not certain); ESSDAI 4-12"])


def quantitative_anti_ssa(r: Record) -> Outcome:
    sjogren(r)
    r.lab(OBS["anti_ssa"], 86, "U/mL", high=20, days_ago=300)  # above the lab's range: positive (3 points)
    r.finding("labial-focus-score", 2, days_ago=300)  # foci/4 mm2 (the builder writes a unitless valueInteger)
    r.finding("sicca-symptoms", True, days_ago=300)
    levels = rate_others(r, set(), {"glandular": 1, "articular": 2})
    return Outcome(levels, notes=["anti-SSA 86 U/mL above the reference high 20: positive; with a focus score "
                                  ">= 1 the 2016 criteria are met (6 of 9); ESSDAI 6"])


FIDELITY_CASES: list[tuple[str, str, Callable[[Record], Outcome]]] = [
    ("sjd-fever-uti", "fever 39.0 with an active UTI: not counted -> 4 (not eligible)", fever_uti),
    ("sjd-fever-covid-resolved", "fever with COVID-19 resolved 6 days ago: not counted -> 4", fever_covid_resolved),
    ("sjd-gn-no-activity", "M35.0A, proteinuria 0.3 g/day, no haematuria: renal 0 -> 4", gn_no_activity),
    ("sjd-dlco-alone", "DLCO 55 % without documented lung involvement: pulmonary 0-2 -> [4, 14]", dlco_alone),
    ("sjd-dlco-normal-hrct", "normal HRCT: DLCO 35 %, FVC 55 % do not score -> 4", dlco_normal_hrct),
    ("sjd-cns-m3507", "M35.07: CNS 2-3, not cerebral vasculitis -> [10, 15]", cns_m3507),
    ("sjd-anaemia-not-autoimmune", "Hb 9.0 without haemolysis: haem 0-2 -> [2, 6]", anaemia_not_autoimmune),
    ("sjd-myositis-code", "M35.03 and CK 3 x ULN, no EMG/biopsy: muscular 0-3 -> [0, 18]", myositis_code),
    ("sjd-old-splenomegaly", "splenomegaly diagnosed 800 days ago: lymphadenopathy 0-2 -> [4, 12]", old_splenomegaly),
    ("sjd-anti-ssa-quantitative", "anti-SSA 86 U/mL (range < 20): classified; ESSDAI 6", quantitative_anti_ssa),
]


def fidelity_cases() -> list[Case]:
    return [Case(pid, title, build) for pid, title, build in FIDELITY_CASES]
