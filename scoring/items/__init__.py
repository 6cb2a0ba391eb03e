"""ESSDAI items, one module per domain; each module's ITEMS reads PatientFacts and returns ItemResults."""

from __future__ import annotations

from scoring.items import (articular, biological, cns, constitutional, cutaneous, glandular, hematological,
                           lymphadenopathy, muscular, pns, pulmonary, renal)
from scoring.items.base import Item, ItemResult

ITEMS_BY_DOMAIN: dict[str, tuple[Item, ...]] = {
    "constitutional": constitutional.ITEMS,
    "lymphadenopathy": lymphadenopathy.ITEMS,
    "glandular": glandular.ITEMS,
    "articular": articular.ITEMS,
    "cutaneous": cutaneous.ITEMS,
    "pulmonary": pulmonary.ITEMS,
    "renal": renal.ITEMS,
    "muscular": muscular.ITEMS,
    "pns": pns.ITEMS,
    "cns": cns.ITEMS,
    "hematological": hematological.ITEMS,
    "biological": biological.ITEMS,
}

__all__ = ["ITEMS_BY_DOMAIN", "Item", "ItemResult"]
