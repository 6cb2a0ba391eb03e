"""Gather a service's prefetch data: use what the client sent, fetch what it did not (CDS Hooks §1.3).

Per key, what arrived -> what we do:

| received                                   | action                                                     |
|--------------------------------------------|------------------------------------------------------------|
| key absent                                 | fetch from fhirServer (bearer token); none -> unavailable  |
| `null`                                     | no data; no re-query                                       |
| Bundle with no entries                     | no data; no re-query                                       |
| Bundle with entries (+ `next` link)        | use; follow `next` on the same FHIR base up to the page cap|
| bare OperationOutcome, Bundle of only OOs, | re-query once from fhirServer; failing that -> unavailable |
| a non-object, a read of the wrong resource |                                                            |
| a resource                                 | use                                                        |

A fetched read answered 404 is "no data"; any other FHIR failure makes the key unavailable, and so
does a read that answers another resource or a search whose entries are not of the searched type (a
search that finds nothing answers 200 with an empty Bundle, so a search's 404 is a failure too). The
keys' first search pages go in one FHIR batch when there are several (`BoundFhir.batch`; a server without
batch is read key by key, in parallel), reads beside it; `next` pages are followed in parallel, all inside
the hook's time budget.
Then Medications referenced by `medicationReference` (in the data or in `context.draftOrders`) and not
present are read too, the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fhir_access.client import (
    BoundFhir,
    Deadline,
    FhirBadResponse,
    FhirClient,
    FhirError,
    FhirNotAllowed,
    FhirNotFound,
    SearchResult,
    bundle_resources,
    next_link,
    relative_ok,
)
from fhir_access.registry import REFERENCE_RE, ServiceSpec, render, token_values

log = logging.getLogger("essdai_cds.prefetch")

State = Literal["ok", "no-data", "unavailable"]
MAX_MEDICATION_READS = 20  # distinct Medication resources read per call; more is not a real order set
_MEDICATION_USERS = ("MedicationRequest", "MedicationStatement", "MedicationAdministration", "MedicationDispense")


@dataclass
class KeyResult:
    key: str
    state: State
    resources: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""  # fixed text for logs and tests, never input
    partial: bool = False
    fetched: bool = False


@dataclass
class Gathered:
    results: dict[str, KeyResult]
    medications: list[dict[str, Any]]
    fhir_calls: int
    fhir_note: str = ""  # why no FHIR server could be used, if so
    templates: dict[str, str] = field(default_factory=dict)  # key -> template as rendered from the config

    def resources(self) -> tuple[dict[str, Any], ...]:
        """All resources, de-duplicated by (type, id), keys in declaration order, medications last."""
        seen: set[tuple[str, str]] = set()
        out: list[dict[str, Any]] = []
        for resource in [r for res in self.results.values() for r in res.resources] + self.medications:
            rid = resource.get("id")
            ident = (str(resource.get("resourceType")), rid) if isinstance(rid, str) else None
            if ident is not None:
                if ident in seen:
                    continue
                seen.add(ident)
            out.append(resource)
        return tuple(out)

    def keys_in(self, state: State) -> tuple[str, ...]:
        return tuple(k for k, r in self.results.items() if r.state == state)


@dataclass(frozen=True)
class FhirAccess:
    """`fhirServer` and `fhirAuthorization.access_token` of the request (token held in memory only)."""

    server: str | None
    token: str | None

    def __repr__(self) -> str:
        return f"FhirAccess(server={self.server!r}, token={'<set>' if self.token else None})"


def _is_read(template: str) -> bool:
    return "?" not in template


def _classify(value: Any, rendered: str | None) -> tuple[str, list[dict[str, Any]]]:
    """('data' | 'no-data' | 'error', resources) for one received prefetch value."""
    if value is None:
        return "no-data", []
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        return "error", []
    rtype = value["resourceType"]
    if rtype == "OperationOutcome":
        return "error", []
    if rtype == "Bundle":
        data, outcomes = bundle_resources(value)
        if outcomes and not data:
            return "error", []
        return ("data" if data else "no-data"), data
    if rendered is not None and _is_read(rendered):
        expected_type, _, expected_id = rendered.partition("/")
        if rtype != expected_type or value.get("id") != expected_id:
            return "error", []  # not the resource the template reads
    return "data", [value]


def gather(spec: ServiceSpec, *, context: Mapping[str, Any], prefetch: Mapping[str, Any], access: FhirAccess,
           config: Mapping[str, Any], client: FhirClient, deadline: Deadline) -> Gathered:
    values = token_values(context)
    templates = spec.templates(config)
    bound, note = _bind(client, access, deadline)
    results: dict[str, KeyResult] = {}
    fetches: dict[str, str] = {}  # key -> rendered relative URL, read from the FHIR server
    follows: dict[str, dict[str, Any]] = {}  # key -> the client's Bundle whose `next` pages are read

    for key in spec.prefetch:
        rendered = render(templates[key], values)
        if key in prefetch:
            kind, resources = _classify(prefetch[key], rendered)
            if kind == "no-data":
                results[key] = KeyResult(key, "no-data", reason="client sent no data")
                continue
            if kind == "data":
                results[key] = KeyResult(key, "ok", resources)
                value = prefetch[key]
                if bound is not None and value.get("resourceType") == "Bundle" and next_link(value):
                    follows[key] = value
                elif value.get("resourceType") == "Bundle" and next_link(value):
                    results[key].partial = True
                continue
            reason = "client prefetch failed"
        else:
            reason = "not prefetched"
        if bound is None or rendered is None:
            why = note if bound is None else "template token unresolved"
            results[key] = KeyResult(key, "unavailable", reason=f"{reason}; {why}")
        else:
            results[key] = KeyResult(key, "unavailable", reason=reason)  # replaced by the fetch outcome
            fetches[key] = rendered

    if (fetches or follows) and bound is not None:
        for key, outcome in _fetch(bound, client, deadline, fetches, follows).items():
            results[key] = _merge(results[key], outcome)

    medications: list[dict[str, Any]] = []
    if bound is not None:
        medications = _read_missing_medications(bound, client, deadline, results.values(), context)
    return Gathered(results, medications, bound.calls if bound is not None else 0, note, templates)


def _bind(client: FhirClient, access: FhirAccess, deadline: Deadline) -> tuple[BoundFhir | None, str]:
    if not access.server:
        return None, "no fhirServer in the request"
    try:
        return client.bind(access.server, access.token, deadline), ""
    except FhirNotAllowed:
        log.warning("fhirServer of a hook call is not in FHIR_ALLOWLIST; not called")
        return None, "fhirServer not allowlisted"


Outcome = tuple[str, SearchResult | None] | FhirError
_BATCH = object()  # run_parallel key of the batch, beside the keys' own follows


def _fetch(bound: BoundFhir, client: FhirClient, deadline: Deadline, fetches: Mapping[str, str],
           follows: Mapping[str, dict[str, Any]]) -> dict[str, Outcome]:
    """Outcome per key: the fetched searches' first pages in one batch, beside the reads and the follows of the
    client's pages; then their `next` pages in parallel. Key by key when the server does not do batch."""
    tasks: dict[Any, Any] = {key: _follow_task(bound, bundle) for key, bundle in follows.items()}
    # searches only: a read (the Patient) is a GET beside the batch, so a slow search that runs the batch past
    # the budget costs the searches' keys (a card says what could not be checked), never the required read (412)
    batched = {key: rendered for key, rendered in fetches.items() if relative_ok(rendered) and not _is_read(rendered)}
    if len(batched) < 2 or not client.batch_allowed(bound.base):
        batched = {}
    tasks.update((key, _fetch_task(bound, rendered)) for key, rendered in fetches.items() if key not in batched)
    if batched:
        tasks[_BATCH] = lambda: bound.batch(list(batched.values()))
    done: dict[Any, Any] = client.run_parallel(tasks, deadline)
    if _BATCH not in done:
        return done
    answers = done.pop(_BATCH)
    if answers is None:  # no batch here: each key on its own
        done.update(client.run_parallel({k: _fetch_task(bound, r) for k, r in batched.items()}, deadline))
        return done
    if isinstance(answers, FhirError):  # the whole request failed as each GET would have
        done.update((key, answers) for key in batched)
        return done
    paged: dict[str, Any] = {}
    for (key, rendered), answer in zip(batched.items(), answers):
        task = _fetch_task(bound, rendered, answer)
        if isinstance(answer, dict) and next_link(answer):
            paged[key] = task  # more pages: read in parallel below
            continue
        try:
            done[key] = task()
        except FhirError as exc:
            done[key] = exc
    if paged:
        done.update(client.run_parallel(paged, deadline))
    return done


