"""Condition codes (ICD-10-CM, SNOMED CT) -> concept names, with source and confidence mark.

ICD-10-CM (`http://hl7.org/fhir/sid/icd-10-cm`) codes are compared without the dot and in upper
case ("M35.02" == "m3502"). A row matches one code exactly, a documented prefix ("K57" = K57.*),
a category range ("C00-C96", on the first three characters) or a documented pattern ("N0x.2").
One code can give several concepts (M35.02 -> sjogren and ild; C88.41 -> lymphoma and
malignancy); all matching rows count, and a row's `status` ("remission") applies to the code.

SNOMED CT (`http://snomed.info/sct`) codes match exactly. Known limitation: the SNOMED hierarchy
cannot be expanded offline, so a descendant concept (e.g. a more specific Sjögren's disorder) is
not recognised unless it is listed here. Only the codes the project documents give are listed.

Marks: essdai-rules.md §5 uses V (verified) / P (one public source) / G (best guess);
jak-safety-rules.md §3.2 lists ICD-10-CM codes as [R] unless marked. Codes not in either document
are marked G with a note. Concepts with no code yet: "chronic-infection" (a local value set, [P] in
jak-safety-rules §3.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhir_mappings.code_tables import exclusions

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"

ESSDAI = "essdai-rules §5.2"
JAK = "jak-safety-rules §3.2"
NOT_IN_DOCS = "not in the project docs (general ICD-10-CM knowledge)"


@dataclass(frozen=True)
class ConditionCode:
    system: str
    code: str  # as documented: "M35.02", prefix "K57", range "C00-C96", pattern "N0x.2"
    concepts: tuple[str, ...]
    mark: str  # V | P | G | R
    source: str
    match: str = "exact"  # exact | prefix | range | pattern
    status: str | None = None  # "remission" when the code itself says so
    excluding: tuple[str, ...] = ()  # dotless prefixes a prefix/range row does not cover
    pattern: str | None = None  # regex on the dotless upper-case code (match == "pattern")


def _norm(code: str) -> str:
    return code.strip().upper().replace(".", "")


def _icd(code: str, concepts: str, mark: str, source: str = ESSDAI, match: str = "exact",
         **kw: object) -> ConditionCode:
    return ConditionCode(ICD10CM, code, tuple(concepts.split()), mark, source, match, **kw)  # type: ignore[arg-type]


def _pre(code: str, concepts: str, mark: str, source: str = ESSDAI, **kw: object) -> ConditionCode:
    return _icd(code, concepts, mark, source, "prefix", **kw)


def _rng(code: str, concepts: str, mark: str, source: str = ESSDAI, **kw: object) -> ConditionCode:
    return _icd(code, concepts, mark, source, "range", **kw)


def _sct(code: str, concepts: str, mark: str, source: str = ESSDAI) -> ConditionCode:
    return ConditionCode(SNOMED, code, tuple(concepts.split()), mark, source)


_ROWS: list[ConditionCode] = [
    # --- Sjögren's (M35.0x subcodes from FY2023; M35.0 before) ------------------------------------
    _pre("M35.0", "sjogren", "V", f"{ESSDAI}; {JAK}"),
    _icd("M35.00", "sjogren", "V"),
    _icd("M35.01", "sjogren", "V"),
    _icd("M35.02", "sjogren ild", "V"),
    # M35.03 names myositis, not its EMG/biopsy proof: its own concept opens muscular, never decides it
    _icd("M35.03", "sjogren myositis-diagnosis", "V"),
    # M35.04 is tubulo-interstitial nephropathy: not proof of renal tubular acidosis (issue 12)
    _icd("M35.04", "sjogren tubulo-interstitial-nephritis", "V"),
    _icd("M35.05", "sjogren arthritis", "V"),
    _icd("M35.06", "sjogren peripheral-neuropathy", "V"),
    # M35.07 says "with central nervous system involvement": CNS 2-3, not cerebral vasculitis (§5.2 P/G)
    _icd("M35.07", "sjogren cns-involvement", "P"),
    _icd("M35.08", "sjogren", "V"),
    _icd("M35.09", "sjogren", "V"),
    _icd("M35.0A", "sjogren glomerulonephritis", "V"),
    # M35.0B is vasculitis of unstated site: cutaneous, PNS, CNS or renal; it opens those, decides none
    _icd("M35.0B", "sjogren vasculitis-unstated-site", "V"),
    _icd("M35.0C", "sjogren", "V"),
    _sct("83901003", "sjogren", "V", f"{ESSDAI}; {JAK}"),
    # --- lymphoma (Lymphadenopathy -> 3 while not in remission) ----------------------------------
    _pre("C88.4", "lymphoma", "V"),  # MALT; parent non-billable since FY2025
    _icd("C88.40", "lymphoma", "V"),
    _icd("C88.41", "lymphoma", "V", status="remission"),
    _pre("C83.0", "lymphoma", "V"),  # nodal/splenic MZL; 5th character = site (C83.01 head/neck nodes)
    _pre("C83.3", "lymphoma", "V"),  # DLBCL
    _pre("C85", "lymphoma", "V"),  # other/unspecified NHL
    # FY2025 "in remission" codes: 5th character A (one public code list; §5.2 says [UNVERIFIED])
    *(_icd(c, "lymphoma", "P", f"{ESSDAI} [UNVERIFIED]; one public code list", status="remission")
      for c in ("C83.0A", "C83.3A", "C85.1A", "C85.2A", "C85.8A", "C85.9A")),
    # --- malignancy (jak-safety R20) --------------------------------------------------------------
    _rng("C00-C96", "malignancy", "R", JAK, excluding=("C44",)),
    _pre("C44", "nmsc", "R", JAK),
    _pre("Z85", "malignancy-history", "R", JAK, excluding=("Z85828",)),
    _sct("363346000", "malignancy", "R", JAK),
    # --- lymphadenopathy / glandular / articular ---------------------------------------------------
    _icd("R16.1", "splenomegaly", "P"),
    _sct("16294009", "splenomegaly", "V"),
    _icd("R59.0", "lymphadenopathy", "P"),
    _icd("R59.1", "lymphadenopathy", "P"),
    _icd("R59.9", "lymphadenopathy", "P"),
    _sct("30746006", "lymphadenopathy", "V"),
    _icd("K11.1", "salivary-swelling", "P"),
    _pre("K11.2", "salivary-swelling", "P"),  # sialoadenitis: exclude if infective (attribution)
    _icd("M65.9", "arthritis", "P"),
    _sct("3723001", "arthritis", "P"),
    _icd("M25.50", "arthralgia", "P"),
    # --- cutaneous ---------------------------------------------------------------------------------
    _icd("L51.8", "erythema-multiforme", "P"),
    _icd("L51.9", "erythema-multiforme", "P"),
    _sct("36715001", "erythema-multiforme", "V"),
    _icd("L95.8", "cutaneous-vasculitis", "P"),
    _icd("L95.9", "cutaneous-vasculitis", "P"),
    _icd("D69.2", "purpura", "P"),
    _icd("L93.1", "scle", "P"),
    _icd("D89.1", "cryoglobulinaemia", "P"),
    _sct("190815001", "cryoglobulinaemia", "V"),
    # --- pulmonary ---------------------------------------------------------------------------------
    _pre("J84", "ild", "P", f"{ESSDAI} (J84.x family); {JAK} J84.1* [R]"),
    _sct("233703007", "ild", "V"),
    # --- renal -------------------------------------------------------------------------------------
    _pre("N03", "glomerulonephritis", "P"),
    _pre("N05", "glomerulonephritis", "P"),
    _icd("N0x.2", "glomerulonephritis membranous-gn", "P", match="pattern", pattern=r"N0[0-7]2.*"),
    _icd("N0x.3", "glomerulonephritis proliferative-gn", "P", match="pattern", pattern=r"N0[0-7]3.*"),
    _icd("N0x.4", "glomerulonephritis proliferative-gn", "P", match="pattern", pattern=r"N0[0-7]4.*"),
    _sct("36171008", "glomerulonephritis", "V"),
    _icd("N25.89", "renal-tubular-acidosis", "V"),
    _sct("1776003", "renal-tubular-acidosis", "P"),
    _sct("236461000", "renal-tubular-acidosis", "P"),  # distal RTA
    _icd("N11.8", "tubulo-interstitial-nephritis", "P"),
    _icd("N12", "tubulo-interstitial-nephritis", "P"),
    # --- muscular ----------------------------------------------------------------------------------
    # myositis diagnoses are not EMG/biopsy proof (S1 muscular): they open the domain (issue 12)
    _icd("M60.9", "myositis-diagnosis", "P"),
    _pre("M33.2", "myositis-diagnosis", "P"),  # polymyositis
    _sct("26889001", "myositis-diagnosis", "P"),
    # --- peripheral nervous system -----------------------------------------------------------------
    _icd("G62.9", "peripheral-neuropathy", "P"),
    _pre("G63", "peripheral-neuropathy", "P"),
    _sct("302226006", "peripheral-neuropathy", "G"),  # §5.2: "not verified"
    _sct("42345000", "peripheral-neuropathy", "G"),  # §5.2: "not verified"
    _icd("G50.0", "trigeminal-neuralgia", "P"),
    _sct("31681005", "trigeminal-neuralgia", "V"),
    _icd("G58.7", "mononeuritis-multiplex", "V"),
    _icd("G61.81", "cidp", "P"),
    # --- central nervous system --------------------------------------------------------------------
    _icd("I67.7", "cns-vasculitis", "P"),
    _icd("G37.3", "transverse-myelitis", "V"),
    _sct("47000000", "transverse-myelitis", "V"),
    _pre("H46", "optic-neuritis", "P"),
    _sct("66760008", "optic-neuritis", "G"),
    _icd("R56.9", "seizures", "P"),
    _pre("G40", "seizures", "P"),
    _sct("91175000", "seizures", "G"),
    _icd("G03.0", "lymphocytic-meningitis", "G"),  # not A87.2 (an arenavirus infection)
    _icd("G03.9", "lymphocytic-meningitis", "G"),
    # --- haematological / biological ---------------------------------------------------------------
    _pre("D59.1", "aiha", "V"),  # D59.1 before FY2021, D59.10-D59.19 after
    _icd("D69.3", "itp", "G"),
    _sct("2897005", "itp", "P"),
    _icd("D70.8", "neutropenia", "P"),
    _icd("D70.9", "neutropenia", "P"),
    _icd("D72.810", "lymphopenia", "P"),
    _icd("D47.2", "monoclonal-gammopathy", "G"),
    _icd("D89.0", "hypergammaglobulinaemia", "G"),
    # --- serious infection (JAK R09 value set: a small proposed set, jak-safety R09 [P]); the ESSDAI's wider
    # "intercurrent-infection" (any infection explaining fever, nodes, glands) is in code_tables/exclusions.py
    _rng("A40-A41", "infection", "P", f"{JAK} R09 (proposed value set: sepsis)"),
    _rng("J12-J18", "infection", "P", f"{JAK} R09 (proposed value set: pneumonia)"),
    _pre("L03", "infection", "P", f"{JAK} R09 (proposed value set: cellulitis)"),
    # --- 2016 ACR/EULAR classification exclusions (essdai-rules §4.2) ------------------------------
    _icd("Z92.3", "head-neck-radiation", "G", f"{NOT_IN_DOCS}: personal history of irradiation (any site)"),
    _pre("B17.1", "hepatitis-c", "R", JAK),
    _icd("B18.2", "hepatitis-c", "R", JAK),
    _sct("50711007", "hepatitis-c", "R", JAK),
    _icd("B20", "hiv", "R", JAK),
    _icd("Z21", "hiv", "R", JAK),
    _pre("D86", "sarcoidosis", "G", NOT_IN_DOCS),
    _pre("E85", "amyloidosis", "G", NOT_IN_DOCS),
    _pre("D89.81", "gvhd", "G", NOT_IN_DOCS),
    _icd("D89.84", "igg4-disease", "G", NOT_IN_DOCS),
    # --- JAK-inhibitor safety (jak-safety-rules §3.2; ICD-10-CM [R] unless marked) ------------------
    _rng("A15-A19", "active-tb", "R", JAK),
    _sct("56717001", "active-tb", "R", JAK),
    _icd("Z22.7", "latent-tb", "R", JAK),
    _icd("R76.11", "latent-tb", "R", JAK),
    _icd("R76.12", "latent-tb", "R", JAK),
    _icd("Z86.11", "tb-history", "R", JAK),
    _icd("B18.0", "hepatitis-b", "R", JAK),
    _icd("B18.1", "hepatitis-b", "R", JAK),
    _pre("B16", "hepatitis-b", "R", JAK),
    _icd("Z22.51", "hepatitis-b", "R", JAK),
    _sct("66071002", "hepatitis-b", "R", JAK),
    _pre("B02", "herpes-zoster", "R", JAK),
    _sct("4740000", "herpes-zoster", "R", JAK),
    # Z86.19 is "personal history of other infectious diseases": the doc's proxy, not zoster-specific
    _icd("Z86.19", "zoster-history", "R", f"{JAK} (non-specific code)"),
    _pre("I80.1", "vte", "R", JAK),
    _pre("I80.2", "vte", "R", JAK),
    _pre("I82.4", "vte", "R", JAK),
    _pre("I26", "vte", "R", JAK),
    _icd("Z86.711", "vte", "R", JAK),
    _icd("Z86.718", "vte", "R", JAK),
    _sct("128053003", "vte", "R", JAK),
    _sct("59282003", "vte", "R", JAK),
    _pre("D68.5", "thrombophilia", "R", JAK),
    _pre("D68.6", "thrombophilia", "R", JAK),
    _rng("I21-I22", "ascvd", "R", JAK),
    _icd("I25.2", "ascvd", "R", JAK),
    _pre("I63", "ascvd", "R", JAK),
    _icd("Z86.73", "ascvd", "R", JAK),
    _pre("I25.1", "ascvd", "R", JAK),
    _pre("I70", "ascvd", "R", JAK),
    _sct("22298006", "ascvd", "R", JAK),
    _sct("230690007", "ascvd", "R", JAK),
    _icd("I10", "cv-risk-factor", "R", JAK),
    _pre("E78", "cv-risk-factor", "R", JAK),
    _pre("E10", "cv-risk-factor", "R", JAK),
    _pre("E11", "cv-risk-factor", "R", JAK),
    _pre("E66", "cv-risk-factor", "R", JAK),
    _rng("E10-E14", "diabetes", "R", JAK),
    _pre("F17.2", "tobacco", "R", JAK),
    _icd("Z72.0", "tobacco", "R", JAK),
    _icd("Z87.891", "tobacco", "R", JAK),
    _icd("Z33.1", "pregnancy", "R", JAK),
    _rng("O00-O9A", "pregnancy", "R", JAK),
    _sct("77386006", "pregnancy", "R", JAK),
    _icd("Z39.1", "lactation", "R", JAK),
    # §3.2 groups diverticulitis / GI perforation / peptic ulcer in one row for R28
    _pre("K57", "diverticular-disease", "R", JAK),
    _icd("K63.1", "diverticular-disease gi-perforation", "R", JAK),
    _rng("K25-K28", "diverticular-disease peptic-ulcer", "R", JAK),
    _sct("307496006", "diverticular-disease", "R", JAK),
    _icd("N18.4", "ckd-severe", "R", JAK),
    _icd("N18.5", "ckd-severe", "R", JAK),
    _icd("N18.6", "ckd-severe", "R", JAK),
    _icd("Z99.2", "ckd-severe", "R", JAK),
    _pre("K72", "severe-hepatic-impairment", "R", JAK),
    _pre("K74.6", "severe-hepatic-impairment", "R", JAK),
    _pre("K70.3", "severe-hepatic-impairment", "R", JAK),
]
# the other-cause exclusions, one cited table of their own (code_tables/exclusions.py)
_ROWS += [ConditionCode(c.system, c.code, (cause.concept,), c.mark, c.source, c.match, excluding=c.excluding)
          for cause in exclusions.OTHER_CAUSES for c in cause.codes]
ROWS: tuple[ConditionCode, ...] = tuple(_ROWS)

CONCEPTS: frozenset[str] = frozenset(c for row in ROWS for c in row.concepts) | {"chronic-infection"}

_EXACT: dict[tuple[str, str], list[ConditionCode]] = {}
_GENERAL: list[tuple[ConditionCode, object]] = []  # (row, compiled test) for prefix/range/pattern rows
for _row in ROWS:
    if _row.match == "exact":
        key = _norm(_row.code) if _row.system == ICD10CM else _row.code
        _EXACT.setdefault((_row.system, key), []).append(_row)
    elif _row.match == "prefix":
        _GENERAL.append((_row, _norm(_row.code)))
    elif _row.match == "range":
        lo, hi = _row.code.split("-")
        _GENERAL.append((_row, (_norm(lo), _norm(hi))))
    else:
        _GENERAL.append((_row, re.compile(_row.pattern or "")))


def _general_match(row: ConditionCode, test: object, code: str) -> bool:
    if any(code.startswith(x) for x in row.excluding):
        return False
    if row.match == "prefix":
        return code.startswith(test)  # type: ignore[arg-type]
    if row.match == "range":
        lo, hi = test  # type: ignore[misc]
        return len(code) >= 3 and lo <= code[:3] <= hi
    return test.fullmatch(code) is not None  # type: ignore[attr-defined]


_CACHE: dict[tuple[str, str], tuple[ConditionCode, ...]] = {}


def match(system: str | None, code: str | None) -> tuple[ConditionCode, ...]:
    """Every row matching this coding (empty when the code is not one we use)."""
    if not code or system not in (ICD10CM, SNOMED):
        return ()
    hit = _CACHE.get((system, code))
    if hit is not None:
        return hit
    if system == SNOMED:
        found = tuple(_EXACT.get((SNOMED, code.strip()), ()))
    else:
        norm = _norm(code)
        rows = list(_EXACT.get((ICD10CM, norm), ()))
        rows += [row for row, test in _GENERAL if _general_match(row, test, norm)]
        found = tuple(rows)
    if len(_CACHE) < 10_000:
        _CACHE[(system, code)] = found
    return found
