"""Patient-view cards about JAK-inhibitor treatment: the "before starting" checklist, the "on
treatment" monitoring reminders, and the "could not complete" card.

Both lists come from `safety.readiness` / `safety.monitoring` (same rules as the order checks); the
cards only present them. Missing tests become order-test suggestions, all of which may be accepted
together (`selectionBehavior: "any"`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from cards.codings import MONITORING_OVERRIDE_REASONS, READINESS_OVERRIDE_REASONS, override_reasons, topic
from cards.context import CardContext
from cards.findings import (NOT_CONFIRMED, build_suggestion, finding_json, finding_view, indicator_of, most_severe,
                            severity_rank, status_of, suggestion_kind, unique_keys)
from cards.ids import card_uuid
from cards.render import render
from cards.text import fit_summary, plural, sentence
from cards.unavailable import built_or_unavailable, unavailable_card

__all__ = ["readiness_card", "monitoring_card", "unavailable_card"]


# Short names for the monitoring summary when a finding's suggestion has no label (jak-safety-rules §5.9).
MONITORING_SHORT_NAMES = {"R26": "lipids", "R27": "CBC/LFT", "R12": "HBV DNA"}


def _findings(findings: Iterable[Any] | None) -> list[Any]:
    return sorted(list(findings or ()), key=severity_rank)


def _order_test_suggestions(findings: list[Any], ctx: CardContext) -> tuple[list[dict], list[str]]:
    """One suggestion per distinct missing test (same LOINC set from two rules -> one suggestion)."""
    suggestions, notes, seen = [], [], set()
    for f, key in zip(findings, unique_keys(findings)):
        if suggestion_kind(f) != "order-test":
            continue
        codes = tuple(sorted(str(c[0]) for c in (getattr(f.suggestion, "loinc", ()) or ()) if c))
        if codes in seen:
            continue
        seen.add(codes)
        suggestion, note = build_suggestion(f, ctx=ctx, kinds=("order-test",), key=key)
        if suggestion:
            suggestions.append(suggestion)
        if note:
            notes.append(note)
    return suggestions, notes


def _own_reasons(findings: list[Any]) -> list[tuple[str, str]]:
    return [r for f in findings for r in (getattr(f, "override_reasons", ()) or ())]


def _checklist_card(items: list[Any], ctx: CardContext, *, purpose: str, summary: str, title: str,
                    sections: list[dict[str, Any]], source_label: str, topic_code: str,
                    base_reasons: tuple[tuple[str, str], ...], not_checked: Sequence[str] = ()) -> dict:
    """The readiness and monitoring cards: a checklist detail, missing tests as order suggestions that may all
    be accepted ("any"), the findings' own override reasons after `base_reasons`, the findings as JSON.
    `not_checked`: sentences on what the list could not take into account, under "Not checked"."""
    suggestions, notes = _order_test_suggestions(items, ctx)
    card: dict[str, Any] = {
        "uuid": card_uuid(ctx.hook_instance, purpose),
        "summary": summary,
        "indicator": most_severe(items),
        "detail": render("checklist.md.j2", title=title, sections=sections, notes=notes, not_confirmed=NOT_CONFIRMED,
                         not_checked=list(not_checked)),
        "source": {"label": source_label, "url": ctx.source_url, "topic": topic(ctx, topic_code)},
    }
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "any"
    card["overrideReasons"] = override_reasons(ctx, base_reasons, _own_reasons(items))
    card["extension"] = {"essdai-cds": {"findings": [finding_json(f) for f in items]}}
    return card


def readiness_card(findings: Iterable[Any] | None, *, ctx: CardContext,
                   not_checked: Sequence[str] = ()) -> dict | None:
    """"Before starting a JAK inhibitor, N items need checking." (N = warning and critical findings), or
    None when there is nothing to show. `not_checked`: sentences on what the list could not take into
    account (e.g. a current order whose drug is unknown), shown under "Not checked". Never raises."""
    items = _findings(findings)
    if not items:
        return None
    return built_or_unavailable(lambda: _readiness_card(items, ctx, not_checked),
                                what="the JAK-inhibitor readiness checklist",
                                ctx=ctx, reason="its findings could not be displayed")


def _readiness_summary(critical: list[Any], to_check: list[Any], reminders: list[Any]) -> str:
    """A whole sentence; a critical finding is named in it (its own summary), the rest counted."""
    if critical:
        first = sentence(str(getattr(critical[0], "summary", "") or ""))
        others = len(to_check) - 1
        more = f" {plural(others, 'more item needs', 'more items need')} checking." if others else ""
        return fit_summary([f"{first}{more}", first,
                            f"Before starting a JAK inhibitor, {plural(len(critical), 'critical finding')} and "
                            f"{plural(len(to_check), 'item')} in all need checking."])
    if to_check:
        return fit_summary([f"Before starting a JAK inhibitor, {plural(len(to_check), 'item needs', 'items need')} "
                            "checking."])
    return fit_summary([f"Before starting a JAK inhibitor, nothing is flagged; "
                        f"{plural(len(reminders), 'reminder applies', 'reminders apply')}."])


def _readiness_card(items: list[Any], ctx: CardContext, not_checked: Sequence[str] = ()) -> dict:
    critical = [f for f in items if indicator_of(f) == "critical"]
    to_check = [f for f in items if indicator_of(f) in ("critical", "warning")]
    reminders = [f for f in items if f not in to_check]
    missing = [f for f in to_check if status_of(f) == "missing-data" and f not in critical]
    present = [f for f in to_check if f not in missing and f not in critical]
    summary = _readiness_summary(critical, to_check, reminders)
    sections = [  # a critical finding comes first, before anything else on the card
        {"heading": "Critical", "findings": [finding_view(f) for f in critical]},
        {"heading": "Baseline tests missing or out of date", "findings": [finding_view(f) for f in missing]},
        {"heading": "Contraindications and cautions present", "findings": [finding_view(f) for f in present]},
        {"heading": "Reminders", "findings": [finding_view(f) for f in reminders]},
    ]
    return _checklist_card(items, ctx, purpose="readiness", summary=summary,
                           title=f"Before starting a JAK inhibitor ({ctx.jurisdiction} label rows)",
                           sections=[s for s in sections if s["findings"]],
                           source_label="essdai-cds — JAK-inhibitor safety checklist",
                           topic_code="treatment-readiness", base_reasons=READINESS_OVERRIDE_REASONS,
                           not_checked=not_checked)


def _short_name(f: Any) -> str:
    label = str(getattr(getattr(f, "suggestion", None), "label", "") or "") if suggestion_kind(f) == "order-test" else ""
    label = re.sub(r"^(order|draft|request)\s+(an?\s+|the\s+)?", "", label.strip(), flags=re.IGNORECASE)
    if label[:2].isalpha() and label[1:2].islower():
        label = label[0].lower() + label[1:]  # "Lipid panel" -> "lipid panel"; "CBC ..." unchanged
    return label or MONITORING_SHORT_NAMES.get(str(getattr(f, "rule", "")), str(getattr(f, "rule", "")))


def monitoring_card(findings: Iterable[Any] | None, *, ctx: CardContext,
                    not_checked: Sequence[str] = ()) -> dict | None:
    """"On <drug>, lipid panel is due and CBC/LFT needs review." for a patient on a JAK inhibitor, or None when nothing
    is due. `not_checked`: as for `readiness_card`. Never raises."""
    items = _findings(findings)
    if not items:
        return None
    return built_or_unavailable(lambda: _monitoring_card(items, ctx, not_checked),
                                what="the JAK-inhibitor monitoring check",
                                ctx=ctx, reason="its findings could not be displayed")


def _monitoring_card(items: list[Any], ctx: CardContext, not_checked: Sequence[str] = ()) -> dict:
    drugs = list(dict.fromkeys(str(getattr(f, "drug", "") or "") for f in items if getattr(f, "drug", None)))
    drug = drugs[0] if len(drugs) == 1 else "a JAK inhibitor"
    # a finding with a test to order is "due"; anything else (e.g. a result that rose) is "to review"
    phrases = list(dict.fromkeys(
        (f"{_short_name(f)} is due" if suggestion_kind(f) == 'order-test' else f"review of {_short_name(f)} is due") for f in items))
    listed = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} and {phrases[-1]}"
    summary = fit_summary([f"On {drug}, {listed}.",
                           f"On {drug}, {plural(len(items), 'monitoring item is', 'monitoring items are')} "
                           "due or need review."])
    return _checklist_card(items, ctx, purpose="monitoring", summary=summary,
                           title=f"Monitoring on {drug} ({ctx.jurisdiction} label rows)",
                           sections=[{"heading": "Due or to review", "findings": [finding_view(f) for f in items]}],
                           source_label="essdai-cds — JAK-inhibitor monitoring",
                           topic_code="treatment-monitoring", base_reasons=MONITORING_OVERRIDE_REASONS,
                           not_checked=not_checked)
