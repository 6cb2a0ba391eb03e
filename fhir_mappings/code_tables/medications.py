"""Medication codes (RxNorm, ATC) -> ingredient and classes, with source and confidence mark.

RxNorm (`http://www.nlm.nih.gov/research/umls/rxnorm`): ingredient (IN) codes, and the product
(SCD/SBD) codes of `medication_products` with their strength and release form where a source ties
them to the RXCUI. ATC (`http://www.whocc.no/atc`): an exact 5th-level code names the ingredient;
otherwise the longest class-level prefix row (e.g. L04AB, TNF-alpha inhibitors) names a class-level
"ingredient". A coding none of these match is tried by name (`NAME_INDEX`: ingredient and brand
names, whole words) in fhir_mappings.medications, and the fact says it was recognised by name; a
name governed by a negation cue ("no prednisone", "prednisone stopped": NEGATION_*) is not read as taken.
Known limitation: an RxNorm SCD/SBD of a co-medication not listed here is recognised only by its
display name (no RxNav expansion offline).

Marks (jak-safety-rules.md §0): V confirmed in a primary or near-verbatim source; S found in a
secondary source (here: a public code list, named in `source`); R recollection, must be verified;
G general knowledge, not in the project docs and not confirmed here; P proposed local policy.

Classes used by safety and scoring: jak-inhibitor, oat3-inhibitor-strong, cyp3a4-inhibitor-strong,
cyp3a4-cyp2c19-inhibitor, cyp3a4-inducer-strong, biologic-dmard, potent-immunosuppressant,
cytopenia-causing-drug, nsaid, corticosteroid, opioid, hormonal-vte-risk, ltbi-treatment,
hbv-antiviral, antidiabetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fhir_mappings.code_tables import medication_products as products

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"

JAK_DOC = "jak-safety-rules §2"
COMED_DOC = "jak-safety-rules §3.3"
CPIC = "public code list: CPIC drug table (RxNorm/ATC)"
DMARD_LIST = "public code list: an anti-rheumatic drug ATC registry"
ATC_2024 = "public code list: MII ConceptMap of 2024 ATC changes"


@dataclass(frozen=True)
class Ingredient:
    name: str
    classes: frozenset[str]
    note: str = ""


@dataclass(frozen=True)
class DrugCode:
    system: str
    code: str
    ingredient: str
    mark: str
    source: str
    prefix: bool = False  # an ATC class: matches every code that starts with it


def _i(name: str, classes: str, note: str = "") -> Ingredient:
    return Ingredient(name, frozenset(classes.split()), note)


_INGREDIENTS = [
    # JAK inhibitors (jak-safety-rules §2, §3.3)
    _i("baricitinib", "jak-inhibitor"),
    _i("tofacitinib", "jak-inhibitor"),
    _i("upadacitinib", "jak-inhibitor"),
    _i("filgotinib", "jak-inhibitor"),
    _i("ruxolitinib", "jak-inhibitor"),
    _i("jak-inhibitor-other", "jak-inhibitor", "class level: ATC L04AF"),
    # interactions (§3.3)
    _i("probenecid", "oat3-inhibitor-strong"),
    _i("ketoconazole", "cyp3a4-inhibitor-strong"),
    _i("itraconazole", "cyp3a4-inhibitor-strong"),
    _i("posaconazole", "cyp3a4-inhibitor-strong"),
    _i("voriconazole", "cyp3a4-inhibitor-strong"),
    _i("clarithromycin", "cyp3a4-inhibitor-strong"),
    _i("ritonavir", "cyp3a4-inhibitor-strong", "§3.3 [R]: ritonavir/cobicistat-boosted regimens"),
    _i("cobicistat", "cyp3a4-inhibitor-strong", "§3.3 [R]"),
    _i("nirmatrelvir-ritonavir", "cyp3a4-inhibitor-strong", "§3.3 [R]"),
    _i("fluconazole", "cyp3a4-cyp2c19-inhibitor"),
    _i("rifampicin", "cyp3a4-inducer-strong ltbi-treatment"),
    _i("phenytoin", "cyp3a4-inducer-strong"),
    _i("carbamazepine", "cyp3a4-inducer-strong", "§3.3 [R]"),
    _i("st-johns-wort", "cyp3a4-inducer-strong", "§3.3 [R]"),
    # biologic DMARDs / immunomodulators (§3.3; R25)
    _i("rituximab", "biologic-dmard"),
    _i("belimumab", "biologic-dmard"),
    _i("abatacept", "biologic-dmard"),
    _i("tnf-inhibitor", "biologic-dmard", "class level: ATC L04AB"),
    _i("interleukin-inhibitor", "biologic-dmard", "class level: ATC L04AC"),
    _i("immunosuppressant-monoclonal-antibody", "biologic-dmard", "class level: ATC L04AG (incl. anti-integrins)"),
    # potent immunosuppressants (§3.3: azathioprine, ciclosporin, tacrolimus [V]; mercaptopurine [V];
    # mycophenolate, cyclophosphamide [P]); cytopenia-causing drugs (essdai-rules §1.11)
    _i("azathioprine", "potent-immunosuppressant cytopenia-causing-drug"),
    _i("ciclosporin", "potent-immunosuppressant"),
    _i("tacrolimus", "potent-immunosuppressant"),
    _i("mercaptopurine", "potent-immunosuppressant"),
    _i("mycophenolate", "potent-immunosuppressant cytopenia-causing-drug"),
    _i("cyclophosphamide", "potent-immunosuppressant cytopenia-causing-drug"),
    _i("methotrexate", "cytopenia-causing-drug", "MTX is allowed with JAK inhibitors (R25 'not flagged')"),
    # GI-perforation co-risk (R28)
    _i("nsaid", "nsaid", "class level: ATC M01AA/AB/AC/AE/AG/AH (M01AX excluded: not all NSAIDs)"),
    _i("systemic-corticosteroid", "corticosteroid", "class level: ATC H02AB"),
    _i("prednisone", "corticosteroid"),
    _i("prednisolone", "corticosteroid"),
    _i("methylprednisolone", "corticosteroid"),
    _i("dexamethasone", "corticosteroid"),
    _i("hydrocortisone", "corticosteroid"),
    _i("betamethasone", "corticosteroid"),
    _i("opioid", "opioid", "class level: ATC N02A"),
    # VTE co-risk (R18): combined hormonal contraceptives, HRT
    _i("combined-hormonal-contraceptive", "hormonal-vte-risk", "class level: ATC G03AA/G03AB"),
    _i("estrogen", "hormonal-vte-risk", "class level: ATC G03C (HRT)"),
    _i("estrogen-progestogen", "hormonal-vte-risk", "class level: ATC G03F (HRT)"),
    # LTBI treatment (R11), HBV antivirals (R12), antidiabetics (R29)
    _i("isoniazid", "ltbi-treatment"),
    _i("rifapentine", "ltbi-treatment"),
    _i("entecavir", "hbv-antiviral"),
    _i("tenofovir-disoproxil", "hbv-antiviral"),
    _i("tenofovir-alafenamide", "hbv-antiviral"),
    _i("antidiabetic", "antidiabetic", "class level: ATC A10"),
    _i("metformin", "antidiabetic"),
    _i("glipizide", "antidiabetic"),
    _i("glimepiride", "antidiabetic"),
    _i("glibenclamide", "antidiabetic"),
    _i("rosiglitazone", "antidiabetic"),
    _i("triamcinolone", "corticosteroid", "systemic use only counts; topical/inhaled forms are not told apart"),
]
INGREDIENTS: dict[str, Ingredient] = {i.name: i for i in _INGREDIENTS}


def _rx(code: str, ingredient: str, mark: str, source: str = JAK_DOC) -> DrugCode:
    return DrugCode(RXNORM, code, ingredient, mark, source)


def _atc(code: str, ingredient: str, mark: str, source: str) -> DrugCode:
    return DrugCode(ATC, code, ingredient, mark, source)


def _cls(code: str, ingredient: str, mark: str, source: str) -> DrugCode:
    return DrugCode(ATC, code, ingredient, mark, source, prefix=True)


_CODES = [
    # --- JAK inhibitors: RxNorm IN codes [R] (products: medication_products) ------------------------
    _rx("2047232", "baricitinib", "R", f"{JAK_DOC} (ingredient, TTY=IN)"),
    _rx("1357536", "tofacitinib", "R", f"{JAK_DOC} (ingredient, TTY=IN)"),
    _rx("2196092", "upadacitinib", "R", f"{JAK_DOC} (ingredient, TTY=IN)"),
        # --- RxNorm ingredients (TTY=IN) of co-medications, from the CPIC drug table (its rxnormId column) ---
    *(_rx(code, name, "S", f"{CPIC} (rxnormId)") for code, name in (
        ("8698", "probenecid"), ("121243", "voriconazole"), ("8183", "phenytoin"), ("2002", "carbamazepine"),
        ("121191", "rituximab"), ("1256", "azathioprine"), ("3008", "ciclosporin"), ("42316", "tacrolimus"),
        ("103", "mercaptopurine"), ("7145", "mycophenolate"), ("3002", "cyclophosphamide"),
        ("6851", "methotrexate"), ("6038", "isoniazid"), ("6809", "metformin"), ("4821", "glipizide"),
        ("25789", "glimepiride"), ("4815", "glibenclamide"), ("84108", "rosiglitazone"),
        ("10759", "triamcinolone"))),
    # recalled, not found in a source here: kept so such orders are caught, marked [UNVERIFIED]
    *(_rx(code, name, "R", "[UNVERIFIED] RxNorm IN from recollection; check with RxNav findRxcuiByString")
      for code, name in (
        ("6135", "ketoconazole"), ("28031", "itraconazole"), ("4450", "fluconazole"), ("21212", "clarithromycin"),
        ("85762", "ritonavir"), ("9384", "rifampicin"), ("8640", "prednisone"), ("8638", "prednisolone"),
        ("6902", "methylprednisolone"), ("3264", "dexamethasone"), ("5492", "hydrocortisone"))),
    # --- RxNorm products (SCD/SBD): medication_products ---------------------------------------------
    *(_rx(p.code, p.ingredient, p.mark, p.source) for p in products.PRODUCTS),
    # --- JAK inhibitors: ATC (2024 L04AF, and the pre-2024 L04AA codes) ---------------------------------
    _atc("L04AF02", "baricitinib", "V", JAK_DOC),
    _atc("L04AA37", "baricitinib", "V", JAK_DOC),
    _atc("L04AF01", "tofacitinib", "V", JAK_DOC),
    _atc("L04AA29", "tofacitinib", "V", JAK_DOC),
    _atc("L04AF03", "upadacitinib", "V", JAK_DOC),
    _atc("L04AA44", "upadacitinib", "V", JAK_DOC),
    _atc("L04AF04", "filgotinib", "V", JAK_DOC),
    _atc("L04AA45", "filgotinib", "V", JAK_DOC),
    _atc("L01EJ01", "ruxolitinib", "R", COMED_DOC),
    _cls("L04AF", "jak-inhibitor-other", "V", f"{COMED_DOC} (WHOCC 2024 level L04AF)"),
    # --- interactions ---------------------------------------------------------------------------------
    _atc("M04AB01", "probenecid", "S", CPIC),
    _atc("J02AB02", "ketoconazole", "G", "ATC, not in the project docs"),
    _atc("J02AC02", "itraconazole", "G", "ATC, not in the project docs"),
    _atc("J02AC04", "posaconazole", "G", "ATC, not in the project docs"),
    _atc("J02AC03", "voriconazole", "S", CPIC),
    _atc("J01FA09", "clarithromycin", "G", "ATC, not in the project docs"),
    _atc("J05AE03", "ritonavir", "G", "ATC, not in the project docs"),
    _atc("V03AX03", "cobicistat", "G", "ATC, not in the project docs"),
    _atc("J05AE30", "nirmatrelvir-ritonavir", "G", "ATC, not in the project docs"),
    _atc("J02AC01", "fluconazole", "G", "ATC, not in the project docs"),
    _atc("J04AB02", "rifampicin", "G", "ATC, not in the project docs"),
    _atc("N03AB02", "phenytoin", "S", CPIC),
    _atc("N03AF01", "carbamazepine", "S", CPIC),
    _atc("N06AX25", "st-johns-wort", "G", "ATC (Hyperici herba), not in the project docs"),
    # --- biologic DMARDs ------------------------------------------------------------------------------
    _atc("L01FA01", "rituximab", "S", DMARD_LIST),
    _atc("L01XC02", "rituximab", "S", f"{CPIC}; {DMARD_LIST} (pre-2022 code)"),
    _atc("L04AG04", "belimumab", "S", f"{DMARD_LIST}; {ATC_2024}"),
    _atc("L04AA26", "belimumab", "S", f"{ATC_2024} (pre-2024 code)"),
    _atc("L04AA24", "abatacept", "S", DMARD_LIST),
    _cls("L04AB", "tnf-inhibitor", "R", f"{COMED_DOC} [R for code list]"),
    _cls("L04AC", "interleukin-inhibitor", "R", f"{COMED_DOC} [R for code list]"),
    _cls("L04AG", "immunosuppressant-monoclonal-antibody", "R", f"{COMED_DOC} [R for code list]"),
    # --- potent immunosuppressants / cytopenia-causing drugs -------------------------------------------
    _atc("L04AX01", "azathioprine", "S", f"{CPIC}; {DMARD_LIST}"),
    _atc("L04AD01", "ciclosporin", "S", f"{CPIC}; {DMARD_LIST}"),
    _atc("L04AD02", "tacrolimus", "S", f"{CPIC}; {DMARD_LIST}"),
    _atc("L01BB02", "mercaptopurine", "S", CPIC),
    _atc("L04AA06", "mycophenolate", "S", f"{CPIC}; {DMARD_LIST} (mycophenolic acid)"),
    _atc("L01AA01", "cyclophosphamide", "S", CPIC),
    _atc("L04AX03", "methotrexate", "S", f"{CPIC}; {DMARD_LIST}"),
    _atc("L01BA01", "methotrexate", "S", f"{CPIC}; {DMARD_LIST}"),
    # --- GI-perforation co-risk --------------------------------------------------------------------------
    *(_cls(c, "nsaid", "G", "ATC NSAID groups, not in the project docs")
      for c in ("M01AA", "M01AB", "M01AC", "M01AE", "M01AG", "M01AH")),
    _cls("H02AB", "systemic-corticosteroid", "R", f"{COMED_DOC} ('corticosteroids (H02AB)')"),
    _atc("H02AB07", "prednisone", "G", "ATC, not in the project docs"),
    _atc("H02AB06", "prednisolone", "S", DMARD_LIST),
    _atc("H02AB04", "methylprednisolone", "S", DMARD_LIST),
    _atc("H02AB02", "dexamethasone", "S", DMARD_LIST),
    _atc("H02AB09", "hydrocortisone", "S", DMARD_LIST),
    _atc("H02AB01", "betamethasone", "S", DMARD_LIST),
    _cls("N02A", "opioid", "G", "ATC N02A opioids, not in the project docs"),
    # --- VTE co-risk -----------------------------------------------------------------------------------
    _cls("G03AA", "combined-hormonal-contraceptive", "G", f"ATC, not in the project docs (G03A: {CPIC})"),
    _cls("G03AB", "combined-hormonal-contraceptive", "G", f"ATC, not in the project docs (G03A: {CPIC})"),
    _cls("G03C", "estrogen", "G", "ATC, not in the project docs"),
    _cls("G03F", "estrogen-progestogen", "G", "ATC, not in the project docs"),
    # --- LTBI treatment, HBV antivirals, antidiabetics ---------------------------------------------------
    _atc("J04AC01", "isoniazid", "S", CPIC),
    _atc("J04AB05", "rifapentine", "G", "ATC, not in the project docs"),
    _atc("J05AF10", "entecavir", "G", "ATC, not in the project docs"),
    _atc("J05AF07", "tenofovir-disoproxil", "G", "ATC, not in the project docs"),
    _atc("J05AF13", "tenofovir-alafenamide", "G", "ATC, not in the project docs"),
    _cls("A10", "antidiabetic", "G", "ATC A10 drugs used in diabetes, not in the project docs"),
]
CODES: tuple[DrugCode, ...] = tuple(_CODES)

SNOMED = "http://snomed.info/sct"
# SNOMED CT substance / product codes, which EU records use: wanted for these ingredients, none confirmed, so
# none is listed in CODES (a wrong SNOMED code would name another concept; recalled codes are not entered).
# Searched 2026-12-03 with the project's search tool: "<name> (substance)", "Product containing <name>", dm+d
# VTM/VMP names, opencodelists/OpenSAFELY DMARD lists, RxNav/CPIC tables: no page or public code list giving
# the concept id. Until a code is confirmed (and cited, as above), a SNOMED-coded order of these drugs is
# recognised by its display name (NAME_INDEX) and its cards say so. [UNVERIFIED: codes not confirmed]
SNOMED_UNCONFIRMED: tuple[str, ...] = (
    "baricitinib", "tofacitinib", "upadacitinib", "filgotinib", "probenecid", "ketoconazole", "itraconazole",
    "fluconazole", "clarithromycin", "ritonavir", "rifampicin", "prednisone", "prednisolone", "methylprednisolone",
    "azathioprine", "ciclosporin", "tacrolimus", "methotrexate",
)
assert all(c.ingredient in INGREDIENTS for c in CODES), "code row for an unknown ingredient"

_EXACT: dict[tuple[str, str], DrugCode] = {(c.system, c.code): c for c in CODES if not c.prefix}
assert len(_EXACT) == sum(1 for c in CODES if not c.prefix), "duplicate medication code"
_PREFIX: dict[str, DrugCode] = {c.code: c for c in CODES if c.prefix}
_PREFIX_LENGTHS = sorted({len(p) for p in _PREFIX}, reverse=True)


def match(system: str | None, code: str | None) -> DrugCode | None:
    """The row for this coding: an exact code first, else the longest ATC class prefix."""
    if not code or system not in (RXNORM, ATC):
        return None
    code = code.strip()
    if system == ATC:
        code = code.upper()
    hit = _EXACT.get((system, code))
    if hit is not None or system != ATC:
        return hit
    for n in _PREFIX_LENGTHS:
        hit = _PREFIX.get(code[:n])
        if hit is not None:
            return hit
    return None


def _name_index() -> dict[str, str]:
    """Lower-case name -> ingredient: every ingredient's own name (class-level rows excluded) and the
    brand names and synonyms of medication_products.NAMES."""
    out = {i.name.replace("-", " "): i.name for i in _INGREDIENTS if "class level" not in i.note
           and i.name not in ("jak-inhibitor-other",)}
    out.update({name: ingredient for name, (ingredient, _src) in products.NAMES.items()})
    assert all(v in INGREDIENTS for v in out.values()), "name row for an unknown ingredient"
    return out


NAME_INDEX: dict[str, str] = _name_index()
_NAME_RE = re.compile(r"(?<![a-z0-9])(" + "|".join(
    re.escape(n).replace(r"\ ", r"[\s\-]+") for n in sorted(NAME_INDEX, key=len, reverse=True)) + r")(?![a-z0-9])")


def normalise_text(text: str) -> str:
    """Lower case; punctuation other than apostrophes and hyphens becomes a space (so "OLUMIANT(R)",
    "Xeljanz-XR" and "baricitinib," still match whole words)."""
    return re.sub(r"[^a-z0-9'\-]+", " ", text.lower().replace("\u2019", "'"))


def names_in(text: str | None) -> list[tuple[str, str]]:
    """(ingredient, the name found) for each drug named in the text, first occurrence order."""
    return [(n.ingredient, n.name) for n in named(text)]


# --- negation in free text -------------------------------------------------------------------------
# A MedicationRequest/Statement whose only description is free text may name a drug the patient does
# NOT take: "no prednisone", "not on methotrexate", "allergic to probenecid", "avoid ketoconazole",
# "prednisone stopped". Read as taken, that is a false co-medication finding. The rule is kept narrow
# on purpose (project policy [P], no NLP): a cue counts only right before the name ("not on", "no
# longer taking") or right after it ("stopped", "was discontinued"), inside one clause, with nothing
# but the filler words below in between. A negation it misses leaves the drug read as taken (a card
# the clinician can dismiss, that shows the text it was read from); a rule read too widely would hide a
# drug the patient does take, which is worse. "held"/"on hold" are not cues: on-hold counts as current
# (PatientFacts.medications_of). Codes are never negated: this applies to name matching only.
NEGATION_BEFORE: tuple[str, ...] = (
    "no", "not", "never", "cannot", "can't", "don't", "doesn't", "didn't", "isn't", "without", "instead of", "nor",
    "avoid", "avoids", "avoided", "avoiding",
    "stop", "stopped", "stopping", "discontinue", "discontinued", "cease", "ceased", "declined", "refused",
    "denies", "denied", "allergic", "allergy", "allergies", "intolerant", "intolerance", "contraindicated",
)
NEGATION_BEFORE_FILLER: tuple[str, ...] = (
    "on", "to", "of", "with", "any", "more", "longer", "further", "currently", "the", "a", "take", "takes",
    "taking", "took", "taken", "use", "using", "used", "receiving", "received", "given", "prescribed",
)
NEGATION_AFTER: tuple[str, ...] = (
    "stopped", "discontinued", "ceased", "withdrawn", "not taken", "not taking", "not tolerated", "declined",
    "refused", "avoided", "contraindicated", "allergy", "intolerance",
)
NEGATION_AFTER_FILLER: tuple[str, ...] = (
    "was", "were", "is", "has", "have", "had", "been", "now", "therapy", "treatment", "mg", "g", "mcg", "ug",
    "tablet", "tablets", "daily",
)
# a negator right before a cue undoes it: "do not stop prednisone", "never stop taking methotrexate" (a
# double negative: the patient takes it), "not allergic to probenecid"
NEGATION_UNDONE_BY: tuple[str, ...] = (
    "not", "never", "don't", "do not", "doesn't", "does not", "didn't", "did not", "can't", "cannot", "must not",
    "should not", "won't", "will not",
)
# clause ends: a cue never reaches across them (a decimal point "2.5" is not one; a colon is not one
# either: "Allergy: probenecid", "Avoid: ketoconazole")
_CLAUSE_RE = re.compile(r"[;!?\n\r]|\.(?!\d)|\b(?:but|however|although|though)\b", re.I)


def _words(items: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(items, key=len, reverse=True))


_BEFORE_RE = re.compile(rf"(?:^|\s)({_words(NEGATION_BEFORE)})(?:\s+(?:{_words(NEGATION_BEFORE_FILLER)}))*\s*$")
_AFTER_RE = re.compile(rf"^(?:\s+(?:{_words(NEGATION_AFTER_FILLER)}|\d+(?:[.,]\d+)?))*\s+({_words(NEGATION_AFTER)})"
                       r"(?![a-z0-9])")
_UNDONE_RE = re.compile(rf"(?:^|\s)(?:{_words(NEGATION_UNDONE_BY)})\s*$")
_CHAIN_RE = re.compile(r"^\s+(?:or|nor)\s+$")  # "no methotrexate or prednisone": the cue covers both


@dataclass(frozen=True)
class NameFound:
    ingredient: str
    name: str  # as found (normalised text)
    negation: str | None = None  # the cue that negates it ("not", "stopped", ...), None: read as taken


def named(text: str | None) -> list[NameFound]:
    """Each drug named in the text, first occurrence order, with the negation cue that governs it.
    A drug named both negated and not ("no prednisolone; prednisone 5 mg") is kept by its plain mention."""
    if not isinstance(text, str) or not text.strip():
        return []
    found: dict[str, NameFound] = {}
    for clause in _CLAUSE_RE.split(text):
        clause = normalise_text(clause or "")
        previous: tuple[int, str | None] | None = None  # end of the last name in the clause, its cue
        for m in _NAME_RE.finditer(clause):
            ingredient = NAME_INDEX[re.sub(r"[\s\-]+", " ", m.group(1))]
            before = _BEFORE_RE.search(clause[:m.start()])
            if before and _UNDONE_RE.search(clause[:before.start(1)]):
                before = None  # "do not stop prednisone": a double negative, read as taken
            after = _AFTER_RE.match(clause[m.end():])
            cue = before.group(1) if before else after.group(1) if after else None
            if cue is None and previous is not None and previous[1]:
                cue = previous[1] if _CHAIN_RE.match(clause[previous[0]:m.start()]) else None
            previous = (m.end(), cue)
            cue = re.sub(r"\s+", " ", cue) if cue else None
            known = found.get(ingredient)
            if known is None or (known.negation is not None and cue is None):
                found[ingredient] = NameFound(ingredient, m.group(1), cue)
    return list(found.values())
