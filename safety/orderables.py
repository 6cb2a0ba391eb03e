"""Tests a card may suggest ordering, with their LOINC codes and confidence marks.

Codes and marks are those of jak-safety-rules.md §3.1 (and §5 R05 for the CBC panel). A code the
document marks [R] keeps that mark; none is added here that the document does not name.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety.model import Mark, Suggestion, SuggestionKind


@dataclass(frozen=True)
class Loinc:
    code: str
    display: str
    mark: Mark | None  # None: named by the document without a mark ([UNVERIFIED])


@dataclass(frozen=True)
class OrderTest:
    label: str
    codes: tuple[Loinc, ...]

    def suggestion(self, reason: str) -> Suggestion:
        return Suggestion(
            kind=SuggestionKind.ORDER_TEST,
            label=f"Order {self.label}",
            loinc=tuple((c.code, c.display) for c in self.codes),
            reason=reason,
        )


ALC = Loinc("731-0", "Lymphocytes [#/volume] in Blood by Automated count", Mark.V)
ANC = Loinc("751-8", "Neutrophils [#/volume] in Blood by Automated count", Mark.V)
HB = Loinc("718-7", "Hemoglobin [Mass/volume] in Blood", Mark.V)

CBC_WITH_DIFFERENTIAL = OrderTest(
    "CBC with differential",
    (
        # named in §5 R05 ("58410-2 + diff") without a mark; display from memory [UNVERIFIED]
        Loinc("58410-2", "CBC panel - Blood by Automated count", None),
        ALC,  # the differential: absolute counts the rules read
        ANC,
        HB,
    ),
)
CREATININE = OrderTest("creatinine / eGFR", (Loinc("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", Mark.V),))
LIVER_TESTS = OrderTest(
    "ALT, AST and bilirubin",
    (Loinc("1742-6", "ALT", Mark.V), Loinc("1920-8", "AST", Mark.V), Loinc("1975-2", "Total bilirubin", Mark.V)),
)
LIPID_PANEL = OrderTest("lipid panel", (Loinc("24331-1", "Lipid panel", Mark.V),))
IGRA = OrderTest(
    "IGRA (TB)",
    (Loinc("71773-6", "Mycobacterium tuberculosis stimulated gamma interferon [Presence] in Blood", Mark.V),),
)
HBV_SEROLOGY = OrderTest(
    "HBsAg, anti-HBc and anti-HBs",
    (
        Loinc("5195-3", "Hepatitis B virus surface Ag [Presence] in Serum", Mark.V),
        Loinc("16933-4", "HBV core Ab [Presence] in Serum", Mark.V),
        Loinc("22322-2", "HBV surface Ab [Presence] in Serum", Mark.V),
    ),
)
HBV_DNA = OrderTest("HBV DNA", (Loinc("42595-9", "Hepatitis B virus DNA [Units/volume] (viral load) in Serum or Plasma by NAA",
                                       Mark.V),))
HCV_AB = OrderTest("HCV antibody", (Loinc("16128-1", "Hepatitis C virus Ab [Presence] in Serum", Mark.V),))
HCV_RNA = OrderTest("HCV RNA", (Loinc("11011-4", "HCV RNA", Mark.R),))  # [R] in §3.1: verify
HCG = OrderTest("pregnancy test (hCG)", (Loinc("2106-3", "hCG qualitative, urine", Mark.R),))  # [R] in §3.1
