"""Every ESSDAI / ClinESSDAI / ESSPRI / classification number, once, with its source and mark.

Sources are the tags of /work/shared/docs/essdai-rules.md (S1 = Seror 2010 Table 3, C1 = the public
full-form transcription used for the S1 rows after the pulmonary header, S4 = activity states / MCII,
S5 = ESSPRI, S6 = 2016 ACR/EULAR). Where printed ranges touch, the §1.13 boundary rule is used and
said so in `note`. Levels are candidate levels: attribution is decided by the items.
"""

from __future__ import annotations

from scoring.tables import Limit, Mark, ThresholdTable

_S1 = "ESSDAI Table 3, Seror 2010 [S1]"
_C1 = "ESSDAI form transcription [C1] (S1 rows after the pulmonary header not verified against the journal)"
_EDGE = "boundaries per essdai-rules.md §1.13"

# --- constitutional ---------------------------------------------------------------------------
TEMPERATURE_LEVEL = ThresholdTable(  # < 37.5 -> 0; 37.5 <= T <= 38.5 -> 1; T > 38.5 -> 2
    unit="Cel", rows=((">", 38.5, 2), (">=", 37.5, 1)), otherwise=0,
    source=f"{_S1}, constitutional domain", mark=Mark.V, note=_EDGE)
WEIGHT_LOSS_PCT_LEVEL = ThresholdTable(  # < 5 -> 0; 5 <= x <= 10 -> 1; > 10 -> 2 (% of the highest prior weight)
    unit="%", rows=((">", 10.0, 2), (">=", 5.0, 1)), otherwise=0,
    source=f"{_S1}, constitutional domain", mark=Mark.V,
    note=f"{_EDGE}; reference weight = highest in the prior 12 months [Implementation choice]")

# --- lymphadenopathy, glandular, articular (clinician findings, cm / counts) -------------------
NODE_SIZE_LEVEL = ThresholdTable(  # any region: >= 1 cm -> 1, >= 2 cm -> 2
    unit="cm", rows=((">=", 2.0, 2), (">=", 1.0, 1)), otherwise=0,
    source=f"{_S1}, lymphadenopathy domain", mark=Mark.V)
INGUINAL_NODE_SIZE_LEVEL = ThresholdTable(  # inguinal: >= 2 cm -> 1, >= 3 cm -> 2; 1-<2 cm -> 0 (§1.2 note)
    unit="cm", rows=((">=", 3.0, 2), (">=", 2.0, 1)), otherwise=0,
    source=f"{_S1}, lymphadenopathy domain", mark=Mark.V,
    note="inguinal-specific sizes override 'any nodal region' [Interpretation]")
PAROTID_SIZE_LEVEL = ThresholdTable(  # 0 = no swelling; <= 3 cm -> 1; > 3 cm -> 2
    unit="cm", rows=((">", 3.0, 2), (">", 0.0, 1)), otherwise=0,
    source=f"{_S1}, glandular domain", mark=Mark.V)
SYNOVITIS_COUNT_LEVEL = ThresholdTable(  # 28-joint count: 1-5 -> 2, >= 6 -> 3
    unit="{joints}", rows=((">=", 6, 3), (">=", 1, 2)), otherwise=0,
    source=f"{_S1}, articular domain", mark=Mark.V)

# --- pulmonary -----------------------------------------------------------------------------------
DLCO_PCT_LEVEL = ThresholdTable(  # DLCO >= 70 normal; 40 <= DLCO < 70 -> 2; < 40 -> 3
    unit="%", rows=(("<", 40.0, 3), ("<", 70.0, 2)), otherwise=0,
    source=f"{_C1}, pulmonary domain", mark=Mark.P, note=_EDGE)
FVC_PCT_LEVEL = ThresholdTable(  # FVC >= 80 normal; 60 <= FVC < 80 -> 2; < 60 -> 3
    unit="%", rows=(("<", 60.0, 3), ("<", 80.0, 2)), otherwise=0,
    source=f"{_C1}, pulmonary domain", mark=Mark.P, note=_EDGE)
NYHA_LEVEL = ThresholdTable(  # with HRCT-proven ILD: NYHA II -> 2, III-IV -> 3
    unit="{class}", rows=((">=", 3, 3), (">=", 2, 2)), otherwise=0,
    source=f"{_C1}, pulmonary domain", mark=Mark.P, floor=1)

