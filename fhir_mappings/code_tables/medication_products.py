"""RxNorm product concepts (SCD/SBD) and drug names: what a real order carries besides an ingredient code.

A US order is usually coded with a clinical or branded drug (SCD "tofacitinib 11 MG 24HR Extended
Release Oral Tablet", SBD "... [Xeljanz]"), not with the ingredient. Each product row gives the
ingredient and, where a source states it for that one RXCUI, the strength and release form; where
no source ties the strength to the RXCUI, `strength_mg` is None and the strength is read from the
coding's display (RxNorm's normalised name), never guessed.

Sources (cited per row):
- OPENFDA_*: openFDA NDC records (api.fda.gov/drug/ndc.json). A brand's record lists every RXCUI of
  its label (all strengths, SCD and SBD) -> the ingredient is confirmed [V], the strength is not.
  A generic single-strength record with a single RXCUI confirms strength and form too [V].
- Names: ingredient names as in the code table; brand names from the openFDA NDC `brand_name` field
  or the EU SmPC title (EMA community register), cited per name.
"""

from __future__ import annotations

from dataclasses import dataclass

EXTENDED = "extended-release"
IMMEDIATE = "immediate-release"

OPENFDA_XELJANZ = "openFDA NDC 63539-501 (XELJANZ XR): rxcui list"
OPENFDA_TOFA_XR = "openFDA NDC 27241-270 (tofacitinib 11 mg/1, TABLET, EXTENDED RELEASE): rxcui 1741046 only"
OPENFDA_TOFA_5 = "openFDA NDC 72205-139 (tofacitinib 5 mg/1, TABLET, FILM COATED): rxcui 1357541, 2048566"
OPENFDA_OLUMIANT = "jak-safety-rules §2: openFDA NDC record for Olumiant (rxcui list)"
OPENFDA_RINVOQ = "openFDA NDC 0074-2310 (Rinvoq 30 mg/1, TABLET, EXTENDED RELEASE): rxcui list"
OPENFDA_PROBENECID = "openFDA NDC 10135-541 (probenecid 500 mg/1, TABLET, FILM COATED): rxcui 198152 only"
OPENFDA_PROB_COLCH = "openFDA NDC 50742-263 (probenecid 500 mg + colchicine 0.5 mg tablet): rxcui 198153 only"


@dataclass(frozen=True)
class Product:
    code: str  # RXCUI of an SCD/SBD (or other product-level concept)
    ingredient: str
    mark: str  # V/S/R as in code_tables.medications
    source: str
    strength_mg: float | None = None  # per unit (tablet), only when the source ties it to this RXCUI
    release: str | None = None  # EXTENDED / IMMEDIATE when the source states it


def _p(code: str, ingredient: str, source: str, strength: float | None = None, release: str | None = None,
       mark: str = "V") -> Product:
    return Product(code, ingredient, mark, source, strength, release)


PRODUCTS: tuple[Product, ...] = (
    # tofacitinib: every RXCUI of the Xeljanz / Xeljanz XR label; two single-strength generic records
    _p("1741046", "tofacitinib", f"{OPENFDA_TOFA_XR}; {OPENFDA_XELJANZ}", 11, EXTENDED),
    _p("1357541", "tofacitinib", f"{OPENFDA_TOFA_5}; {OPENFDA_XELJANZ}", 5, IMMEDIATE, mark="S"),
    *(_p(c, "tofacitinib", OPENFDA_XELJANZ)
      for c in ("1357547", "1741049", "2048566", "2048568", "2273113", "2273115", "2478433", "2478437")),
    # baricitinib (jak-safety-rules §2 [V]); upadacitinib (openFDA Rinvoq)
    *(_p(c, "baricitinib", OPENFDA_OLUMIANT) for c in ("2047241", "2047247", "2205472")),
    *(_p(c, "upadacitinib", OPENFDA_RINVOQ) for c in ("2196894", "2196900", "2590051")),
    # probenecid, alone and with colchicine (OAT3 inhibitor: R22)
    _p("198152", "probenecid", OPENFDA_PROBENECID, 500, IMMEDIATE),
    _p("198153", "probenecid", OPENFDA_PROB_COLCH, 500, IMMEDIATE),
)
PRODUCT_BY_CODE: dict[str, Product] = {p.code: p for p in PRODUCTS}
assert len(PRODUCT_BY_CODE) == len(PRODUCTS), "duplicate product RXCUI"

