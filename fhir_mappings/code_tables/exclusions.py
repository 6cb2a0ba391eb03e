"""Other causes the ESSDAI excludes, as one table: the codes that document each cause and the ESSDAI
features it explains (item names of `scoring.items`, e.g. "constitutional.fever").

Every domain of the index carries an attribution rule: score only features caused by active
Sjögren's disease, not infection, stones, drugs, steroid myopathy, nutritional deficiency or other
neuropathy causes (essdai-rules §1.1-§1.12 exclusion notes, §5.4 [S1, C1]). A cause counts when its
Condition is active, or ended inside the look-back window of the feature it explains (scoring decides
the window: vitals for fever, clinician findings for nodes and glands, labs for counts).

`conditions.py` adds these rows to the Condition code table, so a Condition matching one of them
becomes a ConditionFact with the cause's concept. Codes are ICD-10-CM (dotless compare; prefix,
three-character range) or SNOMED CT (exact). Marks as in conditions.py: V / P (one public source,
named) / G (general ICD-10-CM knowledge, not confirmed with a source) / UNVERIFIED.
"""

from __future__ import annotations

from dataclasses import dataclass

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"

# sources, as found with the project's search tool (see docs/scoring-fidelity.md)
_CH1 = "ICD-10-CM chapter 1 A00-B99 (billingncoding.com/icd10cm-int/a00-b99; ICD-10 chapter list)"
_SEQ = "ICD-10-CM B90-B94 note: sequelae, 'not to be used for chronic infections' (medinfohome tables)"
_ARI = "ICD-10-CM chapter 1 Excludes2: 'influenza and other acute respiratory infections (J00-J22)'"
_SKIN = "ICD-10-CM L00-L08 Infections of the skin and subcutaneous tissue (medgenius.com)"
_COVID = "HL7 COVID-19 ICD-10 value set (hl7.org/fhir/us/covid19library): U07.1 COVID-19"
_COVID_SCT = "HL7 ICSR COVID19DiagnosisCodes value set: SNOMED 840539006"
_UTI = "public UTI code list (codeBuildr uti.R): N39.0, N30.0x"
_D70 = "ICD-10-CM D70 category listing (hccbuddy.com D70.2; icd10codingpro.com D70.1)"
_G62 = "ICD-10-CM G62.0 / G62.1 (diseasedb.com)"
_GEN = "general ICD-10-CM knowledge, not confirmed with a source"


@dataclass(frozen=True)
class CauseCode:
    system: str
    code: str  # "A00-B99" (range, first three characters), "K11.5" (exact), "D50" (prefix)
    match: str  # exact | prefix | range
    mark: str  # V | P | G | UNVERIFIED
    source: str
    excluding: tuple[str, ...] = ()  # dotless prefixes a range/prefix row does not cover


@dataclass(frozen=True)
class OtherCause:
    concept: str  # ConditionFact.concept given to matching Conditions
    why: str  # shown in the evidence: "documented other cause: <why>"
    features: tuple[str, ...]  # scoring item names this cause excludes
    codes: tuple[CauseCode, ...]
    source: str  # the ESSDAI exclusion note it implements


def _icd(code: str, match: str, mark: str, source: str, *excluding: str) -> CauseCode:
    return CauseCode(ICD10CM, code, match, mark, source, tuple(excluding))


def _sct(code: str, mark: str, source: str) -> CauseCode:
    return CauseCode(SNOMED, code, "exact", mark, source)


INFECTION_FEATURES = ("constitutional.fever", "lymphadenopathy.node-size", "lymphadenopathy.inguinal-node-size",
                      "glandular.parotid", "glandular.submandibular-lacrimal", "glandular.swelling-condition")
CYTOPENIA = "hematological."

