"""The worksheet's configuration keys, declared like `cds_service.config.CONFIG_KEYS` (so they can be
merged into it) and read from `app.config`, falling back to `ESSDAI_CDS_<KEY>` in the environment
until they are part of the main configuration table.

The card link itself is the existing `WORKSHEET_URL` key (the worksheet's SMART launch URL,
`<public base>/worksheet/launch`); see `cds_service.worksheet.links`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_service.config import ENV_PREFIX, ConfigError, ConfigKey, coerce

DEFAULT_SCOPES = ("patient/Patient.read patient/Condition.read patient/Observation.read "
                  "patient/MedicationRequest.read patient/MedicationStatement.read patient/Medication.read "
                  "patient/Observation.write")

WORKSHEET_CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("WORKSHEET_CLIENT_ID", None, "str",
              "OAuth client id of the worksheet at the EHR's authorization server (SMART launch). Unset: SMART "
              "launch answers with an explanatory page."),
    ConfigKey("WORKSHEET_CLIENT_SECRET", None, "str",
              "Client secret for a confidential client (client_secret_post); unset = public client (PKCE only)."),
    ConfigKey("WORKSHEET_SCOPES", DEFAULT_SCOPES, "str",
              "Scopes asked for, besides `launch` (EHR launch) or `launch/patient` (standalone launch)."),
    ConfigKey("WORKSHEET_REDIRECT_URI", None, "url",
              "OAuth redirect URI registered for the worksheet; default <PUBLIC_BASE_URL>/worksheet/callback."),
    ConfigKey("WORKSHEET_STANDALONE_ISS", None, "url",
              "FHIR base offered for a standalone launch when none is given (must be in FHIR_ALLOWLIST)."),
    ConfigKey("WORKSHEET_SECRET_KEY", None, "str",
              "Key that encrypts the worksheet's cookies and page state. Unset: one is generated once and kept in "
              "the service database, so every worker shares it."),
    ConfigKey("WORKSHEET_OPEN_ACCESS", False, "bool",
              "Demo only: open the worksheet without SMART for an allowlisted, unauthenticated FHIR server "
              "(`/worksheet/open?iss=...&patient=...`; the card link is then `absolute`). Never in production."),
    ConfigKey("WORKSHEET_LAUNCH_TTL_S", 600, "int", "Seconds a started launch (state + PKCE verifier) stays valid."),
    ConfigKey("WORKSHEET_SESSION_TTL_S", 3600, "int",
              "Longest worksheet session, seconds (also capped by the access token's expires_in)."),
    ConfigKey("WORKSHEET_FHIR_BUDGET_S", 5.0, "float",
              "Time for all FHIR reads of one worksheet page, seconds (per-call timeouts are FHIR_*_TIMEOUT_S)."),
    ConfigKey("WORKSHEET_HTTP_TIMEOUT_S", 5.0, "float",
              "Timeout of the SMART discovery, token and transaction (save) requests, seconds."),
)
_BY_NAME = {k.name: k for k in WORKSHEET_CONFIG_KEYS}


@dataclass(frozen=True)
class WorksheetSettings:
    client_id: str | None
    client_secret: str | None
    scopes: str
    redirect_uri: str | None
    standalone_iss: str | None
    secret_key: str | None
    open_access: bool
    launch_ttl: int
    session_ttl: int
    fhir_budget: float
    http_timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> WorksheetSettings:
        """Values from `config`, else `ESSDAI_CDS_<KEY>`, else the default; ConfigError on a bad value."""
        env = os.environ if environ is None else environ
        v = {name: read(name, config, env) for name in _BY_NAME}
        return cls(
            client_id=v["WORKSHEET_CLIENT_ID"],
            client_secret=v["WORKSHEET_CLIENT_SECRET"],
            scopes=v["WORKSHEET_SCOPES"] or DEFAULT_SCOPES,
            redirect_uri=v["WORKSHEET_REDIRECT_URI"],
            standalone_iss=v["WORKSHEET_STANDALONE_ISS"],
            secret_key=v["WORKSHEET_SECRET_KEY"],
            open_access=v["WORKSHEET_OPEN_ACCESS"],
            launch_ttl=v["WORKSHEET_LAUNCH_TTL_S"],
            session_ttl=v["WORKSHEET_SESSION_TTL_S"],
            fhir_budget=v["WORKSHEET_FHIR_BUDGET_S"],
            http_timeout=v["WORKSHEET_HTTP_TIMEOUT_S"],
        )


def read(name: str, config: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    key = _BY_NAME[name]
    if name in config:
        return coerce(key, config[name])
    raw = environ.get(ENV_PREFIX + name)
    if raw is not None:
        return coerce(key, raw, from_text=True)
    return key.default


__all__ = ["WORKSHEET_CONFIG_KEYS", "WorksheetSettings", "ConfigError", "DEFAULT_SCOPES"]
