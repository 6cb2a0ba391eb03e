"""The worksheet's settings, read from its keys in `configuration.CONFIG_KEYS` (`app.config`,
with `ESSDAI_CDS_<KEY>` as a fallback for apps built without `load_config`).

The card link itself is the existing `WORKSHEET_URL` key (the worksheet's SMART launch URL,
`<public base>/worksheet/launch`); see `configuration.worksheet_link`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from configuration import ENV_PREFIX, ConfigError, ConfigKey, coerce
from configuration.urls import parse_url

from configuration import DEFAULT_WORKSHEET_SCOPES as DEFAULT_SCOPES  # noqa: E402
from configuration import WORKSHEET_CONFIG_KEYS  # noqa: E402

_BY_NAME = {k.name: k for k in WORKSHEET_CONFIG_KEYS}


@dataclass(frozen=True)
class WorksheetSettings:
    client_id: str | None
    client_secret: str | None
    scopes: str
    redirect_uri: str | None
    frame_ancestors: tuple[str, ...]
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
            frame_ancestors=_origins(v["WORKSHEET_FRAME_ANCESTORS"]),
            standalone_iss=v["WORKSHEET_STANDALONE_ISS"],
            secret_key=v["WORKSHEET_SECRET_KEY"],
            open_access=v["WORKSHEET_OPEN_ACCESS"],
            launch_ttl=v["WORKSHEET_LAUNCH_TTL_S"],
            session_ttl=v["WORKSHEET_SESSION_TTL_S"],
            fhir_budget=v["WORKSHEET_FHIR_BUDGET_S"],
            http_timeout=v["WORKSHEET_HTTP_TIMEOUT_S"],
        )


def _origins(urls: list[str]) -> tuple[str, ...]:
    """CSP source expressions for frame-ancestors: bare origins only (a path or query there would be a typo)."""
    out = []
    for url in urls:
        parsed = parse_url(url)  # the config coercion already refused what does not parse
        if parsed.segments or parsed.query:
            raise ConfigError("WORKSHEET_FRAME_ANCESTORS: expected origins (scheme://host[:port]) without a path")
        out.append(url.rstrip("/"))
    return tuple(out)


def read(name: str, config: Mapping[str, Any], environ: Mapping[str, str]) -> Any:
    key = _BY_NAME[name]
    if name in config:
        return coerce(key, config[name])
    raw = environ.get(ENV_PREFIX + name)
    if raw is not None:
        return coerce(key, raw, from_text=True)
    return key.default


__all__ = ["WORKSHEET_CONFIG_KEYS", "WorksheetSettings", "ConfigError", "DEFAULT_SCOPES"]
