"""The four labelled JAK inhibitors, where each is approved, and the label a card cites.

Source: jak-safety-rules.md §2 (drug identifiers, FDA SPL set ids) and §4 (source URL per card).
Filgotinib is not FDA-approved (§2), so it has EMA rows only.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety.model import Jurisdiction, Mark

BARICITINIB = "baricitinib"
TOFACITINIB = "tofacitinib"
UPADACITINIB = "upadacitinib"
FILGOTINIB = "filgotinib"

DRUGS = (BARICITINIB, TOFACITINIB, UPADACITINIB, FILGOTINIB)
JURISDICTIONS = (str(Jurisdiction.FDA), str(Jurisdiction.EMA))
FDA, EMA = JURISDICTIONS

APPROVED: frozenset[tuple[str, str]] = frozenset(
    (drug, jur) for drug in DRUGS for jur in JURISDICTIONS if (drug, jur) != (FILGOTINIB, FDA)
)

# Other JAK inhibitors (and the TYK2 inhibitor named "per policy" in §3.3): recognised so that a
# draft order for one still gets the off-label / no-label-rows notice and counts in R25.
OTHER_JAK_INHIBITORS = frozenset({"ruxolitinib", "abrocitinib", "ritlecitinib", "deucravacitinib"})

EMA_JAKI_REFERRAL_URL = "https://www.ema.europa.eu/en/medicines/human/referrals/janus-kinase-inhibitors-jaki"  # [V]


@dataclass(frozen=True)
class Label:
    title: str
    url: str
    mark: Mark  # how sure we are that the URL points at the right label
    note: str = ""


_DAILYMED = "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid="
_DAILYMED_SEARCH = "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query="
_EPAR = "https://www.ema.europa.eu/en/medicines/human/EPAR/"

LABELS: dict[tuple[str, str], Label] = {
    (BARICITINIB, FDA): Label("Olumiant (baricitinib) US Prescribing Information",
                              _DAILYMED + "866e9f35-9035-4581-a4b1-75a621ab55cf", Mark.V, "set id from openFDA"),
    (TOFACITINIB, FDA): Label("Xeljanz (tofacitinib) US Prescribing Information", _DAILYMED_SEARCH + "XELJANZ",
                              Mark.R, "§2 lists no set id: DailyMed search page, not a set id"),
    (UPADACITINIB, FDA): Label("Rinvoq (upadacitinib) US Prescribing Information",
                               _DAILYMED + "2966aec7-2ef0-923c-d8ff-fe1a957bf095", Mark.S,
                               "set id from a DailyMed-derived page"),
    # EPAR product-information pages: EMA's URL pattern + brand; pages not opened when written [R]
    (BARICITINIB, EMA): Label("Olumiant (baricitinib) EU SmPC (EPAR)", _EPAR + "olumiant", Mark.R),
    (TOFACITINIB, EMA): Label("Xeljanz (tofacitinib) EU SmPC (EPAR)", _EPAR + "xeljanz", Mark.R),
    (UPADACITINIB, EMA): Label("Rinvoq (upadacitinib) EU SmPC (EPAR)", _EPAR + "rinvoq", Mark.R),
    (FILGOTINIB, EMA): Label("Jyseleca (filgotinib) EU SmPC (EPAR)", _EPAR + "jyseleca", Mark.R),
}

_NO_LABEL = Label("No label in this rule set", "", Mark.R)


def label_for(drug: str, jurisdiction: str) -> Label:
    return LABELS.get((drug, jurisdiction), _NO_LABEL)


def every_pair() -> tuple[tuple[str, str], ...]:
    """All approved drug x jurisdiction pairs, in a stable order (for tests and tables)."""
    return tuple(p for p in ((d, j) for d in DRUGS for j in JURISDICTIONS) if p in APPROVED)
