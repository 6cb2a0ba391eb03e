"""What the worksheet shows in words: the EULAR definition of each ESSDAI level, each domain's exclusion
note, the ESSPRI questions and the labels of coded answers. Display text only, never rules: levels,
weights and thresholds are scored by `scoring/`; these sentences paraphrase
/work/shared/docs/essdai-rules.md §1 (numbers exact) and §3, each with its source tag and confidence
mark ([V] S1 journal table; [P] C1, the one public transcription used for the S1 rows after the
pulmonary header; [R] recollection, unverified).
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.tables import Mark

S1 = "S1 (Seror 2010, Table 3)"
C1 = "C1 (ESSDAI form transcription; S1 rows after the pulmonary header not verified)"
S5 = "S5 (ESSPRI, Seror 2011; EULAR Outcome Measures Library)"


@dataclass(frozen=True)
class LevelText:
    text: str
    source: str
    mark: Mark


@dataclass(frozen=True)
class DomainText:
    exclusion: str  # the attribution / exclusion note printed with the domain
    levels: dict[int, LevelText]
    note: str = ""  # how the service reads an ambiguity (interpretation, unverified wording)


def _levels(source: str, mark: Mark, **texts: str) -> dict[int, LevelText]:
    return {int(k.removeprefix("l")): LevelText(t, source, mark) for k, t in texts.items()}


DOMAIN_TEXT: dict[str, DomainText] = {
    "constitutional": DomainText(
        "Do not count fever of infectious origin or voluntary weight loss.",
        _levels(S1, Mark.V,
                l0="None of the features below.",
                l1="Mild or intermittent fever (37.5–38.5 °C), and/or night sweats, and/or involuntary weight "
                   "loss of 5–10 % of body weight.",
                l2="Severe fever (> 38.5 °C), and/or night sweats, and/or involuntary weight loss of more than "
                   "10 % of body weight."),
        note="Night sweats are printed in both rows; on their own they are read as Low [Interpretation]."),
    "lymphadenopathy": DomainText(
        "Exclude infection.",
        _levels(S1, Mark.V,
                l0="None of the features below.",
                l1="Lymph node ≥ 1 cm in any nodal region, or ≥ 2 cm in the inguinal region.",
                l2="Lymph node ≥ 2 cm in any nodal region, or ≥ 3 cm in the inguinal region, and/or splenomegaly "
                   "(palpable or on imaging).",
                l3="Current malignant B-cell proliferative disorder (lymphoma not in remission)."),
        note="An inguinal node of 1 to < 2 cm scores 0: the inguinal sizes replace 'any region' there "
             "[Interpretation]."),
    "glandular": DomainText(
        "Exclude salivary stone and infection.",
        _levels(S1, Mark.V,
                l0="No glandular swelling.",
                l1="Small glandular swelling: enlarged parotid (≤ 3 cm), or limited submandibular or lacrimal "
                   "swelling.",
                l2="Major glandular swelling: enlarged parotid (> 3 cm), or important submandibular or lacrimal "
                   "swelling.")),
    "articular": DomainText(
        "Exclude osteoarthritis.",
        _levels(S1, Mark.V,
                l0="No currently active articular involvement.",
                l1="Arthralgia of hands, wrists, ankles and feet with morning stiffness of more than 30 minutes.",
                l2="1 to 5 joints with synovitis (28-joint count).",
                l3="6 or more joints with synovitis (28-joint count).")),
    "cutaneous": DomainText(
        "Rate stable, long-lasting features due to damage as 'No activity'.",
        _levels(S1, Mark.V,
                l0="No currently active cutaneous involvement.",
                l1="Erythema multiforme.",
                l2="Limited cutaneous vasculitis (including urticarial vasculitis), or purpura limited to feet and "
                   "ankles, or subacute cutaneous lupus.",
                l3="Diffuse cutaneous vasculitis (including urticarial vasculitis), or diffuse purpura, or ulcers "
                   "due to vasculitis.")),
    "pulmonary": DomainText(
        "Rate as 'No activity' stable, long-lasting damage and involvement not due to the disease "
        "(e.g. tobacco).",
        _levels(C1, Mark.P,
                l0="No currently active pulmonary involvement.",
                l1="Persistent cough or bronchial involvement with no abnormality on chest X-ray; or radiological "
                   "or HRCT interstitial lung disease with no breathlessness and normal lung function "
                   "(DLCO ≥ 70 %, FVC ≥ 80 % predicted).",
                l2="Moderately active: e.g. HRCT-proven interstitial lung disease with dyspnoea on exertion "
                   "(NYHA II), or lung function restricted to 40 % ≤ DLCO < 70 % and/or 60 % ≤ FVC < 80 % "
                   "predicted.",
                l3="Highly active: e.g. HRCT-proven interstitial lung disease with dyspnoea at rest (NYHA III–IV), "
                   "or DLCO < 40 % and/or FVC < 60 % predicted.")),
    "renal": DomainText(
        "Rate as 'No activity' long-lasting stable damage and renal involvement not due to the disease. "
        "If a renal biopsy exists, rate from histology first.",
        _levels(C1, Mark.P,
                l0="No currently active renal involvement: proteinuria < 0.5 g/day, no haematuria, no "
                   "leukocyturia, no acidosis; or long-lasting stable proteinuria due to damage.",
                l1="Mild: tubular acidosis without renal failure (GFR ≥ 60 mL/min), or glomerular involvement with "
                   "proteinuria 0.5–1 g/day without haematuria or renal failure (GFR ≥ 60 mL/min).",
                l2="Moderate: tubular acidosis with renal failure (GFR < 60 mL/min); or glomerular involvement with "
                   "proteinuria 1–1.5 g/day without haematuria or renal failure; or histology showing membranous "
                   "(extramembranous) glomerulonephritis or an important interstitial lymphoid infiltrate.",
                l3="High: glomerular involvement with proteinuria > 1.5 g/day, or haematuria, or renal failure "
                   "(GFR < 60 mL/min); or histology showing proliferative glomerulonephritis or "
                   "cryoglobulinaemia-related renal involvement."),
        note="1.0 g/day is printed in two rows and is read as Low [choice]."),
    "muscular": DomainText(
        "Do not count weakness not due to the disease (e.g. corticosteroid myopathy).",
        _levels(C1, Mark.P,
                l0="No currently active muscular involvement.",
                l1="Active myositis proven by abnormal EMG or muscle biopsy, with no weakness and creatine kinase "
                   "above normal up to 2 × the upper limit of normal.",
                l2="Myositis proven by EMG or biopsy with weakness (maximal deficit 4/5), or creatine kinase "
                   "above 2 and up to 4 × the upper limit of normal.",
                l3="Myositis proven by EMG or biopsy with weakness (deficit ≤ 3/5), or creatine kinase above 4 × "
                   "the upper limit of normal."),
        note="Creatine kinase alone never scores: myositis proven by EMG or biopsy is required."),
    "pns": DomainText(
        "Rate as 'No activity' stable, long-lasting damage and peripheral nerve involvement not due to the "
        "disease.",
        _levels(C1, Mark.P,
                l0="No currently active peripheral nervous system involvement.",
                l1="Pure sensory axonal polyneuropathy shown by nerve conduction studies, or trigeminal (V) "
                   "neuralgia.",
                l2="Axonal sensory-motor neuropathy on nerve conduction studies with mild or no motor deficit "
                   "(power 4/5 or better); pure sensory neuropathy with cryoglobulinaemic vasculitis; "
                   "ganglionopathy with mild or moderate ataxia only; CIDP with mild functional impairment; or "
                   "cranial nerve involvement of peripheral origin (other than trigeminal neuralgia).",
                l3="Axonal sensory-motor neuropathy with motor deficit ≤ 3/5; nerve involvement due to vasculitis "
                   "(e.g. mononeuritis multiplex); severe ataxia due to ganglionopathy; or CIDP with severe "
                   "impairment (motor deficit ≤ 3/5 or severe ataxia)."),
        note="C1 reads 'no motor deficit' at the moderate level, S1 as recalled 'maximal motor deficit 4/5' "
             "[UNVERIFIED]; both agree when power ≥ 4/5 → 2 and ≤ 3/5 → 3."),
    "cns": DomainText(
        "Rate as 'No activity' stable, long-lasting damage and central nervous system involvement not due to "
        "the disease.",
        _levels(C1, Mark.P,
                l0="No currently active central nervous system involvement.",
                l2="Cranial nerve involvement of central origin; optic neuritis; or multiple-sclerosis-like "
                   "syndrome with pure sensory impairment or proven cognitive impairment.",
                l3="Cerebral vasculitis with stroke or transient ischaemic attack; seizures; transverse myelitis; "
                   "lymphocytic meningitis; or multiple-sclerosis-like syndrome with motor deficit."),
        note="This domain has no Low level (levels 0, 2 and 3 only)."),
    "hematological": DomainText(
        "Count only autoimmune cytopenias; not those due to vitamin or iron deficiency or drugs (e.g. "
        "lymphopenia after cyclophosphamide).",
        _levels(C1, Mark.P,
                l0="No autoimmune cytopenia.",
                l1="Autoimmune cytopenia with 1000 < neutrophils < 1500/mm³, and/or 10 < haemoglobin "
                   "< 12 g/dL, and/or 100 000 < platelets < 150 000/mm³, or 500 < lymphocytes < 1000/mm³.",
                l2="500 ≤ neutrophils ≤ 1000/mm³, and/or 8 ≤ haemoglobin ≤ 10 g/dL, and/or 50 000 ≤ platelets "
                   "≤ 100 000/mm³, or lymphocytes ≤ 500/mm³.",
                l3="Neutrophils < 500/mm³, and/or haemoglobin < 8 g/dL, and/or platelets < 50 000/mm³ "
                   "(lymphopenia has no High level)."),
        note="Boundaries as printed: 1500 → 0, 1000 → 2; Hb 12 → 0, 10 → 2; platelets 150 000 → 0, "
             "100 000 → 2; lymphocytes 1000 → 0, 500 → 2."),
    "biological": DomainText(
        "No exclusion note; low complement means below the laboratory's reference range.",
        _levels(C1, Mark.P,
                l0="None of the features below.",
                l1="Clonal (monoclonal) component; or low C4, C3 or CH50; or hypergammaglobulinaemia / IgG "
                   "16–20 g/L.",
                l2="Cryoglobulinaemia; or hypergammaglobulinaemia / IgG > 20 g/L; or recent-onset "
                   "hypogammaglobulinaemia / recent fall of IgG to < 5 g/L."),
        note="'Recent' fall of IgG: a value ≥ 5 g/L in the previous 12 months [Implementation choice]."),
}

# ESSPRI: three 0-10 numerical rating scales about the last two weeks; score = their mean [S5].
ESSPRI_QUESTIONS: dict[str, LevelText] = {
    "esspri-dryness": LevelText("Dryness over the last 2 weeks, rated by the patient from 0 to 10.", S5, Mark.S),
    "esspri-fatigue": LevelText("Fatigue over the last 2 weeks, rated by the patient from 0 to 10.", S5, Mark.S),
    "esspri-pain": LevelText("Pain (joint or muscular pain in the arms or legs) over the last 2 weeks, rated by the "
                             "patient from 0 to 10.", S5, Mark.S),
}

# Labels of coded answers (`allowed` values of essdai_codesystem.CODES), in the words of §1.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "child-pugh-class": {  # the safety rules' hepatic input (R07); Child-Pugh classes A/B/C
        "A": "A (mild hepatic impairment)", "B": "B (moderate hepatic impairment)",
        "C": "C (severe hepatic impairment)"},
    "submandibular-lacrimal-swelling": {
        "none": "None", "limited": "Limited swelling", "important": "Important swelling"},
    "cutaneous-vasculitis": {
        "none": "None",
        "limited": "Limited vasculitis, or purpura limited to feet and ankles",
        "diffuse": "Diffuse vasculitis or diffuse purpura"},
    "renal-histology": {
        "none": "No active lesion", "membranous-gn": "Membranous (extramembranous) glomerulonephritis",
        "interstitial-infiltrate": "Important interstitial lymphoid infiltrate",
        "proliferative-gn": "Proliferative glomerulonephritis",
        "cryoglobulinaemic": "Cryoglobulinaemia-related renal involvement"},
    "pns-feature": {
        "none": "No peripheral nervous system involvement",
        "pure-sensory-axonal": "Pure sensory axonal polyneuropathy (nerve conduction studies)",
        "trigeminal-neuralgia": "Trigeminal (V) neuralgia",
        "sensorimotor-axonal": "Axonal sensory-motor neuropathy (enter the motor power below)",
        "pure-sensory-cryoglobulinaemic": "Pure sensory neuropathy with cryoglobulinaemic vasculitis",
        "ganglionopathy-mild": "Ganglionopathy, mild or moderate ataxia",
        "ganglionopathy-severe": "Ganglionopathy, severe ataxia",
        "cidp-mild": "CIDP, mild functional impairment",
        "cidp-severe": "CIDP, severe impairment",
        "cranial-nerve-peripheral": "Cranial nerve involvement of peripheral origin (not trigeminal)",
        "mononeuritis-multiplex": "Mononeuritis multiplex",
        "vasculitic-neuropathy": "Other nerve involvement due to vasculitis"},
    "cns-feature": {
        "none": "No central nervous system involvement",
        "central-cranial-nerve": "Cranial nerve involvement of central origin",
        "optic-neuritis": "Optic neuritis",
        "ms-like-sensory": "MS-like syndrome, pure sensory impairment",
        "cognitive-impairment": "Proven cognitive impairment",
        "cerebral-vasculitis": "Cerebral vasculitis with stroke or TIA",
        "seizures": "Seizures",
        "transverse-myelitis": "Transverse myelitis",
        "lymphocytic-meningitis": "Lymphocytic meningitis",
        "ms-like-motor": "MS-like syndrome with motor deficit"},
}

LEVEL_NAMES: dict[int, str] = {0: "No activity", 1: "Low", 2: "Moderate", 3: "High"}


def value_label(code: str, value: str) -> str:
    return VALUE_LABELS.get(code, {}).get(value, value)
