"""JWT matrix (contract §1.7): every refusal is 401 with exactly {"error": "unauthorized"}."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import responses
from service_helpers import (
    BASE,
    EC_KID,
    ISS_FILE,
    ISS_URL,
    JWKS_URL,
    RSA_KID,
    hook_body,
    mint,
    patient,
    public_jwk,
)

from cds_service.auth import EXTENSION_KEY as AUTH_KEY

DISCOVERY = f"{BASE}/cds-services"
SERVICE = f"{BASE}/cds-services/test-view"
FEEDBACK = f"{BASE}/cds-services/test-view/feedback"
UNAUTHORIZED = {"error": "unauthorized"}


@pytest.fixture
def jwks_file(tmp_path: Path, ec_key) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(ec_key, EC_KID, "ES384")]}))
    return path


@pytest.fixture
def auth_app(make_app, jwks_file):
    return make_app(AUTH_ENABLED=True, TRUSTED_ISSUERS=[
        {"iss": ISS_FILE, "jwks_file": str(jwks_file)},
        {"iss": ISS_URL, "jwks_url": JWKS_URL},
    ])


@pytest.fixture
def auth_client(auth_app):
    return auth_app.test_client()


@pytest.fixture
def idp(rsa_key):
    """The https JWKS of ISS_URL, served by `responses`."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, JWKS_URL, json={"keys": [public_jwk(rsa_key, RSA_KID, "RS384")]})
        yield rsps


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_es384_token_from_jwks_file(auth_client, ec_key):
    resp = auth_client.get("/cds-services", headers=bearer(mint(ec_key, aud=DISCOVERY)))
    assert resp.status_code == 200
    assert [s["id"] for s in resp.get_json()["services"]] == ["test-boom", "test-order", "test-order", "test-view"]


def test_valid_rs384_token_from_jwks_url(auth_client, rsa_key, idp):
    token = mint(rsa_key, aud=SERVICE, iss=ISS_URL, kid=RSA_KID, alg="RS384", headers={"jku": JWKS_URL})
    resp = auth_client.post("/cds-services/test-view", json=hook_body(prefetch={"patient": patient()}),
                            headers=bearer(token))
    assert resp.status_code == 200
    assert [c.request.url for c in idp.calls] == [JWKS_URL]


def test_feedback_endpoint_requires_its_own_audience(auth_client, ec_key):
    item = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2025-06-01T10:00:00Z"}
    ok = auth_client.post("/cds-services/test-view/feedback", json=item, headers=bearer(mint(ec_key, aud=FEEDBACK)))
    wrong = auth_client.post("/cds-services/test-view/feedback", json=item, headers=bearer(mint(ec_key, aud=SERVICE)))
    assert (ok.status_code, wrong.status_code) == (200, 401)


def _alg_none(ec_key) -> str:
    payload = jwt.decode(mint(ec_key, aud=DISCOVERY), options={"verify_signature": False})
    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': EC_KID})}.{b64(payload)}."


def _hs256(ec_key) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISS_FILE, "aud": DISCOVERY, "iat": now, "exp": now + 300, "jti": "h1"},
                      "shared-secret-of-at-least-32-bytes!!", algorithm="HS256", headers={"kid": EC_KID, "typ": "JWT"})


def _other_key_same_kid(ec_key) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    return mint(ec.generate_private_key(ec.SECP384R1()), aud=DISCOVERY)


def _es256() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    return mint(ec.generate_private_key(ec.SECP256R1()), aud=DISCOVERY, alg="ES256")


def tok(**claims: Any):  # noqa: ANN201
    """Authorization header factory; a claim named `<x>_in` becomes `<x>` = now + seconds, at minting time."""
    def make(key: Any) -> str:
        now = int(time.time())
        resolved = {(n[:-3] if n.endswith("_in") else n): (now + v if n.endswith("_in") else v)
                    for n, v in claims.items()}
        return "Bearer " + mint(key, **{"aud": DISCOVERY, **resolved})
    return make


# (case, reason code in the server log, Authorization header factory)
REFUSED = [
    ("no-header", "no-bearer", lambda k: None),
    ("not-bearer", "no-bearer", lambda k: "Basic dXNlcjpwYXNz"),
    ("garbage", "malformed", lambda k: "Bearer not.a.jwt"),
    ("alg-none", "alg", lambda k: f"Bearer {_alg_none(k)}"),
    ("hs256", "alg", lambda k: f"Bearer {_hs256(k)}"),
    ("wrong-aud", "claims:InvalidAudienceError", tok(aud="https://other.example.org/cds-services")),
    ("aud-of-another-endpoint", "claims:InvalidAudienceError", tok(aud=SERVICE)),
    ("expired", "claims:ExpiredSignatureError", tok(exp_in=-120)),
    ("future-nbf", "claims:ImmatureSignatureError", tok(nbf_in=600)),
    ("future-iat", "claims:ImmatureSignatureError", tok(iat_in=600)),
    ("no-exp", "claims:MissingRequiredClaimError", tok(drop=("exp",))),
    ("no-iat", "claims:MissingRequiredClaimError", tok(drop=("iat",))),
    ("no-jti", "claims:MissingRequiredClaimError", tok(drop=("jti",))),
    ("lifetime-over-1h", "lifetime", tok(exp_in=7200)),
    ("untrusted-iss", "iss-untrusted", tok(iss="https://sandbox.cds-hooks.org")),
    ("missing-kid", "kid-missing", tok(kid=None)),
    ("unknown-kid", "kid-unknown", tok(kid="nope")),
    ("typ-not-jwt", "typ", tok(headers={"typ": "at+jwt"})),
    ("foreign-jku", "jku-foreign", tok(headers={"jku": "https://evil.example.net/jwks"})),
    ("bad-signature", "claims:InvalidSignatureError", lambda k: f"Bearer {_other_key_same_kid(k)}"),
    ("es256-not-allowed", "alg", lambda k: f"Bearer {_es256()}"),
]


