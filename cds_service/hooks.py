"""Discovery and service calls: thin routes over the registry (`GET /cds-services`, `POST /cds-services/<id>`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from cards.clean import clean as drop_empty
import configuration as cfg
from cds_service import access_log
from cds_service.errors import PreconditionFailed, RequestRejected
from fhir_access.client import FHIR_KEY, Deadline, FhirClient
from cds_service.hook_request import HookRequest, parse_hook_request, read_json_object
from fhir_access.gather import Gathered, gather
from fhir_access.registry import HookCall, Registry, ServiceSpec

bp = Blueprint("hooks", __name__)

REGISTRY_KEY = "essdai_cds.registry"


def current_registry() -> Registry:
    return current_app.extensions[REGISTRY_KEY]


@bp.get("/cds-services")
def discovery() -> ResponseReturnValue:
    return jsonify(current_registry().discovery(current_app.config))


@bp.post("/cds-services/<service_id>")
def call_service(service_id: str) -> ResponseReturnValue:
    registry = current_registry()
    if not registry.has_id(service_id):
        raise RequestRejected("unknown service", 404)
    req = parse_hook_request(read_json_object())
    spec = registry.find(service_id, req.hook)
    if spec is None:
        raise RequestRejected("hook is not registered for this service")
    access_log.note(service=spec.id, hook=spec.hook, hookInstance=req.hook_instance, fhirCalls=0)

    if spec.relevant is not None and not spec.relevant(req.hook, req.context):
        access_log.note(cards=0)
        return jsonify({"cards": []})

    config = current_app.config
    client: FhirClient = current_app.extensions[FHIR_KEY]
    gathered = gather(spec, context=req.context, prefetch=req.prefetch, access=req.access, config=config,
                      client=client, deadline=Deadline(config["HOOK_BUDGET_S"]))
    access_log.note(fhirCalls=gathered.fhir_calls)
    call = _hook_call(spec, req, gathered, config)

    cards = spec.handler(call)
    if not isinstance(cards, list) or not all(isinstance(c, dict) for c in cards):
        raise TypeError(f"handler of {spec.id} must return a list of card dicts")
    cards = [drop_empty(c) for c in cards]  # the contract forbids empty members whatever a handler built
    access_log.note(cards=len(cards))
    return jsonify({"cards": cards})


def _hook_call(spec: ServiceSpec, req: HookRequest, gathered: Gathered, config: Any) -> HookCall:
    """412 if a required read of the context patient gave nothing; otherwise the handler's input."""
    templates = gathered.templates
    unavailable: list[str] = []
    for key, pk in spec.prefetch.items():
        result = gathered.results[key]
        if not pk.required or result.state == "ok":
            continue
        if templates[key] == "Patient/{{context.patientId}}":
            raise PreconditionFailed(f"required prefetch '{key}' (the patient) could not be obtained")
        if result.state == "unavailable":
            unavailable.append(key)
    return HookCall(
        spec=spec,
        hook_instance=req.hook_instance,
        context=req.context,
        patient_id=req.patient_id,
        as_of=cfg.as_of(config),
        config=config,
        resources=gathered.resources(),
        unavailable=tuple(unavailable),
        partial=tuple(k for k, r in gathered.results.items() if r.partial),
        by_key={k: tuple(r.resources) for k, r in gathered.results.items()},
        fhir_server=req.access.server,
    )