def _fetch_task(bound: BoundFhir, rendered: str, answer: dict[str, Any] | FhirError | None = None):  # type: ignore[no-untyped-def]
    """The key's outcome from its first read: GET now, or `answer` (its batch entry) when given."""
    expected_type, _, expected_id = rendered.split("?")[0].partition("/")

    def first() -> dict[str, Any]:
        if answer is None:
            return bound.get(rendered)
        if isinstance(answer, FhirError):
            raise answer
        return answer

    def run() -> tuple[str, SearchResult | None]:
        if _is_read(rendered):
            try:
                resource = first()
            except FhirNotFound:  # only a read's 404 means "no such resource"
                return "not-found", None
            if resource.get("resourceType") == "OperationOutcome":
                raise FhirBadResponse("FHIR server returned an OperationOutcome")
            if resource.get("resourceType") != expected_type or resource.get("id") != expected_id:
                raise FhirBadResponse("read answered another resource")
            return "read", SearchResult([resource], partial=False)
        # a search finds nothing with 200 + empty Bundle: 404 is a failure
        result = bound.follow(first(), label=expected_type)
        if any(r.get("resourceType") != expected_type for r in result.resources):
            raise FhirBadResponse("search answered other resource types")
        return "search", result

    return run


def _follow_task(bound: BoundFhir, bundle: dict[str, Any]):  # type: ignore[no-untyped-def]
    def run() -> tuple[str, SearchResult | None]:
        return "follow", bound.follow(bundle)

    return run