BRANDS_EMA = "EU SmPC title (EMA community register)"
BRANDS_FDA = "openFDA NDC brand_name"

# Names a text-only order or display uses -> ingredient. Matched whole-word, case- and
# punctuation-insensitive (fhir_mappings.medications.names_in). Ingredient synonyms (US/INN) too.
NAMES: dict[str, tuple[str, str]] = {
    "olumiant": ("baricitinib", f"{BRANDS_FDA}; {BRANDS_EMA}"),
    "xeljanz": ("tofacitinib", f"{BRANDS_FDA} (XELJANZ, XELJANZ XR); {BRANDS_EMA}"),
    "rinvoq": ("upadacitinib", f"{BRANDS_FDA}; {BRANDS_EMA}"),
    "jyseleca": ("filgotinib", f"{BRANDS_EMA} [UNVERIFIED: SmPC title not retrieved here]"),
    "jakafi": ("ruxolitinib", f"{BRANDS_FDA} [UNVERIFIED]"),
    "jakavi": ("ruxolitinib", f"{BRANDS_EMA} [UNVERIFIED]"),
    "cyclosporine": ("ciclosporin", "USAN name of ciclosporin (CPIC drug table 'cyclosporine')"),
    "rifampin": ("rifampicin", "USAN name of rifampicin"),
    "mycophenolic acid": ("mycophenolate", "CPIC drug table 'mycophenolic acid'"),
    "mycophenolate mofetil": ("mycophenolate", "INN of the prodrug"),
    "st john's wort": ("st-johns-wort", "common name"),
    "hypericum": ("st-johns-wort", "Hyperici herba (ATC N06AX25)"),
    "tenofovir disoproxil": ("tenofovir-disoproxil", "INN"),
    "tenofovir alafenamide": ("tenofovir-alafenamide", "INN"),
    "paxlovid": ("nirmatrelvir-ritonavir", f"{BRANDS_FDA} [UNVERIFIED]"),
    "nirmatrelvir": ("nirmatrelvir-ritonavir", "INN"),
    # biologic DMARDs by INN -> their class-level row (ATC L04AB / L04AC / L04AG)
    **{inn: ("tnf-inhibitor", "INN; ATC L04AB") for inn in
       ("adalimumab", "etanercept", "infliximab", "certolizumab pegol", "golimumab")},
    **{inn: ("interleukin-inhibitor", "INN; ATC L04AC") for inn in
       ("tocilizumab", "sarilumab", "anakinra", "secukinumab", "ixekizumab", "ustekinumab", "guselkumab")},
    **{inn: ("immunosuppressant-monoclonal-antibody", "INN; ATC L04AG") for inn in ("vedolizumab", "natalizumab")},
    # other JAK inhibitors by INN (no label rows here: the order gets the "no label rows" notice)
    **{inn: ("jak-inhibitor-other", "INN; ATC L04AF") for inn in ("abrocitinib", "ritlecitinib", "deuruxolitinib")},
    # oestrogen-containing products (VTE co-risk, R18)
    "estradiol": ("estrogen", "INN; ATC G03CA03"),
    "conjugated estrogens": ("estrogen", "USAN; ATC G03CA57"),
    "ethinylestradiol": ("combined-hormonal-contraceptive", "INN; combined oral contraceptives (ATC G03AA)"),
    "ethinyl estradiol": ("combined-hormonal-contraceptive", "USAN spelling of ethinylestradiol"),
    # antidiabetics by INN (R29) -> the class-level row when not an ingredient row of their own
    **{inn: ("antidiabetic", "INN; ATC A10") for inn in
       ("insulin", "sitagliptin", "empagliflozin", "dapagliflozin", "semaglutide", "liraglutide", "pioglitazone",
        "gliclazide", "glyburide")},
}
