"""The project's own CodeSystem for clinician-entered ESSDAI data.

Canonical URL `http://essdai-cds.org/fhir/CodeSystem/essdai` (the base is configurable:
`ESSDAI_CDS_CODESYSTEM_BASE`). Observations carry these codes for findings that no LOINC code
covers (node size, synovitis count, muscle power, nerve studies, ...), for whole-domain ratings,
for prior ESSDAI/ClinESSDAI totals and for ESSPRI items. Every code is listed in the README.

Each entry: code -> (display, value type, domain or group, allowed values / meaning).
Value types name the Observation value[x]: integer -> valueInteger, decimal -> valueQuantity
(unit given) or valueInteger, boolean -> valueBoolean, string -> valueString (one of `allowed`).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SYSTEM = "http://essdai-cds.org/fhir/CodeSystem/essdai"

DOMAINS = (
    "constitutional",
    "lymphadenopathy",
    "glandular",
    "articular",
    "cutaneous",
    "pulmonary",
    "renal",
    "muscular",
    "pns",
    "cns",
    "hematological",
    "biological",
)


@dataclass(frozen=True)
class CodeDef:
    code: str
    display: str
    value_type: str  # "integer" | "decimal" | "boolean" | "string"
    group: str  # a domain name, "total", "esspri", "classification" or "safety" (label rows)
    allowed: tuple[str, ...] = ()  # for string values
    unit: str | None = None  # UCUM unit for decimals
    meaning: str = ""


_DEFS: list[CodeDef] = [
    # whole-domain ratings by a clinician (valueInteger = level 0-3, allowed levels per domain)
    *(CodeDef(d, f"ESSDAI {d} domain activity level (clinician rating)", "integer", d,
              meaning="activity level 0-3 as rated by a clinician; overrides derived data") for d in DOMAINS),
    # prior totals and patient-reported items
    CodeDef("essdai-total", "ESSDAI total score", "integer", "total", meaning="0-123; components carry domain levels"),
    CodeDef("clinessdai-total", "ClinESSDAI total score", "integer", "total", meaning="0-135"),
    CodeDef("esspri-dryness", "ESSPRI dryness (0-10)", "decimal", "esspri"),
    CodeDef("esspri-fatigue", "ESSPRI fatigue (0-10)", "decimal", "esspri"),
    CodeDef("esspri-pain", "ESSPRI limb pain (0-10)", "decimal", "esspri"),
    # constitutional
    CodeDef("night-sweats", "Night sweats", "boolean", "constitutional"),
    CodeDef("fever-infectious", "Fever attributed to infection", "boolean", "constitutional",
            meaning="true excludes fever from scoring"),
    CodeDef("weight-loss-voluntary", "Weight loss is voluntary", "boolean", "constitutional",
            meaning="true excludes weight loss; false confirms it is involuntary"),
    # lymphadenopathy
    CodeDef("lymph-node-size-cm", "Largest lymph node outside the inguinal region", "decimal", "lymphadenopathy",
            unit="cm", meaning="0 = no palpable node"),
    CodeDef("inguinal-node-size-cm", "Largest inguinal lymph node", "decimal", "lymphadenopathy", unit="cm",
            meaning="0 = no palpable node"),
    CodeDef("splenomegaly", "Splenomegaly (clinical or imaging)", "boolean", "lymphadenopathy"),
    CodeDef("b-cell-lymphoma-active", "Current malignant B-cell proliferative disorder", "boolean", "lymphadenopathy"),
    # glandular
    CodeDef("parotid-size-cm", "Parotid enlargement", "decimal", "glandular", unit="cm", meaning="0 = no swelling"),
    CodeDef("submandibular-lacrimal-swelling", "Submandibular or lacrimal swelling", "string", "glandular",
            allowed=("none", "limited", "important")),
    CodeDef("glandular-swelling-other-cause", "Glandular swelling due to stone or infection", "boolean", "glandular",
            meaning="true excludes glandular swelling"),
    # articular
    CodeDef("arthralgia-morning-stiffness", "Arthralgia of hands/wrists/ankles/feet with morning stiffness > 30 min",
            "boolean", "articular"),
    CodeDef("synovitis-count", "Synovitis count (28-joint count)", "integer", "articular", meaning="0-28"),
    # cutaneous
    CodeDef("erythema-multiforme", "Erythema multiforme", "boolean", "cutaneous"),
    CodeDef("cutaneous-vasculitis", "Cutaneous vasculitis or purpura (incl. urticarial vasculitis)", "string",
            "cutaneous", allowed=("none", "limited", "diffuse"),
            meaning="limited = limited vasculitis or purpura limited to feet and ankles; diffuse = diffuse"),
    CodeDef("subacute-cutaneous-lupus", "Subacute cutaneous lupus", "boolean", "cutaneous"),
    CodeDef("vasculitic-ulcers", "Skin ulcers due to vasculitis", "boolean", "cutaneous"),
    # pulmonary
    CodeDef("cough-bronchial-involvement", "Persistent cough or bronchial involvement, normal chest X-ray",
            "boolean", "pulmonary"),
    CodeDef("ild-hrct", "Interstitial lung disease proven on HRCT", "boolean", "pulmonary"),
    CodeDef("nyha-class", "Dyspnoea, NYHA class", "integer", "pulmonary", meaning="1-4"),
    # renal
    CodeDef("renal-tubular-acidosis", "Renal tubular acidosis", "boolean", "renal"),
    CodeDef("haematuria", "Haematuria (glomerular)", "boolean", "renal"),
    CodeDef("renal-histology", "Renal biopsy finding", "string", "renal",
            allowed=("none", "membranous-gn", "interstitial-infiltrate", "proliferative-gn", "cryoglobulinaemic")),
    # muscular
    CodeDef("myositis-proven", "Myositis proven by EMG or muscle biopsy", "boolean", "muscular"),
    CodeDef("muscle-power-min", "Lowest muscle power (MRC grade)", "integer", "muscular", meaning="0-5; 5 = no weakness"),
    CodeDef("weakness-other-cause", "Weakness not due to Sjögren's (e.g. corticosteroid myopathy)", "boolean",
            "muscular", meaning="true excludes the muscular findings"),
    # peripheral nervous system (one Observation per feature present; "none" asserts no involvement)
    CodeDef("pns-feature", "Peripheral nervous system involvement", "string", "pns",
            allowed=("none", "pure-sensory-axonal", "trigeminal-neuralgia", "sensorimotor-axonal",
                     "pure-sensory-cryoglobulinaemic", "ganglionopathy-mild", "ganglionopathy-severe",
                     "cidp-mild", "cidp-severe", "cranial-nerve-peripheral", "mononeuritis-multiplex",
                     "vasculitic-neuropathy")),
    CodeDef("motor-deficit-min", "Lowest motor power in neuropathy (MRC grade)", "integer", "pns", meaning="0-5"),
    # central nervous system
    CodeDef("cns-feature", "Central nervous system involvement", "string", "cns",
            allowed=("none", "central-cranial-nerve", "optic-neuritis", "ms-like-sensory", "cognitive-impairment",
                     "cerebral-vasculitis", "seizures", "transverse-myelitis", "lymphocytic-meningitis",
                     "ms-like-motor")),
    # hematological / biological: labs only (LOINC); a clinician can say a cytopenia has another cause
    CodeDef("cytopenia-other-cause", "Cytopenia due to another cause (drug, deficiency)", "boolean", "hematological",
            meaning="true excludes cytopenias"),
    # 2016 ACR/EULAR classification items
    CodeDef("labial-focus-score", "Labial salivary gland focus score (foci/4 mm2)", "decimal", "classification"),
    CodeDef("ocular-staining-score", "Ocular staining score (worse eye)", "integer", "classification"),
    CodeDef("van-bijsterveld-score", "van Bijsterveld score (worse eye)", "integer", "classification"),
    CodeDef("schirmer-mm", "Schirmer test, mm in 5 min (worse eye)", "decimal", "classification", unit="mm"),
    CodeDef("unstimulated-saliva-flow", "Unstimulated whole saliva flow", "decimal", "classification",
            unit="mL/min"),
    CodeDef("sicca-symptoms", "At least one ocular or oral dryness question answered yes", "boolean",
            "classification"),
    # safety (JAK-inhibitor label rows): no LOINC/SNOMED code for the class was confirmed (issue 11)
    CodeDef("child-pugh-class", "Child-Pugh class (clinician assessment of hepatic impairment)", "string", "safety",
            allowed=("A", "B", "C"), meaning="A = mild, B = moderate, C = severe hepatic impairment"),
]

CODES: dict[str, CodeDef] = {d.code: d for d in _DEFS}
assert len(CODES) == len(_DEFS), "duplicate CodeSystem code"
