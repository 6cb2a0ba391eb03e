"""Evidence (fhir_mappings.facts.Evidence or its to_json() dict) as a flat view for templates.

Every key is present (empty string when absent) so StrictUndefined only catches template mistakes;
the templates escape each field with `|md` because all of it came from FHIR.
"""

from __future__ import annotations

from typing import Any

from cards.text import escape_markdown, format_value

_KEYS = ("reference", "display", "value", "unit", "date", "code", "note")


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


def evidence_inline(view: dict[str, str]) -> str:
    """One evidence view as inline markdown for a table cell: "display: value unit (date, ref), note".

    The jinja2 filter `evidence_inline`: the ESSDAI table calls it a dozen times a card, and a Python
    function costs a fraction of a template macro call. Every field is escaped (it came from FHIR).
    """
    md = escape_markdown
    text = md(view["display"])
    if view["value"]:
        text += f": {md(view['value'])}" + (f" {md(view['unit'])}" if view["unit"] else "")
    text += f" ({md(view['date']) + ', ' if view['date'] else ''}{md(view['reference'])})"
    if view["note"]:
        text += f", {md(view['note'])}"
    return text
