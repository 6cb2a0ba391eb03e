"""SMART App Launch (EHR and standalone) for the worksheet, with authlib's OAuth 2.0 client.

EHR launch: `iss` + `launch` -> `<iss>/.well-known/smart-configuration` -> authorization code with
PKCE (S256), `aud=iss`, `launch=...` -> token with `patient`. Standalone launch: the same without
`launch`, asking `launch/patient` so the authorisation server lets the user pick the patient.
Only allowlisted FHIR bases are contacted (`FhirClient.allowed_base`, FHIR_ALLOWLIST); endpoints
must be https (http only for loopback with ALLOW_INSECURE_FHIR, as for FHIR calls).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from configuration import url_allowed_scheme
from fhir_access.client import Deadline, FhirClient, FhirError
from fhir_access.registry import FHIR_ID_RE
from worksheet.errors import WorksheetProblem
from worksheet.session import LaunchState
from configuration.worksheet import WorksheetSettings

log = logging.getLogger("essdai_cds.worksheet")

JSON_TYPES = frozenset({"application/json", "application/fhir+json"})
CONFIG_MAX_BYTES = 100_000


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str


def discover(client: FhirClient, iss: str, timeout: float) -> Endpoints:
    """The authorisation and token endpoints of an allowlisted FHIR server (SMART App Launch §2.1)."""
    if not client.allowed_base(iss):
        raise WorksheetProblem("iss-not-allowed")
    url = iss.rstrip("/") + "/.well-known/smart-configuration"
    try:
        conf = client.get_json(url, headers={"Accept": "application/json"}, deadline=Deadline(timeout),
                               max_bytes=CONFIG_MAX_BYTES, accept_types=JSON_TYPES, label="smart-configuration")
    except FhirError as exc:
        log.warning("smart-configuration could not be read (%s)", type(exc).__name__)
        raise WorksheetProblem("discovery-failed") from None
    endpoints = []
    for name in ("authorization_endpoint", "token_endpoint"):
        value = conf.get(name)
        if not isinstance(value, str) or not url_allowed_scheme(value, client.settings.allow_insecure):
            raise WorksheetProblem("discovery-failed", f"{name} is missing or not https")
        endpoints.append(value)
    methods = conf.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise WorksheetProblem("no-pkce")
    return Endpoints(*endpoints)


def scope_for(settings: WorksheetSettings, standalone: bool) -> str:
    return ("launch/patient " if standalone else "launch ") + settings.scopes


def _session(settings: WorksheetSettings, redirect_uri: str, scope: str | None = None) -> OAuth2Session:
    oauth = OAuth2Session(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post" if settings.client_secret else "none",
    )
    oauth.trust_env = False  # no proxies or netrc credentials from the environment
    return oauth


def authorization_request(settings: WorksheetSettings, endpoints: Endpoints, *, iss: str, launch: str | None,
                          redirect_uri: str) -> tuple[str, LaunchState]:
    """The URL to send the browser to, and the state to keep until the callback."""
    if not settings.client_id:
        raise WorksheetProblem("not-configured")
    standalone = launch is None
    verifier = generate_token(64)  # RFC 7636: 43-128 unreserved characters
    extra: dict[str, Any] = {"aud": iss}
    if launch is not None:
        extra["launch"] = launch
    with _session(settings, redirect_uri, scope_for(settings, standalone)) as oauth:
        url, state = oauth.create_authorization_url(endpoints.authorization, code_verifier=verifier, **extra)
    return url, LaunchState(state=state, verifier=verifier, iss=iss.rstrip("/"), token_endpoint=endpoints.token,
                            redirect_uri=redirect_uri, standalone=standalone)


@dataclass(frozen=True)
class Grant:
    access_token: str
    patient: str
    expires_in: int | None
    scope: str
    context_patient: str | None = None  # the patient the card's link was for (`appContext`), when sent
    section: str | None = None  # the page section the card's link opens (`appContext`), when sent


def _context_member(app_context: object, member: str) -> str | None:
    if not isinstance(app_context, str):
        return None
    try:
        data = orjson.loads(app_context)  # depth-capped (1024), unlike json.loads
    except ValueError:
        return None
    value = data.get(member) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def context_patient(app_context: object) -> str | None:
    """The patient id in a CDS Hooks link's `appContext` (`{"patient": "<id>"}`, see links.card_link)."""
    return _context_member(app_context, "patient")


SECTIONS = frozenset({"course"})  # page anchors a card may ask for (cards.course.COURSE_ANCHOR)


def context_section(app_context: object) -> str | None:
    """The worksheet section the card's link opens (`"section": "course"`), if it is one the page has."""
    section = _context_member(app_context, "section")
    return section if section in SECTIONS else None


def exchange_code(settings: WorksheetSettings, launch: LaunchState, code: str) -> Grant:
    """Trade the authorization code (+ PKCE verifier) for a token that names the patient."""
    try:
        with _session(settings, launch.redirect_uri) as oauth:
            token = oauth.fetch_token(launch.token_endpoint, code=code, code_verifier=launch.verifier,
                                      timeout=settings.http_timeout, allow_redirects=False)
    except (AuthlibBaseError, requests.RequestException, ValueError, RecursionError) as exc:  # json.loads inside authlib
        log.warning("token request failed (%s)", type(exc).__name__)
        raise WorksheetProblem("token-failed") from None
    access_token = token.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise WorksheetProblem("token-failed")
    patient = token.get("patient")
    if not isinstance(patient, str) or not FHIR_ID_RE.match(patient):
        raise WorksheetProblem("no-patient")
    expires_in = token.get("expires_in")
    expires = int(expires_in) if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) else None
    return Grant(access_token, patient, expires, str(token.get("scope") or ""),
                 context_patient(token.get("appContext")), context_section(token.get("appContext")))
