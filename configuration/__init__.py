"""Service configuration: every key once, with its default, type and meaning (`CONFIG_KEYS`).

Precedence, lowest first: the defaults below -> an optional TOML file (`ESSDAI_CDS_CONFIG=path`,
top-level keys in any case, e.g. `public_base_url = "..."`, `[[trusted_issuers]]`) -> environment
variables `ESSDAI_CDS_<KEY>` -> the test mapping given to `create_app`.

Environment values are strings: booleans accept true/false/1/0/yes/no/on/off, lists accept a JSON
array or a comma-separated string, TRUSTED_ISSUERS takes a JSON array. An invalid value raises
`ConfigError` at start-up (never at request time). `CONFIG_KEYS` is data so the README can render it.
Clinical windows default to `fhir_mappings.facts.Windows`, so their numbers live in one place.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from configuration.urls import UnusableUrl, parse_url

from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from fhir_mappings.facts import Windows

ENV_PREFIX = "ESSDAI_CDS_"
CONFIG_FILE_ENV = "ESSDAI_CDS_CONFIG"

# JWS algorithms a CDS client may use. HMAC and "none" are forbidden by CDS Hooks 2.0 §"Trusting CDS
# Clients"; ES384/RS384 are the spec's recommendation (cds-hooks-contract.md §1.7).
ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
JURISDICTIONS = ("FDA", "EMA")
_ISSUER_FIELDS = frozenset({"iss", "jwks_url", "jwks_file", "jku", "audience", "tenant", "algorithms"})
_DEFAULT_WINDOWS = Windows()


class ConfigError(ValueError):
    """A configuration value is missing or invalid; raised at start-up."""


@dataclass(frozen=True)
class ConfigKey:
    name: str
    default: Any
    kind: str  # str | url | bool | int | float | list | url-list | issuers | algorithms | date | jurisdiction
    description: str


# The clinician worksheet (worksheet): SMART client and session settings.
DEFAULT_WORKSHEET_SCOPES = ("patient/Patient.read patient/Condition.read patient/Observation.read "
                  "patient/MedicationRequest.read patient/MedicationStatement.read patient/Medication.read "
                  "patient/Observation.write")

WORKSHEET_CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("WORKSHEET_CLIENT_ID", None, "str",
              "OAuth client id of the worksheet at the EHR's authorization server (SMART launch). Unset: SMART "
              "launch answers with an explanatory page."),
    ConfigKey("WORKSHEET_CLIENT_SECRET", None, "str",
              "Client secret for a confidential client (client_secret_post); unset = public client (PKCE only)."),
    ConfigKey("WORKSHEET_SCOPES", DEFAULT_WORKSHEET_SCOPES, "str",
              "Scopes asked for, besides `launch` (EHR launch) or `launch/patient` (standalone launch)."),
    ConfigKey("WORKSHEET_REDIRECT_URI", None, "url",
              "OAuth redirect URI registered for the worksheet; default <PUBLIC_BASE_URL>/worksheet/callback "
              "(never taken from the Host header: with neither set, SMART launch answers 503 not-configured)."),
    ConfigKey("WORKSHEET_FRAME_ANCESTORS", [], "url-list",
              "Origins (scheme://host[:port]) of the EHRs that may embed the worksheet in a frame (CSP "
              "`frame-ancestors`); empty: no page may frame it (`frame-ancestors 'none'`)."),
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
CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("PUBLIC_BASE_URL", None, "url",
              "External base URL of this service (scheme://host[:port][/prefix]); the JWT `aud` is this + the "
              "request path. Required when AUTH_ENABLED."),
    ConfigKey("AUTH_ENABLED", True, "bool",
              "Require a CDS client JWT on discovery, service and feedback calls. false logs a warning at start."),
    ConfigKey("TRUSTED_ISSUERS", [], "issuers",
              "JSON list of {iss, jwks_url | jwks_file, jku?, audience?, tenant?, algorithms?}: the only accepted "
              "`iss` values and where their keys come from. A token's `jku` header must equal `jku` (default: "
              "jwks_url) and is never fetched; `jku` lets a jwks_file issuer (offline sandbox keys) keep its jku. "
              "`audience` replaces PUBLIC_BASE_URL for that issuer."),
    ConfigKey("ALLOWED_ALGORITHMS", ["ES384", "RS384"], "algorithms",
              "Accepted JWS `alg` values (asymmetric only; none/HS* are refused at start)."),
    ConfigKey("JWT_LEEWAY_S", 60, "int", "Clock-skew leeway for exp/nbf/iat, seconds."),
    ConfigKey("JWT_MAX_LIFETIME_S", 3600, "int",
              "Longest accepted exp - iat; the spec's best practice keeps jti 'no more than an hour'."),
    ConfigKey("JWKS_REFETCH_MIN_INTERVAL_S", 60, "int",
              "Minimum seconds between two fetches of one issuer's JWKS (an unknown kid triggers a refetch)."),
    ConfigKey("CORS_ORIGINS", [], "url-list", "Browser origins that get Access-Control-Allow-Origin (reflected)."),
    ConfigKey("FHIR_ALLOWLIST", [], "url-list",
              "FHIR base URLs this service may call (the request's fhirServer must equal one of them)."),
    ConfigKey("ALLOW_INSECURE_FHIR", False, "bool",
              "Development only: allow http:// FHIR/JWKS URLs, and only for loopback hosts."),
    ConfigKey("FHIR_CONNECT_TIMEOUT_S", 0.5, "float", "Connect timeout of one FHIR call, seconds."),
    ConfigKey("FHIR_READ_TIMEOUT_S", 1.0, "float", "Read timeout of one FHIR call, seconds."),
    ConfigKey("HOOK_BUDGET_S", 2.0, "float",
              "Overall time for all FHIR calls of one hook call (parallel fetches share it), seconds."),
    ConfigKey("FHIR_PAGE_CAP", 10, "int", "Most Bundle pages read per prefetch key (first page included)."),
    ConfigKey("FHIR_MAX_BYTES", 5_000_000, "int", "Largest accepted FHIR response body, bytes."),
    ConfigKey("FHIR_BATCH", True, "bool",
              "Read the first pages of the searches a call fetches (and Medications by reference) in one FHIR "
              "batch (POST [base], Bundle type batch); a server that refuses or times out on it is read key by "
              "key for 10 minutes. false: always key by key."),
    ConfigKey("MAX_REQUEST_BYTES", 5_000_000, "int", "Largest accepted request body, bytes (413 above)."),
    ConfigKey("DATABASE_URL", "sqlite:///essdai-cds.db", "str",
              "SQLAlchemy URL for feedback and JWT replay (jti) storage; default: SQLite file in the working dir."),
    ConfigKey("DATABASE_POOL_SIZE", 5, "int",
              "Pooled database connections kept per worker process (server databases; SQLite ignores it)."),
    ConfigKey("DATABASE_MAX_OVERFLOW", 5, "int",
              "Extra connections a worker may open at peaks beyond DATABASE_POOL_SIZE (closed when returned)."),
    ConfigKey("DATABASE_POOL_TIMEOUT_S", 2.0, "float",
              "Longest wait for a pooled connection, seconds; then the call fails cleanly instead of hanging."),
    ConfigKey("DATABASE_CREATE_TABLES", True, "bool",
              "Create missing tables at start (safe when many processes start at once). false: the schema comes "
              "from the one-shot `essdai-cds db upgrade` step and a start without it fails."),
    ConfigKey("JURISDICTION", "FDA", "jurisdiction", "Label set used by the JAK-inhibitor rules: FDA or EMA."),
    ConfigKey("CODESYSTEM_BASE", DEFAULT_SYSTEM.rsplit("/CodeSystem/", 1)[0], "url",
              "Canonical base of the project CodeSystem; the system is <base>/CodeSystem/essdai (a value that "
              "already contains /CodeSystem/ is used as the full system URL)."),
    ConfigKey("LAB_WINDOW_DAYS", _DEFAULT_WINDOWS.labs, "int", "Look-back for laboratory results, days."),
    ConfigKey("VITAL_WINDOW_DAYS", _DEFAULT_WINDOWS.vitals, "int", "Look-back for vital signs, days."),
    ConfigKey("PRIOR_WEIGHT_DAYS", _DEFAULT_WINDOWS.prior_weights, "int",
              "Look-back for the earlier weight used for weight loss, days."),
    ConfigKey("CLINICIAN_WINDOW_DAYS", _DEFAULT_WINDOWS.clinician, "int",
              "Look-back for clinician-entered findings and domain ratings, days."),
    ConfigKey("ASSESSMENT_DATE", None, "date", "Fixed assessment date YYYY-MM-DD (tests, demo); default: today."),
    ConfigKey("WORKSHEET_URL", None, "url",
              "SMART launch URL of the ESSDAI worksheet linked from cards; default <PUBLIC_BASE_URL>/worksheet/launch "
              "when WORKSHEET_CLIENT_ID or WORKSHEET_OPEN_ACCESS is set, else no link."),
    ConfigKey("LOG_LEVEL", "INFO", "str", "Level of the essdai_cds loggers (DEBUG, INFO, WARNING, ...)."),
    *WORKSHEET_CONFIG_KEYS,
)

KEYS_BY_NAME: dict[str, ConfigKey] = {k.name: k for k in CONFIG_KEYS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def defaults() -> dict[str, Any]:
    return {k.name: _copy(k.default) for k in CONFIG_KEYS}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def load_config(test_config: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults -> TOML file -> environment -> test mapping; every known key validated.

    Keys of `test_config` that are not config keys (e.g. `REGISTRY`, `TESTING`) pass through unchanged.
    """
    env = os.environ if environ is None else environ
    config = defaults()
    path = env.get(CONFIG_FILE_ENV)
    if path:
        config.update(_from_toml(path))
    for key in CONFIG_KEYS:
        raw = env.get(ENV_PREFIX + key.name)
        if raw is not None:
            config[key.name] = coerce(key, raw, from_text=True)
    extra: dict[str, Any] = {}
    for name, value in (test_config or {}).items():
        if name in KEYS_BY_NAME:
            config[name] = coerce(KEYS_BY_NAME[name], value)
        else:
            extra[name] = value
    if not config["WORKSHEET_URL"] and config["PUBLIC_BASE_URL"] and (
            config["WORKSHEET_CLIENT_ID"] or config["WORKSHEET_OPEN_ACCESS"]):
        config["WORKSHEET_URL"] = config["PUBLIC_BASE_URL"].rstrip("/") + "/worksheet/launch"
    validate(config)
    config.update(extra)
    return config


