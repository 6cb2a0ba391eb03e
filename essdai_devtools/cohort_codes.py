"""Codes the synthetic cohort writes, each with its confidence mark and where the mark comes from.

Marks as in the reference docs: V verified, S secondary, R recollection, P proposed, G guessed
(not in any reference doc; chosen by the generator's author and to be checked). The generator keeps
its own table on purpose: the cohort must not borrow the service's code tables, or a wrong code
there would be "confirmed" by the tests instead of caught.
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
# a local system for bulk noise in the large records: no real code is needed for data nobody reads
NOISE_SYSTEM = "http://essdai-cds.org/fhir/CodeSystem/devtools-noise"

ESSDAI_DOC = "essdai-rules.md"
JAK_DOC = "jak-safety-rules.md"


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str
    mark: str  # V | S | R | P | G
    source: str  # document and section the mark comes from

    def coding(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


# Observation codes (LOINC), keyed by the generator's own analyte names
OBS: dict[str, Code] = {
    "neutrophils": Code(LOINC, "751-8", "Neutrophils [#/volume] in Blood by Automated count", "V", f"{ESSDAI_DOC} §5.1"),
    "lymphocytes": Code(LOINC, "731-0", "Lymphocytes [#/volume] in Blood by Automated count", "V", f"{ESSDAI_DOC} §5.1"),
    "platelets": Code(LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count", "V", f"{ESSDAI_DOC} §5.1"),
    "hemoglobin": Code(LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood", "V", f"{ESSDAI_DOC} §5.1"),
    "igg": Code(LOINC, "2465-3", "IgG [Mass/volume] in Serum or Plasma", "V", f"{ESSDAI_DOC} §5.1"),
    "c3": Code(LOINC, "4485-9", "Complement C3 [Mass/volume] in Serum or Plasma", "V", f"{ESSDAI_DOC} §5.1"),
    "c4": Code(LOINC, "4498-2", "Complement C4 [Mass/volume] in Serum or Plasma", "V", f"{ESSDAI_DOC} §5.1"),
    "cryoglobulins": Code(LOINC, "5117-7", "Cryoglobulin [Presence] in Serum", "V", f"{ESSDAI_DOC} §5.1"),
    "monoclonal": Code(LOINC, "33358-3", "Protein.monoclonal [Mass/volume] in Serum or Plasma by Electrophoresis",
                       "V", f"{ESSDAI_DOC} §5.1"),
    "temperature": Code(LOINC, "8310-5", "Body temperature", "V", f"{ESSDAI_DOC} §5.1"),
    "weight": Code(LOINC, "29463-7", "Body weight", "V", f"{ESSDAI_DOC} §5.1"),
    "proteinuria": Code(LOINC, "2889-4", "Protein [Mass/time] in 24 hour Urine", "V", f"{ESSDAI_DOC} §5.1"),
    "egfr": Code(LOINC, "98979-8", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] by CKD-EPI 2021",
                 "V", f"{ESSDAI_DOC} §5.1"),
    "dlco_pct": Code(LOINC, "98130-8", "Diffusion capacity.carbon monoxide/Predicted", "V", f"{ESSDAI_DOC} §5.1"),
    "fvc_pct": Code(LOINC, "19872-1", "FVC measured/predicted", "V", f"{ESSDAI_DOC} §5.1"),
    "ck": Code(LOINC, "2157-6", "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma", "V",
               f"{ESSDAI_DOC} §5.1"),
    "alt": Code(LOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "V",
                f"{JAK_DOC} §3.1"),
    "ast": Code(LOINC, "1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "V",
                f"{JAK_DOC} §3.1"),
    "hbsag": Code(LOINC, "5195-3", "Hepatitis B virus surface Ag [Presence] in Serum", "V", f"{JAK_DOC} §3.1"),
    "anti_hbc": Code(LOINC, "16933-4", "Hepatitis B virus core Ab [Presence] in Serum", "V", f"{JAK_DOC} §3.1"),
    "hcv_ab": Code(LOINC, "16128-1", "Hepatitis C virus Ab [Presence] in Serum", "V", f"{JAK_DOC} §3.1"),
    "igra": Code(LOINC, "71773-6", "Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood", "V",
                 f"{JAK_DOC} §3.1"),
    "smoking": Code(LOINC, "72166-2", "Tobacco smoking status", "V", f"{JAK_DOC} §3.1"),
    "haematuria": Code(LOINC, "5794-3", "Hemoglobin [Presence] in Urine by Test strip", "G", f"{ESSDAI_DOC} §5.1"),
    "anti_ssa": Code(LOINC, "17792-3", "Sjogrens syndrome-A extractable nuclear Ab [Units/volume] in Serum", "V",
                     f"{ESSDAI_DOC} §5.1"),
    # noise in the large records (real codes nobody scores; safety reads none of these as triggers here)
    "creatinine": Code(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "V", f"{JAK_DOC} §3.1"),
    "cholesterol": Code(LOINC, "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "V", f"{JAK_DOC} §3.1"),
    "systolic_bp": Code(LOINC, "8480-6", "Systolic blood pressure", "R", f"{JAK_DOC} §3.1"),
    "bmi": Code(LOINC, "39156-5", "Body mass index (BMI) [Ratio]", "R", f"{JAK_DOC} §3.1"),
    "steps": Code(NOISE_SYSTEM, "wearable-steps", "Wearable step count (synthetic noise)", "P",
                  "local noise code, no clinical meaning"),
}

# qualitative results and coded values
POSITIVE = Code(SNOMED, "10828004", "Positive", "V", f"{JAK_DOC} §3.1")
NEGATIVE = Code(SNOMED, "260385009", "Negative", "V", f"{JAK_DOC} §3.1 (G in {ESSDAI_DOC} §6)")
SMOKER = Code(SNOMED, "77176002", "Smoker", "R", f"{JAK_DOC} §3.1")
NEVER_SMOKED = Code(SNOMED, "266919005", "Never smoked tobacco", "R", f"{JAK_DOC} §3.1")

# conditions
SJOGREN_ICD = Code(ICD10CM, "M35.00", "Sjögren syndrome, unspecified", "V", f"{ESSDAI_DOC} §5.2")
SJOGREN_SNOMED = Code(SNOMED, "83901003", "Sjögren's syndrome (disorder)", "V", f"{ESSDAI_DOC} §5.2")
ILD_SNOMED = Code(SNOMED, "233703007", "Interstitial lung disease (disorder)", "V", f"{ESSDAI_DOC} §5.2")
# issue 12 cases: what counts as activity (other causes, diagnosis codes that are not proof, damage)
UTI_ICD = Code(ICD10CM, "N39.0", "Urinary tract infection, site not specified", "P",
               "public UTI code list (codeBuildr)")
COVID_ICD = Code(ICD10CM, "U07.1", "COVID-19", "P", "HL7 COVID-19 ICD-10 value set")
SJOGREN_CNS = Code(ICD10CM, "M35.07", "Sjögren syndrome with central nervous system involvement", "P",
                   f"{ESSDAI_DOC} §5.2")
SJOGREN_MYOPATHY = Code(ICD10CM, "M35.03", "Sjögren syndrome with myopathy", "V", f"{ESSDAI_DOC} §5.2")
SJOGREN_GLOMERULAR = Code(ICD10CM, "M35.0A", "Sjögren syndrome with glomerular disease", "V", f"{ESSDAI_DOC} §5.2")
SPLENOMEGALY_ICD = Code(ICD10CM, "R16.1", "Splenomegaly, not elsewhere classified", "P", f"{ESSDAI_DOC} §5.2")
WARM_AIHA_ICD = Code(ICD10CM, "D59.11", "Warm autoimmune hemolytic anemia", "V", f"{ESSDAI_DOC} §5.2 (D59.1x)")
PREGNANCY = Code(ICD10CM, "Z33.1", "Pregnant state, incidental", "R", f"{JAK_DOC} §3.2")
VTE_HISTORY = Code(ICD10CM, "Z86.718", "Personal history of other venous thrombosis and embolism", "R",
                   f"{JAK_DOC} §3.2")
BREAST_CANCER = Code(ICD10CM, "C50.911", "Malignant neoplasm of unspecified site of right female breast", "R",
                     f"{JAK_DOC} §3.2 (C00-C96 range)")

# medications
BARICITINIB_RXNORM = Code(RXNORM, "2047232", "baricitinib", "R", f"{JAK_DOC} §2 (RxNorm IN)")
BARICITINIB_ATC = Code(ATC, "L04AF02", "baricitinib", "V", f"{JAK_DOC} §2")
PROBENECID_ATC = Code(ATC, "M04AB01", "probenecid", "G", "not in the reference docs: check against the WHOCC index")
RITUXIMAB_ATC = Code(ATC, "L01FA01", "rituximab", "G", "not in the reference docs: check against the WHOCC index")


def all_codes() -> list[Code]:
    """Every code the generator may write (for review and for the README code list)."""
    found = list(OBS.values())
    found += [v for v in globals().values() if isinstance(v, Code)]
    seen: set[tuple[str, str]] = set()
    out = []
    for c in found:
        if (c.system, c.code) not in seen:
            seen.add((c.system, c.code))
            out.append(c)
    return out