# --- renal ---------------------------------------------------------------------------------------
PROTEINURIA_LEVEL = ThresholdTable(  # < 0.5 -> 0; 0.5-1.0 -> 1; (1.0, 1.5] -> 2; > 1.5 -> 3
    unit="g/d", rows=((">", 1.5, 3), (">", 1.0, 2), (">=", 0.5, 1)), otherwise=0,
    source=f"{_C1}, renal domain", mark=Mark.P,
    note=f"{_EDGE}; 1.0 g/d is printed in two rows and scores 1 [choice]")
GLOMERULAR_PROTEINURIA = Limit(  # proteinuria >= 0.5 g/d counts as documented glomerular involvement
    value=0.5, unit="g/d", source=f"{_C1}, renal domain (level-1 lower bound)", mark=Mark.P)
EGFR_FAILURE = ThresholdTable(  # 'renal failure' = GFR < 60 mL/min; level 1 here means 'failure present'
    unit="mL/min/{1.73_m2}", rows=(("<", 60.0, 1),), otherwise=0,
    source=f"{_C1}, renal domain", mark=Mark.P)

# --- muscular ------------------------------------------------------------------------------------
CK_ULN_LEVEL = ThresholdTable(  # CK / upper limit of normal: <= 1 -> 0; (1,2] -> 1; (2,4] -> 2; > 4 -> 3
    unit="{xULN}", rows=((">", 4.0, 3), (">", 2.0, 2), (">", 1.0, 1)), otherwise=0,
    source=f"{_C1}, muscular domain", mark=Mark.P,
    note=f"{_EDGE}; scores only with EMG/biopsy-proven myositis")
MUSCLE_POWER_LEVEL = ThresholdTable(  # proven myositis with weakness: max deficit 4/5 -> 2, <= 3/5 -> 3
    unit="{MRC}", rows=(("<=", 3, 3), ("<=", 4, 2)), otherwise=0,
    source=f"{_C1}, muscular domain", mark=Mark.P)
PNS_MOTOR_POWER_LEVEL = ThresholdTable(  # NCS axonal sensorimotor neuropathy: power >= 4/5 -> 2, <= 3/5 -> 3
    unit="{MRC}", rows=(("<=", 3, 3),), otherwise=2,
    source=f"{_C1}; S1 wording 'maximal motor deficit 4/5' [UNVERIFIED]", mark=Mark.P,
    note="the two readings agree when implemented as >= 4/5 -> 2, <= 3/5 -> 3 (essdai-rules §1.9)")

# --- haematological (cells/uL == /mm3, Hb g/dL); exactly as printed -------------------------------
NEUTROPHIL_LEVEL = ThresholdTable(
    unit="/uL", rows=(("<", 500, 3), ("<=", 1000, 2), ("<", 1500, 1)), otherwise=0,
    source=f"{_C1}, haematological domain", mark=Mark.P, note="as printed: N = 1500 -> 0, N = 1000 -> 2")
HEMOGLOBIN_LEVEL = ThresholdTable(
    unit="g/dL", rows=(("<", 8.0, 3), ("<=", 10.0, 2), ("<", 12.0, 1)), otherwise=0,
    source=f"{_C1}, haematological domain", mark=Mark.P,
    note="as printed: Hb = 12 -> 0, Hb = 10 -> 2; not sex-specific")
PLATELET_LEVEL = ThresholdTable(
    unit="/uL", rows=(("<", 50_000, 3), ("<=", 100_000, 2), ("<", 150_000, 1)), otherwise=0,
    source=f"{_C1}, haematological domain", mark=Mark.P,
    note="as printed: Plt = 150 000 -> 0, Plt = 100 000 -> 2")
LYMPHOCYTE_LEVEL = ThresholdTable(  # no High level for lymphopenia
    unit="/uL", rows=(("<=", 500, 2), ("<", 1000, 1)), otherwise=0,
    source=f"{_C1}, haematological domain", mark=Mark.P, note="as printed: L = 1000 -> 0, L = 500 -> 2")

# --- biological ----------------------------------------------------------------------------------
IGG_LEVEL = ThresholdTable(  # < 16 -> 0; 16 <= IgG <= 20 -> 1; > 20 -> 2
    unit="g/L", rows=((">", 20.0, 2), (">=", 16.0, 1)), otherwise=0,
    source=f"{_C1}, biological domain", mark=Mark.P, note=_EDGE)