OTHER_CAUSES: tuple[OtherCause, ...] = (
    OtherCause(  # not "infection": that concept is the JAK R09 serious-infection value set (conditions.py)
        "intercurrent-infection", "infection", INFECTION_FEATURES,
        (
            # chapter 1, less chronic carriage (B18 chronic viral hepatitis, B20 HIV) and sequelae (B90-B94):
            # those do not make a fever, node or gland "infective" now [Implementation choice]
            _icd("A00-B99", "range", "P", _CH1, "B18", "B20", "B90", "B91", "B92", "B93", "B94"),
            _icd("J00-J22", "range", "P", _ARI),  # acute upper/lower respiratory infection, influenza, pneumonia
            _icd("L00-L08", "range", "P", _SKIN),  # cellulitis, abscess, acute lymphadenitis (L04)
            _icd("N39.0", "exact", "P", _UTI),
            _icd("N30.0", "prefix", "P", _UTI),  # acute cystitis
            _icd("N10", "exact", "G", f"{_GEN}: acute pyelonephritis"),
            _icd("U07.1", "exact", "P", _COVID),
            _icd("K11.3", "exact", "G", f"{_GEN}: abscess of salivary gland"),
            _sct("840539006", "P", _COVID_SCT),
            _sct("6142004", "P", "public CQL infectious-disease library (SNOMED 6142004 influenza)"),
            _sct("56717001", "R", "jak-safety-rules §3.2 (tuberculosis)"),
            _sct("40733004", "UNVERIFIED", "SNOMED 'Infectious disease' top concept: code not confirmed"),
        ),
        "S1 constitutional (fever of infectious origin), lymphadenopathy and glandular exclusion notes "
        "(essdai-rules §1.1-§1.3)",
    ),
    OtherCause(
        "salivary-stone", "salivary stone",
        ("glandular.parotid", "glandular.submandibular-lacrimal", "glandular.swelling-condition"),
        (_icd("K11.5", "exact", "G", f"{_GEN}: sialolithiasis"),),
        "glandular exclusion note: salivary stone (essdai-rules §1.3)",
    ),
    OtherCause(
        "steroid-myopathy", "corticosteroid (drug-induced) myopathy", ("muscular.ck", "muscular.weakness"),
        (_icd("G72.0", "exact", "G", f"{_GEN}: drug-induced myopathy"),),
        "muscular exclusion note: weakness not due to the disease, e.g. corticosteroid myopathy (essdai-rules §1.8)",
    ),
    OtherCause(
        "drug-induced-neutropenia", "drug-induced neutropenia", ("hematological.neutrophils",),
        (_icd("D70.1", "exact", "P", _D70), _icd("D70.2", "exact", "P", _D70)),
        "haematological: only autoimmune cytopenias count; exclude drug-induced (essdai-rules §1.11, §5.4)",
    ),
    OtherCause(
        "infection-neutropenia", "neutropenia due to infection", ("hematological.neutrophils",),
        (_icd("D70.3", "exact", "P", _D70),),
        "haematological: only autoimmune cytopenias count (essdai-rules §1.11)",
    ),
    OtherCause(
        "drug-induced-aplasia", "drug-induced aplastic anaemia",
        tuple(CYTOPENIA + x for x in ("neutrophils", "hemoglobin", "platelets", "lymphocytes")),
        (_icd("D61.1", "exact", "UNVERIFIED", f"{_GEN}: drug-induced aplastic anaemia"),),
        "haematological: exclude drug-induced cytopenia (essdai-rules §1.11)",
    ),
    OtherCause(
        "drug-induced-anaemia", "drug-induced or chemotherapy anaemia", ("hematological.hemoglobin",),
        (_icd("D59.0", "prefix", "UNVERIFIED", f"{_GEN}: drug-induced autoimmune haemolytic anaemia"),
         _icd("D59.2", "exact", "UNVERIFIED", f"{_GEN}: drug-induced nonautoimmune haemolytic anaemia"),
         _icd("D64.81", "exact", "UNVERIFIED", f"{_GEN}: anaemia due to antineoplastic chemotherapy")),
        "haematological: exclude drug-induced cytopenia (essdai-rules §1.11)",
    ),
    OtherCause(
        "iron-deficiency-anaemia", "iron deficiency", ("hematological.hemoglobin",),
        (_icd("D50", "prefix", "G", _GEN),),
        "haematological C1 exclusion: vitamin or iron deficiency (essdai-rules §1.11)",
    ),
    OtherCause(
        "b12-deficiency", "vitamin B12 deficiency",
        ("hematological.hemoglobin", "hematological.neutrophils", "hematological.platelets", "pns.conditions"),
        (_icd("D51", "prefix", "G", _GEN),),
        "haematological C1 exclusion (vitamin deficiency); PNS: involvement not due to the disease (§1.9, §1.11)",
    ),
    OtherCause(
        "folate-deficiency", "folate deficiency",
        ("hematological.hemoglobin", "hematological.neutrophils", "hematological.platelets"),
        (_icd("D52", "prefix", "G", _GEN),),
        "haematological C1 exclusion: vitamin deficiency (essdai-rules §1.11)",
    ),
    OtherCause(
        "other-neuropathy", "neuropathy of another cause (drug, alcohol, toxic, diabetic)", ("pns.conditions",),
        (_icd("G62.0", "exact", "P", _G62), _icd("G62.1", "exact", "P", _G62),
         _icd("G62.2", "exact", "G", f"{_GEN}: polyneuropathy due to other toxic agents"),
         _icd("E10.4", "prefix", "G", f"{_GEN}: type 1 diabetes with neurological complications"),
         _icd("E11.4", "prefix", "G", f"{_GEN}: type 2 diabetes with neurological complications")),
        "PNS note: rate as No activity PNS involvement not due to the disease (essdai-rules §1.9); the "
        "rules doc names no list: drug, alcohol, toxic and diabetic neuropathy [Implementation choice]",
    ),
    OtherCause(
        "osteoarthritis", "osteoarthritis", ("articular.arthralgia",),
        (_icd("M15-M19", "range", "G", _GEN),),
        "articular exclusion note: osteoarthritis (essdai-rules §1.4)",
    ),
)

BY_CONCEPT: dict[str, OtherCause] = {c.concept: c for c in OTHER_CAUSES}
assert len(BY_CONCEPT) == len(OTHER_CAUSES), "one row per concept"
CAUSES_OF: dict[str, tuple[OtherCause, ...]] = {}
for _cause in OTHER_CAUSES:
    for _feature in _cause.features:
        CAUSES_OF[_feature] = CAUSES_OF.get(_feature, ()) + (_cause,)
