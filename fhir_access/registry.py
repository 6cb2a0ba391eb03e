"""Declarative service registry: one `ServiceSpec` per (id, hook) drives discovery, routing and prefetch.

A service is declared once (`Registry.service` decorator or `Registry.add`); the same id may be
registered for several hooks (CDS Hooks' "update stale guidance" pattern), and a call is routed on
the pair (id, body hook). Prefetch templates may use only CDS Hooks 2.0 tokens: `{{context.X}}` for
the hook's prefetch-token fields and the four user tokens; date tokens such as `{{today()}}` exist
only in the 3.0 ballot and are refused at registration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Context fields marked "Prefetch Token: Yes" in Hook Library 1.0.1 (cds-hooks-contract.md §2).
HOOK_CONTEXT_TOKENS: dict[str, frozenset[str]] = {
    "patient-view": frozenset({"userId", "patientId", "encounterId"}),
    "order-select": frozenset({"userId", "patientId", "encounterId"}),
    "order-sign": frozenset({"userId", "patientId", "encounterId"}),
}
DEFAULT_CONTEXT_TOKENS = frozenset({"userId", "patientId", "encounterId"})
# user token -> resource type of context.userId it is derived from (CDS Hooks 2.0 §"Prefetch tokens")
USER_TOKENS: dict[str, str] = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}
ORDER_HOOKS = frozenset({"order-select", "order-sign"})

TOKEN_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
FHIR_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
REFERENCE_RE = re.compile(r"^([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})$")
SERVICE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
RELATIVE_URL_RE = re.compile(r"^[A-Z][A-Za-z]+(/|\?)")  # "Type/..." or "Type?...": never absolute

Template = str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class PrefetchKey:
    """One prefetch entry. `template` is a relative FHIR read/search, or a function of the app config
    returning one (for code lists that depend on configuration). `label` names the data in a
    "could not be completed" card."""

    template: Template
    required: bool = True
    label: str = ""

    def render_template(self, config: Mapping[str, Any]) -> str:
        return self.template(config) if callable(self.template) else self.template


@dataclass(frozen=True)
class HookCall:
    """What a handler receives: validated request fields plus the gathered FHIR data."""

    spec: ServiceSpec
    hook_instance: str
    context: Mapping[str, Any]
    patient_id: str
    as_of: date
    config: Mapping[str, Any]
    resources: tuple[dict[str, Any], ...] = ()
    unavailable: tuple[str, ...] = ()  # required prefetch keys that could not be obtained
    partial: tuple[str, ...] = ()  # keys where pages were left unread
    by_key: Mapping[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    fhir_server: str | None = None  # the request's fhirServer, as sent

    @property
    def hook(self) -> str:
        return self.spec.hook

    @property
    def service_id(self) -> str:
        return self.spec.id

    def labels(self, keys: Iterable[str]) -> list[str]:
        return [self.spec.prefetch[k].label or k for k in keys if k in self.spec.prefetch]


Handler = Callable[[HookCall], list[dict[str, Any]]]


@dataclass(frozen=True)
class ServiceSpec:
    id: str
    hook: str
    title: str
    description: str
    usage_requirements: str | None
    prefetch: Mapping[str, PrefetchKey]
    handler: Handler
    # optional cheap test on (hook, context) alone; False answers `{"cards": []}` before any data is gathered
    relevant: Callable[[str, Mapping[str, Any]], bool] | None = None
    # False: routed but not in discovery (an old id kept for existing registrations; discovery lists
    # one entry per hook so a client keying services by id never overwrites one with another)
    listed: bool = True

    def templates(self, config: Mapping[str, Any]) -> dict[str, str]:
        rendered = {key: pk.render_template(config) for key, pk in self.prefetch.items()}
        for key, template in rendered.items():
            check_template(template, self.hook, f"{self.id}/{key}")
        return rendered

    def descriptor(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The discovery entry; empty optional members are omitted (the contract forbids them)."""
        entry: dict[str, Any] = {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "usageRequirements": self.usage_requirements,
            "prefetch": dict(sorted(self.templates(config).items())),
        }
        return {k: v for k, v in entry.items() if v not in (None, "", [], {})}