@pytest.mark.parametrize(("reason", "make_header"), [pytest.param(r, f, id=i) for i, r, f in REFUSED])
def test_refused_tokens_get_401_without_detail(auth_client, ec_key, reason, make_header, caplog):
    caplog.set_level("INFO", logger="essdai_cds.auth")
    header = make_header(ec_key)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:  # any outbound call would show here
        resp = auth_client.get("/cds-services", headers={"Authorization": header} if header else {})
        assert len(rsps.calls) == 0
    assert resp.status_code == 401
    assert resp.get_json() == UNAUTHORIZED
    assert resp.headers["Content-Type"] == "application/json"
    # the server log says why (reason code only); the client learns nothing
    assert [r.getMessage().split(" iss=")[0] for r in caplog.records if r.name == "essdai_cds.auth"] == [
        f"jwt rejected: reason={reason}"]


@pytest.mark.parametrize(("exp_offset", "nbf_offset", "status"), [
    pytest.param(-30, None, 200, id="expired-30s-inside-60s-leeway"),
    pytest.param(-90, None, 401, id="expired-90s-outside-leeway"),
    pytest.param(300, 30, 200, id="nbf-30s-ahead-inside-leeway"),
    pytest.param(300, 90, 401, id="nbf-90s-ahead-outside-leeway"),
])
def test_leeway_edges(auth_app, auth_client, ec_key, exp_offset, nbf_offset, status):
    now = int(time.time())
    # the tokens are issued 200 s ago: the store must be older (its replay list refuses tokens issued before it)
    auth_app.extensions["essdai_cds.storage"].created_at = now - 300
    claims: dict[str, Any] = {"exp": now + exp_offset, "iat": now - 200}
    if nbf_offset is not None:
        claims["nbf"] = now + nbf_offset
    resp = auth_client.get("/cds-services", headers=bearer(mint(ec_key, aud=DISCOVERY, **claims)))
    assert resp.status_code == status


def test_replayed_jti_is_refused(auth_client, ec_key):
    token = mint(ec_key, aud=DISCOVERY)
    first = auth_client.get("/cds-services", headers=bearer(token))
    second = auth_client.get("/cds-services", headers=bearer(token))
    assert (first.status_code, second.status_code) == (200, 401)
    assert second.get_json() == UNAUTHORIZED


def test_same_jti_from_two_issuers_is_not_a_replay(auth_client, ec_key, rsa_key, idp):
    a = mint(ec_key, aud=DISCOVERY, jti="shared")
    b = mint(rsa_key, aud=DISCOVERY, iss=ISS_URL, kid=RSA_KID, alg="RS384", jti="shared")
    assert auth_client.get("/cds-services", headers=bearer(a)).status_code == 200
    assert auth_client.get("/cds-services", headers=bearer(b)).status_code == 200


def test_unknown_kid_refetches_jwks_at_most_once_per_interval(auth_app, rsa_key):
    from cryptography.hazmat.primitives.asymmetric import rsa

    client = auth_app.test_client()
    cache = auth_app.extensions[AUTH_KEY].jwks
    now = [1000.0]
    cache._clock = lambda: now[0]
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token(key, kid):  # noqa: ANN001
        return bearer(mint(key, aud=DISCOVERY, iss=ISS_URL, kid=kid, alg="RS384"))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, JWKS_URL, json={"keys": [public_jwk(rsa_key, RSA_KID, "RS384")]})
        assert client.get("/cds-services", headers=token(rsa_key, RSA_KID)).status_code == 200
        assert len(rsps.calls) == 1
        # the issuer rotates its key; the new kid arrives 10 s later: no refetch yet (rate limit)
        rsps.replace(responses.GET, JWKS_URL, json={"keys": [public_jwk(rsa_key, RSA_KID, "RS384"),
                                                             public_jwk(new_key, "rsa-key-2", "RS384")]})
        now[0] += 10
        assert client.get("/cds-services", headers=token(new_key, "rsa-key-2")).status_code == 401
        assert len(rsps.calls) == 1
        # after the interval: one refetch finds the new key
        now[0] += 60
        assert client.get("/cds-services", headers=token(new_key, "rsa-key-2")).status_code == 200
        assert len(rsps.calls) == 2
        # a kid that does not exist right after: refused without another fetch
        now[0] += 1
        assert client.get("/cds-services", headers=token(new_key, "rsa-key-3")).status_code == 401
        assert len(rsps.calls) == 2
        # known kids keep working from the cache
        assert client.get("/cds-services", headers=token(rsa_key, RSA_KID)).status_code == 200
        assert len(rsps.calls) == 2


