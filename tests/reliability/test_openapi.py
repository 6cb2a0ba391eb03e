"""The OpenAPI description is served, valid, and true: every route is in it, every operation in it is a
route, the service paths are exactly the registry's, and real responses of both services for the whole
synthetic cohort match its response schemas."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from reliability_helpers import AS_OF

from cds_service import openapi
from cds_service.cors import CORS_PATH_RE
from cds_service.services import REGISTRY

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# blueprints deliberately left out of the description, and why
UNDESCRIBED_BLUEPRINTS = {
    "worksheet": "browser pages of the SMART worksheet app, not part of the CDS Hooks HTTP interface",
}
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def concrete_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(path with every path parameter replaced by each of its enum values, METHOD)."""
    out: set[tuple[str, str]] = set()
    for path, item in spec["paths"].items():
        for method in (m for m in item if m in HTTP_METHODS):
            paths = [path]
            for param in item.get("parameters", []) + item[method].get("parameters", []):
                if param["in"] == "path":
                    values = param["schema"].get("enum") or param["schema"]["examples"]
                    paths = [p.replace("{" + param["name"] + "}", v) for p in paths for v in values]
            assert "{" not in "".join(paths), f"{method} {path}: every path parameter needs an enum or examples"
            out |= {(p, method.upper()) for p in paths}
    return out


def component(spec: dict[str, Any], name: str) -> jsonschema_rs.Validator:
    """A validator for `#/components/schemas/<name>` that resolves the document's other $refs."""
    return jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                               "components": spec["components"]})


def test_served_without_a_jwt_with_servers_from_the_config(make_app):
    client = make_app(AUTH_ENABLED=True, TRUSTED_ISSUERS=[]).test_client()
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    assert resp.get_json() == {**openapi.load_spec(), "servers": [{"url": "https://cds.example.org"}]}


def test_document_is_openapi_3_1_with_valid_schemas():
    spec = openapi.load_spec()
    assert spec["openapi"] == "3.1.0"
    for name, schema in spec["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    ops = [op for item in spec["paths"].values() for m, op in item.items() if m in HTTP_METHODS]
    ids = [op["operationId"] for op in ops]
    assert len(ids) == len(set(ids))
    for ref in set(_refs(spec)):  # every $ref points at something
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_route_is_described_and_every_operation_is_a_route(app):
    spec = openapi.load_spec()
    adapter = app.url_map.bind("cds.example.org")
    described: set[tuple[str, str]] = set()
    for path, method in concrete_operations(spec):
        rule, _ = adapter.match(path, method=method, return_rule=True)  # raises 404/405 if not a route
        described.add((rule.rule, method))
    routes: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.split(".")[0] in UNDESCRIBED_BLUEPRINTS:
            continue
        for method in rule.methods - {"HEAD"}:
            if method == "OPTIONS" and not CORS_PATH_RE.match(rule.rule):
                continue  # Flask's automatic OPTIONS; only the CORS preflights are part of the interface
            routes.add((rule.rule, method))
    assert described == routes


def test_service_paths_and_hooks_are_the_registry():
    spec = openapi.load_spec()
    services = {p.removeprefix("/cds-services/") for p in spec["paths"]
                if p.startswith("/cds-services/") and p.count("/") == 2}
    assert services == {s.id for s in REGISTRY.specs()}
    feedback = spec["paths"]["/cds-services/{service_id}/feedback"]["post"]["parameters"][0]["schema"]["enum"]
    assert sorted(feedback) == sorted(services)
    schemas = spec["components"]["schemas"]
    view_hooks = {schemas["PatientViewRequest"]["allOf"][1]["properties"]["hook"]["const"]}
    order_hooks = {v["properties"]["hook"]["const"] for v in schemas["OrderRequest"]["allOf"][1]["oneOf"]}
    assert view_hooks == set(REGISTRY.hooks_of("essdai-activity"))
    assert order_hooks == set(REGISTRY.hooks_of("jak-inhibitor-safety")) | set(
        REGISTRY.hooks_of("jak-inhibitor-safety-order-select"))


def test_discovery_health_and_errors_match_their_schemas(client):
    spec = openapi.load_spec()
    assert component(spec, "Discovery").is_valid(client.get("/cds-services").get_json())
    problem = component(spec, "OperationOutcome")
    for resp in (client.post("/cds-services/essdai-activity", data="{", content_type="application/json"),
                 client.post("/cds-services/essdai-activity", data="x", content_type="text/plain"),
                 client.post("/cds-services/essdai-activity", json={"hook": "patient-view"})):
        assert resp.status_code in (400, 415)
        assert problem.is_valid(resp.get_json())


@pytest.fixture(scope="module")
def cohort_bodies() -> list[tuple[str, dict[str, Any]]]:
    """(service id, request) for every designed synthetic patient: patient-view and order-sign."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_service
    finally:
        sys.path.remove(str(BENCHMARKS))
    from essdai_devtools.orders import baricitinib_draft, draft_orders_bundle
    from essdai_devtools.synth import generate

    cohort = generate(seed=3, today=AS_OF, large_size=400)
    out = []
    for pid, transaction in cohort.bundles.items():
        patient, resources = bench_service.resources_of(transaction)
        out.append(("essdai-activity", bench_service.hook_body("patient-view", patient, resources)))
        drafts = draft_orders_bundle(baricitinib_draft(pid, today=AS_OF))
        out.append(("jak-inhibitor-safety", bench_service.hook_body("order-sign", patient, resources, drafts)))
    return out


def test_real_cards_for_the_whole_cohort_match_the_schema(client, cohort_bodies):
    validator = component(openapi.load_spec(), "CardsResponse")
    counts = {"essdai-activity": 0, "jak-inhibitor-safety": 0}
    for service, body in cohort_bodies:
        resp = client.post(f"/cds-services/{service}", data=json.dumps(body), content_type="application/json")
        assert resp.status_code == 200, (service, body["context"]["patientId"], resp.get_data(as_text=True)[:300])
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(resp.get_json())]
        assert errors == [], (service, body["context"]["patientId"], errors[:3])
        counts[service] += len(resp.get_json()["cards"])
    assert counts["essdai-activity"] > 30 and counts["jak-inhibitor-safety"] > 30  # the schema met real cards


def test_feedback_answer_matches_its_schema(client):
    spec = openapi.load_spec()
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2025-06-01T10:00:00Z"}
    assert component(spec, "FeedbackRequest").is_valid({"feedback": [item]})
    assert component(spec, "FeedbackRequest").is_valid(item)
    resp = client.post("/cds-services/essdai-activity/feedback", json={"feedback": [item]})
    assert (resp.status_code, resp.get_json()) == (200, {"stored": 1, "duplicates": 0})
    assert component(spec, "FeedbackResult").is_valid(resp.get_json())
