"""Configuration precedence and validation; the registry and the discovery document it produces."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from configuration import CONFIG_KEYS, ConfigError, codesystem_url, defaults, load_config
from fhir_access.registry import PrefetchKey, Registry, render, token_values

NO_AUTH = {"ESSDAI_CDS_AUTH_ENABLED": "false"}


def test_every_key_is_documented_with_its_default():
    assert [k.name for k in CONFIG_KEYS] == list(defaults())
    assert all(k.description and k.kind for k in CONFIG_KEYS)
    d = defaults()
    assert (d["AUTH_ENABLED"], d["ALLOWED_ALGORITHMS"], d["JWT_LEEWAY_S"], d["HOOK_BUDGET_S"], d["JURISDICTION"],
            d["LAB_WINDOW_DAYS"], d["VITAL_WINDOW_DAYS"], d["PRIOR_WEIGHT_DAYS"]) == (
        True, ["ES384", "RS384"], 60, 2.0, "FDA", 90, 30, 365)
    assert d["DATABASE_URL"].startswith("sqlite:///")


def test_precedence_defaults_toml_env_test_mapping(tmp_path: Path):
    toml = tmp_path / "cds.toml"
    toml.write_text('public_base_url = "https://from-file.example.org/"\nhook_budget_s = 1.5\n'
                    'jurisdiction = "EMA"\nlab_window_days = 60\n'
                    '[[trusted_issuers]]\niss = "https://ehr.example.org"\njwks_file = "/etc/jwks.json"\n')
    env = {"ESSDAI_CDS_CONFIG": str(toml), "ESSDAI_CDS_HOOK_BUDGET_S": "1.2", "ESSDAI_CDS_LAB_WINDOW_DAYS": "45",
           "ESSDAI_CDS_CORS_ORIGINS": "https://a.example.org, https://b.example.org"}
    config = load_config({"LAB_WINDOW_DAYS": 30}, environ=env)
    assert config["PUBLIC_BASE_URL"] == "https://from-file.example.org"  # file
    assert config["JURISDICTION"] == "EMA"  # file
    assert config["HOOK_BUDGET_S"] == 1.2  # env beats file
    assert config["LAB_WINDOW_DAYS"] == 30  # test mapping beats env
    assert config["CORS_ORIGINS"] == ["https://a.example.org", "https://b.example.org"]
    assert config["TRUSTED_ISSUERS"] == [{"iss": "https://ehr.example.org", "jwks_file": "/etc/jwks.json"}]
    assert config["JWT_LEEWAY_S"] == 60  # default


def test_env_json_values():
    env = {**NO_AUTH, "ESSDAI_CDS_FHIR_ALLOWLIST": '["https://fhir.example.org/r4/"]',
           "ESSDAI_CDS_TRUSTED_ISSUERS": '[{"iss": "i", "jwks_url": "https://i.example.org/jwks", '
                                         '"audience": "https://aud.example.org", "tenant": ["t1", "t2"]}]',
           "ESSDAI_CDS_ASSESSMENT_DATE": "2025-02-03", "ESSDAI_CDS_ALLOW_INSECURE_FHIR": "yes"}
    config = load_config(environ=env)
    assert config["FHIR_ALLOWLIST"] == ["https://fhir.example.org/r4"]
    assert config["TRUSTED_ISSUERS"] == [{"iss": "i", "jwks_url": "https://i.example.org/jwks",
                                          "audience": ["https://aud.example.org"], "tenant": ["t1", "t2"]}]
    assert config["ASSESSMENT_DATE"] == date(2025, 2, 3)
    assert config["ALLOW_INSECURE_FHIR"] is True


@pytest.mark.parametrize(("env", "message"), [
    pytest.param({"ESSDAI_CDS_AUTH_ENABLED": "maybe"}, "AUTH_ENABLED: expected a boolean", id="bool"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_JWT_LEEWAY_S": "-1"}, "JWT_LEEWAY_S: must not be negative", id="negative"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_HOOK_BUDGET_S": "0"}, "HOOK_BUDGET_S: must be positive", id="budget-0"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_ALLOWED_ALGORITHMS": "ES384,HS256"},
                 "ALLOWED_ALGORITHMS: only asymmetric JWS algorithms", id="hmac"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_ALLOWED_ALGORITHMS": "none"},
                 "ALLOWED_ALGORITHMS: only asymmetric JWS algorithms", id="none"),
    pytest.param({}, "PUBLIC_BASE_URL is required when AUTH_ENABLED", id="auth-without-base-url"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_FHIR_ALLOWLIST": "http://fhir.example.org/r4"},
                 "FHIR_ALLOWLIST: http://fhir.example.org/r4 must be https", id="http-fhir"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_ALLOW_INSECURE_FHIR": "true",
                  "ESSDAI_CDS_FHIR_ALLOWLIST": "http://10.1.2.3/fhir"},
                 "FHIR_ALLOWLIST: http://10.1.2.3/fhir must be https", id="http-fhir-not-loopback"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_TRUSTED_ISSUERS": '[{"iss": "a"}]'},
                 "needs exactly one of jwks_url, jwks_file", id="issuer-without-keys"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_TRUSTED_ISSUERS": '[{"iss": "a", "jwks_file": "f", "kid": "x"}]'},
                 "unknown fields ['kid']", id="issuer-unknown-field"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_TRUSTED_ISSUERS": '[{"iss": "a", "jwks_url": "http://x.example.org/j"}]'},
                 "jwks_url of 'a' must be https", id="jwks-http"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_JURISDICTION": "PMDA"}, "JURISDICTION: expected one of FDA, EMA",
                 id="jurisdiction"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_ASSESSMENT_DATE": "01/02/2025"}, "ASSESSMENT_DATE: invalid value",
                 id="date"),
    pytest.param({**NO_AUTH, "ESSDAI_CDS_PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL: expected an http(s) URL",
                 id="url"),
])
def test_invalid_config_fails_at_start(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        load_config(environ=env)


def test_unknown_toml_key_is_an_error(tmp_path: Path):
    toml = tmp_path / "c.toml"
    toml.write_text("hook_budget = 3\n")
    with pytest.raises(ConfigError, match="unknown key 'hook_budget'"):
        load_config(environ={"ESSDAI_CDS_CONFIG": str(toml)})


@pytest.mark.parametrize(("base", "system"), [
    ("http://essdai-cds.org/fhir", "http://essdai-cds.org/fhir/CodeSystem/essdai"),
    ("https://hospital.example.org/fhir/", "https://hospital.example.org/fhir/CodeSystem/essdai"),
    ("https://h.example.org/CodeSystem/essdai-local", "https://h.example.org/CodeSystem/essdai-local"),
])
def test_codesystem_url(base, system):
    assert codesystem_url(load_config({"CODESYSTEM_BASE": base}, environ=NO_AUTH)) == system


# --- registry and discovery ----------------------------------------------------------------------------------

def _noop(call):  # noqa: ANN001, ANN202
    return []


@pytest.mark.parametrize("template", [
    "Observation?patient={{context.patientId}}&date=ge{{today()}}",
    "Observation?patient={{context.patientId}}&date=ge{{today() - 90 days}}",
    "MedicationRequest/{{context.draftOrders.MedicationRequest.id}}",
    "Medication/{{context.medication.id}}",
    "Patient/{{patientId}}",
    "https://fhir.example.org/Patient/{{context.patientId}}",
    "Patient/{{context.patientId}",
])
def test_registry_refuses_non_2_0_templates(template):
    registry = Registry()
    with pytest.raises(ValueError):
        registry.service(id="x", hooks="patient-view", title="X", description="X.",
                         prefetch={"k": PrefetchKey(template)})(_noop)


def test_registry_accepts_user_tokens_and_refuses_duplicates():
    registry = Registry()
    registry.service(id="x", hooks=("order-select", "order-sign"), title="X", description="X.",
                     prefetch={"me": PrefetchKey("PractitionerRole/{{userPractitionerRoleId}}", required=False)})(_noop)
    assert registry.hooks_of("x") == ["order-select", "order-sign"]
    with pytest.raises(ValueError, match="already registered for order-sign"):
        registry.service(id="x", hooks="order-sign", title="X", description="X.")(_noop)
    with pytest.raises(ValueError, match="not a safe path segment"):
        registry.service(id="../x", hooks="patient-view", title="X", description="X.")(_noop)


@pytest.mark.parametrize(("context", "expected"), [
    pytest.param({"patientId": "p-1", "userId": "PractitionerRole/r.7", "encounterId": "e1"},
                 {"context.patientId": "p-1", "context.userId": "PractitionerRole/r.7", "context.encounterId": "e1",
                  "userPractitionerRoleId": "r.7"}, id="valid"),
    pytest.param({"patientId": "p-1", "userId": "Patient/p-1"},
                 {"context.patientId": "p-1", "context.userId": "Patient/p-1", "userPatientId": "p-1"}, id="portal"),
    pytest.param({"patientId": "../x?y=1", "userId": "Practitioner/a/b"}, {}, id="injection-left-unresolved"),
    pytest.param({"patientId": "x" * 65}, {}, id="id-too-long"),
])
def test_token_values(context, expected):
    assert token_values(context) == expected


def test_render_leaves_unresolved_templates_unrendered():
    values = {"context.patientId": "p1"}
    assert render("Patient/{{context.patientId}}", values) == "Patient/p1"
    assert render("Practitioner/{{userPractitionerId}}", values) is None


def test_discovery_shape(client):
    resp = client.get("/cds-services")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.get_json() == {"services": [
        {"hook": "patient-view", "id": "test-boom", "title": "Boom", "description": "Always fails."},
        {"hook": "order-select", "id": "test-order", "title": "Test order", "description": "Stub order service.",
         "prefetch": {"patient": "Patient/{{context.patientId}}"}},
        {"hook": "order-sign", "id": "test-order", "title": "Test order", "description": "Stub order service.",
         "prefetch": {"patient": "Patient/{{context.patientId}}"}},
        {"hook": "patient-view", "id": "test-view", "title": "Test view", "description": "Stub patient-view service.",
         "usageRequirements": "Nothing.",
         "prefetch": {"notes": "DocumentReference?patient={{context.patientId}}",
                      "observations": "Observation?patient={{context.patientId}}&code=http://loinc.org|718-7",
                      "patient": "Patient/{{context.patientId}}"}},
    ]}


def _empty_members(value, path="$"):  # noqa: ANN001, ANN202
    if value in (None, "", [], {}):
        yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _empty_members(v, f"{path}.{k}")
    if isinstance(value, list):
        for i, v in enumerate(value):
            yield from _empty_members(v, f"{path}[{i}]")


def test_real_discovery_has_no_empty_values_and_only_2_0_tokens(make_app):
    from fhir_access.registry import TOKEN_RE
    from cds_service.services import REGISTRY

    services = make_app(REGISTRY=REGISTRY).test_client().get("/cds-services").get_json()["services"]
    assert [(s["id"], s["hook"]) for s in services] == [
        ("essdai-activity", "patient-view"), ("jak-inhibitor-safety", "order-sign"),
        ("jak-inhibitor-safety-order-select", "order-select")]
    assert list(_empty_members(services)) == []
    tokens = {t for s in services for q in s["prefetch"].values() for t in TOKEN_RE.findall(q)}
    assert tokens == {"context.patientId"}
    assert all("today" not in q for s in services for q in s["prefetch"].values())
    view = services[0]["prefetch"]
    assert view["patient"] == "Patient/{{context.patientId}}"
    assert view["essdaiFindings"] == ("Observation?patient={{context.patientId}}"
                                      "&code=http://essdai-cds.org/fhir/CodeSystem/essdai|&_sort=-date&_count=500")
    assert view["observations"].startswith("Observation?patient={{context.patientId}}&code=http://loinc.org|")
    assert view["observations"].endswith("&_sort=-date&_count=100")
    assert "http://loinc.org|731-0" in view["observations"].split("&code=")[1].split("&")[0].split(",")



def test_discovery_lists_one_service_per_hook_each_answering_its_own_hook(make_app):
    """A client keys services by id (the sandbox does): two entries under one id overwrite each other."""
    from cds_service.services import REGISTRY

    client = make_app(REGISTRY=REGISTRY).test_client()
    services = client.get("/cds-services").get_json()["services"]
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids)) == 3
    assert all(isinstance(s["hook"], str) for s in services)
    hooks = {"patient-view": {"patientId": "p1", "userId": "Practitioner/u1"},
             "order-select": {"patientId": "p1", "userId": "Practitioner/u1", "selections": ["MedicationRequest/x"],
                              "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": []}},
             "order-sign": {"patientId": "p1", "userId": "Practitioner/u1",
                            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": []}}}
    for s in services:
        others = [h for h in hooks if h != s["hook"]]
        own = client.post(f"/cds-services/{s['id']}", json=_body(s["hook"], hooks[s["hook"]]))
        assert own.status_code in (200, 412), (s["id"], own.status_code)  # routed (412: no FHIR data here)
        for other in others:
            wrong = client.post(f"/cds-services/{s['id']}", json=_body(other, hooks[other]))
            expected = 200 if (s["id"], other) == ("jak-inhibitor-safety", "order-select") else 400
            assert wrong.status_code == expected, (s["id"], other, wrong.status_code)


def _body(hook: str, context: dict) -> dict:
    import uuid

    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context}
