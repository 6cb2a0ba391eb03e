"""The worksheet's two cookies, both sealed (`sealing.Sealer`), HttpOnly, SameSite=Lax, path /worksheet:

- `essdai_ws_launch`: a launch in progress (OAuth state, PKCE verifier, iss, token endpoint), short TTL;
- `essdai_ws`: the open worksheet (FHIR base, patient, access token, its expiry, CSRF token).

The access token never reaches page script: it lives only in the sealed HttpOnly cookie.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from flask import Request, Response

from worksheet.sealing import Sealer, Unsealed

LAUNCH_COOKIE = "essdai_ws_launch"
SESSION_COOKIE = "essdai_ws"
COOKIE_PATH = "/worksheet"


@dataclass(frozen=True)
class LaunchState:
    state: str
    verifier: str
    iss: str
    token_endpoint: str
    redirect_uri: str
    standalone: bool


@dataclass(frozen=True)
class WorksheetSession:
    mode: str  # "smart" | "open"
    iss: str
    patient: str
    expires_at: float  # epoch seconds
    csrf: str
    token: str | None = None
    scope: str = ""

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def _set(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, secure=secure, httponly=True,
                        samesite="Lax")


def clear(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, secure=secure, httponly=True, samesite="Lax")


def save_launch(response: Response, sealer: Sealer, launch: LaunchState, ttl: int, secure: bool) -> None:
    _set(response, LAUNCH_COOKIE, sealer.seal(asdict(launch)), ttl, secure)


def load_launch(request: Request, sealer: Sealer, ttl: int) -> LaunchState:
    """The launch in progress; Unsealed("expired") / Unsealed("missing") / Unsealed("invalid") otherwise."""
    raw = request.cookies.get(LAUNCH_COOKIE)
    if not raw:
        raise Unsealed("missing")
    data = sealer.unseal(raw, ttl)
    try:
        return LaunchState(**data)
    except TypeError:
        raise Unsealed("invalid") from None


def save_session(response: Response, sealer: Sealer, session: WorksheetSession, secure: bool) -> None:
    max_age = max(1, int(session.expires_at - time.time()))
    _set(response, SESSION_COOKIE, sealer.seal(asdict(session)), max_age, secure)


def load_session(request: Request, sealer: Sealer, ttl: int) -> WorksheetSession | None:
    """The current worksheet session, or None (no cookie, altered, or past its TTL or token expiry)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data: Any = sealer.unseal(raw, ttl)
        session = WorksheetSession(**data)
    except (Unsealed, TypeError):
        return None
    return None if session.expired() else session
