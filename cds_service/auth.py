"""CDS client authentication: a JWT bearer on discovery, service and feedback calls (CDS Hooks 2.0 §1.7).

Checks, in order: Bearer header -> JOSE header (`alg` allowed and asymmetric, `typ` JWT, `kid`
present) -> `iss` is a TRUSTED_ISSUERS entry -> a `jku` header, if any, is exactly that issuer's
configured `jku` / `jwks_url` (a header URL is never fetched) -> key `kid` from the issuer's JWKS (cached; an unknown
kid refetches at most once per JWKS_REFETCH_MIN_INTERVAL_S) -> signature, `aud` (PUBLIC_BASE_URL or the
issuer's audience override, + request path), `exp`/`iat` required, `nbf` honoured, leeway -> lifetime
cap -> `tenant` if configured -> `jti` not seen before (kept in the database until exp + leeway).

Any failure answers 401 `{"error": "unauthorized"}`. The log line names a reason code and, for a
trusted issuer, the `iss`; never the token.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from flask import Flask, Response, current_app, g, request

from cds_service.errors import error_response
from fhir_access.client import Deadline, FhirClient, FhirError
from storage import get_storage

log = logging.getLogger("essdai_cds.auth")

EXTENSION_KEY = "essdai_cds.auth"
PROTECTED_BLUEPRINTS = frozenset({"hooks", "feedback"})
JWKS_MAX_BYTES = 200_000
JWKS_TYPES = frozenset({"application/json", "application/jwk-set+json"})
# EC curve each ES algorithm must use (RFC 7518 §3.4)
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


@functools.lru_cache(maxsize=64)
def _parsed_key(jwk_json: str, alg: str) -> Any:
    """The public key object of a JWK (parsed once per key: the JWKS rarely changes)."""
    return jwt.PyJWK(json.loads(jwk_json), algorithm=alg).key


class AuthFailed(Exception):
    def __init__(self, reason: str, iss: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.iss = iss


@dataclass
class _JwksEntry:
    keys: dict[str, dict[str, Any]]
    fetched_at: float


class JwksCache:
    """Per-issuer JWK sets; a refetch happens at most once per `min_interval` seconds per issuer."""

    def __init__(self, client: FhirClient, min_interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._min_interval = min_interval
        self._clock = clock
        self._entries: dict[str, _JwksEntry] = {}
        self._lock = threading.Lock()
        self.fetches = 0  # for tests and metrics

    def key(self, issuer: Mapping[str, Any], kid: str) -> dict[str, Any] | None:
        iss = issuer["iss"]
        with self._lock:
            entry = self._entries.get(iss)
            if entry is not None and kid in entry.keys:
                return entry.keys[kid]
            if entry is not None and self._clock() - entry.fetched_at < self._min_interval:
                return None  # unknown kid, refetched too recently
            keys = self._load(issuer)
            if keys is None and entry is not None:
                keys = entry.keys  # keep the last good set when a refetch fails
            self._entries[iss] = _JwksEntry(keys or {}, self._clock())
            return self._entries[iss].keys.get(kid)

    def _load(self, issuer: Mapping[str, Any]) -> dict[str, dict[str, Any]] | None:
        self.fetches += 1
        try:
            if "jwks_file" in issuer:
                with open(issuer["jwks_file"], encoding="utf-8") as fh:
                    data = json.load(fh)
            else:
                settings = self._client.settings
                data = self._client.get_json(
                    issuer["jwks_url"], headers={"Accept": "application/json"},
                    deadline=Deadline(settings.connect_timeout + settings.read_timeout),
                    max_bytes=JWKS_MAX_BYTES, accept_types=JWKS_TYPES, label="jwks")
        except (OSError, ValueError, FhirError) as exc:
            log.warning("JWKS of issuer %s could not be loaded (%s)", issuer["iss"], type(exc).__name__)
            return None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list):
            log.warning("JWKS of issuer %s has no keys list", issuer["iss"])
            return None
        return {k["kid"]: k for k in keys if isinstance(k, dict) and isinstance(k.get("kid"), str)}


class Authenticator:
    def __init__(self, config: Mapping[str, Any], client: FhirClient) -> None:
        self.issuers = {i["iss"]: i for i in config["TRUSTED_ISSUERS"]}
        self.algorithms = frozenset(config["ALLOWED_ALGORITHMS"])
        self.leeway = config["JWT_LEEWAY_S"]
        self.max_lifetime = config["JWT_MAX_LIFETIME_S"]
        self.base_url = (config["PUBLIC_BASE_URL"] or "").rstrip("/")
        self.jwks = JwksCache(client, config["JWKS_REFETCH_MIN_INTERVAL_S"])

    def verify(self, authorization: str | None, path: str) -> dict[str, Any]:
        """Claims of a valid token for an endpoint at `path`; AuthFailed otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthFailed("no-bearer")
        try:  # header and claims from one parse (PyJWT checks the base64url per character, in Python)
            parsed = jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthFailed("malformed") from None
        header, unverified = parsed["header"], parsed["payload"]
        if not isinstance(header, dict) or not isinstance(unverified, dict):
            raise AuthFailed("malformed")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise AuthFailed("alg")
        if not isinstance(header.get("typ"), str) or header["typ"].upper() != "JWT":
            raise AuthFailed("typ")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthFailed("kid-missing")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise AuthFailed("iss-untrusted")
        if "jku" in header and header["jku"] != issuer.get("jku", issuer.get("jwks_url")):
            raise AuthFailed("jku-foreign", iss)
        if alg not in issuer.get("algorithms", self.algorithms):
            raise AuthFailed("alg", iss)
        jwk = self.jwks.key(issuer, kid)
        if jwk is None:
            raise AuthFailed("kid-unknown", iss)
        key = self._public_key(jwk, alg, iss)
        audiences = [f"{base}{path}" for base in issuer.get("audience", [self.base_url])]
        try:
            claims = jwt.decode(
                token, key, algorithms=[alg], audience=audiences, issuer=iss, leeway=self.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthFailed(f"claims:{type(exc).__name__}", iss) from None
        self._check_claims(claims, issuer, iss)
        if not get_storage().remember_jti(iss, claims["jti"], int(claims["exp"]) + self.leeway, int(time.time()),
                                           issued_at=int(claims["iat"])):
            raise AuthFailed("jti-replayed", iss)
        return claims

    def _public_key(self, jwk: Mapping[str, Any], alg: str, iss: str) -> Any:
        if jwk.get("use") not in (None, "sig") or jwk.get("alg") not in (None, alg):
            raise AuthFailed("key-mismatch", iss)
        if alg.startswith("ES") and (jwk.get("kty") != "EC" or jwk.get("crv") != EC_CURVES[alg]):
            raise AuthFailed("key-mismatch", iss)
        if alg[:2] in ("RS", "PS") and jwk.get("kty") != "RSA":
            raise AuthFailed("key-mismatch", iss)
        if any(name in jwk for name in ("d", "p", "q")):
            raise AuthFailed("key-mismatch", iss)  # a private key published in a JWKS is not trusted
        try:
            return _parsed_key(json.dumps(jwk, sort_keys=True), alg)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise AuthFailed("key-invalid", iss) from None

    def _check_claims(self, claims: Mapping[str, Any], issuer: Mapping[str, Any], iss: str) -> None:
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 255:
            raise AuthFailed("jti-invalid", iss)
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
            raise AuthFailed("exp-iat-invalid", iss)
        if iat > time.time() + self.leeway:
            raise AuthFailed("iat-future", iss)
        if exp - iat > self.max_lifetime:
            raise AuthFailed("lifetime", iss)
        tenants = issuer.get("tenant")
        if tenants is not None and claims.get("tenant") not in tenants:
            raise AuthFailed("tenant", iss)


def init_app(app: Flask, client: FhirClient) -> None:
    if not app.config["AUTH_ENABLED"]:
        log.warning("AUTH_ENABLED is false: CDS client JWTs are NOT verified (development only)")
        return
    if not app.config["TRUSTED_ISSUERS"]:
        log.warning("TRUSTED_ISSUERS is empty: every authenticated call will be refused")
    app.extensions[EXTENSION_KEY] = Authenticator(app.config, client)

    @app.before_request
    def _require_jwt() -> Response | None:
        if request.method == "OPTIONS" or request.blueprint not in PROTECTED_BLUEPRINTS:
            return None
        auth: Authenticator = current_app.extensions[EXTENSION_KEY]
        try:
            claims = auth.verify(request.headers.get("Authorization"), request.path)
        except AuthFailed as exc:
            log.info("jwt rejected: reason=%s iss=%s", exc.reason, exc.iss or "-")
            return error_response(401)
        g.jwt_iss = claims["iss"]
        return None
