"""SMART Backend Services (SMART App Launch 2.x, "Backend Services"): an access token for a system client.

The token endpoint comes from `<fhir base>/.well-known/smart-configuration`; the client authenticates with a
signed JWT assertion (`private_key_jwt`, RFC 7523): `iss = sub = client_id`, `aud` = the token endpoint,
`exp` at most five minutes ahead, a fresh `jti`; ES384 by default (RS384 also accepted by the spec). The token
is reused until a minute before it expires. Nothing here logs a token or an assertion.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives import serialization

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_S = 300  # the spec's maximum
REFRESH_MARGIN_S = 60
# read scopes for what the screen exports (SMART v1 `.read`; v2 servers accept them too)
DEFAULT_SCOPE = "system/*.read"


class AuthError(Exception):
    """The token endpoint could not be found or refused the client (message has no secret in it)."""


@dataclass(frozen=True)
class BackendClient:
    client_id: str
    private_key_pem: bytes
    algorithm: str = "ES384"
    key_id: str | None = None
    scope: str = DEFAULT_SCOPE

    @classmethod
    def from_files(cls, client_id: str, key_path: Path | str, *, algorithm: str = "ES384", key_id: str | None = None,
                   scope: str = DEFAULT_SCOPE) -> BackendClient:
        pem = Path(key_path).read_bytes()
        serialization.load_pem_private_key(pem, password=None)  # fail now on a bad key file, not mid-export
        return cls(client_id, pem, algorithm, key_id, scope)

    def assertion(self, token_url: str, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": token_url, "iat": issued,
                  "exp": issued + ASSERTION_LIFETIME_S, "jti": str(uuid.uuid4())}
        headers = {"kid": self.key_id} if self.key_id else None
        return jwt.encode(claims, self.private_key_pem, algorithm=self.algorithm, headers=headers)


def token_endpoint(session: requests.Session, fhir_base: str, timeout: float) -> str:
    """`token_endpoint` of the server's SMART configuration."""
    url = fhir_base.rstrip("/") + "/.well-known/smart-configuration"
    try:
        response = session.get(url, headers={"Accept": "application/json"}, timeout=timeout)
    except requests.RequestException as exc:
        raise AuthError(f"SMART configuration unreachable ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise AuthError(f"SMART configuration: HTTP {response.status_code}")
    try:
        endpoint = response.json().get("token_endpoint")
    except ValueError:
        endpoint = None
    if not isinstance(endpoint, str) or not endpoint:
        raise AuthError("SMART configuration has no token_endpoint")
    return endpoint


class TokenSource:
    """`token()` gives a valid access token, asking the token endpoint again when it is about to expire;
    `invalidate()` after a 401 forces a new one."""

    def __init__(self, session: requests.Session, client: BackendClient, token_url: str, *, timeout: float = 30):
        self._session = session
        self._client = client
        self.token_url = token_url
        self._timeout = timeout
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() >= self._expires - REFRESH_MARGIN_S:
                self._token, self._expires = self._fetch()
            return self._token

    def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", "scope": self._client.scope,
                "client_assertion_type": ASSERTION_TYPE, "client_assertion": self._client.assertion(self.token_url)}
        try:
            response = self._session.post(self.token_url, data=form, headers={"Accept": "application/json"},
                                          timeout=self._timeout)
        except requests.RequestException as exc:
            raise AuthError(f"token endpoint unreachable ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            error = body.get("error") if isinstance(body, dict) else None
            raise AuthError(f"token endpoint refused the client: HTTP {response.status_code}"
                            + (f" {error}" if isinstance(error, str) else ""))
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) and expires_in > 0 else 300.0
        return body["access_token"], time.time() + lifetime
