"""JAK-inhibitor safety cards (order-select / order-sign) from safety.SafetyFinding objects.

One card per warning/critical finding (fired or missing-data), most severe first; every info-level
finding goes into one "Monitoring and counselling reminders" card (jak-safety-rules.md §8: bundle the
monitoring info cards). Each card carries its findings as `extension["essdai-cds"]["findings"]`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from cards.clean import clean
from cards.codings import SAFETY_OVERRIDE_REASONS, override_reasons, topic
from cards.context import CardContext
from cards.findings import (NOT_CONFIRMED, build_suggestion, finding_json, finding_view, indicator_of,
                            selection_behavior, severity_rank, status_of, suggestion_kind, unique_keys)
from cards.ids import card_uuid
from cards.render import render
from cards.text import fit_summary, plural, sentence

log = logging.getLogger("essdai_cds.cards")

REMINDERS_TITLE = "Monitoring and counselling reminders"


def safety_cards(findings: Iterable[Any], *, ctx: CardContext, draft_orders: dict[str, dict] | None = None) -> list[dict]:
    """Cards for the findings of `safety.check_order`. `draft_orders` maps an order reference
    ("MedicationRequest/103") to the draft resource as received; dose changes update it. Never raises:
    a finding whose card cannot be built still gets a minimal card with its summary and indicator."""
    cards: list[dict] = []
    reminders: list[Any] = []
    ordered = _one_update_each(sorted(list(findings or ()), key=severity_rank))
    for f, key in zip(ordered, unique_keys(ordered)):
        indicator, status = indicator_of(f), status_of(f)
        if indicator == "info":
            reminders.append(f)
        elif indicator in ("warning", "critical") and status in ("fired", "missing-data"):
            cards.append(_guarded(lambda f=f, key=key: _finding_card(f, key, ctx, draft_orders), f, ctx, key=key))
        else:
            log.error("finding of rule %s skipped: indicator %r, status %r", getattr(f, "rule", "?"), indicator, status)
    if reminders:
        cards.append(_guarded(lambda: _reminders_card(reminders, ctx, draft_orders), reminders[0], ctx, merged=True))
    return [clean(c) for c in cards]


def _one_update_each(findings: list[Any]) -> list[Any]:
    """Two cards never offer the same update: the most severe card keeps a dose change, a later card
    with the same change (same order, dose, frequency and product) says where it is offered instead."""
    seen: dict[tuple, str] = {}
    out = []
    for f in findings:
        s = getattr(f, "suggestion", None)
        if s is None or suggestion_kind(f) != "dose-change":
            out.append(f)
            continue
        key = (getattr(f, "order_reference", None), s.dose_mg, s.doses_per_day, getattr(s, "product", None))
        if key in seen:
            try:
                f = replace(f, suggestion=None,
                            message=f"{f.message} The same change is offered on the {seen[key]} card.")
            except TypeError:  # not a dataclass: keep it as it is rather than lose the card
                pass
        else:
            seen[key] = str(getattr(f, "rule", ""))
        out.append(f)
    return out


def _guarded(build, f: Any, ctx: CardContext, key: str = "", merged: bool = False) -> dict:
    try:
        return build()
    except Exception:
        log.exception("safety card for rule %s could not be built; minimal card sent", getattr(f, "rule", "?"))
        return minimal_card(f, key, ctx, merged=merged)


def minimal_card(f: Any, key: str, ctx: CardContext, merged: bool = False) -> dict:
    """The fallback card: enough for the clinician to see that the rule fired."""
    rule = str(getattr(f, "rule", "") or "?")
    if merged:
        return {"uuid": card_uuid(ctx.hook_instance, "reminders"), "summary": f"{REMINDERS_TITLE} apply.", "indicator": "info",
                "detail": "The details of these reminders could not be displayed.",
                "source": {"label": "JAK-inhibitor safety rules"}}
    indicator = indicator_of(f) if indicator_of(f) in ("critical", "warning") else "warning"
    return {"uuid": card_uuid(ctx.hook_instance, key),
            "summary": fit_summary([sentence(str(getattr(f, "summary", "") or "")),
                                    f"JAK-inhibitor safety rule {rule} fired."]),
            "indicator": indicator,
            "detail": f"The details of rule {rule} could not be displayed; check the order against the label.",
            "source": {"label": f"JAK-inhibitor safety rule {rule}"}}


def _override_reasons(findings: list[Any], ctx: CardContext) -> list[dict]:
    own = [r for f in findings for r in (getattr(f, "override_reasons", ()) or ())]
    return override_reasons(ctx, own, SAFETY_OVERRIDE_REASONS)


def _finding_card(f: Any, key: str, ctx: CardContext, draft_orders: Any) -> dict:
    view = finding_view(f)
    suggestion, note = build_suggestion(f, ctx=ctx, draft_orders=draft_orders, key=key)
    label = f"JAK-inhibitor safety rule {view['rule']}" + (f" — {view['source_label']}" if view["source_label"] else "")
    card: dict[str, Any] = {
        "uuid": card_uuid(ctx.hook_instance, key),
        # the rule's own sentence names its finding; the fixed last one stands in if it ever overflows
        "summary": fit_summary([sentence(view["summary"]),
                                f"JAK-inhibitor safety rule {view['rule']} fired; see the details."]),
        "indicator": view["indicator"],
        "detail": render("safety.md.j2", f=view, notes=[note] if note else [], not_confirmed=NOT_CONFIRMED),
        "source": {"label": label, "url": view["source_url"] or None, "topic": topic(ctx, "medication-safety")},
    }
    if suggestion:
        card["suggestions"] = [suggestion]
        card["selectionBehavior"] = "at-most-one"
    card["overrideReasons"] = _override_reasons([f], ctx)
    card["extension"] = {"essdai-cds": {"findings": [finding_json(f)]}}
    return card


def _reminders_card(findings: list[Any], ctx: CardContext, draft_orders: Any) -> dict:
    views = [finding_view(f) for f in findings]
    rules = list(dict.fromkeys(v["rule"] for v in views))
    suggestions, kinds, notes = [], [], []
    for f, key in zip(findings, unique_keys(findings)):
        suggestion, note = build_suggestion(f, ctx=ctx, draft_orders=draft_orders, key=key)
        if suggestion:
            suggestions.append(suggestion)
            kinds.append(suggestion_kind(f))
        if note:
            notes.append(note)
    card: dict[str, Any] = {
        "uuid": card_uuid(ctx.hook_instance, "reminders"),
        # one reminder: its own sentence says more than a rule id; several: the count and the rule ids
        "summary": fit_summary(([sentence(views[0]["summary"])] if len(views) == 1 else [])
                               + [f"{plural(len(views), 'monitoring and counselling reminder applies', 'monitoring and counselling reminders apply')} ({', '.join(rules)}).",
                                  f"{plural(len(views), 'monitoring and counselling reminder applies', 'monitoring and counselling reminders apply')}."]),
        "indicator": "info",
        "detail": render("reminders.md.j2", findings=views, notes=notes, not_confirmed=NOT_CONFIRMED),
        "source": {"label": f"JAK-inhibitor safety rules {', '.join(rules)}", "url": ctx.source_url,
                   "topic": topic(ctx, "medication-safety")},
    }
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = selection_behavior(suggestions, kinds)
    card["overrideReasons"] = _override_reasons(findings, ctx)
    card["extension"] = {"essdai-cds": {"findings": [finding_json(f) for f in findings]}}
    return card
