"""Text helpers for cards: markdown escaping of FHIR-sourced text, value formatting, and the
one-sentence summary limit."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

log = logging.getLogger("essdai_cds.cards")

# CDS Hooks 2.0 §1.4: summary "<140 characters" (Inferno errors at 140): 139 is the longest allowed.
SUMMARY_MAX_CHARS = 139

# Characters that start markdown/GFM constructs inline: emphasis, code, links, images, raw HTML,
# entities, tables, strikethrough, headings. Backslash-escaping any ASCII punctuation is valid CommonMark.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!])")
# At the start of a line, these would open a list item or a block quote.
_MD_LEADING_BLOCK = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([-+])(?=\s|$)")
# Text that escape_markdown returns unchanged: single spaces between words, no character of
# _MD_SPECIAL, and no start that _MD_LEADING_BLOCK would escape. Checked first: one regex instead of
# a split, a join and two substitutions on the dozens of fields of every card.
_MD_INERT = re.compile(r"(?![-+](?:\s|$))(?!\d{1,9}[.)](?:\s|$))(?:[^\s\\`*_\[\]<>|~#&!]+(?: [^\s\\`*_\[\]<>|~#&!]+)*)?")


def escape_markdown(value: Any) -> str:
    """Render `value` as inert markdown text: one line, no markdown or HTML syntax left active.

    Used (as the jinja2 filter `md`) on anything that came from FHIR: displays, references, units,
    string values, notes, warnings.
    """
    if value is None:
        return ""
    text = format_value(value)
    if _MD_INERT.fullmatch(text):
        return text  # the common case (names, dates, references): nothing below would change it
    text = " ".join(text.split())  # newlines would break tables and list items
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LEADING_BLOCK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text)


def format_value(value: Any) -> str:
    """A value as a clinician reads it: 350 not 350.0, yes/no for booleans, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# Said only if a caller's candidates all overflow (a bug: every caller ends with a short fixed sentence).
# A whole sentence that claims nothing, rather than a cut one that reads as a different claim.
SUMMARY_FALLBACK = "This card could not summarise its finding in one line; read its details."


def fit_summary(candidates: Iterable[str]) -> str:
    """The first candidate short enough for a card summary, never a cut one.

    Callers list whole sentences from most to least informative and end with a short fixed one, so
    dropping detail is explicit and a sentence or number is never truncated. If none fits (a caller's
    bug), the error is logged and SUMMARY_FALLBACK is said instead.
    """
    count = 0
    for candidate in candidates:
        count += 1
        if candidate and len(candidate) <= SUMMARY_MAX_CHARS:
            return candidate
    log.error("none of %d card summary candidates fits %d characters", count, SUMMARY_MAX_CHARS)
    return SUMMARY_FALLBACK


def sentence(text: str) -> str:
    """`text` as one sentence: whitespace collapsed, capitalised, ending with a full stop ("" stays "")."""
    text = " ".join(str(text or "").split()).rstrip(" .;:,")
    if not text:
        return ""
    if text[:1].islower() and text.split(" ", 1)[0].islower():  # "baricitinib ..." but not "eGFR ..."
        text = text[:1].upper() + text[1:]
    return f"{text}."


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural_word or word + 's')}"


def date_words(value: Any) -> str:
    """"2026-11-12" (or a date/datetime text) as "12 Nov 2026"; anything unparseable unchanged."""
    text = format_value(value)
    try:
        d = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{d.day} {d:%b %Y}"


# Resource types whose ids findings' texts cite; the markdown names what, value and date instead (the
# ids stay in the card's extension).
_RESOURCE_TYPES = ("Observation", "Condition", "MedicationRequest", "MedicationStatement", "Medication",
                   "AllergyIntolerance", "Immunization", "Patient", "ServiceRequest", "Procedure", "Encounter")
_REF = rf"(?:{'|'.join(_RESOURCE_TYPES)})/[A-Za-z0-9\-.]{{1,64}}"
_REF_IN_PARENS = re.compile(rf"\s*\(\s*{_REF}\s*\)")
_REF_IN_LIST = re.compile(rf"\s*[,;]\s*{_REF}(?=\s*[),;])|(?<=\()\s*{_REF}\s*[,;]\s*")


def without_references(text: str) -> str:
    """`text` with FHIR resource references ("(Observation/123)", ", Condition/abc") taken out."""
    if "/" not in text:
        return text
    return _REF_IN_LIST.sub("", _REF_IN_PARENS.sub("", text))
