"""The two CDS services, declared once: discovery, routing and prefetch all come from these specs.

- `essdai-activity` (patient-view): ESSDAI/ClinESSDAI/ESSPRI card, plus JAK-inhibitor readiness (eligible,
  not on a JAKi) or monitoring (on a JAKi).
- `jak-inhibitor-safety-order-select` (order-select) and `jak-inhibitor-safety` (order-sign): safety
  findings for draft JAK-inhibitor orders; other orders get `{"cards": []}` before any data is fetched.
  One id per hook in discovery (a client keys services by id: two entries under one id overwrite each
  other); `jak-inhibitor-safety` still answers order-select for registrations made before the split.

Clinical packages (fhir_mappings, scoring, safety, cards) are imported inside the handlers. Nothing
clinical is decided here: code lists come from `fhir_mappings.code_tables`, rules from `safety`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from configuration import codesystem_url, windows
from fhir_access.patient_queries import (ALLERGIES, CONDITIONS, IMMUNIZATIONS, MED_REQUESTS, MED_STATEMENTS,
                                         MEDICATION_KEYS, OBSERVATIONS, PATIENT, PATIENT_VIEW_PREFETCH, SAFETY_KEYS,
                                         SCORING_KEYS)
from fhir_access.registry import HookCall, Registry

log = logging.getLogger("essdai_cds.services")

REGISTRY = Registry()

JAK_CLASS = "jak-inhibitor"  # MedicationFact.classes member (fhir_mappings.code_tables.medications)



def _card_context(call: HookCall) -> Any:
    import cards
    from configuration.worksheet_link import card_link

    link = card_link(call.config, fhir_server=call.fhir_server, patient_id=call.patient_id) or {}
    return cards.CardContext(
        hook_instance=call.hook_instance,
        patient_id=call.patient_id,
        service_id=call.service_id,
        codesystem=codesystem_url(call.config),
        worksheet_url=link.get("url"),
        worksheet_link_type=link.get("type", "smart"),
        worksheet_app_context=link.get("appContext"),
        jurisdiction=call.config["JURISDICTION"],
        as_of=call.as_of,
    )


def _derive(call: HookCall, evaluate: Any, references: Any) -> Any:
    """facts + evaluate(facts), with the resources the result cites validated (pipeline)."""
    import pipeline

    return pipeline.derive(call.resources, evaluate, references, as_of=call.as_of, patient_id=call.patient_id,
                           windows=windows(call.config), codesystem=codesystem_url(call.config),
                           fhir_base=call.fhir_server)


def _finding_references(findings: Iterable[Any]) -> Iterator[str]:
    return (e.reference for f in findings for e in f.evidence)


def _missing(call: HookCall, keys: Iterable[str]) -> list[str]:
    return call.labels(k for k in keys if k in call.unavailable)


def _partial_card(call: HookCall, ctx: Any, what: str, keys: Iterable[str]) -> list[dict[str, Any]]:
    """A warning when pages of a key were left unread (FHIR_PAGE_CAP, or a `next` link off the server that
    is never followed): what was not read may matter, e.g. a biologic on page 11."""
    import cards

    partial = call.labels(k for k in keys if k in call.partial)
    if not partial:
        return []
    return [cards.unavailable_card(f"{what} on all data", ctx=ctx,
                                   reason=f"some pages of {', '.join(partial)} were not read "
                                          f"(page cap, or a next link off the FHIR server)")]


@REGISTRY.service(
    id="essdai-activity",
    hooks="patient-view",
    title="Sjögren's disease activity (ESSDAI) and JAK-inhibitor readiness",
    description="Computes ESSDAI, ClinESSDAI and ESSPRI from recent Observations, Conditions and clinician-entered "
                "findings; flags the ESSDAI >= 5 threshold and, for eligible patients, what is needed before "
                "starting a JAK inhibitor (or the monitoring due for patients on one).",
    usage_requirements="Needs read access to Patient, Condition, Observation, MedicationRequest and "
                       "MedicationStatement (AllergyIntolerance and Immunization optional) for the patient in "
                       "context.",
    prefetch=dict(PATIENT_VIEW_PREFETCH),
)
def essdai_activity(call: HookCall) -> list[dict[str, Any]]:
    import cards

    ctx = _card_context(call)
    missing = _missing(call, SCORING_KEYS)
    if missing:
        return [cards.unavailable_card(f"ESSDAI activity (unavailable: {', '.join(missing)})", ctx=ctx)]
    meds_missing = _missing(call, MEDICATION_KEYS)
    facts, (result, jak_kind, findings) = _derive(
        call, lambda facts: _essdai_and_jak(facts, call.config["JURISDICTION"], bool(meds_missing)),
        lambda out: (*_evidence_of(out[0]), *_finding_references(out[2])))
    if result is None:  # no Sjögren's diagnosis and no ESSDAI data: patient-view stays quiet
        return []
    out = list(cards.essdai_cards(result, ctx=ctx)) + _partial_card(call, ctx, "ESSDAI activity", SCORING_KEYS)
    if meds_missing:
        if result["eligibility"]["met"] is True:
            out.append(cards.unavailable_card(
                f"JAK-inhibitor readiness (unavailable: {', '.join(meds_missing)})", ctx=ctx))
        return out
    unknown = _unidentified_stored(facts, call.resources)
    not_checked = [cards.not_checked_line(unknown, jak_kind)] if unknown and jak_kind else []
    card = None
    if jak_kind == "monitoring":
        card = cards.monitoring_card(findings, ctx=ctx, not_checked=not_checked)
    elif jak_kind == "readiness":
        card = cards.readiness_card(findings, ctx=ctx, not_checked=not_checked)
    if card:
        out.append(card)
    elif unknown:  # no JAK card to carry the line (not eligible, nothing due): the unknown drug may be a JAKi
        out.append(cards.stored_unidentified_card(unknown, ctx=ctx))
    return out


def _unidentified_stored(facts: Any, resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """The patient's current orders / statements whose drug could not be identified (fhir_mappings counts
    only those current on the assessment date), in words: a card shows no resource ids."""
    import cards
    import fhir_mappings

    refs = dict.fromkeys(p.reference for p in facts.skipped if fhir_mappings.unidentified(p))
    by_ref = {f"{r.get('resourceType')}/{r.get('id')}": r for r in resources if isinstance(r, dict)}
    return [cards.medication_words(by_ref.get(ref)) for ref in refs]


def _essdai_and_jak(facts: Any, jurisdiction: str, meds_missing: bool) -> tuple[Any, str | None, list[Any]]:
    """(ESSDAI result or None when the service stays quiet, "monitoring" | "readiness" | None, findings)."""
    import safety
    import scoring

    if not scoring.applies(facts):
        return None, None, []
    result = scoring.assess(facts).to_json()
    if meds_missing:
        return result, None, []
    if facts.medications_of(JAK_CLASS):
        # monitoring applies to anyone on a JAK inhibitor, whatever today's ESSDAI
        return result, "monitoring", safety.monitoring(facts, jurisdiction)
    if result["eligibility"]["met"] is True:
        return result, "readiness", safety.readiness(facts, jurisdiction)
    return result, None, []


def _evidence_of(result: Any) -> Iterator[str]:
    from pipeline import evidence_references

    return evidence_references(result) if result is not None else iter(())


def _draft_orders(bundle: Mapping[str, Any] | None, fhir_base: str | None = None) -> tuple[list[Any], list[Any]]:
    import fhir_mappings

    return fhir_mappings.draft_orders(bundle, fhir_base=fhir_base)


def _selected(orders: list[Any], hook: str, context: Mapping[str, Any]) -> list[Any]:
    """order-select: guidance is about the newly selected orders only; order-sign: all drafts."""
    if hook != "order-select":
        return orders
    chosen = set(context["selections"])
    return [o for o in orders if o.reference in chosen]


def _bundle_entries(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = bundle.get("entry")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _server_medication_refs(bundle: Mapping[str, Any], hook: str, context: Mapping[str, Any]) -> bool:
    """A selected draft order names its drug by a Medication that is neither contained nor in the Bundle."""
    resources = [e["resource"] for e in _bundle_entries(bundle) if isinstance(e.get("resource"), dict)]
    present = {f"Medication/{r.get('id')}" for r in resources if r.get("resourceType") == "Medication"}
    present |= {e.get("fullUrl") for e in _bundle_entries(bundle)}
    selections = set(context["selections"]) if hook == "order-select" else set()
    for r in resources:
        if r.get("resourceType") != "MedicationRequest":
            continue
        if selections and f"MedicationRequest/{r.get('id')}" not in selections:
            continue
        med = r.get("medicationReference")
        ref = med.get("reference") if isinstance(med, dict) else None
        if isinstance(ref, str) and not ref.startswith("#") and ref not in present:
            return True
    return False


def jak_orders_present(hook: str, context: Mapping[str, Any]) -> bool:
    """Cheap relevance test: a (selected) draft order is a JAK inhibitor, or may be one once its
    Medication is read from the server."""
    import fhir_mappings

    bundle = context["draftOrders"]
    orders, skipped = _draft_orders(bundle)
    if any(JAK_CLASS in o.classes for o in _selected(orders, hook, context)):
        return True
    # a draft whose drug cannot be identified (an unknown contained or display-only Medication, a medication
    # of the wrong shape) may be a JAK inhibitor: it gets the "drug not identified" card, never silence
    chosen = set(context["selections"]) if hook == "order-select" else None
    if any(fhir_mappings.unidentified(p) and (chosen is None or p.reference in chosen) for p in skipped):
        return True
    return _server_medication_refs(bundle, hook, context)


JAK_SAFETY_ID = "jak-inhibitor-safety"  # order-sign (the id existing registrations use)
JAK_SAFETY_SELECT_ID = "jak-inhibitor-safety-order-select"


JAK_SAFETY = dict(
    description="Checks draft JAK-inhibitor orders (baricitinib, tofacitinib, upadacitinib, filgotinib) against "
                "label contraindications, laboratory thresholds, interactions and missing baseline tests.",
    usage_requirements="Needs read access to Patient, Condition, Observation, MedicationRequest and "
                       "MedicationStatement (AllergyIntolerance and Immunization optional) for the patient in "
                       "context; only draft JAK-inhibitor orders get cards.",
    prefetch={"patient": PATIENT, "conditions": CONDITIONS, "observations": OBSERVATIONS,
              "medicationRequests": MED_REQUESTS, "medicationStatements": MED_STATEMENTS,
              "allergies": ALLERGIES, "immunizations": IMMUNIZATIONS},
    relevant=jak_orders_present,
)


@REGISTRY.service(id=JAK_SAFETY_SELECT_ID, hooks="order-select",
                  title="JAK-inhibitor safety check (order selected)", **JAK_SAFETY)
@REGISTRY.service(id=JAK_SAFETY_ID, hooks="order-sign", title="JAK-inhibitor safety check (order signed)",
                  unlisted_aliases=[(JAK_SAFETY_ID, "order-select")], **JAK_SAFETY)
def jak_inhibitor_safety(call: HookCall) -> list[dict[str, Any]]:
    import cards

    ctx = _card_context(call)
    try:
        return _safety_cards(call, ctx)
    except Exception:
        # a safety check must not fail silently: say it could not be completed (contract §1.6 advice)
        log.exception("jak-inhibitor-safety failed")
        return [cards.unavailable_card("JAK-inhibitor safety check (internal error)", ctx=ctx)]


def _safety_cards(call: HookCall, ctx: Any) -> list[dict[str, Any]]:
    import cards
    import safety

    draft = dict(call.context["draftOrders"])
    fetched = [r for r in call.resources if r.get("resourceType") == "Medication"]
    if fetched:  # Medications read from the server resolve the drafts' medicationReference
        draft["entry"] = _bundle_entries(draft) + [{"resource": m} for m in fetched]
    orders, skipped = _draft_orders(draft, call.fhir_server)  # absolute references resolve on this server only
    jak = [o for o in _selected(orders, call.hook, call.context) if JAK_CLASS in o.classes]
    unknown = _unidentified_card(skipped, call, ctx)
    if not jak:
        return unknown  # a draft whose drug is unknown may be a JAK inhibitor: never a silent "no problem"
    missing = _missing(call, SAFETY_KEYS)
    if missing:
        return [cards.unavailable_card(f"JAK-inhibitor safety check (unavailable: {', '.join(missing)})", ctx=ctx)]
    jurisdiction = call.config["JURISDICTION"]
    _facts, findings = _derive(
        call, lambda facts: [f for order in jak for f in safety.check_order(order, facts, jurisdiction)],
        _finding_references)
    raw = {f"MedicationRequest/{r['id']}": r for e in _bundle_entries(draft)
           if isinstance(r := e.get("resource"), dict) and r.get("resourceType") == "MedicationRequest"
           and isinstance(r.get("id"), str)}
    return list(cards.safety_cards(findings, ctx=ctx, draft_orders=raw)) + _partial_card(
        call, ctx, "JAK-inhibitor safety check", SAFETY_KEYS) + unknown


def _unidentified_card(skipped: Iterable[Any], call: HookCall, ctx: Any) -> list[dict[str, Any]]:
    """A (selected) draft order names its drug by a Medication that is not in the order, and was not or
    could not be read from the FHIR server (one on another server is never fetched): say it was not checked."""
    import cards
    import fhir_mappings

    chosen = set(call.context["selections"]) if call.hook == "order-select" else None
    count = sum(1 for p in skipped if fhir_mappings.unidentified(p) and (chosen is None or p.reference in chosen))
    if not count:
        return []
    return [cards.draft_unidentified_card(count, ctx=ctx)]