def test_file_issuer_may_declare_the_jku_its_tokens_carry(make_app, jwks_file, ec_key):
    sandbox_jku = "https://sandbox.example.org/.well-known/jwks.json"
    client = make_app(AUTH_ENABLED=True, TRUSTED_ISSUERS=[
        {"iss": ISS_FILE, "jwks_file": str(jwks_file), "jku": sandbox_jku}]).test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        ok = client.get("/cds-services", headers=bearer(mint(ec_key, aud=DISCOVERY, headers={"jku": sandbox_jku})))
        other = client.get("/cds-services", headers=bearer(mint(ec_key, aud=DISCOVERY, headers={
            "jku": "https://evil.example.net/jwks.json"})))
        assert len(rsps.calls) == 0  # keys come from the file; the jku is compared, never fetched
    assert (ok.status_code, other.status_code) == (200, 401)


def test_untrusted_issuer_jwks_is_never_fetched(auth_client, ec_key):
    token = mint(ec_key, aud=DISCOVERY, iss="https://attacker.example.net",
                 headers={"jku": "https://attacker.example.net/jwks.json"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        assert auth_client.get("/cds-services", headers=bearer(token)).status_code == 401
        assert len(rsps.calls) == 0


def test_issuer_audience_override_and_tenant(make_app, jwks_file, ec_key):
    app = make_app(AUTH_ENABLED=True, TRUSTED_ISSUERS=[{
        "iss": ISS_FILE, "jwks_file": str(jwks_file), "audience": "https://epic-configured.example.org/cds",
        "tenant": "org-1"}])
    client = app.test_client()
    aud = "https://epic-configured.example.org/cds/cds-services"
    assert client.get("/cds-services", headers=bearer(mint(ec_key, aud=aud, tenant="org-1"))).status_code == 200
    assert client.get("/cds-services", headers=bearer(mint(ec_key, aud=aud, tenant="org-2"))).status_code == 401
    assert client.get("/cds-services", headers=bearer(mint(ec_key, aud=aud))).status_code == 401
    assert client.get("/cds-services", headers=bearer(mint(ec_key, aud=DISCOVERY, tenant="org-1"))).status_code == 401


def test_aud_may_be_a_list(auth_client, ec_key):
    token = mint(ec_key, aud=["https://someone.else/x", DISCOVERY])
    assert auth_client.get("/cds-services", headers=bearer(token)).status_code == 200


def test_jwks_with_private_key_material_is_not_trusted(make_app, tmp_path, ec_key):
    import json as _json

    leaked = _json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key))
    leaked.update(kid=EC_KID, alg="ES384")
    path = tmp_path / "leaky.json"
    path.write_text(_json.dumps({"keys": [leaked]}))
    client = make_app(AUTH_ENABLED=True, TRUSTED_ISSUERS=[{"iss": ISS_FILE, "jwks_file": str(path)}]).test_client()
    assert client.get("/cds-services", headers=bearer(mint(ec_key, aud=DISCOVERY))).status_code == 401


def test_open_endpoints_need_no_token(auth_client):
    assert auth_client.get("/healthz").status_code == 200
    assert auth_client.open("/cds-services/test-view", method="OPTIONS").status_code == 204


def test_unknown_service_answers_401_before_404(auth_client, ec_key):
    assert auth_client.post("/cds-services/nope", json={}).status_code == 401
    token = mint(ec_key, aud=f"{BASE}/cds-services/nope")
    assert auth_client.post("/cds-services/nope", json={}, headers=bearer(token)).status_code == 404


def test_tokens_never_reach_logs(auth_client, ec_key, caplog):
    caplog.set_level("DEBUG")
    good = mint(ec_key, aud=DISCOVERY)
    bad = mint(ec_key, aud="https://wrong.example.org/cds-services")
    auth_client.get("/cds-services", headers=bearer(good))
    auth_client.get("/cds-services", headers=bearer(bad))
    text = caplog.text
    assert "jwt rejected: reason=claims:InvalidAudienceError iss=https://ehr.example.org" in text
    for token in (good, bad):
        assert token not in text
        assert token.split(".")[2] not in text


def test_disabled_auth_logs_a_warning_at_every_start(make_app, caplog):
    caplog.set_level("WARNING", logger="essdai_cds")
    make_app(AUTH_ENABLED=False)
    make_app(AUTH_ENABLED=False)
    warnings = [r for r in caplog.records if "AUTH_ENABLED is false" in r.getMessage()]
    assert len(warnings) == 2