IGG_FALL = ThresholdTable(  # recent fall of IgG to < 5 g/L -> 2 (needs a value >= 5 in the prior 12 months)
    unit="g/L", rows=(("<", 5.0, 2),), otherwise=0,
    source=f"{_C1}, biological domain", mark=Mark.P,
    note="'recent' = a previous value >= 5 g/L within 12 months [Implementation choice]")

# --- totals: activity states, eligibility, change, ESSPRI -----------------------------------------
MODERATE_ACTIVITY = Limit(5, "{score}", "Seror 2016 activity states [S4]: low < 5, moderate 5-13", Mark.V)
HIGH_ACTIVITY = Limit(14, "{score}", "Seror 2016 activity states [S4]: high >= 14", Mark.V)
ELIGIBILITY = Limit(5, "{score}", "baricitinib pSS studies enrol ESSDAI >= 5 (NCT04916756; Bai, Trials 2023) "
                    "(jak-safety-rules.md §1.2-1.3)", Mark.V)
ESSDAI_MCII = Limit(3, "{score}", "Seror 2016 [S4]: minimal clinically important improvement = fall >= 3", Mark.V)
ESSPRI_PASS = Limit(5.0, "{score}", "Seror 2016 [S4]: patient-acceptable symptom state ESSPRI < 5", Mark.R,
                    note="abstract sentence not verified; medium-high confidence")
ESSPRI_MCII_POINTS = Limit(1.0, "{score}", "Seror 2016 [S4]: ESSPRI MCII = decrease >= 1 point or >= 15 %", Mark.R,
                           note="essdai-rules §3: abstract sentence not verified; supported by S4 Table 4")
ESSPRI_MCII_PCT = Limit(15.0, "%", "Seror 2016 [S4]: ESSPRI MCII = decrease >= 1 point or >= 15 % of baseline", Mark.R)
ESSPRI_ITEM_MIN, ESSPRI_ITEM_MAX = 0.0, 10.0  # 0-10 numerical rating scales [S5]
CLINESSDAI_CATEGORY_NOTE = "ESSDAI cut-offs reused for ClinESSDAI (S3: 'very close') [Implementation choice]"

# --- 2016 ACR/EULAR classification [S6] ---------------------------------------------------------------
_S6 = "2016 ACR/EULAR classification criteria, Shiboski 2017 Table 3 [S6]"
CLASSIFICATION_MET = Limit(4, "{points}", f"{_S6}: classified if the weighted sum >= 4 (max 9)", Mark.V)
CLASSIFICATION_SOURCE, CLASSIFICATION_MARK = _S6, Mark.V
# item -> (points, tests); an item is met when any of its tests is (worse eye / worst value recorded)
CLASSIFICATION_ITEMS: dict[str, tuple[int, tuple[tuple[str, str, float], ...]]] = {
    "labial-biopsy": (3, (("labial-focus-score", ">=", 1.0),)),  # focus score >= 1 focus/4 mm2
    "ocular-signs": (1, (("ocular-staining-score", ">=", 5), ("van-bijsterveld-score", ">=", 4))),
    "schirmer": (1, (("schirmer-mm", "<=", 5.0),)),  # <= 5 mm / 5 min
    "saliva-flow": (1, (("unstimulated-saliva-flow", "<=", 0.1),)),  # <= 0.1 mL/min
}
ANTI_SSA_POINTS = Limit(3, "{points}", "anti-SSA/Ro positive -> 3 (secondary tables: PMC5784475, sanomedica)",
                        Mark.S, note="row missing from the available copies of the S6 table")

# --- course over time: response to a JAK inhibitor (scoring.course) ------------------------------
RESPONSE_SOURCE = ("Bai 2022 (baricitinib pilot, Ann Rheum Dis): response = ESSDAI fall >= 3 at weeks 4/12/24; "
                   "MCII values from Seror 2016 [S4]")
COURSE_BASELINE_DAYS = Limit(  # the baseline is the last visit on or before the start, no older than this
    90, "d", "Bai 2022: baseline = the visit at treatment start (week 0)", Mark.V,
    note="90 days = the clinician window (Windows.clinician) [Implementation choice]")
