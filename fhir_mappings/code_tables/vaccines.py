"""Vaccine codes (CVX) -> vaccine concept and whether it is live, with source and confidence mark.

Only the codes of jak-safety-rules §3.3 are listed: the live-vaccine table there is [R] as a whole
("CVX [R] unless marked"), recombinant zoster vaccine (RZV, Shingrix) CVX 187 is [V]. Any other
CVX code, and every other system (SNOMED, ATC J07: "[P] add" in §3.3, no codes given), is not
matched: it is not guessed.

Marks (jak-safety-rules.md §0): V confirmed in a primary source; R recollection, must be verified.
"""

from __future__ import annotations

from dataclasses import dataclass

CVX = "http://hl7.org/fhir/sid/cvx"
SOURCE = "jak-safety-rules §3.3 (live vaccines table)"


@dataclass(frozen=True)
class VaccineCode:
    code: str
    vaccine: str  # concept name used in facts (ImmunizationFact.vaccine)
    display: str
    live: bool
    mark: str
    source: str = SOURCE


# Concept names the safety rules read.
ZOSTER_RECOMBINANT = "zoster-recombinant"
ZOSTER_LIVE = "zoster-live"

VACCINES: tuple[VaccineCode, ...] = (
    VaccineCode("03", "mmr", "MMR", True, "R"),
    VaccineCode("21", "varicella", "Varicella", True, "R"),
    VaccineCode("94", "mmrv", "MMRV", True, "R"),
    VaccineCode("121", ZOSTER_LIVE, "Zoster vaccine, live", True, "R"),
    VaccineCode("37", "yellow-fever", "Yellow fever", True, "R"),
    VaccineCode("183", "yellow-fever", "Yellow fever", True, "R"),
    VaccineCode("111", "laiv", "Influenza, live attenuated (LAIV)", True, "R"),
    VaccineCode("149", "laiv", "Influenza, live attenuated (LAIV)", True, "R"),
    VaccineCode("25", "typhoid-oral", "Typhoid, oral", True, "R"),
    VaccineCode("19", "bcg", "BCG", True, "R"),
    VaccineCode("116", "rotavirus", "Rotavirus", True, "R"),
    VaccineCode("119", "rotavirus", "Rotavirus", True, "R"),
    VaccineCode("122", "rotavirus", "Rotavirus", True, "R"),
    VaccineCode("02", "polio-oral", "Polio, oral (OPV)", True, "R"),
    VaccineCode("56", "dengue", "Dengue", True, "R"),
    # non-live, wanted before a JAK inhibitor (R14)
    VaccineCode("187", ZOSTER_RECOMBINANT, "Zoster vaccine, recombinant (RZV)", False, "V"),
)

def _key(code: str) -> str:
    """CVX codes are numbers written with or without a leading zero ("03" == "3")."""
    code = code.strip()
    return str(int(code)) if code.isdigit() else code


_BY_CODE: dict[str, VaccineCode] = {_key(v.code): v for v in VACCINES}


def match(system: str | None, code: str | None) -> VaccineCode | None:
    """The row for a CVX coding, or None (unknown code or another system)."""
    if system != CVX or not isinstance(code, str) or not code.strip():
        return None
    return _BY_CODE.get(_key(code))