def _from_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    out: dict[str, Any] = {}
    for name, value in data.items():
        key = KEYS_BY_NAME.get(name.upper())
        if key is None:
            raise ConfigError(f"unknown key {name!r} in config file {path}")
        out[key.name] = coerce(key, value)
    return out


def coerce(key: ConfigKey, value: Any, *, from_text: bool = False) -> Any:
    """Turn a TOML/env/test value into the key's type; raise ConfigError naming the key."""
    try:
        return _COERCE[key.kind](value, from_text)
    except ConfigError as exc:
        raise ConfigError(f"{key.name}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{key.name}: invalid value ({exc})") from None


def _str(value: Any, _text: bool) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("expected a string")
    return value


def _url(value: Any, text: bool) -> str | None:
    s = _str(value, text)
    if s is None:
        return None
    try:
        parse_url(s)
    except UnusableUrl:
        raise ConfigError("expected an http(s) URL without credentials, `..` or control characters") from None
    return s.rstrip("/")


def _bool(value: Any, text: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigError("expected a boolean")


def _int(value: Any, text: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError("expected an integer")
    number = int(value)
    if number < 0:
        raise ConfigError("must not be negative")
    return number


def _float(value: Any, text: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError("expected a number")
    number = float(value)
    if not number > 0:
        raise ConfigError("must be positive")
    return number


def _list(value: Any, text: bool) -> list[str]:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            value = json.loads(stripped)
        else:
            value = [v.strip() for v in stripped.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError("expected a list of strings")
    return list(value)


def _url_list(value: Any, text: bool) -> list[str]:
    return [_url(v, text) for v in _list(value, text)]  # type: ignore[misc]


def _algorithms(value: Any, text: bool) -> list[str]:
    algs = _list(value, text)
    bad = [a for a in algs if a not in ASYMMETRIC_ALGORITHMS]
    if bad or not algs:
        raise ConfigError(f"only asymmetric JWS algorithms are allowed ({', '.join(sorted(ASYMMETRIC_ALGORITHMS))})")
    return algs


def _date(value: Any, text: bool) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ConfigError("expected YYYY-MM-DD")
    return date.fromisoformat(value)


def _jurisdiction(value: Any, text: bool) -> str:
    if value not in JURISDICTIONS:
        raise ConfigError(f"expected one of {', '.join(JURISDICTIONS)}")
    return value


def _issuers(value: Any, text: bool) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if not isinstance(value, (list, tuple)):
        raise ConfigError("expected a list of issuer objects")
    issuers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ConfigError(f"issuer #{i} is not an object")
        unknown = set(item) - _ISSUER_FIELDS
        if unknown:
            raise ConfigError(f"issuer #{i} has unknown fields {sorted(unknown)}")
        iss = item.get("iss")
        if not isinstance(iss, str) or not iss:
            raise ConfigError(f"issuer #{i} needs a non-empty 'iss'")
        if iss in seen:
            raise ConfigError(f"issuer {iss!r} is listed twice")
        seen.add(iss)
        if (item.get("jwks_url") is None) == (item.get("jwks_file") is None):
            raise ConfigError(f"issuer {iss!r} needs exactly one of jwks_url, jwks_file")
        entry: dict[str, Any] = {"iss": iss}
        if item.get("jwks_url") is not None:
            entry["jwks_url"] = _url(item["jwks_url"], text)
        if item.get("jwks_file") is not None:
            entry["jwks_file"] = _str(item["jwks_file"], text)
        if item.get("jku") is not None:
            entry["jku"] = _url(item["jku"], text)
        if item.get("audience") is not None:
            aud = item["audience"]
            entry["audience"] = [_url(a, text) for a in ([aud] if isinstance(aud, str) else _list(aud, text))]
        if item.get("tenant") is not None:
            tenant = item["tenant"]
            entry["tenant"] = [tenant] if isinstance(tenant, str) else _list(tenant, text)
        if item.get("algorithms") is not None:
            entry["algorithms"] = _algorithms(item["algorithms"], text)
        issuers.append(entry)
    return issuers


_COERCE = {
    "str": _str,
    "url": _url,
    "bool": _bool,
    "int": _int,
    "float": _float,
    "list": _list,
    "url-list": _url_list,
    "algorithms": _algorithms,
    "date": _date,
    "jurisdiction": _jurisdiction,
    "issuers": _issuers,
}


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_allowed_scheme(url: str, allow_insecure: bool) -> bool:
    """https always; http only for loopback hosts when ALLOW_INSECURE_FHIR is on (development).
    A URL that fails the strict parse (configuration.urls) is allowed with no scheme."""
    try:
        parts = parse_url(url)
    except UnusableUrl:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and allow_insecure and is_loopback_host(parts.host)


def validate(config: Mapping[str, Any]) -> None:
    """Cross-key checks that single values cannot express."""
    if config["AUTH_ENABLED"] and not config["PUBLIC_BASE_URL"]:
        raise ConfigError("PUBLIC_BASE_URL is required when AUTH_ENABLED (the JWT audience is derived from it)")
    insecure = config["ALLOW_INSECURE_FHIR"]
    for url in config["FHIR_ALLOWLIST"]:
        if not url_allowed_scheme(url, insecure):
            raise ConfigError(f"FHIR_ALLOWLIST: {url} must be https (http only for loopback with ALLOW_INSECURE_FHIR)")
    for issuer in config["TRUSTED_ISSUERS"]:
        if "jwks_url" in issuer and not url_allowed_scheme(issuer["jwks_url"], insecure):
            raise ConfigError(f"TRUSTED_ISSUERS: jwks_url of {issuer['iss']!r} must be https")
    if config["HOOK_BUDGET_S"] <= 0 or config["FHIR_PAGE_CAP"] < 1:
        raise ConfigError("HOOK_BUDGET_S must be > 0 and FHIR_PAGE_CAP >= 1")
    if config["DATABASE_POOL_SIZE"] < 1:
        raise ConfigError("DATABASE_POOL_SIZE must be >= 1")


def codesystem_url(config: Mapping[str, Any]) -> str:
    base = config["CODESYSTEM_BASE"]
    return base if "/CodeSystem/" in base else f"{base}/CodeSystem/essdai"


def windows(config: Mapping[str, Any]) -> Windows:
    return Windows(
        labs=config["LAB_WINDOW_DAYS"],
        vitals=config["VITAL_WINDOW_DAYS"],
        prior_weights=config["PRIOR_WEIGHT_DAYS"],
        clinician=config["CLINICIAN_WINDOW_DAYS"],
    )


def as_of(config: Mapping[str, Any]) -> date:
    return config["ASSESSMENT_DATE"] or date.today()