def check_template(template: str, hook: str, where: str) -> None:
    """Refuse anything but a relative FHIR read/search with CDS Hooks 2.0 tokens."""
    if not isinstance(template, str) or not RELATIVE_URL_RE.match(template):
        raise ValueError(f"{where}: prefetch template must be a relative FHIR read or search")
    allowed = HOOK_CONTEXT_TOKENS.get(hook, DEFAULT_CONTEXT_TOKENS)
    for token in TOKEN_RE.findall(template):
        if token.startswith("context."):
            if token.removeprefix("context.") not in allowed:
                raise ValueError(f"{where}: {{{{{token}}}}} is not a prefetch token of {hook}")
        elif token not in USER_TOKENS:
            raise ValueError(f"{where}: {{{{{token}}}}} is not a CDS Hooks 2.0 prefetch token")
    if "{{" in TOKEN_RE.sub("", template) or "}}" in TOKEN_RE.sub("", template):
        raise ValueError(f"{where}: unbalanced token braces")


def token_values(context: Mapping[str, Any]) -> dict[str, str]:
    """Token name -> value for this call. Values must look like FHIR ids (or `Type/id` for userId);
    anything else is left out, so templates using it stay unresolved (never injected into a URL)."""
    values: dict[str, str] = {}
    for name, value in context.items():
        if not isinstance(value, str):
            continue
        if name == "userId":
            match = REFERENCE_RE.match(value)
            if match:
                values["context.userId"] = value
                for token, rtype in USER_TOKENS.items():
                    if match.group(1) == rtype:
                        values[token] = match.group(2)
        elif FHIR_ID_RE.match(value):
            values[f"context.{name}"] = value
    return values


def render(template: str, values: Mapping[str, str]) -> str | None:
    """Fill `{{token}}`s; None when a token has no value (the key is then treated as absent)."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None:
            missing = True
            return ""
        return value

    rendered = TOKEN_RE.sub(fill, template)
    return None if missing else rendered


class Registry:
    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], ServiceSpec] = {}

    def add(self, spec: ServiceSpec) -> ServiceSpec:
        if not SERVICE_ID_RE.match(spec.id):
            raise ValueError(f"service id {spec.id!r} is not a safe path segment")
        if not spec.description:
            raise ValueError(f"service {spec.id}: description is required")
        if (spec.id, spec.hook) in self._specs:
            raise ValueError(f"service {spec.id!r} is already registered for {spec.hook}")
        for key, pk in spec.prefetch.items():
            if not isinstance(pk, PrefetchKey):
                raise TypeError(f"{spec.id}/{key}: prefetch values must be PrefetchKey")
            if not callable(pk.template):
                check_template(pk.template, spec.hook, f"{spec.id}/{key}")
        self._specs[(spec.id, spec.hook)] = spec
        return spec

    def service(self, *, id: str, hooks: str | Iterable[str], title: str, description: str,
                usage_requirements: str | None = None,
                prefetch: Mapping[str, PrefetchKey] | None = None,
                relevant: Callable[[str, Mapping[str, Any]], bool] | None = None,
                unlisted_aliases: Iterable[tuple[str, str]] = ()) -> Callable[[Handler], Handler]:
        """Decorator: register `handler` under `id` for each hook in `hooks`, and under each (alias id,
        hook) of `unlisted_aliases` without a discovery entry."""
        hook_list = [hooks] if isinstance(hooks, str) else list(hooks)

        def register(handler: Handler) -> Handler:
            entries = [(id, hook, True) for hook in hook_list] + [(a, h, False) for a, h in unlisted_aliases]
            for sid, hook, listed in entries:
                self.add(ServiceSpec(sid, hook, title, description, usage_requirements, dict(prefetch or {}),
                                     handler, relevant, listed))
            return handler

        return register

    def specs(self) -> list[ServiceSpec]:
        return [self._specs[k] for k in sorted(self._specs)]

    def has_id(self, service_id: str) -> bool:
        return any(sid == service_id for sid, _ in self._specs)

    def find(self, service_id: str, hook: str) -> ServiceSpec | None:
        return self._specs.get((service_id, hook))

    def hooks_of(self, service_id: str) -> list[str]:
        return sorted(h for sid, h in self._specs if sid == service_id)

    def discovery(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"services": [spec.descriptor(config) for spec in self.specs() if spec.listed]}
