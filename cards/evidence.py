"""Evidence (fhir_mappings.facts.Evidence or its to_json() dict) as a flat view, and in words.

Every key is present (empty string when absent) so StrictUndefined only catches template mistakes.
Markdown shows evidence as a clinician reads it — what, value, unit, date ("IgG 18 g/L, 13 Nov 2026";
"rated 1 by a clinician, 31 Oct 2026"); resource ids and code system URLs stay in the card's
machine-readable extension, never in the markdown.
"""

from __future__ import annotations

from typing import Any

from cards.table import narrow_table
from cards.text import date_words, escape_markdown, format_value
from fhir_mappings.code_tables.loinc import ANALYTES, CODES, LOINC

RATING_NOTE = "clinician rating"  # the note fhir_mappings puts on an ESSDAI domain rating
_KEYS = ("reference", "display", "value", "unit", "date", "code", "note", "threshold")
_OP_WORDS = {">=": "≥", "<=": "≤"}  # the scoring tables' operators as a clinician reads them


def evidence_view(item: Any) -> dict[str, str]:
    if hasattr(item, "to_json"):
        item = item.to_json()
    if not isinstance(item, dict):
        return {k: "" for k in _KEYS} | {"display": format_value(item)}
    return {k: format_value(item.get(k)) for k in _KEYS}


def evidence_views(items: Any) -> list[dict[str, str]]:
    if not isinstance(items, (list, tuple)):
        return []
    return [evidence_view(e) for e in items]


def short_name(view: dict[str, str]) -> str:
    """The analyte's short label from the LOINC table ("ALC", "IgG"), else the display up to its first
    " [" (LOINC long names put the property in brackets: "Neutrophils [#/volume] in Blood")."""
    system, _, code = view["code"].partition("|")
    row = CODES.get(code) if system == LOINC else None
    if row is not None:
        return ANALYTES[row.analyte].label
    return view["display"].split(" [", 1)[0].strip() or view["display"]


def evidence_words(view: dict[str, str], *, rating: bool = False) -> str:
    """One evidence item as escaped inline markdown: "IgG 18 g/L, 13 Nov 2026 (note)", or for a
    clinician's ESSDAI rating "rated 1 by a clinician, 31 Oct 2026"."""
    md = escape_markdown
    when = date_words(view["date"])
    if rating:
        text = f"rated {md(view['value'])} by a clinician" if view["value"] else "rated by a clinician"
    else:
        text = md(short_name(view))
        if view["value"]:
            text += f" {md(view['value'])}" + (f" {md(view['unit'])}" if view["unit"] else "")
    text += f", {md(when)}" if when else ", undated"
    note = "" if rating and view["note"] == RATING_NOTE else view["note"]  # "rated by a clinician" says it
    said = _with_cut_off(threshold_words(view["threshold"]), note)
    if said:
        text += f" ({md(said)})"
    return text


def _with_cut_off(cut_off: str, note: str) -> str:
    """The cut-off that decided the level comes first: "IgG 18 g/L, 13 Nov 2026 (> 16; attribution ...)".
    A cut-off of a derived value names its unit ("> 4 x ULN", "≥ 5 %") and follows the note that gives
    that value: "CK 900 U/L, 3 Nov 2026 (4.50 x ULN, > 4 x ULN; attribution ...)"."""
    if not cut_off or not note:
        return cut_off or note
    if len(cut_off.split(" ")) > 2:
        derived, _, rest = note.partition("; ")
        return f"{derived}, {cut_off}" + (f"; {rest}" if rest else "")
    return f"{cut_off}; {note}"


def threshold_words(threshold: str) -> str:
    """"> 16", ">= 1500" as "> 16", "≥ 1500" ("" stays "")."""
    op, _, limit = threshold.partition(" ")
    return f"{_OP_WORDS.get(op, op)} {limit}" if limit else threshold


def evidence_table(views: list[dict[str, str]]) -> str:
    """Evidence | Result | Date: short names, value with its unit, the date in words ("" if no evidence)."""
    md = escape_markdown
    rows = [[md(short_name(v)), md(" ".join(x for x in (v["value"], v["unit"]) if x))
             + (f" ({md(v['note'])})" if v["note"] else ""), md(date_words(v["date"]) or "undated")] for v in views]
    return narrow_table(["Evidence", "Result", "Date"], rows) if rows else ""