def _merge(previous: KeyResult, outcome: Outcome) -> KeyResult:
    key = previous.key
    if isinstance(outcome, FhirError):
        if previous.state == "ok":  # a next page failed: keep the first page, note the gap
            previous.partial = True
            return previous
        return KeyResult(key, "unavailable", reason=f"FHIR fetch failed ({type(outcome).__name__})", fetched=True)
    kind, result = outcome
    if kind == "not-found" or result is None:
        return KeyResult(key, "no-data", reason="not found on the FHIR server", fetched=True)
    state: State = "ok" if result.resources else "no-data"
    return KeyResult(key, state, list(result.resources), partial=result.partial, fetched=True)


def _medication_refs(resources: Iterable[dict[str, Any]]) -> list[str]:
    refs: list[str] = []
    for resource in resources:
        if resource.get("resourceType") not in _MEDICATION_USERS:
            continue
        ref = resource.get("medicationReference")
        ref = ref.get("reference") if isinstance(ref, dict) else None
        if isinstance(ref, str):
            refs.append(ref)
    return refs


def _read_missing_medications(bound: BoundFhir, client: FhirClient, deadline: Deadline,
                              results: Iterable[KeyResult], context: Mapping[str, Any]) -> list[dict[str, Any]]:
    resources = [r for res in results for r in res.resources]
    draft = context.get("draftOrders")
    if isinstance(draft, dict):
        resources += bundle_resources(draft)[0]
    present = {r.get("id") for r in resources if r.get("resourceType") == "Medication"}
    wanted: list[str] = []
    for ref in _medication_refs(resources):
        if "://" in ref:  # absolute: only at or below the base after the strict parse (no `..`, no bad port)
            if not bound.under_base(ref) or not ref.startswith(bound.base + "/"):
                continue
            ref = ref[len(bound.base) + 1:]
        match = REFERENCE_RE.match(ref)  # contained ("#x"), urn:uuid and foreign URLs are not read
        if match and match.group(1) == "Medication" and match.group(2) not in present and ref not in wanted:
            wanted.append(ref)
    # a reference REFERENCE_RE takes but no relative URL (`Medication/..`) is never read, batch or not
    wanted = [ref for ref in wanted if relative_ok(ref)][:MAX_MEDICATION_READS]
    if not wanted:
        return []
    answers: list[Any] | None = None
    if len(wanted) > 1 and client.batch_allowed(bound.base):
        answer = client.run_parallel({"batch": lambda: bound.batch(wanted)}, deadline)["batch"]
        if isinstance(answer, FhirError):  # the whole request failed, as each read would have
            return []
        answers = answer
    if answers is None:
        answers = list(client.run_parallel({ref: (lambda ref=ref: bound.read(ref)) for ref in wanted},
                                           deadline).values())
    return [a for a in answers if isinstance(a, dict) and a.get("resourceType") == "Medication"]
