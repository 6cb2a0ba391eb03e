"""LOINC Observation codes -> analyte names, with source and confidence mark.

Matched on `system == "http://loinc.org"` and the code, never on display text ("2157-6" is also a
CDC race code, essdai-rules §5.1). Marks: V/P/G as in essdai-rules.md §5 ("V" verified, "P" one
public source, "G" best guess) and V/S/R as in jak-safety-rules.md §0 ("R" recollection, must be
verified). Where both documents list a code the stronger mark is kept and both are cited.

An analyte's `values` says which Observation values it can take:
- "quantity": valueQuantity converted to `fhir_mappings.units.CANONICAL_UNIT[analyte]`;
- "qualitative": positive/negative (SNOMED qualifier codes, v3 POS/NEG, "positive"/"negative" text);
  a numeric result of a qualitative analyte is kept as received (lab-specific units);
- "coded": the valueCodeableConcept coding is kept as "system|code" (smoking status, NYHA);
- "panel": no value of its own (the lipid panel: its presence dates the panel).
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"

ESSDAI = "essdai-rules §5.1"
JAK = "jak-safety-rules §3.1"


@dataclass(frozen=True)
class Analyte:
    name: str
    values: frozenset[str]  # subset of {"quantity", "qualitative", "coded", "panel"}
    label: str  # short human label, e.g. "ALC"


@dataclass(frozen=True)
class LoincCode:
    code: str
    analyte: str
    display: str
    mark: str  # V | S | P | R | G
    source: str


def _a(name: str, values: str, label: str) -> Analyte:
    return Analyte(name, frozenset(values.split()), label)


_ANALYTES = [
    _a("temperature", "quantity", "Body temperature"),
    _a("weight", "quantity", "Body weight"),
    _a("neutrophils", "quantity", "ANC"),
    _a("lymphocytes", "quantity", "ALC"),
    _a("neutrophils-pct", "quantity", "Neutrophils %"),
    _a("lymphocytes-pct", "quantity", "Lymphocytes %"),
    _a("platelets", "quantity", "Platelets"),
    _a("hemoglobin", "quantity", "Hb"),
    _a("wbc", "quantity", "WBC"),
    _a("igg", "quantity", "IgG"),
    _a("c3", "quantity", "C3"),
    _a("c4", "quantity", "C4"),
    _a("ch50", "quantity", "CH50"),
    _a("cryoglobulins", "qualitative quantity", "Cryoglobulins"),
    _a("monoclonal-component", "quantity qualitative", "Monoclonal component"),
    _a("ck", "quantity", "CK"),
    _a("proteinuria-24h", "quantity", "Proteinuria (24 h)"),
    _a("upcr", "quantity", "Urine protein/creatinine ratio"),
    _a("egfr", "quantity", "eGFR"),
    _a("dlco-pct", "quantity", "DLCO % predicted"),
    _a("dlco", "quantity", "DLCO"),
    _a("dlco-predicted", "quantity", "DLCO predicted"),
    _a("fvc-pct", "quantity", "FVC % predicted"),
    _a("fvc", "quantity", "FVC"),
    _a("fvc-predicted", "quantity", "FVC predicted"),
    _a("nyha", "coded quantity", "NYHA class"),
    _a("anti-ssa", "qualitative quantity", "Anti-SSA/Ro"),
    _a("anti-ssb", "qualitative quantity", "Anti-SSB/La"),
    _a("rf", "qualitative quantity", "Rheumatoid factor"),
    _a("haematuria", "qualitative quantity", "Haematuria"),
    _a("creatinine", "quantity", "Creatinine"),
    _a("alt", "quantity", "ALT"),
    _a("ast", "quantity", "AST"),
    _a("bilirubin", "quantity", "Bilirubin"),
    _a("cholesterol", "quantity", "Total cholesterol"),
    _a("ldl", "quantity", "LDL cholesterol"),
    _a("hdl", "quantity", "HDL cholesterol"),
    _a("triglycerides", "quantity", "Triglycerides"),
    _a("lipid-panel", "panel", "Lipid panel"),
    _a("hbsag", "qualitative quantity", "HBsAg"),
    _a("anti-hbc", "qualitative quantity", "Anti-HBc"),
    _a("anti-hbs", "qualitative quantity", "Anti-HBs"),
    _a("hbv-dna", "quantity qualitative", "HBV DNA"),
    _a("hcv-ab", "qualitative quantity", "HCV antibody"),
    _a("hcv-rna", "quantity qualitative", "HCV RNA"),
    _a("igra", "qualitative quantity", "IGRA"),
    _a("pregnancy-status", "coded", "Pregnancy status"),
    _a("hcg", "qualitative quantity", "hCG"),
    _a("smoking-status", "coded", "Smoking status"),
    _a("bmi", "quantity", "BMI"),
    _a("systolic-bp", "quantity", "Systolic BP"),
]
ANALYTES: dict[str, Analyte] = {a.name: a for a in _ANALYTES}


def _c(code: str, analyte: str, display: str, mark: str, source: str = ESSDAI) -> LoincCode:
    return LoincCode(code, analyte, display, mark, source)


_CODES = [
    # --- ESSDAI (essdai-rules §5.1) ------------------------------------------------------------
    _c("8310-5", "temperature", "Body temperature", "V"),
    _c("29463-7", "weight", "Body weight", "V", f"{ESSDAI}; {JAK} [R]"),
    _c("751-8", "neutrophils", "Neutrophils [#/volume] in Blood by Automated count", "V", f"{ESSDAI}; {JAK}"),
    _c("26499-4", "neutrophils", "Neutrophils [#/volume] in Blood", "V", f"{ESSDAI}; {JAK} [R]"),
    _c("753-4", "neutrophils", "Neutrophils [#/volume] in Blood by Manual count", "R", JAK),
    _c("731-0", "lymphocytes", "Lymphocytes [#/volume] in Blood by Automated count", "V", f"{ESSDAI}; {JAK}"),
    _c("26474-7", "lymphocytes", "Lymphocytes [#/volume] in Blood", "V", f"{ESSDAI}; {JAK} [R]"),
    _c("732-8", "lymphocytes", "Lymphocytes [#/volume] in Blood by Manual count", "R", JAK),
    # percentages are their own analytes, used only to derive an absolute count with WBC
    _c("770-8", "neutrophils-pct", "Neutrophils/100 leukocytes in Blood by Automated count", "V"),
    _c("736-9", "lymphocytes-pct", "Lymphocytes/100 leukocytes in Blood by Automated count", "V"),
    _c("777-3", "platelets", "Platelets [#/volume] in Blood by Automated count", "V", f"{ESSDAI}; {JAK}"),
    _c("26515-7", "platelets", "Platelets [#/volume] in Blood", "V"),
    _c("718-7", "hemoglobin", "Hemoglobin [Mass/volume] in Blood", "V", f"{ESSDAI}; {JAK}"),
    _c("59260-0", "hemoglobin", "Hemoglobin [Moles/volume] in Blood", "G"),
    _c("6690-2", "wbc", "Leukocytes [#/volume] in Blood by Automated count", "V", f"{ESSDAI} [P]; {JAK} [V]"),
    _c("26464-8", "wbc", "Leukocytes [#/volume] in Blood", "P"),
    _c("2465-3", "igg", "IgG [Mass/volume] in Serum or Plasma", "V"),
    _c("4485-9", "c3", "Complement C3 [Mass/volume] in Serum or Plasma", "V"),
    _c("4498-2", "c4", "Complement C4 [Mass/volume] in Serum or Plasma", "V"),
    _c("4532-8", "ch50", "Complement total hemolytic CH50 [Units/volume] in Serum or Plasma", "V"),
    _c("5117-7", "cryoglobulins", "Cryoglobulin [Presence] in Serum", "V"),
    _c("12201-0", "cryoglobulins", "Cryoglobulin [Presence] in Serum by 1 day cold incubation", "V"),
    _c("33358-3", "monoclonal-component", "Protein.monoclonal [Mass/volume] in Serum or Plasma by Electrophoresis",
       "V"),
    _c("25700-6", "monoclonal-component", "Immunofixation for Serum or Plasma", "V"),
    _c("2157-6", "ck", "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma", "V", f"{ESSDAI}; {JAK} [R]"),
    _c("2889-4", "proteinuria-24h", "Protein [Mass/time] in 24 hour Urine", "V"),
    _c("2890-2", "upcr", "Protein/Creatinine [Mass Ratio] in Urine", "V"),
    _c("34366-5", "upcr", "Protein/Creatinine [Ratio] in Urine", "V"),
    _c("33914-3", "egfr", "GFR/1.73 sq M.predicted by Creatinine-based formula (MDRD)", "V", f"{ESSDAI}; {JAK} [R]"),
    _c("62238-1", "egfr", "GFR/1.73 sq M.predicted by Creatinine-based formula (CKD-EPI)", "V",
       f"{ESSDAI}; {JAK} [R]"),
    _c("98979-8", "egfr", "GFR/1.73 sq M.predicted by Creatinine-based formula (CKD-EPI 2021)", "V",
       f"{ESSDAI}; {JAK}"),
    _c("48642-3", "egfr", "GFR/1.73 sq M.predicted among non-blacks (CKD-EPI)", "V"),
    _c("48643-1", "egfr", "GFR/1.73 sq M.predicted among blacks (CKD-EPI)", "V"),
    _c("98130-8", "dlco-pct", "Diffusion capacity.carbon monoxide/Predicted", "V"),
    _c("19911-7", "dlco", "Diffusion capacity.carbon monoxide", "V"),
    _c("19910-9", "dlco-predicted", "Diffusion capacity.carbon monoxide Predicted", "V"),
    _c("19872-1", "fvc-pct", "Forced vital capacity [Volume] Respiratory system --measured/predicted", "V"),
    _c("19871-3", "fvc-pct", "FVC measured/predicted --pre bronchodilation", "V"),
    _c("19873-9", "fvc-pct", "FVC measured/predicted --post bronchodilation", "V"),
    _c("19870-5", "fvc", "Forced vital capacity [Volume] Respiratory system", "V"),
    _c("19868-9", "fvc", "Forced vital capacity [Volume] Respiratory system by Spirometry", "V"),
    _c("19869-7", "fvc-predicted", "Forced vital capacity [Volume] Respiratory system Predicted", "V"),
    _c("88020-3", "nyha", "Functional capacity NYHA", "V"),
    _c("17792-3", "anti-ssa", "Sjogrens syndrome-A extractable nuclear Ab [Units/volume] in Serum", "V"),
    _c("8093-7", "anti-ssa", "Sjogrens syndrome-A extractable nuclear Ab [Presence] in Serum", "P"),
    _c("33569-5", "anti-ssa", "Sjogrens syndrome-A extractable nuclear Ab [Units/volume] in Serum by Immunoassay",
       "P"),
    _c("5352-0", "anti-ssa", "Sjogrens syndrome-A extractable nuclear Ab [Presence] in Serum by Immune diffusion",
       "P"),
    _c("53018-8", "anti-ssa", "Sjogrens syndrome-A extractable nuclear 60kD Ab [Presence] in Serum", "P"),
    _c("53019-6", "anti-ssa", "Sjogrens syndrome-A extractable nuclear 60kD Ab [Units/volume] in Serum", "P"),
    _c("53017-0", "anti-ssa", "Sjogrens syndrome-A extractable nuclear 52kD Ab [Presence] in Serum", "P"),
    _c("56549-9", "anti-ssa", "Sjogrens syndrome-A extractable nuclear 52kD Ab [Units/volume] in Serum", "P"),
    # anti-SSB/La and RF (issue 12: read as numbers against the reference range; public code lists)
    _c("8094-5", "anti-ssb", "Sjogrens syndrome-B extractable nuclear Ab [Presence] in Serum", "P",
       "public OMOP/LOINC mapping table (anti-SSB/La 8094-5, 17791-5)"),
    _c("17791-5", "anti-ssb", "Sjogrens syndrome-B extractable nuclear Ab [Units/volume] in Serum", "P",
       "public OMOP/LOINC mapping table; public LOINC code list"),
    _c("5354-6", "anti-ssb", "Sjogrens syndrome-B extractable nuclear Ab [Presence] in Serum by Immune diffusion (ID)",
       "P", "public LOINC table extract"),
    _c("11572-5", "rf", "Rheumatoid factor [Units/volume] in Serum or Plasma", "P",
       "public LOINC table extracts (RF [IU]/mL)"),
    _c("5794-3", "haematuria", "Hemoglobin [Presence] in Urine by Test strip", "G"),
    _c("13945-1", "haematuria", "Erythrocytes [#/area] in Urine sediment by Microscopy high power field", "G"),
    # --- JAK-inhibitor safety (jak-safety-rules §3.1) -------------------------------------------------
    _c("2160-0", "creatinine", "Creatinine [Mass/volume] in Serum or Plasma", "V", JAK),
    _c("1742-6", "alt", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "V", JAK),
    _c("1920-8", "ast", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "V", JAK),
    _c("1975-2", "bilirubin", "Bilirubin.total [Mass/volume] in Serum or Plasma", "V", JAK),
    _c("2093-3", "cholesterol", "Cholesterol [Mass/volume] in Serum or Plasma", "V", JAK),
    _c("13457-7", "ldl", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", "V", JAK),
    _c("18262-6", "ldl", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", "V", JAK),
    _c("2085-9", "hdl", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "V", JAK),
    _c("2571-8", "triglycerides", "Triglyceride [Mass/volume] in Serum or Plasma", "V", JAK),
    _c("24331-1", "lipid-panel", "Lipid panel - Serum or Plasma", "V", JAK),
    _c("5195-3", "hbsag", "Hepatitis B virus surface Ag [Presence] in Serum", "V", JAK),
    _c("5196-1", "hbsag", "Hepatitis B virus surface Ag [Presence] in Serum or Plasma by Immunoassay", "V",
       f"{JAK} (display disputed)"),
    _c("16933-4", "anti-hbc", "Hepatitis B virus core Ab [Presence] in Serum", "V", JAK),
    _c("13952-7", "anti-hbc", "Hepatitis B virus core Ab [Presence] in Serum or Plasma by Immunoassay", "V", JAK),
    _c("22322-2", "anti-hbs", "Hepatitis B virus surface Ab [Presence] in Serum", "V", JAK),
    _c("16935-9", "anti-hbs", "Hepatitis B virus surface Ab [Units/volume] in Serum", "R", JAK),
    _c("42595-9", "hbv-dna", "Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA", "V", JAK),
    _c("29615-2", "hbv-dna", "Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA", "R", JAK),
    _c("16128-1", "hcv-ab", "Hepatitis C virus Ab [Presence] in Serum", "V", JAK),
    _c("13955-0", "hcv-ab", "Hepatitis C virus Ab [Presence] in Serum or Plasma by Immunoassay", "R", JAK),
    _c("11011-4", "hcv-rna", "Hepatitis C virus RNA [Units/volume] (viral load) in Serum or Plasma by NAA", "R", JAK),
    _c("71773-6", "igra", "Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood", "V", JAK),
    _c("45323-3", "igra", "Mycobacterium tuberculosis tuberculin stimulated gamma interferon [Presence] in Blood",
       "V", f"{JAK} (repositories conflict: verify)"),
    _c("82810-3", "pregnancy-status", "Pregnancy status", "R", JAK),
    _c("2106-3", "hcg", "Choriogonadotropin (pregnancy test) [Presence] in Urine", "R", JAK),
    _c("2118-8", "hcg", "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma", "R", JAK),
    _c("72166-2", "smoking-status", "Tobacco smoking status", "V", JAK),
    _c("39156-5", "bmi", "Body mass index (BMI) [Ratio]", "R", JAK),
    _c("8480-6", "systolic-bp", "Systolic blood pressure", "R", JAK),
]
CODES: dict[str, LoincCode] = {c.code: c for c in _CODES}
assert len(CODES) == len(_CODES), "duplicate LOINC code"
assert all(c.analyte in ANALYTES for c in _CODES), "LOINC row for an unknown analyte"


def codes_for(*analytes: str) -> tuple[str, ...]:
    """LOINC codes of these analytes, in table order (for prefetch queries and order suggestions)."""
    wanted = set(analytes)
    return tuple(c.code for c in _CODES if c.analyte in wanted)
